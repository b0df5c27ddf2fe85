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
	// maxAhead bounds how far ahead a story may be scheduled: further is
	// a typo (year 9999), and no platform token lives that long.
	maxAhead = 2 * 365 * 24 * time.Hour
)

// StoryView is a story with its publications and their summary.
type StoryView struct {
	*ferry.Story
	Summary      string               `json:"summary"`
	Publications []*ferry.Publication `json:"publications"`
	// Withdrawn are the publications a deletion canceled; the others had
	// gone out (or ended) before it.
	Withdrawn []string `json:"withdrawn,omitempty"`
	// Answers say, in the answer to a change (a deletion, an edit, a new
	// time), what it did to each publication: see Answer.
	Answers []PublicationAnswer `json:"answers,omitempty"`
}

// validateStory normalises and checks a story save, reading its images and
// target accounts through q. The blackout check is the transaction's
// (saveBuilt), since an override is audited there.
func validateStory(ctx context.Context, q *store.Q, p ferry.Principal, in *StoryInput) (map[string]*ferry.Account, map[string]*ferry.Media, error) {
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
		details["scheduled_at"] = "is in the past; publish the story now instead"
	}
	if in.ScheduledAt != nil && in.ScheduledAt.After(q.Now().Add(maxAhead)) {
		details["scheduled_at"] = "is more than two years ahead"
	}
	media := map[string]*ferry.Media{}
	for i, id := range in.MediaIDs {
		m, err := q.Media(ctx, p.WorkspaceID, id)
		if err != nil {
			if !ferry.IsCode(err, ferry.ENOTFOUND) {
				return nil, nil, err
			}
			details[fmt.Sprintf("media_ids[%d]", i)] = fmt.Sprintf("no media %q in this workspace", id)
			continue
		}
		media[id] = m
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
			return nil, nil, err
		}
		if a.Health == ferry.HealthClosed {
			details[fmt.Sprintf("targets[%d]", i)] = fmt.Sprintf("account %q is closed", id)
		}
		accts[id] = a
	}
	if len(details) > 0 {
		return nil, nil, ferry.Errorf(ferry.EINVALID, "The story is not valid.").WithDetails(details)
	}
	return accts, media, nil
}

// CreateStory saves a story and, when it has a time, schedules its
// publications.
func (s *Service) CreateStory(ctx context.Context, p ferry.Principal, in StoryInput) (*StoryView, error) {
	if err := require(p, ferry.RoleEditor, "write stories"); err != nil {
		return nil, err
	}
	b, err := s.saveStory(ctx, p, func() (*storyBuild, error) { return s.buildStory(ctx, p, nil, nil, in, nil) })
	if err != nil {
		return nil, err
	}
	return s.Story(ctx, p, b.story.ID)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// reschedule gives a publication a new version and time (nil: back to
// draft). Jobs of older versions do nothing when they run.
func (s *Service) reschedule(ctx context.Context, tx *store.Tx, p ferry.Principal, pub *ferry.Publication, at *time.Time, reason ferry.Reason) error {
	job, err := s.move(ctx, tx, p, pub, at, reason)
	if err != nil || job == nil {
		return err
	}
	return s.Scheduler.SchedulePublish(ctx, tx, job.PublicationID, job.Version, job.At)
}

// move is reschedule without enqueueing: it returns the publish job to
// enqueue (nil for a draft), so that a caller moving many publications
// enqueues their jobs together (schedulePublishes).
func (s *Service) move(ctx context.Context, tx *store.Tx, p ferry.Principal, pub *ferry.Publication, at *time.Time, reason ferry.Reason) (*delivery.PublishJob, error) {
	from := pub.State
	pub.Version++
	pub.ScheduledAt, pub.NextAt = at, nil
	pub.SetReason(reason)
	pub.State = ferry.StateDraft
	if at != nil {
		pub.State = ferry.StateScheduled
	}
	if err := tx.SavePublication(ctx, pub); err != nil {
		return nil, err
	}
	if err := delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, from); err != nil {
		return nil, err
	}
	if at == nil {
		return nil, nil
	}
	return &delivery.PublishJob{PublicationID: pub.ID, Version: pub.Version, At: *at}, nil
}

// publishBatcher is a delivery.Scheduler that enqueues many publish jobs in
// one insert (jobs.Client).
type publishBatcher interface {
	SchedulePublishes(ctx context.Context, tx *store.Tx, jobs []delivery.PublishJob) error
}

// schedulePublishes enqueues publish jobs, in one insert when the
// scheduler can.
func (s *Service) schedulePublishes(ctx context.Context, tx *store.Tx, jobs []delivery.PublishJob) error {
	if b, ok := s.Scheduler.(publishBatcher); ok && len(jobs) > 1 {
		return b.SchedulePublishes(ctx, tx, jobs)
	}
	for _, j := range jobs {
		if err := s.Scheduler.SchedulePublish(ctx, tx, j.PublicationID, j.Version, j.At); err != nil {
			return err
		}
	}
	return nil
}

// cancelable are the states from which a publication can still be
// withdrawn: it has not been (and is not being) sent.
var cancelable = []ferry.PublicationState{ferry.StateDraft, ferry.StateScheduled, ferry.StateWaiting, ferry.StateNeedsReauth, ferry.StateHandoff, ferry.StateAwaitingApproval}

func isCancelable(s ferry.PublicationState) bool {
	for _, c := range cancelable {
		if s == c {
			return true
		}
	}
	return false
}

