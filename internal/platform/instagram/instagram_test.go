package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
	"github.com/ferry-social/ferry/internal/platform/graph/graphtest"
	"github.com/ferry-social/ferry/internal/refdata"
)

const (
	user  = "17841407673135339"
	token = "EAAIG-token-secret"
)

var acct = platform.Account{ID: "acct-ig", ExternalID: user, Credentials: map[string]string{"access_token": token}}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return refdata.Read(t, "fixtures", "facebook_instagram", name)
}

func image(url string) platform.Media {
	return platform.Media{ID: url, Mime: "image/jpeg", Width: 1080, Height: 1080, URL: url}
}

// testClock is a fixed clock that tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

type testBundle struct {
	fake  *graphtest.Fake
	ig    *Connector
	clock *testClock
}

func setup(t *testing.T) testBundle {
	t.Helper()
	fake := graphtest.New(t)
	ig := New(Config{BaseURL: fake.URL, PollInterval: time.Millisecond, PollTimeout: time.Second})
	clock := &testClock{t: time.Date(2026, 9, 10, 12, 0, 0, 0, time.UTC)}
	ig.now = clock.now
	fake.Handle("GET /v23.0/"+user+"/content_publishing_limit", graphtest.Reply(map[string]any{
		"data": []any{map[string]any{"quota_usage": 3, "config": map[string]int{"quota_total": 50, "quota_duration": 86400}}},
	}))
	return testBundle{fake: fake, ig: ig, clock: clock}
}

func status(code string) graphtest.Handler {
	return func(w http.ResponseWriter, c graphtest.Call) {
		graphtest.JSON(w, map[string]string{"id": strings.TrimPrefix(c.Path, "/v23.0/"), "status_code": code})
	}
}

func (b testBundle) mediaRead(id string) {
	b.fake.Handle("GET /v23.0/"+id, graphtest.Reply(map[string]string{"id": id, "permalink": "https://www.instagram.com/p/CP5Rq0bjBzn/", "timestamp": "2021-06-09T09:47:29+0000"}))
}

func TestPublish_SingleImage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Reply(map[string]string{"id": "c1"}))
	b.fake.Handle("GET /v23.0/c1", graphtest.Sequence(status(StatusInProgress), status(StatusInProgress), status(StatusFinished)))
	b.fake.Handle("POST /v23.0/"+user+"/media_publish", graphtest.Reply(map[string]string{"id": "17893085207160254"}))
	b.mediaRead("17893085207160254")
	require.Equal(t, 25, b.ig.Limits(acct)[0].Max, "the default until the quota is read")

	peach := image("https://ferry.example/m/1.jpg")
	peach.AltText = "A ripe peach on a white plate"
	res, err := b.ig.Publish(context.Background(), acct, platform.Post{Text: "Peach new #fruit", Media: []platform.Media{peach}})
	require.NoError(t, err)
	require.Equal(t, platform.Result{RemoteID: "17893085207160254", URL: "https://www.instagram.com/p/CP5Rq0bjBzn/", PublishedAt: time.Date(2021, 6, 9, 9, 47, 29, 0, time.UTC)}, res)

	create := b.fake.CallsTo("POST /v23.0/" + user + "/media")
	require.Len(t, create, 1)
	require.Equal(t, "https://ferry.example/m/1.jpg", create[0].Form.Get("image_url"))
	require.Equal(t, "Peach new #fruit", create[0].Form.Get("caption"))
	require.Equal(t, "A ripe peach on a white plate", create[0].Form.Get("alt_text"))
	require.Equal(t, token, create[0].Form.Get("access_token"))
	require.Len(t, b.fake.CallsTo("GET /v23.0/c1"), 3)
	require.Equal(t, "id,status_code,status", b.fake.CallsTo("GET /v23.0/c1")[0].Query.Get("fields"))
	pub := b.fake.CallsTo("POST /v23.0/" + user + "/media_publish")
	require.Len(t, pub, 1)
	require.Equal(t, "c1", pub[0].Form.Get("creation_id"))

	lim := b.ig.Limits(acct)
	require.Equal(t, []platform.Limit{{Key: "instagram:user:" + user, Max: 50, Window: 24 * time.Hour}}, lim)
}

