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

// TestGrouped checks that a grouped transaction (group.go) answers and
// writes exactly as one that is not: reads ahead answer what a read would,
// held-back writes are seen by every later statement and committed, and a
// held-back write that fails fails the transaction.
func TestGrouped(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			groupedSuite(t, b)
		})
	}
}

type groupFixture struct {
	bundle
	acct *ferry.Account
	pubs []*ferry.Publication
}

func groupSetup(t *testing.T, b testdb.Backend, n int) groupFixture {
	ctx := context.Background()
	f := groupFixture{bundle: setup(t, b)}
	f.acct = &ferry.Account{WorkspaceID: f.ws.ID, Platform: ferry.Telegram, ExternalID: "@c", Name: "C", Credentials: map[string]string{"bot_token": "1:x"}}
	require.NoError(t, f.db.Write().CreateAccount(ctx, f.acct))
	at := time.Date(2026, 12, 24, 20, 0, 0, 0, time.UTC)
	for range n {
		s := &ferry.Story{WorkspaceID: f.ws.ID, Title: "t", Body: "b", CreatedBy: f.usr.ID}
		require.NoError(t, f.db.Write().CreateStory(ctx, s))
		require.NoError(t, f.db.Write().PutVariant(ctx, ferry.Variant{StoryID: s.ID, AccountID: f.acct.ID, Platform: ferry.Telegram, Text: "text " + s.ID}))
		p := &ferry.Publication{WorkspaceID: f.ws.ID, StoryID: s.ID, AccountID: f.acct.ID, Platform: ferry.Telegram, State: ferry.StateScheduled, ScheduledAt: &at}
		require.NoError(t, f.db.Write().CreatePublication(ctx, p))
		f.pubs = append(f.pubs, p)
	}
	return f
}

func (f groupFixture) ids() []string {
	var ids []string
	for _, p := range f.pubs {
		ids = append(ids, p.ID)
	}
	return ids
}

