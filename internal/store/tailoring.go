package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferry-social/ferry"
)

// prefixed qualifies every column of a list with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = alias + c
	}
	return strings.Join(cols, ", ")
}

// FittedMedia returns the copy of an original fitted under key (a platform
// and focal point), or ENOTFOUND when none was made yet.
func (q *Q) FittedMedia(ctx context.Context, workspaceID, parentID, key string) (*ferry.Media, error) {
	m, err := scanMedia(q.queryRow(ctx, `SELECT `+prefixed("m.", mediaColumns)+` FROM media_fits f JOIN media m ON m.id = f.media_id
		WHERE f.parent_id = ? AND f.fit_key = ? AND m.workspace_id = ?`, parentID, key, workspaceID))
	if err != nil {
		return nil, notFound(err, "fitted media", parentID+"@"+key)
	}
	return m, nil
}

// CreateFittedMedia records m as the copy of parentID fitted under key and
// returns the copy recorded. Identical bytes are one media item (as for
// uploads); if another process recorded a copy for the same key first, that
// copy is returned.
func (q *Q) CreateFittedMedia(ctx context.Context, parentID, key string, m *ferry.Media) (*ferry.Media, error) {
	m.ParentID = parentID
	if err := q.CreateMedia(ctx, m); err != nil {
		return nil, err
	}
	_, err := q.exec(ctx, `INSERT INTO media_fits (parent_id, fit_key, media_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (parent_id, fit_key) DO NOTHING`,
		parentID, key, m.ID, ms(q.Now()))
	if err != nil {
		return nil, fmt.Errorf("store: create fitted media: %w", err)
	}
	return q.FittedMedia(ctx, m.WorkspaceID, parentID, key)
}

// SetMediaFocal sets (or, with nil, clears) the focal point of an upload.
func (q *Q) SetMediaFocal(ctx context.Context, workspaceID, id string, f *ferry.Focal) error {
	fx, fy := focalArgs(f)
	res, err := q.exec(ctx, `UPDATE media SET focal_x = ?, focal_y = ? WHERE id = ? AND workspace_id = ?`, fx, fy, id, workspaceID)
	if err != nil {
		return fmt.Errorf("store: set focal: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Media %q was not found.", id)
	}
	return nil
}

// SetMediaAlt sets the alt text of an upload, or marks it decorative.
func (q *Q) SetMediaAlt(ctx context.Context, workspaceID, id, alt string, decorative bool) error {
	res, err := q.exec(ctx, `UPDATE media SET alt_text = ?, decorative = ? WHERE id = ? AND workspace_id = ?`, alt, decorative, id, workspaceID)
	if err != nil {
		return fmt.Errorf("store: set alt text: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Media %q was not found.", id)
	}
	return nil
}

// StoriesWithMedia lists the workspace's stories (not deleted) that use a
// media item, newest first.
func (q *Q) StoriesWithMedia(ctx context.Context, workspaceID, mediaID string) ([]*ferry.Story, error) {
	using, err := q.StoriesUsingMedia(ctx, workspaceID, []string{mediaID})
	if err != nil {
		return nil, err
	}
	return using[mediaID], nil
}

