// Package graph is a small client for Meta's Graph API, shared by the
// Facebook Pages and Instagram connectors: versioned paths, access tokens,
// form-encoded and multipart calls, cursor paging, ?ids= batches, and the
// classification of Graph errors into what Ferry's delivery engine should do
// (see errors.go).
//
// Access tokens travel in the query string (GET, DELETE) or the form body
// (POST), as the Graph API documents; every error this package returns has
// them, and the other secret parameters, removed from its text.
package graph

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry/internal/platform"
)

// Defaults of a Client.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	// DefaultVersion is the Graph API version Ferry is written and tested
	// against. It is pinned: Meta changes fields and metrics between versions.
	DefaultVersion = "v23.0"
)

// maxBody bounds how much of an answer is read; Graph answers are small.
const maxBody = 8 << 20

// secretParams are parameters whose values must never appear in an error.
var secretParams = []string{"access_token", "appsecret_proof", "client_secret", "fb_exchange_token", "code"}

// Config configures a Client.
type Config struct {
	// BaseURL is the API's address without the version (DefaultBaseURL when
	// empty; the sandbox serves it under /graph).
	BaseURL string
	// Version is the pinned API version, e.g. "v23.0" (DefaultVersion when empty).
	Version string
	// HTTPClient makes the calls; nil means a client with a 60-second timeout.
	HTTPClient *http.Client
	// AppSecret, when set, signs every call that carries a token with
	// appsecret_proof, which apps may be configured to require.
	AppSecret string
	// Name prefixes the error codes the client returns ("facebook:190").
	Name string
}

