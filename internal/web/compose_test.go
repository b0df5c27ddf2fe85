package web_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// composeAccounts connects a Xiaohongshu and a Telegram account.
func (tb *testBundle) composeAccounts(p ferry.Principal) (xhs, tg *ferry.Account) {
	return tb.account(p, ferry.Xiaohongshu, "x1", "海港小紅書"), tb.account(p, ferry.Telegram, "@harbour", "Harbour Channel")
}

const longTitle = "中秋節海港公園燈籠會暨親子賞月晚會全日節目安排"

func TestCompose_PreviewShowsEachTargetWithItsProblemsAndConversion(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			xhs, tg := tb.composeAccounts(p)
			br := tb.signedIn("ada@example.org", "en")

			page := br.get("/compose?date=2026-12-25")
			require.Equal(t, 200, page.status)
			require.Contains(t, page.body, `value="2026-12-25T10:00"`)
			require.Contains(t, page.body, `aria-current="page">Compose</a>`)
			require.Contains(t, text(page.body), "Time (Asia/Hong_Kong (UTC+08:00))")
			require.Contains(t, text(page.body), "Public holiday", "the chosen day's holiday")

			pv := br.post("/compose/preview", "same-origin", url.Values{"csrf": {br.csrf()}, "title": {longTitle}, "body": {"歡迎<b>大家</b>一同賞月 https://example.org/x"},
				"targets": {xhs.ID, tg.ID}, "source_script": {"hk"}, "when": {"2026-12-25T20:00"}})
			require.Equal(t, 200, pv.status)
			require.Contains(t, pv.body, `class="pv pv-xiaohongshu"`)
			require.Contains(t, pv.body, `class="pv pv-telegram"`)
			require.Contains(t, pv.body, `<mark class="pv-problem sev-error"`, "the title's span past 20 characters")
			require.Contains(t, pv.body, "Title: 23 / 20 characters")
			require.Contains(t, pv.body, `<span class="conv" title="歡">欢</span>`, "Simplified on Xiaohongshu, the source on hover")
			require.Contains(t, pv.body, "&lt;b&gt;", "the story's markup is text on Telegram, escaped")
			require.NotContains(t, pv.body, "<b>大家</b>")
			require.Contains(t, pv.body, "Public holiday")
		})
	}
}

func TestCompose_ScheduleBlocksOnProblemsAndKeepsTheInput(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			xhs, tg := tb.composeAccounts(p)
			br := tb.signedIn("ada@example.org", "en")
			when := time.Now().In(mustZone(t)).AddDate(0, 0, 3).Format("2006-01-02") + "T20:00"
			img := tb.uploadJPEG(p)
			form := url.Values{"csrf": {br.csrf()}, "media": {img}, "title": {longTitle}, "body": {"歡迎大家一同賞月。"}, "tags": {"中秋 海港"},
				"targets": {xhs.ID, tg.ID}, "source_script": {"hk"}, "when": {when}, "action": {"schedule"}}

			noTime := url.Values{}
			for k, v := range form {
				noTime[k] = v
			}
			noTime.Set("when", "")
			missing := br.post("/compose", "same-origin", noTime)
			require.Equal(t, http.StatusBadRequest, missing.status)
			require.Contains(t, missing.body, `<p class="field-error" id="when-error">Choose a time to schedule the story.</p>`)

			blocked := br.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusUnprocessableEntity, blocked.status)
			require.Contains(t, text(blocked.body), "some platforms would reject it")
			require.Contains(t, blocked.body, `value="`+longTitle+`"`, "the input is kept")
			require.Contains(t, blocked.body, `<mark class="pv-problem sev-error"`)
			views, _, err := tb.svc.Stories(context.Background(), p, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Empty(t, views, "nothing half-saved")

			form.Set("title", "中秋節海港燈會")
			done := br.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusSeeOther, done.status, text(done.body))
			require.True(t, strings.HasPrefix(done.location, "/stories/"))
			views, _, err = tb.svc.Stories(context.Background(), p, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Len(t, views, 1)
			require.Equal(t, []string{"中秋", "海港"}, views[0].Tags)
			for _, pub := range views[0].Publications {
				require.Equal(t, ferry.StateScheduled, pub.State)
			}
			detail := br.get(strings.SplitN(done.location, "?", 2)[0])
			require.Contains(t, detail.body, `/edit" class="button write">Edit</a>`)
		})
	}
}

