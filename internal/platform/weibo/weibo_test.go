package weibo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
)

// captured is one request as the fake Weibo received it.
type captured struct {
	Method, Path, ContentType string
	Query, Form               url.Values
	Pic                       []byte
	PicName                   string
}

// fakeWeibo is an independent stand-in for the Open API: it records every
// request and answers with respond.
type fakeWeibo struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []captured
}

func newFake(t *testing.T, respond http.HandlerFunc) *fakeWeibo {
	t.Helper()
	f := &fakeWeibo{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := captured{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
		c.ContentType, _, _ = mime.ParseMediaType(r.Header.Get("Content-Type"))
		if c.ContentType == "multipart/form-data" {
			if err := r.ParseMultipartForm(10 << 20); err == nil {
				c.Form = url.Values(r.MultipartForm.Value)
				if fhs := r.MultipartForm.File["pic"]; len(fhs) > 0 {
					c.PicName = fhs[0].Filename
					if f, err := fhs[0].Open(); err == nil {
						c.Pic, _ = io.ReadAll(f)
						f.Close()
					}
				}
			}
		} else if err := r.ParseForm(); err == nil {
			c.Form = r.PostForm
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, c)
		f.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeibo) requests() []captured {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]captured(nil), f.reqs...)
}

func (f *fakeWeibo) connector() *Connector {
	return New(Config{BaseURL: f.srv.URL, ClientID: "app1", ClientSecret: "s3cret", RIP: testRIP})
}

const (
	testToken = "2.00SeCrEt+ToKeN_x" // '+' is escaped in URLs: both forms must stay hidden
	testRIP   = "203.0.113.7"
	testUID   = "1404376560"
	testLink  = "https://ferry.example/s/1"
)

func testAccount() platform.Account {
	return platform.Account{
		ID:         "acc1",
		ExternalID: testUID,
		Credentials: map[string]string{
			"access_token": testToken,
			"expires_at":   time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339),
		},
		Settings: map[string]any{"link_url": testLink},
	}
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func weiboError(status, code int, msg string) http.HandlerFunc {
	return reply(status, fmt.Sprintf(`{"request":"/2/statuses/share.json","error_code":%d,"error":%q}`, code, msg))
}

// hangUp closes the connection after the request arrived, unanswered.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// shareAnswer is the statuses/share sample of the wiki, where id and idstr
// differ: id was rounded through a float64 somewhere, idstr was not.
const shareAnswer = `{"created_at":"Wed Oct 24 23:49:17 +0800 2012","id":3504803600500000,"mid":"3504803600502730",
"idstr":"3504803600502730","text":"新界东北发展 http://t.cn/zOXAaic","favorited":false,"truncated":false,
"reposts_count":0,"comments_count":0,"attitudes_count":0,
"user":{"id":1404376560,"idstr":"1404376560","screen_name":"zaku","followers_count":1204}}`

func requireClass(t *testing.T, err error, class platform.Class, code string) *platform.Error {
	t.Helper()
	require.Error(t, err)
	pe := platform.Classify(err)
	require.Equal(t, class, pe.Class, "%v", err)
	require.Equal(t, code, pe.Code, "%v", err)
	require.NotContains(t, err.Error(), testToken)
	require.NotContains(t, err.Error(), url.QueryEscape(testToken))
	return pe
}

func TestPublish_Text(t *testing.T) {
	t.Parallel()
	f := newFake(t, reply(200, shareAnswer))
	res, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "新界东北发展"})
	require.NoError(t, err)

	code, err := MidToCode("3504803600502730")
	require.NoError(t, err)
	require.Equal(t, platform.Result{
		RemoteID:    "3504803600502730",
		URL:         "https://weibo.com/1404376560/" + code,
		PublishedAt: time.Date(2012, 10, 24, 15, 49, 17, 0, time.UTC),
	}, res)

	reqs := f.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/2/statuses/share.json", r.Path)
	require.Equal(t, "application/x-www-form-urlencoded", r.ContentType)
	require.Equal(t, url.Values{
		"access_token": {testToken},
		"status":       {"新界东北发展 " + testLink},
		"rip":          {testRIP},
	}, r.Form)
	require.Empty(t, r.Query, "nothing travels in the URL of a post")
}

