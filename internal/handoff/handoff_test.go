package handoff_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestNoteURL_AcceptsNotePagesAndShareLinksOnly(t *testing.T) {
	t.Parallel()
	good := []struct{ in, url, id string }{
		{"https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708192a3b", "https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708192a3b", "66f1a2b3c4d5e6f708192a3b"},
		{"xiaohongshu.com/explore/66f1a2b3c4d5e6f708192a3b?xsec_token=AB1&xsec_source=pc_share#top", "https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708192a3b?xsec_token=AB1&xsec_source=pc_share", "66f1a2b3c4d5e6f708192a3b"},
		{"http://www.xiaohongshu.com/discovery/item/66f1a2b3c4d5e6f708192a3b", "https://www.xiaohongshu.com/discovery/item/66f1a2b3c4d5e6f708192a3b", "66f1a2b3c4d5e6f708192a3b"},
		{"  http://xhslink.com/a/Ab3dEf9  ", "https://xhslink.com/a/Ab3dEf9", ""},
		{"【中秋快乐】月饼测评 http://xhslink.com/a/Ab3dEf9 复制本条信息，打开【小红书】App查看精彩内容！", "https://xhslink.com/a/Ab3dEf9", ""},
	}
	for _, c := range good {
		u, id, err := handoff.NoteURL(c.in)
		require.NoError(t, err, c.in)
		require.Equal(t, c.url, u, c.in)
		require.Equal(t, c.id, id, c.in)
	}
	for _, in := range []string{"", "https://www.xiaohongshu.com/", "https://www.xiaohongshu.com/user/profile/5f1", "https://xiaohongshu.com.evil.example/explore/66f1a2b3c4d5",
		"https://evil.example/xiaohongshu.com/explore/66f1a2b3c4d5", "https://xhslink.com/", "javascript:alert(1)", "ftp://xhslink.com/a/abc",
		"https://user@www.xiaohongshu.com/explore/66f1a2b3c4d5", "https://www.xiaohongshu.com:8443/explore/66f1a2b3c4d5", "published it, thanks", "https://www.xiaohongshu.com/explore/<script>"} {
		_, _, err := handoff.NoteURL(in)
		require.True(t, ferry.IsCode(err, ferry.EINVALID), "%q: %v", in, err)
	}
}