// Client calls one Graph API version. It is safe for concurrent use.
type Client struct {
	baseURL   string
	version   string
	http      *http.Client
	appSecret string
	name      string
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(cfg.BaseURL, "/"),
		version:   strings.Trim(cfg.Version, "/"),
		http:      cfg.HTTPClient,
		appSecret: cfg.AppSecret,
		name:      cfg.Name,
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	if c.version == "" {
		c.version = DefaultVersion
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	if c.name == "" {
		c.name = "graph"
	}
	return c
}

// Version returns the pinned API version.
func (c *Client) Version() string { return c.version }

// URL returns the absolute URL of a Graph path ("me/accounts") at the
// pinned version.
func (c *Client) URL(path string) string {
	return c.baseURL + "/" + c.version + "/" + strings.TrimLeft(path, "/")
}

// File is a file uploaded in a multipart call.
type File struct {
	// Field is the form field ("source").
	Field string
	// Name is the file name sent with it.
	Name string
	// Mime is its content type; empty means application/octet-stream.
	Mime string
	Open func() (io.ReadCloser, error)
}

// Get reads path with params and decodes the answer into out.
func (c *Client) Get(ctx context.Context, token, path string, params url.Values, out any) error {
	return c.do(ctx, http.MethodGet, token, path, params, nil, out)
}

// Post calls path with a form-encoded body and decodes the answer into out.
func (c *Client) Post(ctx context.Context, token, path string, params url.Values, out any) error {
	return c.do(ctx, http.MethodPost, token, path, params, nil, out)
}

// Upload calls path with a multipart body holding params and file.
func (c *Client) Upload(ctx context.Context, token, path string, params url.Values, file File, out any) error {
	return c.do(ctx, http.MethodPost, token, path, params, &file, out)
}

// Delete deletes the object at path.
func (c *Client) Delete(ctx context.Context, token, path string, out any) error {
	return c.do(ctx, http.MethodDelete, token, path, nil, nil, out)
}

func (c *Client) do(ctx context.Context, method, token, path string, params url.Values, file *File, out any) error {
	v := url.Values{}
	for k, vs := range params {
		v[k] = vs
	}
	if token != "" {
		v.Set("access_token", token)
		if c.appSecret != "" {
			v.Set("appsecret_proof", AppSecretProof(c.appSecret, token))
		}
	}
	secrets := secretValues(v)

	endpoint := c.URL(path)
	var body io.Reader
	contentType := ""
	switch {
	case file != nil:
		buf, ct, err := multipartBody(v, *file)
		if err != nil {
			return &platform.Error{Class: platform.Permanent, Code: c.name + ":media", Message: "A media file could not be read.", Err: err}
		}
		body, contentType = buf, ct
	case method == http.MethodPost:
		body, contentType = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	default:
		endpoint += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return &platform.Error{Class: platform.Permanent, Code: c.name + ":request", Message: "The request could not be built.", Err: redact(err, secrets)}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(c.name, method, err, secrets)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if method == http.MethodGet {
			return &platform.Error{Class: platform.Retry, Code: c.name + ":read", Message: "The answer from the Graph API was cut off.", Err: redact(err, secrets)}
		}
		return &platform.Error{Class: platform.Unknown, Code: c.name + ":read", Message: "The answer from the Graph API was cut off; the call may have taken effect.", Err: redact(err, secrets)}
	}
	if apiErr, ok := ParseError(raw); ok {
		apiErr.HTTPStatus = resp.StatusCode
		// Meta does not echo tokens, but an error text is no place to
		// find out that it started to.
		apiErr.Message = redactText(apiErr.Message, secrets)
		apiErr.UserMessage = redactText(apiErr.UserMessage, secrets)
		return Classify(c.name, apiErr, resp.Header)
	}
	if resp.StatusCode >= 300 {
		return classifyHTTP(c.name, method, resp.StatusCode, resp.Header)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		cls := platform.Unknown
		if method == http.MethodGet {
			cls = platform.Retry
		}
		return &platform.Error{Class: cls, Code: c.name + ":decode", Message: "The Graph API's answer had an unexpected shape.", Err: err}
	}
	return nil
}

// AppSecretProof returns the appsecret_proof of token: the hex HMAC-SHA256
// of the token keyed by the app secret.
func AppSecretProof(appSecret, token string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

func multipartBody(params url.Values, f File) (*bytes.Buffer, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range params {
		for _, s := range vs {
			if err := mw.WriteField(k, s); err != nil {
				return nil, "", err
			}
		}
	}
	if f.Open == nil {
		return nil, "", errors.New("the media has no content")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Field, f.Name)}
	ct := f.Mime
	if ct == "" {
		ct = "application/octet-stream"
	}
	h["Content-Type"] = []string{ct}
	w, err := mw.CreatePart(h)
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

func secretValues(v url.Values) []string {
	var out []string
	for _, k := range secretParams {
		if s := v.Get(k); s != "" {
			out = append(out, s, url.QueryEscape(s))
		}
	}
	return out
}

// redact removes secrets from an error's text: net/http errors quote the
// URL, and GET URLs carry the access token. The result does not unwrap, so
// nothing further down the chain can print the secret either.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if r := redactText(s, secrets); r != s {
		return errors.New(r)
	}
	return err
}

func redactText(s string, secrets []string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "<redacted>")
		}
	}
	return s
}

// Paging is the paging object of a Graph list.
type Paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

// List is one page of a Graph list.
type List[T any] struct {
	Data   []T    `json:"data"`
	Paging Paging `json:"paging"`
}

// nextParams returns the parameters of the page after p, or false at the
// end. It follows the after cursor, or the query of the next URL minus the
// secrets (which this client adds again), so that the next page is read
// through the same base URL even when the API names another host.
func (p Paging) nextParams(params url.Values) (url.Values, bool) {
	if p.Next == "" {
		return nil, false
	}
	next := url.Values{}
	for k, vs := range params {
		next[k] = vs
	}
	if p.Cursors.After != "" {
		next.Set("after", p.Cursors.After)
		return next, true
	}
	u, err := url.Parse(p.Next)
	if err != nil {
		return nil, false
	}
	q := u.Query()
	for _, k := range secretParams {
		q.Del(k)
	}
	return q, len(q) > 0
}

