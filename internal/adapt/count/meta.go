package count

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of Meta's platforms.
const (
	FacebookPostLimit        = 63206
	InstagramCaptionLimit    = 2200
	InstagramHashtagLimit    = 30
	InstagramMentionLimit    = 20
	instagramMaxUsernameSize = 30
)

// FacebookPost returns the rule for the message of a Facebook Page post, counted in code points. At 63,206
// the limit rarely binds, so the choice of unit hardly matters.
func FacebookPost() Rule {
	return Rule{Name: "facebook.post", Limit: FacebookPostLimit, Unit: UnitChar, m: runeMeter(codePointCost)}
}

// InstagramCaption returns the rule for the characters of an Instagram caption. It counts UTF-16 code units,
// as the JavaScript of Instagram's web composer does, so an emoji outside the BMP counts two. Meta does not
// document its unit; if its server counts code points instead, UTF-16 overestimates only for such characters,
// which errs on the side of a caption that is accepted. See CheckInstagramCaption for the other limits.
func InstagramCaption() Rule {
	return Rule{Name: "instagram.caption", Limit: InstagramCaptionLimit, Unit: UnitUTF16, m: runeMeter(utf16Len)}
}

// InstagramCaptionCount is an Instagram caption measured against its three limits.
type InstagramCaptionCount struct {
	Chars    Length
	Hashtags Length
	Mentions Length
}

// Fits reports whether the caption is within all three limits.
func (c InstagramCaptionCount) Fits() bool {
	return c.Chars.Fits() && c.Hashtags.Fits() && c.Mentions.Fits()
}

// CheckInstagramCaption measures a caption's length, hashtags and @mentions against Instagram's limits of
// 2,200 characters, 30 hashtags and 20 mentions.
func CheckInstagramCaption(caption string) InstagramCaptionCount {
	return InstagramCaptionCount{
		Chars:    InstagramCaption().Count(caption),
		Hashtags: Length{Used: len(ExtractInstagramHashtags(caption)), Limit: InstagramHashtagLimit, Unit: UnitItem},
		Mentions: Length{Used: len(ExtractInstagramMentions(caption)), Limit: InstagramMentionLimit, Unit: UnitItem},
	}
}

// ExtractInstagramHashtags returns the hashtags Instagram would link: '#' not preceded by a letter, digit or
// '_', then letters, marks, digits and '_'. Unlike X, Instagram links all-digit tags such as #2024, so they
// count; a '#' inside a URL does not start a hashtag.
func ExtractInstagramHashtags(caption string) []Entity {
	t := []rune(caption)
	var tags []Entity
	for h := 0; h < len(t); h++ {
		if t[h] != '#' && t[h] != '＃' || h > 0 && instagramWordChar(t[h-1]) {
			continue
		}
		end := h + 1
		for end < len(t) && (instagramWordChar(t[end]) || unicode.IsMark(t[end])) {
			end++
		}
		if end == h+1 {
			continue
		}
		tags = append(tags, Entity{Kind: EntityHashtag, Text: string(t[h+1 : end]), Start: h, End: end})
		h = end - 1
	}
	if len(tags) == 0 {
		return nil
	}
	return removeOverlaps(tags, extractURLs(t))
}

// ExtractInstagramMentions returns the @mentions Instagram would link: '@' not preceded by a letter, digit
// or '_', then a username of up to 30 letters, digits, periods and underscores that does not end in a period.
// An e-mail address is not a mention.
func ExtractInstagramMentions(caption string) []Entity {
	var out []Entity
	for i := 0; i < len(caption); i++ {
		if caption[i] != '@' {
			continue
		}
		if prev, _ := utf8.DecodeLastRuneInString(caption[:i]); i > 0 && (instagramWordChar(prev) || prev == '.') {
			continue
		}
		end := i + 1
		for end < len(caption) && end-i-1 < instagramMaxUsernameSize && instagramUsernameByte(caption[end]) {
			end++
		}
		name := strings.TrimRight(caption[i+1:end], ".")
		if name == "" {
			continue
		}
		start := utf8.RuneCountInString(caption[:i])
		out = append(out, Entity{Kind: EntityMention, Text: name, Start: start, End: start + 1 + len(name)})
		i = end - 1
	}
	return out
}

func instagramWordChar(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func instagramUsernameByte(c byte) bool { return isASCIIAlnum(c) || c == '.' || c == '_' }
