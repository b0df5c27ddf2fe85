package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// testBundle is a running Ferry with the demo data and a token.
type testBundle struct {
	m     *app.Main
	url   string
	token string
	cfg   config.Config
	stop  func() error // stops and closes m; also run at cleanup
}

// boot starts Ferry in demo mode on a free port, on the given data
// directory and database.
func boot(t *testing.T, dataDir, dbURL string, options ...func(*config.Config)) *testBundle {
	t.Helper()
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.DataDir, cfg.DatabaseURL, cfg.Addr, cfg.Demo = dataDir, dbURL, "127.0.0.1:0", true
	cfg.MaxUploadBytes = 200 << 10
	cfg.AttemptTimeout, cfg.RescueAfter = 10*time.Second, 20*time.Second
	for _, o := range options {
		o(&cfg)
	}
	m := app.New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, m.Open(ctx, false))
	require.NoError(t, m.Listen())
	require.NoError(t, m.Build())
	stop := runMain(t, m)
	tok, err := app.CreateToken(ctx, m.DB, app.DemoEmail, "", service.TokenInput{Name: "test"})
	require.NoError(t, err)
	return &testBundle{m: m, url: m.URL(), token: tok, cfg: cfg, stop: stop}
}

// runMain runs m until stop is called or the test ends, and returns once it
// serves. stop stops m as a signal would, then closes it.
func runMain(t *testing.T, m *app.Main) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	select {
	case <-m.Ready():
	case err := <-errc:
		cancel()
		_ = m.Close()
		t.Fatalf("run: %v", err)
	}
	var (
		once sync.Once
		err  error
	)
	stop = func() error {
		once.Do(func() {
			cancel()
			err = errors.Join(<-errc, m.Close())
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// do sends a JSON request and decodes the JSON answer into out (if not nil).
func (b *testBundle) do(t *testing.T, method, path string, body any, out any, headers ...string) int {
	t.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	} else if body != nil {
		bs, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(bs)
	}
	req, err := http.NewRequest(method, b.url+path, r)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), "body: %s", raw)
	}
	return resp.StatusCode
}

type apiError struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

type story struct {
	ID           string `json:"id"`
	Summary      string `json:"summary"`
	Publications []struct {
		ID         string            `json:"id"`
		AccountID  string            `json:"account_id"`
		State      string            `json:"state"`
		RemoteID   string            `json:"remote_id"`
		RemoteIDs  []string          `json:"remote_ids"`
		RemoteURL  string            `json:"remote_url"`
		Attempts   int               `json:"attempts"`
		Version    int               `json:"version"`
		NextAt     string            `json:"next_attempt_at"`
		Reason     string            `json:"reason"`
		ReasonCode string            `json:"reason_code"`
		ReasonArgs map[string]string `json:"reason_args"`
	} `json:"publications"`
}

