package adapt_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/count"
	"github.com/ferry-social/ferry/internal/adapt/script"
)

// One converter for every test: the dictionaries load once per process.
var adapter = adapt.New(script.NewConverter())

const weiboLink = "https://ferry.example/demo"

func adaptOne(t *testing.T, s adapt.Story, target adapt.Target, env adapt.Env) adapt.Variant {
	t.Helper()
	vs := adapter.Adapt(s, []adapt.Target{target}, env)
	require.Len(t, vs, 1)
	return vs[0]
}

// images returns n images of a story.
func images(n int) []adapt.Media {
	out := make([]adapt.Media, n)
	for i := range out {
		out[i] = adapt.Media{ID: fmt.Sprintf("med_%02d", i), Width: 1200, Height: 900}
	}
	return out
}

func codes(ps []ferry.Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func find(t *testing.T, ps []ferry.Problem, code string) ferry.Problem {
	t.Helper()
	for _, p := range ps {
		if p.Code == code {
			require.NotEmpty(t, p.Message)
			require.NotEmpty(t, p.MessageZH)
			return p
		}
	}
	t.Fatalf("no problem %q in %v", code, codes(ps))
	return ferry.Problem{}
}

func TestAdapt_Weibo(t *testing.T) {
	t.Parallel()
	target := adapt.Target{AccountID: "acc_w", Platform: ferry.Weibo, LinkURL: weiboLink}

	t.Run("TitleBodyAndSafeLinkInSimplified", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Title: "中秋節", Body: "維港煙花今晚八時開始。", Tags: []string{"中秋"}}, target, adapt.Env{})
		require.Equal(t, "【中秋节】维港烟花今晚八时开始。 "+weiboLink, v.Text)
		require.Equal(t, script.Simplified, v.Script)
		require.Empty(t, v.Hashtags)
		require.Equal(t, ferry.TextLength{Used: count.Weibo().Count(v.Text).Used, Limit: 140, Unit: "weibo_char"}, v.Length)
		// statuses/share refuses #topics#: dropped, with a warning.
		p := find(t, v.Problems, adapt.CodeTopicsDropped)
		require.Equal(t, ferry.SeverityWarning, p.Severity)
		require.False(t, ferry.HasErrors(v.Problems))
	})

	t.Run("OverflowIsAnErrorWithItsSpan", func(t *testing.T) {
		t.Parallel()
		body := strings.Repeat("港", 150)
		v := adaptOne(t, adapt.Story{Body: body, Script: script.Simplified}, target, adapt.Env{})
		p := find(t, v.Problems, adapt.CodeTextTooLong)
		require.Equal(t, ferry.SeverityError, p.Severity)
		require.Equal(t, "text", p.Field)
		// 140 characters fit; the span runs from the 141st to the end.
		require.Equal(t, &[2]int{140, utf8.RuneCountInString(v.Text)}, p.Span)
		require.Equal(t, 161, v.Length.Used, "150, then the space (1 byte) and the link (20 bytes): ceil(321/2)")
	})

	t.Run("EditedTextIsCheckedForTopicsAndTheLink", func(t *testing.T) {
		t.Parallel()
		v := adapt.Variant{Platform: ferry.Weibo, Text: "今晚 #中秋# 赏月"}
		_, ps := adapt.Check(v, target)
		require.ElementsMatch(t, []string{adapt.CodeWeiboTopic, adapt.CodeWeiboLinkMissing}, codes(ps))
		require.Equal(t, &[2]int{3, 7}, find(t, ps, adapt.CodeWeiboTopic).Span)
		_, ps = adapt.Check(adapt.Variant{Platform: ferry.Weibo, Text: "第 # 1 名\n#  # " + weiboLink}, target)
		require.Empty(t, ps, "a lone '#', or a pair around nothing but spaces, is no topic")
	})

	t.Run("AnAccountWithoutLinkBlocksAPlatformPreviewWarns", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "正文"}, adapt.Target{AccountID: "acc_w", Platform: ferry.Weibo}, adapt.Env{})
		require.Equal(t, ferry.SeverityError, find(t, v.Problems, adapt.CodeWeiboLinkUnset).Severity)
		v = adaptOne(t, adapt.Story{Body: "正文"}, adapt.Target{Platform: ferry.Weibo}, adapt.Env{})
		require.Equal(t, ferry.SeverityWarning, find(t, v.Problems, adapt.CodeWeiboLinkUnset).Severity)
	})

	t.Run("OneImage", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "图", Media: images(3)}, target, adapt.Env{})
		require.Len(t, v.Media, 1)
		require.Equal(t, "med_00", v.Media[0].SourceID)
		require.Equal(t, "weibo", v.Media[0].Spec)
		find(t, v.Problems, adapt.CodeMediaTruncated)
		_, ps := adapt.Check(adapt.Variant{Platform: ferry.Weibo, Text: "x " + weiboLink, Media: make([]ferry.VariantMedia, 2)}, target)
		require.Equal(t, []string{adapt.CodeMediaCount}, codes(ps))
	})
}

