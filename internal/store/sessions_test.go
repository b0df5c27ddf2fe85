package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestSessions runs the web UI's storage (sessions, languages, regions,
// first-run setup) against every backend.
func TestSessions(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			sessionSuite(t, b)
		})
	}
}

func sessionSuite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()

	t.Run("SessionResolvesByHashWithTheCurrentRole", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		now := bu.db.Now().Truncate(time.Millisecond)
		s := &ferry.Session{TokenHash: []byte("hash-of-a-session-token-32-bytes"), UserID: bu.usr.ID, WorkspaceID: bu.ws.ID,
			UserAgent: "Firefox", ExpiresAt: now.Add(time.Hour)}
		require.NoError(t, bu.db.Write().CreateSession(ctx, s))
		require.NotEmpty(t, s.ID)

		got, err := bu.db.Read().SessionByTokenHash(ctx, s.TokenHash)
		require.NoError(t, err)
		require.Equal(t, s.ID, got.ID)
		require.Equal(t, ferry.Principal{UserID: bu.usr.ID, WorkspaceID: bu.ws.ID, Role: ferry.RoleEditor}, got.Principal())
		require.Equal(t, "Firefox", got.UserAgent)
		require.True(t, got.ExpiresAt.Equal(s.ExpiresAt))
		require.True(t, got.LastSeenAt.Equal(s.CreatedAt))

		// A changed role applies to the session at once.
		require.NoError(t, bu.db.Write().SetMembership(ctx, bu.ws.ID, bu.usr.ID, ferry.RoleViewer))
		got, err = bu.db.Read().SessionByTokenHash(ctx, s.TokenHash)
		require.NoError(t, err)
		require.Equal(t, ferry.RoleViewer, got.Role)

		_, err = bu.db.Read().SessionByTokenHash(ctx, []byte("some-other-hash-of-32-bytes-long"))
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
	})

	t.Run("TouchDeleteAndPruneSessions", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		w := bu.db.Write()
		now := bu.db.Now()
		mk := func(hash string, expires time.Time) *ferry.Session {
			s := &ferry.Session{TokenHash: []byte(hash), UserID: bu.usr.ID, WorkspaceID: bu.ws.ID, ExpiresAt: expires}
			require.NoError(t, w.CreateSession(ctx, s))
			return s
		}
		live := mk("live", now.Add(time.Hour))
		idle := mk("idle", now.Add(time.Hour))
		ended := mk("ended", now.Add(-time.Second))
		require.NoError(t, w.TouchSession(ctx, live.ID, now.Add(time.Minute)))

		list, err := bu.db.Read().Sessions(ctx, bu.usr.ID)
		require.NoError(t, err)
		require.Len(t, list, 3)
		require.Equal(t, live.ID, list[0].ID, "most recently seen first")

		// idle was last seen at creation; everything seen before now+1s
		// except live (touched a minute ahead) counts as idle.
		n, err := w.DeleteExpiredSessions(ctx, bu.usr.ID, now, now.Add(time.Second))
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		list, err = bu.db.Read().Sessions(ctx, bu.usr.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, live.ID, list[0].ID)
		_, err = bu.db.Read().SessionByTokenHash(ctx, idle.TokenHash)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
		_, err = bu.db.Read().SessionByTokenHash(ctx, ended.TokenHash)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))

		require.NoError(t, w.DeleteSession(ctx, bu.usr.ID, live.ID))
		require.NoError(t, w.DeleteSession(ctx, bu.usr.ID, live.ID), "deleting twice is fine")
		_, err = bu.db.Read().SessionByTokenHash(ctx, live.TokenHash)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
	})

	t.Run("LanguageRegionAndFirstUser", func(t *testing.T) {
		t.Parallel()
		db := testdb.Open(t, b)
		has, err := db.Read().HasUsers(ctx)
		require.NoError(t, err)
		require.False(t, has)
		var ws *ferry.Workspace
		var u *ferry.User
		require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
			require.NoError(t, tx.LockSetup(ctx))
			ws = &ferry.Workspace{Name: "Newsroom", TimeZone: "Asia/Shanghai", Region: "CN"}
			require.NoError(t, tx.CreateWorkspace(ctx, ws))
			u = &ferry.User{Email: "owner@example.org", PasswordHash: "x", Language: "zh-Hans"}
			return tx.CreateUser(ctx, u)
		}))
		has, err = db.Read().HasUsers(ctx)
		require.NoError(t, err)
		require.True(t, has)

		got, err := db.Read().Workspace(ctx, ws.ID)
		require.NoError(t, err)
		require.Equal(t, "CN", got.Region)
		require.Equal(t, "Asia/Shanghai", got.TimeZone)
		plain := &ferry.Workspace{Name: "Plain"}
		require.NoError(t, db.Write().CreateWorkspace(ctx, plain))
		got, err = db.Read().Workspace(ctx, plain.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.DefaultRegion, got.Region)

		usr, err := db.Read().User(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, "zh-Hans", usr.Language)
		require.NoError(t, db.Write().SetUserLanguage(ctx, u.ID, "zh-Hant"))
		usr, err = db.Read().User(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, "zh-Hant", usr.Language)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(db.Write().SetUserLanguage(ctx, "usr_nobody", "en")))
	})

	t.Run("StoriesFilterByAccount", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		w := bu.db.Write()
		var accts []*ferry.Account
		for _, name := range []string{"a", "b"} {
			a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: "@" + name, Name: name, Health: ferry.HealthConnected}
			require.NoError(t, w.CreateAccount(ctx, a))
			accts = append(accts, a)
		}
		var stories []*ferry.Story
		for i, a := range accts {
			st := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "story", Targets: []string{a.ID}, CreatedBy: bu.usr.ID}
			require.NoError(t, w.CreateStory(ctx, st))
			state := ferry.StatePublished
			if i == 1 {
				state = ferry.StateFailed
			}
			require.NoError(t, w.CreatePublication(ctx, &ferry.Publication{WorkspaceID: bu.ws.ID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: state, Version: 1}))
			stories = append(stories, st)
		}
		ids := func(f ferry.StoryFilter) []string {
			f.WorkspaceID = bu.ws.ID
			got, _, err := bu.db.Read().Stories(ctx, f)
			require.NoError(t, err)
			var out []string
			for _, s := range got {
				out = append(out, s.ID)
			}
			return out
		}
		require.Equal(t, []string{stories[1].ID}, ids(ferry.StoryFilter{AccountID: accts[1].ID}))
		require.Equal(t, []string{stories[0].ID}, ids(ferry.StoryFilter{AccountID: accts[0].ID, State: ferry.StatePublished}))
		require.Empty(t, ids(ferry.StoryFilter{AccountID: accts[0].ID, State: ferry.StateFailed}))
	})
}