func TestPublish_LinkURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, text, link, sent string
	}{
		{"AppendedWhenMissing", "好消息", testLink, "好消息 " + testLink},
		{"KeptWhenTextLinksToTheHost", "好消息 https://www.ferry.example/x", testLink, "好消息 https://www.ferry.example/x"},
		{"AppendedWhenTextLinksElsewhere", "好消息 https://other.example/x", testLink, "好消息 https://other.example/x " + testLink},
		{"NotSetLeavesTextAlone", "好消息", "", "好消息"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, reply(200, shareAnswer))
			acct := testAccount()
			acct.Settings = map[string]any{"link_url": c.link}
			_, err := f.connector().Publish(context.Background(), acct, platform.Post{Text: c.text})
			require.NoError(t, err)
			require.Equal(t, c.sent, f.requests()[0].Form.Get("status"))
		})
	}
	t.Run("NotAURLIsPermanent", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		acct := testAccount()
		acct.Settings = map[string]any{"link_url": "ferry.example/s/1"}
		_, err := f.connector().Publish(context.Background(), acct, platform.Post{Text: "x"})
		requireClass(t, err, platform.Permanent, "weibo:bad_link_url")
		require.Empty(t, f.requests())
	})
}

func pngMedia(data []byte) platform.Media {
	return platform.Media{ID: "m1", Mime: "image/png", Bytes: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

func TestPublish_Picture(t *testing.T) {
	t.Parallel()
	data := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	t.Run("OneIsSentAsMultipart", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "图", Media: []platform.Media{pngMedia(data)}})
		require.NoError(t, err)
		r := f.requests()[0]
		require.Equal(t, "multipart/form-data", r.ContentType)
		require.Equal(t, "/2/statuses/share.json", r.Path)
		require.Equal(t, data, r.Pic)
		require.Equal(t, "pic.png", r.PicName)
		require.Equal(t, url.Values{"access_token": {testToken}, "status": {"图 " + testLink}, "rip": {testRIP}}, r.Form)
	})
	t.Run("TwoArePermanent", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "图", Media: []platform.Media{pngMedia(data), pngMedia(data)}})
		pe := requireClass(t, err, platform.Permanent, "weibo:too_many_media")
		require.Contains(t, pe.Message, "one image")
		require.Empty(t, f.requests())
	})
	t.Run("WebPIsPermanent", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		m := pngMedia(data)
		m.Mime = "image/webp"
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "图", Media: []platform.Media{m}})
		requireClass(t, err, platform.Permanent, "weibo:pic_type")
		require.Empty(t, f.requests())
	})
	t.Run("FiveMegabytesIsPermanent", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		m := pngMedia(data)
		m.Bytes = PicMaxBytes
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "图", Media: []platform.Media{m}})
		requireClass(t, err, platform.Permanent, "weibo:pic_too_large")
		require.Empty(t, f.requests())
	})
}

func TestPublish_CredentialsAreCheckedBeforeCalling(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		creds map[string]string
		code  string
	}{
		{"NoToken", map[string]string{}, "weibo:no_token"},
		{"Expired", map[string]string{"access_token": testToken, "expires_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}, "weibo:token_expired"},
		{"UnreadableExpiry", map[string]string{"access_token": testToken, "expires_at": "next tuesday"}, "weibo:bad_expiry"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, reply(200, shareAnswer))
			acct := testAccount()
			acct.Credentials = c.creds
			conn := f.connector()
			_, err := conn.Publish(context.Background(), acct, platform.Post{Text: "x"})
			requireClass(t, err, platform.Reauth, c.code)
			_, _, err = conn.Lookup(context.Background(), acct, platform.Post{Text: "x"}, time.Now())
			requireClass(t, err, platform.Reauth, c.code)
			_, err = conn.Verify(context.Background(), acct)
			requireClass(t, err, platform.Reauth, c.code)
			_, err = conn.AccountMetrics(context.Background(), acct)
			requireClass(t, err, platform.Reauth, c.code)
			require.Empty(t, f.requests(), "no call is made with a token known to be unusable")
		})
	}
	t.Run("NoRIPIsPermanent", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		conn := New(Config{BaseURL: f.srv.URL})
		_, err := conn.Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Permanent, "weibo:no_rip")
		require.Empty(t, f.requests())
	})
}

