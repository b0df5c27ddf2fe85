package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
	"github.com/ferry-social/ferry/internal/platform/graph/graphtest"
	"github.com/ferry-social/ferry/internal/refdata"
)

const (
	page  = "175154750010052"
	token = "EAAPage-token-secret"
)

var acct = platform.Account{ID: "acct-1", ExternalID: page, Credentials: map[string]string{"page_access_token": token}}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return refdata.Read(t, "fixtures", "facebook_instagram", name)
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4)), nil))
	return buf.Bytes()
}

func photo(t *testing.T, id string) platform.Media {
	b := jpegBytes(t)
	return platform.Media{ID: id, Mime: "image/jpeg", Width: 4, Height: 4, Bytes: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

type testBundle struct {
	fake *graphtest.Fake
	fb   *Connector
}

func setup(t *testing.T) testBundle {
	t.Helper()
	fake := graphtest.New(t)
	return testBundle{fake: fake, fb: New(Config{BaseURL: fake.URL, AppID: "app-id", AppSecret: "app-secret"})}
}

// permalink answers the read that completes a result.
func (b testBundle) permalink(postID string) {
	b.fake.Handle("GET /v23.0/"+postID, graphtest.Reply(map[string]any{
		"id": postID, "permalink_url": "https://www.facebook.com/" + strings.Replace(postID, "_", "/posts/", 1), "created_time": "2019-08-12T03:45:11+0000",
	}))
}

func TestPublish_Text(t *testing.T) {
	t.Parallel()
	b := setup(t)
	postID := page + "_424924701699721"
	b.fake.Handle("POST /v23.0/"+page+"/feed", graphtest.Reply(map[string]string{"id": postID}))
	b.permalink(postID)

	res, err := b.fb.Publish(context.Background(), acct, platform.Post{Text: "我测试一下 MyLife https://example.org"})
	require.NoError(t, err)
	require.Equal(t, postID, res.RemoteID)
	require.Equal(t, "https://www.facebook.com/"+page+"/posts/424924701699721", res.URL)
	require.Equal(t, time.Date(2019, 8, 12, 3, 45, 11, 0, time.UTC), res.PublishedAt)

	c := b.fake.CallsTo("POST /v23.0/" + page + "/feed")[0]
	require.Equal(t, "我测试一下 MyLife https://example.org", c.Form.Get("message"), "the text is sent as it is")
	require.Equal(t, token, c.Form.Get("access_token"))
	require.Equal(t, graph.AppSecretProof("app-secret", token), c.Form.Get("appsecret_proof"))
	require.Empty(t, c.Query.Get("access_token"))
	read := b.fake.CallsTo("GET /v23.0/" + postID)[0]
	require.Equal(t, "id,permalink_url,created_time", read.Query.Get("fields"))
}

func TestPublish_OnePhoto(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+page+"/photos", graphtest.Reply(map[string]string{"id": "555", "post_id": page + "_556"}))
	b.permalink(page + "_556")
	m := photo(t, "m1")
	m.AltText = "Two ferries crossing Victoria Harbour at dusk"

	res, err := b.fb.Publish(context.Background(), acct, platform.Post{Text: "A caption", Media: []platform.Media{m}})
	require.NoError(t, err)
	require.Equal(t, page+"_556", res.RemoteID)

	c := b.fake.CallsTo("POST /v23.0/" + page + "/photos")[0]
	require.Equal(t, "A caption", c.Form.Get("caption"))
	require.Equal(t, "Two ferries crossing Victoria Harbour at dusk", c.Form.Get("alt_text_custom"))
	require.Equal(t, token, c.Form.Get("access_token"))
	require.Equal(t, jpegBytes(t), c.Files["source"])
	require.Equal(t, "photo.jpg", c.FileNames["source"])
	require.Empty(t, c.Form.Get("published"), "a single photo is published directly")
}

func TestPublish_SeveralPhotos(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+page+"/photos", graphtest.Sequence(
		graphtest.Reply(map[string]string{"id": "901"}),
		graphtest.Reply(map[string]string{"id": "902"}),
		graphtest.Reply(map[string]string{"id": "903"}),
	))
	b.fake.Handle("POST /v23.0/"+page+"/feed", graphtest.Reply(map[string]string{"id": page + "_777"}))
	b.permalink(page + "_777")

	a, c := photo(t, "a"), photo(t, "c")
	a.AltText, c.AltText = "天星小輪", "The Peak tram"
	res, err := b.fb.Publish(context.Background(), acct, platform.Post{Text: "Three photos", Media: []platform.Media{a, photo(t, "b"), c}})
	require.NoError(t, err)
	require.Equal(t, page+"_777", res.RemoteID)

	uploads := b.fake.CallsTo("POST /v23.0/" + page + "/photos")
	require.Len(t, uploads, 3)
	for _, u := range uploads {
		require.Equal(t, "false", u.Form.Get("published"))
		require.Empty(t, u.Form.Get("caption"), "the text goes on the post, not the photos")
		require.NotEmpty(t, u.Files["source"])
	}
	require.Equal(t, "天星小輪", uploads[0].Form.Get("alt_text_custom"))
	require.NotContains(t, uploads[1].Form, "alt_text_custom", "a photo without alt text sends none")
	require.Equal(t, "The Peak tram", uploads[2].Form.Get("alt_text_custom"))
	feed := b.fake.CallsTo("POST /v23.0/" + page + "/feed")[0]
	require.Equal(t, "Three photos", feed.Form.Get("message"))
	for i, id := range []string{"901", "902", "903"} {
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(feed.Form.Get("attached_media["+strconv.Itoa(i)+"]")), &m))
		require.Equal(t, map[string]string{"media_fbid": id}, m)
	}
}

