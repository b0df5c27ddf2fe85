package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestCalendarPublications_GroupsByStoryOnTheWorkspacesDays(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := setup(t, be)
			hk, err := time.LoadLocation("Asia/Hong_Kong") // the workspace's zone
			require.NoError(t, err)
			tg, fb := b.account(t, ferry.Telegram, "tg", nil), b.account(t, ferry.Facebook, "fb", nil)
			w := b.db.Write()
			story := func(title string, at time.Time, pubs ...*ferry.Account) *ferry.Story {
				st := &ferry.Story{WorkspaceID: b.ws.ID, Title: title, Body: "b", ScheduledAt: &at, CreatedBy: b.editor().UserID}
				require.NoError(t, w.CreateStory(ctx, st))
				for _, a := range pubs {
					require.NoError(t, w.CreatePublication(ctx, &ferry.Publication{WorkspaceID: b.ws.ID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform,
						State: ferry.StateScheduled, Version: 1, ScheduledAt: &at}))
				}
				return st
			}
			// 00:30 in Hong Kong on the 1st is the 30th of November in UTC;
			// 23:30 on the 7th is still the 7th; 00:30 on the 8th is past the range.
			early := story("early", time.Date(2026, 12, 1, 0, 30, 0, 0, hk), tg, fb)
			late := story("late", time.Date(2026, 12, 7, 23, 30, 0, 0, hk), tg)
			story("after", time.Date(2026, 12, 8, 0, 30, 0, 0, hk), tg)
			story("before", time.Date(2026, 11, 30, 23, 59, 0, 0, hk), fb)

			list, err := b.svc.CalendarPublications(ctx, b.as[ferry.RoleViewer], calendar.NewDate(2026, 12, 1), calendar.NewDate(2026, 12, 7))
			require.NoError(t, err)
			require.Len(t, list, 2)
			require.Equal(t, early.ID, list[0].Story.ID)
			require.Len(t, list[0].Publications, 2, "one entry per story and time")
			require.Equal(t, calendar.NewDate(2026, 12, 1), list[0].Day)
			require.Equal(t, late.ID, list[1].Story.ID)
			require.Equal(t, calendar.NewDate(2026, 12, 7), list[1].Day)
			require.Equal(t, "23:30", list[1].At.Format("15:04"), "in the workspace's zone")
			require.True(t, list[1].Movable())

			_, err = b.svc.CalendarPublications(ctx, b.editor(), calendar.NewDate(2026, 12, 1), calendar.NewDate(2027, 3, 1))
			require.True(t, ferry.IsCode(err, ferry.EINVALID), "%v", err)
			_, err = b.svc.CalendarPublications(ctx, ferry.Principal{}, calendar.NewDate(2026, 12, 1), calendar.NewDate(2026, 12, 7))
			require.Error(t, err)
		})
	}
}
