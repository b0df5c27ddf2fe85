package service

import (
	"context"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
)

// tokenTouchEvery is how stale a token's recorded last use may get.
// Recording every use would add a write to every request, reads included,
// and on SQLite each write waits for the one write connection that the
// delivery engine needs too; to the minute is precise enough to tell a
// token in use from a forgotten one.
const tokenTouchEvery = time.Minute

// Authenticate resolves an API token to who acts with it (with the
// token's scope), and records the token's use and the client's address at
// most once a minute. An unknown token is EUNAUTHORIZED, counted against
// the client's address (throttle.go); while the address is refused it is
// ETOOMANY instead; an expired one is EUNAUTHORIZED too. A valid token is
// not slowed: it carries 256 random bits, so it was not guessed, and the
// common case costs no extra read.
func (s *Service) Authenticate(ctx context.Context, token string) (ferry.Principal, error) {
	p, tok, err := s.DB.Read().PrincipalByTokenHash(ctx, auth.HashToken(strings.TrimSpace(token)))
	if ferry.IsCode(err, ferry.EUNAUTHORIZED) {
		key := addrKey(clientAddr(ctx))
		if terr := s.throttled(ctx, key); terr != nil {
			return p, terr
		}
		if _, ferr := s.failed(context.WithoutCancel(ctx), key, throttleFreeAddr); ferr != nil {
			s.Log.Error("token throttle: cannot count a failure", "error", ferr)
		}
		return p, err
	}
	if err != nil {
		return p, err
	}
	q := s.DB.Write()
	now := q.Now()
	if tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt) {
		return ferry.Principal{}, ferry.Errorf(ferry.EUNAUTHORIZED, "The API token %q expired at %s: make a new one.", tok.Name, tok.ExpiresAt.UTC().Format(time.RFC3339)).
			WithDetails(map[string]string{"token": "expired"})
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenTouchEvery {
		addr := ""
		if a := clientAddr(ctx); a.IsValid() {
			addr = a.String()
		}
		if err := q.TouchToken(ctx, tok.ID, now, addr); err != nil {
			// Bookkeeping: the request goes on without it.
			s.Log.Warn("record token use", "token_id", tok.ID, "error", err)
		}
	}
	return p, nil
}

// ClaimIdempotencyKey claims the caller's key for a request before it is
// handled. When the key was claimed before, it returns the earlier claim
// (Status 0 while that request is still being handled) and claimed=false;
// a claim older than abandonedAfter and never answered belongs to a
// request that died with its process, and is taken over by a request with
// the same hash.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, p ferry.Principal, key, requestHash string, abandonedAfter time.Duration) (prev *ferry.IdempotentResponse, claimed bool, err error) {
	q := s.DB.Write()
	return q.ReserveIdempotencyKey(ctx, p.WorkspaceID, p.UserID, key, requestHash, q.Now().Add(-abandonedAfter))
}

// AnswerIdempotencyKey stores the answer to a claimed key's request.
func (s *Service) AnswerIdempotencyKey(ctx context.Context, p ferry.Principal, key string, status int, body []byte) error {
	return s.DB.Write().CompleteIdempotencyKey(ctx, p.WorkspaceID, p.UserID, key, status, body)
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed in a way
// that may be retried.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, p ferry.Principal, key string) error {
	return s.DB.Write().ReleaseIdempotencyKey(ctx, p.WorkspaceID, p.UserID, key)
}

// Readiness says whether Ferry can serve: the database answers and its
// schema is the one this binary needs.
type Readiness struct {
	Ready bool
	// Reason says why not, in plain words.
	Reason string
	Schema int
	Latest int
}

// Readiness checks the database and its schema.
func (s *Service) Readiness(ctx context.Context) Readiness {
	if err := s.DB.Ping(ctx); err != nil {
		return Readiness{Reason: "the database does not answer"}
	}
	st, err := s.DB.Status(ctx)
	if err != nil {
		return Readiness{Reason: "the database schema cannot be read"}
	}
	if !st.UpToDate() {
		return Readiness{Reason: "the database schema is not current", Schema: st.Current, Latest: st.Latest}
	}
	return Readiness{Ready: true, Schema: st.Current, Latest: st.Latest}
}
