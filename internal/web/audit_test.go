package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestAudit_PageFiltersPagesAndExports: the owner's changes are listed
// newest first with who made them; filters narrow them, a bad date comes
// back beside its field with the filter kept, pages continue with a link,
// and the downloads carry the same filter.
func TestAudit_PageFiltersPagesAndExports(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	for i := range 55 {
		_, err := tb.svc.CreateStory(ctx, owner, service.StoryInput{Title: "Story " + strings.Repeat("i", i%3), Body: "香港"})
		require.NoError(t, err)
	}
	br := tb.signedIn("ada@example.org", "zh-Hant")
	p := br.get("/settings/audit")
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, p.body, "稽核紀錄")
	body := text(p.body)
	require.Contains(t, body, "story.create")
	require.Contains(t, body, "Ada · ada@example.org")
	require.Equal(t, 50, strings.Count(p.body, "<tr>")-1, "a page of 50 events")
	require.Contains(t, p.body, `rel="next"`)
	next := regexpFind(t, p.body, `href="(/settings/audit\?cursor=[^"]+)" rel="next"`)
	p2 := br.get(strings.ReplaceAll(next, "&amp;", "&"))
	require.Equal(t, http.StatusOK, p2.status)
	require.Contains(t, p2.body, "workspace.setup", "the oldest events are on the second page")
	require.Contains(t, p2.body, "← 最新")

	p = br.get("/settings/audit?action=workspace.setup")
	require.Equal(t, 1, strings.Count(p.body, "<tr>")-1)
	p = br.get("/settings/audit?actor=system&action=story.create")
	require.Contains(t, p.body, "沒有符合篩選條件的事件。")

	p = br.get("/settings/audit?from=not-a-date&action=story.create")
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, `id="audit-from-error"`)
	require.Contains(t, p.body, "請輸入日期（YYYY-MM-DD）。")
	require.Contains(t, p.body, `value="story.create"`, "the filter is kept")

	csv := br.get("/settings/audit/export?format=csv&action=story.create")
	require.Equal(t, http.StatusOK, csv.status)
	require.Equal(t, "text/csv; charset=utf-8", csv.header.Get("Content-Type"))
	require.Equal(t, 56, strings.Count(csv.body, "\n"), "header and 55 events")
	jsonl := br.get("/settings/audit/export?format=jsonl&action=workspace.setup")
	require.Equal(t, http.StatusOK, jsonl.status)
	require.Equal(t, 1, strings.Count(jsonl.body, "\n"))
	require.Contains(t, jsonl.body, `"action":"workspace.setup"`)
}

func regexpFind(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	require.NotNil(t, m, "no %s in the page", pattern)
	return m[1]
}
