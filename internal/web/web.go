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

// route is one page or form. Routes lists them all, in one place.
// Who may use it (anyone, or a signed-in member of at least some role)
// is the pattern's entry in the authorization matrix, internal/authz;
// without a session, a route that needs one sends the browser to sign in.
type route struct {
	pattern string
	handler func(w http.ResponseWriter, r *http.Request, rq *request)
}

func (s *Server) routes() []route {
	return []route{
		{"GET /setup", s.setupForm},
		{"POST /setup", s.setup},
		{"GET /login", s.loginForm},
		{"POST /login", s.login},
		{"GET /login/code", s.loginCodeForm},
		{"POST /login/code", s.loginCode},
		{"POST /logout", s.logout},
		{"POST /language", s.setLanguage},

		{"GET /{$}", s.dashboard},
		{"GET /stories", s.stories},
		{"GET /stories/{id}", s.story},
		{"GET /stories/{id}/versions", s.storyVersions},
		{"GET /compose", s.compose},
		{"POST /compose", s.saveCompose},
		{"POST /compose/preview", s.preview},
		{"GET /compose/media/{id}", s.mediaFile},
		{"GET /compose/library", s.composeLibrary},
		{"GET /stories/{id}/edit", s.editStory},
		{"POST /stories/{id}/edit", s.saveCompose},
		{"POST /stories/{id}/variants/{account}", s.editVariant},
		{"GET /calendar", s.calendarPage},
		{"GET /calendar/move", s.moveForm},
		{"POST /calendar/move", s.move},
		{"POST /calendar/events", s.addEvent},
		{"GET /accounts", s.accounts},
		{"GET /accounts/connect", s.connectForm},
		{"POST /accounts/connect", s.connect},
		{"GET /accounts/{id}", s.account},
		{"POST /accounts/{id}", s.saveAccount},
		{"POST /accounts/{id}/reconnect", s.reconnectAccount},
		{"GET /accounts/{id}/close", s.closeAccountForm},
		{"POST /accounts/{id}/close", s.closeAccount},
		{"POST /accounts/{id}/archives", s.createArchive},
		{"POST /accounts/{id}/handover", s.handOver},
		{"GET /archives/{id}/download", s.downloadArchive},
		{"GET /oauth/{platform}/callback", s.oauthCallback},
		{"GET /settings", s.settings},
		{"GET /settings/profile", s.profile},
		{"POST /settings/profile", s.saveProfile},
		{"POST /settings/password", s.changePassword},
		{"GET /settings/two-factor", s.twoFactor},
		{"GET /settings/two-factor/qr.png", s.twoFactorQR},
		{"POST /settings/two-factor/start", s.startTwoFactor},
		{"POST /settings/two-factor/confirm", s.confirmTwoFactor},
		{"POST /settings/two-factor/disable", s.disableTwoFactor},
		{"POST /settings/sessions/others", s.signOutOthers},
		{"GET /settings/tokens", s.tokens},
		{"POST /settings/tokens", s.createToken},
		{"POST /settings/tokens/{id}/revoke", s.revokeToken},
		{"GET /settings/workspace", s.workspaceSettings},
		{"POST /settings/workspace", s.saveWorkspace},
		{"GET /settings/members", s.members},
		{"POST /settings/members/{id}/role", s.setRole},
		{"POST /settings/members/{id}/remove", s.removeMember},
		{"POST /settings/invitations", s.invite},
		{"POST /settings/invitations/{id}/withdraw", s.withdrawInvitation},
		{"POST /settings/invitations/{id}/resend", s.resendInvitation},
		{"GET /settings/notifications", s.notifications},
		{"POST /settings/notifications", s.saveNotifications},
		{"GET /settings/templates", s.templates},
		{"POST /settings/templates/{platform}", s.saveTemplate},
		{"GET /settings/glossary", s.glossary},
		{"POST /settings/glossary", s.saveGlossary},
		{"GET /settings/people", s.people},
		{"GET /settings/audit", s.auditPage},
		{"GET /settings/approvals", s.approvalSettings},
		{"POST /settings/approvals", s.saveApprovalSettings},
		{"GET /settings/checks", s.checksPage},
		{"POST /settings/checks", s.checksForm},
		{"GET /settings/audit/export", s.auditExport},
		{"POST /settings/people", s.putPerson},
		{"POST /settings/people/delete", s.deletePerson},
		{"GET /invitations/{token}", s.invitation},
		{"POST /invitations/{token}", s.acceptInvitation},
		{"GET /stories/{id}/delete", s.deleteForm},
		{"POST /stories/{id}/delete", s.deleteStory},
		{"POST /publications/{id}/resolve", s.resolve},
		{"POST /publications/{id}/retry", s.retry},
		{"POST /publications/{id}/confirm", s.confirmHandoff},
		{"GET /publications/{id}/cancel", s.cancelForm},
		{"POST /publications/{id}/cancel", s.cancelPublication},
		// Honest cancels: taking a live post down (cancels.go).
		{"GET /publications/{id}/delete-post", s.deletePostForm},
		{"POST /publications/{id}/delete-post", s.deletePost},
		{"GET /media", s.mediaLibrary},
		{"POST /media", s.uploadMedia},
		{"POST /media/{id}/describe", s.describeMedia},
		{"POST /media/{id}/focal", s.setFocal},
		// Peers (analytics).
		{"GET /analytics/peers", s.peersPage},
		{"POST /analytics/peers", s.addPeer},
		{"POST /analytics/peers/{id}/remove", s.removePeer},
		{"POST /analytics/peers/{id}/readings", s.recordPeerReading},
		// The emergency pause (pause.go).
		{"GET /pause", s.pausePage},
		{"POST /pause", s.pause},
		{"POST /pause/resume", s.resume},
		{"POST /pause/held", s.release},
		// Reports and exports (reports.go).
		{"GET /inbox", s.inbox},
		{"POST /inbox/read", s.readNotices},
		{"GET /inbox/settings", s.noticePrefs},
		{"POST /inbox/settings", s.saveNoticePrefs},
		{"GET /inbox/{id}", s.openNotice},
		{"GET /reports", s.reports},
		{"GET /reports/export", s.exportDownload},
		{"POST /reports/recipients", s.saveRecipients},
		{"GET /reports/{file}", s.reportFile},
		{"GET /calendar.ics", s.calendarICS},
		{"GET /calendar/feed", s.calendarFeed},
		{"POST /calendar/feed", s.newCalendarFeed},
		{"POST /calendar/feed/revoke", s.revokeCalendarFeed},
		// Analytics: the overview, one account, one story.
		{"GET /analytics", s.analyticsOverview},
		{"GET /analytics/accounts/{id}", s.analyticsAccount},
		{"GET /analytics/stories/{id}", s.analyticsStory},
		// Approvals (approvals.go).
		{"GET /approvals", s.approvalsInbox},
		{"GET /stories/{id}/review", s.review},
		{"POST /stories/{id}/submit", s.submitStory},
		{"POST /stories/{id}/approve", s.approveStory},
		{"POST /stories/{id}/reject", s.rejectStory},
		{"POST /stories/{id}/comments", s.commentStory},
		{"POST /stories/{id}/approval-links", s.approvalLink},
		{"POST /accounts/{id}/approval-policy", s.savePolicy},
		{"GET /review/{token}", s.externalReview},
		{"POST /review/{token}", s.externalDecide},
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
	mux.Handle("/", s.wrap(route{pattern: "/", handler: func(w http.ResponseWriter, r *http.Request, rq *request) {
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