func TestAdapt_Xiaohongshu(t *testing.T) {
	t.Parallel()
	target := adapt.Target{AccountID: "acc_x", Platform: ferry.Xiaohongshu}

	t.Run("TitleIsItsOwnFieldAndTopicsCloseTheNote", func(t *testing.T) {
		t.Parallel()
		var tags []string
		for i := range 12 {
			tags = append(tags, fmt.Sprintf("話題%d", i))
		}
		v := adaptOne(t, adapt.Story{Title: "中秋燈會", Body: "今晚去睇燈。", Tags: tags, Media: images(1)}, target, adapt.Env{})
		require.Equal(t, "中秋灯会", v.Title)
		require.Len(t, v.Hashtags, 10)
		require.Equal(t, "#话题0", v.Hashtags[0])
		require.True(t, strings.HasSuffix(v.Text, "\n\n"+strings.Join(v.Hashtags, " ")), "topics at the end: %q", v.Text)
		require.True(t, strings.HasPrefix(v.Text, "今晚去睇灯。"))
		require.Equal(t, ferry.SeverityWarning, find(t, v.Problems, adapt.CodeHashtagsTruncated).Severity)
		require.False(t, ferry.HasErrors(v.Problems), "%v", v.Problems)
		require.Equal(t, "xiaohongshu", v.Media[0].Spec)
	})

	t.Run("TitleOver20IsAnError", func(t *testing.T) {
		t.Parallel()
		title := strings.Repeat("灯", 21)
		v := adaptOne(t, adapt.Story{Title: title, Body: "正文", Script: script.Simplified, Media: images(1)}, target, adapt.Env{})
		p := find(t, v.Problems, adapt.CodeTitleTooLong)
		require.Equal(t, "title", p.Field)
		require.Equal(t, &[2]int{20, 21}, p.Span)
		// ASCII counts one half: 40 letters fit.
		_, ps := adapt.Check(adapt.Variant{Platform: ferry.Xiaohongshu, Title: strings.Repeat("a", 40), Text: "x", Media: make([]ferry.VariantMedia, 1)}, target)
		require.Empty(t, ps)
	})

	t.Run("ExternalLinksAreStripped", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "详情见 https://example.org/a 。", Links: []string{"https://gov.hk/x"}, Script: script.Simplified, Media: images(1)}, target, adapt.Env{})
		require.NotContains(t, v.Text, "example.org")
		require.NotContains(t, v.Text, "gov.hk")
		require.Equal(t, ferry.SeverityWarning, find(t, v.Problems, adapt.CodeLinksRemoved).Severity)
	})

	t.Run("NeedsOneToEighteenImages", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "没有图"}, target, adapt.Env{})
		require.Equal(t, ferry.SeverityError, find(t, v.Problems, adapt.CodeMediaCount).Severity)
		v = adaptOne(t, adapt.Story{Body: "很多图", Media: images(19)}, target, adapt.Env{})
		require.Len(t, v.Media, 18)
		find(t, v.Problems, adapt.CodeMediaTruncated)
		require.False(t, ferry.HasErrors(v.Problems))
	})
}

