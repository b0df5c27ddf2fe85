package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/refdata"
)

// weiboClock is a settable clock shared by the sandbox's handlers.
type weiboClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *weiboClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *weiboClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type weiboBundle struct {
	sb    *Sandbox
	srv   *httptest.Server
	clock *weiboClock
}

const (
	wbTestUID   = "1404376560"
	wbTestToken = wbDemoPrefix + wbTestUID
	wbTestLink  = "https://ferry.example/s/1"
)

func setupWeibo(t *testing.T) *weiboBundle {
	t.Helper()
	clock := &weiboClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	sb := New(WithClock(clock.Now), WithSeed(7))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &weiboBundle{sb: sb, srv: srv, clock: clock}
}

// weiboAnswer is a decoded answer; numbers stay json.Number so large ids
// can be checked digit for digit.
type weiboAnswer struct {
	status int
	header http.Header
	raw    []byte
	obj    map[string]any
	list   []any
}

func (a weiboAnswer) code() string {
	if a.obj == nil {
		return ""
	}
	return fmt.Sprint(a.obj["error_code"])
}

func (b *weiboBundle) do(t *testing.T, req *http.Request) weiboAnswer {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	a := weiboAnswer{status: resp.StatusCode, header: resp.Header, raw: buf.Bytes()}
	if resp.StatusCode != http.StatusFound {
		dec := json.NewDecoder(bytes.NewReader(a.raw))
		dec.UseNumber()
		var v any
		require.NoError(t, dec.Decode(&v), "body: %s", a.raw)
		switch v := v.(type) {
		case map[string]any:
			a.obj = v
		case []any:
			a.list = v
		}
	}
	return a
}

func (b *weiboBundle) post(t *testing.T, path string, form url.Values) weiboAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/weibo"+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

func (b *weiboBundle) get(t *testing.T, path string, q url.Values) weiboAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/weibo"+path+"?"+q.Encode(), nil)
	require.NoError(t, err)
	return b.do(t, req)
}

func (b *weiboBundle) share(t *testing.T, token, text string) weiboAnswer {
	t.Helper()
	return b.post(t, "/2/statuses/share.json", url.Values{"access_token": {token}, "status": {text}, "rip": {"203.0.113.7"}})
}

func (b *weiboBundle) sharePic(t *testing.T, text string, pic []byte) weiboAnswer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("access_token", wbTestToken))
	require.NoError(t, mw.WriteField("status", text))
	require.NoError(t, mw.WriteField("rip", "203.0.113.7"))
	w, err := mw.CreateFormFile("pic", "pic.png")
	require.NoError(t, err)
	_, err = w.Write(pic)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/weibo/2/statuses/share.json", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(t, req)
}

func wbPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestWeiboLength_MatchesReferenceVectors(t *testing.T) {
	t.Parallel()
	f := refdata.Open(t, "weibo", "weibo_length_vectors.jsonl")
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v struct {
			ID, Kind, Text string
			Expected       json.RawMessage
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v))
		if v.Kind != "length" {
			continue
		}
		n++
		want, err := strconv.Atoi(string(v.Expected))
		require.NoError(t, err)
		require.Equal(t, want, weiboLength(v.Text), "vector %s: %q", v.ID, v.Text)
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 10, n, "all ten length vectors are checked")
}

func TestWeiboLength_Links(t *testing.T) {
	t.Parallel()
	long := "https://ferry.example/" + strings.Repeat("a", 150) // 172 bytes
	for _, c := range []struct {
		name, text string
		want       int
	}{
		{"LinkCountsTwentyBytes", "https://ferry.example/a/very/long/path?x=1", 10},
		{"SinaShortLinkCountsItsLength", "http://weibo.com/u/1", 10},
		{"LongLinkCountsItsExcess", long, (172 - 140 + 20) / 2},
		{"LinkEndsAtCJK", "看https://ferry.example/a新闻", (2 + 20 + 4) / 2},
		{"CRLFIsOneNewline", "a\r\nb", 2},
		{"AstralCountsTwoUnits", "😀", 2},
		{"LatinOneCountsOneByte", "é", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, weiboLength(c.text))
		})
	}
}

