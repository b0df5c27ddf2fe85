package service

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/store"
)

// PreviewInput is a story to adapt without saving anything: for target
// accounts (with their settings), or for platforms in general.
type PreviewInput struct {
	Title        string           `json:"title"`
	Body         string           `json:"body"`
	Tags         []string         `json:"tags"`
	Links        []string         `json:"links"`
	MediaIDs     []string         `json:"media_ids"`
	SourceScript string           `json:"source_script"`
	Targets      []string         `json:"targets"`
	Platforms    []ferry.Platform `json:"platforms"`
}

// Preview is what each target would receive.
type Preview struct {
	Variants []adapt.Variant `json:"variants"`
}

// Preview adapts a story for targets or platforms without saving it.
// Images are not fitted for a preview: an image already fitted for the
// platform (by an earlier save) is shown with its copy's id and size,
// others with the original's.
func (s *Service) Preview(ctx context.Context, p ferry.Principal, in PreviewInput) (*Preview, error) {
	if err := require(p, ferry.RoleViewer, "preview stories"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	switch {
	case len(in.Targets) == 0 && len(in.Platforms) == 0:
		details["targets"] = "give target account ids, or platforms"
	case len(in.Targets) > 0 && len(in.Platforms) > 0:
		details["platforms"] = "give targets or platforms, not both"
	case len(in.Targets)+len(in.Platforms) > maxTargets:
		details["targets"] = fmt.Sprintf("at most %d", maxTargets)
	}
	if len(in.MediaIDs) > maxMedia {
		details["media_ids"] = fmt.Sprintf("at most %d images", maxMedia)
	}
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if len([]rune(in.Title)) > maxTitle || len([]rune(in.Body)) > maxBody {
		details["body"] = fmt.Sprintf("title and body must be at most %d and %d characters", maxTitle, maxBody)
	}
	if in.Tags == nil {
		in.Tags = []string{}
	}
	if in.Links == nil {
		in.Links = []string{}
	}
	validateTailoring(&in.Tags, &in.Links, &in.SourceScript, details)
	for i, pl := range in.Platforms {
		if !pl.Valid() {
			details[fmt.Sprintf("platforms[%d]", i)] = fmt.Sprintf("must be one of %v", ferry.Platforms)
		}
	}
	q := s.DB.Read()
	var targets []adapt.Target
	for i, id := range in.Targets {
		a, err := q.Account(ctx, p.WorkspaceID, id)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			details[fmt.Sprintf("targets[%d]", i)] = fmt.Sprintf("no account %q in this workspace", id)
			continue
		}
		if err != nil {
			return nil, err
		}
		targets = append(targets, targetFor(a))
	}
	for _, pl := range in.Platforms {
		targets = append(targets, adapt.Target{Platform: pl})
	}
	for i, id := range in.MediaIDs {
		if _, err := q.Media(ctx, p.WorkspaceID, id); ferry.IsCode(err, ferry.ENOTFOUND) {
			details[fmt.Sprintf("media_ids[%d]", i)] = fmt.Sprintf("no media %q in this workspace", id)
		} else if err != nil {
			return nil, err
		}
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The preview request is not valid.").WithDetails(details)
	}
	env, err := s.loadEnv(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	story, err := storyFor(ctx, q, p.WorkspaceID, in.Title, in.Body, in.Tags, in.Links, in.MediaIDs, in.SourceScript)
	if err != nil {
		return nil, err
	}
	vs := s.adapter().Adapt(story, targets, env)
	for i := range vs {
		for j, vm := range vs[i].Media {
			if m, err := q.FittedMedia(ctx, p.WorkspaceID, vm.SourceID, fitKey(vs[i].Platform, vm.Focal)); err == nil {
				vs[i].Media[j].MediaID, vs[i].Media[j].Width, vs[i].Media[j].Height = m.ID, m.Width, m.Height
			}
		}
	}
	return &Preview{Variants: vs}, nil
}

// MediaPatch changes an uploaded image.
type MediaPatch struct {
	// Focal is the point crops keep in view, from (0,0) top left to (1,1)
	// bottom right; null returns to the centre.
	Focal *ferry.Focal `json:"focal"`
}

// UpdateMedia sets an image's focal point. The stories that use it and
// still have something to send are fitted again around the new point, in
// the same transaction (so a story being sent right now makes this a
// conflict, and a scheduled one whose variants would then have errors
// makes it unprocessable).
func (s *Service) UpdateMedia(ctx context.Context, p ferry.Principal, id string, patch MediaPatch) (*ferry.Media, error) {
	if err := require(p, ferry.RoleEditor, "change media"); err != nil {
		return nil, err
	}
	if f := patch.Focal; f != nil && (!unit(f.X) || !unit(f.Y)) {
		return nil, ferry.Errorf(ferry.EINVALID, "focal.x and focal.y must be between 0 and 1.").WithDetails(map[string]string{"focal": "x and y from 0 to 1"})
	}
	q := s.DB.Read()
	m, err := q.Media(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if m.ParentID != "" {
		return nil, ferry.Errorf(ferry.EINVALID, "Media %s is a copy fitted to a platform; set the focal point of its original, %s.", id, m.ParentID)
	}
	stories, err := q.StoriesWithMedia(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	// Fit the new crops before the transaction, as a story save does.
	moved := *m
	moved.Focal = patch.Focal
	for _, st := range stories {
		for i, mid := range st.MediaIDs {
			if mid == id {
				s.prefitOne(ctx, &moved, i, st.Targets)
			}
		}
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMediaFocal(ctx, p.WorkspaceID, id, patch.Focal); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "media.focal", "media", id, map[string]any{"focal": patch.Focal})); err != nil {
			return err
		}
		for _, st := range stories {
			pubs, err := tx.Publications(ctx, store.PublicationFilter{StoryID: st.ID})
			if err != nil {
				return err
			}
			pending := false
			for _, pub := range pubs {
				pending = pending || isCancelable(pub.State)
			}
			if !pending {
				continue // everything was sent or withdrawn: nothing to refit
			}
			if err := s.updateStory(ctx, tx, p, st.ID, StoryPatch{}); err != nil {
				return fmt.Errorf("story %s: %w", st.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.Focal = patch.Focal
	return m, nil
}

func unit(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }

// prefitOne fits one image, the index-th of a story, for the platforms of
// the story's targets that take that many images.
func (s *Service) prefitOne(ctx context.Context, m *ferry.Media, index int, targets []string) {
	q := s.DB.Read()
	done := map[ferry.Platform]bool{}
	for _, id := range targets {
		a, err := q.Account(ctx, m.WorkspaceID, id)
		if err != nil || done[a.Platform] {
			continue
		}
		done[a.Platform] = true
		if !takesImage(a.Platform, index) {
			continue
		}
		if _, err := s.fitted(ctx, s.DB.Write(), m, a.Platform); err != nil && s.Log != nil {
			s.Log.Debug("prefit failed", "media_id", m.ID, "platform", a.Platform, "error", err)
		}
	}
}
