package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/refdata"
)

// graphClock is a settable clock for the sandbox.
type graphClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *graphClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *graphClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type graphBundle struct {
	sb    *Sandbox
	srv   *httptest.Server
	clock *graphClock
}

const (
	graphPage  = "100000000000001"
	graphPage2 = "100000000000002"
)

var graphIG = InstagramUserOf(graphPage)

func setupGraph(t *testing.T) *graphBundle {
	t.Helper()
	clock := &graphClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	sb := New(WithClock(clock.Now), WithSeed(7))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &graphBundle{sb: sb, srv: srv, clock: clock}
}

// graphAnswer is a decoded Graph answer.
type graphAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a graphAnswer) errCode() (code, subcode int) {
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		return 0, 0
	}
	c, _ := e["code"].(float64)
	s, _ := e["error_subcode"].(float64)
	return int(c), int(s)
}

func (a graphAnswer) str(key string) string {
	s, _ := a.body[key].(string)
	return s
}

func (a graphAnswer) data(t *testing.T) []map[string]any {
	t.Helper()
	raw, ok := a.body["data"].([]any)
	require.True(t, ok, "answer has no data: %v", a.body)
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)
	}
	return out
}

func (b *graphBundle) do(t *testing.T, req *http.Request) graphAnswer {
	t.Helper()
	resp, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := graphAnswer{status: resp.StatusCode, header: resp.Header}
	require.NoError(t, json.Unmarshal(raw, &a.body), "not JSON: %s", raw)
	return a
}

func (b *graphBundle) get(t *testing.T, token, path string, q url.Values) graphAnswer {
	t.Helper()
	if q == nil {
		q = url.Values{}
	}
	if token != "" {
		q.Set("access_token", token)
	}
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/graph/v23.0/"+path+"?"+q.Encode(), nil)
	require.NoError(t, err)
	return b.do(t, req)
}

func (b *graphBundle) post(t *testing.T, token, path string, form url.Values) graphAnswer {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if token != "" {
		form.Set("access_token", token)
	}
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/graph/v23.0/"+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

func (b *graphBundle) delete(t *testing.T, token, path string) graphAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, b.srv.URL+"/graph/v23.0/"+path+"?access_token="+url.QueryEscape(token), nil)
	require.NoError(t, err)
	return b.do(t, req)
}

func (b *graphBundle) upload(t *testing.T, token, path string, form url.Values, file []byte) graphAnswer {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	form.Set("access_token", token)
	for k, vs := range form {
		require.NoError(t, mw.WriteField(k, vs[0]))
	}
	w, err := mw.CreateFormFile("source", "photo.jpg")
	require.NoError(t, err)
	_, _ = w.Write(file)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/graph/v23.0/"+path, &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(t, req)
}

func graphJPEG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil))
	return buf.Bytes()
}

func graphPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))))
	return buf.Bytes()
}

