// Package web serves Ferry's web UI: server-rendered HTML pages over the
// same service layer as the REST API, acting as the signed-in person's
// Principal. Templates, static files and message catalogs are embedded, so
// `go build` needs nothing else. Every route is listed in routes().
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

//go:embed templates static
var files embed.FS

// Options configure the web UI.
type Options struct {
	Service *service.Service
	Log     *slog.Logger
	// PublicURL is Ferry's address as browsers reach it; https makes the
	// session cookie Secure.
	PublicURL string
}

// Server is the web UI.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	pages   *httpd.Templates
	catalog *catalog
	secure  bool
	cross   *http.CrossOriginProtection
	// publicURL is Ferry's address for links shown to be passed on.
	publicURL string
	// static maps a static file's name to its URL, versioned by content.
	static map[string]string
	conv   *script.Converter // words problems in Simplified on zh-Hans pages
}

// New parses the templates and catalogs.
func New(o Options) (*Server, error) {
	c, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	s := &Server{svc: o.Service, log: o.Log, catalog: c, secure: strings.HasPrefix(o.PublicURL, "https://"),
		cross: http.NewCrossOriginProtection(), static: map[string]string{}, publicURL: o.PublicURL, conv: script.NewConverter()}
	if u, err := url.Parse(o.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy that rewrites Host, the public origin is still ours.
		if err := s.cross.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: public URL %q: %w", o.PublicURL, err)
		}
	}
	err = fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		s.static[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s.pages, err = httpd.ParseTemplates(files, template.FuncMap{}, "templates/layout/*.html", "templates/*.html", o.Log)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// access says who may reach a route.
type access int

const (
	anyone   access = iota // signed in or not
	signedIn               // a session is needed; others go to sign-in (or setup)
)

// route is one page or form. Routes lists them all, in one place.
type route struct {
	pattern string
	access  access
	handler func(w http.ResponseWriter, r *http.Request, rq *request)
}

func (s *Server) routes() []route {
	return []route{
		{"GET /setup", anyone, s.setupForm},
		{"POST /setup", anyone, s.setup},
		{"GET /login", anyone, s.loginForm},
		{"POST /login", anyone, s.login},
		{"GET /login/code", anyone, s.loginCodeForm},
		{"POST /login/code", anyone, s.loginCode},
		{"POST /logout", signedIn, s.logout},
		{"POST /language", anyone, s.setLanguage},

		{"GET /{$}", signedIn, s.dashboard},
		{"GET /stories", signedIn, s.stories},
		{"GET /stories/{id}", signedIn, s.story},
		{"GET /stories/{id}/versions", signedIn, s.storyVersions},
		{"GET /compose", signedIn, s.compose},
		{"POST /compose", signedIn, s.saveCompose},
		{"POST /compose/preview", signedIn, s.preview},
		{"GET /compose/media/{id}", signedIn, s.mediaFile},
		{"GET /compose/library", signedIn, s.composeLibrary},
		{"GET /stories/{id}/edit", signedIn, s.editStory},
		{"POST /stories/{id}/edit", signedIn, s.saveCompose},
		{"POST /stories/{id}/variants/{account}", signedIn, s.editVariant},
		{"GET /calendar", signedIn, s.calendarPage},
		{"GET /calendar/move", signedIn, s.moveForm},
		{"POST /calendar/move", signedIn, s.move},
		{"POST /calendar/events", signedIn, s.addEvent},
		{"GET /accounts", signedIn, s.accounts},
		{"GET /accounts/connect", signedIn, s.connectForm},
		{"POST /accounts/connect", signedIn, s.connect},
		{"GET /accounts/{id}", signedIn, s.account},
		{"POST /accounts/{id}", signedIn, s.saveAccount},
		{"POST /accounts/{id}/reconnect", signedIn, s.reconnectAccount},
		{"GET /accounts/{id}/close", signedIn, s.closeAccountForm},
		{"POST /accounts/{id}/close", signedIn, s.closeAccount},
		{"POST /accounts/{id}/archives", signedIn, s.createArchive},
		{"POST /accounts/{id}/handover", signedIn, s.handOver},
		{"GET /archives/{id}/download", signedIn, s.downloadArchive},
		{"GET /oauth/{platform}/callback", anyone, s.oauthCallback},
		{"GET /settings", signedIn, s.settings},
		{"GET /settings/profile", signedIn, s.profile},
		{"POST /settings/profile", signedIn, s.saveProfile},
		{"POST /settings/password", signedIn, s.changePassword},
		{"GET /settings/two-factor", signedIn, s.twoFactor},
		{"GET /settings/two-factor/qr.png", signedIn, s.twoFactorQR},
		{"POST /settings/two-factor/start", signedIn, s.startTwoFactor},
		{"POST /settings/two-factor/confirm", signedIn, s.confirmTwoFactor},
		{"POST /settings/two-factor/disable", signedIn, s.disableTwoFactor},
		{"POST /settings/sessions/others", signedIn, s.signOutOthers},
		{"GET /settings/tokens", signedIn, s.tokens},
		{"POST /settings/tokens", signedIn, s.createToken},
		{"POST /settings/tokens/{id}/revoke", signedIn, s.revokeToken},
		{"GET /settings/workspace", signedIn, s.workspaceSettings},
		{"POST /settings/workspace", signedIn, s.saveWorkspace},
		{"GET /settings/members", signedIn, s.members},
		{"POST /settings/members/{id}/role", signedIn, s.setRole},
		{"POST /settings/members/{id}/remove", signedIn, s.removeMember},
		{"POST /settings/invitations", signedIn, s.invite},
		{"POST /settings/invitations/{id}/withdraw", signedIn, s.withdrawInvitation},
		{"POST /settings/invitations/{id}/resend", signedIn, s.resendInvitation},
		{"GET /settings/notifications", signedIn, s.notifications},
		{"POST /settings/notifications", signedIn, s.saveNotifications},
		{"GET /settings/templates", signedIn, s.templates},
		{"POST /settings/templates/{platform}", signedIn, s.saveTemplate},
		{"GET /settings/glossary", signedIn, s.glossary},
		{"POST /settings/glossary", signedIn, s.saveGlossary},
		{"GET /settings/people", signedIn, s.people},
		{"GET /settings/audit", signedIn, s.auditPage},
		{"GET /settings/checks", signedIn, s.checksPage},
		{"POST /settings/checks", signedIn, s.checksForm},
		{"GET /settings/audit/export", signedIn, s.auditExport},
		{"POST /settings/people", signedIn, s.putPerson},
		{"POST /settings/people/delete", signedIn, s.deletePerson},
		{"GET /invitations/{token}", anyone, s.invitation},
		{"POST /invitations/{token}", anyone, s.acceptInvitation},
		{"GET /stories/{id}/delete", signedIn, s.deleteForm},
		{"POST /stories/{id}/delete", signedIn, s.deleteStory},
		{"POST /publications/{id}/resolve", signedIn, s.resolve},
		{"POST /publications/{id}/retry", signedIn, s.retry},
		{"POST /publications/{id}/confirm", signedIn, s.confirmHandoff},
		{"GET /publications/{id}/cancel", signedIn, s.cancelForm},
		{"POST /publications/{id}/cancel", signedIn, s.cancelPublication},
		// Honest cancels: taking a live post down (cancels.go).
		{"GET /publications/{id}/delete-post", signedIn, s.deletePostForm},
		{"POST /publications/{id}/delete-post", signedIn, s.deletePost},
		{"GET /media", signedIn, s.mediaLibrary},
		{"POST /media", signedIn, s.uploadMedia},
		{"POST /media/{id}/describe", signedIn, s.describeMedia},
		{"POST /media/{id}/focal", signedIn, s.setFocal},
		// Peers (analytics).
		{"GET /analytics/peers", signedIn, s.peersPage},
		{"POST /analytics/peers", signedIn, s.addPeer},
		{"POST /analytics/peers/{id}/remove", signedIn, s.removePeer},
		{"POST /analytics/peers/{id}/readings", signedIn, s.recordPeerReading},
		// The emergency pause (pause.go).
		{"GET /pause", signedIn, s.pausePage},
		{"POST /pause", signedIn, s.pause},
		{"POST /pause/resume", signedIn, s.resume},
		{"POST /pause/held", signedIn, s.release},
		// Reports and exports (reports.go).
		{"GET /inbox", signedIn, s.inbox},
		{"POST /inbox/read", signedIn, s.readNotices},
		{"GET /inbox/settings", signedIn, s.noticePrefs},
		{"POST /inbox/settings", signedIn, s.saveNoticePrefs},
		{"GET /inbox/{id}", signedIn, s.openNotice},
		{"GET /reports", signedIn, s.reports},
		{"GET /reports/export", signedIn, s.exportDownload},
		{"POST /reports/recipients", signedIn, s.saveRecipients},
		{"GET /reports/{file}", signedIn, s.reportFile},
		{"GET /calendar.ics", anyone, s.calendarICS},
		{"GET /calendar/feed", signedIn, s.calendarFeed},
		{"POST /calendar/feed", signedIn, s.newCalendarFeed},
		{"POST /calendar/feed/revoke", signedIn, s.revokeCalendarFeed},
		// Analytics: the overview, one account, one story.
		{"GET /analytics", signedIn, s.analyticsOverview},
		{"GET /analytics/accounts/{id}", signedIn, s.analyticsAccount},
		{"GET /analytics/stories/{id}", signedIn, s.analyticsStory},
		// Approvals (approvals.go).
		{"GET /approvals", signedIn, s.approvalsInbox},
		{"GET /stories/{id}/review", signedIn, s.review},
		{"POST /stories/{id}/submit", signedIn, s.submitStory},
		{"POST /stories/{id}/approve", signedIn, s.approveStory},
		{"POST /stories/{id}/reject", signedIn, s.rejectStory},
		{"POST /stories/{id}/comments", signedIn, s.commentStory},
		{"POST /stories/{id}/approval-links", signedIn, s.approvalLink},
		{"POST /accounts/{id}/approval-policy", signedIn, s.savePolicy},
		{"GET /review/{token}", anyone, s.externalReview},
		{"POST /review/{token}", anyone, s.externalDecide},
		// Later pages (compose, calendar, accounts, settings) are added
		// here, one line each, with their entry in nav().
	}
}

// navItem is one entry of the header's navigation.
type navItem struct {
	Key  string // the catalog key of its label
	Path string
}

// nav lists the header's entries: only pages that exist.
func nav() []navItem {
	return []navItem{{"nav.dashboard", "/"}, {"nav.compose", "/compose"}, {"nav.stories", "/stories"}, {"nav.approvals", "/approvals"}, {"nav.calendar", "/calendar"},
		{"nav.media", "/media"}, {"nav.analytics", "/analytics"}, {"nav.reports", "/reports"}, {"nav.accounts", "/accounts"}, {"nav.settings", "/settings"}}
}

// Handler returns the web UI's handler: every route, the static files, and
// a page for anything else.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.wrap(rt))
	}
	mux.Handle("GET /static/", s.staticFiles())
	mux.Handle("/", s.wrap(route{access: anyone, handler: func(w http.ResponseWriter, r *http.Request, rq *request) {
		s.fail(w, r, rq, ferry.Errorf(ferry.ENOTFOUND, "No page %s.", r.URL.Path))
	}}))
	return mux
}

// staticFiles serves the embedded CSS and JS; a versioned URL is cached
// for a year, since its content never changes under it.
func (s *Server) staticFiles() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fsrv.ServeHTTP(w, r)
	})
}