func (s *Service) cancel(ctx context.Context, tx *store.Tx, p ferry.Principal, pub *ferry.Publication, reason ferry.Reason) error {
	from := pub.State
	pub.Version++
	pub.State, pub.NextAt = ferry.StateCanceled, nil
	pub.SetReason(reason)
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
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		// A deleted story whose posts went out stays on record, as deleted.
		story, err = q.DeletedStory(ctx, p.WorkspaceID, id)
	}
	if err != nil {
		return nil, err
	}
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{StoryID: id})
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
	for _, st := range []ferry.PublicationState{ferry.StateFailed, ferry.StateMissed, ferry.StateUnknown, ferry.StateNeedsReauth, ferry.StateAwaitingApproval, ferry.StateHandoff, ferry.StateWaiting, ferry.StatePublishing, ferry.StateScheduled, ferry.StateDraft} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(st), "_", " ")))
		}
	}
	return strings.Join(parts, ", ")
}

// Stories lists stories, newest first.
func (s *Service) Stories(ctx context.Context, p ferry.Principal, f ferry.StoryFilter) ([]*StoryView, string, error) {
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

// StoryPatch edits a story; nil fields stay as they are.
type StoryPatch struct {
	Title        *string
	Body         *string
	MediaIDs     *[]string
	Tags         *[]string
	Links        *[]string
	SourceScript *string
	Targets      *[]string
	// ScheduledAt left as it is keeps the story's time (an overdue story's
	// unsent publications then go out now); null makes the story a draft;
	// a time schedules it then.
	ScheduledAt ferry.Optional[time.Time]
	// OverrideBlackout is StoryInput.OverrideBlackout.
	OverrideBlackout bool
}

// UpdateStory edits a story. Unsent publications get the new content at a
// new version; a publication being sent right now makes the edit a conflict.
func (s *Service) UpdateStory(ctx context.Context, p ferry.Principal, id string, patch StoryPatch) (*StoryView, error) {
	if err := require(p, ferry.RoleEditor, "edit stories"); err != nil {
		return nil, err
	}
	b, err := s.saveStory(ctx, p, func() (*storyBuild, error) { return s.buildEdit(ctx, p, id, patch, nil) })
	if err != nil {
		return nil, err
	}
	v, err := s.Story(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v.Answers = answersFor(v.Publications, b.touched, b.withdrawn)
	return v, nil
}

// ScheduleInput schedules a story's unsent publications at a time.
type ScheduleInput struct {
	// At is required.
	At time.Time
	// OverrideBlackout is StoryInput.OverrideBlackout.
	OverrideBlackout bool
}

// ScheduleStory schedules a story's unsent publications at a time, moving
// them if they were scheduled already.
func (s *Service) ScheduleStory(ctx context.Context, p ferry.Principal, id string, in ScheduleInput) (*StoryView, error) {
	if in.At.IsZero() {
		return nil, ferry.Errorf(ferry.EINVALID, "at is required.").WithDetails(map[string]string{"at": "required"})
	}
	return s.UpdateStory(ctx, p, id, StoryPatch{ScheduledAt: ferry.Some(in.At), OverrideBlackout: in.OverrideBlackout})
}

// UnscheduleStory makes a story a draft again: its unsent publications
// stay, unscheduled, until it is scheduled or published.
func (s *Service) UnscheduleStory(ctx context.Context, p ferry.Principal, id string) (*StoryView, error) {
	return s.UpdateStory(ctx, p, id, StoryPatch{ScheduledAt: ferry.Null[time.Time]()})
}

// PublishInput publishes a story's unsent publications now.
type PublishInput struct {
	// OverrideBlackout is StoryInput.OverrideBlackout.
	OverrideBlackout bool
}

// PublishStoryNow schedules a story's unsent publications at the current
// time, so that they go out at once.
func (s *Service) PublishStoryNow(ctx context.Context, p ferry.Principal, id string, in PublishInput) (*StoryView, error) {
	now := s.DB.Read().Now()
	return s.UpdateStory(ctx, p, id, StoryPatch{ScheduledAt: ferry.Some(now), OverrideBlackout: in.OverrideBlackout})
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
	if patch.ScheduledAt.IsSet() {
		in.ScheduledAt = patch.ScheduledAt.Ptr()
	}
	in.OverrideBlackout = patch.OverrideBlackout
	return in
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
		pubs, err := tx.Publications(ctx, ferry.PublicationFilter{StoryID: id})
		if err != nil {
			return err
		}
		var withdrawn []string
		gone := map[string]bool{}
		for _, pub := range pubs {
			if isCancelable(pub.State) {
				if err := s.cancel(ctx, tx, p, pub, ferry.Because(ferry.ReasonStoryDeleted)); err != nil {
					return err
				}
				withdrawn = append(withdrawn, pub.ID)
				gone[pub.ID] = true
			}
		}
		now := tx.Now()
		story.DeletedAt = &now
		if err := tx.UpdateStory(ctx, story); err != nil {
			return err
		}
		view = &StoryView{Story: story, Publications: pubs, Summary: Summary(pubs), Withdrawn: withdrawn, Answers: answersFor(pubs, nil, gone)}
		var late []string
		for _, a := range view.Answers {
			if a.Answer == AnswerTooLate || a.Answer == AnswerPublished {
				late = append(late, a.PublicationID)
			}
		}
		return tx.Audit(ctx, audit(p, "story.delete", "story", story.ID, map[string]any{"withdrawn": withdrawn, "out": late}))
	})
	return view, err
}
