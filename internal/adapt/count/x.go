package count

import (
	"math"
	"slices"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// XConfig is a twitter-text configuration: how X weighs characters. Its JSON form is twitter-text's
// config/v*.json, which the field tags follow.
type XConfig struct {
	Version                int      `json:"version"`
	MaxWeightedTweetLength int      `json:"maxWeightedTweetLength"`
	Scale                  int      `json:"scale"`
	DefaultWeight          int      `json:"defaultWeight"`
	EmojiParsingEnabled    bool     `json:"emojiParsingEnabled"`
	TransformedURLLength   int      `json:"transformedURLLength"`
	Ranges                 []XRange `json:"ranges"`
}

// XRange gives the code points Start through End (inclusive) a weight other than the default.
type XRange struct {
	Start  int `json:"start"`
	End    int `json:"end"`
	Weight int `json:"weight"`
}

// xLatinRanges are the code points weighing one in configs v2 and v3: Latin, Greek, Cyrillic, Hebrew,
// Arabic, Indic scripts and more up to U+10FF, and general punctuation such as spaces, dashes and quotes.
var xLatinRanges = []XRange{
	{Start: 0, End: 4351, Weight: 100},
	{Start: 8192, End: 8205, Weight: 100},
	{Start: 8208, End: 8223, Weight: 100},
	{Start: 8242, End: 8247, Weight: 100},
}

// XConfigV1 returns twitter-text's config v1: 140 characters, each weighing one.
func XConfigV1() XConfig {
	return XConfig{Version: 1, MaxWeightedTweetLength: 140, Scale: 1, DefaultWeight: 1, TransformedURLLength: 23}
}

// XConfigV2 returns twitter-text's config v2: 280, with CJK and most other scripts weighing two.
func XConfigV2() XConfig {
	return XConfig{Version: 2, MaxWeightedTweetLength: 280, Scale: 100, DefaultWeight: 200,
		TransformedURLLength: 23, Ranges: slices.Clone(xLatinRanges)}
}

// XConfigV3 returns twitter-text's config v3, the one X uses: v2 with every emoji sequence weighing two.
func XConfigV3() XConfig {
	c := XConfigV2()
	c.Version, c.EmojiParsingEnabled = 3, true
	return c
}

// X returns the rule for a post on X under config v3. Overflow positions refer to the text as given, to
// the start of the normalisation segment where the limit is crossed.
func X() Rule { return XWithConfig(XConfigV3()) }

// XWithConfig returns the rule for a post on X under config c.
func XWithConfig(c XConfig) Rule {
	return Rule{Name: "x.post", Limit: c.MaxWeightedTweetLength, Unit: UnitWeighted, m: xMeter{c}}
}

// XParse is twitter-text's parseTweet result. Ranges are inclusive UTF-16 indices into the text as given.
type XParse struct {
	// WeightedLength is the weight over the scale, rounded up should a custom config make it fractional.
	WeightedLength int
	// Valid is false when the text is empty, too long, or contains U+FFFE, U+FEFF or U+FFFF.
	Valid      bool
	Permillage int
	// DisplayRangeEnd is the index of the text's last UTF-16 unit.
	DisplayRangeStart, DisplayRangeEnd int
	// ValidRangeEnd is the index of the last UTF-16 unit within the limit.
	ValidRangeStart, ValidRangeEnd int
}

// ParseX weighs text as twitter-text's parseTweet does: NFC-normalised, each URL counting
// TransformedURLLength, each emoji sequence DefaultWeight when emoji parsing is on, every other code point
// by the range it falls in.
func ParseX(text string, c XConfig) XParse {
	normalized := norm.NFC.String(text)
	units := xUnits(normalized, c)
	limit := c.MaxWeightedTweetLength * c.Scale
	weight, index, lastValid, valid := 0, -1, 0, true
	for _, u := range units {
		weight += u.weight
		index += u.utf16
		if valid {
			valid = !u.invalid
		}
		if valid && weight <= limit {
			lastValid = index
		}
	}
	textLen := utf16LenString(text)
	p := XParse{
		WeightedLength:  ceilDiv(weight, max(c.Scale, 1)),
		Valid:           valid && weight > 0 && weight <= limit,
		ValidRangeEnd:   lastValid + textLen - utf16LenString(normalized),
		DisplayRangeEnd: max(textLen-1, 0),
	}
	if c.MaxWeightedTweetLength > 0 && c.Scale > 0 {
		// twitter-text computes this in floating point; doing the same keeps its rounding.
		p.Permillage = int(math.Floor(float64(weight) / float64(c.Scale) / float64(c.MaxWeightedTweetLength) * 1000))
	}
	return p
}

// xUnit is one step of parseTweet: a URL, an emoji sequence or a code point, in the normalised text.
type xUnit struct {
	runes, utf16 int
	weight       int
	// invalid is whether its last UTF-16 unit is one parseTweet rejects (it checks no other).
	invalid bool
}

func xUnits(normalized string, c XConfig) []xUnit {
	t := []rune(normalized)
	urls := extractURLs(t)
	units := make([]xUnit, 0, len(t))
	for i := 0; i < len(t); {
		var u xUnit
		switch n := emojiAtIfEnabled(t, i, c); {
		case len(urls) > 0 && urls[0].Start == i:
			n := utf8.RuneCountInString(urls[0].Text)
			urls = urls[1:]
			u = xUnit{runes: n, weight: c.TransformedURLLength * c.Scale}
		case n > 0:
			u = xUnit{runes: n, weight: c.DefaultWeight}
		default:
			u = xUnit{runes: 1, weight: xCharWeight(t[i], c)}
		}
		for _, r := range t[i : i+u.runes] {
			u.utf16 += utf16Len(r)
		}
		last := t[i+u.runes-1]
		u.invalid = last <= 0xFFFF && invalidTweetChar(last)
		units = append(units, u)
		i += u.runes
	}
	return units
}

func emojiAtIfEnabled(t []rune, i int, c XConfig) int {
	if !c.EmojiParsingEnabled {
		return 0
	}
	return emojiLen(t, i)
}

// xCharWeight weighs one code point. twitter-text weighs a character outside the BMP by its low surrogate,
// which no range covers, so in practice by the default weight.
func xCharWeight(r rune, c XConfig) int {
	code := int(r)
	if r > 0xFFFF {
		code = 0xDC00 + int(r-0x10000)&0x3FF
	}
	for _, rg := range c.Ranges {
		if code >= rg.Start && code <= rg.End {
			return rg.Weight
		}
	}
	return c.DefaultWeight
}

// xMeter adapts parseTweet's weighing to Rule. Its atoms are normalisation segments of the original text, so
// that positions map back to it; within a segment the units of the normalised form are summed.
type xMeter struct{ c XConfig }

func (m xMeter) used(raw int) int   { return ceilDiv(raw, max(m.c.Scale, 1)) }
func (m xMeter) rawLimit(n int) int { return n * m.c.Scale }

func (m xMeter) atoms(text string, yield func(atom) bool) {
	normalized := norm.NFC.String(text)
	units := xUnits(normalized, m.c)
	if normalized == text {
		start := 0
		for _, u := range units {
			end := start
			for range u.runes {
				_, size := utf8.DecodeRuneInString(text[end:])
				end += size
			}
			if !yield(atom{start: start, cost: u.weight}) {
				return
			}
			start = end
		}
		return
	}
	// Normalisation changed the text: walk the original by normalisation segments and charge each segment
	// the units whose first code point falls within its normal form.
	var it norm.Iter
	it.InitString(norm.NFC, text)
	start, segEnd, unitStart := 0, 0, 0
	for !it.Done() {
		segEnd += utf8.RuneCount(it.Next())
		end := it.Pos()
		cost := 0
		for len(units) > 0 && unitStart < segEnd {
			cost += units[0].weight
			unitStart += units[0].runes
			units = units[1:]
		}
		if !yield(atom{start: start, cost: cost}) {
			return
		}
		start = end
	}
}
