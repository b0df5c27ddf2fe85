package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// Both databases answer alike to a NUL or invalid UTF-8: refused at the
// edge, 400 naming the field (404 for an id), never a 500 from PostgreSQL
// nor a NUL stored by SQLite.
func TestText_NULAndInvalidUTF8AreRefusedAtTheEdge(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			for _, tc := range []struct {
				name, method, path, body string
				headers                  []string
				status                   int
				field                    string
			}{
				{name: "NULInTitle", method: "POST", path: "/api/v1/stories", body: `{"title":"a\u0000b"}`, status: 400, field: "title"},
				{name: "InvalidUTF8InTitle", method: "POST", path: "/api/v1/stories", body: "{\"title\":\"a\xff\xfeb\"}", status: 400, field: "title"},
				{name: "NULInATag", method: "POST", path: "/api/v1/stories", body: `{"title":"x","tags":["ok","\u0000"]}`, status: 400, field: "tags[1]"},
				{name: "PersonName", method: "PUT", path: "/api/v1/people/mayor", body: `{"name":"Ma\u0000yor","handles":{}}`, status: 400, field: "name"},
				{name: "CalendarEvent", method: "POST", path: "/api/v1/calendar/events", body: "{\"kind\":\"campaign\",\"name_en\":\"\xc3\",\"start_date\":\"2027-01-02\"}", status: 400, field: "name_en"},
				{name: "Glossary", method: "PUT", path: "/api/v1/glossary", body: `{"protected":["\u0000"],"phrases":[]}`, status: 400, field: "protected[0]"},
				{name: "Template", method: "PUT", path: "/api/v1/templates/telegram", body: `{"source":"{{body}}\u0000"}`, status: 400, field: "source"},
				{name: "QueryNUL", method: "GET", path: "/api/v1/stories?q=%00", status: 400, field: "q"},
				{name: "CursorNUL", method: "GET", path: "/api/v1/stories?cursor=%00", status: 400, field: "cursor"},
				{name: "QueryInvalidUTF8", method: "GET", path: "/api/v1/stories?q=%ff%fe", status: 400, field: "q"},
				{name: "StoryID", method: "GET", path: "/api/v1/stories/sty_%ff", status: 404},
				{name: "AccountID", method: "GET", path: "/api/v1/accounts/acc_%c3", status: 404},
				{name: "AccountIDNUL", method: "PATCH", path: "/api/v1/accounts/acc_%00", body: `{"name":"x"}`, status: 404},
				{name: "IdempotencyKey", method: "POST", path: "/api/v1/stories", body: `{"title":"x"}`, headers: []string{"Idempotency-Key", "\xff\xfe"}, status: 400, field: "Idempotency-Key"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var body any
					if tc.body != "" {
						body = tc.body
					}
					resp := b.do(t, tc.method, tc.path, body, tc.headers...)
					require.Equal(t, tc.status, resp.status, "%s", resp.body)
					e := resp.apiError(t)
					if tc.status == 404 {
						require.Equal(t, ferry.ENOTFOUND, e.Error.Code)
						return
					}
					require.Equal(t, ferry.EINVALID, e.Error.Code)
					require.Contains(t, e.Error.Details, tc.field, "%s", resp.body)
					require.Contains(t, e.Error.Message, tc.field)
				})
			}
			require.Empty(t, b.storyIDs(t), "nothing was created")
			require.Equal(t, http.StatusOK, b.do(t, "GET", "/api/v1/stories?q=caf%C3%A9", nil).status, "clean text still passes")
		})
	}
}
