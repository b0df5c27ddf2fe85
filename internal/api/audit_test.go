package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestAuditLog(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	// Three stories written through the API are three story.create events.
	var ids []string
	for _, title := range []string{"一", "two", "三"} {
		resp := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": title, "body": "Body " + title})
		require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
		var s ferry.Story
		resp.decode(t, &s)
		ids = append(ids, s.ID)
	}
	type page struct {
		Events     []ferry.Audit `json:"events"`
		NextCursor string        `json:"next_cursor"`
	}
	get := func(t *testing.T, token, query string) (response, page) {
		resp := b.doAs(t, token, "GET", "/api/v1/audit?"+query, nil)
		var p page
		if resp.status == http.StatusOK {
			resp.decode(t, &p)
		}
		return resp, p
	}

	t.Run("PagesNewestFirstWithFilters", func(t *testing.T) {
		resp, p := get(t, b.token, "action=story.create&limit=2")
		require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
		require.Len(t, p.Events, 2)
		require.Equal(t, ids[2], p.Events[0].TargetID)
		require.NotEmpty(t, p.NextCursor)
		_, p2 := get(t, b.token, "action=story.create&limit=2&cursor="+p.NextCursor)
		require.Len(t, p2.Events, 1)
		require.Equal(t, ids[0], p2.Events[0].TargetID)
		require.Empty(t, p2.NextCursor)
		require.Len(t, p2.Events[0].Hash, 64)

		_, p = get(t, b.token, "object=story:"+ids[1])
		require.Len(t, p.Events, 1)
		_, p = get(t, b.token, "actor=admin@ferry.example&action=story.create")
		require.Len(t, p.Events, 3)
		_, p = get(t, b.token, "actor=system&action=story.create")
		require.Empty(t, p.Events)
		_, p = get(t, b.token, "from=2000-01-01&to=2000-01-02")
		require.Empty(t, p.Events)
	})

	t.Run("BadFiltersAreNamed", func(t *testing.T) {
		resp, _ := get(t, b.token, "from=yesterday&actor=bob&limit=0&object=:x")
		require.Equal(t, http.StatusBadRequest, resp.status)
		e := resp.apiError(t)
		require.Equal(t, "invalid", e.Error.Code)
		for _, k := range []string{"from", "actor", "limit", "object"} {
			require.Contains(t, e.Error.Details, k)
		}
		resp, _ = get(t, b.token, "cursor=zzz")
		require.Equal(t, http.StatusBadRequest, resp.status)
	})

	t.Run("OnlyAdminsAndOwners", func(t *testing.T) {
		for _, role := range []ferry.Role{ferry.RoleEditor, ferry.RoleReviewer, ferry.RoleViewer} {
			tok := b.newToken(t, b.workspaceID, string(role)+"@ferry.example", role)
			resp, _ := get(t, tok, "")
			require.Equal(t, http.StatusForbidden, resp.status, role)
			resp = b.doAs(t, tok, "GET", "/api/v1/audit/export.csv", nil)
			require.Equal(t, http.StatusForbidden, resp.status, role)
		}
		// Another workspace's owner sees only their own log.
		other := b.newWorkspace(t, "Other")
		tok := b.newToken(t, other, "owner@other.example", ferry.RoleOwner)
		_, p := get(t, tok, "")
		require.Empty(t, p.Events)
	})

	t.Run("ExportsCSVAndJSONLines", func(t *testing.T) {
		q := url.Values{"action": {"story.create"}}.Encode()
		resp := b.do(t, "GET", "/api/v1/audit/export.csv?"+q, nil)
		require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
		require.Equal(t, "text/csv; charset=utf-8", resp.header.Get("Content-Type"))
		require.Contains(t, resp.header.Get("Content-Disposition"), `filename="audit.csv"`)
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(resp.body, []byte("\uFEFF")))).ReadAll()
		require.NoError(t, err)
		require.Len(t, recs, 4)
		require.Equal(t, []string{"id", "seq", "at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash"}, recs[0])
		require.Equal(t, ids[0], recs[1][6], "oldest first")
		require.JSONEq(t, `{"scheduled_at":null,"targets":null}`, recs[1][7])

		resp = b.do(t, "GET", "/api/v1/audit/export.jsonl?"+q, nil)
		require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
		require.Equal(t, "application/jsonl; charset=utf-8", resp.header.Get("Content-Type"))
		sc := bufio.NewScanner(bytes.NewReader(resp.body))
		var lines []map[string]any
		for sc.Scan() {
			var m map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
			lines = append(lines, m)
		}
		require.Len(t, lines, 3)
		require.Equal(t, ids[2], lines[2]["object_id"])
		require.Equal(t, map[string]any{"scheduled_at": nil, "targets": nil}, lines[2]["data"])
		require.Equal(t, lines[1]["hash"], lines[2]["prev_hash"])

		resp = b.do(t, "GET", "/api/v1/audit/export.jsonl?from=nope", nil)
		require.Equal(t, http.StatusBadRequest, resp.status)
	})
}