func TestAdapt_Instagram(t *testing.T) {
	t.Parallel()
	target := adapt.Target{AccountID: "acc_i", Platform: ferry.Instagram}

	t.Run("NeedsAnImage", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "caption"}, target, adapt.Env{})
		require.Equal(t, []string{adapt.CodeMediaCount}, codes(v.Problems))
	})

	t.Run("AtMostThirtyHashtags", func(t *testing.T) {
		t.Parallel()
		var tags []string
		for i := range 35 {
			tags = append(tags, fmt.Sprintf("tag%d", i))
		}
		v := adaptOne(t, adapt.Story{Title: "Lanterns", Body: "Tonight #HongKong", Tags: tags, Media: images(2)}, target, adapt.Env{})
		require.Len(t, v.Hashtags, 29, "one hashtag is already in the body")
		require.Equal(t, 30, count.CheckInstagramCaption(v.Text).Hashtags.Used)
		find(t, v.Problems, adapt.CodeHashtagsTruncated)
		require.False(t, ferry.HasErrors(v.Problems))
		require.Equal(t, "Lanterns\n\nTonight #HongKong\n\n#tag0", v.Text[:len("Lanterns\n\nTonight #HongKong\n\n#tag0")], "caption, then the hashtag block")

		_, ps := adapt.Check(adapt.Variant{Platform: ferry.Instagram, Text: v.Text + " #one_more", Media: v.Media}, target)
		p := find(t, ps, adapt.CodeTooManyHashtags)
		require.Equal(t, ferry.SeverityError, p.Severity)
		require.Equal(t, utf8.RuneCountInString(v.Text+" #one_more"), p.Span[1])
	})

	t.Run("LinksAreNotClickable", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "More at", Links: []string{"https://example.org/more"}, Media: images(1)}, target, adapt.Env{})
		require.Contains(t, v.Text, "https://example.org/more")
		p := find(t, v.Problems, adapt.CodeLinksNotClickable)
		require.Equal(t, ferry.SeverityWarning, p.Severity)
		require.Equal(t, "https://example.org/more", string([]rune(v.Text)[p.Span[0]:p.Span[1]]))
	})
}

func TestAdapt_Telegram(t *testing.T) {
	t.Parallel()
	target := adapt.Target{AccountID: "acc_t", Platform: ferry.Telegram}

	t.Run("UserTextIsEscapedTemplateMarkupIsNot", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Title: "A <b> & C", Body: "x < y && \"z\"", Links: []string{"https://example.org/?a=1&b=2"}}, target, adapt.Env{})
		require.Equal(t, "<b>A &lt;b&gt; &amp; C</b>\n\nx &lt; y &amp;&amp; &quot;z&quot;\n\nhttps://example.org/?a=1&amp;b=2", v.Text)
		parsed, err := count.ParseTelegramHTML(v.Text)
		require.NoError(t, err)
		require.Equal(t, "A <b> & C\n\nx < y && \"z\"\n\nhttps://example.org/?a=1&b=2", parsed.Text)
		require.Equal(t, count.TelegramBold, parsed.Entities[0].Type)
		require.Empty(t, v.Problems)
	})

	t.Run("CaptionLimitWithMediaMessageLimitWithout", func(t *testing.T) {
		t.Parallel()
		body := strings.Repeat("&", 2000) // 2000 shown, 10000 in the HTML source
		v := adaptOne(t, adapt.Story{Body: body}, target, adapt.Env{})
		require.Equal(t, ferry.TextLength{Used: 2000, Limit: 4096, Unit: "utf16"}, v.Length)
		require.Empty(t, v.Problems)

		v = adaptOne(t, adapt.Story{Body: body, Media: images(1)}, target, adapt.Env{})
		require.Equal(t, 1024, v.Length.Limit)
		p := find(t, v.Problems, adapt.CodeTextTooLong)
		// The span is in the HTML source: the 1025th '&' is &amp; number 1025.
		require.Equal(t, &[2]int{1024 * 5, 2000 * 5}, p.Span)
	})

	t.Run("BrokenHTMLInAnEditIsAnError", func(t *testing.T) {
		t.Parallel()
		_, ps := adapt.Check(adapt.Variant{Platform: ferry.Telegram, Text: "ok <b>bold"}, target)
		require.Equal(t, []string{adapt.CodeTelegramHTMLInvalid}, codes(ps))
	})

	t.Run("AlbumOfAtMostTen", func(t *testing.T) {
		t.Parallel()
		v := adaptOne(t, adapt.Story{Body: "album", Media: images(12)}, target, adapt.Env{})
		require.Len(t, v.Media, 10)
		find(t, v.Problems, adapt.CodeMediaTruncated)
	})
}

