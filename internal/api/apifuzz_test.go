package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The API fuzz test (issue 17): for every operation of the OpenAPI
// document, bodies, path parameters, query parameters and headers that are
// invalid or at the edges. Whatever is sent, the answer is never a 5xx; a
// refusal is a 4xx with the documented error envelope and a code that
// matches its status; and a refused request changes nothing in the
// database. The operations come from the document, so a new route is
// fuzzed as soon as it is documented.

// fuzzVolatile are the tables a refused request may still write, and why.
var fuzzVolatile = map[string]string{
	"api_tokens":       "a token's last use (time and address) is recorded at most once a minute, whatever the answer",
	"sign_in_throttle": "an unknown token is counted against the client's address",
}

// fuzzStatusCodes is the error code each refusal status carries.
var fuzzStatusCodes = map[int][]string{
	http.StatusBadRequest:            {ferry.EINVALID},
	http.StatusUnauthorized:          {ferry.EUNAUTHORIZED},
	http.StatusForbidden:             {ferry.EFORBIDDEN},
	http.StatusNotFound:              {ferry.ENOTFOUND},
	http.StatusConflict:              {ferry.ECONFLICT},
	http.StatusRequestEntityTooLarge: {ferry.ETOOLARGE},
	http.StatusUnsupportedMediaType:  {ferry.EUNSUPPORTED},
	http.StatusUnprocessableEntity:   {ferry.EUNPROCESSABLE, ferry.EINVALID},
}

// fuzzCase is one request.
type fuzzCase struct {
	what        string
	path        string
	body        any // string as is, anything else as JSON, nil for none
	headers     []string
	noToken     bool
	token       string
	mayChange   bool // a valid request may pass: the database may change when it does
	mustRefuse  bool // the request is invalid: a 4xx
	contentType string
	// stored: the case sends text or numbers that reach the database,
	// where the two backends may differ (NUL, invalid UTF-8, ranges); the
	// rest is decided in Go before any query, and is tried on SQLite only.
	stored bool
}

func TestAPIFuzz_NoOperationAnswers5xxAndARefusalChangesNothing(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			b.server.svc.ArchiveJobs = acceptedJobs{} // as a running Ferry has
			ids := b.oneOfEach(t)
			resp := b.doAs(t, "", "GET", "/api/openapi.json", nil)
			require.Equal(t, http.StatusOK, resp.status)
			var doc struct {
				Paths      map[string]map[string]map[string]any `json:"paths"`
				Components struct {
					Schemas map[string]any `json:"schemas"`
				} `json:"components"`
			}
			resp.decode(t, &doc)
			gen := schemaGen{schemas: doc.Components.Schemas, soon: time.Now().Add(72 * time.Hour).UTC()}

			paths := make([]string, 0, len(doc.Paths))
			for p := range doc.Paths {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			dbDigest := dbDigest(t, b.db)
			digest := dbDigest()
			sent, refused, changed := 0, 0, 0
			for _, path := range paths {
				methods := make([]string, 0, len(doc.Paths[path]))
				for m := range doc.Paths[path] {
					methods = append(methods, m)
				}
				sort.Strings(methods)
				for _, method := range methods {
					op := doc.Paths[path][method]
					method = strings.ToUpper(method)
					_, public := op["security"]
					for _, c := range fuzzCases(t, gen, method, path, op, ids, public) {
						if b.db.Dialect() == store.Postgres && !c.stored {
							continue
						}
						headers := c.headers
						if c.contentType != "" {
							headers = append(slices.Clone(headers), "Content-Type", c.contentType)
						}
						token := b.token
						if c.noToken {
							token = ""
						} else if c.token != "" {
							token = c.token
						}
						r, err := b.send(token, method, c.path, c.body, headers...)
						require.NoError(t, err, "%s %s (%s)", method, c.path, c.what)
						sent++
						where := fmt.Sprintf("%s %s (%s): %d %s", method, short(c.path), c.what, r.status, short(string(r.body)))
						require.Less(t, r.status, 500, where)
						if r.status < 400 {
							require.False(t, c.mustRefuse, "accepted: %s", where)
							require.True(t, c.mayChange || method == http.MethodGet, "a request that must be refused passed: %s", where)
							if method != http.MethodGet {
								next := dbDigest()
								if !maps.Equal(next, digest) {
									changed++
								}
								digest = next
							}
							continue
						}
						refused++
						var e apiError
						require.NoError(t, json.Unmarshal(r.body, &e), "not the error envelope: %s", where)
						require.NotEmpty(t, e.Error.Message, where)
						codes, known := fuzzStatusCodes[r.status]
						if r.status == http.StatusTooManyRequests {
							codes, known = []string{e.Error.Code}, true
						}
						require.True(t, known, "undocumented status: %s", where)
						require.Contains(t, codes, e.Error.Code, where)
						require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), where)
						if method != http.MethodGet || r.status == http.StatusBadRequest {
							require.Equal(t, digest, dbDigest(), "a refused request changed the database: %s", where)
						}
					}
				}
			}
			t.Logf("%d requests, %d refused, %d changed the database", sent, refused, changed)
			require.Positive(t, changed, "the digest sees what accepted requests change")
			require.Greater(t, refused, 500)
		})
	}
}

