package weibo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/platform"
)

// maxResponseBytes bounds what is read of an answer; Weibo's largest (a
// timeline page of 100 statuses) is far below it.
const maxResponseBytes = 8 << 20

// request is one call to the Open API.
type request struct {
	method string // http.MethodGet or http.MethodPost
	path   string // from the base URL, e.g. "/2/statuses/share.json"
	token  string // sent as access_token; never shown in errors
	params url.Values
	pic    *platform.Media // sent as the multipart field "pic"
	// safe marks calls that change nothing on Weibo, so a connection that
	// breaks after sending can be retried instead of reconciled.
	safe bool
	// secrets are other values to keep out of errors (client secret, code).
	secrets []string
}

// apiError is Weibo's error envelope, shared by the API and OAuth:
// {"request", "error_code", "error"} plus, from OAuth, "error_description".
type apiError struct {
	Request     string  `json:"request"`
	Code        flexInt `json:"error_code"`
	Error       string  `json:"error"`
	Description string  `json:"error_description"`
}

// do performs a call and decodes a successful answer into out (when not
// nil). Every failure it returns is a *platform.Error.
func (c *Connector) do(ctx context.Context, r request, out any) error {
	secrets := append([]string{r.token}, r.secrets...)
	params := url.Values{}
	for k, vs := range r.params {
		params[k] = vs
	}
	if r.token != "" {
		params.Set("access_token", r.token)
	}
	endpoint := c.baseURL + r.path
	var body io.Reader
	contentType := ""
	switch {
	case r.method == http.MethodGet:
		endpoint += "?" + params.Encode()
	case r.pic != nil:
		b, ct, err := multipartBody(params, *r.pic)
		if err != nil {
			return &platform.Error{Class: platform.Permanent, Code: "weibo:media", Message: "The image could not be read.", Err: err}
		}
		body, contentType = b, ct
	default:
		body, contentType = strings.NewReader(params.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, endpoint, body)
	if err != nil {
		return &platform.Error{Class: platform.Permanent, Code: "weibo:request", Message: "The request to Weibo could not be built.", Err: scrub(err, r.path, secrets)}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return transportError(scrub(err, r.path, secrets), err, r.safe)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return transportError(scrub(err, r.path, secrets), err, r.safe)
	}
	if e, ok := parseError(raw, resp.StatusCode); ok {
		return classify(e, resp.StatusCode, r.safe, retryAfter(resp.Header), secrets)
	}
	if resp.StatusCode != http.StatusOK {
		return classifyHTTP(resp.StatusCode, r.safe, retryAfter(resp.Header))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &platform.Error{Class: platform.Unknown, Code: "weibo:decode", Message: "Weibo's answer had an unexpected shape.", Err: err}
	}
	return nil
}

func multipartBody(params url.Values, pic platform.Media) (io.Reader, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	// Fields in a stable order, so requests are reproducible.
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if err := mw.WriteField(k, params.Get(k)); err != nil {
			return nil, "", err
		}
	}
	rc, err := pic.Open()
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	w, err := mw.CreateFormFile("pic", "pic"+extension(pic.Mime))
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(w, rc); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}

func extension(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	}
	return ".jpg"
}

// parseError finds Weibo's error envelope in an answer. Successful answers
// are objects or arrays without error_code.
func parseError(raw []byte, status int) (apiError, bool) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return apiError{}, false
	}
	var e apiError
	if err := json.Unmarshal(trimmed, &e); err != nil {
		return apiError{}, false
	}
	if e.Code != 0 || (e.Error != "" && status >= 400) {
		return e, true
	}
	return apiError{}, false
}

// classOf sorts Weibo's error codes as PLATFORMS.md ("Sina Weibo", Errors)
// does. ok is false for codes it does not list.
func classOf(code int) (class platform.Class, ok bool) {
	switch {
	case code >= 10001 && code <= 10003, code == 10009, code >= 10022 && code <= 10024, code == 20016,
		code == 21331: // OAuth temporarily_unavailable
		return platform.Retry, true
	case code == 20017, code == 20019, code == 20111:
		return platform.Duplicate, true
	case code == 21301, code >= 21314 && code <= 21317, code == 21319, code == 21327, code == 21332:
		return platform.Reauth, true
	case code == 20032:
		// "Update success, while server slow now": posted, but the status
		// may not be readable yet. Reconcile rather than resend.
		return platform.Unknown, true
	case code == 10014, code >= 10016 && code <= 10018, code >= 20005 && code <= 20007, code == 20012,
		code == 20018, code == 20020, code == 20021:
		return platform.Permanent, true
	}
	return 0, false
}

// classify turns an error envelope into what the engine should do.
func classify(e apiError, status int, safe bool, hint time.Duration, secrets []string) *platform.Error {
	code := int(e.Code)
	text := e.Error
	if e.Description != "" && e.Description != e.Error {
		text = e.Error + ": " + e.Description
	}
	text = redact(strings.TrimSpace(text), secrets)
	if text == "" {
		text = "no explanation given"
	}
	class, listed := classOf(code)
	if !listed {
		// A code PLATFORMS.md does not list: a server-side failure may or
		// may not have taken effect; anything else is a refusal.
		switch {
		case status >= 500 && safe:
			class = platform.Retry
		case status >= 500:
			class = platform.Unknown
		default:
			class = platform.Permanent
		}
	}
	err := &platform.Error{Class: class, Code: "weibo:" + strconv.Itoa(code), Message: message(class, code, text)}
	if class == platform.Retry {
		err.RetryAfter = hint
	}
	return err
}

