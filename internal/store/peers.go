package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-social/ferry"
)

const peerColumns = `id, workspace_id, platform, handle, remote_id, name, created_by, created_at`

// CreatePeer adds a peer; the same account twice in a workspace is a
// conflict.
func (q *Q) CreatePeer(ctx context.Context, p *ferry.Peer) error {
	if p.ID == "" {
		p.ID = NewID("peer", q.Now())
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = q.Now().UTC().Truncate(time.Millisecond)
	}
	_, err := q.exec(ctx, `INSERT INTO peers (`+peerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.WorkspaceID, string(p.Platform), p.Handle, p.RemoteID, p.Name, p.CreatedBy, ms(p.CreatedAt))
	if isUniqueViolation(err) {
		return ferry.Errorf(ferry.ECONFLICT, "This workspace already follows %s on %s.", p.Handle, p.Platform).
			WithDetails(map[string]string{"handle": "is already a peer"})
	}
	if err != nil {
		return fmt.Errorf("store: create peer: %w", err)
	}
	return nil
}

func scanPeer(row interface{ Scan(...any) error }) (*ferry.Peer, error) {
	var p ferry.Peer
	var created int64
	if err := row.Scan(&p.ID, &p.WorkspaceID, &p.Platform, &p.Handle, &p.RemoteID, &p.Name, &p.CreatedBy, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

// Peer returns a workspace's peer.
func (q *Q) Peer(ctx context.Context, workspaceID, id string) (*ferry.Peer, error) {
	p, err := scanPeer(q.queryRow(ctx, `SELECT `+peerColumns+` FROM peers WHERE workspace_id = ? AND id = ?`, workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Peer %q was not found.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: peer: %w", err)
	}
	return p, nil
}

// PeerByID returns a peer of any workspace (the daily job).
func (q *Q) PeerByID(ctx context.Context, id string) (*ferry.Peer, error) {
	p, err := scanPeer(q.queryRow(ctx, `SELECT `+peerColumns+` FROM peers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Peer %q was not found.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: peer: %w", err)
	}
	return p, nil
}

// Peers lists a workspace's peers by platform, then handle.
func (q *Q) Peers(ctx context.Context, workspaceID string) ([]*ferry.Peer, error) {
	rows, err := q.query(ctx, `SELECT `+peerColumns+` FROM peers WHERE workspace_id = ? ORDER BY platform, handle, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: peers: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Peer
	for rows.Next() {
		p, err := scanPeer(rows)
		if err != nil {
			return nil, fmt.Errorf("store: peers: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePeer removes a peer and its readings.
func (q *Q) DeletePeer(ctx context.Context, workspaceID, id string) error {
	if _, err := q.exec(ctx, `DELETE FROM peer_readings WHERE peer_id IN (SELECT id FROM peers WHERE workspace_id = ? AND id = ?)`, workspaceID, id); err != nil {
		return fmt.Errorf("store: delete peer readings: %w", err)
	}
	res, err := q.exec(ctx, `DELETE FROM peers WHERE workspace_id = ? AND id = ?`, workspaceID, id)
	if err != nil {
		return fmt.Errorf("store: delete peer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Peer %q was not found.", id)
	}
	return nil
}

// PutPeerReading records a reading; a second reading at the same instant
// replaces the first.
func (q *Q) PutPeerReading(ctx context.Context, r ferry.PeerReading) error {
	_, err := q.exec(ctx, `INSERT INTO peer_readings (peer_id, at, followers, posts, source) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (peer_id, at) DO UPDATE SET followers = excluded.followers, posts = excluded.posts, source = excluded.source`,
		r.PeerID, ms(r.At), nullCount(r.Followers), nullCount(r.Posts), r.Source)
	if err != nil {
		return fmt.Errorf("store: put peer reading: %w", err)
	}
	return nil
}

// PeerReadings lists a peer's readings in [from, to), oldest first; a zero
// bound leaves that side open.
func (q *Q) PeerReadings(ctx context.Context, peerID string, from, to time.Time) ([]ferry.PeerReading, error) {
	where, args := atRange("peer_id = ?", []any{peerID}, from, to)
	rows, err := q.query(ctx, `SELECT peer_id, at, followers, posts, source FROM peer_readings WHERE `+where+` ORDER BY at`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: peer readings: %w", err)
	}
	defer rows.Close()
	var out []ferry.PeerReading
	for rows.Next() {
		var r ferry.PeerReading
		var at int64
		var followers, posts sql.NullInt64
		if err := rows.Scan(&r.PeerID, &at, &followers, &posts, &r.Source); err != nil {
			return nil, fmt.Errorf("store: peer readings: %w", err)
		}
		r.At, r.Followers, r.Posts = fromMS(at), countOf(followers), countOf(posts)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PeersDue lists every peer of every workspace with the time of its latest
// reading and its workspace's time zone (the daily job).
func (q *Q) PeersDue(ctx context.Context) ([]ferry.PeerDue, error) {
	rows, err := q.query(ctx, `SELECT p.id, p.platform, w.time_zone, MAX(r.at)
		FROM peers p JOIN workspaces w ON w.id = p.workspace_id LEFT JOIN peer_readings r ON r.peer_id = p.id
		GROUP BY p.id, p.platform, w.time_zone ORDER BY p.id`)
	if err != nil {
		return nil, fmt.Errorf("store: peers due: %w", err)
	}
	defer rows.Close()
	var out []ferry.PeerDue
	for rows.Next() {
		var d ferry.PeerDue
		var last sql.NullInt64
		if err := rows.Scan(&d.PeerID, &d.Platform, &d.TimeZone, &last); err != nil {
			return nil, fmt.Errorf("store: peers due: %w", err)
		}
		d.LastAt = fromNullMS(last)
		out = append(out, d)
	}
	return out, rows.Err()
}
