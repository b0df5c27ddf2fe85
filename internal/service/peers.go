package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// Peers: public accounts a workspace follows for comparison. Ferry looks
// a peer up when it is added (so a handle that does not exist is refused
// with the platform's words), then reads it once a day (package jobs);
// Xiaohongshu peers are read by hand.

// maxPeerHandle bounds a handle as entered.
const maxPeerHandle = 200

// PeerInput adds a peer.
type PeerInput struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

// PeerReadingInput is a reading of a peer entered by hand (Xiaohongshu,
// or a correction). At defaults to now.
type PeerReadingInput struct {
	At        *time.Time `json:"at"`
	Followers CountInput `json:"followers"`
	Posts     CountInput `json:"posts"`
}

// CountText returns a CountInput holding text as typed in a form; blank is
// not given.
func CountText(text string) CountInput {
	if strings.TrimSpace(text) == "" {
		return CountInput{}
	}
	return CountInput{raw: text, set: true}
}

// PeerView is a peer with a summary of its readings over a range.
type PeerView struct {
	ferry.Peer
	Summary CountsSummary `json:"summary"`
}

// CountsSummary sums up readings of followers and posts over a range.
// Every field is null when the readings do not tell it.
type CountsSummary struct {
	// Followers is the latest reading's; At its time.
	Followers *int64     `json:"followers"`
	At        *time.Time `json:"at"`
	// Growth is the change in followers from the first reading in the
	// range to the last; GrowthPercent the same relative to the first.
	Growth        *int64   `json:"growth"`
	GrowthPercent *float64 `json:"growth_percent"`
	// PostsPerWeek is the change in the post count over the range, per
	// seven days.
	PostsPerWeek *float64 `json:"posts_per_week"`
	// Series is the followers of each reading, oldest first (charts).
	Series []int64 `json:"series"`
}

// OwnAccountView is one of the team's own accounts summed up like a peer.
type OwnAccountView struct {
	AccountID string         `json:"account_id"`
	Platform  ferry.Platform `json:"platform"`
	Name      string         `json:"name"`
	Summary   CountsSummary  `json:"summary"`
}

// PeersView lists a workspace's peers and its own accounts over a range.
type PeersView struct {
	From  time.Time        `json:"from"`
	To    *time.Time       `json:"to"`
	Peers []PeerView       `json:"peers"`
	Own   []OwnAccountView `json:"own"`
}

// PeerMetricsView is a peer's readings over a range.
type PeerMetricsView struct {
	PeerView
	From     time.Time           `json:"from"`
	To       *time.Time          `json:"to"`
	Readings []ferry.PeerReading `json:"readings"`
}

type countPoint struct {
	at               time.Time
	followers, posts *int64
}

func summarize(pts []countPoint) CountsSummary {
	s := CountsSummary{Series: []int64{}}
	var firstF, lastF, firstP, lastP *countPoint
	for i := range pts {
		pt := &pts[i]
		if pt.followers != nil {
			if firstF == nil {
				firstF = pt
			}
			lastF = pt
			s.Series = append(s.Series, *pt.followers)
		}
		if pt.posts != nil {
			if firstP == nil {
				firstP = pt
			}
			lastP = pt
		}
	}
	if lastF != nil {
		f, at := *lastF.followers, lastF.at
		s.Followers, s.At = &f, &at
		if firstF != lastF {
			g := *lastF.followers - *firstF.followers
			s.Growth = &g
			if *firstF.followers > 0 {
				pc := float64(g) * 100 / float64(*firstF.followers)
				s.GrowthPercent = &pc
			}
		}
	}
	if firstP != nil && lastP != firstP {
		if days := lastP.at.Sub(firstP.at).Hours() / 24; days >= 1 {
			pw := float64(*lastP.posts-*firstP.posts) * 7 / days
			s.PostsPerWeek = &pw
		}
	}
	return s
}

func peerSummary(readings []ferry.PeerReading) CountsSummary {
	pts := make([]countPoint, len(readings))
	for i, r := range readings {
		pts[i] = countPoint{r.At, r.Followers, r.Posts}
	}
	return summarize(pts)
}

// parsePeerPlatform accepts the five platforms by name.
func parsePeerPlatform(s string) (ferry.Platform, error) {
	p := ferry.Platform(strings.ToLower(strings.TrimSpace(s)))
	switch p {
	case ferry.Weibo, ferry.Xiaohongshu, ferry.Facebook, ferry.Instagram, ferry.Telegram:
		return p, nil
	}
	return "", ferry.Errorf(ferry.EINVALID, "Ferry does not know the platform %q.", s).
		WithDetails(map[string]string{"platform": "must be one of weibo, xiaohongshu, facebook, instagram, telegram"})
}

