package service

import (
	"context"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// MonthlyReport is a month of a workspace (or of one account): followers
// and growth, posts and engagement per account and per platform, the best
// and worst posts, and the month's calendar.
type MonthlyReport struct {
	Workspace string
	Month     time.Time // the first instant of the month, in the workspace's zone
	Location  *time.Location
	// AccountID is set when the report is of one account.
	AccountID string
	Accounts  []ReportAccount
	Platforms []ReportPlatform
	// Best and Worst are the published posts with the most and least
	// engagement (up to three each; a post is in only one list).
	Best, Worst []ReportPost
	Posts       int
	Engagement  int64
	Views       int64
	Calendar    []CalendarEntry
	// Peers are the workspace's peers with readings in the month
	// (reportPeers), on workspace reports; empty, the section is not shown.
	Peers []ReportPeer
}

// ReportAccount is one account's month.
type ReportAccount struct {
	ID, Name                             string
	Platform                             ferry.Platform
	FollowersStart, FollowersEnd, Growth *int64
	Posts                                int
	Engagement, Views                    int64
}

// ReportPlatform sums a platform's accounts.
type ReportPlatform struct {
	Platform          ferry.Platform
	Accounts, Posts   int
	Followers         int64
	Growth            int64
	Engagement, Views int64
}

// ReportPost is a published post with its latest counts.
type ReportPost struct {
	ID, Title, Text, Account, Link        string
	Platform                              ferry.Platform
	PublishedAt                           time.Time
	Views, Likes, Comments, Shares, Saves *int64
	Engagement                            int64
	// MediaID is the post's first image, if any; Image its bytes (up to
	// maxReportImage) and ImageMIME its type.
	MediaID   string
	Image     []byte
	ImageMIME string
}

// Excerpt is the post's text shortened for a report.
func (p ReportPost) Excerpt() string {
	r := []rune(strings.TrimSpace(p.Text))
	if len(r) > 280 {
		return string(r[:280]) + "…"
	}
	return string(r)
}

// maxReportImage bounds an image inlined in a report.
const maxReportImage = 4 << 20

// ReportPeer is a peer account's month, for the peers section.
type ReportPeer struct {
	Name                 string
	Platform             ferry.Platform
	FollowersEnd, Growth *int64
	Posts                int
}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ParseMonth reads YYYY-MM in loc.
func ParseMonth(s string, loc *time.Location) (time.Time, error) {
	if !monthPattern.MatchString(s) {
		return time.Time{}, ferry.Errorf(ferry.EINVALID, "%q is not a month; write it as YYYY-MM, e.g. 2026-09.", s).WithDetails(map[string]string{"month": "must be YYYY-MM"})
	}
	t, err := time.ParseInLocation("2006-01", s, loc)
	if err != nil || t.Year() < 2000 {
		return time.Time{}, ferry.Errorf(ferry.EINVALID, "%q is not a month Ferry can report on.", s).WithDetails(map[string]string{"month": "must be YYYY-MM from 2000 on"})
	}
	return t, nil
}

// MonthlyReport gathers the report of a month (YYYY-MM, in the workspace's
// time zone) for the workspace, or for one account. A month that has not
// begun is refused.
func (s *Service) MonthlyReport(ctx context.Context, p ferry.Principal, month, accountID string) (*MonthlyReport, error) {
	if err := require(p, ferry.RoleViewer, "see reports"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	start, err := ParseMonth(month, loc)
	if err != nil {
		return nil, err
	}
	if start.After(s.DB.Now()) {
		return nil, ferry.Errorf(ferry.EINVALID, "%s has not begun; there is nothing to report yet.", month).WithDetails(map[string]string{"month": "is in the future"})
	}
	end := start.AddDate(0, 1, 0)
	ws, err := q.Workspace(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	accounts, err := q.Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	if accountID != "" {
		a, err := q.Account(ctx, p.WorkspaceID, accountID)
		if err != nil {
			return nil, err
		}
		accounts = []*ferry.Account{a}
	}
	r := &MonthlyReport{Workspace: ws.Name, Month: start, Location: loc, AccountID: accountID}
	byID := map[string]int{}
	for _, a := range accounts {
		ra := ReportAccount{ID: a.ID, Name: a.Name, Platform: a.Platform}
		snaps, err := q.AccountSnapshots(ctx, a.ID, start, end)
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			if sn.Followers == nil {
				continue
			}
			if ra.FollowersStart == nil {
				ra.FollowersStart = sn.Followers
			}
			ra.FollowersEnd = sn.Followers
		}
		if ra.FollowersStart != nil && ra.FollowersEnd != nil {
			g := *ra.FollowersEnd - *ra.FollowersStart
			ra.Growth = &g
		}
		byID[a.ID] = len(r.Accounts)
		r.Accounts = append(r.Accounts, ra)
	}
	var posts []ReportPost
	err = q.EachPublication(ctx, p.WorkspaceID, accountID, start, end, func(row *store.PublicationRow) error {
		i, ok := byID[row.AccountID]
		if !ok || row.State != ferry.StatePublished || row.PublishedAt == nil {
			return nil
		}
		e := sum(row.Likes, row.Comments, row.Shares, row.Saves)
		v := sum(row.Views)
		r.Accounts[i].Posts++
		r.Accounts[i].Engagement += e
		r.Accounts[i].Views += v
		r.Posts++
		r.Engagement += e
		r.Views += v
		posts = append(posts, ReportPost{ID: row.ID, Title: row.StoryTitle, Text: row.Text, Account: row.AccountName, Link: row.RemoteURL,
			Platform: row.Platform, PublishedAt: row.PublishedAt.In(loc), Views: row.Views, Likes: row.Likes, Comments: row.Comments,
			Shares: row.Shares, Saves: row.Saves, Engagement: e, MediaID: firstMedia(row.MediaIDs)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].Engagement > posts[j].Engagement })
	// Best takes the top half (up to three), Worst the bottom of the rest.
	n := min(3, (len(posts)+1)/2)
	r.Best = posts[:n]
	rest := posts[n:]
	for i := len(rest) - 1; i >= 0 && len(r.Worst) < 3; i-- {
		r.Worst = append(r.Worst, rest[i])
	}
	for _, list := range [][]ReportPost{r.Best, r.Worst} {
		for i := range list {
			s.loadReportImage(ctx, q, p.WorkspaceID, &list[i])
		}
	}
	plat := map[ferry.Platform]*ReportPlatform{}
	for _, a := range r.Accounts {
		rp := plat[a.Platform]
		if rp == nil {
			rp = &ReportPlatform{Platform: a.Platform}
			plat[a.Platform] = rp
		}
		rp.Accounts++
		rp.Posts += a.Posts
		rp.Engagement += a.Engagement
		rp.Views += a.Views
		if a.FollowersEnd != nil {
			rp.Followers += *a.FollowersEnd
		}
		if a.Growth != nil {
			rp.Growth += *a.Growth
		}
	}
	for _, pl := range ferry.Platforms {
		if rp := plat[pl]; rp != nil {
			r.Platforms = append(r.Platforms, *rp)
		}
	}
	cal, err := s.Calendar(ctx, p, CalendarQuery{From: start.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly)})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range cal.Events {
		// A festival that is also a public holiday is listed once.
		key := e.Date.String() + "\x00" + e.NameEN + "\x00" + e.NameZh
		if e.Kind == "working_day" || seen[key] {
			continue
		}
		seen[key] = true
		r.Calendar = append(r.Calendar, e)
	}
	if accountID == "" {
		if r.Peers, err = reportPeers(ctx, s.DB.Read(), p.WorkspaceID, start, end); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func sum(vs ...*int64) int64 {
	var t int64
	for _, v := range vs {
		if v != nil {
			t += *v
		}
	}
	return t
}

var firstID = regexp.MustCompile(`"([^"]+)"`)

// firstMedia returns the first id of a JSON list of media ids.
func firstMedia(list string) string {
	if m := firstID.FindStringSubmatch(list); m != nil {
		return m[1]
	}
	return ""
}

// loadReportImage reads a post's first image for the report; an image that
// cannot be read is left out (the report still says everything else).
func (s *Service) loadReportImage(ctx context.Context, q *store.Q, workspaceID string, rp *ReportPost) {
	if rp.MediaID == "" || s.Blobs == nil {
		return
	}
	m, err := q.Media(ctx, workspaceID, rp.MediaID)
	if err != nil || !strings.HasPrefix(m.Mime, "image/") || m.Bytes > maxReportImage {
		return
	}
	rc, err := s.Blobs.Open(m.SHA256)
	if err != nil {
		return
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxReportImage))
	if err != nil {
		return
	}
	rp.Image, rp.ImageMIME = b, m.Mime
}

// ReportMonths lists the last n months (YYYY-MM, in the workspace's time
// zone), this month first.
func (s *Service) ReportMonths(ctx context.Context, p ferry.Principal, n int) ([]string, error) {
	if err := require(p, ferry.RoleViewer, "see reports"); err != nil {
		return nil, err
	}
	loc, err := s.location(ctx, s.DB.Read(), p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	now := s.DB.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	out := make([]string, n)
	for i := range out {
		out[i] = first.AddDate(0, -i, 0).Format("2006-01")
	}
	return out, nil
}
