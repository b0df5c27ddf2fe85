// Package api serves Ferry's REST API under /api/v1, plus the health,
// readiness and metrics endpoints. Handlers are thin: they decode, call the
// service, and encode; every error becomes {"error":{"code","message",
// "details"}} with its HTTP status decided in one place (httpd.Status).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/authz"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/service"
)

// Server is the HTTP API.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// noBrowser makes reports act as on a machine without Chromium (tests).
	noBrowser bool
}

// New returns the API server. registry receives the API's metrics and is
// served at /metrics.
func New(svc *service.Service, log *slog.Logger, registry *prometheus.Registry) *Server {
	s := &Server{svc: svc, log: log, registry: registry}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ferry_http_requests_total", Help: "HTTP requests by route and status."}, []string{"method", "route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ferry_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"method", "route"})
	registry.MustRegister(s.requests, s.latency)
	return s
}

// route is one API endpoint. Routes lists them all, in one place.
type route struct {
	method, path string
	// Who may use the route (public, least role, token scope) is the
	// route's entry in the authorization matrix, internal/authz.
	handler func(w http.ResponseWriter, r *http.Request, p ferry.Principal) error
	// For the OpenAPI document: a one-line summary, the schema names of
	// the request and response bodies, and the success status (200 if 0).
	summary, request, response string
	status                     int
	// responses documents other answers than the success one, by status
	// (e.g. "409"), beside the default Error.
	responses map[string]any
}

func (s *Server) routes() []route {
	routes := s.coreRoutes()
	// Each area's routes are added here, one line each.
	routes = append(routes, s.handoffRoutes()...)
	routes = append(routes, s.metricsRoutes()...)
	routes = append(routes, s.adaptRoutes()...)
	routes = append(routes, s.calendarRoutes()...)
	routes = append(routes, s.oauthRoutes()...)
	routes = append(routes, s.workspaceRoutes()...)
	routes = append(routes, s.cancelRoutes()...)
	routes = append(routes, s.peerRoutes()...)
	routes = append(routes, s.noticeRoutes()...)
	routes = append(routes, s.pauseRoutes()...)
	routes = append(routes, s.exportRoutes()...)
	routes = append(routes, s.reportRoutes()...)
	routes = append(routes, s.approvalRoutes()...)
	routes = append(routes, s.auditRoutes()...)
	routes = append(routes, s.versionRoutes()...)
	routes = append(routes, s.checkRoutes()...)
	routes = append(routes, s.archiveRoutes()...)
	return routes
}

func (s *Server) coreRoutes() []route {
	return []route{
		{method: "GET", path: "/healthz", handler: s.healthz, summary: "Liveness: the process answers.", response: "Status"},
		{method: "GET", path: "/readyz", handler: s.readyz, summary: "Readiness: the database answers and its schema is current.", response: "Status"},
		{method: "GET", path: "/api/openapi.json", handler: s.openapi, summary: "This document."},

		{method: "GET", path: "/api/v1/accounts", handler: s.listAccounts, summary: "List the workspace's accounts.", response: "AccountList"},
		{method: "POST", path: "/api/v1/accounts", handler: s.createAccount, summary: "Connect an account by hand (admin).", request: "AccountInput", response: "Account", status: 201},
		{method: "GET", path: "/api/v1/accounts/{id}", handler: s.getAccount, summary: "Get an account.", response: "Account"},
		{method: "PATCH", path: "/api/v1/accounts/{id}", handler: s.patchAccount, summary: "Rename, reconnect (new credentials) or change settings (admin).", request: "AccountPatch", response: "Account"},
		{method: "DELETE", path: "/api/v1/accounts/{id}", handler: s.deleteAccount, summary: "Close an account: keep its record, cancel its unsent publications (admin).", response: "Account"},

		{method: "POST", path: "/api/v1/media", handler: s.uploadMedia, summary: "Upload an image (multipart field \"file\").", request: "MediaUpload", response: "Media", status: 201},

		{method: "GET", path: "/api/v1/stories", handler: s.listStories, summary: "List stories, newest first (filters: state, q; pagination: limit, cursor).", response: "StoryList"},
		{method: "POST", path: "/api/v1/stories", handler: s.createStory, summary: "Write a story for target accounts; scheduled_at null keeps it a draft (editor).", request: "StoryInput", response: "Story", status: 201},
		{method: "GET", path: "/api/v1/stories/{id}", handler: s.getStory, summary: "Get a story with its publications.", response: "Story"},
		{method: "PATCH", path: "/api/v1/stories/{id}", handler: s.patchStory, summary: "Edit or reschedule a story; unsent publications follow at a new version (editor). The answer says what the change did to each publication (answers).", request: "StoryPatch", response: "Story", responses: tooLateResponses},
		{method: "DELETE", path: "/api/v1/stories/{id}", handler: s.deleteStory, summary: "Delete a story and cancel everything not yet sent (editor). Always 200: answers says, for each publication, withdrawn, too_late (being sent, or outcome unknown) or already_published with its link. A story with a post out stays listed, with deleted_at.", response: "Story"},
		{method: "POST", path: "/api/v1/stories/{id}/schedule", handler: s.scheduleStory, summary: "Schedule a story's unsent publications at a time (editor); answers as PATCH.", request: "ScheduleInput", response: "Story", responses: tooLateResponses},
		{method: "POST", path: "/api/v1/stories/{id}/publish", handler: s.publishStory, summary: "Publish a story's unsent publications now (editor); answers as PATCH.", response: "Story", responses: tooLateResponses},

		{method: "GET", path: "/api/v1/publications/{id}", handler: s.getPublication, summary: "Get a publication.", response: "Publication"},
		{method: "POST", path: "/api/v1/publications/{id}/resolve", handler: s.resolvePublication, summary: "Settle a publication whose outcome is unknown: published (with its URL) or retry (editor).", request: "Resolution", response: "Publication"},
	}
}

