package api

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestWorkspace_RequireAltTextBlocksSchedulingWithTheImageNamed turns on
// "images must have alt text" through the workspace endpoint (admins only)
// and schedules a story with an undescribed image: 422 with each target's
// media_alt_required problem naming the image, and the story stays a
// draft; the preview says the same until the image is described or marked
// decorative.
func TestWorkspace_RequireAltTextBlocksSchedulingWithTheImageNamed(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			var ws ferry.Workspace
			resp := b.do(t, "GET", "/api/v1/workspace", nil)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &ws)
			require.Equal(t, "Test", ws.Name)
			require.False(t, ws.RequireAltText, "off by default")

			editor := b.newToken(t, b.workspaceID, "editor@ferry.example", ferry.RoleEditor)
			resp = b.doAs(t, editor, "PATCH", "/api/v1/workspace", map[string]any{"require_alt_text": true})
			require.Equal(t, http.StatusForbidden, resp.status, "%s", resp.body)
			resp = b.do(t, "PATCH", "/api/v1/workspace", map[string]any{"require_alt_text": "yes"})
			require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
			resp = b.do(t, "PATCH", "/api/v1/workspace", map[string]any{"region": "XX"})
			require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
			require.Equal(t, "invalid", resp.apiError(t).Error.Details["region"])
			resp = b.do(t, "PATCH", "/api/v1/workspace", map[string]any{"require_alt_text": true})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp.decode(t, &ws)
			require.True(t, ws.RequireAltText)
			require.Equal(t, "Test", ws.Name, "fields left out are kept")

			acct := &ferry.Account{WorkspaceID: b.workspaceID, Platform: ferry.Telegram, ExternalID: "@harbour", Name: "harbour",
				Credentials: map[string]string{"bot_token": "t"}, Health: ferry.HealthConnected}
			require.NoError(t, b.db.Write().CreateAccount(context.Background(), acct))
			var media []string
			for i := range 2 {
				media = append(media, b.uploadJPEG(t, uint8(i*90)))
			}
			resp = b.do(t, "PUT", "/api/v1/media/"+media[0]+"/alt", map[string]any{"alt_text": "Red lanterns"})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)

			resp = b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "Lanterns tonight.", "media_ids": media, "targets": []string{acct.ID}})
			require.Equal(t, http.StatusCreated, resp.status, "a draft may be saved: %s", resp.body)
			var st struct{ ID string }
			resp.decode(t, &st)

			at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			for path, body := range map[string]any{"/api/v1/stories/" + st.ID + "/schedule": map[string]any{"at": at}, "/api/v1/stories/" + st.ID + "/publish": map[string]any{}} {
				resp = b.do(t, "POST", path, body)
				require.Equal(t, http.StatusUnprocessableEntity, resp.status, "%s: %s", path, resp.body)
				e := resp.apiError(t)
				require.Equal(t, "unprocessable", e.Error.Code)
				problems := e.Error.Details["problems"].(map[string]any)[acct.ID].([]any)
				require.Len(t, problems, 1)
				p := problems[0].(map[string]any)
				require.Equal(t, "media_alt_required", p["code"])
				require.Equal(t, "error", p["severity"])
				require.Contains(t, p["message"], "Image 2")
			}

			resp = b.do(t, "GET", "/api/v1/stories/"+st.ID, nil)
			var got struct {
				Publications []struct{ State string } `json:"publications"`
			}
			resp.decode(t, &got)
			require.Equal(t, "draft", got.Publications[0].State)

			resp = b.do(t, "POST", "/api/v1/preview", map[string]any{"body": "Lanterns tonight.", "media_ids": media, "targets": []string{acct.ID}})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			require.Contains(t, string(resp.body), `"code":"media_alt_required"`, "the preview says so too")

			resp = b.do(t, "PUT", "/api/v1/media/"+media[1]+"/alt", map[string]any{"decorative": true})
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			resp = b.do(t, "POST", "/api/v1/preview", map[string]any{"body": "Lanterns tonight.", "media_ids": media, "targets": []string{acct.ID}})
			require.NotContains(t, string(resp.body), "media_alt_", "described or decorative: nothing to say")
		})
	}
}

// uploadJPEG uploads a small JPEG and returns its media id.
func (b *testBundle) uploadJPEG(t *testing.T, shade uint8) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = shade + uint8(i)
	}
	var file, body bytes.Buffer
	require.NoError(t, jpeg.Encode(&file, img, nil))
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "image.jpg")
	require.NoError(t, err)
	_, _ = fw.Write(file.Bytes())
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", b.url+"/api/v1/media", &body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	var m struct{ ID string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
	return m.ID
}