// Each reads the list at path page by page, calling fn with every item
// until fn returns false or maxPages pages were read. It reports whether the
// whole list was seen, or fn stopped it: false means the page limit cut it
// short.
func Each[T any](ctx context.Context, c *Client, token, path string, params url.Values, maxPages int, fn func(T) bool) (complete bool, err error) {
	for page := 0; page < maxPages; page++ {
		var l List[T]
		if err := c.Get(ctx, token, path, params, &l); err != nil {
			return false, err
		}
		for _, item := range l.Data {
			if !fn(item) {
				return true, nil
			}
		}
		next, ok := l.Paging.nextParams(params)
		if !ok || len(l.Data) == 0 {
			return true, nil
		}
		params = next
	}
	return false, nil
}

// BatchSize is the most ids one ?ids= request may name.
const BatchSize = 50

// Batch reads the objects named by ids with one GET /?ids=… per BatchSize
// ids, and returns them by id. The Graph API fails a whole batch when one id
// does not exist (code 100); the ids of such a batch are then read one by
// one and the missing ones left out, so a deleted post never hides the
// others.
func Batch[T any](ctx context.Context, c *Client, token string, ids []string, params url.Values) (map[string]T, error) {
	out := make(map[string]T, len(ids))
	for start := 0; start < len(ids); start += BatchSize {
		chunk := ids[start:min(start+BatchSize, len(ids))]
		q := url.Values{}
		for k, vs := range params {
			q[k] = vs
		}
		q.Set("ids", strings.Join(chunk, ","))
		var m map[string]T
		err := c.Get(ctx, token, "", q, &m)
		if err == nil {
			for k, v := range m {
				out[k] = v
			}
			continue
		}
		if !IsNotFound(err) {
			return nil, err
		}
		for _, id := range chunk {
			var v T
			err := c.Get(ctx, token, id, params, &v)
			switch {
			case err == nil:
				out[id] = v
			case IsNotFound(err):
			default:
				return nil, err
			}
		}
	}
	return out, nil
}

// Time is a Graph timestamp ("2021-07-04T19:50:58+0000").
type Time struct{ time.Time }

// TimeLayout is how the Graph API writes times.
const TimeLayout = "2006-01-02T15:04:05-0700"

// UnmarshalJSON accepts the Graph layout, RFC 3339 and Unix seconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("graph: time %s: %w", b, err)
		}
		t.Time = time.Unix(n, 0).UTC()
		return nil
	}
	for _, layout := range []string{TimeLayout, time.RFC3339} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		t.Time = time.Unix(n, 0).UTC()
		return nil
	}
	return fmt.Errorf("graph: unrecognised time %q", s)
}

// MarshalJSON writes the Graph layout.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(TimeLayout))
}

// Summary is the summary of an edge requested with .summary(total_count).
type Summary struct {
	Summary struct {
		TotalCount int64 `json:"total_count"`
	} `json:"summary"`
}

// Insight is one metric of an insights edge. Older answers carry values,
// newer ones (2024 onwards) total_value; Value reads either.
type Insight struct {
	Name   string `json:"name"`
	Period string `json:"period"`
	Values []struct {
		Value json.RawMessage `json:"value"`
	} `json:"values"`
	TotalValue *struct {
		Value json.RawMessage `json:"value"`
	} `json:"total_value"`
}

// Value returns the metric's number; ok is false when the metric has no
// numeric value (some metrics break down into maps).
func (in Insight) Value() (n int64, ok bool) {
	var raw json.RawMessage
	switch {
	case in.TotalValue != nil:
		raw = in.TotalValue.Value
	case len(in.Values) > 0:
		raw = in.Values[len(in.Values)-1].Value
	default:
		return 0, false
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	return n, true
}

// SameText reports whether two post texts are the same once whitespace is
// normalised: platforms trim and may fold line ends, so reconciliation
// compares texts this way.
func SameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