// Handler returns the HTTP handler of every route, /metrics included.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	// Unknown /api paths answer in the API's error format, not as HTML.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, ferry.Errorf(ferry.ENOTFOUND, "No API endpoint %s %s.", r.Method, r.URL.Path))
	})
	return mux
}

// wrap adds authentication, idempotency, metrics and error handling.
func (s *Server) wrap(rt route) http.Handler {
	pattern := rt.method + " " + rt.path
	rule, known := authz.For(pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Throttling counts against the client's address (service/throttle.go).
		r = r.WithContext(service.WithClientAddr(r.Context(), httpd.ClientAddr(r.Context())))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.requests.WithLabelValues(r.Method, rt.path, fmt.Sprint(rec.status)).Inc()
			s.latency.WithLabelValues(r.Method, rt.path).Observe(time.Since(start).Seconds())
		}()
		var p ferry.Principal
		if !rule.Public {
			var err error
			if p, err = s.authenticate(r); err != nil {
				writeError(rec, r, s.log, err)
				return
			}
		}
		// The authorization matrix decides who may use the route (the
		// service checks the role again).
		if !known {
			writeError(rec, r, s.log, authz.Missing(pattern))
			return
		}
		if err := rule.Allows(p); err != nil {
			writeError(rec, r, s.log, err)
			return
		}
		if err := checkText(r, rt.path); err != nil {
			writeError(rec, r, s.log, err)
			return
		}
		handle := func(w http.ResponseWriter, r *http.Request) error { return rt.handler(w, r, p) }
		var err error
		if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
			err = s.idempotent(rec, r, p, handle)
		} else {
			err = handle(rec, r)
		}
		if err != nil {
			writeError(rec, r, s.log, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request) (ferry.Principal, error) {
	// The scheme is case-insensitive (RFC 9110, 11.1).
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return ferry.Principal{}, ferry.Errorf(ferry.EUNAUTHORIZED, "Send an API token as 'Authorization: Bearer <token>' (create one with `ferry token create`).")
	}
	return s.svc.Authenticate(r.Context(), token)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details any    `json:"details,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := ferry.ErrorCode(err)
	var body errorBody
	body.Error.Code, body.Error.Message = code, ferry.ErrorMessage(err)
	var fe *ferry.Error
	if errors.As(err, &fe) {
		body.Error.Details = fe.Details
	}
	status := httpd.Status(code)
	httpd.RetryAfter(w.Header(), err)
	if status >= 500 {
		log.Error("request failed", "request_id", httpd.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "error", err)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// checkText refuses a request whose path ids, query parameters or
// Idempotency-Key hold a NUL or invalid UTF-8 (JSON bodies are checked by
// decode): the same answer on both databases, before any reads them. A
// malformed id names nothing that can exist: 404.
func checkText(r *http.Request, pattern string) error {
	if name := httpd.BadPathValue(r, pattern); name != "" {
		return ferry.Errorf(ferry.ENOTFOUND, "No such %s: it is not valid text.", name)
	}
	if field := httpd.BadValue(r.URL.Query()); field != "" {
		return badText(field)
	}
	if !httpd.CleanText(r.Header.Get("Idempotency-Key")) {
		return badText("Idempotency-Key")
	}
	return nil
}

// badText is the answer to a field holding a NUL or invalid UTF-8.
func badText(field string) error {
	name := field
	if name == "" {
		name = "the request body"
	}
	return ferry.Errorf(ferry.EINVALID, "%s holds a NUL character or invalid UTF-8: send UTF-8 text without NUL.", name).
		WithDetails(map[string]string{field: "invalid text"})
}

// maxJSONBody bounds request bodies other than uploads.
const maxJSONBody = 1 << 20

// decode reads a JSON body into v, rejecting unknown fields and trailing
// data with a specific message.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ferry.Errorf(ferry.ETOOLARGE, "The request body is larger than %d bytes.", maxJSONBody)
		}
		return ferry.Errorf(ferry.EINVALID, "The request body could not be read.")
	}
	// encoding/json would replace invalid UTF-8 with U+FFFD and pass a NUL
	// on: the raw text is checked first.
	if field, ok := httpd.BadJSONText(body); !ok {
		return badText(field)
	}
	// encoding/json takes null for an object and changes nothing: a body
	// that is null is refused like any other non-object.
	if k := reflect.Indirect(reflect.ValueOf(v)).Kind(); (k == reflect.Struct || k == reflect.Map) && bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return ferry.Errorf(ferry.EINVALID, "The request body must be a JSON object, not null.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var te *json.UnmarshalTypeError
		var pe *time.ParseError
		switch {
		case errors.As(err, &mbe):
			return ferry.Errorf(ferry.ETOOLARGE, "The request body is larger than %d bytes.", maxJSONBody)
		case errors.Is(err, io.EOF):
			return ferry.Errorf(ferry.EINVALID, "The request body is empty: send a JSON object.")
		case errors.As(err, &te) && te.Field == "":
			return ferry.Errorf(ferry.EINVALID, "The request body must be a JSON object.")
		case errors.As(err, &te) && strings.HasPrefix(te.Value, "number") && jsonType(te.Type.String()) == "a number":
			// A number, but not one the field holds.
			n, integer := strings.TrimPrefix(te.Value, "number "), strings.Contains(te.Type.String(), "int")
			if integer && strings.ContainsAny(n, ".eE") {
				return ferry.Errorf(ferry.EINVALID, "Field %q must be a whole number, written without a fraction or exponent.", te.Field).WithDetails(map[string]string{te.Field: "not a whole number"})
			}
			return ferry.Errorf(ferry.EINVALID, "Field %q is out of range.", te.Field).WithDetails(map[string]string{te.Field: "out of range"})
		case errors.As(err, &te):
			return ferry.Errorf(ferry.EINVALID, "Field %q must be %s.", te.Field, jsonType(te.Type.String())).WithDetails(map[string]string{te.Field: "wrong type"})
		case errors.As(err, &pe):
			return ferry.Errorf(ferry.EINVALID, "A time must be in RFC 3339 format, like 2026-11-26T20:00:00+08:00: %q is not.", strings.Trim(pe.Value, `"`))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return ferry.Errorf(ferry.EINVALID, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return ferry.Errorf(ferry.EINVALID, "The request body is not valid JSON: %v.", err)
		}
	}
	// More would miss a stray '}' or ']': only the end of the body may follow.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ferry.Errorf(ferry.EINVALID, "The request body must hold exactly one JSON object.")
	}
	return nil
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "."):
		return "an object"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	}
	return "of another type"
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ ferry.Principal) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ ferry.Principal) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rd := s.svc.Readiness(ctx)
	if !rd.Ready {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": rd.Reason, "schema": rd.Schema, "latest": rd.Latest})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "schema": rd.Schema})
	return nil
}