// graphFixture reads a recorded real Graph response from the reference data.
func graphFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	raw := refdata.Read(t, "fixtures", "facebook_instagram", name)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// requireSameShape checks that every field of got that the recorded real
// response also has is of the same JSON kind, recursively.
func requireSameShape(t *testing.T, real, got any, path string) {
	t.Helper()
	switch r := real.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		require.True(t, ok, "%s: real is an object, sandbox gave %T", path, got)
		for k, gv := range g {
			if rv, ok := r[k]; ok {
				requireSameShape(t, rv, gv, path+"."+k)
			}
		}
	case []any:
		g, ok := got.([]any)
		require.True(t, ok, "%s: real is an array, sandbox gave %T", path, got)
		if len(r) > 0 {
			for i, gv := range g {
				requireSameShape(t, r[0], gv, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	default:
		require.IsType(t, real, got, path)
	}
}

func TestGraphTokens(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	tests := []struct {
		name          string
		token         string
		code, subcode int
	}{
		{"Missing", "", 104, 0},
		{"Unparseable", "EAAB-not-a-sandbox-token", 190, 0},
		{"OtherPagesToken", FacebookPageToken(graphPage2), 200, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := b.post(t, tc.token, graphPage+"/feed", url.Values{"message": {"hello " + tc.name}})
			code, sub := a.errCode()
			require.Equal(t, tc.code, code, a.body)
			require.Equal(t, tc.subcode, sub)
		})
	}
	t.Run("Revoked", func(t *testing.T) {
		token := FacebookPageToken("100000000000777")
		require.Equal(t, http.StatusOK, b.get(t, token, "100000000000777", nil).status)
		b.sb.RevokeGraphToken(token)
		code, sub := b.get(t, token, "100000000000777", nil).errCode()
		require.Equal(t, 190, code)
		require.Equal(t, 460, sub)
	})
	require.Empty(t, b.sb.Posts(ferry.Facebook, ""))
}

func TestGraphFeed_TextPost(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	token := FacebookPageToken(graphPage)
	a := b.post(t, token, graphPage+"/feed", url.Values{"message": {"Tuen Ng: dragon boats at Stanley 🐉"}})
	require.Equal(t, http.StatusOK, a.status, a.body)
	id := a.str("id")
	require.True(t, strings.HasPrefix(id, graphPage+"_"), id)

	posts := b.sb.Posts(ferry.Facebook, graphPage)
	require.Len(t, posts, 1)
	require.Equal(t, id, posts[0].RemoteID)
	require.Equal(t, "Tuen Ng: dragon boats at Stanley 🐉", posts[0].Text)

	b.clock.Advance(6 * time.Hour)
	got := b.get(t, token, id, url.Values{"fields": {"id,message,created_time,permalink_url,shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"}})
	require.Equal(t, http.StatusOK, got.status, got.body)
	require.Equal(t, "2026-03-02T09:00:00+0000", got.str("created_time"))
	require.Contains(t, got.str("permalink_url"), "https://www.facebook.com/"+graphPage+"/posts/")
	requireSameShape(t, graphFixture(t, "facebook/apidata/posts/single_post_data.json"), got.body, "post")
	reactions := got.body["reactions"].(map[string]any)["summary"].(map[string]any)["total_count"].(float64)
	require.Positive(t, reactions, "a six-hour-old post has reactions")

	t.Run("ListedInPublishedPosts", func(t *testing.T) {
		list := b.get(t, token, graphPage+"/published_posts", url.Values{"fields": {"id,message,created_time"}})
		require.Equal(t, http.StatusOK, list.status, list.body)
		data := list.data(t)
		require.Len(t, data, 1)
		require.Equal(t, id, data[0]["id"])
		requireSameShape(t, graphFixture(t, "facebook/apidata/posts/feed_fields_p1.json"), list.body, "feed")

		since := b.clock.Now().Add(-time.Hour).Unix()
		require.Empty(t, b.get(t, token, graphPage+"/published_posts", url.Values{"since": {fmt.Sprint(since)}}).data(t))
	})
	t.Run("Duplicate", func(t *testing.T) {
		first := b.post(t, token, graphPage+"/feed", url.Values{"message": {"Same words"}})
		require.Equal(t, http.StatusOK, first.status)
		again := b.post(t, token, graphPage+"/feed", url.Values{"message": {" Same  words "}})
		code, _ := again.errCode()
		require.Equal(t, 506, code)
		b.clock.Advance(fbDuplicateSpan)
		require.Equal(t, http.StatusOK, b.post(t, token, graphPage+"/feed", url.Values{"message": {"Same words"}}).status)
	})
	t.Run("Empty", func(t *testing.T) {
		code, _ := b.post(t, token, graphPage+"/feed", url.Values{"message": {"  "}}).errCode()
		require.Equal(t, 100, code)
	})
	t.Run("UnknownField", func(t *testing.T) {
		a := b.get(t, token, id, url.Values{"fields": {"id,impressions"}})
		code, _ := a.errCode()
		require.Equal(t, 100, code)
		require.Contains(t, a.body["error"].(map[string]any)["message"], "nonexisting field (impressions)")
	})
}

func TestGraphPhotos(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	token := FacebookPageToken(graphPage)
	pic := graphJPEG(t)

	t.Run("OnePhoto", func(t *testing.T) {
		a := b.upload(t, token, graphPage+"/photos", url.Values{"caption": {"One"}, "alt_text_custom": {"A lantern over the harbour"}}, pic)
		require.Equal(t, http.StatusOK, a.status, a.body)
		require.NotEmpty(t, a.str("id"))
		post := b.sb.Posts(ferry.Facebook, graphPage)[0]
		require.Equal(t, a.str("post_id"), post.RemoteID)
		require.Equal(t, "One", post.Text)
		require.Len(t, post.Media, 1)
		require.Equal(t, []string{"A lantern over the harbour"}, post.AltText)
		require.True(t, strings.HasPrefix(post.Media[0], "sha256:"))
	})
	t.Run("MultiPhoto", func(t *testing.T) {
		var ids []string
		for i := range 3 {
			form := url.Values{"published": {"false"}}
			if i != 1 {
				form.Set("alt_text_custom", fmt.Sprintf("photo %d", i+1))
			}
			a := b.upload(t, token, graphPage+"/photos", form, pic)
			require.Equal(t, http.StatusOK, a.status, a.body)
			require.Empty(t, a.str("post_id"), "an unpublished photo makes no post")
			ids = append(ids, a.str("id"))
		}
		require.Len(t, b.sb.Posts(ferry.Facebook, graphPage), 1, "unpublished uploads are not posts")
		form := url.Values{"message": {"Three"}}
		for i, id := range ids {
			form.Set(fmt.Sprintf("attached_media[%d]", i), fmt.Sprintf(`{"media_fbid":%q}`, id))
		}
		a := b.post(t, token, graphPage+"/feed", form)
		require.Equal(t, http.StatusOK, a.status, a.body)
		posts := b.sb.Posts(ferry.Facebook, graphPage)
		require.Len(t, posts, 2)
		require.Equal(t, a.str("id"), posts[1].RemoteID)
		require.Len(t, posts[1].Media, 3)
		require.Equal(t, []string{"photo 1", "", "photo 3"}, posts[1].AltText, "each attached photo's alt text, none for the one sent without")

		again := url.Values{"message": {"Reused"}, "attached_media[0]": {fmt.Sprintf(`{"media_fbid":%q}`, ids[0])}}
		code, _ := b.post(t, token, graphPage+"/feed", again).errCode()
		require.Equal(t, 100, code, "an attached photo cannot be attached again")
	})
	t.Run("NotAnImage", func(t *testing.T) {
		code, _ := b.upload(t, token, graphPage+"/photos", url.Values{}, []byte("just text, no picture")).errCode()
		require.Equal(t, 324, code)
	})
}

func TestGraphDelete(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	token := FacebookPageToken(graphPage)
	id := b.post(t, token, graphPage+"/feed", url.Values{"message": {"to be deleted"}}).str("id")
	a := b.delete(t, token, id)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Equal(t, true, a.body["success"])
	require.True(t, b.sb.Posts(ferry.Facebook, graphPage)[0].Deleted)

	code, sub := b.get(t, token, id, nil).errCode()
	require.Equal(t, 100, code)
	require.Equal(t, 33, sub)
	require.Empty(t, b.get(t, token, graphPage+"/published_posts", nil).data(t))
	code, sub = b.delete(t, token, id).errCode()
	require.Equal(t, []int{100, 33}, []int{code, sub})
}

func TestGraphBatchAndPaging(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	token := FacebookPageToken(graphPage)
	var ids []string
	for i := range 23 {
		ids = append(ids, b.post(t, token, graphPage+"/feed", url.Values{"message": {fmt.Sprintf("post %d", i)}}).str("id"))
		b.clock.Advance(time.Minute)
	}

	t.Run("Batch", func(t *testing.T) {
		a := b.get(t, token, "", url.Values{"ids": {ids[0] + "," + ids[1]}, "fields": {"id,shares,comments.summary(total_count).limit(0)"}})
		require.Equal(t, http.StatusOK, a.status, a.body)
		require.Len(t, a.body, 2)
		a = b.get(t, token, "", url.Values{"ids": {ids[0] + "," + graphPage + "_1"}})
		code, _ := a.errCode()
		require.Equal(t, 100, code)
		require.Contains(t, a.body["error"].(map[string]any)["message"], "do not exist")
	})
	t.Run("Paging", func(t *testing.T) {
		seen := map[string]bool{}
		q := url.Values{"limit": {"10"}, "fields": {"id"}}
		pages := 0
		for {
			a := b.get(t, token, graphPage+"/published_posts", q)
			pages++
			for _, p := range a.data(t) {
				seen[p["id"].(string)] = true
			}
			paging, _ := a.body["paging"].(map[string]any)
			next, _ := paging["next"].(string)
			if next == "" {
				break
			}
			u, err := url.Parse(next)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(next, b.srv.URL+"/graph/v23.0/"), next)
			q = u.Query()
		}
		require.Equal(t, 3, pages)
		require.Len(t, seen, 23)
	})
}

