package service

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// Limits of an image's description.
const (
	maxAltText   = 1000
	maxMediaTags = 20
	maxMediaTag  = 40
)

// MediaItem is an upload in the library, with the stories that use it.
type MediaItem struct {
	*ferry.Media
	UsedBy []StoryRef `json:"used_by"`
}

// StoryRef names a story.
type StoryRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// MediaLibraryPage is one page of the media library.
type MediaLibraryPage struct {
	Items []*MediaItem `json:"items"`
	// Next is the cursor of the next page, or "".
	Next string `json:"next"`
	// Tags are every tag the workspace's images carry, for the filter.
	Tags []string `json:"tags"`
}

// MediaLibrary lists the workspace's uploads newest first, each with its
// alt text, tags, focal point and the stories using it.
func (s *Service) MediaLibrary(ctx context.Context, p ferry.Principal, f ferry.MediaFilter) (*MediaLibraryPage, error) {
	if err := require(p, ferry.RoleViewer, "see media"); err != nil {
		return nil, err
	}
	f.WorkspaceID = p.WorkspaceID
	q := s.DB.Read()
	list, next, err := q.MediaLibrary(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	using, err := q.StoriesUsingMedia(ctx, p.WorkspaceID, ids)
	if err != nil {
		return nil, err
	}
	tags, err := q.MediaTags(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	page := &MediaLibraryPage{Items: make([]*MediaItem, len(list)), Next: next, Tags: tags}
	for i, m := range list {
		item := &MediaItem{Media: m, UsedBy: []StoryRef{}}
		for _, st := range using[m.ID] {
			item.UsedBy = append(item.UsedBy, StoryRef{ID: st.ID, Title: StoryTitle(st)})
		}
		page.Items[i] = item
	}
	return page, nil
}

// MediaDescription is what a person writes about an image: its alt text
// and its tags (replacing the old ones).
type MediaDescription struct {
	AltText string   `json:"alt_text"`
	Tags    []string `json:"tags"`
}

// DescribeMedia sets an upload's alt text and tags. Tags are trimmed, lose
// a leading '#', and repeats are dropped.
func (s *Service) DescribeMedia(ctx context.Context, p ferry.Principal, id string, d MediaDescription) (*ferry.Media, error) {
	if err := require(p, ferry.RoleEditor, "describe media"); err != nil {
		return nil, err
	}
	d.AltText = strings.TrimSpace(d.AltText)
	details := map[string]string{}
	if utf8.RuneCountInString(d.AltText) > maxAltText {
		details["alt_text"] = "too_long"
	}
	var tags []string
	for _, t := range d.Tags {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "#"))
		switch {
		case t == "":
			continue
		case utf8.RuneCountInString(t) > maxMediaTag:
			details["tags"] = "too_long"
		case strings.ContainsAny(t, " \t\n#,"):
			details["tags"] = "invalid"
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if len(tags) > maxMediaTags {
		details["tags"] = "too_many"
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The description is not valid.").WithDetails(details)
	}
	slices.Sort(tags)
	var m *ferry.Media
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.Media(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if m.ParentID != "" {
			return ferry.Errorf(ferry.EINVALID, "Media %s is a copy fitted to a platform; describe its original, %s.", id, m.ParentID)
		}
		// Alt text written here ends a "decorative" mark; none leaves it.
		decorative := m.Decorative && d.AltText == ""
		if err := tx.SetMediaAlt(ctx, p.WorkspaceID, id, d.AltText, decorative); err != nil {
			return err
		}
		if err := tx.SetMediaTags(ctx, id, tags); err != nil {
			return err
		}
		m.AltText, m.Decorative, m.Tags = d.AltText, decorative, tags
		return tx.Audit(ctx, audit(p, "media.describe", "media", id, map[string]any{"alt_text": d.AltText, "tags": tags}))
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// PickMedia attaches images chosen from the library to a story being
// written: it returns the story's images (attached, as the form has them)
// followed by the picked ones in the order picked, each once. The images
// keep their library alt text and focal point. Nothing is saved here: the
// story's save records its images, and so where each image is used. An
// image of another workspace, or a copy fitted to a platform (which the
// library does not list), is not found; more images than a story may carry
// are invalid.
func (s *Service) PickMedia(ctx context.Context, p ferry.Principal, attached, picked []string) ([]string, error) {
	if err := require(p, ferry.RoleEditor, "attach media"); err != nil {
		return nil, err
	}
	if len(picked) == 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "Choose at least one image.").WithDetails(map[string]string{"pick": "required"})
	}
	out := slices.Clone(attached)
	q := s.DB.Read()
	for _, id := range picked {
		m, err := q.Media(ctx, p.WorkspaceID, id)
		if err != nil {
			return nil, err
		}
		if m.ParentID != "" {
			return nil, ferry.Errorf(ferry.ENOTFOUND, "No media %q in the library.", id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > maxMedia {
		return nil, ferry.Errorf(ferry.EINVALID, "A story has at most %d images; it would have %d.", maxMedia, len(out)).
			WithDetails(map[string]string{"pick": "too_many"})
	}
	return out, nil
}
