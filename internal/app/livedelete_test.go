package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// TestAPI_DeleteLivePostThroughTheSandbox publishes to every platform with
// an API through its sandbox, then deletes the live posts: Weibo, Facebook,
// a Telegram message and a Telegram album — every one of its messages —
// are taken down (the sandbox records it, and the publication says so);
// Instagram is refused with words saying why, and stays up, and so is an
// album published before Ferry recorded every message's id.
func TestAPI_DeleteLivePostThroughTheSandbox(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	var media []string
	for i := range 2 {
		var m struct{ ID string }
		require.Equal(t, 201, b.upload(t, jpegBytes(t, 400, 500, uint8(60*i)), &m))
		media = append(media, m.ID)
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	type sent struct {
		platform ferry.Platform
		media    []string
	}
	cases := []sent{{ferry.Weibo, media[:1]}, {ferry.Facebook, nil}, {ferry.Telegram, nil}, {ferry.Telegram, media}, {ferry.Instagram, media[:1]}}
	var ids []string
	for _, c := range cases {
		var s story
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Take down", "body": "to " + string(c.platform), "media_ids": c.media,
			"targets": []string{b.accountID(t, c.platform)}, "scheduled_at": now}, &s))
		ids = append(ids, s.ID)
	}
	stories := b.settle(t, ids, 30*time.Second)
	live := func(p ferry.Platform, remoteID string) bool {
		for _, post := range b.m.Sandbox.Posts(p, "") {
			if post.RemoteID == remoteID {
				return !post.Deleted
			}
		}
		t.Fatalf("%s has no post %s", p, remoteID)
		return false
	}
	// An album published before every message id was recorded (its
	// remote_ids empty) is refused and stays up.
	{
		var s story
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Old album", "body": "old", "media_ids": media,
			"targets": []string{b.accountID(t, ferry.Telegram)}, "scheduled_at": now}, &s))
		pub := b.settle(t, []string{s.ID}, 30*time.Second)[s.ID].Publications[0]
		require.Equal(t, "published", pub.State)
		ctx := context.Background()
		require.NoError(t, b.m.Service.DB.InTx(ctx, func(tx *store.Tx) error {
			p, err := tx.PublicationForUpdate(ctx, pub.ID)
			if err != nil {
				return err
			}
			p.RemoteIDs = nil
			return tx.SavePublication(ctx, p)
		}))
		var e struct {
			Error struct{ Code, Message string }
		}
		require.Equal(t, 409, b.do(t, "POST", "/api/v1/publications/"+pub.ID+"/delete-post", nil, &e))
		require.Contains(t, e.Error.Message, "album of 2 messages")
		require.True(t, live(ferry.Telegram, pub.RemoteID), "it stays up")
	}
	for i, c := range cases {
		pub := stories[ids[i]].Publications[0]
		require.Equal(t, "published", pub.State, "%s: %+v", c.platform, pub)
		require.True(t, live(c.platform, pub.RemoteID))
		var got struct {
			State      string            `json:"state"`
			ReasonCode string            `json:"reason_code"`
			ReasonArgs map[string]string `json:"reason_args"`
			RemoteID   string            `json:"remote_id"`
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		status := b.do(t, "POST", "/api/v1/publications/"+pub.ID+"/delete-post", nil, &got)
		switch {
		case c.platform == ferry.Instagram:
			require.Equal(t, 409, b.do(t, "POST", "/api/v1/publications/"+pub.ID+"/delete-post", nil, &e))
			require.Contains(t, e.Error.Message, "Instagram does not let apps delete posts")
			require.True(t, live(c.platform, pub.RemoteID), "it stays up")
		case len(c.media) > 1:
			// Ferry recorded every message of the album, as the sandbox sent them.
			var album []string
			for _, post := range b.m.Sandbox.Posts(ferry.Telegram, "") {
				if post.RemoteID == pub.RemoteID {
					album = post.MessageIDs
				}
			}
			require.Len(t, album, 2)
			require.Equal(t, album, pub.RemoteIDs)
			require.Equal(t, 200, status, "%s", c.platform)
			require.Equal(t, "canceled", got.State)
			require.Equal(t, pub.RemoteID, got.RemoteID)
			for _, post := range b.m.Sandbox.Posts(ferry.Telegram, "") {
				if post.RemoteID == pub.RemoteID {
					require.True(t, post.Deleted, "the album is gone")
					require.ElementsMatch(t, album, post.DeletedIDs, "every message of it")
				}
			}
		default:
			require.Equal(t, 200, status, "%s", c.platform)
			require.Equal(t, "canceled", got.State)
			require.Equal(t, string(ferry.ReasonPostDeleted), got.ReasonCode)
			require.Equal(t, string(c.platform), got.ReasonArgs["platform"])
			require.Equal(t, pub.RemoteID, got.RemoteID, "the remote id stays on record")
			require.False(t, live(c.platform, pub.RemoteID), "%s: the sandbox recorded the deletion", c.platform)
			// Once canceled, it is no longer a published post.
			require.Equal(t, 409, b.do(t, "POST", "/api/v1/publications/"+pub.ID+"/delete-post", nil, &e))
		}
	}
}
