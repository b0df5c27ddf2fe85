package instagram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	goimage "image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/sandbox"
)

var sandboxUser = sandbox.InstagramUserOf("100000000000001")

type sandboxBundle struct {
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	acct platform.Account
}

func setupSandbox(t *testing.T) sandboxBundle {
	t.Helper()
	sb := sandbox.New()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sandboxBundle{sb: sb, srv: srv, acct: platform.Account{ExternalID: sandboxUser, Credentials: map[string]string{"access_token": sandbox.InstagramToken(sandboxUser)}}}
}

func (b sandboxBundle) connector(rt http.RoundTripper) *Connector {
	return New(Config{BaseURL: b.srv.URL + "/graph", PollInterval: 20 * time.Millisecond, PollTimeout: 5 * time.Second, HTTPClient: &http.Client{Transport: rt, Timeout: 10 * time.Second}})
}

// onPublish intercepts media_publish calls: the sandbox handles them, then
// the test decides what the connector hears.
type onPublish struct {
	calls atomic.Int32
	hear  func(*http.Response) (*http.Response, error)
}

func (o *onPublish) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/media_publish") {
		return resp, err
	}
	o.calls.Add(1)
	return o.hear(resp)
}

func TestSandbox_PublishImageAndCarousel(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	ig := b.connector(nil)
	ctx := context.Background()
	since := time.Now()

	one := platform.Post{Text: "Victoria Harbour at dusk #hongkong", Media: []platform.Media{image("https://cdn.example.org/1.jpg")}}
	res, err := ig.Publish(ctx, b.acct, one)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(res.URL, "https://www.instagram.com/p/"), res.URL)

	three := platform.Post{Text: "Three lanterns", Media: []platform.Media{image("https://cdn.example.org/a.jpg"), image("https://cdn.example.org/b.jpg"), image("https://cdn.example.org/c.jpg")}}
	res2, err := ig.Publish(ctx, b.acct, three)
	require.NoError(t, err)

	recorded := b.sb.Posts(ferry.Instagram, sandboxUser)
	require.Len(t, recorded, 2)
	require.Equal(t, res.RemoteID, recorded[0].RemoteID)
	require.Equal(t, one.Text, recorded[0].Text)
	require.Equal(t, []string{"https://cdn.example.org/a.jpg", "https://cdn.example.org/b.jpg", "https://cdn.example.org/c.jpg"}, recorded[1].Media)

	found, ok, err := ig.Lookup(ctx, b.acct, three, since)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, res2.RemoteID, found.RemoteID)

	id, err := ig.Verify(ctx, b.acct)
	require.NoError(t, err)
	require.Equal(t, sandboxUser, id.ExternalID)
	require.Equal(t, []platform.Limit{{Key: "instagram:user:" + sandboxUser, Max: 25, Window: 24 * time.Hour}}, ig.Limits(b.acct))

	am, err := ig.AccountMetrics(ctx, b.acct)
	require.NoError(t, err)
	require.Positive(t, *am.Followers)
	require.Positive(t, *am.Following)
	require.GreaterOrEqual(t, *am.Posts, int64(2))
	pm, err := ig.PostMetrics(ctx, b.acct, []string{res.RemoteID, res2.RemoteID})
	require.NoError(t, err)
	require.Len(t, pm, 2)
	for _, m := range pm {
		require.NotNil(t, m.Likes)
		require.NotNil(t, m.Views)
		require.NotNil(t, m.Saves)
	}
	peer, err := ig.Discover(ctx, b.acct, "hk.culture.desk")
	require.NoError(t, err)
	require.Equal(t, "hk.culture.desk", peer.Username)
}

func TestSandbox_QuotaIsHonoured(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	b.sb.SetInstagramProcessing(0)
	ig := b.connector(nil)
	ctx := context.Background()
	for i := range 25 {
		_, err := ig.Publish(ctx, b.acct, platform.Post{Text: fmt.Sprint("post ", i), Media: []platform.Media{image("https://cdn.example.org/q.jpg")}})
		require.NoError(t, err)
	}
	_, err := ig.Publish(ctx, b.acct, platform.Post{Text: "one too many", Media: []platform.Media{image("https://cdn.example.org/q.jpg")}})
	pe := platform.Classify(err)
	require.Equal(t, platform.Retry, pe.Class)
	require.Equal(t, "instagram:quota", pe.Code)
	require.InDelta(t, (24 * time.Hour).Seconds(), pe.RetryAfter.Seconds(), 120, "the first post of the window frees the first slot")
	require.Len(t, b.sb.Posts(ferry.Instagram, sandboxUser), 25)
}

