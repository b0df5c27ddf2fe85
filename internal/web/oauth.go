package web

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

// callbackPage says what an OAuth flow connected, or why nothing was.
type callbackPage struct {
	Platform ferry.Platform
	Result   *service.ConnectionResult
	// Code is the error's code and Message the service's words, when
	// nothing was connected.
	Code    string
	Message string
}

// oauthCallback is where a platform sends the browser back after the
// person signed in (or refused). It is authenticated by the signed,
// single-use state alone, not by the session. The code and state are
// never logged or shown, and the page sends no referrer.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	cb := service.ConnectionCallback{
		Platform: ferry.Platform(r.PathValue("platform")),
		Code:     q.Get("code"), State: q.Get("state"),
		Error: q.Get("error"), Description: q.Get("error_description"),
	}
	if cb.Error == "" && q.Get("error_code") != "" && cb.Code == "" {
		cb.Error = "error_code " + q.Get("error_code")
	}
	// The URL carries the code and state: nothing may send it elsewhere.
	w.Header().Set("Referrer-Policy", "no-referrer")
	res, err := s.svc.CompleteConnection(r.Context(), cb)
	page := callbackPage{Platform: cb.Platform, Result: res}
	status := http.StatusOK
	reqID := httpd.RequestID(r.Context())
	if err != nil {
		page.Code, page.Message = ferry.ErrorCode(err), ferry.ErrorMessage(err)
		status = httpd.Status(page.Code)
		if status >= 500 {
			s.log.Error("oauth callback failed", "request_id", reqID, "platform", cb.Platform, "error", err)
			page.Message = ""
		} else {
			s.log.Info("oauth callback refused", "request_id", reqID, "platform", cb.Platform, "code", page.Code)
		}
	} else {
		ids := make([]string, 0, len(res.Accounts))
		for _, a := range res.Accounts {
			ids = append(ids, a.Account.ID)
		}
		s.log.Info("oauth connection completed", "request_id", reqID, "platform", cb.Platform, "accounts", ids, "skipped", len(res.Skipped))
	}
	title := "callback.connected"
	if err != nil {
		title = "callback.not_connected"
	}
	v := s.view(r, rq, title)
	v.Here = "/accounts" // the language switch must not send the code again
	v.Data = page
	s.pages.Render(w, r, status, "oauth_callback.html", v)
}
