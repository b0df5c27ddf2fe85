package store

import (
	"context"
	"fmt"

	"github.com/ferry-social/ferry"
)

const variantColumns = `story_id, account_id, platform, title, text, hashtags, media_ids, media, script, length, problems, edited, stale, base, diff, updated_at`

// PutVariant inserts or replaces a variant.
func (q *Q) PutVariant(ctx context.Context, v ferry.Variant) error {
	_, err := q.exec(ctx, `INSERT INTO variants (`+variantColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (story_id, account_id) DO UPDATE SET platform = excluded.platform, title = excluded.title, text = excluded.text,
		hashtags = excluded.hashtags, media_ids = excluded.media_ids, media = excluded.media, script = excluded.script, length = excluded.length,
		problems = excluded.problems, edited = excluded.edited, stale = excluded.stale, base = excluded.base, diff = excluded.diff, updated_at = excluded.updated_at`,
		v.StoryID, v.AccountID, string(v.Platform), v.Title, v.Text, toJSON(nonNil(v.Hashtags)), toJSON(nonNil(v.MediaIDs)), toJSON(nonNilSlice(v.Media)),
		v.Script, toJSON(v.Length), toJSON(nonNilSlice(v.Problems)), boolInt(v.Edited), boolInt(v.Stale), toJSON(v.Base), toJSON(v.Diff), ms(q.Now()))
	if err != nil {
		return fmt.Errorf("store: put variant: %w", err)
	}
	return nil
}

// Variant returns the variant of a story for an account.
func (q *Q) Variant(ctx context.Context, storyID, accountID string) (*ferry.Variant, error) {
	if g := q.grouped(); g != nil {
		if v, ok := g.variants[[2]string{storyID, accountID}]; ok {
			cp := *v
			return &cp, nil
		}
	}
	v, err := scanVariant(q.queryRow(ctx, `SELECT `+variantColumns+` FROM variants WHERE story_id = ? AND account_id = ?`, storyID, accountID))
	if err != nil {
		return nil, notFound(err, "variant", storyID+"/"+accountID)
	}
	return v, nil
}

// Variants lists a story's variants in the order their accounts were
// connected.
func (q *Q) Variants(ctx context.Context, storyID string) ([]*ferry.Variant, error) {
	rows, err := q.query(ctx, `SELECT `+prefixed("v.", variantColumns)+` FROM variants v JOIN accounts a ON a.id = v.account_id
		WHERE v.story_id = ? ORDER BY a.created_at, a.id`, storyID)
	if err != nil {
		return nil, fmt.Errorf("store: variants: %w", err)
	}
	defer rows.Close()
	var out []*ferry.Variant
	for rows.Next() {
		v, err := scanVariant(rows)
		if err != nil {
			return nil, fmt.Errorf("store: variants: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanVariant(s scanner) (*ferry.Variant, error) {
	var v ferry.Variant
	var hashtags, mediaIDs, media, length, problems, base, diff string
	var edited, stale int
	var updated int64
	if err := s.Scan(&v.StoryID, &v.AccountID, &v.Platform, &v.Title, &v.Text, &hashtags, &mediaIDs, &media, &v.Script, &length, &problems,
		&edited, &stale, &base, &diff, &updated); err != nil {
		return nil, err
	}
	v.Edited, v.Stale, v.UpdatedAt = edited != 0, stale != 0, fromMS(updated)
	var err error
	if v.Hashtags, err = fromJSON[[]string](hashtags); err != nil {
		return nil, err
	}
	if v.MediaIDs, err = fromJSON[[]string](mediaIDs); err != nil {
		return nil, err
	}
	if v.Media, err = fromJSON[[]ferry.VariantMedia](media); err != nil {
		return nil, err
	}
	if v.Length, err = fromJSON[ferry.TextLength](length); err != nil {
		return nil, err
	}
	if v.Problems, err = fromJSON[[]ferry.Problem](problems); err != nil {
		return nil, err
	}
	if v.Base, err = fromJSON[ferry.VariantBase](base); err != nil {
		return nil, err
	}
	if v.Diff, err = fromJSON[ferry.VariantDiff](diff); err != nil {
		return nil, err
	}
	return &v, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
