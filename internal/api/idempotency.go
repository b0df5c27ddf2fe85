package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"

	"github.com/ferry-social/ferry"
)

const (
	// idempotentWorkLimit bounds the handling of a request under a claimed
	// key: its context ends then, and the handler fails (releasing the key)
	// or answers.
	idempotentWorkLimit = 2 * time.Minute
	// claimAbandonedAfter is when an unanswered claim is taken to belong to
	// a request whose process died, and the next request with the same key
	// and body may claim it. A live request answers or releases within
	// idempotentWorkLimit; the margin covers work that ignores its context
	// for a while and servers whose clocks disagree. The dead request may
	// have done its work; the repeat does it again, as a client left with a
	// key stuck "in progress" would have had to under a new key.
	claimAbandonedAfter = 10 * time.Minute
	// answerTimeout bounds recording the answer.
	answerTimeout = 10 * time.Second
)

// maxIdempotentBody bounds what is buffered to hash a request; uploads over
// it are refused with Idempotency-Key (send them without one: media are
// content-addressed, so repeating an upload creates nothing twice).
const maxIdempotentBody = 32 << 20

// idempotent handles a POST carrying an Idempotency-Key: the same key and
// body get the same response, and the work is done once. The key is claimed
// before the work starts, so concurrent repeats cannot both do it.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p ferry.Principal, handle func(http.ResponseWriter, *http.Request) error) error {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		return ferry.Errorf(ferry.EINVALID, "Idempotency-Key must be at most 255 characters.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxIdempotentBody+1))
	if err != nil {
		return ferry.Errorf(ferry.EINVALID, "The request body could not be read.")
	}
	if len(body) > maxIdempotentBody {
		return ferry.Errorf(ferry.ETOOLARGE, "Requests with an Idempotency-Key may carry at most %d bytes.", maxIdempotentBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	hash := requestHash(r, body)

	ctx := r.Context()
	prev, claimed, err := s.svc.ClaimIdempotencyKey(ctx, p, key, hash, claimAbandonedAfter)
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case prev.RequestHash != hash:
			return ferry.Errorf(ferry.EUNPROCESSABLE, "Idempotency-Key %q was used before with a different request.", key)
		case prev.Status == 0:
			return ferry.Errorf(ferry.ECONFLICT, "A request with Idempotency-Key %q is still being processed.", key)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prev.Status)
		_, _ = w.Write(prev.Body)
		return nil
	}
	rec := &bufferingWriter{header: w.Header(), status: http.StatusOK}
	work, cancel := context.WithTimeout(ctx, idempotentWorkLimit)
	err = handle(rec, r.WithContext(work))
	cancel()
	if err != nil {
		rec.reset()
		writeError(rec, r, s.log, err)
	}
	// Recorded even when the client has gone: a claim left unanswered
	// would later be taken as abandoned, and the work done again.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	if rec.status >= 500 {
		// A server error may be retried with the same key.
		if err := s.svc.ReleaseIdempotencyKey(actx, p, key); err != nil {
			s.log.Error("release idempotency key", "error", err)
		}
	} else if err := s.svc.AnswerIdempotencyKey(actx, p, key, rec.status, rec.buf.Bytes()); err != nil {
		return err
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.buf.Bytes())
	return nil
}

// requestHash identifies a request sent with an Idempotency-Key: a repeat
// must have the same method, path, content type and body.
func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\x00"+r.Header.Get("Content-Type")+"\x00")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

type bufferingWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferingWriter) Header() http.Header         { return b.header }
func (b *bufferingWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *bufferingWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferingWriter) reset()                      { b.buf.Reset(); b.status = http.StatusOK }
