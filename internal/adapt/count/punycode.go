package count

// Bootstring parameters of Punycode (RFC 3492, section 5).
const (
	punyBase        = 36
	punyTMin        = 1
	punyTMax        = 26
	punySkew        = 38
	punyDamp        = 700
	punyInitialBias = 72
	punyInitialN    = 128
)

// punycodeLen returns the length of label as a DNS label: unchanged when it is ASCII, else the length of
// "xn--" and its Punycode encoding (RFC 3492), which is what limits a label to 63 characters.
// The label is encoded as written, without IDNA mapping, as twitter-text does. Labels of more than 63 runes
// are not encoded: the result is then only a lower bound, but still over 63.
func punycodeLen(label []rune) int {
	basic := 0
	for _, r := range label {
		if r < 0x80 {
			basic++
		}
	}
	if basic == len(label) {
		return len(label)
	}
	if len(label) > maxDomainLabel {
		return len("xn--") + len(label) // every code point encodes to at least one character
	}
	out := len("xn--") + basic
	if basic > 0 {
		out++ // the delimiter
	}
	n, delta, bias := rune(punyInitialN), 0, punyInitialBias
	for handled := basic; handled < len(label); {
		m := rune(0x7FFFFFFF)
		for _, r := range label {
			if r >= n && r < m {
				m = r
			}
		}
		delta += int(m-n) * (handled + 1)
		n = m
		for _, r := range label {
			if r < n {
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := punyBase; ; k += punyBase {
				t := min(max(k-bias, punyTMin), punyTMax)
				if q < t {
					break
				}
				out++
				q = (q - t) / (punyBase - t)
			}
			out++
			bias = punyAdapt(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return out
}

func punyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= punyDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((punyBase-punyTMin)*punyTMax)/2 {
		delta /= punyBase - punyTMin
		k += punyBase
	}
	return k + (punyBase-punyTMin+1)*delta/(delta+punySkew)
}
