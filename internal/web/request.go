package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/authz"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

// sessionCookie holds the session token; the store keeps only its hash.
const sessionCookie = "ferry_session"

// csrfField is the form field carrying the session's CSRF token.
const csrfField = "csrf"

// maxForm bounds a form body.
const maxForm = 64 << 10

// maxUploadFiles bounds the images of one upload form.
const maxUploadFiles = 10

// request is what a handler knows about the request beyond net/http: who
// is signed in (nil Me when no one), the language, the CSRF token.
type request struct {
	session *ferry.Session
	token   string
	me      *service.Me
	lang    string
}

// principal is who acts: the signed-in person in their workspace.
func (rq *request) principal() ferry.Principal {
	if rq.session == nil {
		return ferry.Principal{}
	}
	return rq.session.Principal()
}

// csrf is the session's CSRF token: derived from the session token, which
// only the browser has, so it needs no storage of its own.
func (rq *request) csrf() string {
	if rq.token == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(rq.token))
	mac.Write([]byte("ferry csrf"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// location is the workspace's time zone (UTC before sign-in).
func (rq *request) location() *time.Location {
	if rq.me != nil && rq.me.Location != nil {
		return rq.me.Location
	}
	return time.UTC
}

// wrap gives a route its request: the session, the language, the checks
// against cross-site requests (the browser's Sec-Fetch-Site or Origin, and
// the form's CSRF token when signed in), and sends those who must sign in
// to the sign-in page, or to setup on a Ferry with no user yet.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Cookie, Accept-Language")
		// Throttling counts against the client's address (service/throttle.go).
		r = r.WithContext(service.WithClientAddr(r.Context(), httpd.ClientAddr(r.Context())))
		rq := &request{}
		if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
			ses, err := s.svc.Session(r.Context(), ck.Value)
			switch {
			case err == nil:
				rq.session, rq.token = ses, ck.Value
				if rq.me, err = s.svc.Me(r.Context(), ses.Principal()); err != nil {
					rq.lang = s.catalog.requestLanguage(r, "")
					s.fail(w, r, rq, err)
					return
				}
			case ferry.IsCode(err, ferry.EUNAUTHORIZED):
				s.clearSession(w)
			default:
				rq.lang = s.catalog.requestLanguage(r, "")
				s.fail(w, r, rq, err)
				return
			}
		}
		setting := ""
		if rq.me != nil {
			setting = rq.me.User.Language
		}
		rq.lang = s.catalog.requestLanguage(r, setting)

		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.cross.Check(r); err != nil {
				s.crossOriginDenied(w, r)
				return
			}
			if err := s.parseForm(w, r, uploadRoutes[rt.pattern]); err != nil {
				if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
					s.fail(w, r, rq, ferry.Errorf(ferry.ETOOLARGE, "The form is larger than %d bytes.", tooLarge.Limit))
					return
				}
				s.fail(w, r, rq, ferry.Errorf(ferry.EINVALID, "The form could not be read."))
				return
			}
			if rq.session != nil && !hmac.Equal([]byte(r.PostForm.Get(csrfField)), []byte(rq.csrf())) {
				s.log.Info("form refused: CSRF token missing or wrong", "request_id", httpd.RequestID(r.Context()), "path", r.URL.Path)
				s.fail(w, r, rq, ferry.Errorf(ferry.EFORBIDDEN, "The form's security token is missing or old."))
				return
			}
		}
		// Text at the edge (docs/architecture.md): a NUL or invalid UTF-8
		// in an id, the query or the form goes no further.
		if httpd.BadPathValue(r, rt.pattern) != "" {
			s.fail(w, r, rq, ferry.Errorf(ferry.ENOTFOUND, "Not valid text in the path."))
			return
		}
		if field := httpd.BadValue(r.URL.Query()); field != "" {
			s.failText(w, r, rq, field)
			return
		}
		if field := httpd.BadValue(r.PostForm); field != "" {
			s.failText(w, r, rq, field)
			return
		}
		// The authorization matrix decides who may use the route (the
		// service checks the role again).
		rule, known := authz.For(rt.pattern)
		switch {
		case !known:
			s.fail(w, r, rq, authz.Missing(rt.pattern))
			return
		case rule.Public:
		case rq.session == nil:
			s.toSignIn(w, r)
			return
		default:
			if err := rule.Allows(rq.principal()); err != nil {
				s.fail(w, r, rq, err)
				return
			}
		}
		if rq.session != nil && s.mustEnrol(w, r, rq) {
			return
		}
		rt.handler(w, r, rq)
	})
}

// parseForm reads a form: a small one, or on the routes that take images
// a multipart upload of at most maxUpload bytes in all (the service checks
// each image's own size).
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request, uploads bool) error {
	if uploads && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		return r.ParseMultipartForm(maxUploadMemory)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm()
}

// toSignIn sends a browser to setup when Ferry has no user, else to the
// sign-in page with the page it wanted.
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	if needs, err := s.svc.NeedsSetup(r.Context()); err == nil && needs {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	target := "/login"
	if r.Method == http.MethodGet && r.URL.RequestURI() != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// crossOriginDenied answers a state-changing request from another site.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("cross-origin request refused", "request_id", httpd.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	rq := &request{lang: s.catalog.requestLanguage(r, "")}
	s.fail(w, r, rq, ferry.Errorf(ferry.EFORBIDDEN, "Cross-origin request refused."))
}

// setSession gives the browser its session cookie.
func (s *Server) setSession(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// localPath returns next when it is a path on this site, else "/": a
// sign-in never sends anyone elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// fail answers with the error page: the status of the error's code and a
// message in the person's language. Internal errors are logged, never
// shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	code := ferry.ErrorCode(err)
	status := httpd.Status(code)
	httpd.RetryAfter(w.Header(), err)
	if status >= 500 {
		s.log.Error("page failed", "request_id", httpd.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "error", err)
	}
	key := "error." + code
	if !s.catalog.has(rq.lang, key) {
		key = "error." + ferry.EINTERNAL
	}
	v := s.view(r, rq, "error.title")
	v.Data = errorPage{Status: status, Message: key, RequestID: httpd.RequestID(r.Context())}
	s.pages.Render(w, r, status, "error.html", v)
}

type errorPage struct {
	Status    int
	Message   string // a catalog key
	Field     string // the field holding a NUL or invalid UTF-8, if that is the fault
	RequestID string
}

// failText answers a form or query whose field holds a NUL or invalid
// UTF-8, naming the field.
func (s *Server) failText(w http.ResponseWriter, r *http.Request, rq *request, field string) {
	v := s.view(r, rq, "error.title")
	v.Data = errorPage{Status: http.StatusBadRequest, Message: "error.invalid", Field: field, RequestID: httpd.RequestID(r.Context())}
	s.pages.Render(w, r, http.StatusBadRequest, "error.html", v)
}
