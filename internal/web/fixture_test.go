package web_test

// The web handler tests' fixture: the UI over a fresh database behind the
// server's middleware (setup), first-run setup (setUp, setUpIn), people
// (person, member, signedIn), accounts, uploads, handoffs, the jobs the
// service enqueues, and a cookie-keeping client (browser) with the
// helpers every handler test uses.

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/delivery/deliverytest"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
	"github.com/ferry-social/ferry/internal/web"
)

const ownerPassword = "correct horse battery"

// testBundle is the web UI over a fresh database, behind the middleware
// the server uses, on a test server.
type testBundle struct {
	t   testing.TB
	svc *service.Service
	srv *httptest.Server
	// ui is the UI's handler without the server's middleware (benchmarks
	// call it directly).
	ui http.Handler
	// jobs records the jobs the service enqueues (in committed
	// transactions), in place of River.
	jobs *recordedJobs
}

// setup is the UI over a fresh database of backend b: uploads of up to
// 20 MiB, the jobs recorded, links to http://ferry.test.
func setup(t testing.TB, b testdb.Backend) *testBundle {
	t.Helper()
	db := testdb.Open(t, b)
	log := slog.New(slog.DiscardHandler)
	blobs, err := blob.New(t.TempDir())
	require.NoError(t, err)
	jobs := &recordedJobs{}
	svc := &service.Service{DB: db, Log: log, Blobs: blobs, Scheduler: jobs, MaxUploadBytes: 20 << 20, ArchiveJobs: jobs}
	ui, err := web.New(web.Options{Service: svc, Log: log, PublicURL: "http://ferry.test"})
	require.NoError(t, err)
	srv := httptest.NewServer(httpd.Handler(ui.Handler(), log))
	t.Cleanup(srv.Close)
	return &testBundle{t: t, svc: svc, srv: srv, ui: ui.Handler(), jobs: jobs}
}

// setUp runs first-run setup through the service and returns the owner.
func (tb *testBundle) setUp() ferry.Principal {
	tb.t.Helper()
	p, _ := tb.setUpIn("Asia/Hong_Kong", "")
	return p
}

// setUpIn is setUp for a workspace in zone, the owner reading lang ("" for
// the browser's choice); it returns the owner and their session's token.
func (tb *testBundle) setUpIn(zone, lang string) (ferry.Principal, string) {
	tb.t.Helper()
	ses, token, err := tb.svc.Setup(context.Background(), service.SetupInput{Workspace: "Harbour News", TimeZone: zone, Region: "HK",
		Name: "Ada", Email: "ada@example.org", Password: ownerPassword, Language: lang}, "")
	require.NoError(tb.t, err)
	return ses.Principal(), token
}

// person adds a person (password ownerPassword) with a role to p's
// workspace.
func (tb *testBundle) person(p ferry.Principal, email string, role ferry.Role) ferry.Principal {
	tb.t.Helper()
	return tb.addPerson(p, email, "", role)
}

func (tb *testBundle) addPerson(p ferry.Principal, email, name string, role ferry.Role) ferry.Principal {
	tb.t.Helper()
	ctx := context.Background()
	u := &ferry.User{Email: email, Name: name, PasswordHash: mustHash(tb.t)}
	require.NoError(tb.t, tb.svc.DB.Write().CreateUser(ctx, u))
	require.NoError(tb.t, tb.svc.DB.Write().SetMembership(ctx, p.WorkspaceID, u.ID, role))
	return ferry.Principal{UserID: u.ID, WorkspaceID: p.WorkspaceID, Role: role}
}

// member adds a person with a role to p's workspace and returns a browser
// signed in as them.
func (tb *testBundle) member(p ferry.Principal, email string, role ferry.Role) *browser {
	tb.t.Helper()
	tb.addPerson(p, email, "Member", role)
	return tb.signedIn(email, "")
}

// signedIn is a browser sending Accept-Language lang ("" for none),
// signed in as email with ownerPassword.
func (tb *testBundle) signedIn(email, lang string) *browser {
	tb.t.Helper()
	br := tb.browser()
	br.lang = lang
	br.signIn(email, ownerPassword)
	return br
}

// account connects an account of p's workspace through the store, healthy
// and without credentials unless an edit says otherwise.
func (tb *testBundle) account(p ferry.Principal, platform ferry.Platform, externalID, name string, edits ...func(*ferry.Account)) *ferry.Account {
	tb.t.Helper()
	a := &ferry.Account{WorkspaceID: p.WorkspaceID, Platform: platform, ExternalID: externalID, Name: name, Health: ferry.HealthConnected,
		Credentials: map[string]string{}}
	for _, edit := range edits {
		edit(a)
	}
	require.NoError(tb.t, tb.svc.DB.Write().CreateAccount(context.Background(), a))
	return a
}