func TestPublish_ErrorsAreClassified(t *testing.T) {
	t.Parallel()
	// The fake answers with the error code written in the text.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.Fields(r.PostFormValue("status"))[0])
		status := http.StatusBadRequest
		if code <= 10003 {
			status = http.StatusInternalServerError
		}
		weiboError(status, code, "words from Weibo")(w, r)
	})
	conn := f.connector()
	for class, codes := range documentedCodes {
		for _, code := range codes {
			t.Run(strconv.Itoa(code), func(t *testing.T) {
				t.Parallel()
				_, err := conn.Publish(context.Background(), testAccount(), platform.Post{Text: strconv.Itoa(code)})
				pe := requireClass(t, err, class, "weibo:"+strconv.Itoa(code))
				require.Contains(t, pe.Message, "words from Weibo")
			})
		}
	}
	t.Run("DuplicateAsStringCode", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(400, `{"request":"/2/statuses/share.json","error_code":"20019","error":"repeat content!"}`))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Duplicate, "weibo:20019")
	})
	t.Run("RetryAfterHeaderIsHonoured", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			weiboError(http.StatusForbidden, 10023, "User requests out of rate limit!")(w, r)
		})
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		pe := requireClass(t, err, platform.Retry, "weibo:10023")
		require.Equal(t, 30*time.Second, pe.RetryAfter)
	})
	t.Run("ErrorEchoingTheTokenIsMasked", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, weiboError(http.StatusUnauthorized, 21332, "invalid_access_token: "+testToken))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		pe := requireClass(t, err, platform.Reauth, "weibo:21332")
		require.Contains(t, pe.Message, "[redacted]")
	})
}

func TestPublish_TransportFailures(t *testing.T) {
	t.Parallel()
	t.Run("RefusedConnectionIsRetry", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, shareAnswer))
		f.srv.Close()
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Retry, "weibo:connect")
	})
	t.Run("HangUpAfterSendingIsUnknown", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, hangUp)
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Unknown, "weibo:transport")
		require.Len(t, f.requests(), 1, "the request did arrive")
	})
	t.Run("TimeoutIsUnknown", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) { <-release })
		defer close(release)
		conn := New(Config{BaseURL: f.srv.URL, RIP: testRIP, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
		_, err := conn.Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Unknown, "weibo:timeout")
	})
	t.Run("GatewayPageIsUnknown", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(http.StatusBadGateway, "<html>502 Bad Gateway</html>"))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Unknown, "weibo:http_502")
	})
	t.Run("WikiSampleAsPublishedIsUnknown", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, string(readRefdata(t, "fixtures", "weibo", "status.v2.as_published.txt"))))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Unknown, "weibo:decode")
	})
	t.Run("StatusWithoutIDIsUnknown", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, `{"text":"x"}`))
		_, err := f.connector().Publish(context.Background(), testAccount(), platform.Post{Text: "x"})
		requireClass(t, err, platform.Unknown, "weibo:no_id")
	})
	t.Run("HangUpOnAReadIsRetryAndHidesTheToken", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, hangUp)
		_, err := f.connector().AccountMetrics(context.Background(), testAccount())
		requireClass(t, err, platform.Retry, "weibo:transport")
		require.Equal(t, testToken, f.requests()[0].Query.Get("access_token"), "the token did travel in the query")
		require.Contains(t, err.Error(), "/2/users/show.json")
	})
}

