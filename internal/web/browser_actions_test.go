package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
)

// TestBrowser_StoryActionsMediaLibraryAndHandoffPage resolves a lost
// Telegram answer and deletes its story from the story page, describes an
// image and sets its focal point by clicking it in the media library, and
// opens the Xiaohongshu operator's page on a phone.
func TestBrowser_StoryActionsMediaLibraryAndHandoffPage(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	storyID := demoStories(t, m)
	base := m.URL()

	b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))

	// The story published everywhere but Xiaohongshu, whose operator still
	// has to post: the confirm form, and deleting the story.
	b.run(chromedp.Navigate(base+"/stories/"+storyID), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	require.EqualValues(t, 1, b.eval(`document.querySelectorAll('form[action$="/confirm"]').length`))
	b.shot("story-actions-en")

	// The lost Telegram answer: it is there, so mark it published.
	b.run(chromedp.Navigate(base+"/stories?state=unknown"), chromedp.WaitVisible(chromedp.CSS(`ul.stories`)),
		chromedp.Click(chromedp.CSS(`ul.stories a.item-title`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/resolve"] input[name=url]`)))
	require.Contains(t, b.text("h1"), "Typhoon signal No. 8")
	b.run(chromedp.SendKeys(chromedp.CSS(`form[action$="/resolve"] input[name=url]`), "https://t.me/ferrydemo/99"),
		chromedp.Click(chromedp.CSS(`form[action$="/resolve"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	require.Equal(t, "Marked as published.", b.text("p.notice"))
	b.accessible("story after resolving")

	// Delete it: asked first, then told honestly what stays up.
	b.run(chromedp.Click(chromedp.CSS(`a.danger-link`)), chromedp.WaitVisible(chromedp.CSS(`form.confirm-actions`)))
	require.Contains(t, b.text("main"), "1 post is already out and stays up")
	b.accessible("delete confirmation")
	b.run(chromedp.Click(chromedp.CSS(`form.confirm-actions button.danger`)), chromedp.WaitVisible(chromedp.CSS(`#deleted-title`)))
	require.Contains(t, b.text("main"), "Already published on Telegram: it stays up until it is deleted.")
	b.accessible("story deleted")

	// In Traditional Chinese.
	b.run(chromedp.Navigate(base+"/stories/"+storyID), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)),
		chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] ul.pubs`)))
	require.Contains(t, b.text("main"), "確認已發佈")
	b.shot("story-actions-zh-Hant")

	// The media library: describe the demo image, then click it to move
	// its focal point (the script fills in the x/y form and sends it).
	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/media"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.media-grid`)))
	require.Equal(t, "媒體庫", b.text("h1"))
	require.Contains(t, b.text("ul.media-grid"), "中秋節海港燈會", "where the image is used")
	b.run(chromedp.SendKeys(chromedp.CSS(`textarea[name=alt_text]`), "海港公園的中秋燈籠"),
		chromedp.SendKeys(chromedp.CSS(`input[name=tags]`), "中秋, 海港"),
		chromedp.Click(chromedp.CSS(`form[action$="/describe"] button`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	require.Equal(t, "中秋 海港", strings.Join(strings.Fields(strings.ReplaceAll(b.text(".media-item .tags"), "#", "")), " "))
	require.Equal(t, "海港公園的中秋燈籠", b.eval(`document.querySelector("img.focal-pick").alt`))
	b.run(chromedp.WaitVisible(chromedp.CSS(`img.focal-pick.can-pick`)))
	b.eval(`(function () {
		var img = document.querySelector("img.focal-pick"), r = img.getBoundingClientRect();
		img.dispatchEvent(new MouseEvent("click", {bubbles: true, clientX: r.left + r.width * 0.25, clientY: r.top + r.height * 0.75}));
	})()`)
	b.run(chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	x, err := strconv.ParseFloat(b.value(`input[name=x]`), 64)
	require.NoError(t, err)
	y, err := strconv.ParseFloat(b.value(`input[name=y]`), 64)
	require.NoError(t, err)
	require.InDelta(t, 25, x, 0.5, "the focal point is where the image was clicked")
	require.InDelta(t, 75, y, 0.5)
	b.shot("media-zh-Hant")
	b.run(chromedp.EmulateViewport(375, 812), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`ul.media-grid`)))
	require.True(t, b.fitsWidth(), "the media library fits 375 px")
	b.shot("media-zh-Hant-375")

	// The operator's page, on a phone, from the story's link.
	b.run(chromedp.Navigate(base+"/stories/"+storyID), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	href, ok := b.eval(`document.querySelector('a[href*="/handoff/"]').getAttribute("href")`).(string)
	require.True(t, ok, "the story links to the handoff page")
	b.run(chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS(`form input[name=url]`)))
	require.True(t, b.fitsWidth(), "the handoff page fits 375 px")
	b.shot("handoff-zh-Hant-375")

	b.run(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/media"), chromedp.WaitVisible(chromedp.CSS(`ul.media-grid`)),
		chromedp.Click(chromedp.CSS(`button[name="lang"][value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] ul.media-grid`)))
	require.Equal(t, "Media library", b.text("h1"))
	b.shot("media-en")
	b.noConsoleErrors()
}
