package service

import (
	"context"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// The two halves of a story save, so that tests can change what a save was
// built from before its transaction runs.

// ErrStale is errStale.
var ErrStale = errStale

// StoryBuild is a storyBuild.
type StoryBuild = storyBuild

// BuildNew builds a new story's save as CreateStory does.
func (s *Service) BuildNew(ctx context.Context, p ferry.Principal, in StoryInput) (*StoryBuild, error) {
	return s.buildStory(ctx, p, nil, nil, in, nil)
}

// BuildEdit builds an edit of a story as UpdateStory does.
func (s *Service) BuildEdit(ctx context.Context, p ferry.Principal, id string, patch StoryPatch) (*StoryBuild, error) {
	return s.buildEdit(ctx, p, id, patch, nil)
}

// SaveBuild writes a build in a transaction, once.
func (s *Service) SaveBuild(ctx context.Context, p ferry.Principal, b *StoryBuild) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return s.saveBuilt(ctx, tx, p, b) })
}

// InvitationEmail is invitationEmail.
var InvitationEmail = invitationEmail
