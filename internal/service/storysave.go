package service

import (
	"context"
	"errors"
	"slices"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// A story save does its slow work — reading the workspace's tailoring,
// script conversion, adaptation and image fitting — before its write
// transaction, on the read pool, because on SQLite the transaction holds
// the one writer that the delivery engine shares. The transaction then
// checks that what the variants were built from is unchanged (the story's
// version, its target accounts, images and stored variants) and writes;
// when something changed in between, the save is built again.

// maxBuilds bounds how often a save is built before it gives up with a
// conflict.
const maxBuilds = 3

// errStale says that what a save's variants were built from changed before
// its transaction: the save is built again.
var errStale = errors.New("service: the story changed while its variants were built")

// buildInputs are what variants were built from, as read before the write
// transaction. The workspace's glossary, people directory and templates
// are not among them: changing those never rewrites saved variants
// (directory.go), so a save built on the previous ones is the same as a
// save committed just before the change.
type buildInputs struct {
	storyID string
	// version is the story's version as read; 0 for a new story.
	version  int
	accounts map[string]*ferry.Account
	media    map[string]*ferry.Media
	// prev holds, for each account whose variant was built, the variant
	// stored before (nil for none): a person's edit is kept from it.
	prev map[string]*ferry.Variant
}

// unchanged reports whether tx reads what the variants were built from.
func (in *buildInputs) unchanged(ctx context.Context, tx *store.Tx, workspaceID string) (bool, error) {
	if len(in.accounts) > 0 {
		// One query for the workspace's accounts rather than one per target.
		all, err := tx.Accounts(ctx, workspaceID)
		if err != nil {
			return false, err
		}
		now := map[string]*ferry.Account{}
		for _, a := range all {
			now[a.ID] = a
		}
		for id, built := range in.accounts {
			a := now[id]
			if a == nil || (a.Health == ferry.HealthClosed) != (built.Health == ferry.HealthClosed) || targetFor(a) != targetFor(built) {
				return false, nil
			}
		}
	}
	for id, built := range in.media {
		m, err := tx.Media(ctx, workspaceID, id)
		if err != nil {
			return false, err
		}
		if m.Width != built.Width || m.Height != built.Height || !sameFocal(m.Focal, built.Focal) {
			return false, nil
		}
	}
	if len(in.prev) == 0 {
		return true, nil
	}
	stored, err := tx.Variants(ctx, in.storyID)
	if err != nil {
		return false, err
	}
	now := map[string]*ferry.Variant{}
	for _, v := range stored {
		now[v.AccountID] = v
	}
	for id, built := range in.prev {
		if !sameEdit(now[id], built) {
			return false, nil
		}
	}
	return true, nil
}

func sameFocal(a, b *ferry.Focal) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// sameEdit reports whether two stored variants (either may be nil) carry
// the same person's edit, which is what building a variant reads of the
// previous one.
func sameEdit(a, b *ferry.Variant) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Edited == b.Edited && a.Base == b.Base && a.Title == b.Title && a.Text == b.Text
}

// storyBuild is a story save worked out before its write transaction.
type storyBuild struct {
	// story is the story as it will be saved; a new one has no ID yet.
	story *ferry.Story
	// in is the normalised input, for the blackout check.
	in    StoryInput
	accts map[string]*ferry.Account
	// variants are those of the targets not sent when the save was built,
	// by account id.
	variants map[string]ferry.Variant
	inputs   buildInputs
	// touched and withdrawn are the publications (by id) the save moved
	// and canceled, once it is written: what it answers for each.
	touched, withdrawn map[string]bool
}

// saveStory builds a story save and writes it, building it again (at most
// maxBuilds times in all) while what it was built from changes before its
// transaction.
func (s *Service) saveStory(ctx context.Context, p ferry.Principal, build func() (*storyBuild, error)) (*storyBuild, error) {
	for range maxBuilds {
		b, err := build()
		if err != nil {
			return nil, err
		}
		err = s.DB.InTx(ctx, func(tx *store.Tx) error { return s.saveBuilt(ctx, tx, p, b) })
		if !errors.Is(err, errStale) {
			return b, err
		}
	}
	return nil, ferry.Errorf(ferry.ECONFLICT, "The story kept changing while it was being saved; try again.")
}

