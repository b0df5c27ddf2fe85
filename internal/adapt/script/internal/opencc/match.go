package opencc

import "fmt"

// text is what the conversion functions read: the caller's string, or a
// scratch buffer holding an intermediate stage's output.
type text interface{ ~string | ~[]byte }

// policy says how a dictionary group picks among its members' matches.
type policy uint8

const (
	// leaf is a single dictionary: its longest key that prefixes the input.
	leaf policy = iota
	// shortCircuit takes the first member with any match, even when a later
	// member has a longer one (OpenCC's default group policy).
	shortCircuit
	// union takes the longest match of any member; on equal length the
	// earlier member wins.
	union
)

// maxGroupLeaves bounds the dictionaries one matcher consults, so that a
// match keeps its per-dictionary results in fixed-size stack arrays.
const maxGroupLeaves = 8

// group is a compiled OpenCC dictionary expression: a single dictionary or a
// group of members combined by a policy.
type group struct {
	policy  policy
	leaf    int8 // index into the matcher's local dictionaries, for a leaf
	members []group
}

// matcher finds, at a position of the input, the key a dictionary expression
// matches (OpenCC's Dict::MatchPrefix).
type matcher struct {
	t *trie
	// want has bit i set for every trie dictionary this matcher consults.
	want uint64
	// starts has bit r set for every BMP rune that begins a key of a wanted
	// dictionary: 8 KiB that stay in cache and reject the characters that
	// cannot match with one load.
	starts *runeSet
	// local maps a trie dictionary to its index in the per-match arrays.
	local [maxLeaves]int8
	expr  group
	// single is set when expr is one dictionary, the common fast path.
	single bool
}

func newMatcher(t *trie, expr group, leaves []uint8) (*matcher, error) {
	if len(leaves) > maxGroupLeaves {
		return nil, fmt.Errorf("opencc: a dictionary group may hold at most %d dictionaries, got %d", maxGroupLeaves, len(leaves))
	}
	m := &matcher{t: t, expr: expr, single: expr.policy == leaf}
	for i := range m.local {
		m.local[i] = -1
	}
	for i, l := range leaves {
		m.want |= 1 << l
		m.local[l] = int8(i)
	}
	m.starts = t.startSet(m.want)
	return m, nil
}

// match returns the byte length and the value of the key that m matches at
// s[pos:], or 0 when there is none, together with the byte length of the
// character at pos so that a caller moving on does not decode it again. Keys
// never extend past the end of s, which is how conversions stay within a
// segment.
func match[T text](m *matcher, s T, pos int) (n int, value string, size int) {
	t := m.t
	r, size := decodeRune(s, pos)
	// Most characters start no key of the dictionaries asked about: answer
	// those before setting up a walk.
	if uint32(r) < 0x10000 && !m.starts.has(r) {
		return 0, "", size
	}
	node := t.next(0, r)
	if node == 0 || t.nodes[node].below&m.want == 0 {
		return 0, "", size
	}
	var (
		length [maxGroupLeaves]int32
		term   [maxGroupLeaves]int32
	)
	for i := pos + size; ; {
		for k := t.nodes[node].term; k < t.nodes[node+1].term; k++ {
			if l := m.local[t.termLeaf[k]]; l >= 0 {
				length[l], term[l] = int32(i-pos), k
			}
		}
		if i == len(s) {
			break
		}
		r, rs := decodeRune(s, i)
		if node = t.next(node, r); node == 0 || t.nodes[node].below&m.want == 0 {
			break
		}
		i += rs
	}
	var k int32
	if m.single {
		n, k = int(length[0]), term[0]
	} else {
		var n32 int32
		n32, k = m.expr.pick(&length, &term)
		n = int(n32)
	}
	if n == 0 {
		return 0, "", size
	}
	return n, t.termValue[k], size
}

// pick applies the group's policy to the longest match of each dictionary.
func (g *group) pick(length, term *[maxGroupLeaves]int32) (int32, int32) {
	switch g.policy {
	case leaf:
		return length[g.leaf], term[g.leaf]
	case shortCircuit:
		for i := range g.members {
			if n, k := g.members[i].pick(length, term); n > 0 {
				return n, k
			}
		}
	case union:
		var bestN, bestK int32
		for i := range g.members {
			if n, k := g.members[i].pick(length, term); n > bestN {
				bestN, bestK = n, k
			}
		}
		return bestN, bestK
	}
	return 0, 0
}

// decodeRune decodes the UTF-8 sequence at s[i:] like utf8.DecodeRune, but
// reports an invalid byte as rune -1 so that it can never match a key.
func decodeRune[T text](s T, i int) (rune, int) {
	c := s[i]
	if c < 0x80 {
		return rune(c), 1
	}
	n := len(s) - i
	switch {
	case c < 0xC2:
		return -1, 1
	case c < 0xE0:
		if n < 2 || s[i+1]&0xC0 != 0x80 {
			return -1, 1
		}
		return rune(c&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	case c < 0xF0:
		if n < 3 {
			return -1, 1
		}
		c1, c2 := s[i+1], s[i+2]
		lo, hi := byte(0x80), byte(0xBF)
		if c == 0xE0 {
			lo = 0xA0
		} else if c == 0xED {
			hi = 0x9F
		}
		if c1 < lo || c1 > hi || c2&0xC0 != 0x80 {
			return -1, 1
		}
		return rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
	case c < 0xF5:
		if n < 4 {
			return -1, 1
		}
		c1, c2, c3 := s[i+1], s[i+2], s[i+3]
		lo, hi := byte(0x80), byte(0xBF)
		if c == 0xF0 {
			lo = 0x90
		} else if c == 0xF4 {
			hi = 0x8F
		}
		if c1 < lo || c1 > hi || c2&0xC0 != 0x80 || c3&0xC0 != 0x80 {
			return -1, 1
		}
		return rune(c&0x07)<<18 | rune(c1&0x3F)<<12 | rune(c2&0x3F)<<6 | rune(c3&0x3F), 4
	}
	return -1, 1
}
