package web

import (
	"net/http"
	"strconv"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// versionsPage is a story's version history and the difference between
// two versions of one of its histories.
type versionsPage struct {
	Story     *service.StoryView
	Histories []service.VersionHistory
	// Account, From and To are the comparison asked for, as sent.
	Account, From, To string
	Diff              *service.VersionDiff
	// People names the members, by actor ("user:<id>").
	People map[string]string
}

// Who names an actor.
func (d versionsPage) Who(actor string) string {
	if n, ok := d.People[actor]; ok {
		return n
	}
	return actor
}

// Selected is the history being compared.
func (d versionsPage) Selected() []*ferry.ContentVersion {
	for _, h := range d.Histories {
		if (h.Account == nil && d.Account == "") || (h.Account != nil && h.Account.ID == d.Account) {
			return h.Versions
		}
	}
	return nil
}

// Link compares version n of the history of account with the one before.
func (d versionsPage) Link(account string, n int) string {
	return "/stories/" + d.Story.ID + "/versions?account=" + account + "&from=" + strconv.Itoa(max(n-1, 1)) + "&to=" + strconv.Itoa(n) + "#diff"
}

func (s *Server) storyVersions(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p := r.Context(), rq.principal()
	q := r.URL.Query()
	page := versionsPage{Account: q.Get("account"), From: q.Get("from"), To: q.Get("to"), People: map[string]string{}}
	var err error
	if page.Story, err = s.svc.Story(ctx, p, r.PathValue("id")); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if page.Histories, err = s.svc.Versions(ctx, p, page.Story.ID); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	members, err := s.svc.Members(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	for _, m := range members {
		page.People["user:"+m.User.ID] = m.User.Email
		if m.User.Name != "" {
			page.People["user:"+m.User.ID] = m.User.Name
		}
	}
	status, errs := http.StatusOK, map[string]string(nil)
	if page.Selected() != nil {
		page.Diff, err = s.svc.DiffVersions(ctx, p, page.Story.ID, page.Account, page.From, page.To)
		if err != nil {
			if errs = s.problems(rq, "versions", err, nil, nil); len(errs) == 0 {
				s.fail(w, r, rq, err)
				return
			}
			status = http.StatusBadRequest
		} else {
			page.From, page.To = strconv.Itoa(page.Diff.From.N), strconv.Itoa(page.Diff.To.N)
		}
	}
	v := s.view(r, rq, "versions.title")
	v.Errors, v.Data = errs, page
	s.pages.Render(w, r, status, "story_versions.html", v)
}
