package adapt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
)

func TestScreen_SensitiveTermsInEveryScriptAndBlockedLinksOnMainlandPlatforms(t *testing.T) {
	t.Parallel()
	a := adapt.New(script.NewConverter())
	sc := a.Screen([]ferry.SensitiveTerm{
		{Term: "示威", Severity: ferry.SeverityError, Suggestion: "集會"},
		{Term: "Breaking", Severity: ferry.SeverityWarning},
	}, []string{"example.org"})

	codes := func(ps []ferry.Problem) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Code+"/"+string(p.Severity)+"/"+p.Field)
		}
		return out
	}
	// Written in Traditional Chinese, found in a Simplified variant, with
	// its span in runes.
	ps := sc.Problems(adapt.Variant{Platform: ferry.Weibo, Text: "今日市民示威，详见 https://m.youtube.com/watch?v=1 和 www.example.org/a"})
	require.Equal(t, []string{"sensitive_term/error/text", "blocked_link/warning/text", "blocked_link/warning/text"}, codes(ps))
	require.Equal(t, &[2]int{4, 6}, ps[0].Span)
	require.Contains(t, ps[0].Message, `Suggested wording: "集會"`)
	require.Contains(t, ps[0].MessageZH, "建議改為「集會」")
	require.Contains(t, ps[1].Message, "youtube.com is blocked there")
	require.Contains(t, ps[1].MessageZH, "微博")
	require.Contains(t, ps[2].Message, "example.org")

	// Latin terms ignore case; links are fine outside Weibo and Xiaohongshu.
	ps = sc.Problems(adapt.Variant{Platform: ferry.Telegram, Title: "", Text: "BREAKING: see https://youtube.com/x"})
	require.Equal(t, []string{"sensitive_term/warning/text"}, codes(ps))

	// A look-alike domain is not a subdomain.
	ps = sc.Problems(adapt.Variant{Platform: ferry.Xiaohongshu, Title: "notyoutube.com", Text: "fine"})
	require.Empty(t, ps)
	ps = sc.Problems(adapt.Variant{Platform: ferry.Xiaohongshu, Title: "zh.wikipedia.org 說", Text: "ok"})
	require.Equal(t, []string{"blocked_link/warning/title"}, codes(ps))

	var none *adapt.Screen
	require.Empty(t, none.Problems(adapt.Variant{Platform: ferry.Weibo, Text: "youtube.com"}))
	require.Contains(t, adapt.BlockedHosts(), "wikipedia.org")
	require.NotContains(t, adapt.BlockedHosts(), "")
}