// acceptedJobs takes archive and closure jobs and runs none.
type acceptedJobs struct{}

func (acceptedJobs) ScheduleArchive(context.Context, *store.Tx, string) error { return nil }
func (acceptedJobs) ScheduleClosure(context.Context, *store.Tx, string) error { return nil }

// fuzzCases are the requests tried for one operation.
func fuzzCases(t *testing.T, gen schemaGen, method, path string, op map[string]any, ids map[string]string, public bool) []fuzzCase {
	t.Helper()
	var cases []fuzzCase
	hasParams := strings.Contains(path, "{")
	concrete := path
	if hasParams {
		concrete = fillFuzzIDs(path, ids)
	}
	schemaName, contentType := requestSchema(op)
	var valid any
	if schemaName != "" && contentType == "application/json" {
		valid = gen.valid(ref(schemaName), 0)
	}
	add := func(c fuzzCase) {
		if c.path == "" {
			c.path = concrete
		}
		cases = append(cases, c)
	}

	// Path parameters: nothing by that id (404 or, for a name, 400).
	if hasParams {
		for _, bad := range []string{"nope", "%00", "%ff%fe", "sty_%c3", strings.Repeat("x", 3000), "..%2F..%2Fetc", "a%E2%80%AEb", "%20"} {
			for _, name := range pathParams(path) {
				if name == "key" && bad == "nope" {
					continue // a new person's key
				}
				p := strings.Replace(path, "{"+name+"}", bad, 1)
				add(fuzzCase{what: "path " + name + "=" + short(bad), path: fillFuzzIDs(p, ids), body: valid, mustRefuse: true, stored: true})
			}
		}
	}

	// Credentials: none, wrong, or of another kind.
	if !public {
		add(fuzzCase{what: "no token", noToken: true, body: valid, mustRefuse: true})
		add(fuzzCase{what: "wrong token", token: "ferry_wrong", body: valid, mustRefuse: true})
		add(fuzzCase{what: "basic auth", noToken: true, headers: []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, body: valid, mustRefuse: true})
		add(fuzzCase{what: "empty bearer", noToken: true, headers: []string{"Authorization", "Bearer "}, body: valid, mustRefuse: true})
	}

	// Query parameters Ferry reads somewhere, with values no route takes.
	if method == http.MethodGet {
		for _, q := range []string{"limit=-1", "limit=x", "limit=99999999999999999999", "cursor=%00", "cursor=garbage", "cursor=%ff%fe",
			"q=%00", "q=%ff%fe", "from=x&to=y", "from=2027-01-01&to=2026-01-01", "from=0001-01-01&to=9999-12-31",
			"account_id=%00", "account_id=acc_nope", "status=%ff", "range=x", "lang=%00", "sort=%00", "period=-7d"} {
			sep := "?"
			if strings.Contains(concrete, "?") {
				sep = "&"
			}
			add(fuzzCase{what: "query " + q, path: concrete + sep + q, stored: true})
		}
	}

	// Idempotency keys that are not text, or too long.
	if method == http.MethodPost && !public {
		for _, key := range []string{"\xff\xfe", strings.Repeat("k", 300)} {
			add(fuzzCase{what: "idempotency key " + short(key), headers: []string{"Idempotency-Key", key}, body: valid, mustRefuse: true, stored: true})
		}
	}

	switch {
	case contentType == "multipart/form-data":
		add(fuzzCase{what: "json instead of a form", body: `{"file":"x"}`, mustRefuse: true})
		add(fuzzCase{what: "form without boundary", body: "--x\r\n", contentType: "multipart/form-data", mustRefuse: true})
		add(fuzzCase{what: "garbage form", body: "--x\r\nnot a part", contentType: "multipart/form-data; boundary=x", mustRefuse: true})
		body, ct := multipartBody(t, "other", "x.csv", []byte("a,b\n"))
		add(fuzzCase{what: "form without file", body: body, contentType: ct, mustRefuse: true})
		body, ct = multipartBody(t, "file", "x.png", nil)
		add(fuzzCase{what: "empty file", body: body, contentType: ct, mustRefuse: true})
		body, ct = multipartBody(t, "file", "x.png", []byte("\x89PNG\r\n\x1a\nnot really"))
		add(fuzzCase{what: "truncated png", body: body, contentType: ct, mustRefuse: true})
	case valid != nil:
		// Not the schema at all.
		for _, raw := range []string{"", "{", "[]", "null", `"x"`, "42", "true", `{"a":`, strings.Repeat("[", 10000), "{\"title\":\"\xff\xfe\"}",
			"{\"title\":\"a\x00b\"}", `{"title":"a\u0000b"}`, "\xef\xbb\xbf{}"} {
			// A BOM before an object is tolerated; so is no body at all where
			// nothing is required (closing an account takes the defaults).
			tolerated := raw == "\xef\xbb\xbf{}" || (raw == "" && !gen.hasRequired(ref(schemaName)))
			add(fuzzCase{what: "body " + short(raw), body: raw, mayChange: tolerated})
		}
		add(fuzzCase{what: "body over the limit", body: `{"title":"` + strings.Repeat("x", 11<<20) + `"}`, mustRefuse: true})
		add(fuzzCase{what: "text/plain", body: valid, contentType: "text/plain", mayChange: true})
		// One property at a time, wrong or at the edge; the rest valid.
		if obj, ok := valid.(map[string]any); ok {
			for _, name := range gen.propertyNames(ref(schemaName)) {
				for _, v := range []any{nil, -1, 1.5, 1e308, "", "a\u0000b", strings.Repeat("長", 100000), true, []any{nil, 42}, map[string]any{"": nil}} {
					mutated := mapsClone(obj)
					mutated[name] = v
					_, isMap := v.(map[string]any)
					_, isList := v.([]any)
					add(fuzzCase{what: fmt.Sprintf("%s=%s", name, short(fmt.Sprint(v))), body: mutated, mayChange: true, stored: v != nil && !isMap && !isList && v != true})
				}
			}
			mutated := mapsClone(obj)
			mutated["no_such_field"] = "x"
			add(fuzzCase{what: "unknown field", body: mutated, mayChange: true})
		}
	}
	return cases
}