// withUploads lets the bundle's service store uploads of up to 1 MiB.
func (tb *testBundle) withUploads() {
	blobs, err := blob.New(tb.t.TempDir())
	require.NoError(tb.t, err)
	tb.svc.Blobs, tb.svc.MaxUploadBytes = blobs, 1<<20
}

// withHandoffs gives the service a handoff manager (Xiaohongshu operators'
// pages and confirmations), with links to http://ferry.test.
func (tb *testBundle) withHandoffs() {
	tb.svc.Handoffs = &handoff.Manager{DB: tb.svc.DB, Links: handoff.NewSigner([]byte("test key")), Log: slog.New(slog.DiscardHandler),
		PublicURL: "http://ferry.test", Now: time.Now}
}

// uploadJPEG uploads a 1200×1600 image and returns its id.
func (tb *testBundle) uploadJPEG(p ferry.Principal) string {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 1600))
	for y := range 1600 {
		for x := range 1200 {
			img.Set(x, y, color.RGBA{uint8(y / 8), uint8(x / 6), 160, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(tb.t, jpeg.Encode(&buf, img, nil))
	m, err := tb.svc.UploadMedia(context.Background(), p, &buf)
	require.NoError(tb.t, err)
	return m.ID
}

// ScheduleArchive records an archive job (service.ArchiveJobs).
func (j *recordedJobs) ScheduleArchive(_ context.Context, _ *store.Tx, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.archives = append(j.archives, id)
	return nil
}

// ScheduleClosure records a closure job (service.ArchiveJobs).
func (j *recordedJobs) ScheduleClosure(_ context.Context, _ *store.Tx, accountID string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closures = append(j.closures, accountID)
	return nil
}

// recordedJobs is the bundle's scheduler: the jobs of committed
// transactions (deliverytest.Scheduler), kept.
type recordedJobs struct {
	deliverytest.Scheduler
	mu  sync.Mutex
	all []deliverytest.Job
	// archives and closures are the archive and closure jobs asked for.
	archives, closures []string
}

func (j *recordedJobs) jobs() []deliverytest.Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.all = append(j.all, j.Take()...)
	return slices.Clone(j.all)
}

// forget drops the jobs recorded so far.
func (j *recordedJobs) forget() {
	j.jobs()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.all = nil
}

// taken is the publications whose publish jobs were enqueued, in order.
func (j *recordedJobs) taken() []string {
	var ids []string
	for _, job := range j.jobs() {
		if job.Kind == "publish" {
			ids = append(ids, job.PublicationID)
		}
	}
	return ids
}

// at is the time a publication's last publish job was enqueued for.
func (j *recordedJobs) at(id string) time.Time {
	var at time.Time
	for _, job := range j.jobs() {
		if job.Kind == "publish" && job.PublicationID == id {
			at = job.At
		}
	}
	return at
}

// browser is a client with cookies that does not follow redirects, and
// sends the headers a browser sends on a same-origin form.
type browser struct {
	tb     *testBundle
	client *http.Client
	lang   string
}

func (tb *testBundle) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(tb.t, err)
	return &browser{tb: tb, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.tb.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.client.Do(req)
	require.NoError(b.tb.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.tb.t, err)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) page {
	req, err := http.NewRequest("GET", b.tb.srv.URL+path, nil)
	require.NoError(b.tb.t, err)
	return b.do(req)
}

// post sends a form; site is the Sec-Fetch-Site a browser would send.
func (b *browser) post(path, site string, form url.Values) page {
	req, err := http.NewRequest("POST", b.tb.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.tb.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", site)
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a signed-in page.
func (b *browser) csrf() string {
	p := b.get("/")
	require.Equal(b.tb.t, 200, p.status)
	m := csrfInput.FindStringSubmatch(p.body)
	require.NotNil(b.tb.t, m, "no CSRF token on the page")
	return html.UnescapeString(m[1])
}

func (b *browser) signIn(email, password string) {
	b.tb.t.Helper()
	p := b.post("/login", "same-origin", url.Values{"email": {email}, "password": {password}})
	require.Equal(b.tb.t, http.StatusSeeOther, p.status, p.body)
}

// text is a page's visible text, roughly: tags dropped, entities read.
func text(body string) string {
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body, " "))
}

func mustHash(t testing.TB) string {
	t.Helper()
	h, err := auth.HashPassword(ownerPassword)
	require.NoError(t, err)
	return h
}

func mustZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Hong_Kong")
	require.NoError(t, err)
	return loc
}
