package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

// setupZones are the time zones the setup form offers, Hong Kong first;
// any IANA zone is valid.
var setupZones = []string{"Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Shanghai", "Asia/Singapore", "Asia/Tokyo",
	"Europe/London", "America/Vancouver", "America/Toronto", "America/New_York", "Australia/Sydney", "UTC"}

// setupPage is the first-run form and what was typed into it.
type setupPage struct {
	In      service.SetupInput
	Zones   []string
	Regions []string
}

// fieldErrors turns a service's EINVALID details (field → reason code)
// into catalog keys: "<form>.<field>.<reason>" where the form words it
// itself, else "field.<reason>".
func (s *Server) fieldErrors(rq *request, form string, err error) map[string]string {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		return nil
	}
	details, _ := fe.Details.(map[string]string)
	out := map[string]string{}
	for field, reason := range details {
		key := form + "." + field + "." + reason
		if !s.catalog.has(rq.lang, key) {
			key = "field." + reason
		}
		out[field] = key
	}
	return out
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.needsSetup(w, r, rq) {
		return
	}
	s.renderSetup(w, r, rq, http.StatusOK, service.SetupInput{TimeZone: setupZones[0], Region: service.CalendarRegions()[0], Language: rq.lang}, nil)
}

// needsSetup reports whether setup is still to be done, answering the
// request itself when it is not.
func (s *Server) needsSetup(w http.ResponseWriter, r *http.Request, rq *request) bool {
	needs, err := s.svc.NeedsSetup(r.Context())
	if err != nil {
		s.fail(w, r, rq, err)
		return false
	}
	if !needs {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return needs
}

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, rq *request, status int, in service.SetupInput, errs map[string]string) {
	in.Password = ""
	v := s.view(r, rq, "setup.title")
	v.Errors = errs
	v.Data = setupPage{In: in, Zones: setupZones, Regions: service.CalendarRegions()}
	s.pages.Render(w, r, status, "setup.html", v)
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.needsSetup(w, r, rq) {
		return
	}
	f := r.PostForm
	in := service.SetupInput{Workspace: f.Get("workspace"), TimeZone: f.Get("time_zone"), Region: f.Get("region"),
		Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password"), Language: f.Get("language")}
	ses, token, err := s.svc.Setup(r.Context(), in, r.UserAgent())
	switch {
	case err == nil:
		s.setSession(w, token, ses.ExpiresAt)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	case ferry.IsCode(err, ferry.EINVALID):
		if in.Language != "" && s.catalog.known(in.Language) {
			rq.lang = in.Language
		}
		s.renderSetup(w, r, rq, http.StatusBadRequest, in, s.fieldErrors(rq, "setup", err))
	default:
		s.fail(w, r, rq, err)
	}
}

// loginPage is the sign-in form and what was typed into it.
type loginPage struct {
	Email string
	Next  string
	// WaitSeconds or WaitMinutes, after too many failures, say when the
	// form may be sent again.
	WaitSeconds, WaitMinutes int
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, rq *request) {
	next := localPath(r.URL.Query().Get("next"))
	if rq.session != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if needs, err := s.svc.NeedsSetup(r.Context()); err == nil && needs {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, rq, http.StatusOK, loginPage{Next: next}, "", nil)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, rq *request, status int, page loginPage, problem string, errs map[string]string) {
	v := s.view(r, rq, "login.title")
	v.Problem, v.Errors, v.Data = problem, errs, page
	s.pages.Render(w, r, status, "login.html", v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, rq *request) {
	page := loginPage{Email: r.PostForm.Get("email"), Next: localPath(r.PostForm.Get("next"))}
	password := r.PostForm.Get("password")
	errs := map[string]string{}
	if page.Email == "" {
		errs["email"] = "field.required"
	}
	if password == "" {
		errs["password"] = "field.required"
	}
	if len(errs) > 0 {
		s.renderLogin(w, r, rq, http.StatusBadRequest, page, "", errs)
		return
	}
	ses, token, err := s.svc.SignIn(r.Context(), page.Email, password, r.UserAgent())
	if isSecondFactor(err) {
		s.askCode(w, r, rq, token, page.Next)
		return
	}
	switch code := ferry.ErrorCode(err); code {
	case "":
		s.setSession(w, token, ses.ExpiresAt)
		http.Redirect(w, r, page.Next, http.StatusSeeOther)
	case ferry.EUNAUTHORIZED, ferry.EFORBIDDEN:
		s.renderLogin(w, r, rq, http.StatusUnauthorized, page, "login."+code, nil)
	case ferry.ETOOMANY:
		if n := httpd.RetryAfter(w.Header(), err); n < 120 {
			page.WaitSeconds = n
		} else {
			page.WaitMinutes = (n + 59) / 60
		}
		s.renderLogin(w, r, rq, http.StatusTooManyRequests, page, "", nil)
	default:
		s.fail(w, r, rq, err)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := s.svc.SignOut(r.Context(), rq.token); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLanguage switches the UI's language: saved as the person's setting
// when signed in, and in a cookie for the sign-in page.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request, rq *request) {
	lang := r.PostForm.Get("lang")
	if !s.catalog.known(lang) {
		s.fail(w, r, rq, ferry.Errorf(ferry.EINVALID, "Unknown language %q.", lang))
		return
	}
	if rq.session != nil {
		if err := s.svc.SetLanguage(r.Context(), rq.principal(), lang); err != nil {
			s.fail(w, r, rq, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", Expires: time.Now().AddDate(1, 0, 0), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.PostForm.Get("next")), http.StatusSeeOther)
}
