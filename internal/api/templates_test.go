package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestTemplates_EmptyIsRefusedAndNoBodyIsWarned(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	for _, src := range []string{"", "  \n\t"} {
		resp := b.do(t, "PUT", "/api/v1/templates/telegram", map[string]any{"source": src})
		require.Equal(t, http.StatusBadRequest, resp.status, "%q: %s", src, resp.body)
		e := resp.apiError(t)
		require.Equal(t, ferry.EINVALID, e.Error.Code)
		require.Contains(t, e.Error.Details, "source")
	}
	var tv struct {
		Custom   bool                      `json:"custom"`
		Warnings []service.TemplateWarning `json:"warnings"`
	}
	resp := b.do(t, "PUT", "/api/v1/templates/weibo", map[string]any{"source": "【{{title}}】 {{link}}"})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	resp.decode(t, &tv)
	require.True(t, tv.Custom)
	require.Equal(t, []service.TemplateWarning{{Code: "no_body", Message: "The template has no {{body}}: the story's text will not appear."}}, tv.Warnings)
	tv.Warnings = nil
	resp = b.do(t, "PUT", "/api/v1/templates/weibo", map[string]any{"source": "【{{title}}】{{body}}"})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	resp.decode(t, &tv)
	require.Empty(t, tv.Warnings)
}
