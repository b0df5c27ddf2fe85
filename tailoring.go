package ferry

import "time"

// Variant is a story as one account will receive it.
type Variant struct {
	StoryID   string
	AccountID string
	Platform  Platform
	Title     string
	Text      string
	Hashtags  []string
	// MediaIDs are the media sent, in order: the copies fitted to the
	// platform (Media says which original each comes from).
	MediaIDs []string
	Media    []VariantMedia
	Script   string
	Length   TextLength
	Problems []Problem
	// Edited is true once a person changed the variant; it is then kept
	// when the story changes, and Stale says whether the story now
	// generates something else than Base, the generated variant the edit
	// started from, with Diff saying how.
	Edited    bool
	Stale     bool
	Base      VariantBase
	Diff      VariantDiff
	UpdatedAt time.Time
}

// VariantBase is the generated text an edit started from.
type VariantBase struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// GlossaryTerm is one entry of a workspace's glossary: a term protected
// from script conversion, or a phrase with the workspace's own
// translation for some audience scripts (all when Scripts is empty).
type GlossaryTerm struct {
	Term        string   `json:"term"`
	Protect     bool     `json:"protect"`
	Replacement string   `json:"replacement,omitempty"`
	Scripts     []string `json:"scripts,omitempty"`
}

// DirectoryPerson is an entry of a workspace's people directory: how to
// mention one person on each platform.
type DirectoryPerson struct {
	// Key is what story bodies write between @{ and }.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Handles maps a platform to the person's handle there.
	Handles   map[Platform]string `json:"handles"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// Template is a workspace's own template for a platform.
type Template struct {
	Platform  Platform
	Source    string
	UpdatedAt time.Time
}
