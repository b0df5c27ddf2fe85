package graph

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/refdata"
)

// fixture reads a recorded Graph response from the reference data.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return refdata.Read(t, "fixtures", "facebook_instagram", name)
}

const token = "EAAB-secret-token-value"

func TestClient_SendsTokenAndVersion(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, path, ctype string
		query, form         url.Values
		file                []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{method: r.Method, path: r.URL.Path, query: r.URL.Query(), ctype: r.Header.Get("Content-Type")}
		switch {
		case strings.HasPrefix(s.ctype, "multipart/"):
			require.NoError(t, r.ParseMultipartForm(1<<20))
			s.form = url.Values(r.MultipartForm.Value)
			f, _, err := r.FormFile("source")
			require.NoError(t, err)
			s.file, _ = io.ReadAll(f)
		case r.Method == http.MethodPost:
			require.NoError(t, r.ParseForm())
			s.form = r.PostForm
		}
		got <- s
		_, _ = io.WriteString(w, `{"id":"1_2","success":true}`)
	}))
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL, AppSecret: "app-secret", Name: "facebook"})
	ctx := context.Background()

	t.Run("GetPutsTokenInQuery", func(t *testing.T) {
		var out struct{ ID string }
		require.NoError(t, c.Get(ctx, token, "123", url.Values{"fields": {"id,name"}}, &out))
		s := <-got
		require.Equal(t, http.MethodGet, s.method)
		require.Equal(t, "/v23.0/123", s.path)
		require.Equal(t, token, s.query.Get("access_token"))
		require.Equal(t, "id,name", s.query.Get("fields"))
		require.Equal(t, AppSecretProof("app-secret", token), s.query.Get("appsecret_proof"))
		require.Equal(t, "1_2", out.ID)
	})
	t.Run("PostIsFormEncoded", func(t *testing.T) {
		require.NoError(t, c.Post(ctx, token, "123/feed", url.Values{"message": {"héllo & bye"}}, nil))
		s := <-got
		require.Equal(t, http.MethodPost, s.method)
		require.Equal(t, "application/x-www-form-urlencoded", s.ctype)
		require.Equal(t, "héllo & bye", s.form.Get("message"))
		require.Equal(t, token, s.form.Get("access_token"))
		require.Empty(t, s.query.Get("access_token"), "the token must not be in the URL of a POST")
	})
	t.Run("UploadIsMultipart", func(t *testing.T) {
		f := File{Field: "source", Name: "a.jpg", Mime: "image/jpeg", Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("JPEGDATA")), nil
		}}
		require.NoError(t, c.Upload(ctx, token, "123/photos", url.Values{"published": {"false"}}, f, nil))
		s := <-got
		require.Equal(t, "false", s.form.Get("published"))
		require.Equal(t, token, s.form.Get("access_token"))
		require.Equal(t, "JPEGDATA", string(s.file))
	})
	t.Run("Delete", func(t *testing.T) {
		require.NoError(t, c.Delete(ctx, token, "1_2", nil))
		s := <-got
		require.Equal(t, http.MethodDelete, s.method)
		require.Equal(t, "/v23.0/1_2", s.path)
		require.Equal(t, token, s.query.Get("access_token"))
	})
}