func TestWeiboShare_AcceptsAndRecords(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	a := b.share(t, wbTestToken, "新界东北发展最新进展 "+wbTestLink)
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)

	idstr := a.obj["idstr"].(string)
	id, err := strconv.ParseInt(idstr, 10, 64)
	require.NoError(t, err)
	require.Greater(t, id, int64(1<<53), "ids are above 2^53 so float64 clients break")
	require.Equal(t, idstr, a.obj["id"].(json.Number).String(), "id is the same number, unquoted")
	require.Equal(t, idstr, a.obj["mid"])
	require.Regexp(t, `^新界东北发展最新进展 http://t\.cn/[0-9A-Za-z]{7}$`, a.obj["text"], "links come back shortened")
	_, err = time.Parse(time.RubyDate, a.obj["created_at"].(string))
	require.NoError(t, err)
	require.Equal(t, wbTestUID, a.obj["user"].(map[string]any)["idstr"])

	posts := b.sb.Posts(ferry.Weibo, wbTestUID)
	require.Len(t, posts, 1)
	require.Equal(t, idstr, posts[0].RemoteID)
	require.Equal(t, "新界东北发展最新进展 "+wbTestLink, posts[0].Text)
	require.Empty(t, posts[0].Media)
}

func TestWeiboShare_Picture(t *testing.T) {
	t.Parallel()
	t.Run("PNGIsRecorded", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		a := b.sharePic(t, "图 "+wbTestLink, wbPNG(t))
		require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
		require.Contains(t, a.obj["original_pic"], "sinaimg.cn/large/")
		posts := b.sb.Posts(ferry.Weibo, wbTestUID)
		require.Len(t, posts, 1)
		require.Len(t, posts[0].Media, 1)
		require.Regexp(t, `^sha256:[0-9a-f]{64}$`, posts[0].Media[0])
	})
	t.Run("TextFileIsRefused", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		a := b.sharePic(t, "图 "+wbTestLink, []byte("not an image at all"))
		require.Equal(t, "20005", a.code())
		require.Empty(t, b.sb.Posts(ferry.Weibo, ""))
	})
	t.Run("FiveMegabytesIsTooLarge", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		big := append(wbPNG(t), make([]byte, wbPicMaxBytes)...)
		a := b.sharePic(t, "图 "+wbTestLink, big)
		require.Equal(t, "20006", a.code())
	})
}

func TestWeiboShare_Rules(t *testing.T) {
	t.Parallel()
	form := func(edit func(url.Values)) url.Values {
		v := url.Values{"access_token": {wbTestToken}, "status": {"好消息 " + wbTestLink}, "rip": {"203.0.113.7"}}
		edit(v)
		return v
	}
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		code   string
		msg    string
	}{
		{"MissingRIP", form(func(v url.Values) { v.Del("rip") }), 400, "10016", "Miss required parameter (rip) , see doc for more info."},
		{"InvalidRIP", form(func(v url.Values) { v.Set("rip", "localhost") }), 400, "10017", ""},
		{"EmptyText", form(func(v url.Values) { v.Set("status", "  ") }), 400, "20008", "Content is null!"},
		{"TooLong", form(func(v url.Values) { v.Set("status", strings.Repeat("港", 131)+" "+wbTestLink) }), 400, "20012", ""},
		{"Topic", form(func(v url.Values) { v.Set("status", "#香港美食# 好去处 "+wbTestLink) }), 400, "10017", ""},
		{"NoSafeDomainLink", form(func(v url.Values) { v.Set("status", "好消息 https://elsewhere.example/a") }), 400, "10017", "text not find domain!"},
		{"LookalikeDomain", form(func(v url.Values) { v.Set("status", "好消息 https://notferry.example/a") }), 400, "10017", "text not find domain!"},
		{"MissingToken", form(func(v url.Values) { v.Del("access_token") }), 401, "21301", ""},
		{"InvalidToken", form(func(v url.Values) { v.Set("access_token", "2.00nonsense") }), 401, "21332", "invalid_access_token"},
		{"MalformedDemoToken", form(func(v url.Values) { v.Set("access_token", "sandbox-weibo-abc") }), 401, "21332", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupWeibo(t)
			a := b.post(t, "/2/statuses/share.json", c.form)
			require.Equal(t, c.status, a.status, "%s", a.raw)
			require.Equal(t, c.code, a.code())
			require.Equal(t, "/2/statuses/share.json", a.obj["request"])
			if c.msg != "" {
				require.Equal(t, c.msg, a.obj["error"])
			}
			require.Empty(t, b.sb.Posts(ferry.Weibo, ""), "a refused post is not recorded")
		})
	}
	t.Run("ExactlyOneHundredFortyIsAccepted", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		// 129 characters, a space (half) and a link (10) make 139.5, i.e. 140.
		a := b.share(t, wbTestToken, strings.Repeat("港", 129)+" "+wbTestLink)
		require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
	})
	t.Run("GetIsNotAllowed", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		a := b.get(t, "/2/statuses/share.json", form(func(url.Values) {}))
		require.Equal(t, "10021", a.code())
	})
}

