package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"

	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/netguard"
)

// Webhook headers. The signature is "sha256=" and the hex HMAC-SHA256 of
// the raw body under the workspace's webhook secret; the delivery id stays
// the same when a delivery is retried, so receivers can drop repeats.
const (
	HeaderSignature = "X-Ferry-Signature"
	HeaderEvent     = "X-Ferry-Event"
	HeaderDelivery  = "X-Ferry-Delivery"
)

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports whether header is body's signature under
// secret, in constant time. Receivers can use it as is.
func VerifySignature(secret, header string, body []byte) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// Webhooks posts signed JSON to workspaces' webhook URLs.
type Webhooks struct {
	Client *http.Client
}

// NewWebhooks returns a poster whose bounded client passes guard at dial
// time (webhook URLs are a person's word) and does not follow redirects (a
// redirected delivery counts as failed).
func NewWebhooks(guard *netguard.Guard, timeout time.Duration) *Webhooks {
	return &Webhooks{Client: guard.Client(timeout)}
}

// ValidWebhookURL reports whether u is an absolute http(s) URL.
func ValidWebhookURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

// Post delivers one event. A 2xx answer is success; 410 Gone is permanent;
// anything else is retried.
func (w *Webhooks) Post(ctx context.Context, target, secret, event, deliveryID string, body []byte) error {
	if !ValidWebhookURL(target) {
		return permanent("webhook URL %q is not an http(s) URL", target)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return permanent("webhook: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Ferry-Webhook/1")
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderSignature, Sign(secret, body))
	resp, err := w.Client.Do(req)
	if refused := (*netguard.Refused)(nil); errors.As(err, &refused) {
		return permanent("webhook: %v", refused)
	}
	if err != nil {
		return temporary("webhook: %v", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusGone:
		return permanent("webhook answered 410 Gone")
	}
	e := &Error{Err: &statusError{status: resp.StatusCode, body: strings.TrimSpace(string(snippet))}}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if d, err := time.ParseDuration(s + "s"); err == nil && d > 0 {
			e.RetryAfter = d
		}
	}
	return e
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	if e.body == "" {
		return "webhook answered " + http.StatusText(e.status)
	}
	return "webhook answered " + http.StatusText(e.status) + ": " + e.body
}