func (b *graphBundle) container(t *testing.T, form url.Values) string {
	t.Helper()
	a := b.post(t, InstagramToken(graphIG), graphIG+"/media", form)
	require.Equal(t, http.StatusOK, a.status, a.body)
	return a.str("id")
}

func (b *graphBundle) statusCode(t *testing.T, id string) string {
	t.Helper()
	a := b.get(t, InstagramToken(graphIG), id, url.Values{"fields": {"status_code,status"}})
	require.Equal(t, http.StatusOK, a.status, a.body)
	return a.str("status_code")
}

func (b *graphBundle) publish(t *testing.T, id string) graphAnswer {
	t.Helper()
	return b.post(t, InstagramToken(graphIG), graphIG+"/media_publish", url.Values{"creation_id": {id}})
}

func TestGraphInstagram_ContainerLifecycle(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	id := b.container(t, url.Values{"image_url": {"https://cdn.example.org/a.jpg"}, "caption": {"Mid-Autumn lanterns #hk"}, "alt_text": {"中秋花燈"}})
	require.Equal(t, "IN_PROGRESS", b.statusCode(t, id))
	code, sub := b.publish(t, id).errCode()
	require.Equal(t, []int{9007, 2207027}, []int{code, sub}, "not ready yet")

	b.clock.Advance(defaultIGProcessing)
	require.Equal(t, "FINISHED", b.statusCode(t, id))
	a := b.publish(t, id)
	require.Equal(t, http.StatusOK, a.status, a.body)
	mediaID := a.str("id")
	require.Equal(t, "PUBLISHED", b.statusCode(t, id))

	again := b.publish(t, id)
	code, sub = again.errCode()
	require.Equal(t, []int{24, 2207008}, []int{code, sub}, "a PUBLISHED container is never published again")
	posts := b.sb.Posts(ferry.Instagram, graphIG)
	require.Len(t, posts, 1)
	require.Equal(t, mediaID, posts[0].RemoteID)
	require.Equal(t, "Mid-Autumn lanterns #hk", posts[0].Text)
	require.Equal(t, []string{"https://cdn.example.org/a.jpg"}, posts[0].Media)
	require.Equal(t, []string{"中秋花燈"}, posts[0].AltText)

	t.Run("Expires", func(t *testing.T) {
		old := b.container(t, url.Values{"image_url": {"https://cdn.example.org/b.jpg"}})
		b.clock.Advance(igContainerLife)
		require.Equal(t, "EXPIRED", b.statusCode(t, old))
		code, sub := b.publish(t, old).errCode()
		require.Equal(t, []int{-2, 2207020}, []int{code, sub})
		require.Equal(t, "PUBLISHED", b.statusCode(t, id), "published stays published")
	})
	t.Run("BadURL", func(t *testing.T) {
		code, sub := b.post(t, InstagramToken(graphIG), graphIG+"/media", url.Values{"image_url": {"/relative.jpg"}}).errCode()
		require.Equal(t, []int{9004, 2207052}, []int{code, sub})
	})
	t.Run("CaptionRules", func(t *testing.T) {
		code, sub := b.post(t, InstagramToken(graphIG), graphIG+"/media", url.Values{"image_url": {"https://cdn.example.org/c.jpg"}, "caption": {strings.Repeat("#tag ", 31)}}).errCode()
		require.Equal(t, []int{100, 2207010}, []int{code, sub})
	})
}