func TestCompose_EditRevertAndUndoAPerTargetEdit(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			_, tg := tb.composeAccounts(p)
			br := tb.signedIn("ada@example.org", "en")
			csrf := br.csrf()
			draft := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "body": {"Lantern fair tonight."}, "targets": {tg.ID}, "action": {"draft"}})
			require.Equal(t, http.StatusSeeOther, draft.status, text(draft.body))
			id := strings.TrimPrefix(strings.SplitN(draft.location, "?", 2)[0], "/stories/")

			edit := br.get("/stories/" + id + "/edit")
			require.Equal(t, 200, edit.status)
			require.Contains(t, edit.body, ">Lantern fair tonight.</textarea>")
			require.Contains(t, text(edit.body), "Same as the story")

			saved := br.post("/stories/"+id+"/variants/"+tg.ID, "same-origin", url.Values{"csrf": {csrf}, "text": {"Only on Telegram: lanterns!"}})
			require.Equal(t, http.StatusSeeOther, saved.status, text(saved.body))
			edited := text(br.get("/stories/" + id + "/edit").body)
			require.Contains(t, edited, "Edited for Telegram")
			require.Contains(t, edited, "Only on Telegram: lanterns!")

			reverted := br.post("/stories/"+id+"/variants/"+tg.ID, "same-origin", url.Values{"csrf": {csrf}, "reset": {"1"}})
			require.Equal(t, 200, reverted.status)
			require.Contains(t, text(reverted.body), "Telegram uses the story's text again.")
			require.Contains(t, reverted.body, `name="text" value="Only on Telegram: lanterns!"`, "the undo form carries the edit")
			undone := br.post("/stories/"+id+"/variants/"+tg.ID, "same-origin", url.Values{"csrf": {csrf}, "title": {""}, "text": {"Only on Telegram: lanterns!"}})
			require.Equal(t, http.StatusSeeOther, undone.status)
			require.Contains(t, text(br.get("/stories/"+id+"/edit").body), "Edited for Telegram")

			// The story's own edit, saved as a draft again.
			upd := br.post("/stories/"+id+"/edit", "same-origin", url.Values{"csrf": {csrf}, "body": {"Lantern fair tonight at eight."}, "targets": {tg.ID}, "action": {"draft"}})
			require.Equal(t, http.StatusSeeOther, upd.status, text(upd.body))
			st, err := tb.svc.Story(context.Background(), p, id)
			require.NoError(t, err)
			require.Equal(t, "Lantern fair tonight at eight.", st.Body)
		})
	}
}

func TestCompose_ViewersSeeWhyAndCannotSaveAndCrossSiteIsRefused(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			_, tg := tb.composeAccounts(p)
			ctx := context.Background()
			tb.person(p, "vic@example.org", ferry.RoleViewer)
			br := tb.signedIn("vic@example.org", "zh-HK")
			page := br.get("/compose")
			require.Equal(t, 200, page.status)
			require.Contains(t, page.body, "檢視者不能儲存")
			require.Contains(t, page.body, `value="schedule" class="primary" disabled aria-describedby="role-note"`)
			refused := br.post("/compose", "same-origin", url.Values{"csrf": {br.csrf()}, "body": {"x"}, "targets": {tg.ID}, "action": {"draft"}})
			require.Equal(t, http.StatusForbidden, refused.status)

			owner := tb.browser()
			owner.signIn("ada@example.org", ownerPassword)
			cross := owner.post("/compose", "cross-site", url.Values{"csrf": {owner.csrf()}, "body": {"x"}, "targets": {tg.ID}, "action": {"draft"}})
			require.Equal(t, http.StatusForbidden, cross.status)
			noToken := owner.post("/compose", "same-origin", url.Values{"body": {"x"}, "targets": {tg.ID}, "action": {"draft"}})
			require.Equal(t, http.StatusForbidden, noToken.status)
			views, _, err := tb.svc.Stories(ctx, p, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Empty(t, views)
		})
	}
}