func TestAdapt_Mentions(t *testing.T) {
	t.Parallel()
	env := adapt.Env{People: map[string]adapt.Person{
		"chan": {Key: "chan", Name: "陳大文", Handles: map[ferry.Platform]string{ferry.Weibo: "陈大文", ferry.Instagram: "@chantaiman"}},
	}}
	s := adapt.Story{Body: "多謝@{chan}同@{nobody}支持", Media: images(1)}
	w := adaptOne(t, s, adapt.Target{AccountID: "a", Platform: ferry.Weibo, LinkURL: weiboLink}, env)
	require.True(t, strings.HasPrefix(w.Text, "多谢@陈大文 同nobody支持"), "a handle ends with a space before text: %q", w.Text)
	require.Equal(t, ferry.SeverityError, find(t, w.Problems, adapt.CodeMentionUnknown).Severity)

	ig := adaptOne(t, s, adapt.Target{Platform: ferry.Instagram}, env)
	require.True(t, strings.HasPrefix(ig.Text, "多謝@chantaiman 同nobody支持"), ig.Text)

	// No Telegram handle: the name, and a warning.
	tg := adaptOne(t, adapt.Story{Body: "多謝@{chan}"}, adapt.Target{Platform: ferry.Telegram}, env)
	require.Equal(t, "多謝陳大文", tg.Text)
	require.Equal(t, []string{adapt.CodeMentionNoHandle}, codes(tg.Problems))

	// Not a mention: no key, or braces never closed.
	fb := adaptOne(t, adapt.Story{Body: "mail@{} and @{open"}, adapt.Target{Platform: ferry.Facebook}, env)
	require.Equal(t, "mail@{} and @{open", fb.Text)
}

func TestAdapt_AudienceScriptAndGlossary(t *testing.T) {
	t.Parallel()
	// OpenCC's own case (hk2sp): Hong Kong computer words become mainland ones.
	s := adapt.Story{Title: "滑鼠 游標 硬碟", Body: "滑鼠 游標 硬碟"}
	targets := []adapt.Target{
		{Platform: ferry.Facebook},                              // the story's own script
		{Platform: ferry.Facebook, Audience: script.Simplified}, // mainland readers
		{Platform: ferry.Facebook, Audience: script.Taiwan},
		{Platform: ferry.Xiaohongshu}, // Simplified by default
	}
	vs := adapter.Adapt(s, targets, adapt.Env{})
	require.Equal(t, "滑鼠 游標 硬碟\n\n滑鼠 游標 硬碟", vs[0].Text)
	require.Equal(t, script.HongKong, vs[0].Script)
	require.Equal(t, "鼠标 光标 硬盘\n\n鼠标 光标 硬盘", vs[1].Text)
	require.Equal(t, script.Simplified, vs[1].Script)
	require.Equal(t, script.Taiwan, vs[2].Script)
	require.Equal(t, "鼠标 光标 硬盘", vs[3].Title)

	g, err := script.NewGlossary([]string{"滑鼠"}, []script.Phrase{{From: "硬碟", To: "磁盘", Scripts: []script.Script{script.Simplified}}})
	require.NoError(t, err)
	vs = adapter.Adapt(s, targets[1:2], adapt.Env{Glossary: g})
	require.Equal(t, "滑鼠 光标 磁盘\n\n滑鼠 光标 磁盘", vs[0].Text, "protected terms stay, custom phrases replace")

	bad := adaptOne(t, s, adapt.Target{Platform: ferry.Facebook, Audience: "klingon"}, adapt.Env{})
	require.Equal(t, ferry.SeverityError, find(t, bad.Problems, adapt.CodeScriptInvalid).Severity)
	require.Equal(t, "滑鼠 游標 硬碟\n\n滑鼠 游標 硬碟", bad.Text, "not converted")
}

