package ferry

import "time"

// Notices tell people what they must know: one notice per person and event,
// kept in their inbox and sent by the channels they chose. An event is an
// audit event whose action has a notice kind (internal/service, notices.go
// says who hears of each); the notice is written in the transaction that
// writes the audit event, so a change and its notices commit together.

// NoticeKind is what a notice is about.
type NoticeKind string

// Notice kinds.
const (
	NoticeApprovalRequested NoticeKind = "approval_requested"
	NoticeApproved          NoticeKind = "approved"
	NoticeRejected          NoticeKind = "rejected"
	NoticeMentioned         NoticeKind = "mentioned"
	NoticePublicationFailed NoticeKind = "publication_failed"
	NoticeOutcomeUnknown    NoticeKind = "outcome_unknown"
	NoticePublicationMissed NoticeKind = "publication_missed"
	NoticeAccountReauth     NoticeKind = "account_reauth"
	NoticeTokenExpiring     NoticeKind = "token_expiring"
	NoticeHandoffOpened     NoticeKind = "handoff_opened"
	NoticeHandoffWithdrawn  NoticeKind = "handoff_withdrawn"
	NoticeHandoffMissed     NoticeKind = "handoff_missed"
	NoticePaused            NoticeKind = "paused"
	NoticeResumed           NoticeKind = "resumed"
	NoticePublicationSent   NoticeKind = "publication_sent"
	NoticeHandoffConfirmed  NoticeKind = "handoff_confirmed"
)

// NoticeKinds lists every kind, in the order the preferences page shows them.
var NoticeKinds = []NoticeKind{
	NoticeApprovalRequested, NoticeApproved, NoticeRejected, NoticeMentioned,
	NoticePublicationFailed, NoticeOutcomeUnknown, NoticePublicationMissed,
	NoticeAccountReauth, NoticeTokenExpiring,
	NoticeHandoffOpened, NoticeHandoffConfirmed, NoticeHandoffWithdrawn, NoticeHandoffMissed,
	NoticePaused, NoticeResumed,
}

// Valid reports whether k is a known kind.
func (k NoticeKind) Valid() bool {
	for _, n := range NoticeKinds {
		if k == n {
			return true
		}
	}
	return false
}

// NoticeChannel is how a person hears of a notice besides the inbox, which
// keeps every notice.
type NoticeChannel string

// Notice channels.
const (
	ChannelEmail    NoticeChannel = "email"
	ChannelTelegram NoticeChannel = "telegram"
)

// NoticeChannels lists the channels a person chooses.
var NoticeChannels = []NoticeChannel{ChannelEmail, ChannelTelegram}

// NoticeMode is when a channel carries a kind of notice.
type NoticeMode string

// Notice modes. Digest is for email only: one email a day with the day's
// notices.
const (
	NoticeOff    NoticeMode = "off"
	NoticeNow    NoticeMode = "now"
	NoticeDigest NoticeMode = "digest"
)

// DefaultNoticeMode is a channel's mode for a kind until the person
// chooses: email at once for what needs someone to act, the rest in the
// inbox only; Telegram off until the person gives a chat.
func DefaultNoticeMode(k NoticeKind, c NoticeChannel) NoticeMode {
	if c != ChannelEmail {
		return NoticeOff
	}
	switch k {
	case NoticeApprovalRequested, NoticeRejected, NoticeMentioned, NoticePublicationFailed, NoticeOutcomeUnknown,
		NoticePublicationMissed, NoticeAccountReauth, NoticeTokenExpiring, NoticeHandoffMissed, NoticePaused:
		return NoticeNow
	}
	return NoticeOff
}

// Notice is one person's notice of one event.
type Notice struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"-"`
	UserID      string     `json:"-"`
	Kind        NoticeKind `json:"kind"`
	// Actor is who caused it ("user:<id>" or "system"); ActorName their name.
	Actor     string `json:"actor"`
	ActorName string `json:"actor_name,omitempty"`
	// TargetType and TargetID name what it is about (story, publication,
	// account, handoff, pause).
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	// Data are the words' arguments: the story's title, the account's name,
	// the platform, the reason…
	Data      map[string]string `json:"data"`
	CreatedAt time.Time         `json:"created_at"`
	ReadAt    *time.Time        `json:"read_at,omitempty"`
}

// NoticePref is a person's choice of mode for one kind on one channel.
type NoticePref struct {
	Kind    NoticeKind    `json:"kind"`
	Channel NoticeChannel `json:"channel"`
	Mode    NoticeMode    `json:"mode"`
}