func TestStoryVersions(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	resp := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "夜航", "body": "The last ferry sails at nine."})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var s ferry.Story
	resp.decode(t, &s)
	resp = b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"body": "The last ferry sails at ten."})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)

	resp = b.do(t, "GET", "/api/v1/stories/"+s.ID+"/versions", nil)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	var list struct {
		Histories []struct {
			Versions []ferry.ContentVersion `json:"versions"`
		} `json:"histories"`
	}
	resp.decode(t, &list)
	require.Len(t, list.Histories, 1)
	require.Len(t, list.Histories[0].Versions, 2)

	resp = b.do(t, "GET", "/api/v1/stories/"+s.ID+"/versions/diff", nil)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	var d struct {
		Text []ferry.TextEdit `json:"text"`
	}
	resp.decode(t, &d)
	require.Equal(t, []ferry.TextEdit{{Op: "equal", Text: "The last ferry sails at "}, {Op: "delete", Text: "nine"}, {Op: "insert", Text: "ten"}, {Op: "equal", Text: "."}}, d.Text)

	resp = b.do(t, "GET", "/api/v1/stories/"+s.ID+"/versions/diff?from=x", nil)
	require.Equal(t, http.StatusBadRequest, resp.status)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", "/api/v1/stories/sto_nope/versions", nil).status)
}

func TestChecksRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	resp := b.do(t, "PUT", "/api/v1/checks/terms", map[string]any{"term": "示威", "severity": "error", "suggestion": "集會"})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	resp = b.do(t, "PUT", "/api/v1/checks/terms", map[string]any{"term": "x", "severity": "fatal"})
	require.Equal(t, http.StatusBadRequest, resp.status)
	resp = b.do(t, "POST", "/api/v1/checks/hosts", map[string]any{"host": "Example.COM"})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	resp = b.do(t, "GET", "/api/v1/checks", nil)
	require.Equal(t, http.StatusOK, resp.status)
	var c struct {
		Terms []ferry.SensitiveTerm `json:"terms"`
		Hosts []string              `json:"hosts"`
	}
	resp.decode(t, &c)
	require.Equal(t, "集會", c.Terms[0].Suggestion)
	require.Equal(t, []string{"example.com"}, c.Hosts)
	require.Equal(t, http.StatusNoContent, b.do(t, "DELETE", "/api/v1/checks/terms/"+url.PathEscape("示威"), nil).status)
	require.Equal(t, http.StatusNoContent, b.do(t, "DELETE", "/api/v1/checks/hosts/example.com", nil).status)
	require.Equal(t, http.StatusNotFound, b.do(t, "DELETE", "/api/v1/checks/hosts/example.com", nil).status)
	viewer := b.newToken(t, b.workspaceID, "v@ferry.example", ferry.RoleViewer)
	require.Equal(t, http.StatusForbidden, b.doAs(t, viewer, "POST", "/api/v1/checks/hosts", map[string]any{"host": "a.com"}).status)
}