func TestPublish_Carousel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Sequence(
		graphtest.Reply(map[string]string{"id": "ch1"}),
		graphtest.Reply(map[string]string{"id": "ch2"}),
		graphtest.Reply(map[string]string{"id": "parent"}),
	))
	for _, id := range []string{"ch1", "ch2", "parent"} {
		b.fake.Handle("GET /v23.0/"+id, status(StatusFinished))
	}
	b.fake.Handle("POST /v23.0/"+user+"/media_publish", graphtest.Reply(map[string]string{"id": "17896129349106152"}))
	b.mediaRead("17896129349106152")

	first := image("https://ferry.example/1.jpg")
	first.AltText = "維港夜景"
	res, err := b.ig.Publish(context.Background(), acct, platform.Post{Text: "ALBUM", Media: []platform.Media{first, image("https://ferry.example/2.jpg")}})
	require.NoError(t, err)
	require.Equal(t, "17896129349106152", res.RemoteID)

	create := b.fake.CallsTo("POST /v23.0/" + user + "/media")
	require.Len(t, create, 3)
	for i, c := range create[:2] {
		require.Equal(t, fmt.Sprintf("https://ferry.example/%d.jpg", i+1), c.Form.Get("image_url"))
		require.Equal(t, "true", c.Form.Get("is_carousel_item"))
		require.Empty(t, c.Form.Get("caption"), "the caption belongs to the carousel")
	}
	require.Equal(t, "維港夜景", create[0].Form.Get("alt_text"), "alt text goes on each image item")
	require.NotContains(t, create[1].Form, "alt_text", "an image without alt text sends none")
	require.NotContains(t, create[2].Form, "alt_text", "the carousel container is not an image")
	require.Equal(t, "CAROUSEL", create[2].Form.Get("media_type"))
	require.Equal(t, "ch1,ch2", create[2].Form.Get("children"))
	require.Equal(t, "ALBUM", create[2].Form.Get("caption"))
	require.Equal(t, "parent", b.fake.CallsTo("POST /v23.0/" + user + "/media_publish")[0].Form.Get("creation_id"))
}

func TestPublish_RefusesWhatInstagramWould(t *testing.T) {
	t.Parallel()
	eleven := make([]platform.Media, 11)
	for i := range eleven {
		eleven[i] = image(fmt.Sprintf("https://ferry.example/%d.jpg", i))
	}
	tests := []struct {
		name string
		acct platform.Account
		post platform.Post
		code string
		says string
	}{
		{"TextOnly", acct, platform.Post{Text: "words alone"}, "instagram:no_media", "text-only"},
		{"TooMany", acct, platform.Post{Text: "x", Media: eleven}, "instagram:too_many_media", "at most 10"},
		{"NoPublicURL", acct, platform.Post{Text: "x", Media: []platform.Media{{ID: "m", Mime: "image/jpeg"}}}, "instagram:no_public_url", "FERRY_PUBLIC_URL"},
		{"NotJPEG", acct, platform.Post{Text: "x", Media: []platform.Media{{ID: "m", Mime: "image/png", URL: "https://ferry.example/a.png"}}}, "instagram:media_format", "JPEG"},
		{"LongCaption", acct, platform.Post{Text: strings.Repeat("字", 2201), Media: []platform.Media{image("https://ferry.example/a.jpg")}}, "instagram:caption_too_long", "2201"},
		{"Hashtags", acct, platform.Post{Text: strings.Repeat("#香港 ", 31), Media: []platform.Media{image("https://ferry.example/a.jpg")}}, "instagram:too_many_hashtags", "31 hashtags"},
		{"Mentions", acct, platform.Post{Text: strings.Repeat("@a.b ", 21), Media: []platform.Media{image("https://ferry.example/a.jpg")}}, "instagram:too_many_mentions", "21"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.ig.Publish(context.Background(), tc.acct, tc.post)
			pe := platform.Classify(err)
			require.Equal(t, platform.Permanent, pe.Class)
			require.Equal(t, tc.code, pe.Code)
			require.Contains(t, pe.Message, tc.says)
			require.Empty(t, b.fake.Calls(), "nothing is sent")
		})
	}
	t.Run("NoToken", func(t *testing.T) {
		t.Parallel()
		_, err := New(Config{}).Publish(context.Background(), platform.Account{ExternalID: user}, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
		require.Equal(t, platform.Reauth, platform.Classify(err).Class)
	})
}

