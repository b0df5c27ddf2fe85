package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/notify/smtptest"
	"github.com/ferry-social/ferry/internal/secret"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
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

// sealedJobs records the sealed tokens the service schedules, as River
// would keep them in the jobs' arguments.
type sealedJobs struct{ sealed map[string][][]byte }

func (j *sealedJobs) ScheduleInvitationEmail(_ context.Context, _ *store.Tx, id string, sealed []byte) error {
	j.sealed[id] = append(j.sealed[id], sealed)
	return nil
}

func TestSendInvitationEmail_OnlyTheCurrentLinkOfAnOpenInvitationIsSent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		owner := setUpOwner(t, svc)
		key := make([]byte, secret.KeySize)
		box, err := secret.New(key)
		require.NoError(t, err)
		mail := smtptest.New(t)
		mailer, err := notify.NewMailer(mail.URL(), "Ferry <ferry@example.org>")
		require.NoError(t, err)
		jobs := &sealedJobs{sealed: map[string][][]byte{}}
		svc.Mail = &service.InvitationMail{Mailer: mailer, Sealer: box, Jobs: jobs, PublicURL: "https://ferry.example/"}

		inv, token, err := svc.Invite(ctx, owner, service.InviteInput{Email: "lee@example.org", Role: ferry.RoleEditor})
		require.NoError(t, err)
		require.Equal(t, ferry.EmailSending, inv.EmailState)
		require.Equal(t, "zh-Hant", inv.Language, "the inviter's language by default")
		require.Len(t, jobs.sealed[inv.ID], 1)
		require.NotContains(t, string(jobs.sealed[inv.ID][0]), token, "sealed, not in clear")
		old := jobs.sealed[inv.ID][0]

		// Resent before the first job ran: the first job sends nothing.
		_, newToken, err := svc.ResendInvitation(ctx, owner, inv.ID, "en")
		require.NoError(t, err)
		require.NoError(t, svc.SendInvitationEmail(ctx, inv.ID, old, false))
		require.Empty(t, mail.Messages())
		require.NoError(t, svc.SendInvitationEmail(ctx, inv.ID, jobs.sealed[inv.ID][1], false))
		require.Len(t, mail.Messages(), 1)
		require.Contains(t, mail.Messages()[0].Body(), "https://ferry.example/invitations/"+newToken+"\n")
		require.NotContains(t, mail.Messages()[0].Body(), token)
		invs, err := svc.Invitations(ctx, owner)
		require.NoError(t, err)
		require.Equal(t, ferry.EmailSent, invs[0].EmailState)
		require.Equal(t, "en", invs[0].Language)

		// A sealed token moved to another invitation does not open.
		other, _, err := svc.Invite(ctx, owner, service.InviteInput{Email: "mei@example.org", Role: ferry.RoleViewer, Language: "zh-Hans"})
		require.NoError(t, err)
		err = svc.SendInvitationEmail(ctx, other.ID, jobs.sealed[inv.ID][1], false)
		require.True(t, notify.IsPermanent(err), "%v", err)
		require.Len(t, mail.Messages(), 1)

		// A withdrawn invitation is not emailed.
		require.NoError(t, svc.WithdrawInvitation(ctx, owner, inv.ID))
		require.NoError(t, svc.SendInvitationEmail(ctx, inv.ID, jobs.sealed[inv.ID][1], false))
		require.Len(t, mail.Messages(), 1)
	})
}
