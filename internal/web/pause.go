package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// The emergency pause's pages (service/pause.go): the dashboard's control
// leads to /pause, where an admin or owner chooses a reason and the scope,
// confirms on a second page, and later resumes, saying what becomes of
// each publication that came due meanwhile. Every page shows the banner
// while a pause stands (layout, view.Pauses).

// pausePage is /pause's data.
type pausePage struct {
	Status *service.PauseStatus
	// CanAct says whether the person may pause and resume.
	CanAct   bool
	Accounts []*ferry.Account
	Names    map[string]string
	Reasons  []ferry.PauseReason
	Form     pauseForm
	// Confirm is set on the confirmation step.
	Confirm bool
	// Due are the held publications a resume decides about (held by the
	// standing pauses); Later the others (kept after a pause, or held by
	// a blackout period), decided one by one.
	Due, Later []*ferry.Publication
	Done       string
}

// pauseForm is what the pause form sent, kept when it comes back.
type pauseForm struct {
	Reason   string
	Note     string
	Scope    string // workspace or accounts
	Accounts []string
}

func (f pauseForm) Has(id string) bool { return slices.Contains(f.Accounts, id) }

func (s *Server) pausePage(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderPause(w, r, rq, http.StatusOK, pausePage{Form: pauseForm{Scope: "workspace"}, Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderPause(w http.ResponseWriter, r *http.Request, rq *request, status int, page pausePage, errs map[string]string) {
	ctx, p := r.Context(), rq.principal()
	st, err := s.svc.PauseStatus(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Status, page.CanAct, page.Reasons, page.Names = st, p.Role.AtLeast(ferry.RoleAdmin), ferry.PauseReasons, map[string]string{}
	for _, a := range accts {
		page.Names[a.ID] = a.Name
		if a.Health != ferry.HealthClosed {
			page.Accounts = append(page.Accounts, a)
		}
	}
	for _, pub := range st.Held {
		if pub.ReasonCode == ferry.ReasonPaused {
			page.Due = append(page.Due, pub)
		} else {
			page.Later = append(page.Later, pub)
		}
	}
	title := "pause.title"
	if page.Confirm {
		title = "pause.confirm.title"
	}
	v := s.view(r, rq, title)
	v.Errors = errs
	v.Data = page
	s.pages.Render(w, r, status, "pause.html", v)
}

// pause is the pause form's target: without "confirmed" it shows the
// confirmation step, with it it pauses.
func (s *Server) pause(w http.ResponseWriter, r *http.Request, rq *request) {
	f := pauseForm{Reason: r.PostForm.Get("reason"), Note: strings.TrimSpace(r.PostForm.Get("note")), Scope: r.PostForm.Get("scope"), Accounts: r.PostForm["account"]}
	if f.Scope != "accounts" {
		f.Scope, f.Accounts = "workspace", nil
	}
	page := pausePage{Form: f}
	if !rq.principal().Role.AtLeast(ferry.RoleAdmin) {
		s.fail(w, r, rq, ferry.Errorf(ferry.EFORBIDDEN, "Only a workspace admin or owner may pause sending; you are %s.", rq.principal().Role))
		return
	}
	errs := map[string]string{}
	switch {
	case !ferry.PauseReason(f.Reason).Valid():
		errs["reason"] = "field.required"
	case f.Reason == string(ferry.PauseOther) && f.Note == "":
		errs["note"] = "pause.note.required"
	}
	if f.Scope == "accounts" && len(f.Accounts) == 0 {
		errs["scope"] = "pause.scope.none"
	}
	if len(errs) > 0 {
		s.renderPause(w, r, rq, http.StatusBadRequest, page, errs)
		return
	}
	if r.PostForm.Get("confirmed") != "yes" {
		page.Confirm = true
		s.renderPause(w, r, rq, http.StatusOK, page, nil)
		return
	}
	_, err := s.svc.Pause(r.Context(), rq.principal(), service.PauseInput{Reason: ferry.PauseReason(f.Reason), Note: f.Note, AccountIDs: f.Accounts})
	switch {
	case err == nil:
		http.Redirect(w, r, "/pause?done=paused", http.StatusSeeOther)
	case ferry.IsCode(err, ferry.EINVALID):
		s.renderPause(w, r, rq, http.StatusBadRequest, page, map[string]string{"note": "pause.note.invalid"})
	default:
		s.fail(w, r, rq, err)
	}
}

// decisions reads the per-publication choices of a resume or release
// form: action-<id> (send, reschedule, cancel, keep; "" follows the choice
// for all) and at-<id> for reschedule, in the workspace's zone.
func decisions(r *http.Request, rq *request, ids []string) (map[string]service.HoldDecision, map[string]string) {
	out, errs := map[string]service.HoldDecision{}, map[string]string{}
	for _, id := range ids {
		a := r.PostForm.Get("action-" + id)
		if a == "" {
			continue
		}
		d := service.HoldDecision{Action: a}
		if a == "reschedule" {
			at, err := time.ParseInLocation("2006-01-02T15:04", r.PostForm.Get("at-"+id), rq.location())
			if err != nil {
				errs["at-"+id] = "pause.at.invalid"
				continue
			}
			d.At = &at
		}
		out[id] = d
	}
	return out, errs
}

// resume ends the standing pauses (or one account's), deciding what came
// due meanwhile.
func (s *Server) resume(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p := r.Context(), rq.principal()
	st, err := s.svc.PauseStatus(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	var ids []string
	for _, pub := range st.Held {
		ids = append(ids, pub.ID)
	}
	ds, errs := decisions(r, rq, ids)
	if len(errs) > 0 {
		s.renderPause(w, r, rq, http.StatusBadRequest, pausePage{Form: pauseForm{Scope: "workspace"}}, errs)
		return
	}
	in := service.ResumeInput{Due: r.PostForm.Get("due"), Decisions: ds}
	if a := r.PostForm.Get("account"); a != "" {
		in.AccountIDs = []string{a}
	}
	_, err = s.svc.Resume(ctx, p, in)
	switch {
	case err == nil:
		http.Redirect(w, r, "/pause?done=resumed", http.StatusSeeOther)
	case ferry.IsCode(err, ferry.EINVALID):
		s.renderPause(w, r, rq, http.StatusBadRequest, pausePage{Form: pauseForm{Scope: "workspace"}}, map[string]string{"due": "field.required"})
	default:
		s.fail(w, r, rq, err)
	}
}

// release decides about held publications one by one.
func (s *Server) release(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p := r.Context(), rq.principal()
	st, err := s.svc.PauseStatus(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	var ids []string
	for _, pub := range st.Held {
		ids = append(ids, pub.ID)
	}
	ds, errs := decisions(r, rq, ids)
	for id, d := range ds {
		if d.Action == "keep" {
			delete(ds, id)
		}
	}
	if len(errs) == 0 && len(ds) == 0 {
		errs["held"] = "pause.held.none"
	}
	if len(errs) > 0 {
		s.renderPause(w, r, rq, http.StatusBadRequest, pausePage{Form: pauseForm{Scope: "workspace"}}, errs)
		return
	}
	if _, err := s.svc.DecideHeld(ctx, p, ds); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/pause?done=released", http.StatusSeeOther)
}

// Pauses are the workspace's standing pauses, for the banner on every page
// of a signed-in person (read once per page).
func (v *view) Pauses() []*ferry.Pause {
	if v.rq.me == nil {
		return nil
	}
	if v.pauses == nil {
		ctx := v.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		list, err := v.s.svc.StandingPauses(ctx, v.rq.principal())
		if err != nil {
			v.s.log.Warn("pause banner", "error", err)
		}
		if list == nil {
			list = []*ferry.Pause{}
		}
		v.pauses = list
	}
	return v.pauses
}

// PauseLine words a standing pause: "Sending is paused by … at …: …".
func (v *view) PauseLine(pz *ferry.Pause) string {
	reason := v.T("pause.reason." + string(pz.Reason))
	if pz.Note != "" {
		reason += " — " + pz.Note
	}
	args := []any{"by", pz.PausedByName, "at", v.DateTime(pz.PausedAt), "reason", reason}
	if pz.AccountID != "" {
		return v.T("pause.banner.account", append(args, "account", pz.AccountName)...)
	}
	return v.T("pause.banner.workspace", args...)
}

// CanPause says whether the person may pause and resume.
func (v *view) CanPause() bool {
	return v.rq.me != nil && v.rq.principal().Role.AtLeast(ferry.RoleAdmin)
}

// LocalInput is a time as a datetime-local input's value.
func (v *view) LocalInput(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(v.rq.location()).Format("2006-01-02T15:04")
}

// heldItem is one held publication in a decision form.
type heldItem struct {
	V     *view
	Pub   *ferry.Publication
	Name  string
	Later bool // decided one by one: the default leaves it held
}

// HeldItem prepares a held publication for the "held-item" template.
func (v *view) HeldItem(p *ferry.Publication, names map[string]string, later bool) heldItem {
	return heldItem{V: v, Pub: p, Name: names[p.AccountID], Later: later}
}