func (b *testBundle) accountID(t *testing.T, p ferry.Platform) string {
	t.Helper()
	var list struct {
		Accounts []struct {
			ID       string `json:"id"`
			Platform string `json:"platform"`
		} `json:"accounts"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts", nil, &list))
	for _, a := range list.Accounts {
		if a.Platform == string(p) {
			return a.ID
		}
	}
	t.Fatalf("no %s account", p)
	return ""
}

func (b *testBundle) waitState(t *testing.T, storyID, state string, within time.Duration) story {
	t.Helper()
	var s story
	deadline := time.Now().Add(within)
	for {
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/stories/"+storyID, nil, &s))
		if len(s.Publications) > 0 && s.Publications[0].State == state {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("story %s: publication is %q, want %q after %v", storyID, s.Publications[0].State, state, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			dbURL := be.Options(t).URL
			t.Run("ScheduledStoryIsPublishedOnceAndSurvivesRestart", func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				b := boot(t, dir, dbURL)
				acc := b.accountID(t, ferry.Telegram)
				at := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
				var created story
				require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "中秋快樂", "body": "Lanterns <tonight> & mooncakes", "targets": []string{acc}, "scheduled_at": at}, &created))
				require.Equal(t, "scheduled", created.Publications[0].State)
				s := b.waitState(t, created.ID, "published", 15*time.Second)
				require.Equal(t, "published 1 of 1", s.Summary)
				pub := s.Publications[0]
				require.NotEmpty(t, pub.RemoteID)
				require.Equal(t, "https://t.me/ferry_demo/"+pub.RemoteID, pub.RemoteURL)

				posts := b.m.Sandbox.Posts(ferry.Telegram, "@ferry_demo")
				require.Len(t, posts, 1, "received exactly once")
				require.Equal(t, "中秋快樂\n\nLanterns <tonight> & mooncakes", posts[0].Text)
				require.Equal(t, pub.RemoteID, posts[0].RemoteID)

				// Restart on the same data: everything is still there.
				require.NoError(t, b.stop())
				b2 := boot(t, dir, dbURL)
				var again story
				require.Equal(t, 200, b2.do(t, "GET", "/api/v1/stories/"+created.ID, nil, &again))
				require.Equal(t, "published", again.Publications[0].State)
				require.Equal(t, pub.RemoteID, again.Publications[0].RemoteID)
			})
		})
	}
}

func TestAPI_BadRequestsGetSpecificErrorsAndChangeNothing(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	acc := b.accountID(t, ferry.Telegram)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	countStories := func() int {
		var list struct {
			Stories []story `json:"stories"`
		}
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/stories", nil, &list))
		return len(list.Stories)
	}
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		code, field        string
	}{
		{"UnknownAccount", "POST", "/api/v1/stories", map[string]any{"title": "x", "targets": []string{"acc_nope"}, "scheduled_at": future}, nil, 400, "invalid", "targets[0]"},
		{"MalformedTime", "POST", "/api/v1/stories", `{"title":"x","targets":["` + acc + `"],"scheduled_at":"tomorrow at noon"}`, nil, 400, "invalid", ""},
		{"TimeInThePast", "POST", "/api/v1/stories", map[string]any{"title": "x", "targets": []string{acc}, "scheduled_at": "2020-01-01T00:00:00Z"}, nil, 400, "invalid", "scheduled_at"},
		{"UnknownField", "POST", "/api/v1/stories", `{"title":"x","colour":"red"}`, nil, 400, "invalid", ""},
		{"NotJSON", "POST", "/api/v1/stories", `{"title":`, nil, 400, "invalid", ""},
		{"WrongType", "POST", "/api/v1/stories", `{"title":42}`, nil, 400, "invalid", "title"},
		{"EmptyStory", "POST", "/api/v1/stories", map[string]any{"targets": []string{acc}}, nil, 400, "invalid", "body"},
		{"MissingToken", "POST", "/api/v1/stories", map[string]any{"title": "x"}, []string{"Authorization", ""}, 401, "unauthorized", ""},
		{"BadToken", "GET", "/api/v1/stories", nil, []string{"Authorization", "Bearer fry_forged"}, 401, "unauthorized", ""},
		{"UnknownStory", "GET", "/api/v1/stories/sty_nope", nil, nil, 404, "not_found", ""},
		{"UnknownRoute", "GET", "/api/v1/nothing", nil, nil, 404, "not_found", ""},
		{"BadPlatform", "POST", "/api/v1/accounts", map[string]any{"platform": "myspace", "external_id": "x"}, nil, 400, "invalid", "platform"},
		{"TelegramWithoutToken", "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@somechannel"}, nil, 400, "invalid", "credentials.bot_token"},
		{"TelegramChatNotFound", "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@missingchan", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}}, nil, 422, "unprocessable", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e apiError
			require.Equal(t, c.status, b.do(t, c.method, c.path, c.body, &e, c.headers...))
			require.Equal(t, c.code, e.Error.Code)
			require.NotEmpty(t, e.Error.Message)
			if c.field != "" {
				require.Contains(t, e.Error.Details, c.field, "details: %v", e.Error.Details)
			}
		})
	}
	require.Equal(t, 0, countStories(), "no bad request created anything")
	require.Empty(t, b.m.Sandbox.Posts("", ""))

	t.Run("WrongRole", func(t *testing.T) {
		ctx := context.Background()
		_, _, err := app.CreateUser(ctx, b.m.DB, "viewer@ferry.example", "viewer-password", app.DemoWorkspace, ferry.RoleViewer)
		require.NoError(t, err)
		tok, err := app.CreateToken(ctx, b.m.DB, "viewer@ferry.example", app.DemoWorkspace, service.TokenInput{Name: "t"})
		require.NoError(t, err)
		viewer := *b
		viewer.token = tok
		var e apiError
		require.Equal(t, 403, viewer.do(t, "POST", "/api/v1/stories", map[string]any{"title": "x", "targets": []string{acc}}, &e))
		require.Equal(t, "forbidden", e.Error.Code)
		require.Equal(t, 200, viewer.do(t, "GET", "/api/v1/accounts", nil, nil), "viewers may read")
		require.Equal(t, 0, countStories())
	})

	t.Run("OversizedUpload", func(t *testing.T) {
		var e apiError
		status := b.upload(t, bytes.Repeat([]byte{0xff}, int(b.cfg.MaxUploadBytes)+1), &e)
		require.Equal(t, 413, status)
		require.Equal(t, "too_large", e.Error.Code)
	})

	t.Run("NotAnImage", func(t *testing.T) {
		var e apiError
		require.Equal(t, 415, b.upload(t, []byte("%PDF-1.7 not an image"), &e))
		require.Equal(t, "unsupported", e.Error.Code)
	})
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func (b *testBundle) upload(t *testing.T, data []byte, out any) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "image.png")
	require.NoError(t, err)
	_, _ = fw.Write(data)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", b.url+"/api/v1/media", &body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(raw, out), "body %s", raw)
	return resp.StatusCode
}

func TestAPI_PhotoAndAlbumReachTelegram(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	acc := b.accountID(t, ferry.Telegram)
	var ids []string
	for i := range 3 {
		var m struct {
			ID     string `json:"id"`
			Mime   string `json:"mime"`
			Width  int    `json:"width"`
			SHA256 string `json:"sha256"`
		}
		require.Equal(t, 201, b.upload(t, pngBytes(t, 40+i, 30), &m))
		require.Equal(t, "image/png", m.Mime)
		require.Equal(t, 40+i, m.Width)
		ids = append(ids, m.ID)
	}
	var one, album story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "One", "body": "photo", "media_ids": ids[:1], "targets": []string{acc}}, &one))
	require.Equal(t, "draft", one.Publications[0].State)
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/stories/"+one.ID+"/publish", nil, nil))
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Album", "body": "three", "media_ids": ids, "targets": []string{acc}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &album))
	b.waitState(t, one.ID, "published", 10*time.Second)
	b.waitState(t, album.ID, "published", 10*time.Second)
	posts := b.m.Sandbox.Posts(ferry.Telegram, "@ferry_demo")
	require.Len(t, posts, 2)
	byText := map[string]sandbox.Post{}
	for _, p := range posts {
		byText[p.Text] = p
	}
	require.Len(t, byText["One\n\nphoto"].Media, 1)
	require.Len(t, byText["Album\n\nthree"].Media, 3)
}
