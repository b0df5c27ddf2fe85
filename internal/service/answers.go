package service

import (
	"time"

	"github.com/ferry-social/ferry"
)

// Answer says what a change to a story — deleting it, removing a target,
// an edit or a new time — did to one of its publications. A change never
// reaches a publication that is being sent or has gone out: the answer
// says so, publication by publication, rather than leaving it to be
// guessed.
type Answer string

// Answers.
const (
	// AnswerWithdrawn: canceled by this change; it will not go out.
	AnswerWithdrawn Answer = "withdrawn"
	// AnswerChanged: not sent yet; it takes the change (new content, a new
	// time, or back to draft).
	AnswerChanged Answer = "changed"
	// AnswerTooLate: being sent (Because "being_sent") or sent with an
	// outcome nobody knows yet (Because "outcome_unknown"); the change did
	// not reach it, and it may be (or be already) on its platform.
	AnswerTooLate Answer = "too_late"
	// AnswerPublished: on its platform at RemoteURL; the change did not
	// reach it. Deleting the live post is a separate, explicit action.
	AnswerPublished Answer = "already_published"
	// AnswerEnded: failed, missed or canceled before the change; nothing
	// went out and nothing more will.
	AnswerEnded Answer = "ended"
	// AnswerMoved: moved to another account by the closure of its own
	// (closure.go); the new publication takes its place.
	AnswerMoved Answer = "moved"
	// AnswerUnchanged: the change was refused as a whole (another
	// publication was being sent), so this one stays as it was.
	AnswerUnchanged Answer = "unchanged"
)

// Reasons a change came too late.
const (
	BecauseBeingSent      = "being_sent"
	BecauseOutcomeUnknown = "outcome_unknown"
)

// PublicationAnswer is the answer for one publication.
type PublicationAnswer struct {
	PublicationID string                 `json:"publication_id"`
	AccountID     string                 `json:"account_id"`
	Platform      ferry.Platform         `json:"platform"`
	State         ferry.PublicationState `json:"state"`
	Answer        Answer                 `json:"answer"`
	Because       string                 `json:"because,omitempty"`
	RemoteURL     string                 `json:"remote_url,omitempty"`
	PublishedAt   *time.Time             `json:"published_at,omitempty"`
	// Message says it in English.
	Message string `json:"message"`
}

// answerFor words what a change did to pub, as it stands after the change:
// touched says whether the change reached it (withdrawn says how).
func answerFor(pub *ferry.Publication, touched, withdrawn bool) PublicationAnswer {
	a := PublicationAnswer{PublicationID: pub.ID, AccountID: pub.AccountID, Platform: pub.Platform, State: pub.State}
	name := pub.Platform.Name()
	switch {
	case withdrawn:
		a.Answer, a.Message = AnswerWithdrawn, "Withdrawn: it will not go out to "+name+"."
	case touched:
		a.Answer, a.Message = AnswerChanged, "Not sent yet: it takes the change."
	case pub.State == ferry.StatePublished:
		a.Answer, a.RemoteURL, a.PublishedAt = AnswerPublished, pub.RemoteURL, pub.PublishedAt
		a.Message = "Already published on " + name + "; it stays there"
		if pub.RemoteURL != "" {
			a.Message += " (" + pub.RemoteURL + ")"
		}
		a.Message += "."
	case pub.State == ferry.StatePublishing:
		a.Answer, a.Because = AnswerTooLate, BecauseBeingSent
		a.Message = "Too late: it is being sent to " + name + " right now, and may go out."
	case pub.State == ferry.StateUnknown:
		a.Answer, a.Because = AnswerTooLate, BecauseOutcomeUnknown
		a.Message = "Too late: it was sent to " + name + " and may be there; nobody knows yet."
	case pub.State.Final():
		a.Answer, a.Message = AnswerEnded, "It had ended ("+string(pub.State)+") before: nothing went out to "+name+"."
	default:
		a.Answer, a.Message = AnswerUnchanged, "Unchanged."
	}
	return a
}

// answersFor answers for every publication of a story after a change that
// reached those in touched and withdrew those in withdrawn (by id).
func answersFor(pubs []*ferry.Publication, touched, withdrawn map[string]bool) []PublicationAnswer {
	out := make([]PublicationAnswer, 0, len(pubs))
	for _, pub := range pubs {
		out = append(out, answerFor(pub, touched[pub.ID], withdrawn[pub.ID]))
	}
	return out
}
