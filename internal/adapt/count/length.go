package count

import "unicode/utf8"

// Unit names what a Length counts, so that callers can say "141/140 weibo_char" rather than a bare number.
type Unit string

// The units of the platforms' counters.
const (
	// UnitWeiboChar is Sina's "字": one per CJK character, one half per Latin-1 character, rounded up.
	UnitWeiboChar Unit = "weibo_char"
	// UnitUTF16 counts UTF-16 code units, as JavaScript's String.length and Telegram do.
	UnitUTF16 Unit = "utf16"
	// UnitChar counts Unicode code points.
	UnitChar Unit = "char"
	// UnitWeighted is X's weighted length: most CJK characters and emoji count two, URLs a fixed 23.
	UnitWeighted Unit = "weighted"
	// UnitItem counts things, such as the hashtags of a caption.
	UnitItem Unit = "item"
)

// Length is a text's length as a platform counts it, next to the platform's limit.
type Length struct {
	Used  int
	Limit int
	Unit  Unit
}

// Fits reports whether the text is within the limit.
func (l Length) Fits() bool { return l.Used <= l.Limit }

// Over returns by how much the text exceeds the limit, or zero when it fits.
func (l Length) Over() int { return max(l.Used-l.Limit, 0) }

// Span locates part of a text both in runes (for people and editors) and in bytes (for slicing Go strings).
// Ends are exclusive.
type Span struct {
	RuneStart, RuneEnd int
	ByteStart, ByteEnd int
}

// atom is an indivisible piece of text and what it costs in a meter's raw unit: a URL that counts as a
// whole, an emoji sequence, or a single rune. It starts at byte offset start of the measured text and ends
// where the next atom starts.
type atom struct {
	start int
	cost  int
}

// meter is what differs between platforms: how text splits into atoms and how raw cost becomes a count.
type meter interface {
	// atoms calls yield for each atom of text in order, stopping early when yield returns false.
	atoms(text string, yield func(atom) bool)
	// used converts a raw cost total into the platform's count.
	used(raw int) int
	// rawLimit is the largest raw total that still fits a limit of n.
	rawLimit(n int) int
}

// Rule counts one text field of one platform, such as a Weibo status or a Telegram caption. Get rules from
// the platform functions (Weibo, TelegramCaption, …); the zero Rule counts nothing. Limit may be changed, for
// instance to Weibo's 2,000 of its paid long-text endpoints, and Overflow follows it.
type Rule struct {
	// Name identifies the field, such as "weibo.status".
	Name  string
	Limit int
	Unit  Unit
	m     meter
}

// Count measures text as the platform does.
func (r Rule) Count(text string) Length {
	raw := 0
	r.m.atoms(text, func(a atom) bool {
		raw += a.cost
		return true
	})
	return Length{Used: r.m.used(raw), Limit: r.Limit, Unit: r.Unit}
}

// Overflow locates the part of text beyond the limit: from the first rune that makes the count exceed the
// limit to the end of the text. It reports false when the text fits. When that rune belongs to a unit the
// platform counts as a whole (a URL, an emoji sequence), the span starts at the unit's first rune.
func (r Rule) Overflow(text string) (Span, bool) {
	limit := r.m.rawLimit(r.Limit)
	raw, at := 0, -1
	r.m.atoms(text, func(a atom) bool {
		raw += a.cost
		if raw > limit {
			at = a.start
			return false
		}
		return true
	})
	if at < 0 {
		return Span{}, false
	}
	return Span{
		RuneStart: utf8.RuneCountInString(text[:at]),
		RuneEnd:   utf8.RuneCountInString(text),
		ByteStart: at,
		ByteEnd:   len(text),
	}, true
}

// runeMeter charges every rune by a per-rune cost function; its raw unit is its count unit.
type runeMeter func(r rune) int

func (m runeMeter) atoms(text string, yield func(atom) bool) {
	for i, r := range text {
		if !yield(atom{start: i, cost: m(r)}) {
			return
		}
	}
}

func (runeMeter) used(raw int) int   { return raw }
func (runeMeter) rawLimit(n int) int { return n }

// utf16Len is the number of UTF-16 code units that encode r.
func utf16Len(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

func codePointCost(rune) int { return 1 }

// utf16LenString is the length of s in UTF-16 code units.
func utf16LenString(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
