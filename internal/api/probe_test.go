package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The smaller defects found when the API was probed (issue 17, item 7).
func TestProbe_SmallerDefects(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	refused := func(t *testing.T, resp response, field string) apiError {
		t.Helper()
		require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
		e := resp.apiError(t)
		require.Equal(t, ferry.EINVALID, e.Error.Code)
		if field != "" {
			require.Contains(t, e.Error.Details, field, "%s", resp.body)
		}
		return e
	}

	t.Run("ScheduledAtIsBounded", func(t *testing.T) {
		refused(t, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "x", "scheduled_at": "9999-01-01T00:00:00Z"}), "scheduled_at")
		resp := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "x"})
		require.Equal(t, http.StatusCreated, resp.status)
		var st struct{ ID string }
		resp.decode(t, &st)
		refused(t, b.do(t, "POST", "/api/v1/stories/"+st.ID+"/schedule", map[string]any{"at": "9999-01-01T00:00:00Z"}), "scheduled_at")
		refused(t, b.do(t, "PATCH", "/api/v1/stories/"+st.ID, map[string]any{"scheduled_at": time.Now().AddDate(3, 0, 0).Format(time.RFC3339)}), "scheduled_at")
		// null is "no time": at is required.
		e := refused(t, b.do(t, "POST", "/api/v1/stories/"+st.ID+"/schedule", `{"at":null}`), "at")
		require.Equal(t, "at is required.", e.Error.Message)
		e = refused(t, b.do(t, "POST", "/api/v1/stories/"+st.ID+"/schedule", `{"at":42}`), "at")
		require.Contains(t, e.Error.Message, "at must be")
	})

	t.Run("DirectoryKeysArePlainNames", func(t *testing.T) {
		for _, key := range []string{"..%2F..%2Fetc", "a%2Fb", "a%E2%80%AEb", "a%E2%81%A6b", "a%E2%80%8Fb", "a%09b"} {
			refused(t, b.do(t, "PUT", "/api/v1/people/"+key, map[string]any{"name": "Mayor"}), "key")
		}
		require.Equal(t, http.StatusOK, b.do(t, "PUT", "/api/v1/people/%E5%B8%82%E9%95%B7", map[string]any{"name": "Mayor"}).status)
	})

	t.Run("DuplicatePlatformsInAPreview", func(t *testing.T) {
		refused(t, b.do(t, "POST", "/api/v1/preview", map[string]any{"title": "x", "platforms": []string{"telegram", "weibo", "telegram"}}), "platforms[2]")
	})

	t.Run("TelegramBotTokenForm", func(t *testing.T) {
		for _, tok := range []string{"abc", "123", "123:abc/../../x", "x:abcdefghijklmnop", "123:abc def"} {
			refused(t, b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@lanterns", "credentials": map[string]string{"bot_token": tok}}), "credentials.bot_token")
		}
		require.Zero(t, b.telegram.verificationCount(), "no malformed token reached the Bot API")
	})

	t.Run("ResetWithTextIsContradictory", func(t *testing.T) {
		resp := b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@lanterns", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}})
		require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
		var acc struct{ ID string }
		resp.decode(t, &acc)
		resp = b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "x", "body": "y", "targets": []string{acc.ID}})
		require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
		var st struct{ ID string }
		resp.decode(t, &st)
		refused(t, b.do(t, "PUT", "/api/v1/stories/"+st.ID+"/variants/"+acc.ID, map[string]any{"reset": true, "text": "x"}), "reset")
		require.Equal(t, http.StatusOK, b.do(t, "PUT", "/api/v1/stories/"+st.ID+"/variants/"+acc.ID, map[string]any{"reset": true}).status)
	})

	t.Run("BearerIsCaseInsensitive", func(t *testing.T) {
		for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
			resp, err := b.send("", "GET", "/api/v1/stories", nil, "Authorization", scheme+" "+b.token)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.status, scheme)
		}
		resp, err := b.send("", "GET", "/api/v1/stories", nil, "Authorization", "Basic "+b.token)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, resp.status)
	})

	t.Run("ClearMessages", func(t *testing.T) {
		e := refused(t, b.do(t, "PUT", "/api/v1/glossary", `[]`), "")
		require.Equal(t, "The request body must be a JSON object.", e.Error.Message)
		e = refused(t, b.do(t, "POST", "/api/v1/calendar/recurring", `{"name_en":"x","recurrence":{"month":99999999999999999999}}`), "recurrence.month")
		require.Equal(t, `Field "recurrence.month" is out of range.`, e.Error.Message)
		e = refused(t, b.do(t, "POST", "/api/v1/calendar/recurring", `{"name_en":"x","recurrence":{"month":1.5}}`), "recurrence.month")
		require.Equal(t, `Field "recurrence.month" must be a whole number, written without a fraction or exponent.`, e.Error.Message)
	})

	t.Run("JSONAnswersCarryNosniff", func(t *testing.T) {
		resp := b.do(t, "GET", "/api/v1/stories", nil)
		require.Equal(t, "nosniff", resp.header.Get("X-Content-Type-Options"))
		resp = b.do(t, "GET", "/api/v1/nothing-here", nil)
		require.Equal(t, "nosniff", resp.header.Get("X-Content-Type-Options"))
	})
}
