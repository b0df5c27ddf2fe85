package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestVersions_PageShowsHistoryAndDiff: the story's versions are listed
// with who saved them; the newest two are compared by default, Chinese
// character by character; a version that does not exist comes back beside
// its field.
func TestVersions_PageShowsHistoryAndDiff(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	st, err := tb.svc.CreateStory(ctx, owner, service.StoryInput{Title: "夜航", Body: "今晚九點尾班船開出。"})
	require.NoError(t, err)
	body := "今晚十點尾班船開出。"
	_, err = tb.svc.UpdateStory(ctx, owner, st.ID, service.StoryPatch{Body: &body})
	require.NoError(t, err)

	br := tb.signedIn("ada@example.org", "zh-Hant")
	require.Contains(t, br.get("/stories/"+st.ID).body, `href="/stories/`+st.ID+`/versions"`)
	p := br.get("/stories/" + st.ID + "/versions")
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, p.body, "版本紀錄")
	require.Contains(t, p.body, "今晚<del>九</del><ins>十</ins>點尾班船開出。")
	require.Contains(t, text(p.body), "第 2 版：Ada 於")

	p = br.get("/stories/" + st.ID + "/versions?from=1&to=7")
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, `id="v-to-error"`)
	require.Contains(t, p.body, `value="7"`)

	viewer := tb.member(owner, "vi@example.org", "viewer")
	require.Equal(t, http.StatusOK, viewer.get("/stories/"+st.ID+"/versions").status)
	require.Equal(t, http.StatusNotFound, viewer.get("/stories/sto_nope/versions").status)
}
