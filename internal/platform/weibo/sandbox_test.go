package weibo

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/sandbox"
)

// sandboxClock lets a test move the sandbox's time; the connector keeps
// real time, so only durations the connector does not check are moved.
type sandboxClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *sandboxClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *sandboxClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type sandboxBundle struct {
	sb    *sandbox.Sandbox
	srv   *httptest.Server
	clock *sandboxClock
	conn  *Connector
}

const sandboxUID = "5000000001"

func setupSandbox(t *testing.T) *sandboxBundle {
	t.Helper()
	clock := &sandboxClock{t: time.Now().UTC().Truncate(time.Second)}
	sb := sandbox.New(sandbox.WithClock(clock.Now), sandbox.WithSeed(3))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	conn := New(Config{BaseURL: srv.URL + "/weibo", ClientID: "ferry-demo", ClientSecret: "demo-secret", RIP: testRIP})
	return &sandboxBundle{sb: sb, srv: srv, clock: clock, conn: conn}
}

// demoAccount uses the sandbox's token form that needs no OAuth.
func demoAccount(uid string) platform.Account {
	return platform.Account{
		ID:          "acc-" + uid,
		ExternalID:  uid,
		Credentials: map[string]string{"access_token": "sandbox-weibo-" + uid},
		Settings:    map[string]any{"link_url": "https://ferry.example/stories/1"},
	}
}

func TestSandbox_PublishIsRecordedOnce(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	res, err := b.conn.Publish(context.Background(), demoAccount(sandboxUID), platform.Post{Text: "香港故事：中秋灯会今晚开幕"})
	require.NoError(t, err)

	posts := b.sb.Posts(ferry.Weibo, sandboxUID)
	require.Len(t, posts, 1)
	require.Equal(t, res.RemoteID, posts[0].RemoteID)
	require.Equal(t, "香港故事：中秋灯会今晚开幕 https://ferry.example/stories/1", posts[0].Text)
	require.True(t, strings.HasPrefix(res.URL, "https://weibo.com/"+sandboxUID+"/"), res.URL)
	require.Equal(t, b.clock.Now(), res.PublishedAt)
}

func TestSandbox_Picture(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))))
	data := buf.Bytes()
	m := platform.Media{ID: "m1", Mime: "image/png", Bytes: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
	_, err := b.conn.Publish(context.Background(), demoAccount(sandboxUID), platform.Post{Text: "灯会一图", Media: []platform.Media{m}})
	require.NoError(t, err)
	posts := b.sb.Posts(ferry.Weibo, sandboxUID)
	require.Len(t, posts, 1)
	require.Len(t, posts[0].Media, 1)
}

func TestSandbox_DuplicateIsReconciledByLookup(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	acct := demoAccount(sandboxUID)
	since := time.Now()
	post := platform.Post{Text: "同一故事只发一次"}
	first, err := b.conn.Publish(context.Background(), acct, post)
	require.NoError(t, err)

	_, err = b.conn.Publish(context.Background(), acct, post)
	requireClass(t, err, platform.Duplicate, "weibo:20019")

	res, found, err := b.conn.Lookup(context.Background(), acct, post, since)
	require.NoError(t, err)
	require.True(t, found, "the sandbox returns links as t.cn links; Lookup must still match")
	require.Equal(t, first.RemoteID, res.RemoteID)
	require.Len(t, b.sb.Posts(ferry.Weibo, sandboxUID), 1)

	_, found, err = b.conn.Lookup(context.Background(), acct, platform.Post{Text: "从未发布"}, since)
	require.NoError(t, err)
	require.False(t, found)
}

func TestSandbox_DroppedAnswerIsUnknownThenFound(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	acct := demoAccount(sandboxUID)
	since := time.Now()
	post := platform.Post{Text: "回应丢失也不重发"}
	require.NoError(t, b.sb.SetFaults(sandbox.Faults{Platform: ferry.Weibo, DropResponseRate: 1}))
	_, err := b.conn.Publish(context.Background(), acct, post)
	requireClass(t, err, platform.Unknown, "weibo:transport")

	require.NoError(t, b.sb.SetFaults(sandbox.Faults{Platform: ferry.Weibo}))
	res, found, err := b.conn.Lookup(context.Background(), acct, post, since)
	require.NoError(t, err)
	require.True(t, found)
	posts := b.sb.Posts(ferry.Weibo, sandboxUID)
	require.Len(t, posts, 1)
	require.Equal(t, posts[0].RemoteID, res.RemoteID)
}

func TestSandbox_InjectedFaultsAreRetried(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	require.NoError(t, b.sb.SetFaults(sandbox.Faults{Platform: ferry.Weibo, ErrorRate: 1}))
	_, err := b.conn.Publish(context.Background(), demoAccount(sandboxUID), platform.Post{Text: "x"})
	requireClass(t, err, platform.Retry, "weibo:10001")

	require.NoError(t, b.sb.SetFaults(sandbox.Faults{Platform: ferry.Weibo, RateLimitRate: 1, RetryAfterSeconds: 9}))
	_, err = b.conn.Publish(context.Background(), demoAccount(sandboxUID), platform.Post{Text: "x"})
	pe := requireClass(t, err, platform.Retry, "weibo:10023")
	require.Equal(t, 9*time.Second, pe.RetryAfter)
	require.Empty(t, b.sb.Posts(ferry.Weibo, ""))
}

