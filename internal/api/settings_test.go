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

// A webhook URL inside the server's own network is refused when it is
// saved, with the reason, and nothing is saved.
func TestNotificationSettings_RefuseAWebhookInsideTheServersNetwork(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	for u, reason := range map[string]string{
		"http://127.0.0.1:9/internal-admin":        "loopback",
		"https://169.254.169.254/latest/meta-data": "link_local",
		"http://[::ffff:192.168.0.10]/hook":        "private",
		"http://localhost:9/hook":                  "loopback",
	} {
		resp := b.do(t, "PUT", "/api/v1/notifications/settings", map[string]any{"webhook_url": u})
		require.Equal(t, http.StatusUnprocessableEntity, resp.status, "%s: %s", u, resp.body)
		e := resp.apiError(t).Error
		require.Equal(t, ferry.EUNPROCESSABLE, e.Code)
		require.Equal(t, map[string]any{"webhook_url": reason}, e.Details, u)
	}
	resp := b.do(t, "GET", "/api/v1/notifications/settings", nil)
	require.Equal(t, http.StatusOK, resp.status)
	require.Contains(t, string(resp.body), `"webhook_url":""`, "nothing was saved")
	resp = b.do(t, "PUT", "/api/v1/notifications/settings", map[string]any{"webhook_url": "https://93.184.215.14/hook"})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
}