func TestWeiboShare_SafeDomainIsConfigurable(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	b.sb.SetWeiboSafeDomain("city.gov.hk")
	require.Equal(t, "10017", b.share(t, wbTestToken, "好消息 "+wbTestLink).code())
	a := b.share(t, wbTestToken, "好消息 https://www.city.gov.hk/news/1")
	require.Equal(t, http.StatusOK, a.status, "subdomains of the safe domain count: %s", a.raw)
}

func TestWeiboShare_RepeatedText(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	text := "同一段文字 " + wbTestLink
	first := b.share(t, wbTestToken, text)
	require.Equal(t, http.StatusOK, first.status)

	again := b.share(t, wbTestToken, text)
	require.Equal(t, http.StatusBadRequest, again.status)
	require.Equal(t, "20019", again.code())

	other := b.share(t, wbDemoPrefix+"2000000001", text)
	require.Equal(t, http.StatusOK, other.status, "another user may post the same text")

	b.clock.Advance(wbRepeatWindow)
	require.Equal(t, http.StatusOK, b.share(t, wbTestToken, text).status, "after the window the text is new again")
	require.Len(t, b.sb.Posts(ferry.Weibo, wbTestUID), 2)
}

func TestWeiboShare_HourlyLimit(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	for i := range wbPostsPerHour {
		a := b.share(t, wbTestToken, fmt.Sprintf("第%d条 %s", i, wbTestLink))
		require.Equal(t, http.StatusOK, a.status, "post %d: %s", i, a.raw)
	}
	a := b.share(t, wbTestToken, "第31条 "+wbTestLink)
	require.Equal(t, http.StatusForbidden, a.status)
	require.Equal(t, "10024", a.code())
	require.Len(t, b.sb.Posts(ferry.Weibo, wbTestUID), wbPostsPerHour)

	b.clock.Advance(time.Hour)
	require.Equal(t, http.StatusOK, b.share(t, wbTestToken, "第31条 "+wbTestLink).status)
}

func TestWeiboOAuth(t *testing.T) {
	t.Parallel()
	const redirect = "https://ferry.example/oauth/weibo?x=1"
	authorize := func(t *testing.T, b *weiboBundle, extra url.Values) url.Values {
		t.Helper()
		q := url.Values{"client_id": {"app1"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st8"}}
		for k, v := range extra {
			q[k] = v
		}
		a := b.get(t, "/oauth2/authorize", q)
		require.Equal(t, http.StatusFound, a.status)
		loc, err := url.Parse(a.header.Get("Location"))
		require.NoError(t, err)
		require.Equal(t, "ferry.example", loc.Host)
		require.Equal(t, "/oauth/weibo", loc.Path)
		require.Equal(t, "1", loc.Query().Get("x"), "the redirect URI's own query is kept")
		require.Equal(t, "st8", loc.Query().Get("state"))
		return loc.Query()
	}
	exchange := func(t *testing.T, b *weiboBundle, code, redirectURI string) weiboAnswer {
		t.Helper()
		return b.post(t, "/oauth2/access_token", url.Values{
			"client_id": {"app1"}, "client_secret": {"s3cret"}, "grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {redirectURI},
		})
	}

	t.Run("CodeForTokenThenTokenInfo", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		code := authorize(t, b, url.Values{"sandbox_uid": {"3000000003"}}).Get("code")
		require.NotEmpty(t, code)
		a := exchange(t, b, code, redirect)
		require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
		require.Equal(t, "3000000003", a.obj["uid"], "uid is a string, as Weibo sends it")
		require.Equal(t, "604800", a.obj["expires_in"].(json.Number).String())
		token := a.obj["access_token"].(string)

		info := b.post(t, "/oauth2/get_token_info", url.Values{"access_token": {token}})
		require.Equal(t, http.StatusOK, info.status)
		require.Equal(t, "3000000003", info.obj["uid"].(json.Number).String())
		require.Equal(t, "app1", info.obj["appkey"])
		require.Equal(t, "604800", info.obj["expire_in"].(json.Number).String())

		require.Equal(t, http.StatusOK, b.share(t, token, "授权后发布 "+wbTestLink).status)
		require.Len(t, b.sb.Posts(ferry.Weibo, "3000000003"), 1)
	})
	t.Run("CodeWorksOnce", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		code := authorize(t, b, nil).Get("code")
		require.Equal(t, http.StatusOK, exchange(t, b, code, redirect).status)
		a := exchange(t, b, code, redirect)
		require.Equal(t, "21325", a.code())
		require.Equal(t, "invalid_grant", a.obj["error"])
		require.Contains(t, a.obj["error_description"], "invalid authorization code")
	})
	t.Run("RedirectMustMatch", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		code := authorize(t, b, nil).Get("code")
		require.Equal(t, "21322", exchange(t, b, code, "https://evil.example/cb").code())
	})
	t.Run("UnsupportedResponseTypeGoesBackToTheApp", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		q := authorize(t, b, url.Values{"response_type": {"token"}})
		require.Equal(t, "21329", q.Get("error_code"))
		require.Empty(t, q.Get("code"))
	})
	t.Run("TokensExpire", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		b.sb.SetWeiboTokenLifetime(24 * time.Hour) // an unaudited app
		a := exchange(t, b, authorize(t, b, nil).Get("code"), redirect)
		require.Equal(t, "86400", a.obj["expires_in"].(json.Number).String())
		token := a.obj["access_token"].(string)
		b.clock.Advance(24 * time.Hour)
		expired := b.share(t, token, "过期 "+wbTestLink)
		require.Equal(t, http.StatusUnauthorized, expired.status)
		require.Equal(t, "21327", expired.code())
		require.Equal(t, "expired_token", expired.obj["error"])
		require.Equal(t, "21327", b.post(t, "/oauth2/get_token_info", url.Values{"access_token": {token}}).code())
	})
	t.Run("DemoTokenNeedsNoOAuth", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		info := b.post(t, "/oauth2/get_token_info", url.Values{"access_token": {wbTestToken}})
		require.Equal(t, wbTestUID, info.obj["uid"].(json.Number).String())
		require.Equal(t, "157679471", info.obj["expire_in"].(json.Number).String())
	})
}