// Glossary returns a workspace's glossary in the order it was written.
func (q *Q) Glossary(ctx context.Context, workspaceID string) ([]ferry.GlossaryTerm, error) {
	rows, err := q.query(ctx, `SELECT term, protect, replacement, scripts FROM glossary_terms WHERE workspace_id = ? ORDER BY position`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: glossary: %w", err)
	}
	defer rows.Close()
	out := []ferry.GlossaryTerm{}
	for rows.Next() {
		var g ferry.GlossaryTerm
		var protect int
		var scripts string
		if err := rows.Scan(&g.Term, &protect, &g.Replacement, &scripts); err != nil {
			return nil, fmt.Errorf("store: glossary: %w", err)
		}
		g.Protect = protect != 0
		if g.Scripts, err = fromJSON[[]string](scripts); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ReplaceGlossary replaces a workspace's whole glossary. Run it in a
// transaction so that readers never see half of it.
func (q *Q) ReplaceGlossary(ctx context.Context, workspaceID string, terms []ferry.GlossaryTerm) error {
	if _, err := q.exec(ctx, `DELETE FROM glossary_terms WHERE workspace_id = ?`, workspaceID); err != nil {
		return fmt.Errorf("store: replace glossary: %w", err)
	}
	for i, g := range terms {
		_, err := q.exec(ctx, `INSERT INTO glossary_terms (workspace_id, position, term, protect, replacement, scripts) VALUES (?, ?, ?, ?, ?, ?)`,
			workspaceID, i, g.Term, boolInt(g.Protect), g.Replacement, toJSON(nonNil(g.Scripts)))
		if err != nil {
			return fmt.Errorf("store: replace glossary: %w", err)
		}
	}
	return nil
}

// People lists a workspace's directory by key.
func (q *Q) People(ctx context.Context, workspaceID string) ([]ferry.DirectoryPerson, error) {
	rows, err := q.query(ctx, `SELECT key, name, handles, updated_at FROM directory_people WHERE workspace_id = ? ORDER BY key`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	defer rows.Close()
	out := []ferry.DirectoryPerson{}
	for rows.Next() {
		var p ferry.DirectoryPerson
		var handles string
		var updated int64
		if err := rows.Scan(&p.Key, &p.Name, &handles, &updated); err != nil {
			return nil, fmt.Errorf("store: people: %w", err)
		}
		if p.Handles, err = fromJSON[map[ferry.Platform]string](handles); err != nil {
			return nil, err
		}
		if p.Handles == nil {
			p.Handles = map[ferry.Platform]string{}
		}
		p.UpdatedAt = fromMS(updated)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutPerson creates or replaces a directory entry.
func (q *Q) PutPerson(ctx context.Context, workspaceID string, p *ferry.DirectoryPerson) error {
	p.UpdatedAt = q.Now()
	if p.Handles == nil {
		p.Handles = map[ferry.Platform]string{}
	}
	_, err := q.exec(ctx, `INSERT INTO directory_people (workspace_id, key, name, handles, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, key) DO UPDATE SET name = excluded.name, handles = excluded.handles, updated_at = excluded.updated_at`,
		workspaceID, p.Key, p.Name, toJSON(p.Handles), ms(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put person: %w", err)
	}
	return nil
}

// DeletePerson removes a directory entry.
func (q *Q) DeletePerson(ctx context.Context, workspaceID, key string) error {
	res, err := q.exec(ctx, `DELETE FROM directory_people WHERE workspace_id = ? AND key = ?`, workspaceID, key)
	if err != nil {
		return fmt.Errorf("store: delete person: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.ENOTFOUND, "Nobody with key %q is in the people directory.", key)
	}
	return nil
}

// Templates returns a workspace's own templates by platform.
func (q *Q) Templates(ctx context.Context, workspaceID string) (map[ferry.Platform]ferry.Template, error) {
	rows, err := q.query(ctx, `SELECT platform, source, updated_at FROM templates WHERE workspace_id = ?`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: templates: %w", err)
	}
	defer rows.Close()
	out := map[ferry.Platform]ferry.Template{}
	for rows.Next() {
		var t ferry.Template
		var updated int64
		if err := rows.Scan(&t.Platform, &t.Source, &updated); err != nil {
			return nil, fmt.Errorf("store: templates: %w", err)
		}
		t.UpdatedAt = fromMS(updated)
		out[t.Platform] = t
	}
	return out, rows.Err()
}

// PutTemplate sets a workspace's template for a platform.
func (q *Q) PutTemplate(ctx context.Context, workspaceID string, t *ferry.Template) error {
	t.UpdatedAt = q.Now()
	_, err := q.exec(ctx, `INSERT INTO templates (workspace_id, platform, source, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, platform) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
		workspaceID, string(t.Platform), t.Source, ms(t.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put template: %w", err)
	}
	return nil
}

// DeleteTemplate returns a platform to the default template; it reports
// whether the workspace had its own.
func (q *Q) DeleteTemplate(ctx context.Context, workspaceID string, p ferry.Platform) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM templates WHERE workspace_id = ? AND platform = ?`, workspaceID, string(p))
	if err != nil {
		return false, fmt.Errorf("store: delete template: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
