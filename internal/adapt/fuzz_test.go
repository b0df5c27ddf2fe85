package adapt_test

import (
	"testing"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/count"
	"github.com/ferry-social/ferry/internal/adapt/script"
)

// FuzzAdapt checks that no story makes the pipeline panic, that each
// variant's length is its text counted by the platform's own rule, that
// every span lies inside its field, and that Telegram HTML built from any
// text parses (user text is always escaped).
func FuzzAdapt(f *testing.F) {
	f.Add("中秋節", "維港 <b>煙花</b> & @{chan} https://example.org #tag", "中秋", "https://gov.hk/x", uint8(1), "hk")
	f.Add("", "@{", "#", "", uint8(0), "s")
	f.Add("t", "&amp;\r\n\u2028@{chan}x", "a b", "http://a.b", uint8(20), "tw")
	f.Add("【】", "#话题# 第二 #话题#", "＃tag", "", uint8(3), "t")
	env := adapt.Env{People: map[string]adapt.Person{"chan": {Key: "chan", Name: "陳<大文>", Handles: map[ferry.Platform]string{ferry.Weibo: "陈大文", ferry.Telegram: "chan&co"}}}}
	f.Fuzz(func(t *testing.T, title, body, tag, link string, nMedia uint8, src string) {
		s := adapt.Story{Title: title, Body: body, Tags: []string{tag}, Links: []string{link}, Media: images(int(nMedia % 24)), Script: script.Script(src)}
		var targets []adapt.Target
		for _, p := range ferry.Platforms {
			targets = append(targets, adapt.Target{AccountID: "acc_" + string(p), Platform: p, LinkURL: weiboLink})
		}
		for _, v := range adapter.Adapt(s, targets, env) {
			checkVariant(t, v)
		}
	})
}

func checkVariant(t *testing.T, v adapt.Variant) {
	t.Helper()
	var rule count.Rule
	text := v.Text
	switch v.Platform {
	case ferry.Weibo:
		rule = count.Weibo()
	case ferry.Xiaohongshu:
		rule = count.XiaohongshuBody()
	case ferry.Instagram:
		rule = count.InstagramCaption()
	case ferry.Facebook:
		rule = count.FacebookPost()
	case ferry.Telegram:
		rule = count.TelegramMessage()
		if len(v.Media) > 0 {
			rule = count.TelegramCaption()
		}
		parsed, err := count.ParseTelegramHTML(v.Text)
		if err != nil {
			t.Fatalf("Telegram HTML does not parse: %v\n%q", err, v.Text)
		}
		text = parsed.Text
	}
	if want := rule.Count(text); v.Length.Used != want.Used || v.Length.Limit != want.Limit || v.Length.Unit != string(want.Unit) {
		t.Fatalf("%s: length %+v, the platform counts %+v", v.Platform, v.Length, want)
	}
	if over := !rule.Count(text).Fits(); over != hasCode(v.Problems, adapt.CodeTextTooLong) {
		t.Fatalf("%s: over the limit %v, but problems %v", v.Platform, over, v.Problems)
	}
	for _, p := range v.Problems {
		if p.Message == "" || p.MessageZH == "" || (p.Severity != ferry.SeverityError && p.Severity != ferry.SeverityWarning) {
			t.Fatalf("incomplete problem %+v", p)
		}
		if p.Span == nil {
			continue
		}
		field := v.Text
		if p.Field == "title" {
			field = v.Title
		}
		if n := utf8.RuneCountInString(field); p.Span[0] < 0 || p.Span[0] > p.Span[1] || p.Span[1] > n {
			t.Fatalf("%s %s: span %v outside the %d runes of %s", v.Platform, p.Code, *p.Span, n, p.Field)
		}
	}
	if !utf8.ValidString(v.Text) || !utf8.ValidString(v.Title) {
		t.Fatalf("%s: invalid UTF-8 out", v.Platform)
	}
}

func hasCode(ps []ferry.Problem, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

// FuzzDiff checks that a diff always rebuilds both texts.
func FuzzDiff(f *testing.F) {
	f.Add("今晚同你一齊賞月", "今晚同佢哋一齊睇月")
	f.Add("", "x")
	f.Add("abcabba", "cbabac")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return // texts are valid UTF-8 by the time they are compared
		}
		edits := adapt.Diff(a, b)
		if a == b {
			if edits != nil {
				t.Fatalf("equal texts gave %v", edits)
			}
			return
		}
		gotA, gotB := rebuild(edits)
		if gotA != a || gotB != b {
			t.Fatalf("diff of %q and %q rebuilds %q and %q", a, b, gotA, gotB)
		}
	})
}
