package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/store"
)

// defaultMetricsRange is how far back account metrics go when no range is
// asked for.
const defaultMetricsRange = 90 * 24 * time.Hour

// AccountMetricsView is an account's readings over a range, and how its
// counts changed.
type AccountMetricsView struct {
	AccountID string         `json:"account_id"`
	Platform  ferry.Platform `json:"platform"`
	From      time.Time      `json:"from"`
	// To is the end of the range (exclusive); null when open.
	To        *time.Time            `json:"to"`
	Snapshots []AccountSnapshotView `json:"snapshots"`
	Change    MetricsChange         `json:"change"`
}

// AccountSnapshotView is one reading of an account.
type AccountSnapshotView struct {
	At        time.Time `json:"at"`
	Followers *int64    `json:"followers"`
	Following *int64    `json:"following"`
	Posts     *int64    `json:"posts"`
}

// MetricsChange is the difference between the first and the last reading
// of each count in the range; null where fewer than two readings have it.
type MetricsChange struct {
	Followers *int64 `json:"followers"`
	Following *int64 `json:"following"`
	Posts     *int64 `json:"posts"`
	// Since and Until are the first and last readings compared.
	Since *time.Time `json:"since"`
	Until *time.Time `json:"until"`
}

// AccountMetrics returns an account's readings from from to to: RFC 3339
// times, or dates (YYYY-MM-DD) in the workspace's time zone, to inclusive.
// The default is the last 90 days.
func (s *Service) AccountMetrics(ctx context.Context, p ferry.Principal, accountID, fromS, toS string) (*AccountMetricsView, error) {
	if err := require(p, ferry.RoleViewer, "see metrics"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	a, err := q.Account(ctx, p.WorkspaceID, accountID)
	if err != nil {
		return nil, err
	}
	from, to, end, err := s.readingRange(ctx, q, p.WorkspaceID, fromS, toS)
	if err != nil {
		return nil, err
	}
	snaps, err := q.AccountSnapshots(ctx, a.ID, from, end)
	if err != nil {
		return nil, err
	}
	v := &AccountMetricsView{AccountID: a.ID, Platform: a.Platform, From: from, To: to, Snapshots: []AccountSnapshotView{}}
	for _, sn := range snaps {
		v.Snapshots = append(v.Snapshots, AccountSnapshotView{At: sn.At, Followers: sn.Followers, Following: sn.Following, Posts: sn.Posts})
	}
	v.Change = change(snaps)
	return v, nil
}

// change compares, per count, the first and the last reading that have it.
func change(snaps []ferry.AccountSnapshot) MetricsChange {
	var c MetricsChange
	for _, f := range []struct {
		get func(ferry.AccountSnapshot) *int64
		dst **int64
	}{
		{func(s ferry.AccountSnapshot) *int64 { return s.Followers }, &c.Followers},
		{func(s ferry.AccountSnapshot) *int64 { return s.Following }, &c.Following},
		{func(s ferry.AccountSnapshot) *int64 { return s.Posts }, &c.Posts},
	} {
		first, last := -1, -1
		for i, sn := range snaps {
			if f.get(sn) != nil {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 || first == last {
			continue
		}
		d := *f.get(snaps[last]) - *f.get(snaps[first])
		*f.dst = &d
		since, until := snaps[first].At, snaps[last].At
		if c.Since == nil || since.Before(*c.Since) {
			c.Since = &since
		}
		if c.Until == nil || until.After(*c.Until) {
			c.Until = &until
		}
	}
	return c
}

// readingRange is metricsRange in the workspace's time zone, now: from,
// to (nil: open) and to as a bound for the store (zero: open).
func (s *Service) readingRange(ctx context.Context, q *store.Q, workspaceID, fromS, toS string) (from time.Time, to *time.Time, end time.Time, err error) {
	loc, err := s.location(ctx, q, workspaceID)
	if err != nil {
		return from, nil, end, err
	}
	from, to, err = metricsRange(fromS, toS, s.DB.Now().Truncate(time.Second), loc)
	if to != nil {
		end = *to
	}
	return from, to, end, err
}

// metricsRange parses a range of readings: from defaults to 90 days ago,
// to to open. A date means its midnight in loc; a date given as to
// includes its whole day.
func metricsRange(fromS, toS string, now time.Time, loc *time.Location) (time.Time, *time.Time, error) {
	details := map[string]string{}
	from := now.Add(-defaultMetricsRange)
	var to *time.Time
	if fromS = strings.TrimSpace(fromS); fromS != "" {
		t, _, err := parseInstantOrDate(fromS, loc)
		if err != nil {
			details["from"] = "must be an RFC 3339 time or a date (YYYY-MM-DD)"
		}
		from = t
	}
	if toS = strings.TrimSpace(toS); toS != "" {
		t, date, err := parseInstantOrDate(toS, loc)
		if err != nil {
			details["to"] = "must be an RFC 3339 time or a date (YYYY-MM-DD)"
		}
		if date {
			t = t.AddDate(0, 0, 1)
		}
		to = &t
	}
	if len(details) == 0 && to != nil && !from.Before(*to) {
		details["to"] = "must be after from"
	}
	if len(details) > 0 {
		return time.Time{}, nil, ferry.Errorf(ferry.EINVALID, "The range of the metrics is not valid.").WithDetails(details)
	}
	return from.UTC(), to, nil
}

func parseInstantOrDate(s string, loc *time.Location) (t time.Time, date bool, err error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), false, nil
	}
	t, err = time.ParseInLocation(time.DateOnly, s, loc)
	return t, true, err
}

// PostMetricsView is a publication's readings.
type PostMetricsView struct {
	PublicationID string             `json:"publication_id"`
	AccountID     string             `json:"account_id"`
	Platform      ferry.Platform     `json:"platform"`
	PublishedAt   *time.Time         `json:"published_at"`
	Snapshots     []PostSnapshotView `json:"snapshots"`
}

// PostSnapshotView is one reading of a post. Checkpoint names the
// checkpoint after publication it stands for (1h, 6h, 24h, 3d, 7d, 30d):
// the latest one at or before the reading; null for a reading within the
// first hour.
type PostSnapshotView struct {
	At         time.Time `json:"at"`
	Checkpoint *string   `json:"checkpoint"`
	Views      *int64    `json:"views"`
	Likes      *int64    `json:"likes"`
	Comments   *int64    `json:"comments"`
	Shares     *int64    `json:"shares"`
	Saves      *int64    `json:"saves"`
}

// PublicationMetrics returns a publication's readings, oldest first.
func (s *Service) PublicationMetrics(ctx context.Context, p ferry.Principal, id string) (*PostMetricsView, error) {
	if err := require(p, ferry.RoleViewer, "see metrics"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	pub, err := q.Publication(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return postMetricsView(ctx, q, pub)
}

func postMetricsView(ctx context.Context, q *store.Q, pub *ferry.Publication) (*PostMetricsView, error) {
	snaps, err := q.PostSnapshots(ctx, ferry.PostSnapshotFilter{PublicationID: pub.ID})
	if err != nil {
		return nil, err
	}
	v := &PostMetricsView{PublicationID: pub.ID, AccountID: pub.AccountID, Platform: pub.Platform, PublishedAt: pub.PublishedAt, Snapshots: []PostSnapshotView{}}
	for _, sn := range snaps {
		sv := PostSnapshotView{At: sn.At, Views: sn.Views, Likes: sn.Likes, Comments: sn.Comments, Shares: sn.Shares, Saves: sn.Saves}
		if pub.PublishedAt != nil {
			if c := metrics.CheckpointOf(*pub.PublishedAt, sn.At); c != "" {
				sv.Checkpoint = &c
			}
		}
		v.Snapshots = append(v.Snapshots, sv)
	}
	return v, nil
}

// CountInput is a count as a person gives it: a JSON number, or a string
// as platforms display counts ("1.2万", "3.4w", "1,234", "10万+").
type CountInput struct {
	raw string
	set bool
}

// UnmarshalJSON keeps the value as given; it is checked with the other
// fields, so that a bad count is reported by name.
func (c *CountInput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*c = CountInput{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &c.raw); err != nil {
			return err
		}
	} else {
		c.raw = string(b)
	}
	c.set = true
	return nil
}

// PostMetricsInput is a reading entered by hand (platforms without an API,
// or a correction). At defaults to now.
type PostMetricsInput struct {
	Views    CountInput `json:"views"`
	Likes    CountInput `json:"likes"`
	Comments CountInput `json:"comments"`
	Shares   CountInput `json:"shares"`
	Saves    CountInput `json:"saves"`
	At       *time.Time `json:"at"`
}

// maxClockSkew is how far in the future a reading may be dated.
const maxClockSkew = 5 * time.Minute

// RecordPostMetrics stores a reading of a published publication given by a
// person, and returns the publication's readings.
func (s *Service) RecordPostMetrics(ctx context.Context, p ferry.Principal, id string, in PostMetricsInput) (*PostMetricsView, error) {
	if err := require(p, ferry.RoleEditor, "record metrics"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	var counts metrics.Counts
	for _, f := range []struct {
		name string
		in   CountInput
		dst  **int64
	}{{"views", in.Views, &counts.Views}, {"likes", in.Likes, &counts.Likes}, {"comments", in.Comments, &counts.Comments}, {"shares", in.Shares, &counts.Shares}, {"saves", in.Saves, &counts.Saves}} {
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
	if len(details) == 0 && !counts.Known() {
		details["views"] = "give at least one of views, likes, comments, shares, saves"
	}
	now := s.DB.Now()
	at := now
	if in.At != nil {
		at = in.At.UTC().Truncate(time.Millisecond)
		if at.After(now.Add(maxClockSkew)) {
			details["at"] = "must not be in the future"
		}
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The reading is not valid.").WithDetails(details)
	}
	var view *PostMetricsView
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		pub, err := tx.Publication(ctx, p.WorkspaceID, id)
		if err != nil {
			return err
		}
		if pub.State != ferry.StatePublished || pub.PublishedAt == nil {
			return ferry.Errorf(ferry.ECONFLICT, "Only a published publication has metrics; this one is %s.", pub.State)
		}
		if at.Before(*pub.PublishedAt) {
			return ferry.Errorf(ferry.EINVALID, "A reading cannot be dated before the post was published (%s).", pub.PublishedAt.Format(time.RFC3339)).
				WithDetails(map[string]string{"at": "must not be before published_at"})
		}
		snap := ferry.PostSnapshot{PublicationID: pub.ID, AccountID: pub.AccountID, At: at,
			Views: counts.Views, Likes: counts.Likes, Comments: counts.Comments, Shares: counts.Shares, Saves: counts.Saves}
		if err := tx.PutPostSnapshot(ctx, snap); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "publication.metrics_record", "publication", pub.ID, map[string]any{"at": at, "counts": counts})); err != nil {
			return err
		}
		view, err = postMetricsView(ctx, &tx.Q, pub)
		return err
	})
	if err != nil {
		return nil, err
	}
	return view, nil
}

