package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestAccountSettings_ValidatedOnWriteAndPatchMerges(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	account := func(settings map[string]any) map[string]any {
		return map[string]any{"platform": "telegram", "external_id": "@lanterns", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}, "settings": settings}
	}
	// Each bad setting is named in details, on create and on PATCH.
	bad := map[string]any{"lead_time": "-5h", "deadline_after": "99999h", "operators": []string{"not-an-email"},
		"audience_script": "klingon", "link_url": "javascript:alert(1)", "colour": "red"}
	want := map[string]any{"settings.lead_time": "invalid", "settings.deadline_after": "invalid", "settings.operators": "invalid",
		"settings.audience_script": "invalid", "settings.link_url": "invalid", "settings.colour": "unknown"}
	resp := b.do(t, "POST", "/api/v1/accounts", account(bad))
	require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
	require.Equal(t, want, resp.apiError(t).Error.Details)
	for _, link := range []string{"ftp://ferry.example/x", "//ferry.example/x", "https://", "/relative"} {
		resp = b.do(t, "POST", "/api/v1/accounts", account(map[string]any{"link_url": link}))
		require.Equal(t, http.StatusBadRequest, resp.status, link)
	}

	resp = b.do(t, "POST", "/api/v1/accounts", account(map[string]any{"audience_script": "hk", "operators": []string{"ops@ferry.example"}}))
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var a ferry.Account
	resp.decode(t, &a)
	resp = b.do(t, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"settings": bad})
	require.Equal(t, http.StatusBadRequest, resp.status)
	require.Equal(t, want, resp.apiError(t).Error.Details)

	// A PATCH merges: settings not named stay; null removes one.
	resp = b.do(t, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"settings": map[string]any{"link_url": "https://ferry.example/s"}})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	resp.decode(t, &a)
	require.Equal(t, map[string]any{"audience_script": "hk", "operators": []any{"ops@ferry.example"}, "link_url": "https://ferry.example/s"}, a.Settings)
	resp = b.do(t, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"settings": map[string]any{"audience_script": nil}})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	a = ferry.Account{}
	resp.decode(t, &a)
	require.Equal(t, map[string]any{"operators": []any{"ops@ferry.example"}, "link_url": "https://ferry.example/s"}, a.Settings)
}