// platformLabel names a platform in English messages.
func platformLabel(p ferry.Platform) string {
	switch p {
	case ferry.Weibo:
		return "Weibo"
	case ferry.Xiaohongshu:
		return "Xiaohongshu"
	case ferry.Facebook:
		return "Facebook"
	case ferry.Instagram:
		return "Instagram"
	case ferry.Telegram:
		return "Telegram"
	}
	return string(p)
}

// AddPeer looks a public account up on its platform, with one of the
// workspace's connected accounts there, and follows it (editor). A handle
// the platform does not know is refused (unprocessable) with the
// platform's words; a Xiaohongshu handle is taken as entered.
func (s *Service) AddPeer(ctx context.Context, p ferry.Principal, in PeerInput) (*PeerView, error) {
	if err := require(p, ferry.RoleEditor, "add peers"); err != nil {
		return nil, err
	}
	plat, err := parsePeerPlatform(in.Platform)
	if err != nil {
		return nil, err
	}
	handle := strings.TrimPrefix(strings.TrimSpace(in.Handle), "@")
	switch {
	case handle == "":
		return nil, ferry.Errorf(ferry.EINVALID, "Enter the account's handle.").WithDetails(map[string]string{"handle": "is required"})
	case utf8.RuneCountInString(handle) > maxPeerHandle:
		return nil, ferry.Errorf(ferry.EINVALID, "The handle is too long.").WithDetails(map[string]string{"handle": fmt.Sprintf("must be at most %d characters", maxPeerHandle)})
	}
	peer := &ferry.Peer{WorkspaceID: p.WorkspaceID, Platform: plat, Handle: handle, RemoteID: handle, CreatedBy: p.Actor()}
	var first *ferry.PeerReading
	if plat != ferry.Xiaohongshu {
		callCtx, cancel := context.WithTimeout(ctx, s.verifyTimeout())
		info, err := metrics.LookupPeer(callCtx, s.DB.Read(), s.Connectors, p.WorkspaceID, plat, handle)
		cancel()
		if err != nil {
			return nil, peerLookupError(plat, err)
		}
		peer.RemoteID, peer.Name = info.RemoteID, info.Name
		if info.Handle != "" {
			peer.Handle = info.Handle
		}
		first = &ferry.PeerReading{Followers: info.Followers, Posts: info.Posts, Source: metrics.PeerSourcePlatform}
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePeer(ctx, peer); err != nil {
			return err
		}
		if first != nil {
			first.PeerID, first.At = peer.ID, peer.CreatedAt
			if err := tx.PutPeerReading(ctx, *first); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit(p, "peer.add", "peer", peer.ID, map[string]any{"platform": plat, "handle": peer.Handle, "remote_id": peer.RemoteID}))
	})
	if err != nil {
		return nil, err
	}
	v := &PeerView{Peer: *peer, Summary: CountsSummary{Series: []int64{}}}
	if first != nil {
		v.Summary = peerSummary([]ferry.PeerReading{*first})
	}
	return v, nil
}

func (s *Service) verifyTimeout() time.Duration {
	if s.VerifyTimeout > 0 {
		return s.VerifyTimeout
	}
	return 30 * time.Second
}

// peerLookupError words a failed look-up for the person who asked.
func peerLookupError(plat ferry.Platform, err error) error {
	pe := platform.Classify(err)
	switch {
	case errors.Is(err, platform.ErrNoSuchPeer):
		return ferry.Errorf(ferry.EUNPROCESSABLE, "%s does not know this account: %s", platformLabel(plat), pe.Message).
			WithDetails(map[string]string{"handle": pe.Message})
	case errors.Is(err, metrics.ErrNoReader):
		return ferry.Errorf(ferry.EUNPROCESSABLE, "Connect %s account first: Ferry reads peers with a connected account's authorisation.", withArticle(platformLabel(plat))).
			WithDetails(map[string]string{"platform": "needs a connected account of this platform"})
	case errors.Is(err, context.Canceled):
		return err
	}
	return ferry.Errorf(ferry.EUNPROCESSABLE, "%s could not be asked about this account now (%s); try again later.", platformLabel(plat), pe.Message)
}