func TestWeiboTimeline(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	var ids []string
	for i := range 3 {
		a := b.share(t, wbTestToken, fmt.Sprintf("第%d条 %s", i, wbTestLink))
		ids = append(ids, a.obj["idstr"].(string))
		b.clock.Advance(time.Minute)
	}
	b.share(t, wbDemoPrefix+"2000000001", "别人的 "+wbTestLink)
	require.Equal(t, http.StatusOK, b.post(t, "/2/statuses/destroy.json", url.Values{"access_token": {wbTestToken}, "id": {ids[1]}}).status)

	statusIDs := func(a weiboAnswer) []string {
		var out []string
		for _, s := range a.obj["statuses"].([]any) {
			out = append(out, s.(map[string]any)["idstr"].(string))
		}
		return out
	}
	t.Run("NewestFirstWithoutDeletedOrOthers", func(t *testing.T) {
		t.Parallel()
		a := b.get(t, "/2/statuses/user_timeline.json", url.Values{"access_token": {wbTestToken}})
		require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
		require.Equal(t, []string{ids[2], ids[0]}, statusIDs(a))
		require.Equal(t, "2", a.obj["total_number"].(json.Number).String())
	})
	t.Run("Pages", func(t *testing.T) {
		t.Parallel()
		q := url.Values{"access_token": {wbTestToken}, "count": {"1"}, "page": {"2"}}
		require.Equal(t, []string{ids[0]}, statusIDs(b.get(t, "/2/statuses/user_timeline.json", q)))
	})
	t.Run("TrimUserLeavesTheUID", func(t *testing.T) {
		t.Parallel()
		a := b.get(t, "/2/statuses/user_timeline.json", url.Values{"access_token": {wbTestToken}, "trim_user": {"1"}})
		first := a.obj["statuses"].([]any)[0].(map[string]any)
		require.Equal(t, wbTestUID, first["user"].(json.Number).String())
	})
	t.Run("OnlyTheCurrentUser", func(t *testing.T) {
		t.Parallel()
		a := b.get(t, "/2/statuses/user_timeline.json", url.Values{"access_token": {wbTestToken}, "uid": {"2000000001"}})
		require.Equal(t, "21335", a.code())
	})
}

