package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/store"
)

// recordStoryVersion keeps the story's content as a new version when it
// changed (a reschedule alone makes none).
func recordStoryVersion(ctx context.Context, tx *store.Tx, p ferry.Principal, st *ferry.Story) error {
	_, err := tx.RecordVersion(ctx, p.WorkspaceID, &ferry.ContentVersion{StoryID: st.ID, Title: st.Title, Text: st.Body,
		Tags: st.Tags, Links: st.Links, MediaIDs: st.MediaIDs, Author: p.Actor()})
	return err
}

// recordVariantVersion keeps a variant's content as a new version when it
// changed: an edit by a person, or the story's new words carried into it.
func recordVariantVersion(ctx context.Context, tx *store.Tx, p ferry.Principal, v *ferry.Variant) error {
	_, err := tx.RecordVersion(ctx, p.WorkspaceID, &ferry.ContentVersion{StoryID: v.StoryID, AccountID: v.AccountID, Title: v.Title, Text: v.Text,
		Tags: v.Hashtags, MediaIDs: v.MediaIDs, Edited: v.Edited, Author: p.Actor()})
	return err
}

// VersionHistory is one history: the story's (Account nil) or one
// variant's, oldest version first.
type VersionHistory struct {
	Account  *ferry.Account          `json:"account,omitempty"`
	Versions []*ferry.ContentVersion `json:"versions"`
}

// Versions returns the story's history, then each variant's in the order
// of the story's accounts. Anyone in the workspace may read them.
func (s *Service) Versions(ctx context.Context, p ferry.Principal, storyID string) ([]VersionHistory, error) {
	// The same rule as reading the story: a deleted story whose posts
	// went out stays readable, with its history.
	if _, err := s.Story(ctx, p, storyID); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	all, err := q.Versions(ctx, p.WorkspaceID, storyID)
	if err != nil {
		return nil, err
	}
	byAccount := map[string][]*ferry.ContentVersion{}
	var order []string
	for _, v := range all {
		if _, ok := byAccount[v.AccountID]; !ok {
			order = append(order, v.AccountID)
		}
		byAccount[v.AccountID] = append(byAccount[v.AccountID], v)
	}
	out := []VersionHistory{}
	for _, id := range order {
		h := VersionHistory{Versions: byAccount[id]}
		if id != "" {
			a, err := q.Account(ctx, p.WorkspaceID, id)
			if err != nil {
				return nil, err
			}
			h.Account = a
		}
		if id == "" {
			out = append([]VersionHistory{h}, out...)
		} else {
			out = append(out, h)
		}
	}
	return out, nil
}

// VersionDiff is the difference between two versions of one history.
type VersionDiff struct {
	From  *ferry.ContentVersion `json:"from"`
	To    *ferry.ContentVersion `json:"to"`
	Title []ferry.TextEdit      `json:"title"`
	Text  []ferry.TextEdit      `json:"text"`
	// Tags and MediaIDs say what was added and removed.
	TagsAdded    []string `json:"tags_added,omitempty"`
	TagsRemoved  []string `json:"tags_removed,omitempty"`
	MediaAdded   []string `json:"media_added,omitempty"`
	MediaRemoved []string `json:"media_removed,omitempty"`
}

// DiffVersions compares versions from and to ("" for the one before to,
// and for the newest) of the story's history for accountID ("" for the
// story itself): character by character in Chinese, word by word in
// Latin text.
func (s *Service) DiffVersions(ctx context.Context, p ferry.Principal, storyID, accountID, from, to string) (*VersionDiff, error) {
	hs, err := s.Versions(ctx, p, storyID)
	if err != nil {
		return nil, err
	}
	var versions []*ferry.ContentVersion
	for _, h := range hs {
		if (h.Account == nil && accountID == "") || (h.Account != nil && h.Account.ID == accountID) {
			versions = h.Versions
		}
	}
	if len(versions) == 0 {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "The story has no versions for account %q.", accountID)
	}
	pick := func(field, n string, dflt int) (*ferry.ContentVersion, error) {
		want := dflt
		if n = strings.TrimSpace(n); n != "" {
			var err error
			if want, err = strconv.Atoi(n); err != nil {
				return nil, ferry.Errorf(ferry.EINVALID, "The version %q is not a number.", n).WithDetails(map[string]string{field: "must be a version number"})
			}
		}
		for _, v := range versions {
			if v.N == want {
				return v, nil
			}
		}
		return nil, ferry.Errorf(ferry.EINVALID, "There is no version %d; the versions are 1 to %d.", want, len(versions)).
			WithDetails(map[string]string{field: "must be a version number from 1 to " + strconv.Itoa(len(versions))})
	}
	toV, err := pick("to", to, versions[len(versions)-1].N)
	if err != nil {
		return nil, err
	}
	fromV, err := pick("from", from, max(toV.N-1, 1))
	if err != nil {
		return nil, err
	}
	d := &VersionDiff{From: fromV, To: toV, Title: edits(fromV.Title, toV.Title), Text: edits(fromV.Text, toV.Text)}
	d.TagsAdded, d.TagsRemoved = setDiff(fromV.Tags, toV.Tags)
	d.MediaAdded, d.MediaRemoved = setDiff(fromV.MediaIDs, toV.MediaIDs)
	return d, nil
}

// edits is adapt.Diff, with one equal run for equal non-empty texts, so
// that a page can show the text either way.
func edits(a, b string) []ferry.TextEdit {
	if a == b {
		if a == "" {
			return []ferry.TextEdit{}
		}
		return []ferry.TextEdit{{Op: "equal", Text: a}}
	}
	return adapt.Diff(a, b)
}

func setDiff(old, new []string) (added, removed []string) {
	for _, x := range new {
		if !slices.Contains(old, x) {
			added = append(added, x)
		}
	}
	for _, x := range old {
		if !slices.Contains(new, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}
