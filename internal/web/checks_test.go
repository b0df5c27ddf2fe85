package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestChecks_PageManagesTermsAndSites: an admin adds a term and a site, a
// bad site comes back beside its field with the input kept, and removes
// them; an editor cannot open the page.
func TestChecks_PageManagesTermsAndSites(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	br := tb.signedIn("ada@example.org", "zh-Hans")
	csrf := br.csrf()
	p := br.post("/settings/checks", "same-origin", url.Values{"csrf": {csrf}, "do": {"add_term"}, "term": {"示威"}, "severity": {"error"}, "suggestion": {"集會"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = br.get(p.location)
	require.Contains(t, p.body, "已保存字词")
	require.Contains(t, p.body, "示威")
	require.Contains(t, p.body, "错误：不能排期")

	p = br.post("/settings/checks", "same-origin", url.Values{"csrf": {csrf}, "do": {"add_host"}, "host": {"not a site"}})
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, `id="host-error"`)
	require.Contains(t, p.body, "请输入域名")
	require.Contains(t, p.body, `value="not a site"`)
	p = br.post("/settings/checks", "same-origin", url.Values{"csrf": {csrf}, "do": {"add_term"}, "term": {""}})
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, "请输入字词。")

	require.Equal(t, http.StatusSeeOther, br.post("/settings/checks", "same-origin", url.Values{"csrf": {csrf}, "do": {"add_host"}, "host": {"news.example.org"}}).status)
	require.Contains(t, br.get("/settings/checks").body, "news.example.org")
	require.Equal(t, http.StatusSeeOther, br.post("/settings/checks", "same-origin", url.Values{"csrf": {csrf}, "do": {"delete_host"}, "host": {"news.example.org"}}).status)
	require.Equal(t, http.StatusSeeOther, br.post("/settings/checks", "same-origin", url.Values{"csrf": {csrf}, "do": {"delete_term"}, "term": {"示威"}}).status)
	require.Contains(t, br.get("/settings/checks").body, "还没有敏感词。")

	editor := tb.member(owner, "ed@example.org", ferry.RoleEditor)
	require.Equal(t, http.StatusForbidden, editor.get("/settings/checks").status)
}
