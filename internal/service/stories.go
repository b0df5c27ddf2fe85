package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/media"
	"github.com/ferry-social/ferry/internal/store"
)

// UploadMedia checks and stores an image.
func (s *Service) UploadMedia(ctx context.Context, p ferry.Principal, r io.Reader) (*ferry.Media, error) {
	if err := require(p, ferry.RoleEditor, "upload media"); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, s.MaxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("service: read upload: %w", err)
	}
	if int64(len(data)) > s.MaxUploadBytes {
		return nil, ferry.Errorf(ferry.ETOOLARGE, "The file is larger than the %d-byte limit.", s.MaxUploadBytes)
	}
	info, err := media.Inspect(bytes.NewReader(data), media.Limits{MaxBytes: s.MaxUploadBytes})
	if err != nil {
		var me *media.Error
		if errors.As(err, &me) {
			code := ferry.EUNSUPPORTED
			if me.Code != media.CodeUnsupportedMediaType {
				code = ferry.ETOOLARGE
			}
			return nil, ferry.Errorf(code, "%s", me.Message).WithDetails(map[string]string{"reason": me.Code})
		}
		return nil, err
	}
	sum, err := s.Blobs.Put(data)
	if err != nil {
		return nil, err
	}
	m := &ferry.Media{WorkspaceID: p.WorkspaceID, SHA256: sum, Mime: info.MIME, Width: info.Width, Height: info.Height, Bytes: int64(len(data))}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateMedia(ctx, m); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "media.upload", "media", m.ID, map[string]any{"sha256": sum, "bytes": m.Bytes}))
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// StoryInput creates a story.
type StoryInput struct {
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	MediaIDs []string `json:"media_ids"`
	// Tags are words, with or without '#'; links are http(s) addresses;
	// SourceScript is the script the story is written in: "hk" (the
	// default), "tw", "s" or "t".
	Tags         []string   `json:"tags"`
	Links        []string   `json:"links"`
	SourceScript string     `json:"source_script"`
	Targets      []string   `json:"targets"`
	ScheduledAt  *time.Time `json:"scheduled_at"`
	// OverrideBlackout asks to schedule inside a blackout period: admins
	// and owners only, and audited (see checkBlackout).
	OverrideBlackout bool `json:"override_blackout"`
}

// Limits of a story as Ferry keeps it; platforms' own limits are checked
// per variant.
const (
	maxTitle   = 500
	maxBody    = 20000
	maxMedia   = 20
	maxTargets = 50
	// pastTolerance accepts times a little in the past (clock skew, slow
	// clients) as "now".
	pastTolerance = time.Minute
)

// StoryView is a story with its publications and their summary.
type StoryView struct {
	*ferry.Story
	Summary      string               `json:"summary"`
	Publications []*ferry.Publication `json:"publications"`
}

func (s *Service) validateStory(ctx context.Context, q *store.Q, p ferry.Principal, in *StoryInput) (map[string]*ferry.Account, error) {
	details := map[string]string{}
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	switch {
	case in.Title == "" && in.Body == "":
		details["body"] = "a story needs a title or a body"
	case utf8.RuneCountInString(in.Title) > maxTitle:
		details["title"] = fmt.Sprintf("must be at most %d characters", maxTitle)
	case utf8.RuneCountInString(in.Body) > maxBody:
		details["body"] = fmt.Sprintf("must be at most %d characters", maxBody)
	}
	if len(in.MediaIDs) > maxMedia {
		details["media_ids"] = fmt.Sprintf("at most %d images", maxMedia)
	}
	if len(in.Targets) > maxTargets {
		details["targets"] = fmt.Sprintf("at most %d accounts", maxTargets)
	}
	validateTailoring(&in.Tags, &in.Links, &in.SourceScript, details)
	if in.ScheduledAt != nil && in.ScheduledAt.Before(q.Now().Add(-pastTolerance)) {
		details["scheduled_at"] = "is in the past; use POST /api/v1/stories/{id}/publish to publish now"
	}
	for i, id := range in.MediaIDs {
		if _, err := q.Media(ctx, p.WorkspaceID, id); err != nil {
			if !ferry.IsCode(err, ferry.ENOTFOUND) {
				return nil, err
			}
			details[fmt.Sprintf("media_ids[%d]", i)] = fmt.Sprintf("no media %q in this workspace", id)
		}
	}
	accts := map[string]*ferry.Account{}
	for i, id := range in.Targets {
		if _, dup := accts[id]; dup {
			details[fmt.Sprintf("targets[%d]", i)] = "is listed twice"
			continue
		}
		a, err := q.Account(ctx, p.WorkspaceID, id)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			details[fmt.Sprintf("targets[%d]", i)] = fmt.Sprintf("no account %q in this workspace", id)
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.Health == ferry.HealthClosed {
			details[fmt.Sprintf("targets[%d]", i)] = fmt.Sprintf("account %q is closed", id)
		}
		accts[id] = a
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The story is not valid.").WithDetails(details)
	}
	if err := s.checkBlackout(ctx, q, p, in); err != nil {
		return nil, err
	}
	return accts, nil
}

