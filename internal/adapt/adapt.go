// Package adapt turns a story into the variant each platform receives: the
// text in the platform's markup and conventions, and the media it takes.
package adapt

import (
	"html"
	"strings"

	"github.com/ferry-social/ferry"
)

// Draft is the part of a story that adaptation reads.
type Draft struct {
	Title    string
	Body     string
	MediaIDs []string
}

// Variant is a story adapted for one platform.
type Variant struct {
	Title    string
	Text     string
	MediaIDs []string
}

// Render adapts a draft for a platform with the default template.
func Render(p ferry.Platform, d Draft) Variant {
	v := Variant{MediaIDs: d.MediaIDs}
	title, body := strings.TrimSpace(d.Title), strings.TrimSpace(d.Body)
	switch p {
	case ferry.Telegram:
		// Telegram HTML: a bold title, then the body.
		v.Text = joinNonEmpty("\n\n", bold(title), html.EscapeString(body))
	case ferry.Weibo:
		// Weibo's convention: 【title】body.
		if title != "" {
			title = "【" + title + "】"
		}
		v.Text = title + body
	case ferry.Xiaohongshu:
		v.Title, v.Text = title, body
	default:
		v.Text = joinNonEmpty("\n\n", title, body)
	}
	return v
}

func bold(s string) string {
	if s == "" {
		return ""
	}
	return "<b>" + html.EscapeString(s) + "</b>"
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