// MetricsImport is the outcome of an import.
type MetricsImport struct {
	AccountID string    `json:"account_id"`
	At        time.Time `json:"at"`
	// Columns maps each field read to the file's heading for it.
	Columns map[string]string `json:"columns"`
	// Imported are the rows stored, one reading each.
	Imported []ImportedRow `json:"imported"`
	// Unmatched are rows read but not matched to a publication; Invalid
	// are rows that could not be read.
	Unmatched []metrics.RowProblem `json:"unmatched"`
	Invalid   []metrics.RowProblem `json:"invalid"`
}

// ImportedRow is a row stored as a reading of a publication.
type ImportedRow struct {
	Line          int            `json:"line"`
	Title         string         `json:"title,omitempty"`
	PublicationID string         `json:"publication_id"`
	Counts        metrics.Counts `json:"counts"`
}

// ImportMetrics reads an export of the Xiaohongshu creator centre (CSV or
// XLSX) and stores one reading per note it can match to a published
// publication of the account: by the note's link, or by title and publish
// time. at is when the export was taken (RFC 3339); empty means now.
func (s *Service) ImportMetrics(ctx context.Context, p ferry.Principal, accountID string, file []byte, atS string) (*MetricsImport, error) {
	if err := require(p, ferry.RoleEditor, "import metrics"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	a, err := q.Account(ctx, p.WorkspaceID, accountID)
	if err != nil {
		return nil, err
	}
	if a.Platform != ferry.Xiaohongshu {
		return nil, ferry.Errorf(ferry.EUNPROCESSABLE, "Imports read Xiaohongshu's creator-centre export; %s accounts are measured automatically (or enter a reading by hand).", a.Platform)
	}
	now := s.DB.Now()
	at := now
	if atS = strings.TrimSpace(atS); atS != "" {
		t, err := time.Parse(time.RFC3339, atS)
		switch {
		case err != nil:
			return nil, ferry.Errorf(ferry.EINVALID, "at must be an RFC 3339 time, like 2026-05-01T20:00:00+08:00.").WithDetails(map[string]string{"at": "must be an RFC 3339 time"})
		case t.After(now.Add(maxClockSkew)):
			return nil, ferry.Errorf(ferry.EINVALID, "at must not be in the future.").WithDetails(map[string]string{"at": "must not be in the future"})
		}
		at = t.UTC().Truncate(time.Millisecond)
	}
	rows, err := metrics.ReadTable(file)
	if err != nil {
		if errors.Is(err, metrics.ErrNotTable) {
			return nil, ferry.Errorf(ferry.EINVALID, "The file is neither CSV nor XLSX: export the note data from the creator centre and upload that file.").WithDetails(map[string]string{"file": "must be CSV or XLSX"})
		}
		return nil, ferry.Errorf(ferry.EINVALID, "The file could not be read: %v.", err).WithDetails(map[string]string{"file": err.Error()})
	}
	ex, err := metrics.ParseExport(rows)
	if err != nil {
		return nil, ferry.Errorf(ferry.EINVALID, "The file is not a note export: %v.", err).WithDetails(map[string]string{"file": err.Error()})
	}
	out := &MetricsImport{AccountID: a.ID, At: at, Columns: ex.Columns, Imported: []ImportedRow{}, Unmatched: []metrics.RowProblem{}, Invalid: ex.Problems}
	if out.Invalid == nil {
		out.Invalid = []metrics.RowProblem{}
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cands, err := importCandidates(ctx, tx, a)
		if err != nil {
			return err
		}
		matches, unmatched := metrics.MatchRows(ex.Rows, cands)
		if unmatched != nil {
			out.Unmatched = unmatched
		}
		for _, m := range matches {
			c := m.Row.Counts
			snap := ferry.PostSnapshot{PublicationID: m.PublicationID, AccountID: a.ID, At: at, Views: c.Views, Likes: c.Likes, Comments: c.Comments, Shares: c.Shares, Saves: c.Saves}
			if err := tx.PutPostSnapshot(ctx, snap); err != nil {
				return err
			}
			out.Imported = append(out.Imported, ImportedRow{Line: m.Row.Line, Title: m.Row.Title, PublicationID: m.PublicationID, Counts: c})
		}
		return tx.Audit(ctx, audit(p, "account.metrics_import", "account", a.ID, map[string]any{
			"at": at, "imported": len(out.Imported), "unmatched": len(out.Unmatched), "invalid": len(out.Invalid), "bytes": len(file)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// importCandidates lists the account's published publications with the
// titles they went out under.
func importCandidates(ctx context.Context, tx *store.Tx, a *ferry.Account) ([]metrics.Candidate, error) {
	pubs, err := tx.Publications(ctx, ferry.PublicationFilter{WorkspaceID: a.WorkspaceID, AccountID: a.ID, States: []ferry.PublicationState{ferry.StatePublished}})
	if err != nil {
		return nil, err
	}
	var out []metrics.Candidate
	for _, pub := range pubs {
		if pub.PublishedAt == nil {
			continue
		}
		c := metrics.Candidate{PublicationID: pub.ID, PublishedAt: *pub.PublishedAt, RemoteID: pub.RemoteID, RemoteURL: pub.RemoteURL}
		if v, err := tx.Variant(ctx, pub.StoryID, pub.AccountID); err == nil {
			c.Titles = append(c.Titles, v.Title)
		} else if !ferry.IsCode(err, ferry.ENOTFOUND) {
			return nil, err
		}
		if st, err := tx.Story(ctx, a.WorkspaceID, pub.StoryID); err == nil {
			c.Titles = append(c.Titles, st.Title)
		} else if !ferry.IsCode(err, ferry.ENOTFOUND) {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