// message explains a failure for people, in plain words plus Weibo's own.
func message(class platform.Class, code int, text string) string {
	switch class {
	case platform.Retry:
		return fmt.Sprintf("Weibo is busy or limiting requests (%q); Ferry will try again later.", text)
	case platform.Duplicate:
		return fmt.Sprintf("Weibo says the account already posted this text (%q); Ferry checks whether it went out before doing anything else.", text)
	case platform.Reauth:
		return fmt.Sprintf("Weibo no longer accepts this account's authorisation (%q); reconnect the account.", text)
	case platform.Unknown:
		return fmt.Sprintf("Weibo's answer leaves open whether the post went out (%q); Ferry will check.", text)
	}
	switch {
	case code == 20012:
		return fmt.Sprintf("The text is longer than Weibo's 140 characters (%q); shorten it.", text)
	case code == 10017 && strings.Contains(text, "domain"):
		return fmt.Sprintf("Weibo requires a link on the app's registered safe domain in every shared post (%q); add the account's link or register the domain.", text)
	case code == 20005:
		return fmt.Sprintf("Weibo accepts only JPEG, GIF and PNG images (%q).", text)
	case code == 20006:
		return fmt.Sprintf("The image is too large for Weibo, which takes less than 5 MB (%q).", text)
	case code == 10014:
		return fmt.Sprintf("The Weibo app lacks the permission for this call (%q); check the app's access level on open.weibo.com.", text)
	}
	return fmt.Sprintf("Weibo refused the request (%q).", text)
}

// classifyHTTP handles answers without Weibo's envelope (gateways, outages).
func classifyHTTP(status int, safe bool, hint time.Duration) *platform.Error {
	code := "weibo:http_" + strconv.Itoa(status)
	switch {
	case status == http.StatusTooManyRequests, status >= 500 && safe:
		return &platform.Error{Class: platform.Retry, Code: code, Message: fmt.Sprintf("Weibo answered HTTP %d without an explanation; Ferry will try again later.", status), RetryAfter: hint}
	case !safe:
		return &platform.Error{Class: platform.Unknown, Code: code, Message: fmt.Sprintf("Weibo answered HTTP %d without an explanation; the post may or may not have gone out.", status)}
	}
	return &platform.Error{Class: platform.Permanent, Code: code, Message: fmt.Sprintf("Weibo answered HTTP %d without an explanation; check the configured base URL.", status)}
}

// transportError classifies a failed round trip. A failure to connect means
// nothing was sent; after that, a call that changes something may have
// taken effect. shown is the error with secrets removed; orig is inspected.
func transportError(shown, orig error, safe bool) *platform.Error {
	var timeout interface{ Timeout() bool }
	switch {
	case platform.IsDialError(orig):
		return &platform.Error{Class: platform.Retry, Code: "weibo:connect", Message: "Weibo could not be reached.", Err: shown}
	case safe:
		return &platform.Error{Class: platform.Retry, Code: "weibo:transport", Message: "The connection to Weibo broke; Ferry will try again.", Err: shown}
	case errors.As(orig, &timeout) && timeout.Timeout():
		return &platform.Error{Class: platform.Unknown, Code: "weibo:timeout", Message: "Weibo did not answer in time; the post may or may not have gone out.", Err: shown}
	}
	return &platform.Error{Class: platform.Unknown, Code: "weibo:transport", Message: "The connection to Weibo broke before it answered; the post may or may not have gone out.", Err: shown}
}

// scrub makes an error safe to show: *url.Error repeats the whole URL,
// query (and so access_token) included, so only its operation, the path and
// the cause are kept; any secret left in the text is masked.
func scrub(err error, path string, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s %s: %w", ue.Op, path, ue.Err)
	}
	if msg := err.Error(); redact(msg, secrets) != msg {
		return errors.New(redact(msg, secrets))
	}
	return err
}

// redact masks every secret in s, raw or URL-encoded.
func redact(s string, secrets []string) string {
	for _, x := range secrets {
		if x == "" {
			continue
		}
		s = strings.ReplaceAll(s, x, "[redacted]")
		if q := url.QueryEscape(x); q != x {
			s = strings.ReplaceAll(s, q, "[redacted]")
		}
	}
	return s
}

// retryAfter reads a Retry-After header in seconds. Weibo sends none; a
// proxy or the sandbox may.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// flexInt is a count that Weibo sends as a number or, in some answers, as a
// string ("16"); empty and null mean zero.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("weibo: %s is not a count", b)
	}
	*n = flexInt(v)
	return nil
}

// idString is an id that Weibo sends as a number or a string. Numbers are
// kept digit for digit: status ids outgrow float64's 53 bits.
type idString string

func (id *idString) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*id = ""
		return nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		*id = idString(unq)
		return nil
	}
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return fmt.Errorf("weibo: %s is not an id", b)
	}
	*id = idString(s)
	return nil
}