func TestSandbox_RulesAreClassified(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		text  string
		link  string
		class platform.Class
		code  string
	}{
		{"TooLong", strings.Repeat("港", 135), "https://ferry.example/1", platform.Permanent, "weibo:20012"},
		{"Topic", "#中秋# 灯会", "https://ferry.example/1", platform.Permanent, "weibo:10017"},
		{"NoSafeDomainLink", "灯会", "https://elsewhere.example/1", platform.Permanent, "weibo:10017"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupSandbox(t)
			acct := demoAccount(sandboxUID)
			acct.Settings["link_url"] = c.link
			_, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: c.text})
			requireClass(t, err, c.class, c.code)
			require.Empty(t, b.sb.Posts(ferry.Weibo, ""))
		})
	}
	t.Run("SafeDomainMessageSaysWhatToDo", func(t *testing.T) {
		t.Parallel()
		b := setupSandbox(t)
		acct := demoAccount(sandboxUID)
		delete(acct.Settings, "link_url")
		_, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: "没有链接"})
		pe := requireClass(t, err, platform.Permanent, "weibo:10017")
		require.Contains(t, pe.Message, "safe domain")
	})
	t.Run("HourlyLimitIsRetry", func(t *testing.T) {
		t.Parallel()
		b := setupSandbox(t)
		acct := demoAccount(sandboxUID)
		for i := range PostsPerHour {
			_, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: "第" + strings.Repeat("又", i+1) + "条"})
			require.NoError(t, err)
		}
		_, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: "第三十一条"})
		requireClass(t, err, platform.Retry, "weibo:10024")
	})
	t.Run("UnknownTokenIsReauth", func(t *testing.T) {
		t.Parallel()
		b := setupSandbox(t)
		acct := demoAccount(sandboxUID)
		acct.Credentials["access_token"] = "2.00forged"
		_, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: "x"})
		requireClass(t, err, platform.Reauth, "weibo:21332")
	})
}

func TestSandbox_OAuthThenVerifyThenPublish(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	const redirect = "https://ferry.example/oauth/weibo/callback"
	authorize := b.conn.AuthorizeURL(redirect, "st8") + "&sandbox_uid=" + sandboxUID
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authorize)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "st8", back.Query().Get("state"))

	tok, err := b.conn.Exchange(context.Background(), back.Query().Get("code"), redirect)
	require.NoError(t, err)
	require.Equal(t, sandboxUID, tok.UID)
	require.WithinDuration(t, time.Now().Add(7*24*time.Hour), tok.ExpiresAt, 10*time.Second)

	acct := platform.Account{Credentials: tok.Credentials(), Settings: map[string]any{"link_url": "https://ferry.example/"}}
	id, err := b.conn.Verify(context.Background(), acct)
	require.NoError(t, err)
	require.Equal(t, sandboxUID, id.ExternalID)
	require.Equal(t, "沙盒用户"+sandboxUID, id.Name)
	require.WithinDuration(t, tok.ExpiresAt, *id.ExpiresAt, 10*time.Second)

	acct.ExternalID = id.ExternalID
	_, err = b.conn.Publish(context.Background(), acct, platform.Post{Text: "授权后的第一条"})
	require.NoError(t, err)
	require.Len(t, b.sb.Posts(ferry.Weibo, sandboxUID), 1)

	_, err = b.conn.Exchange(context.Background(), back.Query().Get("code"), redirect)
	requireClass(t, err, platform.Permanent, "weibo:21325")

	// The sandbox's clock passes the token's end; the credentials carry no
	// expiry, so only Weibo can say it has expired.
	b.clock.Advance(7*24*time.Hour + time.Second)
	delete(acct.Credentials, "expires_at")
	_, err = b.conn.Publish(context.Background(), acct, platform.Post{Text: "过期之后"})
	requireClass(t, err, platform.Reauth, "weibo:21327")
}

func TestSandbox_MetricsAndDelete(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	acct := demoAccount(sandboxUID)
	keep, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: "留下的"})
	require.NoError(t, err)
	drop, err := b.conn.Publish(context.Background(), acct, platform.Post{Text: "删掉的"})
	require.NoError(t, err)

	am, err := b.conn.AccountMetrics(context.Background(), acct)
	require.NoError(t, err)
	require.Positive(t, *am.Followers)
	require.Positive(t, *am.Following)
	require.GreaterOrEqual(t, *am.Posts, int64(2))

	b.clock.Advance(12 * time.Hour)
	pm, err := b.conn.PostMetrics(context.Background(), acct, []string{keep.RemoteID, drop.RemoteID})
	require.NoError(t, err)
	require.Len(t, pm, 2)
	require.Positive(t, *pm[keep.RemoteID].Likes, "engagement grows with the post's age")

	require.NoError(t, b.conn.Delete(context.Background(), acct, drop.RemoteID))
	require.ErrorIs(t, b.conn.Delete(context.Background(), acct, drop.RemoteID), platform.ErrGone, "deleting twice is harmless, and told apart")
	pm, err = b.conn.PostMetrics(context.Background(), acct, []string{keep.RemoteID, drop.RemoteID})
	require.NoError(t, err)
	require.Len(t, pm, 1)
	require.Contains(t, pm, keep.RemoteID)

	var deleted []string
	for _, p := range b.sb.Posts(ferry.Weibo, sandboxUID) {
		if p.Deleted {
			deleted = append(deleted, p.RemoteID)
		}
	}
	require.Equal(t, []string{drop.RemoteID}, deleted)
}
