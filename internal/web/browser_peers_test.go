package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
)

// TestBrowser_Peers opens the demo's peers page: each platform's peers
// beside the demo's own account, with eight weeks of history; a handle the
// platform does not know comes back beside the field; in Traditional
// Chinese and on a phone.
func TestBrowser_Peers(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t, func(c *config.Config) { c.DemoHistory = true })
	base := m.URL()

	b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)),
		chromedp.Navigate(base+"/analytics/peers"), chromedp.WaitVisible(chromedp.CSS(`#h-weibo`)))
	require.Equal(t, "Peers", b.text("h1"))
	main := b.text("main")
	for _, want := range []string{"港聞速遞", "hk.culture.desk", "harbourtimes", "hk_daily_brief", "港漂日记", "Ferry Demo 微博"} {
		require.Contains(t, main, want)
	}
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll("section.peers-group").length`), "a table per platform")
	require.EqualValues(t, 0, b.eval(`[...document.querySelectorAll(".peers-table tbody tr")].filter(r => r.querySelector("svg.spark") === null && r.querySelector("th")).length`),
		"every row has eight weeks of history to draw")
	b.shot("peers-en")

	b.run(chromedp.SetValue(chromedp.CSS("#peer-platform"), "weibo"), chromedp.SendKeys(chromedp.CSS("#peer-handle"), "missing_account"),
		chromedp.Click(chromedp.CSS(`form.peers-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#peer-handle-error`)))
	require.Contains(t, b.text("#peer-handle-error"), "User does not exists!")
	require.Equal(t, "missing_account", b.value("#peer-handle"))
	b.shot("peers-error-en")

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #h-weibo`)))
	require.Equal(t, "同業帳號", b.text("h1"))
	b.shot("peers-zh-Hant")

	b.run(chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+"/analytics/peers"), chromedp.WaitVisible(chromedp.CSS(`#h-weibo`)))
	b.shot("peers-zh-Hant-375")
	require.True(t, b.fitsWidth(), "the page fits 375 px; the tables scroll inside their cards: %v", b.eval(`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
	b.noConsoleErrors(400)
}
