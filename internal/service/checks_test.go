package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// TestChecks_TermsAndBlockedLinksAreProblemsOfTheVariant: an error term
// blocks scheduling like any error problem, in every script; a link to
// YouTube is a warning on Weibo and nothing on Telegram; a person's edit
// is checked as it stands; only admins change the lists.
func TestChecks_TermsAndBlockedLinksAreProblemsOfTheVariant(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		admin := b.as[ferry.RoleAdmin]
		wb := b.account(t, ferry.Weibo, "weibo", map[string]any{"link_url": "https://harbour.example/l"})
		tg := b.account(t, ferry.Telegram, "@harbour", nil)

		_, err := b.svc.PutSensitiveTerm(ctx, b.editor(), service.SensitiveTermInput{Term: "示威"})
		requireCode(t, ferry.EFORBIDDEN, err)
		_, err = b.svc.PutSensitiveTerm(ctx, admin, service.SensitiveTermInput{Term: " ", Severity: "fatal"})
		fe := requireCode(t, ferry.EINVALID, err)
		require.Equal(t, map[string]string{"term": "is required", "severity": `must be "warning" or "error"`}, fe.Details)
		_, err = b.svc.PutSensitiveTerm(ctx, admin, service.SensitiveTermInput{Term: "示威", Severity: ferry.SeverityError, Suggestion: "集會"})
		require.NoError(t, err)
		_, err = b.svc.AddBlockedHost(ctx, admin, "not a host")
		requireCode(t, ferry.EINVALID, err)
		h, err := b.svc.AddBlockedHost(ctx, admin, "https://News.Example.org/x")
		require.NoError(t, err)
		require.Equal(t, "news.example.org", h)

		at := b.now.Add(24 * time.Hour)
		in := service.StoryInput{Title: "遊行", Body: "市民示威。片段：https://youtu.be/abc https://harbour.example/l", Targets: []string{wb.ID, tg.ID}, ScheduledAt: &at}
		_, err = b.svc.CreateStory(ctx, b.editor(), in)
		fe = requireCode(t, ferry.EUNPROCESSABLE, err)
		problems := fe.Details.(map[string]any)["problems"].(map[string][]ferry.Problem)
		require.Contains(t, codesOf(problems[wb.ID]), "sensitive_term")
		require.Contains(t, codesOf(problems[tg.ID]), "sensitive_term")

		in.Body, in.ScheduledAt = "市民集會。片段：https://youtu.be/abc https://harbour.example/l", nil
		st, err := b.svc.CreateStory(ctx, b.editor(), in)
		require.NoError(t, err)
		require.Equal(t, []string{"blocked_link"}, codesOf(b.variant(t, st.ID, wb.ID).Problems))
		require.Empty(t, codesOf(b.variant(t, st.ID, tg.ID).Problems))

		// A person's words are checked too.
		text := "示威 see https://news.example.org/a"
		_, err = b.svc.EditVariant(ctx, b.editor(), st.ID, tg.ID, service.VariantEdit{Text: &text})
		require.NoError(t, err)
		require.Equal(t, []string{"sensitive_term"}, codesOf(b.variant(t, st.ID, tg.ID).Problems))

		checks, err := b.svc.Checks(ctx, b.as[ferry.RoleViewer])
		require.NoError(t, err)
		require.Len(t, checks.Terms, 1)
		require.Equal(t, []string{"news.example.org"}, checks.Hosts)
		require.Contains(t, checks.BuiltIn, "youtube.com")
		require.NoError(t, b.svc.DeleteSensitiveTerm(ctx, admin, "示威"))
		requireCode(t, ferry.ENOTFOUND, b.svc.DeleteSensitiveTerm(ctx, admin, "示威"))
		require.NoError(t, b.svc.DeleteBlockedHost(ctx, admin, "news.example.org"))
		require.Equal(t, []string{"checks.host_add", "checks.host_delete"}, b.actions(t, "blocked_host", "news.example.org"))
	})
}

func codesOf(ps []ferry.Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}
