package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/ferry-social/ferry"
)

// maxIdempotentBody bounds what is buffered to hash a request; uploads over
// it are refused with Idempotency-Key (send them without one: media are
// content-addressed, so repeating an upload creates nothing twice).
const maxIdempotentBody = 32 << 20

// idempotent handles a POST carrying an Idempotency-Key: the same key and
// body get the same response, and the work is done once. The key is claimed
// before the work starts, so concurrent repeats cannot both do it.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p ferry.Principal, handle func(http.ResponseWriter) error) error {
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
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\x00"+r.Header.Get("Content-Type")+"\x00")
	h.Write(body)
	hash := hex.EncodeToString(h.Sum(nil))

	ctx := r.Context()
	q := s.db.Write()
	prev, claimed, err := q.ReserveIdempotencyKey(ctx, p.UserID, key, hash)
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
	if err := handle(rec); err != nil {
		rec.reset()
		writeError(rec, r, s.log, err)
	}
	if rec.status >= 500 {
		// A server error may be retried with the same key.
		if err := q.ReleaseIdempotencyKey(ctx, p.UserID, key); err != nil {
			s.log.Error("release idempotency key", "error", err)
		}
	} else if err := q.CompleteIdempotencyKey(ctx, p.UserID, key, rec.status, rec.buf.Bytes()); err != nil {
		return err
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.buf.Bytes())
	return nil
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