func TestParseSettings_ReadsOperatorsAndTimingAndSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	defaults := handoff.Timing{Deadline: 2 * time.Hour}
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"operators":["Ops@Example.org",{"email":"li@example.org","name":"Li","telegram_chat_id":123456},{"telegram_chat_id":"-1009"},"ops@example.org"],
		"lead_time":"15m","deadline_after":"90m","link_url":"ignored"}`), &raw))
	s, err := handoff.ParseSettings(raw, defaults)
	require.NoError(t, err)
	require.Equal(t, []handoff.Operator{{Email: "ops@example.org"}, {Email: "li@example.org", Name: "Li", TelegramChatID: "123456"}, {TelegramChatID: "-1009"}}, s.Operators)
	require.Equal(t, 15*time.Minute, s.Lead)
	require.Equal(t, 90*time.Minute, s.Deadline)

	s, err = handoff.ParseSettings(map[string]any{"operators": []any{"not-an-email", map[string]any{"email": "a@b.org", "phone": "1"}, "ok@example.org"},
		"lead_time": "48h", "deadline_after": 7200}, defaults)
	require.Error(t, err)
	for _, want := range []string{"operators[0]", "operators[1]", "lead_time", "deadline_after"} {
		require.Contains(t, err.Error(), want)
	}
	require.Equal(t, []handoff.Operator{{Email: "ok@example.org"}}, s.Operators, "the valid operators still count")
	require.Equal(t, defaults, s.Timing, "invalid timings fall back to the defaults")
}

func TestSigner_LinksAreBoundToTheHandoffAndExpire(t *testing.T) {
	t.Parallel()
	s := handoff.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Now()
	q := s.Query("hof_1", now.Add(time.Hour))
	require.NoError(t, s.Check("hof_1", q, now))
	require.ErrorIs(t, s.Check("hof_2", q, now), handoff.ErrBadSignature, "another handoff")
	require.ErrorIs(t, s.Check("hof_1", q, now.Add(2*time.Hour)), handoff.ErrExpired)
	longer := url.Values{"e": {"9999999999"}, "s": q["s"]}
	require.ErrorIs(t, s.Check("hof_1", longer, now), handoff.ErrBadSignature, "a moved expiry")
	require.ErrorIs(t, s.Check("hof_1", url.Values{}, now), handoff.ErrBadSignature)
	sig := q.Get("s")
	broken := url.Values{"e": q["e"], "s": {sig[:10] + "\n" + sig[10:]}}
	require.ErrorIs(t, s.Check("hof_1", broken, now), handoff.ErrBadSignature, "the signature with a line break, which base64 decoding skips")
	other := handoff.NewSigner([]byte("another key, another installation"))
	require.ErrorIs(t, other.Check("hof_1", q, now), handoff.ErrBadSignature)
}

func TestSigner_DuringAKeyRotationOldLinksWorkUntilTheOldKeyGoes(t *testing.T) {
	t.Parallel()
	oldKey, newKey := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	now := time.Now()
	sent := handoff.NewSigner(oldKey).Query("hof_1", now.Add(time.Hour))
	rotating := handoff.NewSigner(newKey, oldKey)
	require.NoError(t, rotating.Check("hof_1", sent, now), "a link sent before the rotation")
	fresh := rotating.Query("hof_1", now.Add(time.Hour))
	newOnly := handoff.NewSigner(newKey)
	require.NoError(t, newOnly.Check("hof_1", fresh, now), "new links are signed with the new key")
	require.ErrorIs(t, newOnly.Check("hof_1", sent, now), handoff.ErrBadSignature, "the old key removed")
}

// fakeJobs records what the Manager enqueues.
type fakeJobs struct {
	mu        sync.Mutex
	notes     []handoff.Notification
	deadlines map[string]time.Time
	opens     []time.Time
}

func (f *fakeJobs) ScheduleHandoffNotification(_ context.Context, _ *store.Tx, n handoff.Notification) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes = append(f.notes, n)
	return nil
}

func (f *fakeJobs) ScheduleHandoffDeadline(_ context.Context, _ *store.Tx, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deadlines == nil {
		f.deadlines = map[string]time.Time{}
	}
	f.deadlines[id] = at
	return nil
}

func (f *fakeJobs) ScheduleHandoffOpen(_ context.Context, _ *store.Tx, _ string, _ int, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens = append(f.opens, at)
	return nil
}

func (f *fakeJobs) notifications(event string) []handoff.Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []handoff.Notification
	for _, n := range f.notes {
		if n.Event == event {
			out = append(out, n)
		}
	}
	return out
}

// fakeSender records messages of every transport.
type fakeSender struct {
	mu   sync.Mutex
	sent []string
}

func (f *fakeSender) Send(_ context.Context, to, a, b string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, to+"|"+a+"|"+b)
	return nil
}

type fakeTelegram struct{ fakeSender }

func (f *fakeTelegram) Send(ctx context.Context, chat, text string) error {
	return f.fakeSender.Send(ctx, chat, text, "")
}

type fakeWebhooks struct{ fakeSender }

func (f *fakeWebhooks) Post(ctx context.Context, target, secret, event, id string, body []byte) error {
	return f.fakeSender.Send(ctx, target, event, string(body))
}

// fixture is a workspace with a Xiaohongshu account and one due
// publication, and a Manager with fake jobs and transports.
type fixture struct {
	db    *store.DB
	m     *handoff.Manager
	jobs  *fakeJobs
	mail  *fakeSender
	tg    *fakeTelegram
	hooks *fakeWebhooks
	clock time.Time
	ws    string
	acct  *ferry.Account
	pub   *ferry.Publication
}

func setup(t *testing.T, b testdb.Backend, settings map[string]any) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: testdb.Open(t, b), jobs: &fakeJobs{}, mail: &fakeSender{}, tg: &fakeTelegram{}, hooks: &fakeWebhooks{}, clock: time.Now().UTC().Truncate(time.Millisecond)}
	f.m = &handoff.Manager{DB: f.db, Jobs: f.jobs, Log: slog.New(slog.DiscardHandler), Links: handoff.NewSigner([]byte("test key")), PublicURL: "https://ferry.example",
		Mailer: f.mail, Telegram: f.tg, Webhooks: f.hooks, Defaults: handoff.Timing{Deadline: 2 * time.Hour}, LinkMargin: time.Hour,
		Now: func() time.Time { return f.clock }}
	// No require inside a transaction: a failing test must not leave it open.
	require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
		ws := &ferry.Workspace{Name: "T"}
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		f.ws = ws.ID
		for _, u := range []struct {
			email string
			role  ferry.Role
		}{{"owner@example.org", ferry.RoleOwner}, {"admin@example.org", ferry.RoleAdmin}, {"editor@example.org", ferry.RoleEditor}} {
			usr := &ferry.User{Email: u.email, PasswordHash: "x"}
			if err := tx.CreateUser(ctx, usr); err != nil {
				return err
			}
			if err := tx.SetMembership(ctx, ws.ID, usr.ID, u.role); err != nil {
				return err
			}
		}
		f.acct = &ferry.Account{WorkspaceID: ws.ID, Platform: ferry.Xiaohongshu, ExternalID: "red1", Name: "Red One", Credentials: map[string]string{}, Settings: settings}
		if err := tx.CreateAccount(ctx, f.acct); err != nil {
			return err
		}
		st := &ferry.Story{WorkspaceID: ws.ID, Title: "中秋", Body: "月饼", Targets: []string{f.acct.ID}, CreatedBy: "usr_x"}
		if err := tx.CreateStory(ctx, st); err != nil {
			return err
		}
		if err := tx.PutVariant(ctx, ferry.Variant{StoryID: st.ID, AccountID: f.acct.ID, Platform: ferry.Xiaohongshu, Title: "中秋", Text: "月饼\n\n#中秋", Hashtags: []string{"#中秋"}}); err != nil {
			return err
		}
		sched := f.clock
		f.pub = &ferry.Publication{WorkspaceID: ws.ID, StoryID: st.ID, AccountID: f.acct.ID, Platform: ferry.Xiaohongshu, State: ferry.StateScheduled, ScheduledAt: &sched}
		return tx.CreatePublication(ctx, f.pub)
	}))
	return f
}

// open runs Open as the engine does: under the lock, in a transaction.
func (f *fixture) open(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	return f.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.PublicationForUpdate(ctx, f.pub.ID)
		if err != nil {
			return err
		}
		return f.m.Open(ctx, tx, p, f.acct)
	})
}

func (f *fixture) publication(t *testing.T) *ferry.Publication {
	t.Helper()
	p, err := f.db.Read().Publication(context.Background(), f.ws, f.pub.ID)
	require.NoError(t, err)
	return p
}

func (f *fixture) handoff(t *testing.T) *ferry.Handoff {
	t.Helper()
	h, err := f.db.Read().LatestHandoff(context.Background(), f.ws, f.pub.ID)
	require.NoError(t, err)
	return h
}

var completed = func(context.Context, *store.Tx) error { return nil }

func TestManager(t *testing.T) {
	t.Parallel()
	operators := map[string]any{"operators": []any{"ops@example.org", map[string]any{"email": "li@example.org", "telegram_chat_id": "4242"}}}
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()

			t.Run("OpensOncePerVersionAndNotifiesTheOperators", func(t *testing.T) {
				t.Parallel()
				f := setup(t, b, operators)
				require.NoError(t, f.db.Write().PutNotificationSettings(ctx, &ferry.NotificationSettings{WorkspaceID: f.ws, WebhookURL: "https://hooks.example/x", WebhookSecret: "0123456789abcdef"}))
				require.NoError(t, f.open(t))
				p := f.publication(t)
				require.Equal(t, ferry.StateHandoff, p.State)
				require.Equal(t, ferry.ReasonHandoffWaiting, p.ReasonCode)
				h := f.handoff(t)
				at, perr := time.Parse(time.RFC3339, p.ReasonArgs["at"])
				require.NoError(t, perr)
				require.True(t, at.Equal(h.DeadlineAt.Truncate(time.Second)), "the reason names the deadline, to the second: %s", p.ReasonArgs["at"])
				require.Equal(t, ferry.HandoffOpen, h.State)
				require.Equal(t, p.Version, h.Version)
				require.Equal(t, f.clock.Add(2*time.Hour), h.DeadlineAt)
				require.Equal(t, h.DeadlineAt, f.jobs.deadlines[h.ID])
				require.ElementsMatch(t, []handoff.Notification{
					{HandoffID: h.ID, Event: handoff.EventOpened, Channel: handoff.ChannelEmail, To: "ops@example.org"},
					{HandoffID: h.ID, Event: handoff.EventOpened, Channel: handoff.ChannelEmail, To: "li@example.org"},
					{HandoffID: h.ID, Event: handoff.EventOpened, Channel: handoff.ChannelTelegram, To: "4242"},
					{HandoffID: h.ID, Event: handoff.EventOpened, Channel: handoff.ChannelWebhook},
				}, f.jobs.notes)

				// The database refuses a second handoff for the same version.
				err := f.db.InTx(ctx, func(tx *store.Tx) error {
					p, _ := tx.PublicationForUpdate(ctx, f.pub.ID)
					p.State = ferry.StateScheduled
					return f.m.Open(ctx, tx, p, f.acct)
				})
				require.True(t, ferry.IsCode(err, ferry.ECONFLICT), "%v", err)

				// Each notification is written when sent, with the signed link.
				for _, n := range f.jobs.notes {
					require.NoError(t, f.m.Deliver(ctx, n, "ntf_1"))
				}
				require.Len(t, f.mail.sent, 2)
				require.Contains(t, f.mail.sent[0], "Publish on Xiaohongshu")
				require.Contains(t, f.mail.sent[0], "https://ferry.example/handoff/"+h.ID+"?e=")
				require.Len(t, f.tg.sent, 1)
				require.True(t, strings.HasPrefix(f.tg.sent[0], "4242|Publish on Xiaohongshu"), f.tg.sent[0])
				require.Len(t, f.hooks.sent, 1)
				var payload struct {
					Event   string `json:"event"`
					Handoff struct {
						ID      string `json:"id"`
						State   string `json:"state"`
						Title   string `json:"title"`
						PageURL string `json:"page_url"`
					} `json:"handoff"`
				}
				require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(f.hooks.sent[0], "https://hooks.example/x|handoff.opened|")), &payload))
				require.Equal(t, "handoff.opened", payload.Event)
				require.Equal(t, h.ID, payload.Handoff.ID)
				require.Equal(t, "open", payload.Handoff.State)
				require.Equal(t, "中秋", payload.Handoff.Title)
				require.Equal(t, f.m.PageURL(h), payload.Handoff.PageURL)
			})

			t.Run("ConfirmPublishesWithTheURLOnce", func(t *testing.T) {
				t.Parallel()
				f := setup(t, b, operators)
				require.NoError(t, f.open(t))
				c := handoff.Confirmation{WorkspaceID: f.ws, PublicationID: f.pub.ID, Actor: "user:usr_1", Via: "api"}
				c.URL = "https://example.org/not-a-note"
				_, err := f.m.Confirm(ctx, c)
				require.True(t, ferry.IsCode(err, ferry.EINVALID), "%v", err)
				require.Equal(t, ferry.StateHandoff, f.publication(t).State)

				c.URL = "https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708192a3b"
				p, err := f.m.Confirm(ctx, c)
				require.NoError(t, err)
				require.Equal(t, ferry.StatePublished, p.State)
				require.Equal(t, c.URL, p.RemoteURL)
				require.Equal(t, "66f1a2b3c4d5e6f708192a3b", p.RemoteID)
				require.NotNil(t, p.PublishedAt)
				h := f.handoff(t)
				require.Equal(t, ferry.HandoffConfirmed, h.State)
				require.Equal(t, "user:usr_1", h.ClosedBy)

				_, err = f.m.Confirm(ctx, c)
				require.NoError(t, err, "confirming again with the same URL changes nothing")
				c.URL = "https://xhslink.com/a/other"
				_, err = f.m.Confirm(ctx, c)
				require.True(t, ferry.IsCode(err, ferry.ECONFLICT), "%v", err)

				// The deadline finds nothing to do.
				f.clock = f.clock.Add(3 * time.Hour)
				require.NoError(t, f.m.Expire(ctx, h.ID, completed))
				require.Equal(t, ferry.StatePublished, f.publication(t).State)
			})

			t.Run("DeadlineMissesItAndTellsTheAdmins", func(t *testing.T) {
				t.Parallel()
				f := setup(t, b, operators)
				require.NoError(t, f.open(t))
				h := f.handoff(t)
				done := false
				require.NoError(t, f.m.Expire(ctx, h.ID, func(context.Context, *store.Tx) error { done = true; return nil }))
				require.True(t, done)
				require.Equal(t, ferry.StateHandoff, f.publication(t).State, "a deadline job run before the deadline does nothing")

				f.clock = h.DeadlineAt.Add(time.Millisecond)
				require.NoError(t, f.m.Expire(ctx, h.ID, completed))
				p := f.publication(t)
				require.Equal(t, ferry.StateMissed, p.State)
				require.Equal(t, ferry.ReasonHandoffMissed, p.ReasonCode)
				require.Equal(t, ferry.HandoffMissed, f.handoff(t).State)
				// Members hear of it through their notices (the audit event's);
				// the handoff system tells only the webhook, and here there is none.
				require.Empty(t, f.jobs.notifications(handoff.EventMissed))
				require.Equal(t, 1, f.audits(t, "handoff.missed"))
				_, err := f.m.Confirm(ctx, handoff.Confirmation{HandoffID: h.ID, URL: "https://xhslink.com/a/late", Actor: "x", Via: "page"})
				require.True(t, ferry.IsCode(err, ferry.ECONFLICT), "%v", err)
			})

			t.Run("AnEditOrCancelWithdrawsIt", func(t *testing.T) {
				t.Parallel()
				f := setup(t, b, operators)
				require.NoError(t, f.open(t))
				h := f.handoff(t)
				// What the service's cancel does: a new version, canceled.
				require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
					p, err := tx.PublicationForUpdate(ctx, f.pub.ID)
					if err != nil {
						return err
					}
					p.Version++
					p.State = ferry.StateCanceled
					return tx.SavePublication(ctx, p)
				}))
				require.Equal(t, ferry.HandoffWithdrawn, handoff.Status(h, f.publication(t)))
				_, err := f.m.Confirm(ctx, handoff.Confirmation{HandoffID: h.ID, URL: "https://xhslink.com/a/abc", Actor: "x", Via: "page"})
				require.True(t, ferry.IsCode(err, ferry.ECONFLICT), "%v", err)
				require.Contains(t, ferry.ErrorMessage(err), "withdrawn")

				// A late "opened" notice is dropped, and the deadline records the withdrawal.
				f.tg.sent = nil
				require.NoError(t, f.m.Deliver(ctx, handoff.Notification{HandoffID: h.ID, Event: handoff.EventOpened, Channel: handoff.ChannelTelegram, To: "4242"}, "ntf_9"))
				require.Empty(t, f.tg.sent)
				f.clock = h.DeadlineAt.Add(time.Second)
				require.NoError(t, f.m.Expire(ctx, h.ID, completed))
				require.Equal(t, ferry.HandoffWithdrawn, f.handoff(t).State)
				require.Equal(t, ferry.StateCanceled, f.publication(t).State)
				require.Empty(t, f.jobs.notifications(handoff.EventMissed))
			})

			t.Run("ALeadTimeOpensItEarly", func(t *testing.T) {
				t.Parallel()
				f := setup(t, b, map[string]any{"operators": []any{"ops@example.org"}, "lead_time": "1h", "deadline_after": "30m"})
				sched := f.clock.Add(90 * time.Minute)
				require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
					p, _ := tx.PublicationForUpdate(ctx, f.pub.ID)
					p.ScheduledAt = &sched
					return tx.SavePublication(ctx, p)
				}))
				// The sweep looks two minutes ahead: nothing yet.
				require.NoError(t, f.m.Sweep(ctx))
				require.Empty(t, f.jobs.opens)
				f.clock = sched.Add(-61 * time.Minute)
				require.NoError(t, f.m.Sweep(ctx))
				require.Equal(t, []time.Time{sched.Add(-time.Hour)}, f.jobs.opens)

				// A job that comes too early is put back at the opening time.
				require.NoError(t, f.m.OpenEarly(ctx, f.pub.ID, f.pub.Version, completed))
				require.Equal(t, ferry.StateScheduled, f.publication(t).State)
				require.Len(t, f.jobs.opens, 2)
				f.clock = sched.Add(-time.Hour)
				require.NoError(t, f.m.OpenEarly(ctx, f.pub.ID, f.pub.Version, completed))
				require.Equal(t, ferry.StateHandoff, f.publication(t).State)
				h := f.handoff(t)
				require.Equal(t, sched, h.DueAt)
				require.Equal(t, sched.Add(30*time.Minute), h.DeadlineAt)
				// A stale version's job does nothing.
				require.NoError(t, f.m.OpenEarly(ctx, f.pub.ID, f.pub.Version-1, completed))
			})

			t.Run("AHandoffPastItsDeadlineIsMissedAtOnce", func(t *testing.T) {
				t.Parallel()
				f := setup(t, b, operators)
				f.clock = f.clock.Add(3 * time.Hour) // Ferry was down
				require.NoError(t, f.open(t))
				require.Equal(t, ferry.StateMissed, f.publication(t).State)
				require.Equal(t, ferry.HandoffMissed, f.handoff(t).State)
				require.Equal(t, 1, f.audits(t, "handoff.missed"))
				require.Empty(t, f.jobs.notifications(handoff.EventOpened))
			})
		})
	}
}

// audits counts the workspace's audit events of an action.
func (f *fixture) audits(t *testing.T, action string) int {
	t.Helper()
	events, err := f.db.Read().AuditEvents(context.Background(), ferry.AuditFilter{WorkspaceID: f.ws})
	require.NoError(t, err)
	n := 0
	for _, e := range events {
		if e.Action == action {
			n++
		}
	}
	return n
}
