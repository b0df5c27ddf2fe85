package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/authz"
	"github.com/ferry-social/ferry/internal/service"
)

// openAPI builds the OpenAPI 3.1 document from the route table, so the two
// cannot drift apart; the schemas are written out below.
func (s *Server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		op := map[string]any{"summary": rt.summary, "operationId": operationID(rt)}
		rule, _ := authz.For(rt.method + " " + rt.path)
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if rt.method == http.MethodPost && !rule.Public {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false, "schema": map[string]any{"type": "string", "maxLength": 255},
				"description": "Same key and body give the same response; nothing is created twice."})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != "" {
			ct := "application/json"
			if rt.request == "MediaUpload" || rt.request == "MetricsImportUpload" {
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
		for code, r := range rt.responses {
			responses[code] = r
		}
		op["responses"] = responses
		if rule.Public {
			op["security"] = []any{}
		} else {
			// The token scope the operation needs, and the least role
			// (internal/authz, the table the router enforces).
			op["security"] = []any{map[string]any{"bearer": []any{string(rule.Scope)}}}
			op["x-required-scope"], op["x-minimum-role"] = string(rule.Scope), string(rule.Role)
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Ferry API", "version": "1", "description": "Write a story once; Ferry tailors, schedules and delivers it exactly once to each platform. " +
			"Text holding a NUL character or invalid UTF-8 (in a JSON body, a query parameter or Idempotency-Key) is refused with 400 naming the field in details; such an id in a path is 404. " +
			"Unknown API tokens are counted per client address: after 30 in an hour the address is refused with 429 too_many_requests for a while that doubles with each further failure (up to 15 minutes), with a Retry-After header and error.details.retry_after in seconds."},
		"paths":    paths,
		"webhooks": noticeWebhooks(),
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An API token from `ferry token create` or Settings → API tokens, as 'Authorization: Bearer <token>' (the scheme in any case). " +
				"A token has a scope: read (GET operations), write (an editor's changes) or admin (everything its user's role allows); each includes the ones before. " +
				"Each operation names the scope it needs in its security requirement and x-required-scope, and the least role in x-minimum-role. " +
				"A token whose scope falls short gets 403 with error.code insufficient_scope and details.required_scope; a role that falls short gets 403 forbidden with details.required_role; " +
				"an unknown, revoked or expired token gets 401 unauthorized (details.token is expired for an expired one)."}},
			"schemas": withArchiveSchemas(withPeerSchemas(schemas())),
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

// tooLateResponses documents the conflict of a story change refused while
// one of its publications is being sent.
var tooLateResponses = map[string]any{"409": map[string]any{
	"description": "Too late: a publication of the story is being sent right now, and the change is all or nothing: nothing was changed. error.code is conflict; error.details.publications answers for each publication (too_late, because being_sent, for the one being sent). Try again in a moment.",
	"content":     map[string]any{"application/json": map[string]any{"schema": ref("TooLateError")}}}}

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
	// scheduleTime is a story's time: null keeps it a draft; at most two years ahead.
	scheduleTime = map[string]any{"type": []any{"string", "null"}, "format": "date-time", "description": "null: a draft. Not in the past, and at most two years ahead."}
	strList      = map[string]any{"type": "array", "items": str}
	anyObj       = map[string]any{"type": "object"}
	anyList      = func(xs []string) []any {
		out := make([]any, len(xs))
		for i, x := range xs {
			out[i] = x
		}
		return out
	}
	// accountSettings is the schema of an account's settings, with a
	// description of how they are written.
	accountSettings = func(description string) map[string]any {
		nullable := func(schema map[string]any) map[string]any {
			return map[string]any{"oneOf": []any{schema, map[string]any{"type": "null"}}}
		}
		duration := map[string]any{"type": "string", "examples": []any{"30m", "2h"}}
		return map[string]any{"type": "object", "additionalProperties": false, "description": description, "properties": map[string]any{
			"audience_script": nullable(map[string]any{"type": "string", "enum": anyList(service.AudienceScripts), "description": "The script the audience reads; \"\" is the platform's usual one."}),
			"link_url":        nullable(map[string]any{"type": "string", "format": "uri", "description": "Weibo: the absolute http(s) URL a long story links to."}),
			"operators":       nullable(map[string]any{"type": "array", "description": "Xiaohongshu: who posts by hand; emails or {email, name, telegram_chat_id}."}),
			"lead_time":       nullable(map[string]any{"type": "string", "description": "Xiaohongshu: how long before the time the handoff goes out, 0 to 24h.", "examples": duration["examples"]}),
			"deadline_after":  nullable(map[string]any{"type": "string", "description": "Xiaohongshu: how long after the time the handoff expires, up to 168h.", "examples": duration["examples"]}),
		}}
	}
	boolean  = map[string]any{"type": "boolean"}
	dateOnly = map[string]any{"type": "string", "format": "date"}
)