// Peers lists the workspace's peers and its own accounts, each summed up
// over the range (as AccountMetrics; default the last 90 days).
func (s *Service) Peers(ctx context.Context, p ferry.Principal, fromS, toS string) (*PeersView, error) {
	if err := require(p, ferry.RoleViewer, "see peers"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	from, to, end, err := s.readingRange(ctx, q, p.WorkspaceID, fromS, toS)
	if err != nil {
		return nil, err
	}
	peers, err := q.Peers(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	v := &PeersView{From: from, To: to, Peers: []PeerView{}, Own: []OwnAccountView{}}
	for _, peer := range peers {
		rs, err := q.PeerReadings(ctx, peer.ID, from, end)
		if err != nil {
			return nil, err
		}
		v.Peers = append(v.Peers, PeerView{Peer: *peer, Summary: peerSummary(rs)})
	}
	accts, err := q.Accounts(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		if a.Health == ferry.HealthClosed {
			continue
		}
		snaps, err := q.AccountSnapshots(ctx, a.ID, from, end)
		if err != nil {
			return nil, err
		}
		pts := make([]countPoint, len(snaps))
		for i, sn := range snaps {
			pts[i] = countPoint{sn.At, sn.Followers, sn.Posts}
		}
		v.Own = append(v.Own, OwnAccountView{AccountID: a.ID, Platform: a.Platform, Name: a.Name, Summary: summarize(pts)})
	}
	return v, nil
}

// reportPeers is the peers section of a monthly report: each peer's
// followers at the month's last reading, their growth over the month, and
// the posts it added (when its readings count posts).
func reportPeers(ctx context.Context, q *store.Q, workspaceID string, from, to time.Time) ([]ReportPeer, error) {
	peers, err := q.Peers(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	var out []ReportPeer
	for _, peer := range peers {
		rs, err := q.PeerReadings(ctx, peer.ID, from, to)
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			continue
		}
		sum := peerSummary(rs)
		rp := ReportPeer{Name: peer.Name, Platform: peer.Platform, FollowersEnd: sum.Followers, Growth: sum.Growth}
		var first, last *int64
		for _, r := range rs {
			if r.Posts != nil {
				if first == nil {
					first = r.Posts
				}
				last = r.Posts
			}
		}
		if first != nil {
			rp.Posts = int(*last - *first)
		}
		out = append(out, rp)
	}
	return out, nil
}

// PeerMetrics returns a peer's readings over a range (default the last 90
// days).
func (s *Service) PeerMetrics(ctx context.Context, p ferry.Principal, id, fromS, toS string) (*PeerMetricsView, error) {
	if err := require(p, ferry.RoleViewer, "see peers"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	peer, err := q.Peer(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	from, to, end, err := s.readingRange(ctx, q, p.WorkspaceID, fromS, toS)
	if err != nil {
		return nil, err
	}
	rs, err := q.PeerReadings(ctx, peer.ID, from, end)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []ferry.PeerReading{}
	}
	return &PeerMetricsView{PeerView: PeerView{Peer: *peer, Summary: peerSummary(rs)}, From: from, To: to, Readings: rs}, nil
}

// RemovePeer stops following a peer and forgets its readings (editor).
func (s *Service) RemovePeer(ctx context.Context, p ferry.Principal, id string) error {
	if err := require(p, ferry.RoleEditor, "remove peers"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		peer, err := tx.Peer(ctx, p.WorkspaceID, id)
		if err != nil {
			return err
		}
		if err := tx.DeletePeer(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "peer.remove", "peer", id, map[string]any{"platform": peer.Platform, "handle": peer.Handle}))
	})
}

// RecordPeerReading enters a reading of a peer by hand (editor): the way
// Xiaohongshu peers are measured. Counts may be written like "1.2万".
func (s *Service) RecordPeerReading(ctx context.Context, p ferry.Principal, id string, in PeerReadingInput) (*PeerMetricsView, error) {
	if err := require(p, ferry.RoleEditor, "record peer readings"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	var followers, posts *int64
	for _, f := range []struct {
		name string
		in   CountInput
		dst  **int64
	}{{"followers", in.Followers, &followers}, {"posts", in.Posts, &posts}} {
		if !f.in.set {
			continue
		}
		n, known, err := metrics.ParseCount(f.in.raw)
		if err != nil {
			details[f.name] = "must be a whole number of at least 0, or a count such as \"1.2万\""
			continue
		}
		if known {
			*f.dst = &n
		}
	}
	if len(details) == 0 && followers == nil && posts == nil {
		details["followers"] = "give followers, posts or both"
	}
	now := s.DB.Now()
	at := now.UTC().Truncate(time.Millisecond)
	if in.At != nil {
		at = in.At.UTC().Truncate(time.Millisecond)
		if at.After(now.Add(maxClockSkew)) {
			details["at"] = "must not be in the future"
		}
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The reading is not valid.").WithDetails(details)
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		peer, err := tx.Peer(ctx, p.WorkspaceID, id)
		if err != nil {
			return err
		}
		if err := tx.PutPeerReading(ctx, ferry.PeerReading{PeerID: peer.ID, At: at, Followers: followers, Posts: posts, Source: metrics.PeerSourceManual}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "peer.reading_record", "peer", peer.ID, map[string]any{"at": at, "followers": followers, "posts": posts}))
	})
	if err != nil {
		return nil, err
	}
	return s.PeerMetrics(ctx, p, id, "", "")
}

// withArticle puts "a" or "an" before a platform's name.
func withArticle(name string) string {
	if strings.ContainsRune("AEIOU", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
