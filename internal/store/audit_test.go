package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestAuditChain(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			auditSuite(t, b)
		})
	}
}

func ev(ws, action, id string) ferry.Audit {
	return ferry.Audit{WorkspaceID: ws, Actor: "user:u1", Action: action, TargetType: "story", TargetID: id, Data: map[string]any{"title": "香港 " + id}}
}

func auditSuite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()

	t.Run("ChainsPerWorkspaceAndVerifies", func(t *testing.T) {
		t.Parallel()
		db := testdb.Open(t, b)
		require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
			require.NoError(t, tx.Audit(ctx, ev("wsA", "story.create", "1")))
			require.NoError(t, tx.Audit(ctx, ev("wsB", "story.create", "2")))
			return tx.Audit(ctx, ev("wsA", "story.update", "1"))
		}))
		require.NoError(t, db.Write().Audit(ctx, ev("wsA", "story.delete", "1")))
		// A rolled-back transaction leaves no event and no gap.
		require.Error(t, db.InTx(ctx, func(tx *store.Tx) error {
			require.NoError(t, tx.Audit(ctx, ev("wsA", "story.update", "x")))
			return fmt.Errorf("rolled back")
		}))
		events, err := db.Read().AuditEvents(ctx, ferry.AuditFilter{WorkspaceID: "wsA"})
		require.NoError(t, err)
		require.Len(t, events, 3)
		for i, e := range events {
			require.Equal(t, int64(i+1), e.Seq)
			require.Len(t, e.Hash, 64)
			if i > 0 {
				require.Equal(t, events[i-1].Hash, e.PrevHash)
			} else {
				require.Empty(t, e.PrevHash)
			}
		}
		v, err := db.Read().VerifyAudit(ctx, "")
		require.NoError(t, err)
		require.Nil(t, v.Broken)
		require.Equal(t, 4, v.Events)
		require.Equal(t, 2, v.Chains)
		require.Len(t, v.Heads, 2)
		require.Equal(t, events[2].Hash, v.Heads[0].Hash)
	})

	t.Run("TriggersRefuseUpdateDeleteAndTruncate", func(t *testing.T) {
		t.Parallel()
		db := testdb.Open(t, b)
		require.NoError(t, db.Write().Audit(ctx, ev("wsA", "story.create", "1")))
		require.ErrorContains(t, execRaw(db, `UPDATE audit_events SET action = 'forged'`), "append-only")
		require.ErrorContains(t, execRaw(db, `DELETE FROM audit_events`), "append-only")
		if db.Dialect() == store.Postgres {
			require.ErrorContains(t, execRaw(db, `TRUNCATE audit_events`), "append-only")
		}
	})

	// An attacker with access to the database drops the triggers and
	// edits, removes or adds rows: verification names the first broken
	// link.
	for _, c := range []struct {
		name, sql, want string
		seq             int64
	}{
		{"ChangedData", `UPDATE audit_events SET data = '{"title":"forged"}' WHERE seq = 3 AND workspace_id = 'wsA'`, "hash does not match its content", 3},
		{"ChangedActor", `UPDATE audit_events SET actor = 'user:someone-else' WHERE seq = 2 AND workspace_id = 'wsA'`, "hash does not match its content", 2},
		{"Removed", `DELETE FROM audit_events WHERE seq = 2 AND workspace_id = 'wsA'`, "3 where 2 was expected", 3},
		{"InsertedUnchained", `INSERT INTO audit_events (workspace_id, actor, action, target_type, target_id, data, at) VALUES ('wsA', 'system', 'story.delete', 'story', '1', '{}', 0)`, "carries no hash", 0},
		{"RehashedOne", `UPDATE audit_events SET data = '{}', hash = 'aaaa' WHERE seq = 2 AND workspace_id = 'wsA'`, "hash does not match", 2},
	} {
		t.Run("Tamper"+c.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, b)
			for i := range 4 {
				require.NoError(t, db.Write().Audit(ctx, ev("wsA", "story.update", fmt.Sprint(i))))
			}
			require.NoError(t, db.Write().Audit(ctx, ev("wsB", "story.update", "b")))
			dropAuditTriggers(t, db)
			require.NoError(t, execRaw(db, c.sql))
			v, err := db.Read().VerifyAudit(ctx, "")
			require.NoError(t, err)
			require.NotNil(t, v.Broken)
			require.Equal(t, "wsA", v.Broken.Event.WorkspaceID)
			require.Equal(t, c.seq, v.Broken.Event.Seq)
			require.Contains(t, v.Broken.Reason, c.want)
			// The other workspace's chain is intact.
			v, err = db.Read().VerifyAudit(ctx, "wsB")
			require.NoError(t, err)
			require.Nil(t, v.Broken)
		})
	}

	t.Run("MigrationChainsExistingEvents", func(t *testing.T) {
		t.Parallel()
		st, err := store.Open(ctx, b.Options(t))
		require.NoError(t, err)
		defer st.Close()
		v, err := st.MigrationVersion("audit_chain")
		require.NoError(t, err)
		require.NoError(t, st.MigrateTo(ctx, v-1))
		for i := range 1203 { // more than a batch
			ws := []string{"wsA", "wsB", ""}[i%3]
			require.NoError(t, execRaw(st, fmt.Sprintf(`INSERT INTO audit_events (workspace_id, actor, action, target_type, target_id, data, at) VALUES ('%s', 'system', 'story.create', 'story', '%d', '{"n":%d}', %d)`, ws, i, i, 1_700_000_000_000+i)))
		}
		require.NoError(t, st.Migrate(ctx))
		verdict, err := st.Read().VerifyAudit(ctx, "")
		require.NoError(t, err)
		require.Nil(t, verdict.Broken)
		require.Equal(t, 1203, verdict.Events)
		require.Equal(t, 3, verdict.Chains)
		require.Equal(t, int64(401), verdict.Heads[2].Seq)
		// New events continue the old chains.
		require.NoError(t, st.Write().Audit(ctx, ev("wsA", "story.update", "new")))
		verdict, err = st.Read().VerifyAudit(ctx, "wsA")
		require.NoError(t, err)
		require.Nil(t, verdict.Broken)
		require.Equal(t, int64(402), verdict.Heads[0].Seq)
		require.ErrorContains(t, execRaw(st, `UPDATE audit_events SET action = 'x'`), "append-only")
	})

	// Several writers, each with its own connection pool as separate
	// processes would have, append to one workspace at once: the result
	// is one valid chain.
	t.Run("ConcurrentAppendsMakeOneChain", func(t *testing.T) {
		t.Parallel()
		opts := b.Options(t)
		first, err := store.Open(ctx, opts)
		require.NoError(t, err)
		defer first.Close()
		require.NoError(t, first.Migrate(ctx))
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := store.Open(ctx, opts)
				if err != nil {
					errs <- err
					return
				}
				defer db.Close()
				for i := range 15 {
					err := db.InTx(ctx, func(tx *store.Tx) error {
						if err := tx.Audit(ctx, ev("wsA", "story.update", fmt.Sprint(w, i))); err != nil {
							return err
						}
						return tx.Audit(ctx, ev(fmt.Sprint("ws", w%2), "story.update", fmt.Sprint(w, i)))
					})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		v, err := first.Read().VerifyAudit(ctx, "")
		require.NoError(t, err)
		require.Nil(t, v.Broken)
		require.Equal(t, 120, v.Events)
	})

	t.Run("PagesAndFilters", func(t *testing.T) {
		t.Parallel()
		db := testdb.Open(t, b)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 7 {
			db.Now = func() time.Time { return base.Add(time.Duration(i) * time.Hour) }
			e := ev("wsA", []string{"story.create", "story.update"}[i%2], fmt.Sprint(i%3))
			if i == 6 {
				e.Actor = "system"
			}
			require.NoError(t, db.Write().Audit(ctx, e))
		}
		q := db.Read()
		page, next, err := q.AuditPage(ctx, ferry.AuditFilter{WorkspaceID: "wsA", Limit: 3})
		require.NoError(t, err)
		require.Len(t, page, 3)
		require.Equal(t, int64(7), page[0].Seq, "newest first")
		page2, next2, err := q.AuditPage(ctx, ferry.AuditFilter{WorkspaceID: "wsA", Limit: 3, Cursor: next})
		require.NoError(t, err)
		require.Equal(t, int64(4), page2[0].Seq)
		page3, next3, err := q.AuditPage(ctx, ferry.AuditFilter{WorkspaceID: "wsA", Limit: 3, Cursor: next2})
		require.NoError(t, err)
		require.Len(t, page3, 1)
		require.Empty(t, next3)
		_, _, err = q.AuditPage(ctx, ferry.AuditFilter{WorkspaceID: "wsA", Cursor: "abc"})
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err))

		count := func(f ferry.AuditFilter) int {
			f.WorkspaceID = "wsA"
			n := 0
			require.NoError(t, q.EachAudit(ctx, f, func(ferry.Audit) error { n++; return nil }))
			return n
		}
		since, until := base.Add(2*time.Hour), base.Add(5*time.Hour)
		require.Equal(t, 7, count(ferry.AuditFilter{}))
		require.Equal(t, 4, count(ferry.AuditFilter{Action: "story.create"}))
		require.Equal(t, 1, count(ferry.AuditFilter{Actor: "system"}))
		require.Equal(t, 3, count(ferry.AuditFilter{TargetType: "story", TargetID: "0"}))
		require.Equal(t, 3, count(ferry.AuditFilter{Since: &since, Until: &until}))
		require.Equal(t, 0, count(ferry.AuditFilter{Actor: "user:u1", TargetID: "nobody"}))
	})
}

func dropAuditTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	if db.Dialect() == store.Postgres {
		require.NoError(t, execRaw(db, `DROP TRIGGER audit_events_append_only ON audit_events`))
		return
	}
	require.NoError(t, execRaw(db, `DROP TRIGGER audit_events_append_only_update`))
	require.NoError(t, execRaw(db, `DROP TRIGGER audit_events_append_only_delete`))
}

// BenchmarkAuditAppend measures a transaction that records one event, as
// every write does. Run with FERRY_TEST_DATABASE_URL set to include
// PostgreSQL; -cpu sets how many writers append at once.
func BenchmarkAuditAppend(b *testing.B) {
	for _, be := range testdb.Backends() {
		db := testdb.Open(b, be) // once per backend, for every run: migrating is not what is measured
		for _, shared := range []bool{true, false} {
			name := be.Name + "/OneWorkspace"
			if !shared {
				name = be.Name + "/WorkspacePerWriter"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				var n sync.Mutex
				w := 0
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					n.Lock()
					w++
					ws := "ws"
					if !shared {
						ws = fmt.Sprint("ws", w)
					}
					n.Unlock()
					for pb.Next() {
						err := db.InTx(ctx, func(tx *store.Tx) error { return tx.Audit(ctx, ev(ws, "story.update", "1")) })
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
