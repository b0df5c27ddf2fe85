package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

// oneOfEach makes one row of every kind an API path names by id, in the
// bundle's workspace, and returns their ids by the first path segment after
// /api/v1/ (or calendar/<kind>): what fillIDs puts in a route's path.
func (b *testBundle) oneOfEach(t *testing.T) map[string]string {
	t.Helper()
	resp := b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@theirs", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var acct struct{ ID string }
	resp.decode(t, &acct)
	media := b.uploadJPEG(t, 40)
	resp = b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Theirs", "body": "Their secret plans", "media_ids": []string{media}, "targets": []string{acct.ID}})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var story struct {
		ID           string
		Publications []struct{ ID string }
	}
	resp.decode(t, &story)
	require.NotEmpty(t, story.Publications)
	resp = b.do(t, "POST", "/api/v1/calendar/events", map[string]any{"kind": "campaign", "name_en": "Their launch", "start_date": "2027-01-02", "end_date": "2027-01-03"})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var event struct{ ID string }
	resp.decode(t, &event)
	resp = b.do(t, "POST", "/api/v1/calendar/recurring", map[string]any{"name_en": "Their new year", "recurrence": map[string]any{"month": 1, "day": 1, "local_time": "09:00"}})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var recurring struct{ ID string }
	resp.decode(t, &recurring)
	peer := &ferry.Peer{WorkspaceID: b.workspaceID, Platform: ferry.Telegram, Handle: "rival", RemoteID: "@rival", Name: "Rival"}
	require.NoError(t, b.db.Write().CreatePeer(context.Background(), peer))
	return map[string]string{
		"accounts": acct.ID, "stories": story.ID, "publications": story.Publications[0].ID, "media": media,
		"calendar/events": event.ID, "calendar/recurring": recurring.ID, "peers": peer.ID,
	}
}
