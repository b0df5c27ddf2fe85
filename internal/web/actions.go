package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// doneActions are the actions whose outcome the story page announces
// (?done=…) after sending the browser back to it.
var doneActions = []string{"published", "retry", "retried", "confirmed", "canceled", "post_deleted"}

// actionForm is what a publication's action form sent, kept when it comes
// back with an error.
type actionForm struct {
	PubID  string
	Action string // resolve, confirm or delete-post
	URL    string
	// Message is the platform's own words of a refusal (delete-post).
	Message string
}

// backToStory sends the browser to a publication's story, announcing what
// was done.
func backToStory(w http.ResponseWriter, r *http.Request, pub *ferry.Publication, done string) {
	http.Redirect(w, r, "/stories/"+pub.StoryID+"?done="+url.QueryEscape(done)+"#pub-"+pub.ID, http.StatusSeeOther)
}

// publicationAction runs an action on a publication and answers: back to
// the story when it worked, the story with the error beside the field for
// bad input, the error page otherwise.
func (s *Server) publicationAction(w http.ResponseWriter, r *http.Request, rq *request, form actionForm, done string, errKey string,
	act func(p ferry.Principal, id string) (*ferry.Publication, error)) {
	id := r.PathValue("id")
	pub, err := act(rq.principal(), id)
	switch {
	case err == nil:
		backToStory(w, r, pub, done)
	case ferry.IsCode(err, ferry.EINVALID) && errKey != "":
		known, perr := s.svc.Publication(r.Context(), rq.principal(), id)
		if perr != nil {
			s.fail(w, r, rq, perr)
			return
		}
		form.PubID = id
		s.renderStory(w, r, rq, known.StoryID, http.StatusBadRequest, form, map[string]string{"url": errKey})
	default:
		s.fail(w, r, rq, err)
	}
}

// resolve settles a publication whose outcome is unknown: published at
// the URL the person found, or not published and to be sent again.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request, rq *request) {
	res := service.Resolution{Outcome: r.PostForm.Get("outcome"), URL: strings.TrimSpace(r.PostForm.Get("url"))}
	form := actionForm{Action: "resolve", URL: res.URL}
	errKey := "actions.url.invalid"
	if res.Outcome == "published" && res.URL == "" {
		errKey = "field.required"
	}
	done := "published"
	if res.Outcome == "retry" {
		done = "retry"
	}
	s.publicationAction(w, r, rq, form, done, errKey, func(p ferry.Principal, id string) (*ferry.Publication, error) {
		return s.svc.Resolve(r.Context(), p, id, res)
	})
}

// retry sends a failed or missed publication again.
func (s *Server) retry(w http.ResponseWriter, r *http.Request, rq *request) {
	s.publicationAction(w, r, rq, actionForm{}, "retried", "", func(p ferry.Principal, id string) (*ferry.Publication, error) {
		return s.svc.RetryPublication(r.Context(), p, id)
	})
}

// confirmHandoff records that an operator posted a Xiaohongshu note by
// hand, at the note's URL.
func (s *Server) confirmHandoff(w http.ResponseWriter, r *http.Request, rq *request) {
	u := strings.TrimSpace(r.PostForm.Get("url"))
	errKey := "actions.note_url.invalid"
	if u == "" {
		errKey = "field.required"
	}
	s.publicationAction(w, r, rq, actionForm{Action: "confirm", URL: u}, "confirmed", errKey, func(p ferry.Principal, id string) (*ferry.Publication, error) {
		return s.svc.ConfirmHandoff(r.Context(), p, id, service.HandoffConfirmation{URL: u, Via: "web"})
	})
}

// confirmPage asks before something that cannot be undone: canceling a
// publication or deleting a story.
type confirmPage struct {
	Kind string // cancel or delete
	// CanAct says whether the person may do it; the page says why not.
	CanAct bool
	Story  *service.StoryView
	Title  string
	Names  map[string]string
	// Pub is the publication to cancel.
	Pub *ferry.Publication
	// Of a deletion: what it withdraws, what is already out and stays, what
	// has ended and needs nothing.
	Withdraw, Out, Ended []*ferry.Publication
}

func (s *Server) confirmation(w http.ResponseWriter, r *http.Request, rq *request, storyID string, page confirmPage) {
	ctx, p := r.Context(), rq.principal()
	st, err := s.svc.Story(ctx, p, storyID)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Story, page.Title, page.Names, page.CanAct = st, service.StoryTitle(st.Story), map[string]string{}, p.Role.AtLeast(ferry.RoleEditor)
	for _, a := range accts {
		page.Names[a.ID] = a.Name
	}
	for _, pub := range st.Publications {
		switch {
		case pub.State.Cancelable():
			page.Withdraw = append(page.Withdraw, pub)
		case pub.State.Sent():
			page.Out = append(page.Out, pub)
		default:
			page.Ended = append(page.Ended, pub)
		}
	}
	title := "actions.cancel.title"
	switch page.Kind {
	case "delete":
		title = "actions.delete.title"
	case "delete-post":
		title = "cancels.delete_post.title"
	}
	v := s.view(r, rq, title)
	v.Data = page
	s.pages.Render(w, r, http.StatusOK, "confirm.html", v)
}

func (s *Server) cancelForm(w http.ResponseWriter, r *http.Request, rq *request) {
	pub, err := s.svc.Publication(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if !pub.State.Cancelable() {
		s.fail(w, r, rq, ferry.Errorf(ferry.ECONFLICT, "Publication %s has gone out or ended; it cannot be canceled.", pub.ID))
		return
	}
	s.confirmation(w, r, rq, pub.StoryID, confirmPage{Kind: "cancel", Pub: pub})
}

// cancelPublication withdraws one publication that has not gone out.
func (s *Server) cancelPublication(w http.ResponseWriter, r *http.Request, rq *request) {
	s.publicationAction(w, r, rq, actionForm{}, "canceled", "", func(p ferry.Principal, id string) (*ferry.Publication, error) {
		return s.svc.CancelPublication(r.Context(), p, id)
	})
}

func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request, rq *request) {
	s.confirmation(w, r, rq, r.PathValue("id"), confirmPage{Kind: "delete"})
}

// deletedPage answers a deletion honestly: what was withdrawn, and what had
// already gone out and stays on its platform.
type deletedPage struct {
	ID        string
	Title     string
	Names     map[string]string
	Withdrawn int
	// Out are the publications on (or perhaps on) their platforms: the
	// story stays on record for them.
	Out []*ferry.Publication
	// Answers say what the deletion did to each publication.
	Answers []service.PublicationAnswer
}

// deleteStory deletes a story. The answer is a page of its own, not a
// redirect: the story is gone, and what stays up must be said.
func (s *Server) deleteStory(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p := r.Context(), rq.principal()
	st, err := s.svc.DeleteStory(ctx, p, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page := deletedPage{ID: st.ID, Title: service.StoryTitle(st.Story), Names: map[string]string{}, Withdrawn: len(st.Withdrawn), Answers: st.Answers}
	for _, a := range accts {
		page.Names[a.ID] = a.Name
	}
	for _, pub := range st.Publications {
		if pub.State.Sent() {
			page.Out = append(page.Out, pub)
		}
	}
	v := s.view(r, rq, "actions.deleted.title")
	v.Here = "/stories"
	v.Data = page
	s.pages.Render(w, r, http.StatusOK, "deleted.html", v)
}
