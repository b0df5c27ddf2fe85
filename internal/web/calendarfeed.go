package web

import (
	"bytes"
	"net/http"

	"github.com/ferry-social/ferry"
)

// calendarFeedPage is the page of a person's calendar subscription.
type calendarFeedPage struct {
	Has     bool
	Link    string // shown once, just after it is made
	Revoked bool
}

func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request, rq *request) {
	has, err := s.svc.HasCalendarFeed(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderCalendarFeed(w, r, rq, calendarFeedPage{Has: has, Revoked: r.URL.Query().Get("done") == "revoked"})
}

func (s *Server) renderCalendarFeed(w http.ResponseWriter, r *http.Request, rq *request, page calendarFeedPage) {
	v := s.view(r, rq, "feed.title")
	v.Data = page
	s.pages.Render(w, r, http.StatusOK, "calendar_feed.html", v)
}

// newCalendarFeed makes (or replaces) the person's link and shows it once.
func (s *Server) newCalendarFeed(w http.ResponseWriter, r *http.Request, rq *request) {
	token, err := s.svc.NewCalendarFeed(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderCalendarFeed(w, r, rq, calendarFeedPage{Has: true, Link: s.origin(r) + "/calendar.ics?token=" + token})
}

func (s *Server) revokeCalendarFeed(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := s.svc.RevokeCalendarFeed(r.Context(), rq.principal()); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/calendar/feed?done=revoked", http.StatusSeeOther)
}

// calendarICS serves the feed a token opens; calendar programs fetch it
// without a session.
func (s *Server) calendarICS(w http.ResponseWriter, r *http.Request, rq *request) {
	var buf bytes.Buffer
	if err := s.svc.WriteCalendarFeed(r.Context(), r.URL.Query().Get("token"), &buf); err != nil {
		if ferry.ErrorCode(err) == ferry.ENOTFOUND {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(ferry.ErrorMessage(err) + "\n"))
			return
		}
		s.fail(w, r, rq, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(buf.Bytes())
}
