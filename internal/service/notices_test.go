package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
)

// noticeJobs records the deliveries the notice system schedules, once the
// transaction commits (as River's InsertTx would keep them).
type noticeJobs struct {
	mu       sync.Mutex
	sends    []string // notice id/channel
	webhooks []string // event
}

func (j *noticeJobs) ScheduleNotice(_ context.Context, tx *store.Tx, id string, c ferry.NoticeChannel) error {
	tx.AfterCommit(func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.sends = append(j.sends, id+"/"+string(c))
	})
	return nil
}

func (j *noticeJobs) ScheduleNoticeWebhook(_ context.Context, tx *store.Tx, _, event string, _ []byte) error {
	tx.AfterCommit(func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.webhooks = append(j.webhooks, event)
	})
	return nil
}

// mailbox is a Mailer that keeps what it sends.
type mailbox struct {
	mu   sync.Mutex
	sent []string // to|subject|text
}

func (m *mailbox) Send(_ context.Context, to, subject, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject+"|"+text)
	return nil
}

// withNotices hangs the notice system on the bundle's audit trail, with
// email on and a webhook set.
func withNotices(t *testing.T, b *testBundle) (*noticeJobs, *mailbox) {
	t.Helper()
	jobs, mail := &noticeJobs{}, &mailbox{}
	b.svc.Notices = &service.Notices{Jobs: jobs, Mailer: mail, PublicURL: "https://ferry.example/"}
	b.db.SetAuditHook(b.svc.NoticeAudit)
	url := "https://hooks.example/ferry"
	_, err := b.svc.UpdateNotificationSettings(context.Background(), b.as[ferry.RoleAdmin], service.NotificationSettingsInput{WebhookURL: &url})
	require.NoError(t, err)
	return jobs, mail
}

func (b *testBundle) inbox(t *testing.T, r ferry.Role) *service.InboxPage {
	t.Helper()
	page, err := b.svc.Inbox(context.Background(), b.as[r], false, "", 0)
	require.NoError(t, err)
	return page
}

func TestNotices_WhoHearsOfWhatAndBy(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		f := withAccounts(t, b)
		jobs, _ := withNotices(t, b)

		// A pause: every member but the admin who paused hears of it, in the
		// inbox; by email at once (the default for a pause).
		_, err := f.svc.Pause(ctx, f.as[ferry.RoleAdmin], service.PauseInput{Reason: ferry.PauseMourning})
		require.NoError(t, err)
		require.Empty(t, f.inbox(t, ferry.RoleAdmin).Notices, "not the person who paused")
		for _, r := range []ferry.Role{ferry.RoleOwner, ferry.RoleEditor, ferry.RoleReviewer, ferry.RoleViewer} {
			page := f.inbox(t, r)
			require.Len(t, page.Notices, 1, r)
			require.Equal(t, 1, page.Unread)
			n := page.Notices[0]
			require.Equal(t, ferry.NoticePaused, n.Kind)
			require.Equal(t, "admin", n.ActorName)
			require.Equal(t, "mourning", n.Data["pause_reason"])
		}
		require.Len(t, jobs.sends, 4)
		require.Empty(t, jobs.webhooks, "the pause posts its own webhook")

		// A publication that fails: its author (the editor) and the owners
		// and admins hear of it; the webhook gets publication.failed.
		v := f.create(t, nil)
		pub := v.Publications[0]
		later := f.now.Add(time.Minute) // notices list newest first
		f.db.Now = func() time.Time { return later }
		fail := func(tx *store.Tx) error {
			p, err := tx.PublicationForUpdate(ctx, pub.ID)
			if err != nil {
				return err
			}
			from := p.State
			p.State = ferry.StateFailed
			p.SetReason(ferry.Because(ferry.ReasonRefused, "platform", p.Platform, "message", "Text too long."))
			if err := tx.SavePublication(ctx, p); err != nil {
				return err
			}
			return delivery.Transitioned(ctx, tx, nil, "system", p, from)
		}
		// Rolled back: nobody hears of what did not happen.
		boom := errors.New("boom")
		require.ErrorIs(t, f.db.InTx(ctx, func(tx *store.Tx) error {
			if err := fail(tx); err != nil {
				return err
			}
			return boom
		}), boom)
		require.Len(t, f.inbox(t, ferry.RoleEditor).Notices, 1)
		require.NoError(t, f.db.InTx(ctx, fail))
		for r, want := range map[ferry.Role]int{ferry.RoleOwner: 2, ferry.RoleAdmin: 1, ferry.RoleEditor: 2, ferry.RoleReviewer: 1, ferry.RoleViewer: 1} {
			require.Len(t, f.inbox(t, r).Notices, want, r)
		}
		n := f.inbox(t, ferry.RoleEditor).Notices[0]
		require.Equal(t, ferry.NoticePublicationFailed, n.Kind)
		require.Equal(t, "Night ferry", n.Data["story"])
		acct, err := f.db.Read().Account(ctx, f.ws.ID, pub.AccountID)
		require.NoError(t, err)
		require.Equal(t, acct.Name, n.Data["account"])
		require.Equal(t, v.ID, n.Data["story_id"])
		require.Equal(t, string(ferry.ReasonRefused), n.Data["reason_code"])
		require.Equal(t, []string{"publication.failed"}, jobs.webhooks)

		// An outcome Ferry is still looking for tells nobody; one a person
		// must settle does.
		unknown := func(reason ferry.Reason) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				p, err := tx.PublicationForUpdate(ctx, v.Publications[1].ID)
				if err != nil {
					return err
				}
				from := p.State
				p.State = ferry.StateUnknown
				p.SetReason(reason)
				if err := tx.SavePublication(ctx, p); err != nil {
					return err
				}
				return delivery.Transitioned(ctx, tx, nil, "system", p, from)
			}
		}
		evenLater := later.Add(time.Minute)
		f.db.Now = func() time.Time { return evenLater }
		require.NoError(t, f.db.InTx(ctx, unknown(ferry.Because(ferry.ReasonCheckingOutcome, "message", "timeout"))))
		require.Len(t, f.inbox(t, ferry.RoleEditor).Notices, 2)
		require.NoError(t, f.db.InTx(ctx, unknown(ferry.Because(ferry.ReasonOutcomeUnknown, "message", "timeout"))))
		require.Len(t, f.inbox(t, ferry.RoleEditor).Notices, 3)
		latest := f.inbox(t, ferry.RoleEditor).Notices[0]
		require.Equal(t, ferry.NoticeOutcomeUnknown, latest.Kind)
		marked, err := f.svc.MarkNoticesRead(ctx, f.editor(), []string{latest.ID}, false)
		require.NoError(t, err)
		require.EqualValues(t, 1, marked)
		require.Equal(t, 2, f.inbox(t, ferry.RoleEditor).Unread)
		marked, err = f.svc.MarkNoticesRead(ctx, f.editor(), nil, true)
		require.NoError(t, err)
		require.EqualValues(t, 2, marked)

		// Marking read.
		_, err = f.svc.MarkNoticesRead(ctx, f.editor(), nil, false)
		requireCode(t, ferry.EINVALID, err)
		marked, err = f.svc.MarkNoticesRead(ctx, f.editor(), []string{n.ID}, false)
		require.NoError(t, err)
		require.EqualValues(t, 0, marked, "already read")
		require.Zero(t, f.inbox(t, ferry.RoleEditor).Unread)
		// Another person's notice is not found.
		_, err = f.svc.OpenNotice(ctx, f.as[ferry.RoleViewer], n.ID)
		requireCode(t, ferry.ENOTFOUND, err)
	})
}