// requestSchema returns the request body's schema name and content type.
func requestSchema(op map[string]any) (name, contentType string) {
	rb, _ := op["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	for ct, v := range content {
		s, _ := v.(map[string]any)["schema"].(map[string]any)
		r, _ := s["$ref"].(string)
		return strings.TrimPrefix(r, "#/components/schemas/"), ct
	}
	return "", ""
}

// fillFuzzIDs puts the fixture's ids (and a known name for {platform},
// {key} and {file}) in a path's parameters.
func fillFuzzIDs(path string, ids map[string]string) string {
	names := map[string]string{"platform": "telegram", "key": "mayor", "file": "stories.csv"}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name := strings.Trim(seg, "{}")
		switch {
		case names[name] != "":
			segs[i] = names[name]
		case name == "account_id":
			segs[i] = ids["accounts"]
		case name == "id" && i >= 2 && segs[i-2] == "calendar":
			segs[i] = ids["calendar/"+segs[i-1]]
		case name == "id":
			segs[i] = ids[segs[i-1]]
		}
		if segs[i] == "" {
			segs[i] = "unknown"
		}
	}
	return strings.Join(segs, "/")
}

func multipartBody(t *testing.T, field, filename string, content []byte) (string, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, filename)
	require.NoError(t, err)
	_, _ = fw.Write(content)
	require.NoError(t, mw.Close())
	return body.String(), mw.FormDataContentType()
}

func mapsClone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func short(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%s…(%d bytes)", s[:40], len(s))
	}
	return s
}

// schemaGen makes valid values from the document's schemas: required
// properties only, the first of an enum, a time three days ahead.
type schemaGen struct {
	schemas map[string]any
	soon    time.Time
}

