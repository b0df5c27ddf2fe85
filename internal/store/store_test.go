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

// TestStore runs the one store suite against every backend.
func TestStore(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			suite(t, b)
		})
	}
}

type bundle struct {
	db  *store.DB
	ws  *ferry.Workspace
	usr *ferry.User
}

func setup(t testing.TB, b testdb.Backend) bundle {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, b)
	var bu bundle
	bu.db = db
	require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
		bu.ws = &ferry.Workspace{Name: "Test"}
		require.NoError(t, tx.CreateWorkspace(ctx, bu.ws))
		bu.usr = &ferry.User{Email: "Editor@Example.org", PasswordHash: "x"}
		require.NoError(t, tx.CreateUser(ctx, bu.usr))
		return tx.SetMembership(ctx, bu.ws.ID, bu.usr.ID, ferry.RoleEditor)
	}))
	return bu
}

func suite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()

	t.Run("MigrateIsIdempotentAndStatusIsCurrent", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		require.NoError(t, bu.db.Migrate(ctx))
		st, err := bu.db.Status(ctx)
		require.NoError(t, err)
		require.True(t, st.UpToDate(), "%+v", st)
		require.Equal(t, st.Latest, st.Current)
	})

	t.Run("UsersAreUniqueByEmailIgnoringCase", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		u, err := bu.db.Read().UserByEmail(ctx, "editor@EXAMPLE.org")
		require.NoError(t, err)
		require.Equal(t, bu.usr.ID, u.ID)
		err = bu.db.Write().CreateUser(ctx, &ferry.User{Email: "EDITOR@example.org", PasswordHash: "y"})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err))
		_, err = bu.db.Read().UserByEmail(ctx, "nobody@example.org")
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
	})

	t.Run("TokenResolvesToCurrentRole", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		hash := []byte("0123456789abcdef0123456789abcdef")
		require.NoError(t, bu.db.Write().CreateToken(ctx, &ferry.APIToken{UserID: bu.usr.ID, WorkspaceID: bu.ws.ID, Hash: hash}))
		p, _, err := bu.db.Read().PrincipalByTokenHash(ctx, hash)
		require.NoError(t, err)
		require.Equal(t, ferry.Principal{UserID: bu.usr.ID, WorkspaceID: bu.ws.ID, Role: ferry.RoleEditor, Scope: ferry.ScopeAdmin}, p, "a token made without a scope is admin")
		require.NoError(t, bu.db.Write().SetMembership(ctx, bu.ws.ID, bu.usr.ID, ferry.RoleViewer))
		p, _, err = bu.db.Read().PrincipalByTokenHash(ctx, hash)
		require.NoError(t, err)
		require.Equal(t, ferry.RoleViewer, p.Role)
		_, _, err = bu.db.Read().PrincipalByTokenHash(ctx, []byte("other"))
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
	})

	t.Run("AccountCredentialsAreEncryptedAtRest", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: "@chan", Name: "Chan",
			Credentials: map[string]string{"bot_token": "123:very-secret-token-value"}, Settings: map[string]any{"k": "v"}}
		require.NoError(t, bu.db.Write().CreateAccount(ctx, a))
		raw := rawCredentials(t, bu.db, a.ID)
		require.NotContains(t, string(raw), "very-secret-token-value")
		got, err := bu.db.Read().Account(ctx, bu.ws.ID, a.ID)
		require.NoError(t, err)
		require.Equal(t, "123:very-secret-token-value", got.Credentials["bot_token"])
		require.Equal(t, "v", got.Settings["k"])
		require.Equal(t, ferry.HealthConnected, got.Health)

		dup := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: "@chan", Credentials: map[string]string{}}
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(bu.db.Write().CreateAccount(ctx, dup)))
		_, err = bu.db.Read().Account(ctx, "ws_other", a.ID)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "accounts are scoped to their workspace")
	})

	t.Run("AccountUpdatesWriteOnlyTheirOwnColumns", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Weibo, ExternalID: "42", Name: "Old",
			Credentials: map[string]string{"access_token": "t1"}, Settings: map[string]any{"link_url": "https://a.example"}}
		require.NoError(t, bu.db.Write().CreateAccount(ctx, a))
		stale, err := bu.db.Read().Account(ctx, bu.ws.ID, a.ID)
		require.NoError(t, err)

		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.AccountForUpdate(ctx, bu.ws.ID, a.ID)
			require.NoError(t, err)
			_, err = tx.SetAccountHealth(ctx, cur, ferry.HealthNeedsReauth, "revoked")
			require.NoError(t, err)
			return tx.SetAccountCredentials(ctx, cur, map[string]string{"access_token": "t2"})
		}))
		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error {
			// A profile edit that started from the stale read keeps the new token.
			cur, err := tx.AccountForUpdate(ctx, bu.ws.ID, a.ID)
			require.NoError(t, err)
			return tx.SetAccountProfile(ctx, cur, "New", stale.Settings)
		}))
		got, err := bu.db.Read().Account(ctx, bu.ws.ID, a.ID)
		require.NoError(t, err)
		require.Equal(t, "New", got.Name)
		require.Equal(t, "t2", got.Credentials["access_token"])
		require.Equal(t, ferry.HealthConnected, got.Health)
		require.Empty(t, got.HealthReason)
		require.Equal(t, "https://a.example", got.Settings["link_url"])

		err = bu.db.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.AccountForUpdate(ctx, bu.ws.ID, a.ID)
			require.NoError(t, err)
			_, err = tx.SetAccountHealth(ctx, cur, ferry.HealthClosed, "closed")
			require.NoError(t, err)
			return tx.SetAccountCredentials(ctx, cur, map[string]string{"access_token": "t3"})
		})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "new credentials never reopen a closed account")

		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AccountForUpdate(ctx, "ws_other", a.ID)
			require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "scoped to its workspace")
			return nil
		}))
	})

	t.Run("AccountForUpdateWaitsForAConcurrentChange", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Weibo, ExternalID: "43", Credentials: map[string]string{"access_token": "t1"}}
		require.NoError(t, bu.db.Write().CreateAccount(ctx, a))
		locked, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- bu.db.InTx(ctx, func(tx *store.Tx) error {
				cur, err := tx.AccountByIDForUpdate(ctx, a.ID)
				if err != nil {
					return err
				}
				close(locked)
				<-release
				return tx.SetAccountCredentials(ctx, cur, map[string]string{"access_token": "t2"})
			})
		}()
		<-locked
		seen := make(chan string, 1)
		second := make(chan error, 1)
		go func() {
			second <- bu.db.InTx(ctx, func(tx *store.Tx) error {
				cur, err := tx.AccountByIDForUpdate(ctx, a.ID)
				if err != nil {
					return err
				}
				seen <- cur.Credentials["access_token"]
				return nil
			})
		}()
		select {
		case tok := <-seen:
			t.Fatalf("the second transaction read %q while the first held the account", tok)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		require.NoError(t, <-first)
		require.NoError(t, <-second)
		require.Equal(t, "t2", <-seen, "the re-read sees the committed change")
	})

	t.Run("AfterCommitRunsOnceOnCommitAndNeverOnRollback", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		var ran []string
		err := bu.db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran = append(ran, "rolled back") })
			return ferry.Errorf(ferry.ECONFLICT, "no")
		})
		require.Error(t, err)
		require.Empty(t, ran)

		u := &ferry.User{Email: "after@example.org", PasswordHash: "x"}
		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() {
				_, err := bu.db.Read().UserByEmail(ctx, u.Email)
				require.NoError(t, err, "runs after the commit, when others can see it")
				ran = append(ran, "first")
			})
			tx.AfterCommit(func() { ran = append(ran, "second") })
			return tx.CreateUser(ctx, u)
		}))
		require.Equal(t, []string{"first", "second"}, ran)
	})

	t.Run("StoriesPageNewestFirst", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		var ids []string
		for i := range 5 {
			s := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "t", Body: "b", CreatedBy: bu.usr.ID}
			bu.db.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC) }
			require.NoError(t, bu.db.Write().CreateStory(ctx, s))
			ids = append(ids, s.ID)
		}
		page1, next, err := bu.db.Read().Stories(ctx, ferry.StoryFilter{WorkspaceID: bu.ws.ID, Limit: 2})
		require.NoError(t, err)
		require.Equal(t, []string{ids[4], ids[3]}, storyIDs(page1))
		page2, next, err := bu.db.Read().Stories(ctx, ferry.StoryFilter{WorkspaceID: bu.ws.ID, Limit: 2, Cursor: next})
		require.NoError(t, err)
		require.Equal(t, []string{ids[2], ids[1]}, storyIDs(page2))
		page3, next, err := bu.db.Read().Stories(ctx, ferry.StoryFilter{WorkspaceID: bu.ws.ID, Limit: 2, Cursor: next})
		require.NoError(t, err)
		require.Equal(t, []string{ids[0]}, storyIDs(page3))
		require.Empty(t, next)
		_, _, err = bu.db.Read().Stories(ctx, ferry.StoryFilter{WorkspaceID: bu.ws.ID, Cursor: "sty_nope"})
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err))
	})

	t.Run("PublicationsAndAttemptsRoundTrip", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: "@c", Credentials: map[string]string{}}
		require.NoError(t, bu.db.Write().CreateAccount(ctx, a))
		s := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "t", Body: "b", CreatedBy: bu.usr.ID}
		require.NoError(t, bu.db.Write().CreateStory(ctx, s))
		at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
		p := &ferry.Publication{WorkspaceID: bu.ws.ID, StoryID: s.ID, AccountID: a.ID, Platform: a.Platform, State: ferry.StateScheduled, ScheduledAt: &at}
		require.NoError(t, bu.db.Write().CreatePublication(ctx, p))
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(bu.db.Write().CreatePublication(ctx, &ferry.Publication{WorkspaceID: bu.ws.ID, StoryID: s.ID, AccountID: a.ID, Platform: a.Platform, State: ferry.StateDraft})))

		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error {
			got, err := tx.PublicationForUpdate(ctx, p.ID)
			require.NoError(t, err)
			require.Empty(t, got.ReasonCode)
			require.Empty(t, got.ReasonArgs)
			got.State, got.Attempts, got.Error = ferry.StateWaiting, 1, &ferry.PubError{Code: "telegram:429", Message: "slow down"}
			got.SetReason(ferry.Because(ferry.ReasonNextAttempt, "message", "slow down", "at", at.Add(time.Minute)))
			att := &ferry.Attempt{PublicationID: p.ID, Number: 1, Version: 1, Fingerprint: "fp"}
			require.NoError(t, tx.OpenAttempt(ctx, att))
			att.Outcome = ferry.OutcomeRetry
			require.NoError(t, tx.FinishAttempt(ctx, att))
			return tx.SavePublication(ctx, got)
		}))
		got, err := bu.db.Read().Publication(ctx, bu.ws.ID, p.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.StateWaiting, got.State)
		require.Equal(t, at, *got.ScheduledAt)
		require.Equal(t, &ferry.PubError{Code: "telegram:429", Message: "slow down"}, got.Error)
		require.Equal(t, ferry.ReasonNextAttempt, got.ReasonCode)
		require.Equal(t, ferry.ReasonArgs{"message": "slow down", "at": "2026-11-26T12:01:00Z"}, got.ReasonArgs)
		require.Equal(t, "slow down Next attempt at 2026-11-26T12:01:00Z.", got.Reason)
		atts, err := bu.db.Read().Attempts(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, atts, 1)
		require.Equal(t, ferry.OutcomeRetry, atts[0].Outcome)
		require.NotNil(t, atts[0].FinishedAt)

		list, err := bu.db.Read().Publications(ctx, ferry.PublicationFilter{AccountID: a.ID, States: []ferry.PublicationState{ferry.StateWaiting, ferry.StateScheduled}})
		require.NoError(t, err)
		require.Len(t, list, 1)
	})

	t.Run("RateStatusCountsWithinEachWindowAndHolds", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
		q := bu.db.Write()
		for i := range 3 {
			require.NoError(t, q.RecordRate(ctx, "k", "p", t0.Add(time.Duration(i)*time.Minute)))
		}
		require.NoError(t, q.RecordRate(ctx, "other", "p", t0))
		require.NoError(t, q.HoldRate(ctx, "k", t0.Add(time.Hour)))
		require.NoError(t, q.HoldRate(ctx, "k", t0.Add(time.Minute)), "an earlier hold does not shorten a later one")
		st, err := q.RateStatuses(ctx, map[string]time.Time{"k": t0.Add(30 * time.Second), "other": t0.Add(-time.Second), "none": t0})
		require.NoError(t, err)
		require.Equal(t, store.RateStatus{Count: 2, Oldest: t0.Add(time.Minute), Hold: t0.Add(time.Hour)}, st["k"])
		require.Equal(t, store.RateStatus{Count: 1, Oldest: t0}, st["other"])
		require.Equal(t, store.RateStatus{}, st["none"])
		pruned, err := q.PruneRates(ctx, t0.Add(90*time.Second))
		require.NoError(t, err)
		require.EqualValues(t, 3, pruned)
	})

	t.Run("IdempotencyKeyIsClaimedOnce", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		_, claimed, err := q.ReserveIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "k1", "h1", time.Time{})
		require.NoError(t, err)
		require.True(t, claimed)
		prev, claimed, err := q.ReserveIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "k1", "h1", time.Time{})
		require.NoError(t, err)
		require.False(t, claimed)
		require.Equal(t, 0, prev.Status, "still in progress")
		require.NoError(t, q.CompleteIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "k1", 201, []byte(`{"id":"x"}`)))
		prev, _, err = q.ReserveIdempotencyKey(ctx, "wsp_1", bu.usr.ID, "k1", "h1", time.Time{})
		require.NoError(t, err)
		require.Equal(t, 201, prev.Status)
		require.JSONEq(t, `{"id":"x"}`, string(prev.Body))
	})

	t.Run("AuditIsAppendOnly", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		require.NoError(t, bu.db.Write().Audit(ctx, ferry.Audit{WorkspaceID: bu.ws.ID, Actor: "system", Action: "x.y", TargetType: "x", TargetID: "1", Data: map[string]any{"a": 1.0}}))
		events, err := bu.db.Read().AuditEvents(ctx, ferry.AuditFilter{WorkspaceID: bu.ws.ID, TargetType: "x"})
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, map[string]any{"a": 1.0}, events[0].Data)
		require.Error(t, execRaw(bu.db, `UPDATE audit_events SET action = 'forged'`))
		require.Error(t, execRaw(bu.db, `DELETE FROM audit_events`))
	})
}

func storyIDs(ss []*ferry.Story) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func rawCredentials(t *testing.T, db *store.DB, id string) []byte {
	t.Helper()
	var raw []byte
	q := `SELECT credentials FROM accounts WHERE id = ?`
	if db.Dialect() == store.Postgres {
		q = `SELECT credentials FROM accounts WHERE id = $1`
	}
	require.NoError(t, db.WritePool().QueryRow(q, id).Scan(&raw))
	return raw
}

func execRaw(db *store.DB, q string) error {
	_, err := db.WritePool().Exec(q)
	return err
}

// Every SQLite commit is synced to disk before it returns
// (synchronous=FULL): an attempt opened before a power cut is still open
// after it.
func TestSQLite_CommitsAreSynced(t *testing.T) {
	t.Parallel()
	db, err := store.Open(t.Context(), testdb.Backends()[0].Options(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	var level int
	require.NoError(t, db.WritePool().QueryRow(`PRAGMA synchronous`).Scan(&level))
	require.Equal(t, 2, level, "FULL")
}
