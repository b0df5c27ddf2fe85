package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/service"
)

// libraryPhoto is a 900×600 JPEG, its colours by seed.
func libraryPhoto(t *testing.T, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 900, 600))
	for y := range 600 {
		for x := range 900 {
			img.Set(x, y, color.RGBA{uint8(x/6) + seed, uint8(y / 5), 200 - seed, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}))
	return buf.Bytes()
}

func TestBrowser_ComposePicksImagesFromTheLibraryInADialogAndSaves(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	ctx := context.Background()
	p := demoPrincipal(t, m)
	upload := func(seed uint8, alt string, tags ...string) string {
		media, err := m.Service.UploadMedia(ctx, p, bytes.NewReader(libraryPhoto(t, seed)))
		require.NoError(t, err)
		_, err = m.Service.DescribeMedia(ctx, p, media.ID, service.MediaDescription{AltText: alt, Tags: tags})
		require.NoError(t, err)
		return media.ID
	}
	lantern := upload(10, "Red lanterns over Victoria Harbour at dusk", "lantern", "中秋")
	pier := upload(90, "The Central ferry pier in the morning", "pier")
	_, err := m.Service.UpdateMedia(ctx, p, lantern, service.MediaPatch{Focal: &ferry.Focal{X: .7, Y: .3}})
	require.NoError(t, err)
	waitFor := func(expr, why string) {
		t.Helper()
		require.Eventually(t, func() bool { return b.eval(expr) == true }, 10*time.Second, 50*time.Millisecond, why)
	}

	b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)),
		chromedp.Navigate(base+"/compose"), chromedp.WaitVisible(chromedp.CSS(`#compose-form`)))
	b.run(chromedp.SendKeys(chromedp.CSS("#title"), "Lantern fair"), chromedp.SendKeys(chromedp.CSS("#body"), "The lantern fair opens at the harbour tonight."))
	b.eval(`document.querySelectorAll('input[name="targets"]').forEach(function (c) { c.checked = true; }); true`)
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll('details.picker').length`), "the script made the picker a dialog")

	// Opened from the keyboard: focus goes into the labelled dialog.
	b.run(chromedp.Focus(chromedp.CSS(`#picker-open`)), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#picker-dialog`)))
	require.Equal(t, true, b.eval(`document.getElementById('picker-dialog').open && document.getElementById('picker-dialog').matches(':modal')`))
	require.Equal(t, "library_q", b.eval(`document.activeElement.id`))
	require.Equal(t, "Images in the media library", b.eval(`document.getElementById(document.getElementById('picker-dialog').getAttribute('aria-labelledby')).textContent`))
	require.Contains(t, b.text("#picker-dialog"), "Red lanterns over Victoria Harbour at dusk")
	require.Contains(t, b.text("#picker-dialog"), "Not used in any story yet")
	b.eval(`window.scrollTo(0, 0); true`) // the dialog, fixed, at the top of the screenshot
	b.shot("compose-library-en")

	// Searching as one types; the Escape key closes and gives focus back.
	b.run(chromedp.SendKeys(chromedp.CSS("#library_q"), "lantern"))
	waitFor(`document.querySelectorAll('#picker-dialog input[name=pick][type=checkbox]').length === 1`, "the search narrows the list")
	require.Contains(t, b.text("#picker-status"), "1 image shown")
	// (In a search field the first Escape empties it, as browsers do.)
	b.run(chromedp.KeyEvent(kb.Escape))
	waitFor(`document.getElementById('library_q').value === '' && document.getElementById('picker-dialog').open`, "the search emptied")
	b.run(chromedp.KeyEvent(kb.Escape))
	waitFor(`!document.getElementById('picker-dialog').open && document.activeElement.id === 'picker-open'`, "focus back on the opener")

	// Ticked with the keyboard across two searches, then attached.
	b.run(chromedp.Click(chromedp.CSS(`#picker-open`)), chromedp.WaitVisible(chromedp.CSS(`#picker-dialog`)),
		chromedp.Focus(chromedp.CSS(`#pick-`+lantern)), chromedp.KeyEvent(" "))
	require.Equal(t, true, b.eval(`document.getElementById('pick-`+lantern+`').checked`))
	b.eval(`(function () { var q = document.getElementById('library_q'); q.value = ''; q.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	b.run(chromedp.SendKeys(chromedp.CSS("#library_q"), "pier"))
	waitFor(`document.getElementById('pick-`+pier+`') !== null && document.getElementById('pick-`+lantern+`') === null`, "the second search")
	b.run(chromedp.Click(chromedp.CSS(`#pick-`+pier)), chromedp.Click(chromedp.CSS(`#picker-dialog button.picker-attach`)))
	b.run(chromedp.WaitVisible(chromedp.CSS(`p.attached-note`)))
	require.Contains(t, b.text("p.attached-note"), "2 images from the library attached")
	require.Equal(t, "picker-open", b.eval(`document.activeElement.id`), "focus back on the opener after the attach")
	require.Equal(t, "Lantern fair", b.value("#title"), "the typing is kept")
	require.Equal(t, []any{lantern, pier}, b.eval(`[].map.call(document.querySelectorAll('li.image'), function (li) { return li.dataset.id; })`), "in the order ticked")
	require.Equal(t, "Red lanterns over Victoria Harbour at dusk", b.value(`#alt-`+lantern), "the library's alt text, editable")
	waitFor(`document.querySelector('.pv-telegram img[src="/compose/media/`+lantern+`"]') !== null`, "the image in the previews")
	require.Contains(t, b.eval(`document.querySelector('.pv-instagram img').className`), "fx-7 fy-3", "the library's focal point crops the preview")

	b.run(chromedp.Click(chromedp.CSS(`button[value="draft"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	storyID := strings.TrimPrefix(b.eval(`location.pathname`).(string), "/stories/")
	st, err := m.Service.Story(ctx, p, storyID)
	require.NoError(t, err)
	require.Equal(t, []string{lantern, pier}, st.MediaIDs)
	lib, err := m.Service.MediaLibrary(ctx, p, ferry.MediaFilter{Query: "Victoria"})
	require.NoError(t, err)
	require.Equal(t, []service.StoryRef{{ID: storyID, Title: "Lantern fair"}}, lib.Items[0].UsedBy)

	// The edit page in Hong Kong Chinese, on a phone too.
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] ul.pubs`)),
		chromedp.Navigate(base+"/stories/"+storyID+"/edit"), chromedp.WaitVisible(chromedp.CSS(`#picker-open`)),
		chromedp.Click(chromedp.CSS(`#picker-open`)), chromedp.WaitVisible(chromedp.CSS(`#picker-dialog`)))
	require.Equal(t, "媒體庫的圖片", b.text("#picker-title"))
	require.Contains(t, b.text("#picker-dialog"), "已在這篇稿件內")
	b.eval(`window.scrollTo(0, 0); true`)
	b.shot("compose-library-zh-Hant")
	b.run(chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "compose with the picker fits 375 px")
	require.Equal(t, true, b.eval(`document.getElementById('picker-dialog').getBoundingClientRect().right <= window.innerWidth`), "the dialog fits 375 px")
	b.eval(`window.scrollTo(0, 0); true`)
	b.shot("compose-library-zh-Hant-375")
	b.run(chromedp.EmulateViewport(1280, 900))

	// The library's "Use in a new story".
	b.run(chromedp.Navigate(base+"/media?q=pier"), chromedp.WaitVisible(chromedp.CSS(`ul.media-grid`)),
		chromedp.Click(chromedp.CSS(`a.use[href="/compose?media=`+pier+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#compose-form`)))
	require.Equal(t, []any{pier}, b.eval(`[].map.call(document.querySelectorAll('li.image'), function (li) { return li.dataset.id; })`))
	b.noConsoleErrors()
}