// CreateStory saves a story and, when it has a time, schedules its
// publications.
func (s *Service) CreateStory(ctx context.Context, p ferry.Principal, in StoryInput) (*StoryView, error) {
	if err := require(p, ferry.RoleEditor, "write stories"); err != nil {
		return nil, err
	}
	s.prefit(ctx, p.WorkspaceID, in.MediaIDs, in.Targets)
	var story *ferry.Story
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		accts, err := s.validateStory(ctx, &tx.Q, p, &in)
		if err != nil {
			return err
		}
		story = &ferry.Story{WorkspaceID: p.WorkspaceID, Title: in.Title, Body: in.Body, MediaIDs: in.MediaIDs, Tags: in.Tags, Links: in.Links, SourceScript: in.SourceScript,
			Targets: in.Targets, ScheduledAt: utc(in.ScheduledAt), CreatedBy: p.UserID}
		if err := tx.CreateStory(ctx, story); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "story.create", "story", story.ID, map[string]any{"targets": in.Targets, "scheduled_at": story.ScheduledAt})); err != nil {
			return err
		}
		return s.syncPublications(ctx, tx, p, story, accts)
	})
	if err != nil {
		return nil, err
	}
	return s.Story(ctx, p, story.ID)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// syncPublications makes the story's publications match its targets,
// content and time: one per target, its variant regenerated (an edited
// variant is kept, and flagged stale when the story now says something
// else), rescheduled at a new version unless already sent. A story with a
// time whose variants have errors is refused (EUNPROCESSABLE, with every
// problem by account); a draft may be saved with problems.
func (s *Service) syncPublications(ctx context.Context, tx *store.Tx, p ferry.Principal, story *ferry.Story, accts map[string]*ferry.Account) error {
	existing, err := tx.Publications(ctx, store.PublicationFilter{StoryID: story.ID})
	if err != nil {
		return err
	}
	byAccount := map[string]*ferry.Publication{}
	for _, pub := range existing {
		byAccount[pub.AccountID] = pub
	}
	if err := s.syncVariants(ctx, tx, story, accts, byAccount); err != nil {
		return err
	}
	for _, id := range story.Targets {
		a := accts[id]
		pub := byAccount[id]
		if pub != nil && sent(pub.State) {
			continue // already (maybe) on the platform: never sent again
		}
		if pub == nil {
			pub = &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: story.ID, AccountID: id, Platform: a.Platform, State: ferry.StateDraft}
			if err := tx.CreatePublication(ctx, pub); err != nil {
				return err
			}
			if err := delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, ""); err != nil {
				return err
			}
		}
		if err := s.reschedule(ctx, tx, p, pub, story.ScheduledAt, ""); err != nil {
			return err
		}
	}
	for _, pub := range existing {
		if !contains(story.Targets, pub.AccountID) && isCancelable(pub.State) {
			if err := s.cancel(ctx, tx, p, pub, "The account was removed from the story's targets."); err != nil {
				return err
			}
		}
	}
	return nil
}

// reschedule gives a publication a new version and time (nil: back to
// draft). Jobs of older versions do nothing when they run.
func (s *Service) reschedule(ctx context.Context, tx *store.Tx, p ferry.Principal, pub *ferry.Publication, at *time.Time, reason string) error {
	from := pub.State
	pub.Version++
	pub.ScheduledAt, pub.NextAt, pub.Reason = at, nil, reason
	pub.State = ferry.StateDraft
	if at != nil {
		pub.State = ferry.StateScheduled
	}
	if err := tx.SavePublication(ctx, pub); err != nil {
		return err
	}
	if err := delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, from); err != nil {
		return err
	}
	if at == nil {
		return nil
	}
	return s.Scheduler.SchedulePublish(ctx, tx, pub.ID, pub.Version, *at)
}

