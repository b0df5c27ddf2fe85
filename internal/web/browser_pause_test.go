package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
)

// The emergency pause in a browser: the dashboard's control, the reason
// and the confirmation, the banner on every page (English, Traditional
// Chinese, a 375 px phone), and the resume.
func TestBrowser_PauseBannerAndResume(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))

	b.run(chromedp.Click(chromedp.CSS(`a.pause-link`)), chromedp.WaitVisible(chromedp.CSS(`#pause-reason`)))
	b.shot("pause-en")
	b.run(chromedp.SetValue(chromedp.CSS(`#pause-reason`), "breaking_news"), chromedp.SendKeys(chromedp.CSS(`#pause-note`), "Typhoon signal No. 8"),
		chromedp.Click(chromedp.CSS(`.pause-start button.danger`)), chromedp.WaitVisible(chromedp.CSS(`.pause-confirm`)))
	require.Equal(t, "Pause sending now?", b.text("h1"))
	b.shot("pause-confirm-en")
	b.run(chromedp.Click(chromedp.CSS(`button[name="confirmed"]`)), chromedp.WaitVisible(chromedp.CSS(`.pause-banner`)))
	require.Contains(t, b.text(".pause-banner"), "Sending is paused by")
	require.Contains(t, b.text(".pause-banner"), "Breaking news — Typhoon signal No. 8")

	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	require.Contains(t, b.text(".pause-banner"), "Sending is paused by")
	b.shot("dashboard-paused-en")

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #needs`)))
	require.Contains(t, b.text(".pause-banner"), "發送已由")
	require.Contains(t, b.text(".pause-banner"), "突發新聞")
	b.shot("dashboard-paused-zh-Hant")
	b.run(chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the paused dashboard fits 375 px")
	b.shot("dashboard-paused-zh-Hant-375")
	b.run(chromedp.Navigate(base+"/pause"), chromedp.WaitVisible(chromedp.CSS(`form[action="/pause/resume"]`)))
	require.True(t, b.fitsWidth(), "the resume page fits 375 px")
	b.shot("pause-resume-zh-Hant-375")

	b.run(chromedp.Click(chromedp.CSS(`form[action="/pause/resume"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	require.Equal(t, 0, int(b.eval(`document.querySelectorAll(".pause-banner").length`).(float64)), "no banner once resumed")
	b.noConsoleErrors()
}
