package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// A pause reaches every other member's inbox: the header counts it, the
// inbox words it in the reader's language, opening it marks it read and
// leads to its page; the preferences form saves, and comes back with the
// input kept and the error beside the field when a chat id is wrong.
func TestInbox_NoticesAndPreferences(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			owner := tb.setUp()
			tb.svc.DB.SetAuditHook(tb.svc.NoticeAudit)
			tb.addPerson(owner, "mei@example.org", "陳美", ferry.RoleEditor)
			ctx := context.Background()
			_, err := tb.svc.Pause(ctx, owner, service.PauseInput{Reason: ferry.PauseMourning, Note: "全港哀悼"})
			require.NoError(t, err)

			ada := tb.signedIn("ada@example.org", "en")
			require.NotContains(t, ada.get("/").body, `class="inbox-count"`, "not told of one's own pause")

			for lang, want := range map[string][]string{
				"en":      {"Ada paused sending", "Nothing more goes out from the workspace until it is resumed. Reason: Mourning or disaster — 全港哀悼"},
				"zh-Hant": {"Ada 暫停了發送", "整個工作區在恢復前不會再發出任何內容。"},
				"zh-Hans": {"Ada 暂停了发送", "整个工作区在恢复前不会再发出任何内容。"},
			} {
				mei := tb.signedIn("mei@example.org", lang)
				dash := mei.get("/")
				require.Contains(t, dash.body, `<span class="inbox-count" aria-hidden="true">1</span>`, lang)
				inbox := mei.get("/inbox")
				require.Equal(t, 200, inbox.status)
				for _, w := range want {
					require.Contains(t, text(inbox.body), w, lang)
				}
			}

			mei := tb.signedIn("mei@example.org", "en")
			page, err := tb.svc.Inbox(ctx, ferry.Principal{UserID: meiID(t, tb), WorkspaceID: owner.WorkspaceID, Role: ferry.RoleEditor}, false, "", 0)
			require.NoError(t, err)
			require.Len(t, page.Notices, 1)
			open := mei.get("/inbox/" + page.Notices[0].ID)
			require.Equal(t, http.StatusSeeOther, open.status)
			require.Equal(t, "/pause", open.location)
			require.NotContains(t, mei.get("/").body, `class="inbox-count"`, "read")
			require.Equal(t, http.StatusNotFound, ada.get("/inbox/"+page.Notices[0].ID).status, "another person's notice")

			csrf := mei.csrf()
			bad := mei.post("/inbox/settings", "same-origin", url.Values{"csrf": {csrf}, "mode-paused-email": {"digest"}, "telegram_chat_id": {"my chat"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `id="chat-error"`)
			require.Contains(t, bad.body, `value="my chat"`, "input kept")
			require.Regexp(t, `name="mode-paused-email"[^>]*>\s*<option value="off">[^<]*</option>\s*<option value="now">[^<]*</option>\s*<option value="digest" selected>`, bad.body, "choice kept")

			ok := mei.post("/inbox/settings", "same-origin", url.Values{"csrf": {csrf}, "mode-paused-email": {"digest"}, "mode-paused-telegram": {"now"}, "telegram_chat_id": {"123456789"}})
			require.Equal(t, http.StatusSeeOther, ok.status)
			prefs := mei.get(ok.location)
			require.Contains(t, prefs.body, `value="123456789"`)
			require.Contains(t, text(prefs.body), "Preferences saved.")
			require.Equal(t, http.StatusForbidden, mei.post("/inbox/read", "cross-site", url.Values{"csrf": {csrf}}).status)
		})
	}
}

func meiID(t *testing.T, tb *testBundle) string {
	t.Helper()
	u, err := tb.svc.DB.Read().UserByEmail(context.Background(), "mei@example.org")
	require.NoError(t, err)
	return u.ID
}
