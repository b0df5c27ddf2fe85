package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestPublicationsScheduledBetween_ListsARangeOfLiveStoriesSoonestFirst(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bu := setup(t, b)
			q := bu.db.Write()
			other := &ferry.Workspace{Name: "Other"}
			require.NoError(t, q.CreateWorkspace(ctx, other))
			acct := func(ws string) *ferry.Account {
				a := &ferry.Account{WorkspaceID: ws, Platform: ferry.Telegram, ExternalID: ws, Name: "T", Credentials: map[string]string{}}
				require.NoError(t, q.CreateAccount(ctx, a))
				return a
			}
			mine, theirs := acct(bu.ws.ID), acct(other.ID)
			day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			story := func(ws string, a *ferry.Account, at time.Time, state ferry.PublicationState) (*ferry.Story, *ferry.Publication) {
				st := &ferry.Story{WorkspaceID: ws, Title: "s", Body: "b", Targets: []string{a.ID}, ScheduledAt: &at, CreatedBy: bu.usr.ID}
				require.NoError(t, q.CreateStory(ctx, st))
				p := &ferry.Publication{WorkspaceID: ws, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: state, Version: 1, ScheduledAt: &at}
				require.NoError(t, q.CreatePublication(ctx, p))
				return st, p
			}
			_, late := story(bu.ws.ID, mine, day.Add(30*time.Hour), ferry.StatePublished)
			_, early := story(bu.ws.ID, mine, day.Add(2*time.Hour), ferry.StateScheduled)
			_, atEnd := story(bu.ws.ID, mine, day.Add(48*time.Hour), ferry.StateScheduled) // To is exclusive
			story(bu.ws.ID, mine, day.Add(5*time.Hour), ferry.StateCanceled)
			gone, _ := story(bu.ws.ID, mine, day.Add(6*time.Hour), ferry.StateScheduled)
			gone.DeletedAt = &day
			require.NoError(t, q.UpdateStory(ctx, gone))
			story(other.ID, theirs, day.Add(3*time.Hour), ferry.StateScheduled)
			draft := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "d", Body: "b", Targets: []string{mine.ID}, CreatedBy: bu.usr.ID}
			require.NoError(t, q.CreateStory(ctx, draft))
			require.NoError(t, q.CreatePublication(ctx, &ferry.Publication{WorkspaceID: bu.ws.ID, StoryID: draft.ID, AccountID: mine.ID, Platform: mine.Platform,
				State: ferry.StateDraft, Version: 1}))

			got, err := bu.db.Read().PublicationsScheduledBetween(ctx, bu.ws.ID, day, day.Add(48*time.Hour))
			require.NoError(t, err)
			ids := []string{}
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			require.Equal(t, []string{early.ID, late.ID}, ids, "soonest first; canceled, deleted, undated, other workspaces' and at-To left out")
			require.NotContains(t, ids, atEnd.ID)
			require.Equal(t, day.Add(2*time.Hour), got[0].ScheduledAt.UTC())

			stories, err := bu.db.Read().StoriesByID(ctx, bu.ws.ID, []string{early.StoryID, gone.ID, draft.ID, "sty_unknown"})
			require.NoError(t, err)
			require.Len(t, stories, 2, "deleted and unknown stories are absent")
			require.Equal(t, "d", stories[draft.ID].Title)
		})
	}
}
