package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/testdb"
)

// The web door refuses a NUL or invalid UTF-8 in a form, a query or an id
// before anything reads it, alike on both databases.
func TestForms_NULAndInvalidUTF8AreRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, be)
			owner := tb.setUp()
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)
			token := br.csrf()

			p := br.post("/settings/profile", "same-origin", url.Values{"csrf": {token}, "name": {"A\x00da"}})
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, text(p.body), `"name"`)
			p = br.post("/settings/people", "same-origin", url.Values{"csrf": {token}, "key": {"mayor"}, "name": {"\xff\xfe"}})
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, text(p.body), `"name"`)
			p = br.get("/stories?q=%00")
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, text(p.body), `"q"`)
			require.Equal(t, http.StatusNotFound, br.get("/stories/sty_%ff").status)
			require.Equal(t, http.StatusNotFound, br.get("/stories/sty_%00/edit").status)

			anon := tb.browser()
			p = anon.post("/login", "same-origin", url.Values{"email": {"ada@example.org\x00"}, "password": {ownerPassword}})
			require.Equal(t, http.StatusBadRequest, p.status)
			require.Contains(t, text(p.body), `"email"`)

			me, err := tb.svc.Me(t.Context(), owner)
			require.NoError(t, err)
			require.Equal(t, "Ada", me.User.Name, "nothing was saved")
		})
	}
}
