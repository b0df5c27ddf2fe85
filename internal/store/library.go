package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/ferry-social/ferry"
)

// MediaLibrary lists a workspace's uploads (not the copies fitted to
// platforms), newest first, with their tags. It returns the cursor of the
// next page, or "" at the end.
func (q *Q) MediaLibrary(ctx context.Context, f ferry.MediaFilter) ([]*ferry.Media, string, error) {
	where, args := []string{"m.workspace_id = ?", "m.parent_id IS NULL"}, []any{f.WorkspaceID}
	if f.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM media_tags t WHERE t.media_id = m.id AND t.tag = ?)")
		args = append(args, f.Tag)
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(f.Query)) + "%"
		where = append(where, "(LOWER(m.alt_text) LIKE ? OR EXISTS (SELECT 1 FROM media_tags t WHERE t.media_id = m.id AND LOWER(t.tag) LIKE ?))")
		args = append(args, like, like)
	}
	if f.Cursor != "" {
		var created int64
		if err := q.queryRow(ctx, `SELECT created_at FROM media WHERE id = ? AND workspace_id = ?`, f.Cursor, f.WorkspaceID).Scan(&created); err != nil {
			if err == sql.ErrNoRows {
				return nil, "", ferry.Errorf(ferry.EINVALID, "The cursor %q is not valid.", f.Cursor)
			}
			return nil, "", fmt.Errorf("store: media cursor: %w", err)
		}
		where = append(where, "(m.created_at < ? OR (m.created_at = ? AND m.id < ?))")
		args = append(args, created, created, f.Cursor)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := q.query(ctx, `SELECT `+prefixed("m.", mediaColumns)+` FROM media m WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY m.created_at DESC, m.id DESC LIMIT %d`, limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: media library: %w", err)
	}
	out, next, err := scanPage(rows, limit, scanMedia, func(m *ferry.Media) string { return m.ID })
	if err != nil {
		return nil, "", fmt.Errorf("store: media library: %w", err)
	}
	if err := q.withTags(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// withTags fills the tags of media items, in one query.
func (q *Q) withTags(ctx context.Context, items []*ferry.Media) error {
	if len(items) == 0 {
		return nil
	}
	byID := map[string]*ferry.Media{}
	args := make([]any, 0, len(items))
	for _, m := range items {
		byID[m.ID] = m
		m.Tags = []string{}
		args = append(args, m.ID)
	}
	rows, err := q.query(ctx, `SELECT media_id, tag FROM media_tags WHERE media_id IN (?`+strings.Repeat(", ?", len(items)-1)+`) ORDER BY media_id, tag`, args...)
	if err != nil {
		return fmt.Errorf("store: media tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return fmt.Errorf("store: media tags: %w", err)
		}
		byID[id].Tags = append(byID[id].Tags, tag)
	}
	return rows.Err()
}

// MediaTags lists the tags a workspace's images carry, in order.
func (q *Q) MediaTags(ctx context.Context, workspaceID string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT t.tag FROM media_tags t JOIN media m ON m.id = t.media_id WHERE m.workspace_id = ? ORDER BY t.tag`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: media tags: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return nil, fmt.Errorf("store: media tags: %w", err)
		}
		out = append(out, tag)
	}
	return out, rows.Err()
}

// SetMediaTags replaces an upload's tags.
func (q *Q) SetMediaTags(ctx context.Context, id string, tags []string) error {
	if _, err := q.exec(ctx, `DELETE FROM media_tags WHERE media_id = ?`, id); err != nil {
		return fmt.Errorf("store: set media tags: %w", err)
	}
	for _, t := range tags {
		if _, err := q.exec(ctx, `INSERT INTO media_tags (media_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, t); err != nil {
			return fmt.Errorf("store: set media tags: %w", err)
		}
	}
	return nil
}

// StoriesUsingMedia lists, for each of some media items, the workspace's
// stories (not deleted) that use it, newest first. Two indexed lookups
// (story_media by image, then stories by id) rather than a join, whose
// order PostgreSQL may get wrong before it has statistics.
func (q *Q) StoriesUsingMedia(ctx context.Context, workspaceID string, mediaIDs []string) (map[string][]*ferry.Story, error) {
	out := map[string][]*ferry.Story{}
	if len(mediaIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(mediaIDs))
	for i, id := range mediaIDs {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT media_id, story_id FROM story_media WHERE media_id IN (?`+strings.Repeat(", ?", len(mediaIDs)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stories using media: %w", err)
	}
	uses := map[string][]string{} // story → images
	var storyArgs []any
	for rows.Next() {
		var mediaID, storyID string
		if err := rows.Scan(&mediaID, &storyID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: stories using media: %w", err)
		}
		if _, seen := uses[storyID]; !seen {
			storyArgs = append(storyArgs, storyID)
		}
		uses[storyID] = append(uses[storyID], mediaID)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(storyArgs) == 0 {
		return out, err
	}
	rows, err = q.query(ctx, `SELECT `+storyColumns+` FROM stories WHERE id IN (?`+strings.Repeat(", ?", len(storyArgs)-1)+`) AND workspace_id = ? AND deleted_at IS NULL`,
		append(storyArgs, workspaceID)...)
	if err != nil {
		return nil, fmt.Errorf("store: stories using media: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanStory(rows)
		if err != nil {
			return nil, fmt.Errorf("store: stories using media: %w", err)
		}
		for _, mediaID := range uses[s.ID] {
			out[mediaID] = append(out[mediaID], s)
		}
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b *ferry.Story) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
	}
	return out, rows.Err()
}