func TestClient_ClassifiesAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		status  int
		header  map[string]string
		body    string
		class   platform.Class
		code    string
		retryIn time.Duration
	}{
		{"ErrorFixture", http.MethodGet, 400, nil, "", platform.Permanent, "facebook:100", 0},
		{"ExpiredToken", http.MethodPost, 400, nil, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"x"}}`, platform.Reauth, "facebook:190/463", 0},
		{"PageRateLimitWithUsage", http.MethodPost, 400, map[string]string{"X-Business-Use-Case-Usage": `{"1234":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":40,"estimated_time_to_regain_access":19}]}`}, `{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32}}`, platform.Retry, "facebook:32", 19 * time.Minute},
		{"Duplicate", http.MethodPost, 400, nil, `{"error":{"message":"(#506) Duplicate status message","type":"OAuthException","code":506}}`, platform.Duplicate, "facebook:506", 0},
		{"NoEnvelope502OnWrite", http.MethodPost, 502, nil, `<html>Bad Gateway</html>`, platform.Unknown, "facebook:http_502", 0},
		{"NoEnvelope502OnRead", http.MethodGet, 502, nil, `<html>Bad Gateway</html>`, platform.Retry, "facebook:http_502", 0},
		{"NoEnvelope503OnWrite", http.MethodPost, 503, map[string]string{"Retry-After": "30"}, ``, platform.Retry, "facebook:http_503", 30 * time.Second},
		{"GarbageOKOnWrite", http.MethodPost, 200, nil, `not json`, platform.Unknown, "facebook:decode", 0},
	}
	errFixture := fixture(t, "error.json")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := tc.body
			if tc.name == "ErrorFixture" {
				body = string(errFixture)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			c := New(Config{BaseURL: srv.URL, Name: "facebook"})
			var out map[string]any
			var err error
			if tc.method == http.MethodGet {
				err = c.Get(context.Background(), token, "me", nil, &out)
			} else {
				err = c.Post(context.Background(), token, "me/feed", nil, &out)
			}
			pe := platform.Classify(err)
			require.Equal(t, tc.class, pe.Class, pe.Error())
			require.Equal(t, tc.code, pe.Code)
			require.Equal(t, tc.retryIn, pe.RetryAfter)
			require.NotContains(t, err.Error(), token)
		})
	}
}

func TestClient_NeverLeaksSecrets(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: the dial fails, and net/http quotes the
	// whole URL, token included, in its error.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	c := New(Config{BaseURL: "http://" + addr, AppSecret: "shh", Name: "facebook"})

	err = c.Get(context.Background(), token, "oauth/access_token", url.Values{"client_secret": {"the-app-secret"}, "code": {"the-code"}}, nil)
	require.Error(t, err)
	pe := platform.Classify(err)
	require.Equal(t, platform.Retry, pe.Class, "a dial error means nothing was sent")
	for _, secret := range []string{token, "the-app-secret", "the-code", AppSecretProof("shh", token)} {
		require.NotContains(t, err.Error(), secret)
	}
	require.Contains(t, err.Error(), "<redacted>")

	err = c.Post(context.Background(), token, "1/feed", url.Values{"message": {"x"}}, nil)
	require.Equal(t, platform.Retry, platform.Classify(err).Class)
	require.NotContains(t, err.Error(), token)
}

func TestClient_WriteTimeoutIsUnknown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	c := New(Config{BaseURL: srv.URL, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}, Name: "instagram"})
	err := c.Post(context.Background(), token, "1/media_publish", url.Values{"creation_id": {"9"}}, nil)
	pe := platform.Classify(err)
	require.Equal(t, platform.Unknown, pe.Class, "a publish that timed out may have gone out")
	require.Equal(t, "instagram:timeout", pe.Code)
	require.NotContains(t, err.Error(), token)
}

func TestEach_FollowsCursorsAndNextLinks(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		require.Equal(t, token, q.Get("access_token"))
		require.Equal(t, "id,message", q.Get("fields"))
		switch {
		case q.Get("after") == "" && q.Get("until") == "":
			_, _ = io.WriteString(w, `{"data":[{"id":"1"},{"id":"2"}],"paging":{"cursors":{"after":"c2"},"next":"https://graph.facebook.com/v23.0/x?after=c2"}}`)
		case q.Get("after") == "c2":
			// The next page names the real host and carries a token:
			// both must be ignored in favour of this client's.
			_, _ = io.WriteString(w, `{"data":[{"id":"3"}],"paging":{"next":"https://graph.facebook.com/v10.0/4/posts?access_token=other&fields=id%2Cmessage&until=1624385168"}}`)
		case q.Get("until") == "1624385168":
			_, _ = io.WriteString(w, `{"data":[{"id":"4"}]}`)
		default:
			t.Errorf("unexpected query %v", q)
		}
	}))
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL})
	var ids []string
	complete, err := Each(context.Background(), c, token, "x/posts", url.Values{"fields": {"id,message"}}, 10, func(p struct{ ID string }) bool {
		ids = append(ids, p.ID)
		return true
	})
	require.NoError(t, err)
	require.True(t, complete)
	require.Equal(t, []string{"1", "2", "3", "4"}, ids)

	complete, err = Each(context.Background(), c, token, "x/posts", url.Values{"fields": {"id,message"}}, 1, func(struct{ ID string }) bool { return true })
	require.NoError(t, err)
	require.False(t, complete, "a list cut by the page limit is not complete")
}