func TestWeiboCount_EngagementGrowsWithAge(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	id := b.share(t, wbTestToken, "互动 "+wbTestLink).obj["idstr"].(string)
	gone := b.share(t, wbTestToken, "删除 "+wbTestLink).obj["idstr"].(string)
	b.post(t, "/2/statuses/destroy.json", url.Values{"access_token": {wbTestToken}, "id": {gone}})

	read := func() (likes, comments, reposts int64) {
		a := b.get(t, "/2/statuses/count.json", url.Values{"access_token": {wbTestToken}, "ids": {id + "," + gone + ",123456"}})
		require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
		require.Len(t, a.list, 1, "deleted and unknown statuses are left out")
		require.Contains(t, string(a.raw), `"id":`+id, "ids are bare numbers, as Weibo sends them")
		m := a.list[0].(map[string]any)
		n := func(k string) int64 { v, err := m[k].(json.Number).Int64(); require.NoError(t, err); return v }
		return n("attitudes"), n("comments"), n("reposts")
	}
	likes0, _, _ := read()
	require.Zero(t, likes0)
	b.clock.Advance(3 * time.Hour)
	likes1, comments1, _ := read()
	require.Positive(t, likes1)
	b.clock.Advance(48 * time.Hour)
	likes2, comments2, reposts2 := read()
	require.Greater(t, likes2, likes1)
	require.GreaterOrEqual(t, comments2, comments1)
	require.GreaterOrEqual(t, likes2, comments2)
	require.GreaterOrEqual(t, comments2, reposts2)

	many := strings.TrimSuffix(strings.Repeat("1,", wbCountMax+1), ",")
	require.Equal(t, "20009", b.get(t, "/2/statuses/count.json", url.Values{"access_token": {wbTestToken}, "ids": {many}}).code())
}

func TestWeiboDestroy(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	id := b.share(t, wbTestToken, "将删除 "+wbTestLink).obj["idstr"].(string)
	destroy := func(token string) weiboAnswer {
		return b.post(t, "/2/statuses/destroy.json", url.Values{"access_token": {token}, "id": {id}})
	}
	require.Equal(t, "20102", destroy(wbDemoPrefix+"2000000001").code(), "only the author deletes")
	a := destroy(wbTestToken)
	require.Equal(t, http.StatusOK, a.status)
	require.Equal(t, id, a.obj["idstr"])
	require.True(t, b.sb.Posts(ferry.Weibo, wbTestUID)[0].Deleted)
	require.Equal(t, "20101", destroy(wbTestToken).code())
}

func TestWeiboUsersShow(t *testing.T) {
	t.Parallel()
	b := setupWeibo(t)
	show := func(uid string) weiboAnswer {
		return b.get(t, "/2/users/show.json", url.Values{"access_token": {wbTestToken}, "uid": {uid}})
	}
	num := func(a weiboAnswer, k string) int64 {
		v, err := a.obj[k].(json.Number).Int64()
		require.NoError(t, err)
		return v
	}
	before := show(wbTestUID)
	require.Equal(t, http.StatusOK, before.status)
	require.Equal(t, wbScreenPrefix+wbTestUID, before.obj["screen_name"])
	require.NotContains(t, before.obj, "status")

	b.share(t, wbTestToken, "新帖 "+wbTestLink)
	b.clock.Advance(90 * 24 * time.Hour)
	after := show(wbTestUID)
	require.Greater(t, num(after, "followers_count"), num(before, "followers_count"), "followers grow over months")
	require.Equal(t, num(before, "statuses_count")+1, num(after, "statuses_count"))
	require.Equal(t, num(before, "friends_count"), num(after, "friends_count"))
	require.Contains(t, after.obj["status"].(map[string]any)["text"], "新帖")

	require.Equal(t, "20003", show("9999000001").code())
	require.Equal(t, "10017", show("zaku").code())
}

func TestWeiboFaults_UseWeiboEnvelopes(t *testing.T) {
	t.Parallel()
	t.Run("ServerError", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Weibo, ErrorRate: 1}))
		a := b.share(t, wbTestToken, "故障 "+wbTestLink)
		require.Equal(t, http.StatusInternalServerError, a.status)
		require.Equal(t, "10001", a.code())
		require.Empty(t, b.sb.Posts(ferry.Weibo, ""))
	})
	t.Run("RateLimited", func(t *testing.T) {
		t.Parallel()
		b := setupWeibo(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Weibo, RateLimitRate: 1, RetryAfterSeconds: 42}))
		a := b.share(t, wbTestToken, "限流 "+wbTestLink)
		require.Equal(t, http.StatusForbidden, a.status)
		require.Equal(t, "10023", a.code())
		require.Equal(t, "42", a.header.Get("Retry-After"))
	})
}
