package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// calendarRoutes are the calendar's: festivals and holidays, the workspace's
// campaigns and blackout periods, recurring campaigns, and best times to
// post.
func (s *Server) calendarRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/calendar", handler: s.getCalendar, response: "Calendar",
			summary: "Festivals, public holidays (region: HK, CN, TW or MO; default HK), campaigns, recurring campaigns and blackout periods from `from` to `to` (YYYY-MM-DD in the workspace's time zone, at most 3 years; default a year from today)."},

		{method: "GET", path: "/api/v1/calendar/events", handler: s.listCalendarEvents, response: "CalendarEventList",
			summary: "List the workspace's campaigns and blackout periods (filters: kind, from, to)."},
		{method: "POST", path: "/api/v1/calendar/events", handler: s.createCalendarEvent, request: "CalendarEventInput", response: "CalendarEvent", status: 201,
			summary: "Add a campaign (editor) or a blackout period (admin): all day (start_date, end_date) or timed (starts_at, ends_at)."},
		{method: "GET", path: "/api/v1/calendar/events/{id}", handler: s.getCalendarEvent, response: "CalendarEvent", summary: "Get a campaign or blackout period."},
		{method: "PATCH", path: "/api/v1/calendar/events/{id}", handler: s.patchCalendarEvent, request: "CalendarEventPatch", response: "CalendarEvent",
			summary: "Edit a campaign (editor) or blackout period (admin)."},
		{method: "DELETE", path: "/api/v1/calendar/events/{id}", handler: s.deleteCalendarEvent, response: "CalendarEvent",
			summary: "Delete a campaign (editor) or blackout period (admin)."},

		{method: "GET", path: "/api/v1/calendar/recurring", handler: s.listRecurring, response: "RecurringCampaignList", summary: "List the workspace's recurring campaigns."},
		{method: "POST", path: "/api/v1/calendar/recurring", handler: s.createRecurring, request: "RecurringCampaignInput", response: "RecurringCampaign", status: 201,
			summary: "Add a campaign that comes back every year on a festival, a lunar date or a Gregorian date, at a local time (editor)."},
		{method: "GET", path: "/api/v1/calendar/recurring/{id}", handler: s.getRecurring, response: "RecurringCampaign", summary: "Get a recurring campaign with its next occurrence."},
		{method: "PATCH", path: "/api/v1/calendar/recurring/{id}", handler: s.patchRecurring, request: "RecurringCampaignPatch", response: "RecurringCampaign",
			summary: "Edit, pause (active: false) or resume a recurring campaign (editor)."},
		{method: "DELETE", path: "/api/v1/calendar/recurring/{id}", handler: s.deleteRecurring, response: "RecurringCampaign", summary: "Delete a recurring campaign (editor)."},
		{method: "GET", path: "/api/v1/calendar/recurring/{id}/occurrences", handler: s.recurringOccurrences, response: "Occurrences",
			summary: "The dates and times of a recurring campaign from `from` to `to` (YYYY-MM-DD; default a year from today)."},

		{method: "GET", path: "/api/v1/accounts/{id}/best-times", handler: s.bestTimes, response: "BestTimes",
			summary: "Best hours to post per weekday in the workspace's time zone: learned from the account's measured posts once it has 20, platform defaults until then."},
	}
}

func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	v, err := s.svc.Calendar(r.Context(), p, service.CalendarQuery{From: q.Get("from"), To: q.Get("to"), Region: q.Get("region")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) listCalendarEvents(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	list, err := s.svc.CalendarEvents(r.Context(), p, service.CalendarEventFilter{Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": list})
	return nil
}

func (s *Server) createCalendarEvent(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.CalendarEventInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.svc.CreateCalendarEvent(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) getCalendarEvent(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	e, err := s.svc.CalendarEvent(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) patchCalendarEvent(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var patch service.CalendarEventPatch
	if err := decode(w, r, &patch); err != nil {
		return err
	}
	e, err := s.svc.UpdateCalendarEvent(r.Context(), p, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) deleteCalendarEvent(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	e, err := s.svc.DeleteCalendarEvent(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) listRecurring(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	list, err := s.svc.RecurringCampaigns(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"recurring": list})
	return nil
}

func (s *Server) createRecurring(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.RecurringCampaignInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.CreateRecurringCampaign(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getRecurring(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	c, err := s.svc.RecurringCampaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) patchRecurring(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var patch service.RecurringCampaignPatch
	if err := decode(w, r, &patch); err != nil {
		return err
	}
	c, err := s.svc.UpdateRecurringCampaign(r.Context(), p, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteRecurring(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	c, err := s.svc.DeleteRecurringCampaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) recurringOccurrences(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	v, err := s.svc.Occurrences(r.Context(), p, r.PathValue("id"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) bestTimes(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	bt, err := s.svc.BestTimes(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, bt)
	return nil
}

// decodeOptional is decode for a body that may be left out, such as the
// options of POST /stories/{id}/publish.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ferry.Errorf(ferry.ETOOLARGE, "The request body is larger than %d bytes.", maxJSONBody)
		}
		return ferry.Errorf(ferry.EINVALID, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decode(w, r, v)
}

// Schema parts of the calendar's routes, used in schemas().
var (
	eventKind        = map[string]any{"type": "string", "enum": []any{"campaign", "blackout"}}
	overrideBlackout = map[string]any{"type": "boolean", "description": "Schedule inside a blackout period anyway: admins and owners only; audited."}
)

func calendarEventFields() map[string]any {
	return map[string]any{"kind": eventKind, "name_en": str, "name_zh": str, "note": str,
		"start_date": dateOnly, "end_date": map[string]any{"type": "string", "format": "date", "description": "Inclusive; defaults to start_date."},
		"starts_at": dateTime, "ends_at": map[string]any{"type": "string", "format": "date-time", "description": "Exclusive."}}
}

func calendarRegions() []any {
	var out []any
	for _, r := range service.CalendarRegions() {
		out = append(out, r)
	}
	return out
}

func festivalKeys() []any {
	var out []any
	for _, k := range calendar.FestivalKeys() {
		out = append(out, k)
	}
	return out
}