func TestPublish_ContainerErrorIsPermanent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Reply(map[string]string{"id": "c9"}))
	b.fake.Handle("GET /v23.0/c9", graphtest.Reply(map[string]string{"id": "c9", "status_code": StatusError, "status": "Error: Media upload has failed with error code 2207052"}))
	_, err := b.ig.Publish(context.Background(), acct, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
	pe := platform.Classify(err)
	require.Equal(t, platform.Permanent, pe.Class)
	require.Contains(t, pe.Message, "2207052")
	var ce *ContainerError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, "c9", ce.ContainerID)
	require.Empty(t, b.fake.CallsTo("POST /v23.0/"+user+"/media_publish"))
}

func TestPublish_ExpiredContainerIsReplaced(t *testing.T) {
	t.Parallel()
	t.Run("SeenWhileWaiting", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Sequence(graphtest.Reply(map[string]string{"id": "old"}), graphtest.Reply(map[string]string{"id": "new"})))
		b.fake.Handle("GET /v23.0/old", status(StatusExpired))
		b.fake.Handle("GET /v23.0/new", status(StatusFinished))
		b.fake.Handle("POST /v23.0/"+user+"/media_publish", graphtest.Reply(map[string]string{"id": "m1"}))
		b.mediaRead("m1")
		res, err := b.ig.Publish(context.Background(), acct, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
		require.NoError(t, err)
		require.Equal(t, "m1", res.RemoteID)
		pub := b.fake.CallsTo("POST /v23.0/" + user + "/media_publish")
		require.Len(t, pub, 1)
		require.Equal(t, "new", pub[0].Form.Get("creation_id"))
	})
	t.Run("RefusedAtPublish", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Sequence(graphtest.Reply(map[string]string{"id": "old"}), graphtest.Reply(map[string]string{"id": "new"})))
		b.fake.Handle("GET /v23.0/old", graphtest.Sequence(status(StatusFinished), status(StatusExpired)))
		b.fake.Handle("GET /v23.0/new", status(StatusFinished))
		b.fake.Handle("POST /v23.0/"+user+"/media_publish", func(w http.ResponseWriter, c graphtest.Call) {
			if c.Form.Get("creation_id") == "old" {
				graphtest.Error(w, 400, -2, graph.SubcodeContainerExpired, "The media you are trying to access has expired. Please try to upload again.")
				return
			}
			graphtest.JSON(w, map[string]string{"id": "m2"})
		})
		b.mediaRead("m2")
		res, err := b.ig.Publish(context.Background(), acct, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
		require.NoError(t, err)
		require.Equal(t, "m2", res.RemoteID)
		require.Len(t, b.fake.CallsTo("POST /v23.0/"+user+"/media_publish"), 2)
	})
}

// A publish that fails but went out anyway: the container shows PUBLISHED
// and must not be published again; the post is found by its caption.
func TestPublish_NeverPublishesAPublishedContainerAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Reply(map[string]string{"id": "c1"}))
	b.fake.Handle("GET /v23.0/c1", graphtest.Sequence(status(StatusFinished), status(StatusPublished)))
	b.fake.Handle("POST /v23.0/"+user+"/media_publish", graphtest.Fail(500, 2, 0, "Service temporarily unavailable"))
	b.fake.Handle("GET /v23.0/"+user+"/media", graphtest.Reply(map[string]any{"data": []any{
		map[string]string{"id": "m-other", "caption": "something else", "timestamp": "2026-09-10T12:00:03+0000"},
		map[string]string{"id": "m-mine", "caption": "Lantern night", "timestamp": "2026-09-10T12:00:02+0000", "permalink": "https://www.instagram.com/p/abc/"},
		map[string]string{"id": "m-old", "caption": "Lantern night", "timestamp": "2026-09-09T12:00:00+0000"},
	}}))
	res, err := b.ig.Publish(context.Background(), acct, platform.Post{Text: "Lantern night", Media: []platform.Media{image("https://ferry.example/a.jpg")}})
	require.NoError(t, err)
	require.Equal(t, platform.Result{RemoteID: "m-mine", URL: "https://www.instagram.com/p/abc/", PublishedAt: time.Date(2026, 9, 10, 12, 0, 2, 0, time.UTC)}, res)
	require.Len(t, b.fake.CallsTo("POST /v23.0/"+user+"/media_publish"), 1)
}

