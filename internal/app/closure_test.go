package app_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/archive"
)

// TestAPI_CloseAnAccountThroughTheSandbox closes a Weibo account with its
// posts deleted, on a running Ferry: River runs the closure against the
// sandbox, the posts are taken down one by one, the archive is written
// and verified, and a second close changes nothing.
func TestAPI_CloseAnAccountThroughTheSandbox(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	weibo := b.accountID(t, ferry.Weibo)
	var m struct{ ID string }
	require.Equal(t, 201, b.upload(t, jpegBytes(t, 400, 500, 9), &m))
	now := time.Now().UTC().Format(time.RFC3339Nano)
	var ids []string
	for i := range 2 {
		var s story
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Notice", "body": "Notice " + string(rune('A'+i)), "media_ids": []string{m.ID},
			"targets": []string{weibo}, "scheduled_at": now}, &s))
		ids = append(ids, s.ID)
	}
	stories := b.settle(t, ids, 30*time.Second)
	var later story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Later", "body": "Tomorrow", "targets": []string{weibo},
		"scheduled_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, &later))

	type closure struct {
		State    string `json:"state"`
		Changed  bool   `json:"changed"`
		Progress struct {
			Canceled      int  `json:"canceled"`
			RemoteDeleted int  `json:"remote_deleted"`
			RemoteGone    int  `json:"remote_gone"`
			RemoteFailed  int  `json:"remote_failed"`
			FinalReading  bool `json:"final_reading"`
		} `json:"progress"`
		ArchiveID string `json:"archive_id"`
		Answers   []struct {
			Answer string `json:"answer"`
		} `json:"answers"`
	}
	var c closure
	var e apiError
	require.Equal(t, 400, b.do(t, "POST", "/api/v1/accounts/"+weibo+"/close", map[string]any{"scheduled": "move"}, &e))
	require.Equal(t, "invalid", e.Error.Code)
	require.Equal(t, http.StatusAccepted, b.do(t, "POST", "/api/v1/accounts/"+weibo+"/close", map[string]any{"delete_remote": true}, &c))
	require.True(t, c.Changed)
	require.Len(t, c.Answers, 1)
	require.Equal(t, "withdrawn", c.Answers[0].Answer)
	deadline := time.Now().Add(60 * time.Second)
	for c.State != "done" {
		require.True(t, time.Now().Before(deadline), "the closure finishes: %+v", c)
		time.Sleep(200 * time.Millisecond)
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+weibo+"/close", nil, &c))
	}
	require.Equal(t, 2, c.Progress.RemoteDeleted+c.Progress.RemoteGone)
	require.Zero(t, c.Progress.RemoteFailed)
	require.Equal(t, 1, c.Progress.Canceled)
	require.True(t, c.Progress.FinalReading, "a final reading from the sandbox")
	for _, id := range ids {
		remote := stories[id].Publications[0].RemoteID
		for _, post := range b.m.Sandbox.Posts(ferry.Weibo, "") {
			if post.RemoteID == remote {
				require.True(t, post.Deleted, "the sandbox recorded the deletion of %s", remote)
			}
		}
	}
	var again closure
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/accounts/"+weibo+"/close", map[string]any{"delete_remote": false}, &again))
	require.False(t, again.Changed, "closing twice changes nothing")

	var list struct {
		Archives []struct {
			ID, State string
			Bytes     int64
		}
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+weibo+"/archives", nil, &list))
	require.Len(t, list.Archives, 1)
	require.Equal(t, "ready", list.Archives[0].State)
	req, err := http.NewRequest("GET", b.url+"/api/v1/archives/"+c.ArchiveID+"/download", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	zip, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
	require.EqualValues(t, list.Archives[0].Bytes, len(zip))
	_, err = archive.Verify(bytes.NewReader(zip), int64(len(zip)))
	require.NoError(t, err)

	var acct ferry.Account
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+weibo, nil, &acct))
	require.Equal(t, ferry.HealthClosed, acct.Health)
	var s story
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/stories/"+ids[0], nil, &s), "the history stays readable")
}
