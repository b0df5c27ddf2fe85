package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ferry-social/ferry"
)

// CreateMedia records an uploaded image. The same bytes uploaded twice to a
// workspace are one media item: the existing one is returned.
func (q *Q) CreateMedia(ctx context.Context, m *ferry.Media) error {
	existing, err := q.mediaWhere(ctx, `workspace_id = ? AND sha256 = ?`, m.WorkspaceID, m.SHA256)
	if err == nil {
		*m = *existing
		return nil
	}
	if !ferry.IsCode(err, ferry.ENOTFOUND) {
		return err
	}
	m.ID = NewID("med", q.now())
	m.CreatedAt = q.Now()
	fx, fy := focalArgs(m.Focal)
	_, err = q.exec(ctx, `INSERT INTO media (`+mediaColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.WorkspaceID, m.SHA256, m.Mime, m.Width, m.Height, m.Bytes, fx, fy, nullString(m.ParentID), ms(m.CreatedAt), m.AltText, m.Decorative)
	if err != nil {
		return fmt.Errorf("store: create media: %w", err)
	}
	return nil
}

// Media returns a media item of a workspace.
func (q *Q) Media(ctx context.Context, workspaceID, id string) (*ferry.Media, error) {
	return q.mediaWhere(ctx, `workspace_id = ? AND id = ?`, workspaceID, id)
}

const mediaColumns = `id, workspace_id, sha256, mime, width, height, bytes, focal_x, focal_y, parent_id, created_at, alt_text, decorative`

func (q *Q) mediaWhere(ctx context.Context, where string, args ...any) (*ferry.Media, error) {
	m, err := scanMedia(q.queryRow(ctx, `SELECT `+mediaColumns+` FROM media WHERE `+where, args...))
	if err != nil {
		return nil, notFound(err, "media", fmt.Sprint(args[len(args)-1]))
	}
	return m, nil
}

func scanMedia(s scanner) (*ferry.Media, error) {
	var m ferry.Media
	var created int64
	var fx, fy sql.NullFloat64
	var parent sql.NullString
	if err := s.Scan(&m.ID, &m.WorkspaceID, &m.SHA256, &m.Mime, &m.Width, &m.Height, &m.Bytes, &fx, &fy, &parent, &created, &m.AltText, &m.Decorative); err != nil {
		return nil, err
	}
	if fx.Valid && fy.Valid {
		m.Focal = &ferry.Focal{X: fx.Float64, Y: fy.Float64}
	}
	m.ParentID = parent.String
	m.CreatedAt = fromMS(created)
	return &m, nil
}