func (g schemaGen) resolve(s map[string]any) map[string]any {
	for {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s, _ = g.schemas[strings.TrimPrefix(r, "#/components/schemas/")].(map[string]any)
	}
}

func (g schemaGen) hasRequired(s map[string]any) bool {
	req, _ := g.resolve(s)["required"].([]any)
	return len(req) > 0
}

func (g schemaGen) propertyNames(s map[string]any) []string {
	props, _ := g.resolve(s)["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (g schemaGen) valid(s map[string]any, depth int) any {
	s = g.resolve(s)
	if depth > 6 {
		return nil
	}
	if one, ok := s["oneOf"].([]any); ok {
		for _, o := range one {
			if v := g.valid(o.(map[string]any), depth+1); v != nil {
				return v
			}
		}
		return nil
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	typ := s["type"]
	if list, ok := typ.([]any); ok {
		typ = list[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			name := r.(string)
			if p, ok := props[name].(map[string]any); ok {
				out[name] = g.valid(p, depth+1)
			}
		}
		return out
	case "array":
		if min, _ := s["minItems"].(float64); min > 0 {
			item, _ := s["items"].(map[string]any)
			return []any{g.valid(item, depth+1)}
		}
		return []any{}
	case "integer", "number":
		if min, ok := s["minimum"].(float64); ok {
			return min
		}
		return 1
	case "boolean":
		return false
	case "string":
		switch s["format"] {
		case "date-time":
			return g.soon.Format(time.RFC3339)
		case "date":
			return g.soon.Format(time.DateOnly)
		case "uri":
			return "https://example.org/a"
		case "email":
			return "someone@example.org"
		}
		if min, _ := s["minLength"].(float64); min > 0 {
			return strings.Repeat("x", int(min))
		}
		return "x"
	}
	return nil
}

// dbDigest returns a function that checksums every row of every table
// Ferry owns (River's tables and fuzzVolatile aside), by table.
func dbDigest(t *testing.T, db *store.DB) func() map[string]string {
	t.Helper()
	pool := db.WritePool()
	listing := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect() == store.Postgres {
		listing = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	// One statement, one round trip: each table's rows as text, sorted,
	// with their count. PostgreSQL hashes them; SQLite has no hash
	// function, so its text is hashed here.
	var parts []string
	for _, table := range queryStrings(t, pool, listing) {
		if strings.HasPrefix(table, "river_") || fuzzVolatile[table] != "" {
			continue
		}
		if db.Dialect() == store.Postgres {
			parts = append(parts, fmt.Sprintf(`SELECT '%s', count(*) || ' rows ' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM %s t`, table, table))
			continue
		}
		var cols []string
		for _, c := range queryStrings(t, pool, `SELECT name FROM pragma_table_info('`+table+`')`) {
			cols = append(cols, `quote("`+c+`")`)
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s', count(*) || ' rows ' || coalesce(group_concat(line, char(10) ORDER BY line), '') FROM (SELECT %s AS line FROM "%s")`,
			table, strings.Join(cols, " || ',' || "), table))
	}
	query := strings.Join(parts, " UNION ALL ")
	digest := func() map[string]string {
		rows, err := pool.Query(query)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var table, sum string
			require.NoError(t, rows.Scan(&table, &sum))
			if db.Dialect() == store.SQLite {
				h := sha256.Sum256([]byte(sum))
				sum = sum[:strings.Index(sum, " rows ")+6] + hex.EncodeToString(h[:8])
			}
			out[table] = sum
		}
		require.NoError(t, rows.Err())
		return out
	}
	if db.Dialect() == store.Postgres {
		return digest
	}
	// On SQLite the rows are read again only after a commit: a connection
	// of its own sees PRAGMA data_version change when another connection
	// commits. (Reading every row after each of 3,000 requests took two
	// minutes under the race detector.)
	var file string
	require.NoError(t, pool.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file))
	watcher, err := sql.Open("sqlite", "file:"+file+"?mode=ro&_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { watcher.Close() })
	conn, err := watcher.Conn(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	version := func() int64 {
		var v int64
		require.NoError(t, conn.QueryRowContext(t.Context(), `PRAGMA data_version`).Scan(&v))
		return v
	}
	seen, last := version(), digest()
	return func() map[string]string {
		if v := version(); v != seen {
			seen, last = v, digest()
		}
		return maps.Clone(last)
	}
}

func queryStrings(t *testing.T, pool *sql.DB, query string) []string {
	t.Helper()
	rows, err := pool.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}