func groupedSuite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()

	t.Run("ReadsAheadAnswerAsReadsDo", func(t *testing.T) {
		t.Parallel()
		f := groupSetup(t, b, 3)
		// The second story is deleted: read ahead, it is not found, as read.
		s1, err := f.db.Read().Story(ctx, f.ws.ID, f.pubs[1].StoryID)
		require.NoError(t, err)
		now := time.Now()
		s1.DeletedAt = &now
		require.NoError(t, f.db.Write().UpdateStory(ctx, s1))

		require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
			tx.Grouped()
			locked, err := tx.LockPublications(ctx, append(f.ids(), "pub_missing"))
			require.NoError(t, err)
			require.Len(t, locked, 3)
			require.NoError(t, tx.ReadAhead(ctx, locked))
			for i, p := range f.pubs {
				got, err := tx.PublicationForUpdate(ctx, p.ID)
				require.NoError(t, err)
				require.Equal(t, p.ID, got.ID)
				st, err := tx.Story(ctx, f.ws.ID, p.StoryID)
				if i == 1 {
					require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
				} else {
					require.NoError(t, err)
					require.Equal(t, p.StoryID, st.ID)
				}
				_, err = tx.Story(ctx, "ws_other", p.StoryID)
				require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "another workspace's story is not found")
				v, err := tx.Variant(ctx, p.StoryID, f.acct.ID)
				require.NoError(t, err)
				require.Equal(t, "text "+p.StoryID, v.Text)
				a, err := tx.AccountByID(ctx, f.acct.ID)
				require.NoError(t, err)
				require.Equal(t, "1:x", a.Credentials["bot_token"])
				pol, own, err := tx.ApprovalPolicy(ctx, f.ws.ID, f.acct.ID)
				require.NoError(t, err)
				require.False(t, own)
				require.False(t, pol.Needed())
			}
			_, err = tx.PublicationForUpdate(ctx, "pub_missing")
			require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
			return nil
		}))
	})

	t.Run("HeldBackWritesAreSeenAndCommitted", func(t *testing.T) {
		t.Parallel()
		f := groupSetup(t, b, 4)
		t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond).UTC()
		require.NoError(t, f.db.Write().RecordRate(ctx, "telegram:c", "pub_old", t0))
		require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
			tx.Grouped()
			locked, err := tx.LockPublications(ctx, f.ids())
			require.NoError(t, err)
			require.NoError(t, tx.ReadAheadRates(ctx, map[string]time.Time{"telegram:c": t0.Add(-time.Hour)}))
			require.Len(t, locked, len(f.pubs))
			for i, p := range f.pubs { // i == 0 is f.pubs[0], checked below
				p, err := tx.PublicationForUpdate(ctx, p.ID)
				require.NoError(t, err)
				st, err := tx.RateStatuses(ctx, map[string]time.Time{"telegram:c": t0.Add(-time.Minute)})
				require.NoError(t, err)
				require.Equal(t, 1+i, st["telegram:c"].Count, "each RecordRate of the group is counted")
				require.Equal(t, t0, st["telegram:c"].Oldest)
				require.NoError(t, tx.RecordRate(ctx, "telegram:c", p.ID, t0.Add(time.Duration(i+1)*time.Second)))
				att := &ferry.Attempt{PublicationID: p.ID, Number: 1, Version: p.Version, Fingerprint: "fp"}
				require.NoError(t, tx.OpenAttempt(ctx, att))
				p.Attempts, p.State = 1, ferry.StatePublishing
				require.NoError(t, tx.SavePublication(ctx, p))
				if i == 0 {
					// Finished in the same transaction: inserted before it is updated.
					att.Outcome, att.RemoteID = ferry.OutcomePublished, "m1"
					require.NoError(t, tx.FinishAttempt(ctx, att))
					p.State, p.RemoteID = ferry.StatePublished, "m1"
					require.NoError(t, tx.SavePublication(ctx, p), "saved twice: the last wins")
				}
			}
			// Any other statement sees the held-back writes.
			list, err := tx.Publications(ctx, ferry.PublicationFilter{WorkspaceID: f.ws.ID, States: []ferry.PublicationState{ferry.StatePublishing}})
			require.NoError(t, err)
			require.Len(t, list, 3)
			atts, err := tx.Attempts(ctx, f.pubs[0].ID)
			require.NoError(t, err)
			require.Len(t, atts, 1)
			require.Equal(t, "m1", atts[0].RemoteID)
			// Asked again, a publication is read again, with what was written.
			again, err := tx.PublicationForUpdate(ctx, f.pubs[0].ID)
			require.NoError(t, err)
			require.Equal(t, ferry.StatePublished, again.State)
			again.Reason = "read again"
			return tx.SavePublication(ctx, again)
		}))
		for i, p := range f.pubs {
			got, err := f.db.Read().Publication(ctx, f.ws.ID, p.ID)
			require.NoError(t, err)
			want := ferry.StatePublishing
			if i == 0 {
				want = ferry.StatePublished
				require.Equal(t, "m1", got.RemoteID)
				require.Equal(t, "read again", got.Reason)
			}
			require.Equal(t, want, got.State)
			require.Equal(t, 1, got.Attempts)
			atts, err := f.db.Read().Attempts(ctx, p.ID)
			require.NoError(t, err)
			require.Len(t, atts, 1)
		}
		st, err := f.db.Read().RateStatuses(ctx, map[string]time.Time{"telegram:c": t0.Add(-time.Minute)})
		require.NoError(t, err)
		require.Equal(t, 5, st["telegram:c"].Count)
	})

	t.Run("AWriteForgetsWhatWasReadAhead", func(t *testing.T) {
		t.Parallel()
		f := groupSetup(t, b, 1)
		p := f.pubs[0]
		require.NoError(t, f.db.InTx(ctx, func(tx *store.Tx) error {
			tx.Grouped()
			locked, err := tx.LockPublications(ctx, f.ids())
			require.NoError(t, err)
			require.NoError(t, tx.ReadAhead(ctx, locked))
			require.NoError(t, tx.PutVariant(ctx, ferry.Variant{StoryID: p.StoryID, AccountID: f.acct.ID, Platform: ferry.Telegram, Text: "changed"}))
			v, err := tx.Variant(ctx, p.StoryID, f.acct.ID)
			require.NoError(t, err)
			require.Equal(t, "changed", v.Text)
			got, err := tx.PublicationForUpdate(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, p.ID, got.ID)
			return nil
		}))
	})

	t.Run("AHeldBackWriteThatFailsFailsTheTransaction", func(t *testing.T) {
		t.Parallel()
		f := groupSetup(t, b, 2)
		err := f.db.InTx(ctx, func(tx *store.Tx) error {
			tx.Grouped()
			p, err := tx.PublicationForUpdate(ctx, f.pubs[0].ID)
			require.NoError(t, err)
			p.State = ferry.StatePublishing
			require.NoError(t, tx.SavePublication(ctx, p))
			ghost := *p
			ghost.ID = "pub_ghost"
			require.NoError(t, tx.SavePublication(ctx, &ghost), "held back: known at commit")
			// An attempt that breaks a constraint: the same number twice.
			require.NoError(t, tx.OpenAttempt(ctx, &ferry.Attempt{PublicationID: p.ID, Number: 1, Version: 1, Fingerprint: "a"}))
			require.NoError(t, tx.OpenAttempt(ctx, &ferry.Attempt{PublicationID: p.ID, Number: 1, Version: 1, Fingerprint: "b"}))
			return nil
		})
		require.Error(t, err)
		got, err := f.db.Read().Publication(ctx, f.ws.ID, f.pubs[0].ID)
		require.NoError(t, err)
		require.Equal(t, ferry.StateScheduled, got.State, "nothing of the transaction was committed")
		atts, err := f.db.Read().Attempts(ctx, f.pubs[0].ID)
		require.NoError(t, err)
		require.Empty(t, atts)

		err = f.db.InTx(ctx, func(tx *store.Tx) error {
			tx.Grouped()
			p, err := tx.PublicationForUpdate(ctx, f.pubs[1].ID)
			require.NoError(t, err)
			ghost := *p
			ghost.ID = "pub_ghost"
			return tx.SavePublication(ctx, &ghost)
		})
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "a publication that is not there is not saved")
	})
}