func TestPublish_Failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler graphtest.Handler
		header  map[string]string
		class   platform.Class
		code    string
		after   time.Duration
	}{
		{"ExpiredToken", graphtest.Fail(400, 190, 463, "Error validating access token: Session has expired"), nil, platform.Reauth, "facebook:190/463", 0},
		{"PasswordChanged", graphtest.Fail(400, 190, 460, "The session has been invalidated"), nil, platform.Reauth, "facebook:190/460", 0},
		{"Duplicate", graphtest.Fail(400, 506, 0, "(#506) Duplicate status message"), nil, platform.Duplicate, "facebook:506", 0},
		{"PolicyBlock", graphtest.Fail(400, 368, 0, "The action attempted has been deemed abusive or is otherwise disallowed"), nil, platform.Permanent, "facebook:368", 0},
		{"LinkError", graphtest.Fail(400, 1609005, 0, "Error Posting Link"), nil, platform.Permanent, "facebook:1609005", 0},
		{"MissingPermission", graphtest.Fail(403, 200, 0, "(#200) requires pages_manage_posts"), nil, platform.Permanent, "facebook:200", 0},
		{"PageRateLimit", graphtest.Fail(400, 32, 0, "(#32) Page request limit reached"), map[string]string{"X-Business-Use-Case-Usage": `{"` + page + `":[{"type":"pages","call_count":100,"total_cputime":4,"total_time":9,"estimated_time_to_regain_access":12}]}`}, platform.Retry, "facebook:32", 12 * time.Minute},
		{"Transient", graphtest.Fail(500, 2, 0, "Service temporarily unavailable"), nil, platform.Retry, "facebook:2", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.fake.Handle("POST /v23.0/"+page+"/feed", func(w http.ResponseWriter, c graphtest.Call) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				tc.handler(w, c)
			})
			_, err := b.fb.Publish(context.Background(), acct, platform.Post{Text: "hello"})
			pe := platform.Classify(err)
			require.Equal(t, tc.class, pe.Class, pe.Error())
			require.Equal(t, tc.code, pe.Code)
			require.Equal(t, tc.after, pe.RetryAfter)
			require.NotContains(t, err.Error(), token)
		})
	}
	t.Run("NoToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.fb.Publish(context.Background(), platform.Account{ExternalID: page}, platform.Post{Text: "x"})
		require.Equal(t, platform.Reauth, platform.Classify(err).Class)
		require.Empty(t, b.fake.Calls())
	})
	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.fb.Publish(context.Background(), acct, platform.Post{Text: " \n"})
		require.Equal(t, platform.Permanent, platform.Classify(err).Class)
		require.Empty(t, b.fake.Calls())
	})
}

func TestPublish_PostStandsWhenPermalinkReadFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("POST /v23.0/"+page+"/feed", graphtest.Reply(map[string]string{"id": page + "_1"}))
	b.fake.Handle("GET /v23.0/"+page+"_1", graphtest.Fail(500, 1, 0, "An unknown error occurred"))
	res, err := b.fb.Publish(context.Background(), acct, platform.Post{Text: "x"})
	require.NoError(t, err)
	require.Equal(t, page+"_1", res.RemoteID)
	require.Equal(t, "https://www.facebook.com/"+page+"_1", res.URL)
}

