package service

import (
	"context"
	"net/url"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/store"
)

// Publication returns one publication.
func (s *Service) Publication(ctx context.Context, p ferry.Principal, id string) (*ferry.Publication, error) {
	if err := require(p, ferry.RoleViewer, "see publications"); err != nil {
		return nil, err
	}
	return s.DB.Read().Publication(ctx, p.WorkspaceID, id)
}

// Resolution is a person's verdict on a publication whose outcome Ferry
// could not establish.
type Resolution struct {
	Outcome string `json:"outcome"` // "published" or "retry"
	URL     string `json:"url"`
}

// Resolve settles an unknown publication: it was published (at URL), or it
// was not and should be sent again.
func (s *Service) Resolve(ctx context.Context, p ferry.Principal, id string, r Resolution) (*ferry.Publication, error) {
	if err := require(p, ferry.RoleEditor, "resolve publications"); err != nil {
		return nil, err
	}
	switch r.Outcome {
	case "published":
		u, err := url.Parse(strings.TrimSpace(r.URL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, ferry.Errorf(ferry.EINVALID, "url must be the post's http(s) address.").WithDetails(map[string]string{"url": "must be an http(s) URL"})
		}
	case "retry":
	default:
		return nil, ferry.Errorf(ferry.EINVALID, `outcome must be "published" or "retry".`).WithDetails(map[string]string{"outcome": `must be "published" or "retry"`})
	}
	var pub *ferry.Publication
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if pub, err = tx.Publication(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if pub.State != ferry.StateUnknown {
			return ferry.Errorf(ferry.ECONFLICT, "Only a publication whose outcome is unknown can be resolved; this one is %s.", pub.State)
		}
		if err := s.closeOpenAttempt(ctx, tx, pub, r.Outcome); err != nil {
			return err
		}
		if r.Outcome == "retry" {
			now := tx.Now()
			return s.reschedule(ctx, tx, p, pub, &now, ferry.Because(ferry.ReasonNotSentResend))
		}
		from := pub.State
		now := tx.Now()
		pub.Version++
		pub.State, pub.Error, pub.NextAt = ferry.StatePublished, nil, nil
		pub.SetReason(ferry.Because(ferry.ReasonConfirmedByPerson))
		pub.RemoteURL, pub.PublishedAt = strings.TrimSpace(r.URL), &now
		if err := tx.SavePublication(ctx, pub); err != nil {
			return err
		}
		return delivery.Transitioned(ctx, tx, s.Events, p.Actor(), pub, from)
	})
	if err != nil {
		return nil, err
	}
	return pub, nil
}

// closeOpenAttempt records a person's verdict on the last attempt.
func (s *Service) closeOpenAttempt(ctx context.Context, tx *store.Tx, pub *ferry.Publication, outcome string) error {
	atts, err := tx.Attempts(ctx, pub.ID)
	if err != nil || len(atts) == 0 {
		return err
	}
	last := atts[len(atts)-1]
	if last.FinishedAt != nil && last.Outcome != ferry.OutcomeUnknown {
		return nil
	}
	last.Outcome = ferry.OutcomeAbandoned
	if outcome == "published" {
		last.Outcome = ferry.OutcomeReconciled
	}
	last.ErrorMessage = "Resolved by a person."
	return tx.FinishAttempt(ctx, last)
}

// RetryPublication sends a failed or missed publication again, now: a
// person decided the reason it stopped no longer holds.
func (s *Service) RetryPublication(ctx context.Context, p ferry.Principal, id string) (*ferry.Publication, error) {
	if err := require(p, ferry.RoleEditor, "retry publications"); err != nil {
		return nil, err
	}
	var pub *ferry.Publication
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if pub, err = tx.Publication(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if pub.State != ferry.StateFailed && pub.State != ferry.StateMissed {
			return ferry.Errorf(ferry.ECONFLICT, "Only a failed or missed publication can be retried; this one is %s.", pub.State)
		}
		if _, err := tx.Story(ctx, p.WorkspaceID, pub.StoryID); err != nil {
			return err // a deleted story sends nothing more
		}
		now := tx.Now()
		pub.Error = nil
		return s.reschedule(ctx, tx, p, pub, &now, ferry.Because(ferry.ReasonRetryRequested))
	})
	if err != nil {
		return nil, err
	}
	return pub, nil
}

// CancelPublication withdraws one publication that has not gone out; the
// story's other publications are left as they are.
func (s *Service) CancelPublication(ctx context.Context, p ferry.Principal, id string) (*ferry.Publication, error) {
	if err := require(p, ferry.RoleEditor, "cancel publications"); err != nil {
		return nil, err
	}
	var pub *ferry.Publication
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if pub, err = tx.Publication(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		if !pub.State.Cancelable() {
			return ferry.Errorf(ferry.ECONFLICT, "Only a publication that has not gone out can be canceled; this one is %s.", pub.State)
		}
		return s.cancel(ctx, tx, p, pub, ferry.Because(ferry.ReasonCanceledByPerson))
	})
	if err != nil {
		return nil, err
	}
	return pub, nil
}
