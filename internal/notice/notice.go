// Package notice words Ferry's notices (ferry.Notice) in a person's
// language, for the inbox, email and Telegram alike: one catalog per
// language in i18n/, keyed by kind.
package notice

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ferry-social/ferry"
)

//go:embed i18n/*.json
var files embed.FS

// Languages are the catalogs' languages; the first is the fallback.
var Languages = []string{"en", "zh-Hant", "zh-Hans"}

var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		raw, err := files.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			panic(fmt.Sprintf("notice: i18n/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}()

// T returns a catalog's text, with {name} replaced by args[name].
func T(lang, key string, args map[string]string) string {
	s, ok := catalogs[lang][key]
	if !ok {
		s = catalogs["en"][key]
	}
	for k, v := range args {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// Label names a kind of notice (the preferences page).
func Label(lang string, k ferry.NoticeKind) string { return T(lang, string(k)+".label", nil) }

// Reasoner words a notice's reason in a language from the codes the
// notice's data keep (reason_code and reason_args, or pause_reason); ""
// leaves the English reason the data keep.
type Reasoner func(lang string, n *ferry.Notice) string

// Words returns a notice's title and text in lang.
func Words(lang string, n *ferry.Notice, reason Reasoner) (title, body string) {
	args := map[string]string{}
	for k, v := range n.Data {
		args[k] = v
	}
	if args["story"] == "" {
		args["story"] = T(lang, "untitled", nil)
	}
	switch {
	case n.Actor == "system":
		args["actor"] = T(lang, "ferry", nil)
	case n.ActorName != "":
		args["actor"] = n.ActorName
	case strings.HasPrefix(n.Actor, "email:"):
		args["actor"] = strings.TrimPrefix(n.Actor, "email:") // an external approver
	default:
		args["actor"] = T(lang, "someone", nil)
	}
	if args["scope"] == "" {
		args["scope"] = T(lang, "scope.workspace", nil)
	}
	if reason != nil {
		if r := reason(lang, n); r != "" {
			args["reason"] = r
		}
	}
	title = T(lang, string(n.Kind)+".title", args)
	body = strings.TrimSpace(T(lang, string(n.Kind)+".body", args))
	return title, body
}

// Link is the path of the web page a notice is about.
func Link(n *ferry.Notice) string {
	switch {
	case n.Kind == ferry.NoticeApprovalRequested && n.Data["story_id"] != "":
		return "/stories/" + n.Data["story_id"] + "/review"
	case n.Data["story_id"] != "":
		return "/stories/" + n.Data["story_id"]
	case n.TargetType == "story":
		return "/stories/" + n.TargetID
	case n.TargetType == "account":
		return "/accounts/" + n.TargetID
	case n.TargetType == "pause":
		return "/pause"
	}
	return "/inbox"
}