func TestGraphInstagram_ConcurrentPublishOfOneContainer(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	id := b.container(t, url.Values{"image_url": {"https://cdn.example.org/a.jpg"}})
	b.clock.Advance(defaultIGProcessing)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			if b.publish(t, id).status == http.StatusOK {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, ok)
	require.Len(t, b.sb.Posts(ferry.Instagram, graphIG), 1)
}

func TestGraphInstagram_Carousel(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	var children []string
	for i := range 3 {
		form := url.Values{"image_url": {fmt.Sprintf("https://cdn.example.org/%d.jpg", i)}, "is_carousel_item": {"true"}}
		if i > 0 {
			form.Set("alt_text", fmt.Sprintf("view %d", i))
		}
		children = append(children, b.container(t, form))
	}
	code, sub := b.post(t, InstagramToken(graphIG), graphIG+"/media", url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}}).errCode()
	require.Equal(t, []int{9007, 2207027}, []int{code, sub}, "children still processing")
	b.clock.Advance(defaultIGProcessing)

	code, _ = b.publish(t, children[0]).errCode()
	require.Equal(t, 100, code, "a carousel item is not published alone")
	code, sub = b.post(t, InstagramToken(graphIG), graphIG+"/media", url.Values{"media_type": {"CAROUSEL"}, "children": {children[0]}}).errCode()
	require.Equal(t, []int{100, 2207028}, []int{code, sub}, "one child is not a carousel")

	parent := b.container(t, url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}, "caption": {"Three views of the harbour"}})
	code, sub = b.post(t, InstagramToken(graphIG), graphIG+"/media", url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children[:2], ",")}}).errCode()
	require.Equal(t, []int{100, 2207028}, []int{code, sub}, "children belong to one carousel")
	b.clock.Advance(defaultIGProcessing)
	a := b.publish(t, parent)
	require.Equal(t, http.StatusOK, a.status, a.body)

	m := b.get(t, InstagramToken(graphIG), a.str("id"), url.Values{"fields": {"id,caption,media_type,children,permalink,timestamp,like_count,comments_count"}})
	require.Equal(t, http.StatusOK, m.status, m.body)
	require.Equal(t, "CAROUSEL_ALBUM", m.str("media_type"))
	require.Len(t, m.body["children"].(map[string]any)["data"], 3)
	requireSameShape(t, graphFixture(t, "instagram/models/ig_media.json"), m.body, "media")
	posts := b.sb.Posts(ferry.Instagram, graphIG)
	require.Len(t, posts, 1)
	require.Len(t, posts[0].Media, 3)
	require.Equal(t, []string{"", "view 1", "view 2"}, posts[0].AltText, "each item's alt text")
}