// timelineStatus is a status as user_timeline returns it with trim_user=1.
func timelineStatus(id, text string, at time.Time) map[string]any {
	return map[string]any{
		"created_at": at.In(time.FixedZone("CST", 8*3600)).Format(time.RubyDate),
		"id":         json.Number(id), "idstr": id, "mid": id, "text": text,
		"user": json.Number(testUID),
	}
}

func timelineReply(pages func(page int) []map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		statuses := pages(page)
		if statuses == nil {
			statuses = []map[string]any{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"statuses": statuses, "total_number": len(statuses)})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	since := now.Add(-30 * time.Minute)
	post := platform.Post{Text: "新界东北\n发展  进展"}

	t.Run("FindsThePostDespiteShortLinks", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, timelineReply(func(int) []map[string]any {
			return []map[string]any{
				timelineStatus("9007199254741001", "别的 http://t.cn/A6xyz12", now),
				timelineStatus("9007199254740993", "新界东北 发展 进展 http://t.cn/A6abc12", now.Add(-10*time.Minute)),
			}
		}))
		res, found, err := f.connector().Lookup(context.Background(), testAccount(), post, since)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, "9007199254740993", res.RemoteID)
		require.True(t, strings.HasPrefix(res.URL, "https://weibo.com/"+testUID+"/"), res.URL)
		require.Equal(t, now.Add(-10*time.Minute).UTC(), res.PublishedAt)

		r := f.requests()[0]
		require.Equal(t, http.MethodGet, r.Method)
		require.Equal(t, "/2/statuses/user_timeline.json", r.Path)
		require.Equal(t, testToken, r.Query.Get("access_token"))
		require.Equal(t, "100", r.Query.Get("count"))
		require.Equal(t, "1", r.Query.Get("page"))
	})
	t.Run("NotFoundOnceTheTimelineIsOlderThanSince", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, timelineReply(func(int) []map[string]any {
			var out []map[string]any
			for i := range timelinePage {
				out = append(out, timelineStatus(strconv.Itoa(9000+i), "旧的", since.Add(-time.Duration(i+3)*time.Minute)))
			}
			return out
		}))
		_, found, err := f.connector().Lookup(context.Background(), testAccount(), post, since)
		require.NoError(t, err)
		require.False(t, found)
		require.Len(t, f.requests(), 1)
	})
	t.Run("NotFoundAtTheEndOfTheTimeline", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, timelineReply(func(page int) []map[string]any {
			if page > 1 {
				return nil
			}
			return []map[string]any{timelineStatus("9001", "别的", now)}
		}))
		_, found, err := f.connector().Lookup(context.Background(), testAccount(), post, since)
		require.NoError(t, err)
		require.False(t, found)
		require.Len(t, f.requests(), 2, "a short page is not the end; an empty one is")
	})
	t.Run("UndecidedWhenTheTimelineIsTooLong", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, timelineReply(func(page int) []map[string]any {
			var out []map[string]any
			for i := range timelinePage {
				out = append(out, timelineStatus(strconv.Itoa(page*1000+i), "别的", now))
			}
			return out
		}))
		_, found, err := f.connector().Lookup(context.Background(), testAccount(), post, since)
		requireClass(t, err, platform.Unknown, "weibo:timeline_too_long")
		require.False(t, found)
		require.Len(t, f.requests(), timelinePages)
	})
	t.Run("ErrorsAreErrorsNotAbsence", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, weiboError(http.StatusForbidden, 10023, "User requests out of rate limit!"))
		_, found, err := f.connector().Lookup(context.Background(), testAccount(), post, since)
		requireClass(t, err, platform.Retry, "weibo:10023")
		require.False(t, found)
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	usersShow := readRefdata(t, "fixtures", "weibo", "users_show.v2.repaired.json")
	handler := func(tokenInfo string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/oauth2/get_token_info":
				reply(200, tokenInfo)(w, r)
			case "/2/users/show.json":
				reply(200, string(usersShow))(w, r)
			default:
				http.NotFound(w, r)
			}
		}
	}
	t.Run("IdentityAndExpiry", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, handler(`{"uid":1404376560,"appkey":"app1","scope":null,"create_at":1352267591,"expire_in":86400}`))
		before := time.Now()
		id, err := f.connector().Verify(context.Background(), testAccount())
		require.NoError(t, err)
		require.Equal(t, testUID, id.ExternalID)
		require.Equal(t, "zaku", id.Name)
		require.NotNil(t, id.ExpiresAt)
		require.WithinDuration(t, before.Add(24*time.Hour), *id.ExpiresAt, 5*time.Second)

		reqs := f.requests()
		require.Len(t, reqs, 2)
		require.Equal(t, http.MethodPost, reqs[0].Method)
		require.Equal(t, "/oauth2/get_token_info", reqs[0].Path)
		require.Equal(t, testToken, reqs[0].Form.Get("access_token"))
		require.Equal(t, http.MethodGet, reqs[1].Method)
		require.Equal(t, "/2/users/show.json", reqs[1].Path)
		require.Equal(t, testUID, reqs[1].Query.Get("uid"))
	})
	t.Run("NewAccountTakesTheTokensUser", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, handler(`{"uid":"1404376560","expires_in":600}`))
		acct := testAccount()
		acct.ExternalID = ""
		id, err := f.connector().Verify(context.Background(), acct)
		require.NoError(t, err)
		require.Equal(t, testUID, id.ExternalID)
	})
	t.Run("AnotherUsersTokenIsPermanent", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, handler(`{"uid":1404376560,"expire_in":86400}`))
		acct := testAccount()
		acct.ExternalID = "2000000001"
		_, err := f.connector().Verify(context.Background(), acct)
		requireClass(t, err, platform.Permanent, "weibo:wrong_account")
	})
	t.Run("NoLifeLeftIsReauth", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, handler(`{"uid":1404376560,"expire_in":0}`))
		_, err := f.connector().Verify(context.Background(), testAccount())
		requireClass(t, err, platform.Reauth, "weibo:token_expired")
	})
	t.Run("ExpiredTokenIsReauth", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(401, `{"error":"expired_token","error_code":21327,"request":"/oauth2/get_token_info"}`))
		_, err := f.connector().Verify(context.Background(), testAccount())
		requireClass(t, err, platform.Reauth, "weibo:21327")
	})
}