func TestNotices_PreferencesAndDigest(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		f := withAccounts(t, b)
		jobs, mail := withNotices(t, b)
		viewer := f.as[ferry.RoleViewer]

		_, err := f.svc.SetNoticePrefs(ctx, viewer, service.NoticePrefsInput{Prefs: []ferry.NoticePref{
			{Kind: "nope", Channel: ferry.ChannelEmail, Mode: ferry.NoticeNow},
			{Kind: ferry.NoticePaused, Channel: ferry.ChannelTelegram, Mode: ferry.NoticeDigest},
		}, TelegramChat: ptr("not a chat")})
		fe := requireCode(t, ferry.EINVALID, err)
		require.Equal(t, map[string]string{"prefs[0].kind": "unknown kind", "prefs[1].mode": "digest is for email only",
			"telegram_chat_id": "a chat id (digits, may start with -) or @channel name"}, fe.Details)

		v, err := f.svc.SetNoticePrefs(ctx, viewer, service.NoticePrefsInput{Prefs: []ferry.NoticePref{
			{Kind: ferry.NoticePaused, Channel: ferry.ChannelEmail, Mode: ferry.NoticeDigest},
			{Kind: ferry.NoticeResumed, Channel: ferry.ChannelEmail, Mode: ferry.NoticeDigest},
		}, TelegramChat: ptr("-100123")})
		require.NoError(t, err)
		require.Equal(t, "-100123", v.TelegramChat)
		modes := map[string]ferry.NoticeMode{}
		for _, p := range v.Prefs {
			modes[string(p.Kind)+"/"+string(p.Channel)] = p.Mode
		}
		require.Equal(t, ferry.NoticeDigest, modes["paused/email"])
		require.Equal(t, ferry.NoticeNow, modes["publication_failed/email"], "the default stays")
		require.Equal(t, ferry.NoticeOff, modes["paused/telegram"])

		_, err = f.svc.Pause(ctx, f.as[ferry.RoleAdmin], service.PauseInput{Reason: ferry.PauseSecurity})
		require.NoError(t, err)
		_, err = f.svc.Resume(ctx, f.as[ferry.RoleAdmin], service.ResumeInput{Due: "keep"})
		require.NoError(t, err)
		viewerNotices := f.inbox(t, ferry.RoleViewer).Notices
		require.Len(t, viewerNotices, 2)
		for _, n := range viewerNotices {
			require.NotContains(t, jobs.sends, n.ID+"/email", "the viewer's wait for the digest")
		}

		// The digest goes out at 08:00 in the workspace's time zone (Hong
		// Kong's by default), once.
		loc, err := time.LoadLocation(f.ws.TimeZone)
		require.NoError(t, err)
		day := time.Date(2026, 9, 21, 0, 0, 0, 0, loc)
		sent, err := f.svc.SendNoticeDigests(ctx, day.Add(7*time.Hour))
		require.NoError(t, err)
		require.Zero(t, sent)
		sent, err = f.svc.SendNoticeDigests(ctx, day.Add(8*time.Hour+10*time.Minute))
		require.NoError(t, err)
		require.Equal(t, 1, sent)
		require.Len(t, mail.sent, 1)
		require.Contains(t, mail.sent[0], "viewer@example.org|Ferry: 2 notices today|")
		require.Contains(t, mail.sent[0], "admin paused sending")
		require.Contains(t, mail.sent[0], "https://ferry.example/pause")
		sent, err = f.svc.SendNoticeDigests(ctx, day.Add(8*time.Hour+20*time.Minute))
		require.NoError(t, err)
		require.Zero(t, sent, "once")
	})
}

func ptr[T any](v T) *T { return &v }