func TestGraphInstagram_Quota(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	b.sb.SetInstagramProcessing(0)
	token := InstagramToken(graphIG)
	for i := range igQuota {
		a := b.publish(t, b.container(t, url.Values{"image_url": {"https://cdn.example.org/q.jpg"}, "caption": {fmt.Sprint(i)}}))
		require.Equal(t, http.StatusOK, a.status, a.body)
		b.clock.Advance(time.Minute)
	}
	lim := b.get(t, token, graphIG+"/content_publishing_limit", url.Values{"fields": {"quota_usage,config"}})
	require.Equal(t, http.StatusOK, lim.status, lim.body)
	d := lim.data(t)[0]
	require.Equal(t, float64(igQuota), d["quota_usage"])
	require.Equal(t, map[string]any{"quota_total": float64(25), "quota_duration": float64(86400)}, d["config"])

	over := b.container(t, url.Values{"image_url": {"https://cdn.example.org/q.jpg"}})
	code, sub := b.publish(t, over).errCode()
	require.Equal(t, []int{9, 2207042}, []int{code, sub})
	require.Equal(t, "FINISHED", b.statusCode(t, over), "a refused container can be published later")
	require.Len(t, b.sb.Posts(ferry.Instagram, graphIG), igQuota)

	b.clock.Advance(igQuotaWindow - igQuota*time.Minute + time.Minute)
	a := b.publish(t, over)
	require.Equal(t, http.StatusOK, a.status, "the oldest post left the window: %v", a.body)
}

func TestGraphInstagram_LoopbackImagesAreChecked(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	jpg, pngBytes := graphJPEG(t), graphPNG(t)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.jpg":
			_, _ = w.Write(jpg)
		case "/b.png":
			_, _ = w.Write(pngBytes)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(images.Close)
	good := b.container(t, url.Values{"image_url": {images.URL + "/a.jpg"}})
	notJPEG := b.container(t, url.Values{"image_url": {images.URL + "/b.png"}})
	missing := b.container(t, url.Values{"image_url": {images.URL + "/gone.jpg"}})
	b.clock.Advance(defaultIGProcessing)
	require.Equal(t, "FINISHED", b.statusCode(t, good))
	require.Equal(t, "ERROR", b.statusCode(t, notJPEG))
	st := b.get(t, InstagramToken(graphIG), missing, url.Values{"fields": {"status_code,status"}})
	require.Equal(t, "ERROR", st.str("status_code"))
	require.Contains(t, st.str("status"), "2207052")
	code, _ := b.publish(t, notJPEG).errCode()
	require.Equal(t, 9004, code)
}