func TestAccountMetrics(t *testing.T) {
	t.Parallel()
	f := newFake(t, reply(200, string(readRefdata(t, "fixtures", "weibo", "users_show.v2.repaired.json"))))
	m, err := f.connector().AccountMetrics(context.Background(), testAccount())
	require.NoError(t, err)
	require.EqualValues(t, 1204, *m.Followers)
	require.EqualValues(t, 447, *m.Following)
	require.EqualValues(t, 2908, *m.Posts)
	r := f.requests()[0]
	require.Equal(t, "/2/users/show.json", r.Path)
	require.Equal(t, testUID, r.Query.Get("uid"))
}

func TestPostMetrics_BatchesOfOneHundred(t *testing.T) {
	t.Parallel()
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = strconv.FormatInt(1<<53+int64(i), 10)
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		var parts []string
		for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
			if id == ids[7] {
				continue // deleted: Weibo leaves it out
			}
			n, _ := strconv.ParseInt(id, 10, 64)
			i := n - 1<<53
			if i%2 == 0 { // counts as strings, as some answers have them
				parts = append(parts, fmt.Sprintf(`{"id":%s,"comments":"%d","reposts":"%d","attitudes":"%d"}`, id, i, 2*i, 3*i))
			} else {
				parts = append(parts, fmt.Sprintf(`{"id":%s,"comments":%d,"reposts":%d,"attitudes":%d}`, id, i, 2*i, 3*i))
			}
		}
		reply(200, "["+strings.Join(parts, ",")+"]")(w, r)
	})
	got, err := f.connector().PostMetrics(context.Background(), testAccount(), ids)
	require.NoError(t, err)

	reqs := f.requests()
	require.Len(t, reqs, 3)
	for i, want := range []int{100, 100, 50} {
		require.Equal(t, "/2/statuses/count.json", reqs[i].Path)
		require.Len(t, strings.Split(reqs[i].Query.Get("ids"), ","), want)
	}
	require.Len(t, got, 249)
	require.NotContains(t, got, ids[7])
	m := got[ids[201]] // a 2^53+201 id, kept exactly
	require.EqualValues(t, 201, *m.Comments)
	require.EqualValues(t, 402, *m.Shares)
	require.EqualValues(t, 603, *m.Likes)
	require.Nil(t, m.Views)
	require.EqualValues(t, 300, *got[ids[100]].Likes)
}

