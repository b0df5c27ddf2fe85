package adapt

import (
	"fmt"

	"github.com/ferry-social/ferry"
)

// Problem codes. They are stable: clients may match on them. Each problem
// carries its message in English (message) and in Traditional Chinese
// (message_zh, Hong Kong usage; a Simplified interface converts it with the
// script package).
const (
	// Errors: the platform would refuse the post, or Ferry cannot build it.
	CodeTextTooLong         = "text_too_long"         // over the platform's length; span from the first character past the limit
	CodeTitleTooLong        = "title_too_long"        // Xiaohongshu title over 20
	CodeTextEmpty           = "text_empty"            // nothing to post
	CodeWeiboLinkMissing    = "weibo_link_missing"    // the text lacks the account's safe-domain link
	CodeWeiboLinkUnset      = "weibo_link_unset"      // the Weibo account has no link_url setting (a warning in a platform preview)
	CodeWeiboTopic          = "weibo_topic"           // #topic# in a Weibo text, which statuses/share refuses
	CodeTooManyHashtags     = "too_many_hashtags"     // Instagram over 30, Xiaohongshu over 10
	CodeTooManyMentions     = "too_many_mentions"     // Instagram over 20
	CodeMediaCount          = "media_count"           // too few or too many images
	CodeTelegramHTMLInvalid = "telegram_html_invalid" // Telegram would not parse the HTML
	CodeMentionUnknown      = "mention_unknown"       // @{key} not in the people directory
	CodeScriptInvalid       = "script_invalid"        // unknown script, or conversion failed
	CodeUnknownPlatform     = "unknown_platform"
	CodeMediaUnfittable     = "media_unfittable" // an image cannot be fitted to the platform's rules

	// Warnings: worth knowing, not blocking.
	CodeTopicsDropped     = "weibo_topics_dropped" // tags left out on Weibo
	CodeHashtagsTruncated = "hashtags_truncated"   // tags beyond the platform's limit left out
	CodeHashtagInvalid    = "hashtag_invalid"      // a tag with nothing a hashtag can hold
	CodeLinksRemoved      = "links_removed"        // Xiaohongshu: links left out
	CodeLinksNotClickable = "links_not_clickable"  // Instagram captions (and Xiaohongshu notes) do not link addresses
	CodeLinkOmitted       = "link_omitted"         // a story link the template does not place
	CodeMentionNoHandle   = "mention_no_handle"    // the person has no handle on the platform: name written
	CodeMediaTruncated    = "media_truncated"      // images beyond the platform's maximum left out
	CodeVariantStale      = "variant_stale"        // the story changed since a person edited the variant
)

// StaleProblem is the warning on an edited variant whose story now
// generates something else than what the edit started from.
func StaleProblem() ferry.Problem {
	return warning(CodeVariantStale, "text", nil,
		"The story changed after this variant was edited: the edit is kept; see the diff for what the story now says.",
		"此版本編輯後，故事內容有變：已保留編輯；請查看差異了解故事現在的內容。")
}

// UnfittableProblem is the error on a variant one of whose images cannot be
// made to meet the platform's rules (reason says why).
func UnfittableProblem(p ferry.Platform, mediaID, reason string) ferry.Problem {
	return errorP(CodeMediaUnfittable, "media", nil,
		fmt.Sprintf("Image %s cannot be fitted to %s's rules: %s.", mediaID, p.Name(), reason),
		fmt.Sprintf("圖片 %s 無法調整至符合%s的規格：%s。", mediaID, platformNameZH(p), reason))
}

func problem(sev ferry.Severity, code, field string, span *[2]int, en, zh string) ferry.Problem {
	return ferry.Problem{Code: code, Severity: sev, Message: en, MessageZH: zh, Field: field, Span: span}
}

func errorP(code, field string, span *[2]int, en, zh string) ferry.Problem {
	return problem(ferry.SeverityError, code, field, span, en, zh)
}

func warning(code, field string, span *[2]int, en, zh string) ferry.Problem {
	return problem(ferry.SeverityWarning, code, field, span, en, zh)
}

// errorf and warnf format both messages with the same arguments, in the
// same order.
func errorf(code, field string, span *[2]int, en, zh string, args ...any) ferry.Problem {
	return errorP(code, field, span, fmt.Sprintf(en, args...), fmt.Sprintf(zh, args...))
}

func warnf(code, field string, span *[2]int, en, zh string, args ...any) ferry.Problem {
	return warning(code, field, span, fmt.Sprintf(en, args...), fmt.Sprintf(zh, args...))
}

func span(start, end int) *[2]int { return &[2]int{start, end} }

// platformNameZH is the platform's Chinese name in Traditional script,
// Latin names followed by a space before the Chinese text that follows.
func platformNameZH(p ferry.Platform) string {
	if n := p.NameZH(false); n != p.Name() {
		return n
	}
	return p.Name() + " "
}

func unitName(u string) (en, zh string) {
	switch u {
	case "weibo_char":
		return "Weibo characters", "字"
	case "utf16":
		return "characters (UTF-16 units)", "字元（UTF-16）"
	}
	return "characters", "字元"
}