func TestGraphInstagram_MediaListingAndInsights(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	b.sb.SetInstagramProcessing(0)
	token := InstagramToken(graphIG)
	var ids []string
	for i := range 3 {
		ids = append(ids, b.publish(t, b.container(t, url.Values{"image_url": {"https://cdn.example.org/x.jpg"}, "caption": {fmt.Sprint("caption ", i)}})).str("id"))
		b.clock.Advance(time.Hour)
	}
	list := b.get(t, token, graphIG+"/media", url.Values{"fields": {"id,caption,timestamp,permalink,like_count,comments_count,media_type"}, "limit": {"2"}})
	require.Equal(t, http.StatusOK, list.status, list.body)
	data := list.data(t)
	require.Len(t, data, 2)
	require.Equal(t, ids[2], data[0]["id"], "newest first")
	requireSameShape(t, graphFixture(t, "instagram/apidata/users/medias_p1.json"), list.body, "media")

	ins := b.get(t, token, ids[0]+"/insights", url.Values{"metric": {"views,reach,likes,comments,saved,shares"}})
	require.Equal(t, http.StatusOK, ins.status, ins.body)
	require.Len(t, ins.data(t), 6)
	requireSameShape(t, graphFixture(t, "instagram/apidata/medias/insights.json"), ins.body, "insights")
	code, _ := b.get(t, token, ids[0]+"/insights", url.Values{"metric": {"impressions"}}).errCode()
	require.Equal(t, 100, code, "impressions is gone since 2025")

	user := b.get(t, token, graphIG, url.Values{"fields": {"id,username,name,followers_count,follows_count,media_count"}})
	require.Equal(t, http.StatusOK, user.status, user.body)
	requireSameShape(t, graphFixture(t, "instagram/apidata/users/user_fields.json"), user.body, "user")

	peer := b.get(t, token, graphIG, url.Values{"fields": {"business_discovery.username(hk.culture.desk){username,followers_count,media_count}"}})
	require.Equal(t, http.StatusOK, peer.status, peer.body)
	bd := peer.body["business_discovery"].(map[string]any)
	require.Equal(t, "hk.culture.desk", bd["username"])
	require.Positive(t, bd["followers_count"])
}

func TestGraphOAuth(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	redirect := "https://ferry.example/oauth/facebook/callback"
	q := url.Values{"client_id": {"app"}, "redirect_uri": {redirect}, "state": {"s-123"}, "scope": {"pages_show_list"}}
	resp, err := client.Get(b.srv.URL + "/graph/v23.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "s-123", loc.Query().Get("state"))
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)

	exchange := url.Values{"client_id": {"app"}, "client_secret": {"secret"}, "redirect_uri": {"https://elsewhere.example/"}, "code": {code}}
	c, sub := b.get(t, "", "oauth/access_token", exchange).errCode()
	require.Equal(t, []int{100, 36008}, []int{c, sub}, "the redirect must match")
	exchange.Set("redirect_uri", redirect)
	tok := b.get(t, "", "oauth/access_token", exchange)
	require.Equal(t, http.StatusOK, tok.status, tok.body)
	user := tok.str("access_token")
	require.True(t, strings.HasPrefix(user, "sandbox-user-"))
	c, sub = b.get(t, "", "oauth/access_token", exchange).errCode()
	require.Equal(t, []int{100, 36009}, []int{c, sub}, "a code is used once")

	long := b.get(t, "", "oauth/access_token", url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {"app"}, "client_secret": {"secret"}, "fb_exchange_token": {user}})
	require.Equal(t, http.StatusOK, long.status, long.body)
	require.Equal(t, float64(longTokenLife.Seconds()), long.body["expires_in"])

	accounts := b.get(t, long.str("access_token"), "me/accounts", url.Values{"fields": {"id,name,access_token,instagram_business_account"}})
	require.Equal(t, http.StatusOK, accounts.status, accounts.body)
	pages := accounts.data(t)
	require.Len(t, pages, 2)
	require.Equal(t, FacebookPageToken(graphPage), pages[0]["access_token"])
	require.Equal(t, map[string]any{"id": graphIG}, pages[0]["instagram_business_account"])
	require.NotContains(t, pages[1], "instagram_business_account")

	// The page token works for the linked Instagram account.
	a := b.post(t, FacebookPageToken(graphPage), graphIG+"/media", url.Values{"image_url": {"https://cdn.example.org/a.jpg"}})
	require.Equal(t, http.StatusOK, a.status, a.body)
	c, _ = b.post(t, FacebookPageToken(graphPage2), graphIG+"/media", url.Values{"image_url": {"https://cdn.example.org/a.jpg"}}).errCode()
	require.Equal(t, 200, c)
}

