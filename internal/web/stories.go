package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/service"
)

// storiesPerPage is the stories list's page size.
const storiesPerPage = 25

// filterStates are the states the stories list filters by.
var filterStates = []ferry.PublicationState{
	ferry.StateDraft, ferry.StateScheduled, ferry.StateWaiting, ferry.StatePublishing, ferry.StatePublished, ferry.StateFailed,
	ferry.StateNeedsReauth, ferry.StateAwaitingApproval, ferry.StateUnknown, ferry.StateHandoff, ferry.StateMissed, ferry.StateCanceled,
}

// storiesPage is one page of the stories list with its filters.
type storiesPage struct {
	State    ferry.PublicationState
	Account  string
	Query    string
	Cursor   string
	States   []ferry.PublicationState
	Accounts []*ferry.Account
	Names    map[string]string
	Stories  []*service.StoryView
	// Next and First are the paging links ("" when there is none).
	Next, First string
	Filtered    bool
}

func (s *Server) stories(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	page := storiesPage{State: ferry.PublicationState(q.Get("state")), Account: q.Get("account"), Query: q.Get("q"), Cursor: q.Get("cursor"), States: filterStates}
	v := s.view(r, rq, "stories.title")
	if page.State != "" && !slices.Contains(filterStates, page.State) {
		v.Errors = map[string]string{"state": "field.invalid"}
		page.State = ""
	}
	accts, err := s.svc.Accounts(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Accounts, page.Names = accts, map[string]string{}
	for _, a := range accts {
		page.Names[a.ID] = a.Name
	}
	if _, ok := page.Names[page.Account]; page.Account != "" && !ok {
		v.Errors = map[string]string{"account": "field.invalid"}
		page.Account = ""
	}
	views, next, err := s.svc.Stories(r.Context(), rq.principal(), ferry.StoryFilter{State: page.State, AccountID: page.Account, Query: page.Query,
		Cursor: page.Cursor, Limit: storiesPerPage})
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Stories = views
	link := func(cursor string) string {
		vals := url.Values{}
		for k, val := range map[string]string{"state": string(page.State), "account": page.Account, "q": page.Query, "cursor": cursor} {
			if val != "" {
				vals.Set(k, val)
			}
		}
		if len(vals) == 0 {
			return "/stories"
		}
		return "/stories?" + vals.Encode()
	}
	if next != "" {
		page.Next = link(next)
	}
	if page.Cursor != "" {
		page.First = link("")
	}
	page.Filtered = page.State != "" || page.Account != "" || page.Query != ""
	v.Data = page
	s.pages.Render(w, r, http.StatusOK, "stories.html", v)
}

// storyPage is a story with its publications' timelines and the actions
// their states allow.
type storyPage struct {
	Story    *service.StoryView
	Title    string
	Names    map[string]string
	Attempts map[string][]*ferry.Attempt
	// Handoffs are the open Xiaohongshu handoffs, by publication.
	Handoffs map[string]*handoff.View
	// CanAct says whether the person may act on publications (editors and
	// above); the page says why not otherwise.
	CanAct bool
	// Form is the action form sent back with an error, its input kept.
	Form actionForm
	// Done is the catalog key of what the last action did, or "".
	Done string
	// Approvals are the targets' approval states, by account (approvals.go);
	// CanSubmit says whether a target waits to be submitted.
	Approvals map[string]ferry.ApprovalStatus
	CanSubmit bool
}

func (s *Server) story(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderStory(w, r, rq, r.PathValue("id"), http.StatusOK, actionForm{}, nil)
}

// renderStory shows a story; an action form that failed comes back with
// its input and errors.
func (s *Server) renderStory(w http.ResponseWriter, r *http.Request, rq *request, id string, status int, form actionForm, errs map[string]string) {
	ctx, p := r.Context(), rq.principal()
	st, err := s.svc.Story(ctx, p, id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page := storyPage{Story: st, Title: service.StoryTitle(st.Story), Names: map[string]string{}, Attempts: map[string][]*ferry.Attempt{},
		Handoffs: map[string]*handoff.View{}, CanAct: p.Role.AtLeast(ferry.RoleEditor), Form: form}
	if done := r.URL.Query().Get("done"); status == http.StatusOK && slices.Contains(doneActions, done) {
		page.Done = "actions.done." + done
	}
	for _, a := range accts {
		page.Names[a.ID] = a.Name
	}
	for _, pub := range st.Publications {
		if page.Attempts[pub.ID], err = s.svc.Attempts(ctx, p, pub.ID); err != nil {
			s.fail(w, r, rq, err)
			return
		}
		if pub.State == ferry.StateHandoff {
			h, err := s.svc.Handoff(ctx, p, pub.ID)
			switch {
			case err == nil:
				page.Handoffs[pub.ID] = h
			case !ferry.IsCode(err, ferry.ENOTFOUND):
				s.fail(w, r, rq, err)
				return
			}
		}
	}
	var statuses []ferry.ApprovalStatus
	if st.DeletedAt == nil {
		if statuses, err = s.svc.StoryApprovals(ctx, p, st.ID); err != nil {
			s.fail(w, r, rq, err)
			return
		}
	}
	page.Approvals = map[string]ferry.ApprovalStatus{}
	for _, a := range statuses {
		page.Approvals[a.AccountID] = a
		page.CanSubmit = page.CanSubmit || (page.CanAct && (a.State == ferry.ApprovalDraft || a.State == ferry.ApprovalRejected))
	}
	v := s.view(r, rq, "story.title")
	v.Errors, v.Data = errs, page
	v.Here = "/stories/" + st.ID
	s.pages.Render(w, r, status, "story.html", v)
}
