package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestDecode_BadJSONGetsASpecificAnswerAndChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	tooLarge := `{"title":"` + strings.Repeat("a", maxJSONBody) + `"}`
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		message    string
		details    map[string]any
	}{
		{name: "Truncated", body: `{"title":`, status: 400, code: ferry.EINVALID, message: "The request body is not valid JSON: unexpected EOF."},
		{name: "SyntaxError", body: `{"title" "x"}`, status: 400, code: ferry.EINVALID, message: "The request body is not valid JSON: invalid character '\"' after object key."},
		{name: "Empty", body: ``, status: 400, code: ferry.EINVALID, message: "The request body is empty: send a JSON object."},
		{name: "WrongType", body: `{"title":42}`, status: 400, code: ferry.EINVALID, message: `Field "title" must be a string.`, details: map[string]any{"title": "wrong type"}},
		{name: "WrongTypeInAList", body: `{"title":"x","targets":[1]}`, status: 400, code: ferry.EINVALID, message: `Field "targets" must be a string.`, details: map[string]any{"targets": "wrong type"}},
		{name: "ObjectForAList", body: `{"title":"x","tags":{"a":1}}`, status: 400, code: ferry.EINVALID, message: `Field "tags" must be an array.`, details: map[string]any{"tags": "wrong type"}},
		{name: "NotAnObject", body: `["title"]`, status: 400, code: ferry.EINVALID, message: "The request body must be a JSON object."},
		{name: "BadTime", body: `{"title":"x","scheduled_at":"tomorrow at noon"}`, status: 400, code: ferry.EINVALID, message: `A time must be in RFC 3339 format, like 2026-11-26T20:00:00+08:00: "tomorrow at noon" is not.`},
		{name: "UnknownField", body: `{"title":"x","colour":"red"}`, status: 400, code: ferry.EINVALID, message: `Unknown field "colour".`},
		{name: "TrailingObject", body: `{"title":"x"} {"title":"y"}`, status: 400, code: ferry.EINVALID, message: "The request body must hold exactly one JSON object."},
		{name: "TrailingGarbage", body: `{"title":"x"} x`, status: 400, code: ferry.EINVALID, message: "The request body must hold exactly one JSON object."},
		{name: "TrailingBrace", body: `{"title":"x"}}`, status: 400, code: ferry.EINVALID, message: "The request body must hold exactly one JSON object."},
		{name: "TrailingBracket", body: `{"title":"x"}]`, status: 400, code: ferry.EINVALID, message: "The request body must hold exactly one JSON object."},
		{name: "TooLarge", body: tooLarge, status: 413, code: ferry.ETOOLARGE, message: "The request body is larger than 1048576 bytes."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, key := range []string{"", "key-" + tc.name} {
				resp := b.do(t, "POST", "/api/v1/stories", tc.body, "Idempotency-Key", key)
				require.Equal(t, tc.status, resp.status, "%s", resp.body)
				e := resp.apiError(t)
				require.Equal(t, tc.code, e.Error.Code)
				require.Equal(t, tc.message, e.Error.Message)
				require.Equal(t, tc.details, e.Error.Details)
			}
		})
	}
	t.Run("TrailingWhitespaceIsFine", func(t *testing.T) {
		require.Equal(t, http.StatusCreated, b.do(t, "POST", "/api/v1/stories", "{\"title\":\"x\"}\r\n\t ").status)
	})
	require.Len(t, b.storyIDs(t), 1, "no bad request created anything")
}