func TestPublish_LostPublishAnswerIsUnknown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	fake := graphtest.New(t)
	t.Cleanup(func() { close(release) })
	ig := New(Config{BaseURL: fake.URL, PollInterval: time.Millisecond, HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
	fake.Handle("GET /v23.0/"+user+"/content_publishing_limit", graphtest.Reply(map[string]any{"data": []any{}}))
	fake.Handle("POST /v23.0/"+user+"/media", graphtest.Reply(map[string]string{"id": "c1"}))
	fake.Handle("GET /v23.0/c1", status(StatusFinished))
	fake.Handle("POST /v23.0/"+user+"/media_publish", func(http.ResponseWriter, graphtest.Call) { <-release })

	_, err := ig.Publish(context.Background(), acct, platform.Post{Text: "x", Media: []platform.Media{image("https://ferry.example/a.jpg")}})
	pe := platform.Classify(err)
	require.Equal(t, platform.Unknown, pe.Class, "the publish may have gone out: reconcile before any retry")
	var ce *ContainerError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, "c1", ce.ContainerID)
	require.NotContains(t, err.Error(), token)
	require.Len(t, fake.CallsTo("POST /v23.0/"+user+"/media_publish"), 1)
}

func TestPublish_NotReadyIsRetriedWhileFinished(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Reply(map[string]string{"id": "c1"}))
	b.fake.Handle("GET /v23.0/c1", status(StatusFinished))
	b.fake.Handle("POST /v23.0/"+user+"/media_publish", graphtest.Sequence(
		graphtest.Fail(400, 9007, graph.SubcodeNotReady, "Media ID is not available"),
		graphtest.Reply(map[string]string{"id": "m1"}),
	))
	b.mediaRead("m1")
	res, err := b.ig.Publish(context.Background(), acct, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
	require.NoError(t, err)
	require.Equal(t, "m1", res.RemoteID)
	require.Len(t, b.fake.CallsTo("POST /v23.0/"+user+"/media_publish"), 2)
}

func TestPublish_Quota(t *testing.T) {
	t.Parallel()
	listing := graphtest.Reply(map[string]any{"data": []any{
		map[string]string{"id": "m3", "timestamp": "2026-09-10T11:00:00+0000"},
		map[string]string{"id": "m2", "timestamp": "2026-09-09T16:00:00+0000"},
		map[string]string{"id": "m1", "timestamp": "2026-09-08T16:00:00+0000"},
	}})
	t.Run("FullBeforeStarting", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.Handle("GET /v23.0/"+user+"/content_publishing_limit", graphtest.Reply(map[string]any{
			"data": []any{map[string]any{"quota_usage": 25, "config": map[string]int{"quota_total": 25, "quota_duration": 86400}}},
		}))
		b.fake.Handle("GET /v23.0/"+user+"/media", listing)
		_, err := b.ig.Publish(context.Background(), acct, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
		pe := platform.Classify(err)
		require.Equal(t, platform.Retry, pe.Class)
		require.Equal(t, "instagram:quota", pe.Code)
		require.Equal(t, 4*time.Hour, pe.RetryAfter, "the oldest post in the window (16:00 yesterday) leaves it at 16:00 today")
		require.Empty(t, b.fake.CallsTo("POST /v23.0/"+user+"/media"), "no container is made in vain")
	})
	t.Run("RefusedAtPublish", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.Handle("POST /v23.0/"+user+"/media", graphtest.Reply(map[string]string{"id": "c1"}))
		b.fake.Handle("GET /v23.0/c1", status(StatusFinished))
		b.fake.Handle("POST /v23.0/"+user+"/media_publish", graphtest.Fail(400, 9, graph.SubcodeQuotaReached, "You reached maximum number of posts"))
		b.fake.Handle("GET /v23.0/"+user+"/media", listing)
		_, err := b.ig.Publish(context.Background(), acct, platform.Post{Media: []platform.Media{image("https://ferry.example/a.jpg")}})
		pe := platform.Classify(err)
		require.Equal(t, platform.Retry, pe.Class)
		require.Equal(t, "instagram:9/2207042", pe.Code)
		require.Equal(t, 4*time.Hour, pe.RetryAfter)
		require.Len(t, b.fake.CallsTo("POST /v23.0/"+user+"/media_publish"), 1)
	})
}

