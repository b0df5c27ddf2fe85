package service_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// webClock is a settable clock for the store.
type webClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *webClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *webClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newWebService is a service over a fresh database whose clock the test
// moves.
func newWebService(t *testing.T, b testdb.Backend) (*service.Service, *webClock) {
	t.Helper()
	db := testdb.Open(t, b)
	clock := &webClock{now: time.Date(2026, 9, 25, 12, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	return &service.Service{DB: db, Log: slog.New(slog.DiscardHandler)}, clock
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b testdb.Backend)) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

var goodSetup = service.SetupInput{Workspace: "Harbour News", TimeZone: "Asia/Hong_Kong", Region: "HK", Name: "Ada", Email: "ada@example.org", Password: "correct horse battery", Language: "zh-Hant"}

func TestSetup_CreatesTheOwnerAndWorkspaceOnlyOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		needs, err := svc.NeedsSetup(ctx)
		require.NoError(t, err)
		require.True(t, needs)

		_, _, err = svc.Setup(ctx, service.SetupInput{TimeZone: "Mars/Olympus", Region: "XX", Email: "not an email", Password: "short", Language: "fr"}, "")
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err))
		var fe *ferry.Error
		require.ErrorAs(t, err, &fe)
		require.Equal(t, map[string]string{"workspace": "required", "time_zone": "invalid", "region": "invalid", "email": "invalid", "password": "too_short", "language": "invalid"}, fe.Details)
		common := goodSetup
		common.Password = "Qwerty123456"
		_, _, err = svc.Setup(ctx, common, "")
		require.ErrorAs(t, err, &fe)
		require.Equal(t, map[string]string{"password": "common"}, fe.Details)
		require.NotContains(t, err.Error(), common.Password, "never echoed")
		needs, err = svc.NeedsSetup(ctx)
		require.NoError(t, err)
		require.True(t, needs, "nothing was saved")

		ses, token, err := svc.Setup(ctx, goodSetup, "Chromium")
		require.NoError(t, err)
		require.NotEmpty(t, token)
		require.Equal(t, ferry.RoleOwner, ses.Role)
		got, err := svc.Session(ctx, token)
		require.NoError(t, err)
		require.Equal(t, ses.Principal(), got.Principal())
		me, err := svc.Me(ctx, got.Principal())
		require.NoError(t, err)
		require.Equal(t, "Harbour News", me.Workspace.Name)
		require.Equal(t, "HK", me.Workspace.Region)
		require.Equal(t, "Asia/Hong_Kong", me.Location.String())
		require.Equal(t, "zh-Hant", me.User.Language)
		require.Equal(t, "ada@example.org", me.User.Email)

		again := goodSetup
		again.Email = "eve@example.org"
		_, _, err = svc.Setup(ctx, again, "")
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err))
		_, _, err = svc.SignIn(ctx, "eve@example.org", goodSetup.Password, "")
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err), "the second setup created no one")
	})
}

func TestSignIn_SessionsEndWhenIdleExpiredOrSignedOut(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		_, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)

		for _, bad := range [][2]string{{"ada@example.org", "wrong password!"}, {"nobody@example.org", goodSetup.Password}} {
			_, _, err := svc.SignIn(ctx, bad[0], bad[1], "")
			require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
			require.Equal(t, "The email or password is not right.", ferry.ErrorMessage(err), "the answer does not say which was wrong")
		}

		_, token, err := svc.SignIn(ctx, "ADA@example.org", goodSetup.Password, "Firefox")
		require.NoError(t, err)
		ses, err := svc.Session(ctx, token)
		require.NoError(t, err)
		require.Equal(t, ferry.RoleOwner, ses.Role)

		// Seen within the idle timeout, again and again: alive until the
		// absolute end.
		for elapsed := time.Duration(0); elapsed+service.SessionIdle/2 < service.SessionLifetime; elapsed += service.SessionIdle / 2 {
			clock.Add(service.SessionIdle / 2)
			_, err = svc.Session(ctx, token)
			require.NoError(t, err, "after %s", elapsed)
		}
		clock.Add(service.SessionIdle / 2)
		_, err = svc.Session(ctx, token)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err), "past the absolute lifetime")

		// Idle too long.
		_, token, err = svc.SignIn(ctx, "ada@example.org", goodSetup.Password, "")
		require.NoError(t, err)
		clock.Add(service.SessionIdle)
		_, err = svc.Session(ctx, token)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err), "idle for the whole timeout")

		// Signed out.
		_, token, err = svc.SignIn(ctx, "ada@example.org", goodSetup.Password, "")
		require.NoError(t, err)
		require.NoError(t, svc.SignOut(ctx, token))
		_, err = svc.Session(ctx, token)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
		require.NoError(t, svc.SignOut(ctx, token), "signing out twice is fine")

		// Signing in cleared the ended sessions; the store keeps hashes only.
		sessions, err := svc.DB.Read().Sessions(ctx, ses.UserID)
		require.NoError(t, err)
		require.Len(t, sessions, 1)
		require.NotEqual(t, []byte(token), sessions[0].TokenHash)
	})
}