func schemas() map[string]any {
	// Tailoring's shared pieces.
	thinDays := map[string]any{"type": "integer", "minimum": 0, "description": "Post readings older than this many days are thinned to one a day by a daily job (0, the default, keeps every reading; otherwise at least 31). Account readings are never thinned."}
	nullFocal := map[string]any{"oneOf": []any{map[string]any{"type": "null"}, obj([]string{"x", "y"}, map[string]any{
		"x": map[string]any{"type": "number", "minimum": 0, "maximum": 1}, "y": map[string]any{"type": "number", "minimum": 0, "maximum": 1}})},
		"description": "The point crops keep, (0,0) top left to (1,1) bottom right; null: the centre."}
	tagList := map[string]any{"type": "array", "items": str, "description": "Words, with or without '#'; each platform writes them its way."}
	linkList := map[string]any{"type": "array", "items": map[string]any{"type": "string", "format": "uri"}}
	sourceScript := map[string]any{"type": "string", "enum": []any{"hk", "tw", "s", "t"}, "default": "hk"}
	textEdits := map[string]any{"type": "array", "items": ref("TextEdit")}
	var handleProps = map[string]any{}
	for _, p := range ferry.Platforms {
		handleProps[string(p)] = str
	}
	handles := map[string]any{"type": "object", "properties": handleProps, "description": "The person's handle on each platform, without '@'."}
	var states []any
	for _, s := range ferry.PublicationStates {
		states = append(states, string(s))
	}
	reasonCodes := []any{""}
	for _, c := range ferry.ReasonCodes() {
		reasonCodes = append(reasonCodes, string(c))
	}
	var platforms []any
	for _, p := range ferry.Platforms {
		platforms = append(platforms, string(p))
	}
	platform := map[string]any{"type": "string", "enum": platforms}
	out := map[string]any{
		"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
			"code": str, "message": str, "details": map[string]any{"description": "Machine-readable context, e.g. field → problem."}})}),
		"Status": obj([]string{"status"}, map[string]any{"status": str}),
		"Account": obj(nil, map[string]any{"id": str, "workspace_id": str, "platform": platform, "external_id": str, "name": str, "settings": anyObj,
			"health": map[string]any{"type": "string", "enum": []any{"connected", "needs_reauth", "closed"}}, "health_reason": str, "created_at": dateTime, "updated_at": dateTime}),
		"AccountList": obj([]string{"accounts"}, map[string]any{"accounts": map[string]any{"type": "array", "items": ref("Account")}}),
		"AccountInput": obj([]string{"platform", "external_id"}, map[string]any{"platform": platform, "name": str, "external_id": str,
			"credentials": map[string]any{"type": "object", "additionalProperties": str, "description": "telegram {bot_token} (<digits>:<token>, as @BotFather gives it); weibo {access_token, expires_at}; facebook {page_access_token}; instagram {access_token}. Never returned."},
			"settings":    accountSettings("The account's settings; any other setting is refused (400, details per setting).")}),
		"AccountPatch": obj(nil, map[string]any{"name": str, "credentials": map[string]any{"type": "object", "additionalProperties": str},
			"settings": accountSettings("Merged into the account's settings (JSON merge patch, RFC 7396, at the top level): a setting named with a value replaces it, one named with null is removed, settings not named stay. Each value is checked as on create (400, details per setting).")}),
		"MediaUpload": obj([]string{"file"}, map[string]any{"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}),
		"Media": obj(nil, map[string]any{"id": str, "mime": str, "width": integer, "height": integer, "bytes": integer, "sha256": str, "created_at": dateTime,
			"focal": nullFocal, "alt_text": str, "decorative": map[string]any{"type": "boolean"}, "parent_id": map[string]any{"type": "string", "description": "Set on a copy fitted to a platform: its original."}}),
		"StoryInput": obj(nil, map[string]any{"title": str, "body": str, "media_ids": strList, "targets": map[string]any{"type": "array", "items": str, "description": "Account ids."},
			"tags": tagList, "links": linkList, "source_script": sourceScript, "scheduled_at": scheduleTime, "override_blackout": overrideBlackout}),
		"StoryPatch": obj(nil, map[string]any{"title": str, "body": str, "media_ids": strList, "targets": strList, "scheduled_at": scheduleTime,
			"tags": tagList, "links": linkList, "source_script": sourceScript, "override_blackout": overrideBlackout}),
		"ScheduleInput": obj([]string{"at"}, map[string]any{"at": map[string]any{"type": "string", "format": "date-time", "description": "Not in the past, and at most two years ahead."}, "override_blackout": overrideBlackout}),
		"Story": obj(nil, map[string]any{"id": str, "workspace_id": str, "title": str, "body": str, "media_ids": strList, "targets": strList, "scheduled_at": nullTime,
			"tags": tagList, "links": linkList, "source_script": sourceScript,
			"version": integer, "created_by": str, "created_at": dateTime, "updated_at": dateTime, "summary": map[string]any{"type": "string", "examples": []any{"published 3 of 4, 1 failed"}},
			"publications": map[string]any{"type": "array", "items": ref("Publication")},
			"deleted_at":   map[string]any{"type": "string", "format": "date-time", "description": "Set on a deleted story. A deleted story stays listed and readable when a post of it is (or may be) on a platform; any other is gone (404)."},
			"withdrawn":    map[string]any{"type": "array", "items": str, "description": "On DELETE: the publications the deletion canceled; the others had already gone out (or ended) and stay as they are."},
			"answers": map[string]any{"type": "array", "items": ref("PublicationAnswer"),
				"description": "In the answer to a change (DELETE, PATCH, schedule, publish): what it did to each of the story's publications."}}),
		"PublicationAnswer": obj([]string{"publication_id", "account_id", "platform", "state", "answer", "message"}, map[string]any{
			"publication_id": str, "account_id": str, "platform": platform,
			"state": map[string]any{"type": "string", "enum": states, "description": "The publication's state after the change."},
			"answer": map[string]any{"type": "string", "enum": []any{"withdrawn", "changed", "too_late", "already_published", "ended", "unchanged", "moved"},
				"description": "withdrawn: canceled by this change, it will not go out. moved (closing an account): moved to another account. changed: not sent yet, it takes the change. too_late: being sent, or sent with an unknown outcome; the change did not reach it. already_published: on its platform at remote_url; the change did not reach it. ended: failed, missed or canceled before; nothing went out. unchanged: the change was refused as a whole (409)."},
			"because":      map[string]any{"type": "string", "enum": []any{"being_sent", "outcome_unknown"}, "description": "Why too_late."},
			"remote_url":   map[string]any{"type": "string", "description": "Of already_published: the live post."},
			"published_at": dateTime,
			"message":      map[string]any{"type": "string", "description": "The answer in English."}}),
		"TooLateError": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message", "details"}, map[string]any{
			"code": map[string]any{"type": "string", "const": "conflict"}, "message": str,
			"details": obj([]string{"publications"}, map[string]any{"publications": map[string]any{"type": "array", "items": ref("PublicationAnswer")}})})}),
		"StoryList": obj([]string{"stories", "next_cursor"}, map[string]any{"stories": map[string]any{"type": "array", "items": ref("Story")}, "next_cursor": str}),
		"Publication": obj(nil, map[string]any{"id": str, "story_id": str, "account_id": str, "platform": platform, "state": map[string]any{"type": "string", "enum": states},
			"reason": map[string]any{"type": "string", "description": "Why it is in its state, in English; the same words as reason_code with reason_args."},
			"reason_code": map[string]any{"type": "string", "enum": reasonCodes,
				"description": "Why it is in its state, for a machine (empty with no reason, and for a publication last moved before reasons had codes: then only reason says why)."},
			"reason_args": map[string]any{"type": "object", "additionalProperties": str,
				"description": "The reason's arguments as text: at is an RFC 3339 time; after, within and window are Go durations (\"2h0m0s\"); platform is a platform code; message is a platform's own words, as it wrote them; attempt, attempts and max are numbers."},
			"version": integer, "scheduled_at": nullTime, "next_attempt_at": nullTime, "published_at": nullTime, "remote_id": str,
			"remote_ids": map[string]any{"type": "array", "items": str,
				"description": "Every message id of a post made of several messages (a Telegram album, one message per image), remote_id first; absent for a post of one message."},
			"remote_url": str,
			"error":      map[string]any{"oneOf": []any{map[string]any{"type": "null"}, obj([]string{"code", "message"}, map[string]any{"code": str, "message": str})}},
			"attempts":   integer, "created_at": dateTime, "updated_at": dateTime}),
		"Resolution": obj([]string{"outcome"}, map[string]any{"outcome": map[string]any{"type": "string", "enum": []any{"published", "retry"}}, "url": str}),

		// Xiaohongshu handoffs and notifications (handoff.go).
		"HandoffConfirmation":       handoffConfirmationSchema,
		"Handoff":                   handoffSchema,
		"NotificationSettings":      notificationSettingsSchema,
		"NotificationSettingsInput": notificationSettingsInputSchema,

		// Tailoring (adapt.go).
		"Problem": obj([]string{"code", "severity", "message", "message_zh", "field", "span"}, map[string]any{"code": str,
			"severity": map[string]any{"type": "string", "enum": []any{"error", "warning"}, "description": "Errors block scheduling; warnings do not."},
			"message":  str, "message_zh": map[string]any{"type": "string", "description": "The message in Traditional Chinese (Hong Kong)."},
			"field": map[string]any{"type": "string", "enum": []any{"", "text", "title", "hashtags", "media"}},
			"span": map[string]any{"type": []any{"array", "null"}, "items": integer, "minItems": 2, "maxItems": 2,
				"description": "[start, end) in runes of the field (of the HTML source on Telegram)."}}),
		"TextLength":   obj([]string{"used", "limit", "unit"}, map[string]any{"used": integer, "limit": integer, "unit": map[string]any{"type": "string", "enum": []any{"weibo_char", "utf16", "char"}}}),
		"VariantMedia": obj(nil, map[string]any{"source_id": str, "media_id": map[string]any{"type": "string", "description": "The fitted copy sent; absent in previews until a save fits it."}, "spec": str, "focal": nullFocal, "width": integer, "height": integer}),
		"TextEdit":     obj([]string{"op", "text"}, map[string]any{"op": map[string]any{"type": "string", "enum": []any{"equal", "delete", "insert"}}, "text": str}),
		"Variant": obj(nil, map[string]any{"account_id": str, "platform": platform, "publication_id": str, "state": map[string]any{"type": "string", "enum": states},
			"script": str, "title": str, "text": str, "hashtags": strList, "media": map[string]any{"type": "array", "items": ref("VariantMedia")},
			"length": ref("TextLength"), "problems": map[string]any{"type": "array", "items": ref("Problem")}, "edited": boolean, "stale": boolean,
			"diff": map[string]any{"oneOf": []any{map[string]any{"type": "null"}, obj(nil, map[string]any{"title": textEdits, "text": textEdits})},
				"description": "When stale: from the generated text the edit started from to what the story generates now."},
			"updated_at": dateTime}),
		"VariantList": obj([]string{"variants"}, map[string]any{"variants": map[string]any{"type": "array", "items": ref("Variant")}}),
		"VariantEdit": obj(nil, map[string]any{"title": map[string]any{"type": "string", "description": "Xiaohongshu only."}, "text": str,
			"reset": map[string]any{"type": "boolean", "description": "Drop the edit and generate the variant again; not with text or title (400)."}}),
		"PreviewInput": obj(nil, map[string]any{"title": str, "body": str, "tags": tagList, "links": linkList, "media_ids": strList, "source_script": sourceScript,
			"targets": map[string]any{"type": "array", "items": str, "description": "Account ids, each once; or give platforms."}, "platforms": map[string]any{"type": "array", "items": platform, "description": "Each once."}}),
		"PreviewVariant": obj(nil, map[string]any{"account_id": str, "platform": platform, "script": str, "title": str, "text": str, "hashtags": strList,
			"media": map[string]any{"type": "array", "items": ref("VariantMedia")}, "length": ref("TextLength"), "problems": map[string]any{"type": "array", "items": ref("Problem")}}),
		"Preview":    obj([]string{"variants"}, map[string]any{"variants": map[string]any{"type": "array", "items": ref("PreviewVariant")}}),
		"MediaPatch": obj([]string{"focal"}, map[string]any{"focal": nullFocal}),
		"Workspace": obj(nil, map[string]any{"id": str, "name": str, "time_zone": str, "created_at": dateTime,
			"region":                        map[string]any{"type": "string", "enum": []any{"HK", "CN", "TW", "MO"}, "description": "Whose festivals and public holidays it plans around."},
			"require_alt_text":              map[string]any{"type": "boolean", "description": "Images must have alt text: one with neither alt text nor the decorative mark is an error (media_alt_required) that blocks scheduling, not a warning (media_alt_missing)."},
			"require_two_factor":            map[string]any{"type": "boolean", "description": "Admins and owners must use two-factor sign-in: in the web UI one without it is sent to enrol before anything else."},
			"thin_post_readings_after_days": thinDays}),
		"WorkspacePatch": obj(nil, map[string]any{"name": str, "time_zone": map[string]any{"type": "string", "description": "An IANA time zone, e.g. Asia/Hong_Kong."},
			"region": map[string]any{"type": "string", "enum": []any{"HK", "CN", "TW", "MO"}}, "require_alt_text": map[string]any{"type": "boolean"},
			"require_two_factor": map[string]any{"type": "boolean"}, "thin_post_readings_after_days": thinDays}),
		"MediaAlt": obj(nil, map[string]any{"alt_text": map[string]any{"type": "string", "maxLength": 1000, "description": "What the image shows, for people who cannot see it; empty for none."},
			"decorative": map[string]any{"type": "boolean", "description": "The image needs no alt text (alt_text is then dropped)."}}),
		"Glossary": obj(nil, map[string]any{"protected": map[string]any{"type": "array", "items": str, "description": "Terms never converted (names, brands)."},
			"phrases": map[string]any{"type": "array", "items": obj([]string{"from", "to"}, map[string]any{"from": str, "to": str,
				"scripts": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []any{"s", "hk", "tw", "t"}}, "description": "Audience scripts it applies to; empty: all."}})}}),
		"PersonInput": obj([]string{"name"}, map[string]any{"name": str, "handles": handles}),
		"Person":      obj(nil, map[string]any{"key": str, "name": str, "handles": handles, "updated_at": dateTime}),
		"PersonList":  obj([]string{"people"}, map[string]any{"people": map[string]any{"type": "array", "items": ref("Person")}}),
		"TemplateInput": obj([]string{"source"}, map[string]any{"source": map[string]any{"type": "string",
			"description": "{{title}} {{body}} {{link}} {{links}} {{hashtags}}; {{#name}}…{{/name}} when set, {{^name}}…{{/name}} when empty. An empty template is refused (reset to the default with DELETE instead); one without {{body}} is saved with a warning."}}),
		"Template": obj(nil, map[string]any{"platform": platform, "source": str, "custom": boolean, "default": str,
			"warnings": map[string]any{"type": "array", "description": "On PUT: what the saved template leaves out that is likely a mistake.", "items": obj([]string{"code", "message"}, map[string]any{
				"code":    map[string]any{"type": "string", "enum": []any{"no_body"}, "description": "no_body: the template has no {{body}}, so the story's text will not appear."},
				"message": str,
			})}}),
		"TemplateList": obj([]string{"templates"}, map[string]any{"templates": map[string]any{"type": "array", "items": ref("Template")}}),

		// The calendar (calendar.go).
		"Calendar": obj([]string{"from", "to", "region", "time_zone", "events", "notes"}, map[string]any{"from": dateOnly, "to": dateOnly,
			"region": map[string]any{"type": "string", "enum": calendarRegions()}, "time_zone": str,
			"events": map[string]any{"type": "array", "items": ref("CalendarEntry")},
			"notes":  map[string]any{"type": "array", "items": str, "description": "What the answer lacks, e.g. mainland holidays not yet announced."}}),
		"CalendarEntry": obj([]string{"date", "kind", "name_en", "name_zh"}, map[string]any{"date": dateOnly, "end_date": dateOnly,
			"kind":    map[string]any{"type": "string", "enum": []any{"festival", "public_holiday", "working_day", "campaign", "blackout"}},
			"name_en": str, "name_zh": str, "key": str, "region": str, "substitute": boolean, "event_id": str, "recurring_id": str,
			"all_day": boolean, "starts_at": dateTime, "ends_at": dateTime, "at": dateTime, "note": str}),
		"CalendarEventInput": obj([]string{"kind"}, calendarEventFields()),
		"CalendarEventPatch": obj(nil, calendarEventFields()),
		"CalendarEvent": obj(nil, map[string]any{"id": str, "kind": eventKind, "name_en": str, "name_zh": str, "note": str, "all_day": boolean,
			"start_date": dateOnly, "end_date": dateOnly, "starts_at": dateTime, "ends_at": dateTime, "created_by": str, "created_at": dateTime, "updated_at": dateTime}),
		"CalendarEventList": obj([]string{"events"}, map[string]any{"events": map[string]any{"type": "array", "items": ref("CalendarEvent")}}),
		"Recurrence": obj([]string{"local_time"}, map[string]any{"festival": map[string]any{"type": "string", "enum": festivalKeys()},
			"lunar_month": integer, "lunar_day": integer, "leap": boolean, "month": integer, "day": integer,
			"local_time": map[string]any{"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "HH:MM in the workspace's time zone."},
			"missing":    map[string]any{"type": "string", "enum": []any{"clamp", "skip"}, "description": "In a year without the day: the nearest day that exists (default), or none."}}),
		"RecurringCampaignInput": obj([]string{"recurrence"}, map[string]any{"name_en": str, "name_zh": str, "note": str, "recurrence": ref("Recurrence"), "active": boolean}),
		"RecurringCampaignPatch": obj(nil, map[string]any{"name_en": str, "name_zh": str, "note": str, "recurrence": ref("Recurrence"), "active": boolean}),
		"RecurringCampaign": obj(nil, map[string]any{"id": str, "name_en": str, "name_zh": str, "note": str, "recurrence": ref("Recurrence"), "active": boolean,
			"time_zone": str, "next_at": nullTime, "created_by": str, "created_at": dateTime, "updated_at": dateTime}),
		"RecurringCampaignList": obj([]string{"recurring"}, map[string]any{"recurring": map[string]any{"type": "array", "items": ref("RecurringCampaign")}}),
		"Occurrences": obj(nil, map[string]any{"recurring_id": str, "from": dateOnly, "to": dateOnly, "time_zone": str,
			"occurrences": map[string]any{"type": "array", "items": obj([]string{"date", "at"}, map[string]any{"date": dateOnly, "at": dateTime})}}),
		// Analytics (metrics.go).
		"AccountMetrics":      metricsSchemas()["AccountMetrics"],
		"PostMetrics":         metricsSchemas()["PostMetrics"],
		"PostMetricsInput":    metricsSchemas()["PostMetricsInput"],
		"MetricsImportUpload": metricsSchemas()["MetricsImportUpload"],
		"MetricsImport":       metricsSchemas()["MetricsImport"],
		// The audit log (audit.go).
		"AuditEvent": obj([]string{"id", "workspace_id", "actor", "action", "target_type", "target_id", "at", "seq", "prev_hash", "hash"}, map[string]any{
			"id": integer, "workspace_id": str, "actor": map[string]any{"type": "string", "description": "user:<id> or system."},
			"action": map[string]any{"type": "string", "examples": []any{"story.update"}}, "target_type": str, "target_id": str, "data": anyObj, "at": dateTime,
			"seq":       map[string]any{"type": "integer", "description": "The event's number in the workspace's chain: 1, 2, 3… without a gap."},
			"prev_hash": map[string]any{"type": "string", "description": "hash of the event seq-1; empty for the first."},
			"hash":      map[string]any{"type": "string", "description": "Lowercase hex SHA-256 of the event's canonical encoding (docs/architecture.md, \"The audit log\"); `ferry audit verify` checks the chain."}}),
		// Pre-publish checks (checks.go).
		"SensitiveTermInput": obj([]string{"term"}, map[string]any{"term": map[string]any{"type": "string", "maxLength": 100},
			"severity":   map[string]any{"type": "string", "enum": []any{"warning", "error"}, "description": "Default warning; an error blocks scheduling."},
			"suggestion": map[string]any{"type": "string", "maxLength": 200, "description": "Wording to use instead, shown with the problem."}}),
		"SensitiveTerm": obj([]string{"term", "severity", "suggestion", "created_by", "created_at"}, map[string]any{"term": str,
			"severity": map[string]any{"type": "string", "enum": []any{"warning", "error"}}, "suggestion": str, "created_by": str, "created_at": dateTime}),
		"BlockedHostInput": obj([]string{"host"}, map[string]any{"host": map[string]any{"type": "string", "examples": []any{"example.com"}, "description": "A domain name (an address is read for its host); subdomains are covered."}}),
		"Checks": obj([]string{"terms", "hosts", "built_in_hosts"}, map[string]any{"terms": map[string]any{"type": "array", "items": ref("SensitiveTerm")},
			"hosts": strList, "built_in_hosts": map[string]any{"type": "array", "items": str, "description": "The maintained list (internal/adapt/blocked_hosts.txt)."}}),
		// Version history (versions.go).
		"ContentVersion": obj([]string{"id", "story_id", "account_id", "n", "title", "text", "tags", "media_ids", "author", "at"}, map[string]any{
			"id": integer, "story_id": str, "account_id": map[string]any{"type": "string", "description": "Empty for the story itself."},
			"n": map[string]any{"type": "integer", "description": "The version's number in its history: 1, 2, 3…"}, "title": str,
			"text": map[string]any{"type": "string", "description": "The story's body, or the variant's text."},
			"tags": strList, "links": strList, "media_ids": strList, "edited": map[string]any{"type": "boolean", "description": "A variant's: worded by a person rather than generated."},
			"author": map[string]any{"type": "string", "description": "user:<id> or system."}, "at": dateTime}),
		"VersionHistoryList": obj([]string{"histories"}, map[string]any{"histories": map[string]any{"type": "array", "items": obj([]string{"versions"}, map[string]any{
			"account": ref("Account"), "versions": map[string]any{"type": "array", "items": ref("ContentVersion")}})}}),
		"VersionDiff": obj([]string{"from", "to", "title", "text"}, map[string]any{"from": ref("ContentVersion"), "to": ref("ContentVersion"),
			"title": textEdits, "text": textEdits,
			"tags_added": strList, "tags_removed": strList, "media_added": strList, "media_removed": strList}),
		"AuditEventList":   obj([]string{"events", "next_cursor"}, map[string]any{"events": map[string]any{"type": "array", "items": ref("AuditEvent")}, "next_cursor": str}),
		"ReportRecipients": obj([]string{"user_ids"}, map[string]any{"user_ids": map[string]any{"type": "array", "items": str, "description": "Members who receive the monthly report by email on the first of the month."}}),
		"BestTimes": obj(nil, map[string]any{"account_id": str, "platform": platform, "time_zone": str,
			"source":         map[string]any{"type": "string", "enum": []any{"history", "platform_defaults"}},
			"metric":         map[string]any{"type": "string", "enum": []any{"engagement_rate", "engagement"}},
			"posts_analysed": integer, "posts_needed": integer, "basis": str,
			"weekdays": map[string]any{"type": "array", "items": obj(nil, map[string]any{"weekday": str,
				"slots": map[string]any{"type": "array", "items": obj(nil, map[string]any{"start": str, "end": str, "posts": integer,
					"score": map[string]any{"type": "number", "description": "Expected engagement relative to the account's average (1 = average); history only."}})}})}}),
		"ConnectionStart": obj([]string{"platform", "authorize_url", "redirect_uri", "expires_at"}, map[string]any{"platform": platform,
			"authorize_url": map[string]any{"type": "string", "format": "uri", "description": "Open in a browser; works once, until expires_at."},
			"redirect_uri":  map[string]any{"type": "string", "format": "uri", "description": "Ferry's callback, as registered with the platform's app."},
			"expires_at":    dateTime}),
		"ConnectionMethodList": obj([]string{"platforms"}, map[string]any{"platforms": map[string]any{"type": "array", "items": obj(nil, map[string]any{"platform": platform,
			"method":     map[string]any{"type": "string", "enum": []any{"oauth", "facebook", "bot_token", "manual"}},
			"configured": boolean, "redirect_uri": str, "hint": str})}}),
	}
	// The emergency pause (pause.go), notices (notices.go).
	for k, v := range pauseSchemas() {
		out[k] = v
	}
	for k, v := range noticeSchemas() {
		out[k] = v
	}
	// Approvals (approvals.go).
	for k, v := range approvalSchemas() {
		out[k] = v
	}
	return out
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request, _ ferry.Principal) error {
	writeJSON(w, http.StatusOK, s.openAPI())
	return nil
}