func TestBatch_SkipsMissingIDs(t *testing.T) {
	t.Parallel()
	multi := fixture(t, "facebook/apidata/pages/multi_pages.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("ids") == "19292868552,20531316728":
			_, _ = w.Write(multi)
		case q.Get("ids") != "":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"message":"(#100) Some of the aliases you requested do not exist: 404","type":"OAuthException","code":100}}`)
		case r.URL.Path == "/v23.0/19292868552":
			_, _ = io.WriteString(w, `{"id":"19292868552","name":"Facebook for Developers","fan_count":7966989}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"message":"Unsupported get request. Object with ID '404' does not exist","type":"GraphMethodException","code":100,"error_subcode":33}}`)
		}
	}))
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL})
	type page struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		FanCount int64  `json:"fan_count"`
	}
	got, err := Batch[page](context.Background(), c, token, []string{"19292868552", "20531316728"}, url.Values{"fields": {"id,name,fan_count"}})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, int64(210103936), got["20531316728"].FanCount)
	require.Equal(t, "Facebook for Developers", got["19292868552"].Name)

	got, err = Batch[page](context.Background(), c, token, []string{"19292868552", "404"}, url.Values{"fields": {"id,name,fan_count"}})
	require.NoError(t, err)
	require.Equal(t, map[string]page{"19292868552": {ID: "19292868552", Name: "Facebook for Developers", FanCount: 7966989}}, got)
}

func TestTime_ParsesGraphTimestamps(t *testing.T) {
	t.Parallel()
	var feed List[struct {
		ID          string `json:"id"`
		Message     string `json:"message"`
		CreatedTime Time   `json:"created_time"`
	}]
	require.NoError(t, json.Unmarshal(fixture(t, "facebook/apidata/posts/feed_fields_p1.json"), &feed))
	require.Len(t, feed.Data, 5)
	require.Equal(t, "4_10113477241177441", feed.Data[0].ID)
	require.Equal(t, time.Date(2021, 7, 4, 19, 50, 58, 0, time.UTC), feed.Data[0].CreatedTime.Time)
	require.NotEmpty(t, feed.Paging.Next)

	var ts Time
	require.NoError(t, json.Unmarshal([]byte(`1625428258`), &ts))
	require.Equal(t, int64(1625428258), ts.Unix())
	require.Error(t, json.Unmarshal([]byte(`"yesterday"`), &ts))
}

func TestInsight_ReadsOldAndNewShapes(t *testing.T) {
	t.Parallel()
	var old List[Insight]
	require.NoError(t, json.Unmarshal(fixture(t, "instagram/apidata/medias/insights.json"), &old))
	got := map[string]int64{}
	for _, in := range old.Data {
		v, ok := in.Value()
		require.True(t, ok, in.Name)
		got[in.Name] = v
	}
	require.Equal(t, map[string]int64{"impressions": 8, "reach": 5, "saved": 0}, got)

	var newer List[Insight]
	require.NoError(t, json.Unmarshal(fixture(t, "instagram/apidata/medias/insights_new.json"), &newer))
	v, ok := newer.Data[0].Value()
	require.True(t, ok)
	require.Equal(t, int64(11), v)

	var account List[Insight]
	require.NoError(t, json.Unmarshal(fixture(t, "instagram/apidata/users/user_insights_new.json"), &account))
	v, ok = account.Data[0].Value()
	require.True(t, ok)
	require.Equal(t, int64(14516883), v)
}

func TestSameText(t *testing.T) {
	t.Parallel()
	require.True(t, SameText("Happy July 4th! 🇺🇸", "  Happy July 4th!\r\n🇺🇸 "))
	require.True(t, SameText("", " \n"))
	require.False(t, SameText("Happy July 4th!", "Happy July 5th!"))
}