func TestSetLanguage_KeepsOnlyKnownLanguages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		ses, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)
		p := ses.Principal()
		require.NoError(t, svc.SetLanguage(ctx, p, "zh-Hans"))
		me, err := svc.Me(ctx, p)
		require.NoError(t, err)
		require.Equal(t, "zh-Hans", me.User.Language)
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(svc.SetLanguage(ctx, p, "klingon")))
		require.NoError(t, svc.SetLanguage(ctx, p, ""))
		me, err = svc.Me(ctx, p)
		require.NoError(t, err)
		require.Equal(t, "", me.User.Language)
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(svc.SetLanguage(ctx, ferry.Principal{UserID: p.UserID}, "en")))
	})
}

func TestDashboard_ListsWhatNeedsAPersonAndWhatComes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		ses, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)
		p := ses.Principal()
		now := clock.Now()
		w := svc.DB.Write()

		expiring := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Weibo, ExternalID: "1", Name: "Weibo", Health: ferry.HealthConnected,
			Credentials: map[string]string{"access_token": "t", "expires_at": now.Add(24 * time.Hour).Format(time.RFC3339)}}
		reauth := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Facebook, ExternalID: "2", Name: "Page", Health: ferry.HealthNeedsReauth, Credentials: map[string]string{}}
		fine := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: ferry.Telegram, ExternalID: "@c", Name: "Channel", Health: ferry.HealthConnected, Credentials: map[string]string{}}
		for _, a := range []*ferry.Account{expiring, reauth, fine} {
			require.NoError(t, w.CreateAccount(ctx, a))
		}
		at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
		var gone *ferry.Story
		pub := func(body string, a *ferry.Account, state ferry.PublicationState, sched *time.Time) *ferry.Publication {
			st := &ferry.Story{WorkspaceID: p.WorkspaceID, Body: body, CreatedBy: p.UserID}
			require.NoError(t, w.CreateStory(ctx, st))
			gone = st
			pb := &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: state, Version: 1, ScheduledAt: sched}
			require.NoError(t, w.CreatePublication(ctx, pb))
			return pb
		}
		soon := pub("soon", fine, ferry.StateScheduled, at(2*time.Hour))
		pub("later", fine, ferry.StateScheduled, at(30*24*time.Hour))
		waiting := pub("waiting", reauth, ferry.StateNeedsReauth, at(time.Hour))
		pub("done", fine, ferry.StatePublished, nil)
		unknown := pub("颱風消息：今日下午所有活動取消，請留意天文台最新公布。", fine, ferry.StateUnknown, nil)
		failed := pub("failed", expiring, ferry.StateFailed, nil)
		pub("deleted", fine, ferry.StateFailed, nil)
		require.NoError(t, svc.DB.InTx(ctx, func(tx *store.Tx) error {
			st, err := tx.Story(ctx, p.WorkspaceID, gone.ID)
			require.NoError(t, err)
			st.DeletedAt = &now
			return tx.UpdateStory(ctx, st)
		}))

		d, err := svc.Dashboard(ctx, ferry.Principal{UserID: p.UserID, WorkspaceID: p.WorkspaceID, Role: ferry.RoleViewer})
		require.NoError(t, err)
		ids := func(l service.PublicationList) []string {
			var out []string
			for _, it := range l.Items {
				out = append(out, it.Publication.ID)
			}
			return out
		}
		require.Equal(t, []string{unknown.ID}, ids(d.Unknown))
		require.Equal(t, []string{failed.ID}, ids(d.Failed), "a deleted story's failure is not listed")
		require.Equal(t, 1, d.Failed.Total)
		require.Equal(t, []string{waiting.ID}, ids(d.Waiting))
		require.Equal(t, []string{soon.ID}, ids(d.Upcoming), "only the next week")
		require.Equal(t, "Channel", d.Unknown.Items[0].Account)
		require.Equal(t, "颱風消息：今日下午所有活動取消，請留意天文台最新公布。", d.Unknown.Items[0].StoryTitle)
		require.Equal(t, "Asia/Hong_Kong", d.Location.String())

		attention := map[string]bool{}
		for _, a := range d.Accounts {
			attention[a.Account.Name] = a.NeedsAttention()
			require.Nil(t, a.Account.Credentials)
		}
		require.Equal(t, map[string]bool{"Weibo": true, "Page": true, "Channel": false}, attention)

		// The region's festivals and holidays of the next 30 days: National
		// Day (1 October) among them.
		var keys []string
		for _, h := range d.Holidays {
			keys = append(keys, h.Date.String()+" "+h.NameEN)
		}
		require.Contains(t, keys, "2026-10-01 National Day")
		require.NotEmpty(t, d.Holidays[0].NameZhHant)

		_, err = svc.Dashboard(ctx, ferry.Principal{UserID: p.UserID, WorkspaceID: p.WorkspaceID})
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(err))

		attempts, err := svc.Attempts(ctx, p, failed.ID)
		require.NoError(t, err)
		require.Empty(t, attempts)
		_, err = svc.Attempts(ctx, ferry.Principal{UserID: p.UserID, WorkspaceID: "ws_other", Role: ferry.RoleOwner}, failed.ID)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
	})
}
