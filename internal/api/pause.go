package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// pauseRoutes are the emergency pause's (service/pause.go).
func (s *Server) pauseRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/pause", handler: s.getPause, response: "PauseStatus",
			summary: "Whether sending is paused (the workspace's pause, the accounts'), and the publications held by a pause or a blackout period."},
		{method: "POST", path: "/api/v1/pause", handler: s.postPause, request: "PauseInput", response: "PauseStatus", status: 201,
			summary: "Pause sending (admin): of the whole workspace without account_ids, else of those accounts. What comes due is held, on every worker at once; a publication already being sent is not stopped. Audited; the workspace webhook receives pause.started. 409 if already paused."},
		{method: "DELETE", path: "/api/v1/pause", handler: s.deletePause, request: "ResumeInput", response: "ResumeResult",
			summary: "Resume sending (admin): every pause without account_ids, else those accounts' own. due says what becomes of what came due meanwhile: send (now), cancel, or keep (held, to decide one by one); decisions override it per publication. Audited; the webhook receives pause.ended. 409 if nothing is paused."},
		{method: "POST", path: "/api/v1/pause/held", handler: s.decideHeld, request: "HoldDecisions", response: "ResumeResult",
			summary: "Decide about held publications one by one (admin): send now, reschedule (with at), cancel, or keep."},
	}
}

func (s *Server) getPause(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	st, err := s.svc.PauseStatus(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) postPause(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.PauseInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if _, err := s.svc.Pause(r.Context(), p, in); err != nil {
		return err
	}
	st, err := s.svc.PauseStatus(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) deletePause(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.ResumeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.svc.Resume(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) decideHeld(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in struct {
		Decisions map[string]service.HoldDecision `json:"decisions"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.svc.DecideHeld(r.Context(), p, in.Decisions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// pauseSchemas are the pause's schemas, used in schemas().
func pauseSchemas() map[string]any {
	var reasons []any
	for _, r := range ferry.PauseReasons {
		reasons = append(reasons, string(r))
	}
	reason := map[string]any{"type": "string", "enum": reasons, "description": "Why, as a code the UI words in the reader's language; \"other\" needs a note."}
	due := map[string]any{"type": "string", "enum": []any{"send", "cancel", "keep"}}
	decision := obj([]string{"action"}, map[string]any{"action": map[string]any{"type": "string", "enum": []any{"send", "cancel", "keep", "reschedule"}},
		"at": map[string]any{"type": "string", "format": "date-time", "description": "With reschedule: the new time."}})
	decisions := map[string]any{"type": "object", "additionalProperties": decision, "description": "By publication id."}
	ids := map[string]any{"type": "array", "items": str}
	pause := obj(nil, map[string]any{"id": str, "account_id": map[string]any{"type": "string", "description": "Absent for the whole workspace."}, "reason": reason, "note": str,
		"paused_by": str, "paused_by_name": str, "paused_at": dateTime, "ended_at": dateTime, "ended_by": str, "due": due})
	return map[string]any{
		"Pause":      pause,
		"PauseInput": obj([]string{"reason"}, map[string]any{"reason": reason, "note": str, "account_ids": map[string]any{"type": "array", "items": str, "description": "Leave out to pause the whole workspace."}}),
		"PauseStatus": obj([]string{"paused", "pauses", "held", "publishing"}, map[string]any{"paused": boolean, "workspace": ref("Pause"),
			"pauses":     map[string]any{"type": "array", "items": ref("Pause")},
			"held":       map[string]any{"type": "array", "items": ref("Publication"), "description": "Waiting with reason_code paused, held_after_pause or blackout_hold, and no next time."},
			"publishing": map[string]any{"type": "integer", "description": "Publications being sent now: a pause does not stop them."}}),
		"ResumeInput":   obj([]string{"due"}, map[string]any{"account_ids": ids, "due": due, "decisions": decisions}),
		"HoldDecisions": obj([]string{"decisions"}, map[string]any{"decisions": decisions}),
		"ResumeResult": obj(nil, map[string]any{"ended": map[string]any{"type": "array", "items": ref("Pause")},
			"sent": ids, "canceled": ids, "kept": ids, "rescheduled": ids}),
	}
}
