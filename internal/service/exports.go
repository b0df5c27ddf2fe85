package service

import (
	"context"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
	"github.com/ferry-social/ferry/internal/store"
)

// ExportQuery asks for an export: a range (RFC 3339 times or dates in the
// workspace's time zone, to inclusive; default the last 90 days up to
// now) and optionally one account.
type ExportQuery struct {
	From, To, AccountID string
}

// Export is an export checked and ready to write: WriteTo streams its rows.
type Export struct {
	Name    string
	WriteTo func(ctx context.Context, t export.Table) error
	// Location is the workspace's time zone, in which times are written.
	Location *time.Location
}

// exportRange checks an export's query: the range, the account.
func (s *Service) exportRange(ctx context.Context, p ferry.Principal, eq ExportQuery) (time.Time, time.Time, *time.Location, error) {
	if err := require(p, ferry.RoleViewer, "export metrics"); err != nil {
		return time.Time{}, time.Time{}, nil, err
	}
	q := s.DB.Read()
	if eq.AccountID != "" {
		if _, err := q.Account(ctx, p.WorkspaceID, eq.AccountID); err != nil {
			return time.Time{}, time.Time{}, nil, err
		}
	}
	loc, err := s.location(ctx, q, p.WorkspaceID)
	if err != nil {
		return time.Time{}, time.Time{}, nil, err
	}
	now := s.DB.Now().Truncate(time.Second)
	from, to, err := metricsRange(eq.From, eq.To, now, loc)
	if err != nil {
		return time.Time{}, time.Time{}, nil, err
	}
	end := now.Add(time.Second)
	if to != nil {
		end = *to
	}
	return from, end, loc, nil
}

// PublicationsHeader is the header row of the publications export.
var PublicationsHeader = []any{"publication_id", "story_id", "story_title", "account_id", "account", "platform", "state",
	"scheduled_at", "published_at", "link", "text", "read_at", "views", "likes", "comments", "shares", "saves"}

// ExportPublications checks the query and returns an export of one row
// per publication published (or scheduled) in the range, with its latest
// counts and its link.
func (s *Service) ExportPublications(ctx context.Context, p ferry.Principal, eq ExportQuery) (*Export, error) {
	from, to, loc, err := s.exportRange(ctx, p, eq)
	if err != nil {
		return nil, err
	}
	return &Export{Name: "publications", Location: loc, WriteTo: func(ctx context.Context, t export.Table) error {
		if err := t.Row(PublicationsHeader...); err != nil {
			return err
		}
		return s.DB.Read().EachPublication(ctx, p.WorkspaceID, eq.AccountID, from, to, func(r *store.PublicationRow) error {
			return t.Row(r.ID, r.StoryID, r.StoryTitle, r.AccountID, r.AccountName, string(r.Platform), string(r.State),
				r.ScheduledAt, r.PublishedAt, r.RemoteURL, r.Text, r.ReadAt, r.Views, r.Likes, r.Comments, r.Shares, r.Saves)
		})
	}}, nil
}

// AccountMetricsHeader is the header row of the account-metrics export.
var AccountMetricsHeader = []any{"account_id", "account", "platform", "at", "followers", "following", "posts"}

// ExportAccountMetrics checks the query and returns an export of every
// account reading in the range.
func (s *Service) ExportAccountMetrics(ctx context.Context, p ferry.Principal, eq ExportQuery) (*Export, error) {
	from, to, loc, err := s.exportRange(ctx, p, eq)
	if err != nil {
		return nil, err
	}
	return &Export{Name: "account-metrics", Location: loc, WriteTo: func(ctx context.Context, t export.Table) error {
		if err := t.Row(AccountMetricsHeader...); err != nil {
			return err
		}
		return s.DB.Read().EachAccountSnapshot(ctx, p.WorkspaceID, eq.AccountID, from, to, func(r *store.AccountSnapshotRow) error {
			return t.Row(r.AccountID, r.AccountName, string(r.Platform), r.At, r.Followers, r.Following, r.Posts)
		})
	}}, nil
}
