package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// DashboardPublications lists what the dashboard shows of a workspace, of
// stories not deleted: publications needing a person or held back (any
// age), failed or missed ones changed since recent, and scheduled ones due
// by ahead. With them come their stories, by id, with only the title and
// the start of the body (61 characters), to name them.
func (q *Q) DashboardPublications(ctx context.Context, workspaceID string, recent, ahead time.Time) ([]*ferry.Publication, map[string]*ferry.Story, error) {
	// The states again as a whole: an index range per state of
	// (workspace_id, state), where the OR alone would scan the workspace.
	rows, err := q.query(ctx, `SELECT `+prefixed("p.", publicationColumns)+`, s.title, SUBSTR(s.body, 1, 61)
		FROM publications p JOIN stories s ON s.id = p.story_id
		WHERE p.workspace_id = ? AND p.state IN (?, ?, ?, ?, ?, ?, ?, ?) AND s.deleted_at IS NULL AND (
			p.state IN (?, ?, ?, ?, ?)
			OR (p.state IN (?, ?) AND p.updated_at >= ?)
			OR (p.state = ? AND p.scheduled_at <= ?))
		ORDER BY p.created_at, p.id`,
		workspaceID, ferry.StateUnknown, ferry.StateHandoff, ferry.StateWaiting, ferry.StateNeedsReauth, ferry.StateAwaitingApproval, ferry.StateFailed, ferry.StateMissed, ferry.StateScheduled,
		ferry.StateUnknown, ferry.StateHandoff, ferry.StateWaiting, ferry.StateNeedsReauth, ferry.StateAwaitingApproval,
		ferry.StateFailed, ferry.StateMissed, ms(recent), ferry.StateScheduled, ms(ahead))
	if err != nil {
		return nil, nil, fmt.Errorf("store: dashboard publications: %w", err)
	}
	defer rows.Close()
	var pubs []*ferry.Publication
	stories := map[string]*ferry.Story{}
	for rows.Next() {
		var title, body string
		p, err := scanPublication(suffixScanner{rows, []any{&title, &body}})
		if err != nil {
			return nil, nil, fmt.Errorf("store: dashboard publications: %w", err)
		}
		pubs = append(pubs, p)
		stories[p.StoryID] = &ferry.Story{ID: p.StoryID, WorkspaceID: workspaceID, Title: title, Body: strings.Clone(body)}
	}
	return pubs, stories, rows.Err()
}

// suffixScanner scans what its caller asks, then the trailing columns
// into rest.
type suffixScanner struct {
	s    scanner
	rest []any
}

func (p suffixScanner) Scan(dest ...any) error { return p.s.Scan(append(dest, p.rest...)...) }
