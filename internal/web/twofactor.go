package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

// challengeCookie holds, between the password and the code, the sign-in
// challenge (service.ErrSecondFactor): it opens nothing but /login/code.
const challengeCookie = "ferry_signin"

// codePage is the second step of sign-in.
type codePage struct {
	Next                     string
	WaitSeconds, WaitMinutes int
}

func (s *Server) askCode(w http.ResponseWriter, r *http.Request, rq *request, challenge, next string) {
	http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: challenge, Path: "/login", MaxAge: 300, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	s.renderCode(w, r, rq, http.StatusOK, codePage{Next: next}, nil)
}

func (s *Server) renderCode(w http.ResponseWriter, r *http.Request, rq *request, status int, page codePage, errs map[string]string) {
	v := s.view(r, rq, "login.code_title")
	v.Errors, v.Data = errs, page
	s.pages.Render(w, r, status, "login_code.html", v)
}

// loginCodeForm shows the code form again (after a change of language)
// while a challenge is held; without one, sign-in starts over.
func (s *Server) loginCodeForm(w http.ResponseWriter, r *http.Request, rq *request) {
	if ck, err := r.Cookie(challengeCookie); err != nil || ck.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.renderCode(w, r, rq, http.StatusOK, codePage{Next: localPath(r.URL.Query().Get("next"))}, nil)
}

func (s *Server) loginCode(w http.ResponseWriter, r *http.Request, rq *request) {
	page := codePage{Next: localPath(r.PostForm.Get("next"))}
	ck, err := r.Cookie(challengeCookie)
	if err != nil || ck.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ses, token, err := s.svc.SignInWithCode(r.Context(), ck.Value, r.PostForm.Get("code"), r.UserAgent())
	switch code := ferry.ErrorCode(err); code {
	case "":
		http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		s.setSession(w, token, ses.ExpiresAt)
		http.Redirect(w, r, page.Next, http.StatusSeeOther)
	case ferry.EINVALID:
		s.renderCode(w, r, rq, http.StatusUnauthorized, page, map[string]string{"code": "login.code.wrong"})
	case ferry.EUNAUTHORIZED:
		s.renderLogin(w, r, rq, http.StatusUnauthorized, loginPage{Next: page.Next}, "login.code_ended", nil)
	case ferry.ETOOMANY:
		if n := httpd.RetryAfter(w.Header(), err); n < 120 {
			page.WaitSeconds = n
		} else {
			page.WaitMinutes = (n + 59) / 60
		}
		s.renderCode(w, r, rq, http.StatusTooManyRequests, page, nil)
	default:
		s.fail(w, r, rq, err)
	}
}

// twoFactorData is the two-factor settings page: its status, an enrolment
// waiting for its code, or the recovery codes just made.
type twoFactorData struct {
	Status   *service.TwoFactorStatus
	Pending  *service.Enrolment
	Recovery []string
	Done     string
}

func (s *Server) twoFactor(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderTwoFactor(w, r, rq, http.StatusOK, twoFactorData{Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, rq *request, status int, d twoFactorData, errs map[string]string) {
	st, err := s.svc.TwoFactor(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Status = st
	if !st.Enabled && d.Recovery == nil {
		if d.Pending, err = s.svc.PendingTwoFactor(r.Context(), rq.principal()); err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			s.fail(w, r, rq, err)
			return
		}
	}
	s.renderSettings(w, r, rq, status, "twofactor", d, errs)
}

func (s *Server) startTwoFactor(w http.ResponseWriter, r *http.Request, rq *request) {
	if _, err := s.svc.StartTwoFactor(r.Context(), rq.principal()); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/two-factor", http.StatusSeeOther)
}

// twoFactorQR serves the pending enrolment's QR code as a PNG (an <img>
// from the same origin, which the CSP allows; no inline data).
func (s *Server) twoFactorQR(w http.ResponseWriter, r *http.Request, rq *request) {
	e, err := s.svc.PendingTwoFactor(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	img, err := e.QRCode()
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(img)
}

func (s *Server) confirmTwoFactor(w http.ResponseWriter, r *http.Request, rq *request) {
	codes, err := s.svc.ConfirmTwoFactor(r.Context(), rq.principal(), r.PostForm.Get("code"))
	if errs := s.problems(rq, "twofactor", err, nil, nil); errs != nil {
		s.renderTwoFactor(w, r, rq, http.StatusBadRequest, twoFactorData{}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderTwoFactor(w, r, rq, http.StatusOK, twoFactorData{Recovery: codes, Done: "enabled"}, nil)
}

func (s *Server) disableTwoFactor(w http.ResponseWriter, r *http.Request, rq *request) {
	err := s.svc.DisableTwoFactor(r.Context(), rq.principal(), r.PostForm.Get("password"), r.PostForm.Get("code"))
	if errs := s.problems(rq, "twofactor", err, nil, nil); errs != nil {
		s.renderTwoFactor(w, r, rq, http.StatusBadRequest, twoFactorData{}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/two-factor?done=disabled", http.StatusSeeOther)
}

// isSecondFactor reports whether SignIn asks for a code.
func isSecondFactor(err error) bool { return errors.Is(err, service.ErrSecondFactor) }

// mustEnrol sends an admin or owner of a workspace that requires
// two-factor sign-in, and has none, to enrol before anything else; it
// reports whether it answered the request. Enrolling, signing out and
// choosing a language stay open.
func (s *Server) mustEnrol(w http.ResponseWriter, r *http.Request, rq *request) bool {
	if rq.me == nil || rq.me.Workspace == nil || !rq.me.Workspace.RequireTwoFactor || !rq.me.Role.AtLeast(ferry.RoleAdmin) {
		return false
	}
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/settings/two-factor"), p == "/logout", p == "/language":
		return false
	}
	st, err := s.svc.TwoFactor(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return true
	}
	if st.Enabled {
		return false
	}
	http.Redirect(w, r, "/settings/two-factor?done=required", http.StatusSeeOther)
	return true
}