// buildEdit reads a story and builds its save with the patch applied.
// focal overrides the focal point of images (UpdateMedia builds with the
// point it is about to save).
func (s *Service) buildEdit(ctx context.Context, p ferry.Principal, id string, patch StoryPatch, focal map[string]*ferry.Focal) (*storyBuild, error) {
	q := s.DB.Read()
	story, err := q.Story(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{StoryID: id})
	if err != nil {
		return nil, err
	}
	if err := notPublishing(pubs); err != nil {
		return nil, err
	}
	in := patch.apply(story)
	if now := q.Now(); !patch.ScheduledAt.IsSet() && in.ScheduledAt != nil && in.ScheduledAt.Before(now) {
		// An overdue story's unsent publications go out now.
		in.ScheduledAt = &now
	}
	return s.buildStory(ctx, p, story, pubs, in, focal)
}

// notPublishing refuses to change a story while one of its publications is
// being sent: an edit, a new time or a removed target is all or nothing.
// The conflict's details answer for each publication ({"publications":
// [PublicationAnswer…]}): too_late for the one being sent.
func notPublishing(pubs []*ferry.Publication) error {
	for _, pub := range pubs {
		if pub.State == ferry.StatePublishing {
			return ferry.Errorf(ferry.ECONFLICT, "Too late: the story is being published to %s right now. Nothing was changed; try again in a moment.", pub.Platform.Name()).
				WithDetails(RefusedAnswers{Publications: answersFor(pubs, nil, nil)})
		}
	}
	return nil
}

// RefusedAnswers are the details of a change refused because a
// publication was being sent.
type RefusedAnswers struct {
	Publications []PublicationAnswer `json:"publications"`
}

// buildStory validates a save of stored (nil for a new story, with its
// publications pubs) as in, and builds the variants of its unsent targets,
// reading outside any transaction.
func (s *Service) buildStory(ctx context.Context, p ferry.Principal, stored *ferry.Story, pubs []*ferry.Publication, in StoryInput, focal map[string]*ferry.Focal) (*storyBuild, error) {
	q := s.DB.Read()
	accts, media, err := validateStory(ctx, q, p, &in)
	if err != nil {
		return nil, err
	}
	for id, f := range focal {
		if m := media[id]; m != nil {
			moved := *m
			moved.Focal = f
			media[id] = &moved
		}
	}
	story := &ferry.Story{WorkspaceID: p.WorkspaceID, CreatedBy: p.UserID}
	if stored != nil {
		cp := *stored
		story = &cp
	}
	story.Title, story.Body, story.MediaIDs, story.Targets, story.ScheduledAt = in.Title, in.Body, in.MediaIDs, in.Targets, utc(in.ScheduledAt)
	story.Tags, story.Links, story.SourceScript = in.Tags, in.Links, in.SourceScript
	b := &storyBuild{story: story, in: in, accts: accts, variants: map[string]ferry.Variant{},
		inputs: buildInputs{storyID: story.ID, version: story.Version, accounts: accts, media: media, prev: map[string]*ferry.Variant{}}}

	byAccount := publicationsByAccount(pubs)
	var targets []*ferry.Account
	for _, id := range story.Targets {
		if pub := byAccount[id]; pub == nil || !sent(pub.State) {
			targets = append(targets, accts[id])
		}
	}
	if len(targets) == 0 {
		return b, nil
	}
	prev := map[string]*ferry.Variant{}
	if stored != nil {
		vs, err := q.Variants(ctx, story.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			prev[v.AccountID] = v
		}
	}
	gen, screen, err := s.generate(ctx, q, story, media, targets)
	if err != nil {
		return nil, err
	}
	for i, a := range targets {
		v, err := s.buildVariant(ctx, story, a, gen[i], prev[a.ID], nil, media, screen)
		if err != nil {
			return nil, err
		}
		b.variants[a.ID] = v
		if stored != nil {
			b.inputs.prev[a.ID] = prev[a.ID]
		}
	}
	return b, nil
}

func publicationsByAccount(pubs []*ferry.Publication) map[string]*ferry.Publication {
	out := map[string]*ferry.Publication{}
	for _, pub := range pubs {
		out[pub.AccountID] = pub
	}
	return out
}