func TestGraphFaults_FollowThePlatform(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Instagram, ErrorRate: 1}))
	require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Facebook, RateLimitRate: 1, RetryAfterSeconds: 150}))

	ig := b.post(t, InstagramToken(graphIG), graphIG+"/media", url.Values{"image_url": {"https://cdn.example.org/a.jpg"}})
	require.Equal(t, http.StatusInternalServerError, ig.status)
	code, _ := ig.errCode()
	require.Equal(t, 2, code)
	require.Equal(t, true, ig.body["error"].(map[string]any)["is_transient"])

	fb := b.post(t, FacebookPageToken(graphPage), graphPage+"/feed", url.Values{"message": {"hi"}})
	code, _ = fb.errCode()
	require.Equal(t, 32, code)
	require.Contains(t, fb.header.Get("X-Business-Use-Case-Usage"), `"estimated_time_to_regain_access":3`)
	require.NotEmpty(t, fb.header.Get("X-App-Usage"))

	require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Facebook}))
	require.Equal(t, http.StatusOK, b.get(t, FacebookPageToken(graphPage), graphPage, nil).status)
	require.Empty(t, b.sb.Posts("", ""))

	require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Instagram, RateLimitRate: 1}))
	ig = b.get(t, InstagramToken(graphIG), graphIG, nil)
	require.Equal(t, http.StatusForbidden, ig.status)
	code, _ = ig.errCode()
	require.Equal(t, 4, code)
	require.Contains(t, ig.header.Get("X-Business-Use-Case-Usage"), `"type":"instagram"`)
	require.Contains(t, ig.header.Get("X-App-Usage"), `"call_count":100`)
}

func TestGraphFeed_PageLimit(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	token := FacebookPageToken(graphPage)
	for i := range fbPostsPerHour {
		require.Equal(t, http.StatusOK, b.post(t, token, graphPage+"/feed", url.Values{"message": {fmt.Sprint("note ", i)}}).status)
		b.clock.Advance(10 * time.Second)
	}
	a := b.post(t, token, graphPage+"/feed", url.Values{"message": {"one more"}})
	code, _ := a.errCode()
	require.Equal(t, 32, code)
	// The first post leaves the hour in 2,600 s: 44 minutes, rounded up.
	require.Contains(t, a.header.Get("X-Business-Use-Case-Usage"), `"estimated_time_to_regain_access":44`)
	require.Len(t, b.sb.Posts(ferry.Facebook, graphPage), fbPostsPerHour)
}

func TestGraphEngagement_GrowsWithAge(t *testing.T) {
	t.Parallel()
	b := setupGraph(t)
	token := FacebookPageToken(graphPage)
	id := b.post(t, token, graphPage+"/feed", url.Values{"message": {"growing"}}).str("id")
	count := func() float64 {
		a := b.get(t, token, id, url.Values{"fields": {"reactions.summary(total_count)"}})
		return a.body["reactions"].(map[string]any)["summary"].(map[string]any)["total_count"].(float64)
	}
	require.Zero(t, count(), "a new post has no reactions yet")
	b.clock.Advance(3 * time.Hour)
	early := count()
	require.Equal(t, early, count(), "readings agree")
	b.clock.Advance(48 * time.Hour)
	require.Greater(t, count(), early)

	views := b.get(t, token, id+"/insights", url.Values{"metric": {"post_media_view"}})
	require.Equal(t, http.StatusOK, views.status, views.body)
	code, _ := b.get(t, token, id+"/insights", url.Values{"metric": {"post_impressions"}}).errCode()
	require.Equal(t, 100, code, "post_impressions is gone since 2025")
}