func TestAdapt_Templates(t *testing.T) {
	t.Parallel()
	tmpl, err := adapt.ParseTemplate("{{#title}}[{{title}}] {{/title}}{{body}}{{^link}} (no link){{/link}}\n\n\n{{hashtags}}")
	require.NoError(t, err)
	env := adapt.Env{Templates: map[ferry.Platform]*adapt.Template{ferry.Facebook: tmpl}}
	v := adaptOne(t, adapt.Story{Title: "T", Body: "B", Tags: []string{"x"}}, adapt.Target{Platform: ferry.Facebook}, env)
	require.Equal(t, "[T] B (no link)\n\n#x", v.Text, "blank lines collapse")
	v = adaptOne(t, adapt.Story{Body: "B", Links: []string{"https://example.org"}}, adapt.Target{Platform: ferry.Facebook}, env)
	require.Equal(t, "B", v.Text)
	require.Equal(t, []string{adapt.CodeLinkOmitted}, codes(v.Problems), "the template leaves the link out")

	for _, bad := range []string{"{{name}}", "{{#title}}open", "{{/title}}", "{{body", "{{#title}}{{/body}}"} {
		_, err := adapt.ParseTemplate(bad)
		require.Error(t, err, bad)
	}
	for _, p := range ferry.Platforms {
		_, err := adapt.ParseTemplate(adapt.DefaultTemplateSource(p))
		require.NoError(t, err, p)
	}
}

func TestDiff_RebuildsBothTexts(t *testing.T) {
	t.Parallel()
	cases := [][2]string{
		{"今晚同你一齊賞月", "今晚同佢哋一齊睇月"},
		{"", "new"},
		{"old", ""},
		{"same", "same"},
		{"abcabba", "cbabac"},
		{strings.Repeat("a", 3000), strings.Repeat("b", 3000)}, // beyond the edit bound: one delete, one insert
	}
	for _, c := range cases {
		if c[0] == c[1] {
			require.Nil(t, adapt.Diff(c[0], c[1]))
			continue
		}
		a, b := rebuild(adapt.Diff(c[0], c[1]))
		require.Equal(t, c[0], a)
		require.Equal(t, c[1], b)
	}
	require.Equal(t, []ferry.TextEdit{{Op: "equal", Text: "今晚同"}, {Op: "delete", Text: "你"}, {Op: "insert", Text: "佢哋"}, {Op: "equal", Text: "一齊"},
		{Op: "delete", Text: "賞"}, {Op: "insert", Text: "睇"}, {Op: "equal", Text: "月"}}, adapt.Diff(cases[0][0], cases[0][1]))
}

func rebuild(edits []ferry.TextEdit) (string, string) {
	var a, b strings.Builder
	for _, e := range edits {
		if e.Op != "insert" {
			a.WriteString(e.Text)
		}
		if e.Op != "delete" {
			b.WriteString(e.Text)
		}
	}
	return a.String(), b.String()
}
