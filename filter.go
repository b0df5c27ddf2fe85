package ferry

import "time"

// StoryFilter selects stories.
type StoryFilter struct {
	WorkspaceID string
	// State keeps stories having at least one publication in that state.
	State PublicationState
	// AccountID keeps stories with a publication to that account (in
	// State, when both are set).
	AccountID string
	// Query matches title or body.
	Query string
	// Cursor continues after the story with this id (newest first).
	Cursor string
	Limit  int
}

// PublicationFilter selects publications.
type PublicationFilter struct {
	WorkspaceID string
	StoryID     string
	AccountID   string
	States      []PublicationState
}

// AuditFilter selects audit events. Empty fields select everything.
type AuditFilter struct {
	WorkspaceID string
	// Actor is "user:<id>" or "system".
	Actor string
	// Action is exact, e.g. "story.update".
	Action     string
	TargetType string
	TargetID   string
	// Since and Until bound the time: Since <= at < Until.
	Since, Until *time.Time
	// Cursor continues after the event with this id (newest first).
	Cursor string
	Limit  int
}

// MediaFilter selects a workspace's uploads in the media library.
type MediaFilter struct {
	WorkspaceID string
	// Query matches alt text or a tag, in part and ignoring case.
	Query string
	// Tag keeps images carrying exactly this tag.
	Tag string
	// Cursor continues after the image with this id (newest first).
	Cursor string
	Limit  int
}
