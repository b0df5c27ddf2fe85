package service_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

func TestInvitationEmail_SaysWhoWhereWhichRoleAndUntilWhenInItsLanguage(t *testing.T) {
	ws := &ferry.Workspace{Name: "海港新聞 Harbour News", TimeZone: "Asia/Hong_Kong"}
	expires := time.Date(2026, 12, 13, 4, 30, 0, 0, time.UTC) // 12:30 in Hong Kong
	link := "https://ferry.example/invitations/tok"
	for _, c := range []struct {
		lang, subject string
		body          []string
	}{
		{"en", "Ada invited you to 海港新聞 Harbour News on Ferry", []string{"as an editor", "until Sunday 13 December 2026, 12:30 HKT", "works once"}},
		{"zh-Hant", "Ada邀請你加入 Ferry 的「海港新聞 Harbour News」", []string{"以「編輯」身分", "有效至 2026年12月13日 12:30 HKT", "電郵"}},
		{"zh-Hans", "Ada邀请你加入 Ferry 的“海港新聞 Harbour News”", []string{"以“编辑”身份", "有效期至 2026年12月13日 12:30 HKT", "邮件"}},
		{"fr", "Ada invited you to 海港新聞 Harbour News on Ferry", []string{"as an editor"}},
	} {
		subject, text := service.InvitationEmail(c.lang, ws, "Ada", ferry.RoleEditor, link, expires)
		require.Equal(t, c.subject, subject, c.lang)
		require.Contains(t, text, "\n"+link+"\n", c.lang)
		for _, want := range c.body {
			require.Contains(t, text, want, c.lang)
		}
	}
}