// cancelable are the states from which a publication can still be
// withdrawn: it has not been (and is not being) sent.
var cancelable = []ferry.PublicationState{ferry.StateDraft, ferry.StateScheduled, ferry.StateWaiting, ferry.StateNeedsReauth, ferry.StateHandoff}

func isCancelable(s ferry.PublicationState) bool {
	for _, c := range cancelable {
		if s == c {
			return true
		}
	}
	return false
}

func (s *Service) cancel(ctx context.Context, tx *store.Tx, p ferry.Principal, pub *ferry.Publication, reason string) error {
	from := pub.State
	pub.Version++
	pub.State, pub.Reason, pub.NextAt = ferry.StateCanceled, reason, nil
	if err := tx.SavePublication(ctx, pub); err != nil {
		return err
	}
	return delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, from)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Story returns a story with its publications.
func (s *Service) Story(ctx context.Context, p ferry.Principal, id string) (*StoryView, error) {
	if err := require(p, ferry.RoleViewer, "see stories"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	story, err := q.Story(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	pubs, err := q.Publications(ctx, store.PublicationFilter{StoryID: id})
	if err != nil {
		return nil, err
	}
	if pubs == nil {
		pubs = []*ferry.Publication{}
	}
	return &StoryView{Story: story, Publications: pubs, Summary: Summary(pubs)}, nil
}

// Summary says honestly where a story's publications stand, e.g.
// "published 3 of 4, 1 failed".
func Summary(pubs []*ferry.Publication) string {
	var live []*ferry.Publication
	for _, p := range pubs {
		if p.State != ferry.StateCanceled {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		if len(pubs) > 0 {
			return "canceled"
		}
		return "no targets"
	}
	counts := map[ferry.PublicationState]int{}
	for _, p := range live {
		counts[p.State]++
	}
	parts := []string{fmt.Sprintf("published %d of %d", counts[ferry.StatePublished], len(live))}
	for _, st := range []ferry.PublicationState{ferry.StateFailed, ferry.StateMissed, ferry.StateUnknown, ferry.StateNeedsReauth, ferry.StateHandoff, ferry.StateWaiting, ferry.StatePublishing, ferry.StateScheduled, ferry.StateDraft} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(st), "_", " ")))
		}
	}
	return strings.Join(parts, ", ")
}

// Stories lists stories, newest first.
func (s *Service) Stories(ctx context.Context, p ferry.Principal, f store.StoryFilter) ([]*StoryView, string, error) {
	if err := require(p, ferry.RoleViewer, "see stories"); err != nil {
		return nil, "", err
	}
	f.WorkspaceID = p.WorkspaceID
	q := s.DB.Read()
	stories, next, err := q.Stories(ctx, f)
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(stories))
	for i, st := range stories {
		ids[i] = st.ID
	}
	byStory, err := q.PublicationsOfStories(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]*StoryView, 0, len(stories))
	for _, st := range stories {
		pubs := byStory[st.ID]
		if pubs == nil {
			pubs = []*ferry.Publication{}
		}
		out = append(out, &StoryView{Story: st, Publications: pubs, Summary: Summary(pubs)})
	}
	return out, next, nil
}

// StoryPatch edits a story; nil fields stay as they are. ScheduledAt is set
// when Reschedule is true (null then means "back to draft").
type StoryPatch struct {
	Title        *string
	Body         *string
	MediaIDs     *[]string
	Tags         *[]string
	Links        *[]string
	SourceScript *string
	Targets      *[]string
	Reschedule   bool
	ScheduledAt  *time.Time
	// OverrideBlackout is StoryInput.OverrideBlackout.
	OverrideBlackout bool
}

