package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/telegram"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// testBundle is the API over a real service on a fresh database, served by httptest, with an admin's token.
type testBundle struct {
	server      *Server
	db          *store.DB
	url         string
	workspaceID string
	token       string
	logs        *syncBuffer
	telegram    *fakeTelegram
}

func setup(t testing.TB, be testdb.Backend) *testBundle {
	t.Helper()
	db := testdb.Open(t, be)
	blobs, err := blob.New(t.TempDir())
	require.NoError(t, err)
	tg := newFakeTelegram(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	// No Scheduler or Events: drafts and accounts, all these tests write, schedule nothing.
	svc := &service.Service{
		DB: db, Blobs: blobs, Connectors: platform.NewRegistry(telegram.New(tg.srv.URL, tg.srv.Client())), Log: log,
		MaxUploadBytes: 1 << 20, VerifyTimeout: 10 * time.Second,
	}
	server := New(svc, log, prometheus.NewRegistry())
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{server: server, db: db, url: srv.URL, logs: logs, telegram: tg}
	b.workspaceID = b.newWorkspace(t, "Test")
	b.token = b.newToken(t, b.workspaceID, "admin@ferry.example", ferry.RoleAdmin)
	return b
}

func (b *testBundle) newWorkspace(t testing.TB, name string) string {
	t.Helper()
	ws := &ferry.Workspace{Name: name}
	require.NoError(t, b.db.Write().CreateWorkspace(context.Background(), ws))
	return ws.ID
}

// newToken adds a member to a workspace and returns an API token of theirs.
func (b *testBundle) newToken(t testing.TB, workspaceID, email string, role ferry.Role) string {
	t.Helper()
	ctx := context.Background()
	tok, hash, err := auth.NewToken()
	require.NoError(t, err)
	require.NoError(t, b.db.InTx(ctx, func(tx *store.Tx) error {
		u := &ferry.User{Email: email}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, workspaceID, u.ID, role); err != nil {
			return err
		}
		return tx.CreateToken(ctx, &ferry.APIToken{UserID: u.ID, WorkspaceID: workspaceID, Name: "test", Hash: hash})
	}))
	return tok
}

// response is an answer as the client sees it.
type response struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the error envelope.
type apiError struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func (r response) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	require.NoError(t, json.Unmarshal(r.body, &e), "body: %s", r.body)
	return e
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// do sends body (a string as is, anything else as JSON) with the bundle's token and the given header pairs.
func (b *testBundle) do(t *testing.T, method, path string, body any, headers ...string) response {
	t.Helper()
	return b.doAs(t, b.token, method, path, body, headers...)
}

func (b *testBundle) doAs(t *testing.T, token, method, path string, body any, headers ...string) response {
	t.Helper()
	resp, err := b.send(token, method, path, body, headers...)
	require.NoError(t, err)
	return resp
}

// send is do for goroutines other than the test's.
func (b *testBundle) send(token, method, path string, body any, headers ...string) (response, error) {
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return response{}, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.url+path, r)
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}, err
}

// storyIDs lists every story of the workspace in one page.
func (b *testBundle) storyIDs(t *testing.T) []string {
	t.Helper()
	resp := b.do(t, "GET", "/api/v1/stories?limit=200", nil)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	var page struct {
		Stories []struct {
			ID string `json:"id"`
		} `json:"stories"`
	}
	resp.decode(t, &page)
	ids := []string{}
	for _, s := range page.Stories {
		ids = append(ids, s.ID)
	}
	return ids
}

// syncBuffer collects log output written from handler goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// fakeTelegram answers the Bot API calls that verify a channel: the bot is an administrator allowed to post.
// While hold is set, getChat waits until hold is closed, so a test can keep a verification in flight.
type fakeTelegram struct {
	srv *httptest.Server
	mu  sync.Mutex
	// verifications counts getMe calls: one per account verification.
	verifications int
	hold          chan struct{}
	// entered receives a value when a getChat call starts waiting on hold.
	entered chan struct{}
}

func newFakeTelegram(t testing.TB) *fakeTelegram {
	f := &fakeTelegram{entered: make(chan struct{}, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		var result any
		switch method {
		case "getMe":
			f.mu.Lock()
			f.verifications++
			f.mu.Unlock()
			result = map[string]any{"id": 7, "is_bot": true, "first_name": "Ferry"}
		case "getChat":
			f.mu.Lock()
			hold := f.hold
			f.mu.Unlock()
			if hold != nil {
				f.entered <- struct{}{}
				<-hold
			}
			result = map[string]any{"id": -1001, "type": "channel", "title": "Lanterns", "username": strings.TrimPrefix(r.FormValue("chat_id"), "@")}
		case "getChatMember":
			result = map[string]any{"status": "administrator", "can_post_messages": true, "user": map[string]any{"id": 7, "is_bot": true, "first_name": "Ferry"}}
		default:
			http.Error(w, `{"ok":false,"error_code":404,"description":"Not Found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTelegram) verificationCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.verifications
}

// holdVerifications makes getChat wait until the returned function is called.
func (f *fakeTelegram) holdVerifications() (release func()) {
	hold := make(chan struct{})
	f.mu.Lock()
	f.hold = hold
	f.mu.Unlock()
	return sync.OnceFunc(func() {
		f.mu.Lock()
		f.hold = nil
		f.mu.Unlock()
		close(hold)
	})
}