// The sandbox publishes, but the answer is lost on the way back: the
// connector must say it does not know, and never publish again.
func TestSandbox_LostPublishAnswer(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	rt := &onPublish{hear: func(resp *http.Response) (*http.Response, error) {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}}
	ig := b.connector(rt)
	post := platform.Post{Text: "Lost in transit", Media: []platform.Media{image("https://cdn.example.org/l.jpg")}}
	since := time.Now()
	_, err := ig.Publish(context.Background(), b.acct, post)
	require.Equal(t, platform.Unknown, platform.Classify(err).Class)
	require.Equal(t, int32(1), rt.calls.Load())

	recorded := b.sb.Posts(ferry.Instagram, sandboxUser)
	require.Len(t, recorded, 1)
	res, found, err := b.connector(nil).Lookup(context.Background(), b.acct, post, since)
	require.NoError(t, err)
	require.True(t, found, "reconciliation finds the post")
	require.Equal(t, recorded[0].RemoteID, res.RemoteID)
}

// Instagram answers an error, yet the post went out: the container shows
// PUBLISHED, so the connector finds the post instead of publishing again.
func TestSandbox_ErrorAfterPublishing(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	rt := &onPublish{hear: func(resp *http.Response) (*http.Response, error) {
		resp.Body.Close()
		body := `{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1,"is_transient":true,"fbtrace_id":"x"}}`
		return &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: resp.Request}, nil
	}}
	ig := b.connector(rt)
	res, err := ig.Publish(context.Background(), b.acct, platform.Post{Text: "Went out anyway", Media: []platform.Media{image("https://cdn.example.org/w.jpg")}})
	require.NoError(t, err)
	require.Equal(t, int32(1), rt.calls.Load(), "a PUBLISHED container is never published again")
	recorded := b.sb.Posts(ferry.Instagram, sandboxUser)
	require.Len(t, recorded, 1)
	require.Equal(t, recorded[0].RemoteID, res.RemoteID)
}

func TestSandbox_ImageInstagramCannotUse(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	var jpg, pngBytes bytes.Buffer
	require.NoError(t, jpeg.Encode(&jpg, goimage.NewRGBA(goimage.Rect(0, 0, 8, 8)), nil))
	require.NoError(t, png.Encode(&pngBytes, goimage.NewRGBA(goimage.Rect(0, 0, 8, 8))))
	// FERRY_PUBLIC_URL on this machine: a loopback server the sandbox can
	// fetch from. It mislabels a PNG as JPEG.
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/good.jpg" {
			_, _ = w.Write(jpg.Bytes())
			return
		}
		_, _ = w.Write(pngBytes.Bytes())
	}))
	t.Cleanup(public.Close)
	ig := b.connector(nil)
	_, err := ig.Publish(context.Background(), b.acct, platform.Post{Text: "fine", Media: []platform.Media{image(public.URL + "/good.jpg")}})
	require.NoError(t, err)
	_, err = ig.Publish(context.Background(), b.acct, platform.Post{Text: "not a JPEG", Media: []platform.Media{image(public.URL + "/bad.jpg")}})
	pe := platform.Classify(err)
	require.Equal(t, platform.Permanent, pe.Class)
	require.Equal(t, "instagram:container_error", pe.Code)
	require.Len(t, b.sb.Posts(ferry.Instagram, sandboxUser), 1)
}

func TestSandbox_RevokedToken(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	b.sb.RevokeGraphToken(sandbox.InstagramToken(sandboxUser))
	_, err := b.connector(nil).Publish(context.Background(), b.acct, platform.Post{Media: []platform.Media{image("https://cdn.example.org/r.jpg")}})
	require.Equal(t, platform.Reauth, platform.Classify(err).Class)
	require.Empty(t, b.sb.Posts(ferry.Instagram, ""))
}