// UpdateStory edits a story. Unsent publications get the new content at a
// new version; a publication being sent right now makes the edit a conflict.
func (s *Service) UpdateStory(ctx context.Context, p ferry.Principal, id string, patch StoryPatch) (*StoryView, error) {
	if err := require(p, ferry.RoleEditor, "edit stories"); err != nil {
		return nil, err
	}
	if story, err := s.DB.Read().Story(ctx, p.WorkspaceID, id); err == nil {
		in := patch.apply(story)
		s.prefit(ctx, p.WorkspaceID, in.MediaIDs, in.Targets)
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error { return s.updateStory(ctx, tx, p, id, patch) })
	if err != nil {
		return nil, err
	}
	return s.Story(ctx, p, id)
}

// apply returns the story's fields with the patch applied.
func (patch StoryPatch) apply(story *ferry.Story) StoryInput {
	in := StoryInput{Title: story.Title, Body: story.Body, MediaIDs: story.MediaIDs, Tags: story.Tags, Links: story.Links, SourceScript: story.SourceScript,
		Targets: story.Targets, ScheduledAt: story.ScheduledAt}
	if patch.Title != nil {
		in.Title = *patch.Title
	}
	if patch.Body != nil {
		in.Body = *patch.Body
	}
	if patch.MediaIDs != nil {
		in.MediaIDs = *patch.MediaIDs
	}
	if patch.Tags != nil {
		in.Tags = *patch.Tags
	}
	if patch.Links != nil {
		in.Links = *patch.Links
	}
	if patch.SourceScript != nil {
		in.SourceScript = *patch.SourceScript
	}
	if patch.Targets != nil {
		in.Targets = *patch.Targets
	}
	if patch.Reschedule {
		in.ScheduledAt = patch.ScheduledAt
	}
	in.OverrideBlackout = patch.OverrideBlackout
	return in
}

// updateStory is UpdateStory inside a transaction.
func (s *Service) updateStory(ctx context.Context, tx *store.Tx, p ferry.Principal, id string, patch StoryPatch) error {
	story, err := tx.Story(ctx, p.WorkspaceID, id)
	if err != nil {
		return err
	}
	pubs, err := tx.Publications(ctx, store.PublicationFilter{StoryID: id})
	if err != nil {
		return err
	}
	for _, pub := range pubs {
		if pub.State == ferry.StatePublishing {
			return ferry.Errorf(ferry.ECONFLICT, "The story is being published to %s right now; try again in a moment.", pub.Platform)
		}
	}
	in := patch.apply(story)
	if !patch.Reschedule && in.ScheduledAt != nil && in.ScheduledAt.Before(tx.Now()) {
		// An overdue story's unsent publications go out now.
		now := tx.Now()
		in.ScheduledAt = &now
	}
	accts, err := s.validateStory(ctx, &tx.Q, p, &in)
	if err != nil {
		return err
	}
	story.Title, story.Body, story.MediaIDs, story.Targets, story.ScheduledAt = in.Title, in.Body, in.MediaIDs, in.Targets, utc(in.ScheduledAt)
	story.Tags, story.Links, story.SourceScript = in.Tags, in.Links, in.SourceScript
	if err := tx.UpdateStory(ctx, story); err != nil {
		return err
	}
	if err := tx.Audit(ctx, audit(p, "story.update", "story", story.ID, map[string]any{"version": story.Version, "scheduled_at": story.ScheduledAt})); err != nil {
		return err
	}
	return s.syncPublications(ctx, tx, p, story, accts)
}

// DeleteStory deletes a story and cancels every publication not yet sent.
// Publications already on a platform stay there (and on record).
func (s *Service) DeleteStory(ctx context.Context, p ferry.Principal, id string) (*StoryView, error) {
	if err := require(p, ferry.RoleEditor, "delete stories"); err != nil {
		return nil, err
	}
	var view *StoryView
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		story, err := tx.Story(ctx, p.WorkspaceID, id)
		if err != nil {
			return err
		}
		pubs, err := tx.Publications(ctx, store.PublicationFilter{StoryID: id})
		if err != nil {
			return err
		}
		for _, pub := range pubs {
			if isCancelable(pub.State) {
				if err := s.cancel(ctx, tx, p, pub, "The story was deleted."); err != nil {
					return err
				}
			}
		}
		now := tx.Now()
		story.DeletedAt = &now
		if err := tx.UpdateStory(ctx, story); err != nil {
			return err
		}
		view = &StoryView{Story: story, Publications: pubs, Summary: Summary(pubs)}
		return tx.Audit(ctx, audit(p, "story.delete", "story", story.ID, nil))
	})
	return view, err
}
