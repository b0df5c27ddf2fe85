package count

import "unicode"

// Code points that build emoji sequences (UTS #51).
const (
	zwj                 = 0x200D
	variationEmoji      = 0xFE0F
	combiningKeycap     = 0x20E3
	tagCancel           = 0xE007F
	tagFirst, tagLast   = 0xE0020, 0xE007E
	modifierFirst       = 0x1F3FB
	modifierLast        = 0x1F3FF
	regionalFirst       = 0x1F1E6
	regionalLast        = 0x1F1FF
	copyrightSign       = 0xA9
	registeredSign      = 0xAE
	maxEmojiSequenceLen = 64 // longest sequence read as one emoji, in code points; real ones have at most 10
)

// emojiLen returns how many code points of t, from i, form one emoji the way X's emoji parsing (twemoji)
// sees it, or 0 when t[i] starts none. It recognises keycaps (1⃣, #️⃣), flags (pairs of regional
// indicators), tag sequences (🏴 subdivision flags), and pictographs with a variation selector or skin
// tone modifier joined by ZWJ into one (👨‍👩‍👧‍👦). © and ® are text unless followed by U+FE0F, which is
// the only case where emoji parsing changes the weight of a single character.
func emojiLen(t []rune, i int) int {
	at := func(j int) rune {
		if j < len(t) {
			return t[j]
		}
		return -1
	}
	r := t[i]
	switch {
	case r >= '0' && r <= '9' || r == '#' || r == '*':
		j := i + 1
		if at(j) == variationEmoji {
			j++
		}
		if at(j) == combiningKeycap {
			return j + 1 - i
		}
		return 0
	case r >= regionalFirst && r <= regionalLast:
		if n := at(i + 1); n >= regionalFirst && n <= regionalLast {
			return 2
		}
		return 1
	case r == copyrightSign || r == registeredSign:
		if at(i+1) != variationEmoji {
			return 0
		}
	case !emojiBase(r):
		return 0
	}
	j := emojiElementEnd(t, i)
	if at(j) >= tagFirst && at(j) <= tagLast {
		k := j
		for at(k) >= tagFirst && at(k) <= tagLast {
			k++
		}
		if at(k) == tagCancel {
			j = k + 1
		}
	}
	for at(j) == zwj && j+1 < len(t) && emojiBase(t[j+1]) && j-i < maxEmojiSequenceLen {
		j = emojiElementEnd(t, j+1)
	}
	return j - i
}

// emojiElementEnd returns the end of the element that starts at i: a pictograph with an optional
// variation selector and skin tone modifier.
func emojiElementEnd(t []rune, i int) int {
	j := i + 1
	if j < len(t) && t[j] == variationEmoji {
		j++
	}
	if j < len(t) && t[j] >= modifierFirst && t[j] <= modifierLast {
		j++
	}
	return j
}

// emojiBase reports whether r can be an element of an emoji sequence.
func emojiBase(r rune) bool {
	return unicode.Is(extendedPictographic, r) || r >= modifierFirst && r <= modifierLast
}
