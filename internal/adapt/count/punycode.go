package count

import "golang.org/x/net/idna"

// punycodeLen returns the length of label as a DNS label: unchanged when it is ASCII, else the length of
// "xn--" and its Punycode encoding (RFC 3492), which is what limits a label to 63 characters.
//
// twitter-text encodes the label as written with punycode.toASCII: no IDNA mapping or validation. Of
// x/net/idna's profiles only Punycode does the same; Lookup, Display and Registration map (case, NFKC,
// U+3002 to '.') and reject runes twitter-text accepts. Punycode's one error on a label of at most 63 runes
// is a label starting "xn--" that does not decode ("xn--はじめよう"); it then returns the encoding of the
// whole label, which is what twitter-text measures, so the error is ignored. Labels of more than 63 runes
// are not encoded: the result is then only a lower bound, but still over 63.
func punycodeLen(label []rune) int {
	ascii := true
	for _, r := range label {
		if r >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return len(label)
	}
	if len(label) > maxDomainLabel {
		return len("xn--") + len(label) // every code point encodes to at least one character
	}
	encoded, _ := idna.Punycode.ToASCII(string(label))
	return len(encoded)
}