// saveBuilt writes a built save in tx, or returns errStale when what it was
// built from changed. The story's publications then match its targets,
// content and time: one per target with its variant (an edited variant is
// kept, and flagged stale when the story now says something else),
// rescheduled at a new version unless already sent. A story with a time
// whose variants have errors is refused (EUNPROCESSABLE, with every problem
// by account); a draft may be saved with problems.
func (s *Service) saveBuilt(ctx context.Context, tx *store.Tx, p ferry.Principal, b *storyBuild) error {
	story := b.story
	b.touched, b.withdrawn = map[string]bool{}, map[string]bool{}
	var existing []*ferry.Publication
	if story.ID != "" {
		cur, err := tx.Story(ctx, p.WorkspaceID, story.ID)
		if err != nil {
			return err
		}
		if cur.Version != b.inputs.version {
			return errStale
		}
		if existing, err = tx.Publications(ctx, ferry.PublicationFilter{StoryID: story.ID}); err != nil {
			return err
		}
		if err := notPublishing(existing); err != nil {
			return err
		}
	}
	byAccount := publicationsByAccount(existing)
	var unsent []string
	for _, id := range story.Targets {
		if pub := byAccount[id]; pub == nil || !sent(pub.State) {
			if _, built := b.variants[id]; !built {
				return errStale
			}
			unsent = append(unsent, id)
		}
	}
	if ok, err := b.inputs.unchanged(ctx, tx, p.WorkspaceID); err != nil || !ok {
		if err == nil {
			err = errStale
		}
		return err
	}
	if err := s.checkBlackout(ctx, &tx.Q, p, &b.in); err != nil {
		return err
	}
	if story.ID == "" {
		if err := tx.CreateStory(ctx, story); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "story.create", "story", story.ID, map[string]any{"targets": b.in.Targets, "scheduled_at": story.ScheduledAt})); err != nil {
			return err
		}
	} else {
		if err := tx.UpdateStory(ctx, story); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, "story.update", "story", story.ID, map[string]any{"version": story.Version, "scheduled_at": story.ScheduledAt})); err != nil {
			return err
		}
	}
	if err := recordStoryVersion(ctx, tx, p, story); err != nil {
		return err
	}
	// In a workspace that requires alt text, an image with none blocks a
	// story with a time, as its images stand now (alt text is the image's,
	// not the story's, and may have changed since the build).
	var images map[string]*ferry.Media
	if story.ScheduledAt != nil && len(story.MediaIDs) > 0 {
		required, err := altRequired(ctx, &tx.Q, p.WorkspaceID)
		if err != nil {
			return err
		}
		if required {
			images = map[string]*ferry.Media{}
			for _, mid := range story.MediaIDs {
				if images[mid], err = tx.Media(ctx, p.WorkspaceID, mid); err != nil {
					return err
				}
			}
		}
	}
	blocking := map[string][]ferry.Problem{}
	for _, id := range unsent {
		v := b.variants[id]
		v.StoryID = story.ID
		if err := tx.PutVariant(ctx, v); err != nil {
			return err
		}
		if err := recordVariantVersion(ctx, tx, p, &v); err != nil {
			return err
		}
		problems := v.Problems
		if images != nil {
			problems = append(slices.Clone(problems), altProblems(v.Media, story.MediaIDs, images, true)...)
		}
		if story.ScheduledAt != nil && ferry.HasErrors(problems) {
			blocking[id] = problems
		}
	}
	if len(blocking) > 0 {
		return blockingError(blocking)
	}
	var jobs []delivery.PublishJob
	for _, id := range unsent {
		pub := byAccount[id]
		if pub == nil {
			pub = &ferry.Publication{WorkspaceID: p.WorkspaceID, StoryID: story.ID, AccountID: id, Platform: b.accts[id].Platform, State: ferry.StateDraft}
			if err := tx.CreatePublication(ctx, pub); err != nil {
				return err
			}
			if err := delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, ""); err != nil {
				return err
			}
		}
		job, err := s.move(ctx, tx, p, pub, story.ScheduledAt, ferry.Reason{})
		if err != nil {
			return err
		}
		b.touched[pub.ID] = true
		if job != nil {
			jobs = append(jobs, *job)
		}
	}
	if err := s.schedulePublishes(ctx, tx, jobs); err != nil {
		return err
	}
	// Scheduling submits what needs approval; changed content is asked
	// for again.
	if err := s.submitScheduled(ctx, tx, p, story, unsent); err != nil {
		return err
	}
	for _, pub := range existing {
		if !contains(story.Targets, pub.AccountID) && isCancelable(pub.State) {
			if err := s.cancel(ctx, tx, p, pub, ferry.Because(ferry.ReasonTargetRemoved)); err != nil {
				return err
			}
			b.withdrawn[pub.ID] = true
		}
	}
	return nil
}