// BenchmarkComposePreview measures the live preview's server time as the
// compose page asks for it: a 2,000-character Hong Kong Chinese story with
// tags and a link for the five platforms' accounts, on a festival day, the
// fragment rendered (previews with conversion marks, the day's calendar
// and the accounts' best times).
func BenchmarkComposePreview(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			tb := setup(b, be)
			p := tb.setUp()
			var targets []string
			for _, pl := range ferry.Platforms {
				a := tb.account(p, pl, string(pl), string(pl), func(a *ferry.Account) { a.Settings = map[string]any{"link_url": "https://harbour.example/l"} })
				targets = append(targets, a.ID)
			}
			br := tb.browser()
			br.signIn("ada@example.org", ownerPassword)
			para := "今年中秋節，海港公園將舉行燈籠會，歡迎大家一同賞月。Lantern fair at Harbour Park. "
			body := string([]rune(strings.Repeat(para, 40))[:2000])
			form := url.Values{"csrf": {br.csrf()}, "title": {"中秋節海港燈會"}, "body": {body}, "tags": {"中秋 海港"}, "links": {"https://harbour.example/mid-autumn"},
				"targets": targets, "source_script": {"hk"}, "when": {"2026-12-25T20:00"}}
			for b.Loop() {
				pv := br.post("/compose/preview", "same-origin", form)
				require.Equal(b, 200, pv.status)
			}
		})
	}
}

