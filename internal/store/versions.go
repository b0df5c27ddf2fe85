package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ferry-social/ferry"
)

const versionColumns = `id, story_id, account_id, n, title, text, tags, links, media_ids, edited, author, at`

// RecordVersion keeps v as the next version of its story's (or variant's)
// history, numbered after the last one, unless it says the same as the
// last one; it reports whether it kept it. v.N, v.ID and v.At are set.
// Callers run it in the transaction that saves the content: the story's
// row is locked there, so two saves cannot take the same number.
func (q *Q) RecordVersion(ctx context.Context, workspaceID string, v *ferry.ContentVersion) (bool, error) {
	last, err := scanVersion(q.queryRow(ctx, `SELECT `+versionColumns+` FROM content_versions WHERE story_id = ? AND account_id = ? ORDER BY n DESC LIMIT 1`, v.StoryID, v.AccountID))
	switch {
	case err == sql.ErrNoRows:
		last = &ferry.ContentVersion{}
	case err != nil:
		return false, fmt.Errorf("store: last version: %w", err)
	case last.SameContent(*v):
		return false, nil
	}
	v.N, v.At = last.N+1, q.Now()
	v.Tags, v.Links, v.MediaIDs = nonNil(v.Tags), nonNil(v.Links), nonNil(v.MediaIDs)
	err = q.queryRow(ctx, `INSERT INTO content_versions (workspace_id, story_id, account_id, n, title, text, tags, links, media_ids, edited, author, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		workspaceID, v.StoryID, v.AccountID, v.N, v.Title, v.Text, toJSON(v.Tags), toJSON(v.Links), toJSON(v.MediaIDs), boolInt(v.Edited), v.Author, ms(v.At)).Scan(&v.ID)
	if err != nil {
		return false, fmt.Errorf("store: record version: %w", err)
	}
	return true, nil
}

// Versions lists a story's versions and its variants', the story's first
// (account ""), each history oldest first.
func (q *Q) Versions(ctx context.Context, workspaceID, storyID string) ([]*ferry.ContentVersion, error) {
	rows, err := q.query(ctx, `SELECT `+versionColumns+` FROM content_versions WHERE workspace_id = ? AND story_id = ? ORDER BY account_id, n`, workspaceID, storyID)
	if err != nil {
		return nil, fmt.Errorf("store: versions: %w", err)
	}
	defer rows.Close()
	var out []*ferry.ContentVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: versions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanVersion(s scanner) (*ferry.ContentVersion, error) {
	var v ferry.ContentVersion
	var tags, links, media string
	var edited int
	var at int64
	if err := s.Scan(&v.ID, &v.StoryID, &v.AccountID, &v.N, &v.Title, &v.Text, &tags, &links, &media, &edited, &v.Author, &at); err != nil {
		return nil, err
	}
	var err error
	if v.Tags, err = fromJSON[[]string](tags); err != nil {
		return nil, err
	}
	if v.Links, err = fromJSON[[]string](links); err != nil {
		return nil, err
	}
	if v.MediaIDs, err = fromJSON[[]string](media); err != nil {
		return nil, err
	}
	v.Edited, v.At = edited != 0, fromMS(at)
	return &v, nil
}
