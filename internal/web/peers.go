package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// The peers page: public accounts the team follows, each platform's beside
// the team's own accounts there.

// peerRanges are the periods the page compares over, in days.
var peerRanges = []int{7, 30, 90}

// peersPage is the page's data.
type peersPage struct {
	Groups []peerGroup
	Days   int
	Ranges []int
	Editor bool
	Done   string
	// Form is what was typed into the add form; Reading into the
	// reading form of the peer Reading.PeerID.
	Form    service.PeerInput
	Reading struct{ PeerID, Followers, Posts string }
	// Platforms are the add form's choices.
	Platforms []ferry.Platform
	Any       bool
}

// peerGroup is one platform's own accounts and peers.
type peerGroup struct {
	Platform ferry.Platform
	Rows     []peerRow
}

// peerRow is one line of a platform's table: an own account or a peer.
type peerRow struct {
	Own      bool
	ID       string
	Handle   string
	Name     string
	Manual   bool
	Summary  service.CountsSummary
	CanPosts bool
}

func (s *Server) peersPage(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderPeers(w, r, rq, http.StatusOK, peersPage{Done: r.URL.Query().Get("done")}, nil)
}

func peerDays(r *http.Request) int {
	d, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if d == 0 {
		d, _ = strconv.Atoi(r.PostForm.Get("days"))
	}
	for _, ok := range peerRanges {
		if d == ok {
			return d
		}
	}
	return 30
}

func (s *Server) renderPeers(w http.ResponseWriter, r *http.Request, rq *request, status int, d peersPage, errs map[string]string) {
	d.Days, d.Ranges = peerDays(r), peerRanges
	from := time.Now().Add(-time.Duration(d.Days) * 24 * time.Hour).UTC().Format(time.RFC3339)
	list, err := s.svc.Peers(r.Context(), rq.principal(), from, "")
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Editor = rq.me.Role.AtLeast(ferry.RoleEditor)
	d.Platforms = ferry.Platforms
	if d.Form.Platform == "" {
		d.Form.Platform = string(ferry.Weibo)
	}
	for _, pl := range ferry.Platforms {
		g := peerGroup{Platform: pl}
		for _, o := range list.Own {
			if o.Platform == pl {
				g.Rows = append(g.Rows, peerRow{Own: true, ID: o.AccountID, Name: o.Name, Summary: o.Summary, CanPosts: pl != ferry.Telegram && pl != ferry.Facebook})
			}
		}
		peers := 0
		for _, p := range list.Peers {
			if p.Platform == pl {
				peers++
				g.Rows = append(g.Rows, peerRow{ID: p.ID, Handle: p.Handle, Name: p.Name, Summary: p.Summary, Manual: pl == ferry.Xiaohongshu,
					CanPosts: pl != ferry.Telegram && pl != ferry.Facebook})
			}
		}
		if peers > 0 {
			d.Groups = append(d.Groups, g)
			d.Any = true
		}
	}
	v := s.view(r, rq, "peers.title")
	v.Errors, v.Data = errs, d
	s.pages.Render(w, r, status, "peers.html", v)
}

// addPeer follows a public account; the platform's refusal of the handle
// comes back beside the field.
func (s *Server) addPeer(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	in := service.PeerInput{Platform: f.Get("platform"), Handle: f.Get("handle")}
	_, err := s.svc.AddPeer(r.Context(), rq.principal(), in)
	if errs := s.peerProblems(rq, "peers", err); errs != nil {
		s.renderPeers(w, r, rq, http.StatusBadRequest, peersPage{Form: in}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/analytics/peers?done=added&days="+strconv.Itoa(peerDays(r)), http.StatusSeeOther)
}

func (s *Server) removePeer(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := s.svc.RemovePeer(r.Context(), rq.principal(), r.PathValue("id")); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/analytics/peers?done=removed&days="+strconv.Itoa(peerDays(r)), http.StatusSeeOther)
}

// recordPeerReading enters a reading by hand (Xiaohongshu).
func (s *Server) recordPeerReading(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	id := r.PathValue("id")
	in := service.PeerReadingInput{Followers: service.CountText(f.Get("followers")), Posts: service.CountText(f.Get("posts"))}
	_, err := s.svc.RecordPeerReading(r.Context(), rq.principal(), id, in)
	if errs := s.peerProblems(rq, "peers.reading", err); errs != nil {
		d := peersPage{}
		d.Reading.PeerID, d.Reading.Followers, d.Reading.Posts = id, f.Get("followers"), f.Get("posts")
		s.renderPeers(w, r, rq, http.StatusBadRequest, d, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/analytics/peers?done=recorded&days="+strconv.Itoa(peerDays(r)), http.StatusSeeOther)
}

// peerProblems words the service's refusals for the forms: invalid fields
// from the catalog, the platform's refusal of a handle with its own words.
func (s *Server) peerProblems(rq *request, form string, err error) map[string]string {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		return nil
	}
	switch fe.Code {
	case ferry.EINVALID:
		return s.problems(rq, form, err, nil, nil)
	case ferry.EUNPROCESSABLE:
		details, _ := fe.Details.(map[string]string)
		switch {
		case details["handle"] != "":
			return map[string]string{"handle": "raw:" + s.catalog.translate(rq.lang, "peers.handle.unknown", "words", details["handle"])}
		case details["platform"] != "":
			return map[string]string{"platform": "peers.platform.no_account"}
		}
		return map[string]string{"handle": "raw:" + fe.Message}
	case ferry.ECONFLICT:
		return map[string]string{"handle": "peers.handle.duplicate"}
	}
	return nil
}

// Growth writes a change in followers with its sign and percentage:
// "+1,234 (+2.1%)".
func (v *view) Growth(sm service.CountsSummary) string {
	if sm.Growth == nil {
		return ""
	}
	g := *sm.Growth
	s := v.Count(&g)
	if g > 0 {
		s = "+" + s
	}
	if sm.GrowthPercent != nil {
		s += fmt.Sprintf(" (%+.1f%%)", *sm.GrowthPercent)
	}
	return s
}

// PerWeek writes posts per week to one decimal.
func (v *view) PerWeek(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'f', 1, 64)
}

// Sparkline draws followers over the range as a small trend line (chart.go).
func (v *view) Sparkline(series []int64) template.HTML {
	vals := make([]float64, len(series))
	for i, n := range series {
		vals[i] = float64(n)
	}
	return Sparkline(vals, v.T("peers.trend"))
}
