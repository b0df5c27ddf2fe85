package opencc

// stage is one OpenCC converter: an optional maximum-matching segmentation
// and a chain of conversions applied to every segment in turn. A
// configuration's normalization pre-pass is a stage of its own, without
// segmentation, run before the main one.
type stage struct {
	segmentation *matcher // nil: the whole input is one segment
	chain        []*matcher
	// segmentationConverts is set when the first conversion of the chain
	// consults the segmentation dictionary first (OpenCC's s2* configurations
	// segment with STPhrases and convert with STPhrases, then STCharacters).
	// The first conversion of a segment that is a segmentation key then yields
	// that key's value, which the segmentation match already found.
	segmentationConverts bool
}

// Converter converts text with one OpenCC configuration. It is immutable and
// safe for concurrent use.
type Converter struct {
	name   string
	stages []stage
}

// Name returns the configuration name, e.g. "s2twp".
func (c *Converter) Name() string { return c.name }

// Convert converts s. Bytes that are not valid UTF-8 are copied through
// unchanged and never match a dictionary key.
func (c *Converter) Convert(s string) string {
	var buf buffers
	for i := range c.stages {
		s = c.stages[i].convert(s, &buf)
	}
	return s
}

// buffers are the scratch space of one Convert call: the output and the
// intermediate results of a conversion chain.
type buffers struct {
	out, a, b []byte
}

// convert runs the stage over s. When nothing in s matches, s itself is
// returned, which makes a normalization pass over ordinary text a scan.
func (st *stage) convert(s string, buf *buffers) string {
	if st.segmentation == nil {
		out := grow(buf.out[:0], len(s))
		if len(st.chain) == 1 {
			// Matching at a position depends only on the text from there on,
			// so conversion can start at the first match.
			first := firstMatch(st.chain[0], s)
			if first < 0 {
				return s
			}
			out = convertSpan(append(out, s[:first]...), st.chain[0], s[first:])
		} else {
			out = st.convertSegment(out, s, buf)
		}
		buf.out = out
		return string(out)
	}
	// OpenCC's MaxMatchSegmentation: a matched key is a segment of its own;
	// the characters between matched keys are gathered into one segment.
	out := grow(buf.out[:0], len(s))
	run := 0
	for i := 0; i < len(s); {
		n, value, size := match(st.segmentation, s, i)
		if n == 0 {
			i += size
			continue
		}
		if run < i {
			out = st.convertSegment(out, s[run:i], buf)
		}
		if st.segmentationConverts {
			out = st.convertChain(out, value, 1, buf)
		} else {
			out = st.convertSegment(out, s[i:i+n], buf)
		}
		i += n
		run = i
	}
	if run < len(s) {
		out = st.convertSegment(out, s[run:], buf)
	}
	buf.out = out
	return string(out)
}

// convertSegment appends to dst the segment converted by every conversion of
// the chain, each one reading the previous one's output.
func (st *stage) convertSegment(dst []byte, seg string, buf *buffers) []byte {
	return st.convertChain(dst, seg, 0, buf)
}

// convertChain appends to dst the segment converted by the conversions of the
// chain from the first-th on.
func (st *stage) convertChain(dst []byte, seg string, first int, buf *buffers) []byte {
	chain := st.chain[first:]
	switch len(chain) {
	case 0:
		return append(dst, seg...)
	case 1:
		return convertSpan(dst, chain[0], seg)
	}
	last := len(chain) - 1
	a := convertSpan(buf.a[:0], chain[0], seg)
	for _, m := range chain[1:last] {
		b := convertSpan(buf.b[:0], m, a)
		buf.b = a
		a = b
	}
	buf.a = a
	return convertSpan(dst, chain[last], a)
}

// convertSpan is OpenCC's Conversion::Convert: at each position the longest
// match replaces its key with the key's default value; an unmatched character
// is copied.
func convertSpan[T text](dst []byte, m *matcher, s T) []byte {
	copied := 0
	for i := 0; i < len(s); {
		n, value, size := match(m, s, i)
		if n == 0 {
			i += size
			continue
		}
		dst = append(dst, s[copied:i]...)
		dst = append(dst, value...)
		i += n
		copied = i
	}
	return append(dst, s[copied:]...)
}

// firstMatch returns the position of the first match of m in s, or -1.
func firstMatch(m *matcher, s string) int {
	for i := 0; i < len(s); {
		n, _, size := match(m, s, i)
		if n > 0 {
			return i
		}
		i += size
	}
	return -1
}

// grow returns b with room for a conversion of n input bytes; Traditional
// and Simplified text have the same length in UTF-8 save for rare characters.
func grow(b []byte, n int) []byte {
	if want := n + n/8; cap(b) < want {
		return make([]byte, 0, want)
	}
	return b
}
