package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
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
	// Sources asks for Preview.Sources (the web UI marks converted
	// characters with them); the API does not offer it.
	Sources bool `json:"-"`
}

// Preview is what each target would receive.
type Preview struct {
	Variants []adapt.Variant `json:"variants"`
	// Sources, when asked for, hold each variant's text as it would be
	// without script conversion, in the same order: "" where nothing is
	// converted.
	Sources []string `json:"-"`
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
	seen := map[string]bool{}
	for i, pl := range in.Platforms {
		switch {
		case !pl.Valid():
			details[fmt.Sprintf("platforms[%d]", i)] = fmt.Sprintf("must be one of %v", ferry.Platforms)
		case seen[string(pl)]:
			details[fmt.Sprintf("platforms[%d]", i)] = "named twice"
		}
		seen[string(pl)] = true
	}
	for i, id := range in.Targets {
		if seen["target "+id] {
			details[fmt.Sprintf("targets[%d]", i)] = "named twice"
		}
		seen["target "+id] = true
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
	originals := map[string]*ferry.Media{}
	for i, id := range in.MediaIDs {
		m, err := q.Media(ctx, p.WorkspaceID, id)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			details[fmt.Sprintf("media_ids[%d]", i)] = fmt.Sprintf("no media %q in this workspace", id)
		} else if err != nil {
			return nil, err
		}
		originals[id] = m
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The preview request is not valid.").WithDetails(details)
	}
	env, err := s.loadEnv(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	required, err := altRequired(ctx, q, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	story := storyFor(in.Title, in.Body, in.Tags, in.Links, in.MediaIDs, in.SourceScript, originals)
	vs := s.adapter().Adapt(story, targets, env)
	for i := range vs {
		vs[i].Problems = append(vs[i].Problems, altProblems(vs[i].Media, in.MediaIDs, originals, required)...)
		for j, vm := range vs[i].Media {
			if m, err := q.FittedMedia(ctx, p.WorkspaceID, vm.SourceID, fitKey(vs[i].Platform, vm.Focal)); err == nil {
				vs[i].Media[j].MediaID, vs[i].Media[j].Width, vs[i].Media[j].Height = m.ID, m.Width, m.Height
			}
		}
	}
	out := &Preview{Variants: vs}
	if in.Sources {
		out.Sources = make([]string, len(vs))
		src := targets[:0:0]
		for _, t := range targets {
			t.Audience = script.Source
			src = append(src, t)
		}
		for i, sv := range s.adapter().Adapt(story, src, env) {
			if sv.Script != vs[i].Script {
				out.Sources[i] = sv.Text
			}
		}
	}
	return out, nil
}

// MediaPatch changes an uploaded image.
type MediaPatch struct {
	// Focal is the point crops keep in view, from (0,0) top left to (1,1)
	// bottom right; null returns to the centre.
	Focal *ferry.Focal `json:"focal"`
}

// UpdateMedia sets an image's focal point. The stories that use it and
// still have something to send are fitted again around the new point and
// saved with it (so a story being sent right now makes this a conflict,
// and a scheduled one whose variants would then have errors makes it
// unprocessable). Their variants are built before the transaction, like a
// story save's.
func (s *Service) UpdateMedia(ctx context.Context, p ferry.Principal, id string, patch MediaPatch) (*ferry.Media, error) {
	if err := require(p, ferry.RoleEditor, "change media"); err != nil {
		return nil, err
	}
	if f := patch.Focal; f != nil && (!unit(f.X) || !unit(f.Y)) {
		return nil, ferry.Errorf(ferry.EINVALID, "focal.x and focal.y must be between 0 and 1.").WithDetails(map[string]string{"focal": "x and y from 0 to 1"})
	}
	m, err := s.DB.Read().Media(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if m.ParentID != "" {
		return nil, ferry.Errorf(ferry.EINVALID, "Media %s is a copy fitted to a platform; set the focal point of its original, %s.", id, m.ParentID)
	}
	for range maxBuilds {
		builds, err := s.buildRefits(ctx, p, id, patch.Focal)
		if err != nil {
			return nil, err
		}
		err = s.DB.InTx(ctx, func(tx *store.Tx) error { return s.saveRefits(ctx, tx, p, id, patch.Focal, builds) })
		if !errors.Is(err, errStale) {
			if err != nil {
				return nil, err
			}
			m.Focal = patch.Focal
			return m, nil
		}
	}
	return nil, ferry.Errorf(ferry.ECONFLICT, "The stories using media %s kept changing while they were being fitted again; try again.", id)
}

// buildRefits builds the saves of the stories that use an image and still
// have something to send, around the image's new focal point; the others
// are listed with a nil build.
func (s *Service) buildRefits(ctx context.Context, p ferry.Principal, mediaID string, focal *ferry.Focal) (map[string]*storyBuild, error) {
	q := s.DB.Read()
	stories, err := q.StoriesWithMedia(ctx, p.WorkspaceID, mediaID)
	if err != nil {
		return nil, err
	}
	builds := map[string]*storyBuild{}
	for _, st := range stories {
		pubs, err := q.Publications(ctx, ferry.PublicationFilter{StoryID: st.ID})
		if err != nil {
			return nil, err
		}
		if !pending(pubs) {
			builds[st.ID] = nil
			continue
		}
		b, err := s.buildEdit(ctx, p, st.ID, StoryPatch{}, map[string]*ferry.Focal{mediaID: focal})
		if err != nil {
			return nil, fmt.Errorf("story %s: %w", st.ID, err)
		}
		builds[st.ID] = b
	}
	return builds, nil
}

// saveRefits sets an image's focal point and writes the built saves of the
// stories using it, or returns errStale when one of them changed.
func (s *Service) saveRefits(ctx context.Context, tx *store.Tx, p ferry.Principal, mediaID string, focal *ferry.Focal, builds map[string]*storyBuild) error {
	if err := tx.SetMediaFocal(ctx, p.WorkspaceID, mediaID, focal); err != nil {
		return err
	}
	if err := tx.Audit(ctx, audit(p, "media.focal", "media", mediaID, map[string]any{"focal": focal})); err != nil {
		return err
	}
	stories, err := tx.StoriesWithMedia(ctx, p.WorkspaceID, mediaID)
	if err != nil {
		return err
	}
	for _, st := range stories {
		b, known := builds[st.ID]
		if !known {
			return errStale // a story saved since the build
		}
		pubs, err := tx.Publications(ctx, ferry.PublicationFilter{StoryID: st.ID})
		if err != nil {
			return err
		}
		if !pending(pubs) {
			continue // everything was sent or withdrawn: nothing to refit
		}
		if b == nil {
			return errStale
		}
		if err := s.saveBuilt(ctx, tx, p, b); err != nil {
			return fmt.Errorf("story %s: %w", st.ID, err)
		}
	}
	return nil
}

// pending reports whether any of a story's publications can still be sent.
func pending(pubs []*ferry.Publication) bool {
	for _, pub := range pubs {
		if isCancelable(pub.State) {
			return true
		}
	}
	return false
}

func unit(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }

// MediaContent opens an image of the workspace, for the web UI to show it:
// the media item and its bytes, which the caller closes.
func (s *Service) MediaContent(ctx context.Context, p ferry.Principal, id string) (*ferry.Media, io.ReadCloser, error) {
	if err := require(p, ferry.RoleViewer, "see media"); err != nil {
		return nil, nil, err
	}
	m, err := s.DB.Read().Media(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.Blobs.Open(m.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("service: open media %s: %w", id, err)
	}
	return m, rc, nil
}

// MediaItems returns images of the workspace by id, in the order asked.
func (s *Service) MediaItems(ctx context.Context, p ferry.Principal, ids []string) ([]*ferry.Media, error) {
	if err := require(p, ferry.RoleViewer, "see media"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	out := make([]*ferry.Media, 0, len(ids))
	for _, id := range ids {
		m, err := q.Media(ctx, p.WorkspaceID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// CodeAltMissing is the warning on a variant carrying an image with no alt
// text that is not marked decorative.
const CodeAltMissing = "media_alt_missing"

// CodeAltRequired is the same, as an error, in a workspace that requires
// alt text (Workspace.RequireAltText): it blocks scheduling and publishing.
const CodeAltRequired = "media_alt_required"

// altProblems finds each image a variant carries that has no alt text and
// is not marked decorative, numbered as in the story: a warning, or an
// error when the workspace requires alt text.
func altProblems(vms []ferry.VariantMedia, ids []string, originals map[string]*ferry.Media, required bool) []ferry.Problem {
	var out []ferry.Problem
	for _, vm := range vms {
		m := originals[vm.SourceID]
		if m == nil || m.Decorative || strings.TrimSpace(m.AltText) != "" {
			continue
		}
		n := slices.Index(ids, vm.SourceID) + 1
		if required {
			out = append(out, ferry.Problem{Code: CodeAltRequired, Severity: ferry.SeverityError, Field: "media",
				Message:   fmt.Sprintf("Image %d has no alt text, which this workspace requires: describe what it shows, or mark it decorative.", n),
				MessageZH: fmt.Sprintf("第 %d 張圖片沒有替代文字，但本工作區規定要有：請描述圖片內容，或標示為裝飾圖片。", n)})
			continue
		}
		out = append(out, ferry.Problem{Code: CodeAltMissing, Severity: ferry.SeverityWarning, Field: "media",
			Message:   fmt.Sprintf("Image %d has no alt text: describe what it shows, or mark it decorative.", n),
			MessageZH: fmt.Sprintf("第 %d 張圖片沒有替代文字：請描述圖片內容，或標示為裝飾圖片。", n)})
	}
	return out
}

// altRequired reports whether the workspace requires alt text on images.
func altRequired(ctx context.Context, q *store.Q, workspaceID string) (bool, error) {
	ws, err := q.Workspace(ctx, workspaceID)
	if err != nil {
		return false, err
	}
	return ws.RequireAltText, nil
}

// SetMediaAlt sets what an image shows, for people who cannot see it, or
// marks it decorative (then alt is dropped).
func (s *Service) SetMediaAlt(ctx context.Context, p ferry.Principal, id, alt string, decorative bool) (*ferry.Media, error) {
	if err := require(p, ferry.RoleEditor, "change media"); err != nil {
		return nil, err
	}
	alt = strings.TrimSpace(alt)
	if utf8.RuneCountInString(alt) > maxAltText {
		return nil, ferry.Errorf(ferry.EINVALID, "The alt text is longer than %d characters.", maxAltText).WithDetails(map[string]string{"alt_text": "too_long"})
	}
	if decorative {
		alt = ""
	}
	var m *ferry.Media
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.Media(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if m.ParentID != "" {
			return ferry.Errorf(ferry.EINVALID, "Media %s is a copy fitted to a platform; describe its original, %s.", id, m.ParentID)
		}
		if err := tx.SetMediaAlt(ctx, p.WorkspaceID, id, alt, decorative); err != nil {
			return err
		}
		m.AltText, m.Decorative = alt, decorative
		return tx.Audit(ctx, audit(p, "media.alt_text", "media", id, map[string]any{"decorative": decorative, "length": utf8.RuneCountInString(alt)}))
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