func TestDelete(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.PostFormValue("id") {
		case "1":
			reply(200, shareAnswer)(w, r)
		case "2":
			weiboError(400, 20101, "Target weibo does not exist!")(w, r)
		default:
			weiboError(403, 20102, "Not your own weibo!")(w, r)
		}
	})
	conn := f.connector()
	require.NoError(t, conn.Delete(context.Background(), testAccount(), "1"))
	require.ErrorIs(t, conn.Delete(context.Background(), testAccount(), "2"), platform.ErrGone, "already gone is told apart")
	requireClass(t, conn.Delete(context.Background(), testAccount(), "3"), platform.Permanent, "weibo:20102")

	r := f.requests()[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/2/statuses/destroy.json", r.Path)
	require.Equal(t, url.Values{"access_token": {testToken}, "id": {"1"}}, r.Form)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	require.Equal(t, []platform.Limit{{
		Key: "weibo:user:" + testUID, Max: 30, Window: time.Hour,
	}}, New(Config{}).Limits(testAccount()))
}

func TestOAuth(t *testing.T) {
	t.Parallel()
	const redirect = "https://ferry.example/oauth/weibo"
	t.Run("AuthorizeURL", func(t *testing.T) {
		t.Parallel()
		u, err := url.Parse(New(Config{ClientID: "app1"}).AuthorizeURL(redirect, "st8"))
		require.NoError(t, err)
		require.Equal(t, "https://api.weibo.com/oauth2/authorize", u.Scheme+"://"+u.Host+u.Path)
		require.Equal(t, url.Values{"client_id": {"app1"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st8"}}, u.Query())
	})
	t.Run("Exchange", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(200, `{"access_token":"2.00NEWtoken","remind_in":"798114","expires_in":798114,"uid":"1404376560","isRealName":"true"}`))
		before := time.Now()
		tok, err := f.connector().Exchange(context.Background(), "c0de", redirect)
		require.NoError(t, err)
		require.Equal(t, "2.00NEWtoken", tok.AccessToken)
		require.Equal(t, testUID, tok.UID)
		require.WithinDuration(t, before.Add(798114*time.Second), tok.ExpiresAt, 5*time.Second)
		require.Equal(t, map[string]string{"access_token": "2.00NEWtoken", "expires_at": tok.ExpiresAt.Format(time.RFC3339)}, tok.Credentials())

		r := f.requests()[0]
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "/oauth2/access_token", r.Path)
		require.Equal(t, url.Values{
			"client_id": {"app1"}, "client_secret": {"s3cret"}, "grant_type": {"authorization_code"},
			"code": {"c0de"}, "redirect_uri": {redirect},
		}, r.Form)
	})
	t.Run("InvalidGrantHidesCodeAndSecret", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, reply(400, `{"error":"invalid_grant","error_code":21325,"request":"/oauth2/access_token","error_uri":"/oauth2/access_token","error_description":"invalid authorization code:c0de, client s3cret"}`))
		_, err := f.connector().Exchange(context.Background(), "c0de", redirect)
		requireClass(t, err, platform.Permanent, "weibo:21325")
		require.NotContains(t, err.Error(), "c0de")
		require.NotContains(t, err.Error(), "s3cret")
	})
}