func TestPublish_LostUnpublishedUploadIsRetried(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	fake := graphtest.New(t)
	// Registered after the fake, so it runs first: the server's Close
	// waits for the blocked handler.
	t.Cleanup(func() { close(release) })
	fake.Handle("POST /v23.0/"+page+"/photos", func(http.ResponseWriter, graphtest.Call) { <-release })
	fb := New(Config{BaseURL: fake.URL, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	_, err := fb.Publish(context.Background(), acct, platform.Post{Text: "two", Media: []platform.Media{photo(t, "a"), photo(t, "b")}})
	pe := platform.Classify(err)
	require.Equal(t, platform.Retry, pe.Class, "an unpublished photo is invisible, so a lost upload posted nothing")
	require.Empty(t, fake.CallsTo("POST /v23.0/"+page+"/feed"))
}

func TestLookup(t *testing.T) {
	t.Parallel()
	since := time.Date(2021, 7, 4, 19, 0, 0, 0, time.UTC)
	b := setup(t)
	b.fake.Handle("GET /v23.0/"+page+"/published_posts", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "id,message,created_time,permalink_url", c.Query.Get("fields"))
		require.Equal(t, "1625425080", c.Query.Get("since"), "since, widened by the clock skew allowance")
		graphtest.Raw(w, fixture(t, "facebook/apidata/posts/feed_fields_p1.json"))
	})

	res, found, err := b.fb.Lookup(context.Background(), acct, platform.Post{Text: "Happy July 4th!  🇺🇸\n"}, since)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "4_10113477241177441", res.RemoteID)
	require.Equal(t, "https://www.facebook.com/4_10113477241177441", res.URL)
	require.Equal(t, time.Date(2021, 7, 4, 19, 50, 58, 0, time.UTC), res.PublishedAt)

	// The fixture's second post is older than since: listing stops there
	// and the post is not taken for this publication.
	_, found, err = b.fb.Lookup(context.Background(), acct, platform.Post{Text: "I'm grateful to get to build things that so many people find meaningful in their lives."}, since)
	require.NoError(t, err)
	require.False(t, found)
	require.Len(t, b.fake.CallsTo("GET /v23.0/"+page+"/published_posts"), 2, "the walk stopped before the next page")
}

func TestLookup_IncompleteListingIsNotANo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("GET /v23.0/"+page+"/published_posts", func(w http.ResponseWriter, c graphtest.Call) {
		graphtest.JSON(w, map[string]any{
			"data":   []map[string]string{{"id": page + "_9", "message": "other", "created_time": time.Now().UTC().Format(graph.TimeLayout)}},
			"paging": map[string]any{"cursors": map[string]string{"after": "more"}, "next": "https://graph.facebook.com/next"},
		})
	})
	_, found, err := b.fb.Lookup(context.Background(), acct, platform.Post{Text: "mine"}, time.Now().Add(-time.Hour))
	require.False(t, found)
	require.Equal(t, platform.Retry, platform.Classify(err).Class, "a listing cut short cannot prove absence")
}

func TestVerifyDeleteAndMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Handle("GET /v23.0/"+page, func(w http.ResponseWriter, c graphtest.Call) {
		switch c.Query.Get("fields") {
		case "id,name":
			graphtest.JSON(w, map[string]string{"id": page, "name": "MyLife"})
		case "followers_count,fan_count":
			// A recorded page answer: fan_count only.
			graphtest.Raw(w, fixture(t, "facebook/apidata/pages/single_fields_page.json"))
		default:
			t.Errorf("unexpected fields %q", c.Query.Get("fields"))
		}
	})
	id, err := b.fb.Verify(context.Background(), acct)
	require.NoError(t, err)
	require.Equal(t, platform.Identity{ExternalID: page, Name: "MyLife"}, id)

	am, err := b.fb.AccountMetrics(context.Background(), acct)
	require.NoError(t, err)
	require.Equal(t, int64(214507731), *am.Followers)

	b.fake.Handle("DELETE /v23.0/"+page+"_1", graphtest.Reply(map[string]bool{"success": true}))
	b.fake.Handle("DELETE /v23.0/"+page+"_2", graphtest.Fail(400, 100, 33, "Unsupported delete request. Object with ID does not exist"))
	require.NoError(t, b.fb.Delete(context.Background(), acct, page+"_1"))
	require.ErrorIs(t, b.fb.Delete(context.Background(), acct, page+"_2"), platform.ErrGone, "deleting what is gone is told apart")
	require.Equal(t, token, b.fake.CallsTo("DELETE /v23.0/" + page + "_1")[0].Query.Get("access_token"))
}

