package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
)

// openAPI builds the OpenAPI 3.1 document from the route table, so the two
// cannot drift apart; the schemas are written out below.
func (s *Server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		op := map[string]any{"summary": rt.summary, "operationId": operationID(rt)}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if rt.method == http.MethodPost && !rt.public {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false, "schema": map[string]any{"type": "string", "maxLength": 255},
				"description": "Same key and body give the same response; nothing is created twice."})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != "" {
			ct := "application/json"
			if rt.request == "MediaUpload" {
				ct = "multipart/form-data"
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": ref(rt.request)}}}
		}
		status := rt.status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.response != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(rt.response)}}
		}
		responses := map[string]any{strconv.Itoa(status): ok, "default": map[string]any{"description": "An error.", "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}}
		op["responses"] = responses
		if rt.public {
			op["security"] = []any{}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi":  "3.1.0",
		"info":     map[string]any{"title": "Ferry API", "version": "1", "description": "Write a story once; Ferry tailors, schedules and delivers it exactly once to each platform."},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An API token from `ferry token create`."}},
			"schemas":         schemas(),
		},
	}
}

func operationID(rt route) string {
	id := strings.ToLower(rt.method)
	for _, seg := range strings.Split(rt.path, "/") {
		seg = strings.Trim(seg, "{}.")
		if seg == "" || seg == "api" || seg == "v1" {
			continue
		}
		id += strings.ToUpper(seg[:1]) + strings.ReplaceAll(seg[1:], ".", "")
	}
	return id
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func obj(required []string, props map[string]any) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if required != nil {
		o["required"] = required
	}
	return o
}

var (
	str      = map[string]any{"type": "string"}
	integer  = map[string]any{"type": "integer"}
	dateTime = map[string]any{"type": "string", "format": "date-time"}
	nullTime = map[string]any{"type": []any{"string", "null"}, "format": "date-time"}
	strList  = map[string]any{"type": "array", "items": str}
	anyObj   = map[string]any{"type": "object"}
)

func schemas() map[string]any {
	var states []any
	for _, s := range []ferry.PublicationState{ferry.StateDraft, ferry.StateScheduled, ferry.StateWaiting, ferry.StatePublishing, ferry.StatePublished, ferry.StateFailed,
		ferry.StateNeedsReauth, ferry.StateUnknown, ferry.StateCanceled, ferry.StateMissed, ferry.StateHandoff} {
		states = append(states, string(s))
	}
	var platforms []any
	for _, p := range ferry.Platforms {
		platforms = append(platforms, string(p))
	}
	platform := map[string]any{"type": "string", "enum": platforms}
	return map[string]any{
		"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
			"code": str, "message": str, "details": map[string]any{"description": "Machine-readable context, e.g. field → problem."}})}),
		"Status": obj([]string{"status"}, map[string]any{"status": str}),
		"Account": obj(nil, map[string]any{"id": str, "workspace_id": str, "platform": platform, "external_id": str, "name": str, "settings": anyObj,
			"health": map[string]any{"type": "string", "enum": []any{"connected", "needs_reauth", "closed"}}, "health_reason": str, "created_at": dateTime, "updated_at": dateTime}),
		"AccountList": obj([]string{"accounts"}, map[string]any{"accounts": map[string]any{"type": "array", "items": ref("Account")}}),
		"AccountInput": obj([]string{"platform", "external_id"}, map[string]any{"platform": platform, "name": str, "external_id": str,
			"credentials": map[string]any{"type": "object", "additionalProperties": str, "description": "telegram {bot_token}; weibo {access_token, expires_at}; facebook {page_access_token}; instagram {access_token}. Never returned."},
			"settings":    anyObj}),
		"AccountPatch": obj(nil, map[string]any{"name": str, "credentials": map[string]any{"type": "object", "additionalProperties": str}, "settings": anyObj}),
		"MediaUpload":  obj([]string{"file"}, map[string]any{"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}),
		"Media":        obj(nil, map[string]any{"id": str, "mime": str, "width": integer, "height": integer, "bytes": integer, "sha256": str, "created_at": dateTime}),
		"StoryInput": obj(nil, map[string]any{"title": str, "body": str, "media_ids": strList, "targets": map[string]any{"type": "array", "items": str, "description": "Account ids."},
			"scheduled_at": nullTime}),
		"StoryPatch":    obj(nil, map[string]any{"title": str, "body": str, "media_ids": strList, "targets": strList, "scheduled_at": nullTime}),
		"ScheduleInput": obj([]string{"at"}, map[string]any{"at": dateTime}),
		"Story": obj(nil, map[string]any{"id": str, "workspace_id": str, "title": str, "body": str, "media_ids": strList, "targets": strList, "scheduled_at": nullTime,
			"version": integer, "created_by": str, "created_at": dateTime, "updated_at": dateTime, "summary": map[string]any{"type": "string", "examples": []any{"published 3 of 4, 1 failed"}},
			"publications": map[string]any{"type": "array", "items": ref("Publication")}}),
		"StoryList": obj([]string{"stories", "next_cursor"}, map[string]any{"stories": map[string]any{"type": "array", "items": ref("Story")}, "next_cursor": str}),
		"Publication": obj(nil, map[string]any{"id": str, "story_id": str, "account_id": str, "platform": platform, "state": map[string]any{"type": "string", "enum": states},
			"reason": str, "version": integer, "scheduled_at": nullTime, "next_attempt_at": nullTime, "published_at": nullTime, "remote_id": str, "remote_url": str,
			"error":    map[string]any{"oneOf": []any{map[string]any{"type": "null"}, obj([]string{"code", "message"}, map[string]any{"code": str, "message": str})}},
			"attempts": integer, "created_at": dateTime, "updated_at": dateTime}),
		"Resolution": obj([]string{"outcome"}, map[string]any{"outcome": map[string]any{"type": "string", "enum": []any{"published", "retry"}}, "url": str}),
	}
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request, _ ferry.Principal) error {
	writeJSON(w, http.StatusOK, s.openAPI())
	return nil
}
