package metrics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// PeerSourcePlatform and PeerSourceManual tell a reading read from the
// platform's API from one a person entered.
const (
	PeerSourcePlatform = "platform"
	PeerSourceManual   = "manual"
)

// ErrNoReader means no connected account of the workspace can read peers
// of the platform.
var ErrNoReader = errors.New("metrics: no connected account reads this platform's peers")

// LookupPeer reads a public account on platform p with one of the
// workspace's connected accounts of that platform. Errors are the
// connector's (*platform.Error, ErrNoSuchPeer for an unknown handle) or
// ErrNoReader.
func LookupPeer(ctx context.Context, q *store.Q, conns *platform.Registry, workspaceID string, p ferry.Platform, handle string) (platform.PeerInfo, error) {
	c, ok := conns.Get(p)
	if !ok {
		return platform.PeerInfo{}, ErrNoReader
	}
	r, ok := c.(platform.PeerReader)
	if !ok {
		return platform.PeerInfo{}, ErrNoReader
	}
	accts, err := q.Accounts(ctx, workspaceID)
	if err != nil {
		return platform.PeerInfo{}, err
	}
	var lastErr error = ErrNoReader
	for _, a := range accts {
		if a.Platform != p || a.Health != ferry.HealthConnected {
			continue
		}
		info, err := r.Peer(ctx, platformAccount(a), handle)
		if err == nil || errors.Is(err, platform.ErrNoSuchPeer) {
			return info, err
		}
		// An account whose authorisation fails may have a sibling that
		// works; anything else is the platform's answer.
		lastErr = err
		if platform.Classify(err).Class != platform.Reauth {
			return info, err
		}
	}
	return platform.PeerInfo{}, lastErr
}

// PeerKey is what the daily reading asks the platform for: the stable id
// where the platform looks accounts up by id (Weibo, Facebook), the
// username where it only looks them up by name (Instagram's
// business_discovery, a Telegram @channel).
func PeerKey(p *ferry.Peer) string {
	switch p.Platform {
	case ferry.Weibo, ferry.Facebook:
		if p.RemoteID != "" {
			return p.RemoteID
		}
	}
	return p.Handle
}

// PeerDue is a peer to read today.
type PeerDue struct {
	PeerID string
	// Day is today in the workspace's time zone (YYYY-MM-DD).
	Day string
}

// PeersDue lists the peers of platforms with a reader that have no reading
// yet today in their workspace's time zone, with today's date.
func (c *Collector) PeersDue(ctx context.Context) ([]PeerDue, error) {
	list, err := c.DB.Read().PeersDue(ctx)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	var out []PeerDue
	for _, d := range list {
		if conn, ok := c.Connectors.Get(d.Platform); !ok {
			continue
		} else if _, ok := conn.(platform.PeerReader); !ok {
			continue
		}
		start := dayStart(now, location(d.TimeZone))
		if d.LastAt != nil && !d.LastAt.Before(start) {
			continue
		}
		out = append(out, PeerDue{PeerID: d.PeerID, Day: start.Format(time.DateOnly)})
	}
	return out, nil
}

// CollectPeer reads a peer's counts and stores them, unless it already has
// a reading today. It reports whether it stored one. A peer that no
// longer exists on its platform, or a workspace without a connected
// account to read it with, is logged and skipped (tomorrow is another
// try); passing failures are returned to be retried.
func (c *Collector) CollectPeer(ctx context.Context, peerID string) (bool, error) {
	q := c.DB.Read()
	p, err := q.PeerByID(ctx, peerID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ws, err := q.Workspace(ctx, p.WorkspaceID)
	if err != nil {
		return false, err
	}
	start := dayStart(c.Now(), location(ws.TimeZone))
	done, err := q.PeerReadings(ctx, p.ID, start, time.Time{})
	if err != nil {
		return false, err
	}
	if len(done) > 0 {
		return false, nil
	}
	callCtx, cancel := context.WithTimeout(ctx, c.CallTimeout)
	info, err := LookupPeer(callCtx, q, c.Connectors, p.WorkspaceID, p.Platform, PeerKey(p))
	cancel()
	if err != nil {
		pe := platform.Classify(err)
		if errors.Is(err, ErrNoReader) || errors.Is(err, platform.ErrNoSuchPeer) || pe.Class == platform.Permanent || pe.Class == platform.Reauth {
			c.Log.Warn("peer not read", "peer", p.ID, "platform", p.Platform, "handle", p.Handle, "err", err)
			return false, nil
		}
		return false, fmt.Errorf("metrics: read peer %s: %w", p.ID, err)
	}
	r := ferry.PeerReading{PeerID: p.ID, At: c.Now().UTC().Truncate(time.Millisecond), Followers: info.Followers, Posts: info.Posts, Source: PeerSourcePlatform}
	if err := c.DB.Write().PutPeerReading(ctx, r); err != nil {
		return false, err
	}
	return true, nil
}