// postMultipart sends the compose form as a browser does with a file input.
func (b *browser) postMultipart(path string, form url.Values, file []byte) page {
	b.tb.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(b.tb.t, mw.WriteField(k, v))
		}
	}
	fw, err := mw.CreateFormFile("files", "lanterns.jpg")
	require.NoError(b.tb.t, err)
	_, err = fw.Write(file)
	require.NoError(b.tb.t, err)
	require.NoError(b.tb.t, mw.Close())
	req, err := http.NewRequest("POST", b.tb.srv.URL+path, &buf)
	require.NoError(b.tb.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var mediaInput = regexp.MustCompile(`name="media" value="([^"]+)"`)

func TestCompose_ImagesUploadReorderFocalAndAltTextWithoutJavaScript(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			_, tg := tb.composeAccounts(p)
			first := tb.uploadJPEG(p)
			br := tb.signedIn("ada@example.org", "en")
			csrf := br.csrf()
			img := image.NewRGBA(image.Rect(0, 0, 400, 200))
			var jp bytes.Buffer
			require.NoError(t, jpeg.Encode(&jp, img, nil))
			form := url.Values{"csrf": {csrf}, "title": {"Lanterns"}, "media": {first}, "targets": {tg.ID}, "action": {"preview"}}

			up := br.postMultipart("/compose", form, jp.Bytes())
			require.Equal(t, 200, up.status, text(up.body))
			ids := mediaInput.FindAllStringSubmatch(up.body, -1)
			require.Len(t, ids, 2, "the upload is attached after the first image")
			second := ids[1][1]
			require.Contains(t, up.body, `value="Lanterns"`, "the typing is kept")
			require.Contains(t, text(up.body), "Image 1 has no alt text", "the warning in the preview")
			served := br.get("/compose/media/" + second)
			require.Equal(t, 200, served.status)
			require.Equal(t, "image/jpeg", served.header.Get("Content-Type"))

			moved := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "title": {"Lanterns"}, "media": {first, second}, "targets": {tg.ID},
				"media_op": {"up:" + second}})
			require.Equal(t, 200, moved.status)
			order := mediaInput.FindAllStringSubmatch(moved.body, -1)
			require.Equal(t, []string{second, first}, []string{order[0][1], order[1][1]})

			// A click at (40, 150) on the 160×213 thumbnail of the 1200×1600 image.
			clicked := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "media": {first}, "targets": {tg.ID},
				"focal." + first + ".x": {"40"}, "focal." + first + ".y": {"150"}})
			require.Equal(t, 200, clicked.status)
			items, err := tb.svc.MediaItems(context.Background(), p, []string{first})
			require.NoError(t, err)
			require.NotNil(t, items[0].Focal)
			require.InDelta(t, 0.25, items[0].Focal.X, 0.01)
			require.InDelta(t, 150.0/213, items[0].Focal.Y, 0.01)

			keyboard := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "media": {first}, "targets": {tg.ID}, "keep." + first: {"top"}, "action": {"preview"}})
			require.Equal(t, 200, keyboard.status)
			items, err = tb.svc.MediaItems(context.Background(), p, []string{first})
			require.NoError(t, err)
			require.Equal(t, &ferry.Focal{X: .5, Y: .2}, items[0].Focal, "a keyboard's way to the focal point")

			described := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "title": {"Lanterns"}, "media": {first, second}, "targets": {tg.ID},
				"alt." + first: {"Red lanterns at dusk"}, "alt." + second: {""}, "decorative." + second: {"on"}, "action": {"preview"}})
			require.Equal(t, 200, described.status)
			require.Contains(t, described.body, ">Red lanterns at dusk</textarea>")
			require.NotContains(t, text(described.body), "has no alt text")
			items, err = tb.svc.MediaItems(context.Background(), p, []string{first, second})
			require.NoError(t, err)
			require.Equal(t, "Red lanterns at dusk", items[0].AltText)
			require.True(t, items[1].Decorative)
		})
	}
}

func TestCompose_ABlackoutRefusesTheTimeAndOnlyAdminsMayOverride(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			_, tg := tb.composeAccounts(p)
			ctx := context.Background()
			day := time.Now().In(mustZone(t)).AddDate(0, 0, 5).Format("2006-01-02")
			_, err := tb.svc.CreateCalendarEvent(ctx, p, service.CalendarEventInput{Kind: ferry.EventBlackout, NameEN: "Day of mourning", NameZh: "哀悼日",
				StartDate: day, EndDate: day})
			require.NoError(t, err)
			tb.person(p, "eve@example.org", ferry.RoleEditor)

			form := url.Values{"body": {"Lanterns tonight."}, "targets": {tg.ID}, "when": {day + "T20:00"}, "action": {"schedule"}}
			ed := tb.signedIn("eve@example.org", "en")
			form.Set("csrf", ed.csrf())
			refused := ed.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusUnprocessableEntity, refused.status)
			rt := text(refused.body)
			require.Contains(t, rt, "This time falls in a blackout period.")
			require.Contains(t, rt, "Day of mourning")
			require.Contains(t, rt, "Only an admin or the owner can publish inside a blackout.")
			require.NotContains(t, refused.body, `name="override_blackout"`)

			owner := tb.signedIn("ada@example.org", "en")
			form.Set("csrf", owner.csrf())
			again := owner.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusUnprocessableEntity, again.status)
			require.Contains(t, again.body, `name="override_blackout"`)
			form.Set("override_blackout", "on")
			done := owner.post("/compose", "same-origin", form)
			require.Equal(t, http.StatusSeeOther, done.status, text(done.body))
			views, _, err := tb.svc.Stories(ctx, p, ferry.StoryFilter{Limit: 10})
			require.NoError(t, err)
			require.Len(t, views, 1, "only the overridden save went through")
		})
	}
}