func focalArgs(f *ferry.Focal) (any, any) {
	if f == nil {
		return nil, nil
	}
	return f.X, f.Y
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const storyColumns = `id, workspace_id, title, body, media_ids, tags, links, source_script, targets, scheduled_at, version, created_by, created_at, updated_at, deleted_at`

// CreateStory inserts a story.
func (q *Q) CreateStory(ctx context.Context, s *ferry.Story) error {
	now := q.Now()
	s.ID = NewID("sty", q.now())
	s.CreatedAt, s.UpdatedAt, s.Version = now, now, 1
	if s.SourceScript == "" {
		s.SourceScript = ferry.DefaultSourceScript
	}
	_, err := q.exec(ctx, `INSERT INTO stories (`+storyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		s.ID, s.WorkspaceID, s.Title, s.Body, toJSON(nonNil(s.MediaIDs)), toJSON(nonNil(s.Tags)), toJSON(nonNil(s.Links)), s.SourceScript,
		toJSON(nonNil(s.Targets)), msPtr(s.ScheduledAt), s.Version, s.CreatedBy, ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("store: create story: %w", err)
	}
	return q.setStoryMedia(ctx, s.ID, s.MediaIDs)
}

// UpdateStory saves a story's editable fields and bumps its version.
func (q *Q) UpdateStory(ctx context.Context, s *ferry.Story) error {
	s.UpdatedAt = q.Now()
	s.Version++
	if s.SourceScript == "" {
		s.SourceScript = ferry.DefaultSourceScript
	}
	res, err := q.exec(ctx, `UPDATE stories SET title = ?, body = ?, media_ids = ?, tags = ?, links = ?, source_script = ?, targets = ?, scheduled_at = ?, version = ?, updated_at = ?, deleted_at = ? WHERE id = ? AND workspace_id = ?`,
		s.Title, s.Body, toJSON(nonNil(s.MediaIDs)), toJSON(nonNil(s.Tags)), toJSON(nonNil(s.Links)), s.SourceScript,
		toJSON(nonNil(s.Targets)), msPtr(s.ScheduledAt), s.Version, ms(s.UpdatedAt), msPtr(s.DeletedAt), s.ID, s.WorkspaceID)
	if err != nil {
		return fmt.Errorf("store: update story: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Story %q was not found.", s.ID)
	}
	return q.setStoryMedia(ctx, s.ID, s.MediaIDs)
}

// setStoryMedia records which images a story uses (story_media), for the
// media library's "used in".
func (q *Q) setStoryMedia(ctx context.Context, storyID string, mediaIDs []string) error {
	if _, err := q.exec(ctx, `DELETE FROM story_media WHERE story_id = ?`, storyID); err != nil {
		return fmt.Errorf("store: story media: %w", err)
	}
	for _, id := range mediaIDs {
		if _, err := q.exec(ctx, `INSERT INTO story_media (story_id, media_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, storyID, id); err != nil {
			return fmt.Errorf("store: story media: %w", err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Story returns a story of a workspace; deleted stories are not found.
func (q *Q) Story(ctx context.Context, workspaceID, id string) (*ferry.Story, error) {
	if g := q.grouped(); g != nil && g.stories != nil {
		if s, ok := g.stories[workspaceID+"/"+id]; ok {
			if s == nil { // read ahead: deleted, or not this workspace's
				return nil, notFound(sql.ErrNoRows, "story", id)
			}
			cp := *s
			return &cp, nil
		}
	}
	s, err := scanStory(q.queryRow(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "story", id)
	}
	return s, nil
}

// sentStates are the publication states whose post is, or may be, on its
// platform (ferry.PublicationState.Sent): a deleted story with such a
// publication stays on record, listed and shown as deleted.
const sentStates = `('published', 'publishing', 'unknown')`

// DeletedStory returns a deleted story of a workspace that has a
// publication on (or perhaps on) its platform; any other is not found.
func (q *Q) DeletedStory(ctx context.Context, workspaceID, id string) (*ferry.Story, error) {
	s, err := scanStory(q.queryRow(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = ? AND workspace_id = ? AND deleted_at IS NOT NULL
		AND EXISTS (SELECT 1 FROM publications p WHERE p.story_id = stories.id AND p.state IN `+sentStates+`)`, id, workspaceID))
	if err != nil {
		return nil, notFound(err, "story", id)
	}
	return s, nil
}

// Stories lists stories newest first. Deleted stories are listed too when
// a publication of theirs went out (or may have): they are never silently
// gone. It returns the cursor of the next
// page, or "" at the end.
func (q *Q) Stories(ctx context.Context, f ferry.StoryFilter) ([]*ferry.Story, string, error) {
	where, args := []string{"workspace_id = ?", "(deleted_at IS NULL OR EXISTS (SELECT 1 FROM publications sp WHERE sp.story_id = stories.id AND sp.state IN " + sentStates + "))"}, []any{f.WorkspaceID}
	if f.State != "" || f.AccountID != "" {
		// One publication must match both, when both are given.
		cond := "p.story_id = stories.id"
		if f.State != "" {
			cond += " AND p.state = ?"
			args = append(args, string(f.State))
		}
		if f.AccountID != "" {
			cond += " AND p.account_id = ?"
			args = append(args, f.AccountID)
		}
		where = append(where, "EXISTS (SELECT 1 FROM publications p WHERE "+cond+")")
	}
	if f.Query != "" {
		where = append(where, "(title LIKE ? OR body LIKE ?)")
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(f.Query) + "%"
		args = append(args, like, like)
	}
	if f.Cursor != "" {
		var created int64
		if err := q.queryRow(ctx, `SELECT created_at FROM stories WHERE id = ? AND workspace_id = ?`, f.Cursor, f.WorkspaceID).Scan(&created); err != nil {
			if err == sql.ErrNoRows {
				return nil, "", ferry.Errorf(ferry.EINVALID, "The cursor %q is not valid.", f.Cursor)
			}
			return nil, "", fmt.Errorf("store: stories cursor: %w", err)
		}
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, created, created, f.Cursor)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := q.query(ctx, `SELECT `+storyColumns+` FROM stories WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: stories: %w", err)
	}
	out, next, err := scanPage(rows, limit, scanStory, func(s *ferry.Story) string { return s.ID })
	if err != nil {
		return nil, "", fmt.Errorf("store: stories: %w", err)
	}
	return out, next, nil
}

// scanPage reads a page of rows from a query that asked for one more than
// limit, and returns the page and the cursor of the next one: the id of
// the page's last row, or "" when there is no more.
func scanPage[T any](rows *sql.Rows, limit int, scan func(scanner) (T, error), id func(T) string) ([]T, string, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, id(out[limit-1]), nil
}

func scanStory(s scanner) (*ferry.Story, error) {
	var st ferry.Story
	var media, tags, links, targets string
	var sched, deleted sql.NullInt64
	var created, updated int64
	if err := s.Scan(&st.ID, &st.WorkspaceID, &st.Title, &st.Body, &media, &tags, &links, &st.SourceScript, &targets, &sched, &st.Version, &st.CreatedBy, &created, &updated, &deleted); err != nil {
		return nil, err
	}
	var err error
	if st.MediaIDs, err = fromJSON[[]string](media); err != nil {
		return nil, err
	}
	if st.Tags, err = fromJSON[[]string](tags); err != nil {
		return nil, err
	}
	if st.Links, err = fromJSON[[]string](links); err != nil {
		return nil, err
	}
	if st.Targets, err = fromJSON[[]string](targets); err != nil {
		return nil, err
	}
	st.ScheduledAt, st.DeletedAt = fromNullMS(sched), fromNullMS(deleted)
	st.CreatedAt, st.UpdatedAt = fromMS(created), fromMS(updated)
	return &st, nil
}

// StoriesByID returns a workspace's stories with the given ids, by id, in
// one query; deleted stories and unknown ids are absent.
func (q *Q) StoriesByID(ctx context.Context, workspaceID string, ids []string) (map[string]*ferry.Story, error) {
	out := make(map[string]*ferry.Story, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{workspaceID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.query(ctx, `SELECT `+storyColumns+` FROM stories WHERE workspace_id = ? AND deleted_at IS NULL AND id IN (?`+repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stories by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanStory(rows)
		if err != nil {
			return nil, fmt.Errorf("store: stories by id: %w", err)
		}
		out[s.ID] = s
	}
	return out, rows.Err()
}