func TestPostMetrics_FromRecordedPosts(t *testing.T) {
	t.Parallel()
	var feed graph.List[json.RawMessage]
	require.NoError(t, json.Unmarshal(fixture(t, "facebook/apidata/posts/feeds_default_fields_p1.json"), &feed))
	byID := map[string]json.RawMessage{}
	var ids []string
	for _, raw := range feed.Data {
		var p struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(raw, &p))
		byID[p.ID] = raw
		ids = append(ids, p.ID)
	}
	byID[page+"_424924701699721"] = fixture(t, "facebook/apidata/posts/single_post_data.json")
	ids = append(ids, page+"_424924701699721")

	b := setup(t)
	b.fake.Handle("GET /v23.0/", func(w http.ResponseWriter, c graphtest.Call) {
		if strings.HasPrefix(c.Query.Get("fields"), "insights") {
			graphtest.Fail(400, 10, 0, "(#10) This endpoint requires the 'read_insights' permission")(w, c)
			return
		}
		require.Equal(t, postFields, c.Query.Get("fields"))
		out := map[string]json.RawMessage{}
		for _, id := range strings.Split(c.Query.Get("ids"), ",") {
			out[id] = byID[id]
		}
		graphtest.JSON(w, out)
	})
	got, err := b.fb.PostMetrics(context.Background(), acct, ids)
	require.NoError(t, err)
	require.Len(t, got, 6)
	first := got["19292868552_10158349356748553"]
	require.Equal(t, int64(125), *first.Likes)
	require.Equal(t, int64(13), *first.Comments)
	require.Equal(t, int64(10), *first.Shares)
	require.Nil(t, first.Views, "insights were refused, so views are unknown")
	mine := got[page+"_424924701699721"]
	require.Equal(t, int64(1), *mine.Likes)
	require.Equal(t, int64(0), *mine.Comments)
	require.Equal(t, int64(0), *mine.Shares, "no shares field means none")
}

func TestOAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	login := b.fb.LoginURL("https://ferry.example/cb", "st4te")
	require.True(t, strings.HasPrefix(login, "https://www.facebook.com/v23.0/dialog/oauth?"), login)
	require.Contains(t, login, "client_id=app-id")
	require.Contains(t, login, "state=st4te")
	require.Contains(t, login, "pages_manage_posts")
	require.Contains(t, login, "redirect_uri=https%3A%2F%2Fferry.example%2Fcb")

	b.fake.Handle("GET /v23.0/oauth/access_token", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "app-id", c.Query.Get("client_id"))
		require.Equal(t, "app-secret", c.Query.Get("client_secret"))
		if c.Query.Get("grant_type") == "fb_exchange_token" {
			require.Equal(t, "short-user-token", c.Query.Get("fb_exchange_token"))
			graphtest.JSON(w, map[string]any{"access_token": "long-user-token", "token_type": "bearer", "expires_in": 5183944})
			return
		}
		require.Equal(t, "the-code", c.Query.Get("code"))
		require.Equal(t, "https://ferry.example/cb", c.Query.Get("redirect_uri"))
		graphtest.JSON(w, map[string]any{"access_token": "short-user-token", "token_type": "bearer", "expires_in": 5400})
	})
	short, err := b.fb.ExchangeCode(context.Background(), "the-code", "https://ferry.example/cb")
	require.NoError(t, err)
	require.Equal(t, "short-user-token", short.AccessToken)
	require.NotContains(t, short.String(), "short-user-token")
	long, err := b.fb.LongLivedToken(context.Background(), short.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "long-user-token", long.AccessToken)
	require.WithinDuration(t, time.Now().Add(5183944*time.Second), *long.ExpiresAt, time.Minute)

	b.fake.Handle("GET /v23.0/me/accounts", func(w http.ResponseWriter, c graphtest.Call) {
		require.Equal(t, "long-user-token", c.Query.Get("access_token"))
		require.Equal(t, "id,name,access_token,instagram_business_account", c.Query.Get("fields"))
		if c.Query.Get("after") == "" {
			graphtest.JSON(w, map[string]any{
				"data":   []any{map[string]any{"id": "1", "name": "One", "access_token": "pt-1", "instagram_business_account": map[string]string{"id": "17841400000000001"}}},
				"paging": map[string]any{"cursors": map[string]string{"after": "c1"}, "next": "https://graph.facebook.com/v23.0/me/accounts?after=c1"},
			})
			return
		}
		graphtest.JSON(w, map[string]any{"data": []any{map[string]any{"id": "2", "name": "Two", "access_token": "pt-2"}}})
	})
	pages, err := b.fb.Pages(context.Background(), long.AccessToken)
	require.NoError(t, err)
	require.Equal(t, []Page{
		{ID: "1", Name: "One", AccessToken: "pt-1", InstagramBusinessAccountID: "17841400000000001"},
		{ID: "2", Name: "Two", AccessToken: "pt-2"},
	}, pages)
	require.NotContains(t, pages[0].String(), "pt-1")

	_, err = New(Config{BaseURL: b.fake.URL}).ExchangeCode(context.Background(), "c", "r")
	require.Equal(t, platform.Permanent, platform.Classify(err).Class, "login needs the app credentials")
}