func TestLookup_FromRecordedListing(t *testing.T) {
	t.Parallel()
	// The recorded listing has no captions; give them some to match.
	var page graph.List[map[string]any]
	require.NoError(t, json.Unmarshal(fixture(t, "instagram/apidata/users/medias_p1.json"), &page))
	require.Len(t, page.Data, 2)
	page.Data[0]["caption"] = "Tuen Ng\n dragon boats"
	page.Data[1]["caption"] = "Other"
	require.Equal(t, "after", page.Paging.Cursors.After)

	b := setup(t)
	b.fake.Handle("GET /v23.0/"+user+"/media", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "id,caption,timestamp,permalink", c.Query.Get("fields"))
		if c.Query.Get("after") == "" {
			graphtest.JSON(w, page)
			return
		}
		require.Equal(t, "after", c.Query.Get("after"))
		graphtest.JSON(w, map[string]any{"data": []any{map[string]string{"id": "older", "caption": "x", "timestamp": "2021-01-01T00:00:00+0000"}}})
	})
	since := time.Date(2021, 8, 13, 8, 0, 0, 0, time.UTC)
	res, found, err := b.ig.Lookup(context.Background(), acct, platform.Post{Text: "Tuen Ng dragon boats"}, since)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, platform.Result{RemoteID: "17895731045244887", URL: "https://www.instagram.com/p/CSgf9BChwVq/", PublishedAt: time.Date(2021, 8, 13, 8, 25, 28, 0, time.UTC)}, res)

	_, found, err = b.ig.Lookup(context.Background(), acct, platform.Post{Text: "never posted"}, since)
	require.NoError(t, err)
	require.False(t, found)
}

func TestVerifyAndMetrics_FromRecordedResponses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("GET /v23.0/"+user, func(w http.ResponseWriter, c graphtest.Call) {
		graphtest.Raw(w, fixture(t, "instagram/apidata/users/user_fields.json"))
	})
	id, err := b.ig.Verify(context.Background(), acct)
	require.NoError(t, err)
	require.Equal(t, platform.Identity{ExternalID: user, Name: "facebookfordevelopers"}, id)
	require.Equal(t, 50, b.ig.Limits(acct)[0].Max, "Verify reads the quota")

	am, err := b.ig.AccountMetrics(context.Background(), acct)
	require.NoError(t, err)
	require.Equal(t, int64(64363), *am.Followers)
	require.Equal(t, int64(427), *am.Posts)
	require.Nil(t, am.Following, "the recorded answer has no follows_count")

	b.fake.Handle("GET /v23.0/", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "id,like_count,comments_count", c.Query.Get("fields"))
		require.Equal(t, "17893085207160254,17896129349106152", c.Query.Get("ids"))
		graphtest.Raw(w, fixture(t, "instagram/apidata/medias/medias_fields.json"))
	})
	b.fake.Handle("GET /v23.0/17893085207160254/insights", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, insightMetrics, c.Query.Get("metric"))
		graphtest.Raw(w, fixture(t, "instagram/apidata/medias/insights.json"))
	})
	b.fake.Handle("GET /v23.0/17896129349106152/insights", graphtest.Fail(400, 100, 0, "(#100) The Media Insights API does not support this media"))
	pm, err := b.ig.PostMetrics(context.Background(), acct, []string{"17893085207160254", "17896129349106152"})
	require.NoError(t, err)
	peach := pm["17893085207160254"]
	require.Equal(t, int64(1), *peach.Likes)
	require.Equal(t, int64(0), *peach.Comments)
	require.Equal(t, int64(8), *peach.Views, "the old shape's impressions count as views")
	require.Equal(t, int64(0), *peach.Saves)
	album := pm["17896129349106152"]
	require.Equal(t, int64(1), *album.Likes)
	require.Nil(t, album.Views, "no insights for this media")
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("GET /v23.0/"+user, func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "business_discovery.username(hk.culture){id,username,name,followers_count,media_count}", c.Query.Get("fields"))
		graphtest.JSON(w, map[string]any{"id": user, "business_discovery": map[string]any{"id": "178", "username": "hk.culture", "followers_count": 1200, "media_count": 88}})
	})
	p, err := b.ig.Discover(context.Background(), acct, "@hk.culture")
	require.NoError(t, err)
	require.Equal(t, Peer{ID: "178", Username: "hk.culture", Followers: 1200, Media: 88}, p)
	_, err = b.ig.Discover(context.Background(), acct, "x){id}")
	require.Equal(t, platform.Permanent, platform.Classify(err).Class)
}
