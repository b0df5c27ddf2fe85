package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The reports page in a browser (English, Traditional Chinese, Simplified
// Chinese at 375 px): the month list, the email recipients and the export
// form, its checkboxes and radio buttons beside their labels, every button
// styled as a button.
func TestBrowser_ReportsPage(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	base := bootDemo(t).URL()
	b.signInDemo(base)
	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/reports"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #h-export`)))
	require.Equal(t, "Reports", b.text("h1"))
	b.accessible("reports")
	// A box or a round is its own size, not the width of the form.
	boxes := `[...document.querySelectorAll('main input[type=checkbox], main input[type=radio]')]`
	require.Positive(t, b.eval(boxes+`.length`).(float64), "the page has checkboxes and radio buttons")
	require.Less(t, b.eval(`Math.max(...`+boxes+`.map(e => e.getBoundingClientRect().width))`).(float64), 40.0)
	// No button is left in the browser's own style.
	require.Zero(t, b.eval(`[...document.querySelectorAll('main button')].filter(e => getComputedStyle(e).borderRadius === '0px' || getComputedStyle(e).borderRadius === '').length`).(float64))
	b.shot("reports-en")

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #h-export`)))
	b.shot("reports-zh-Hant")
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hans"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] #h-export`)),
		chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the reports page fits 375 px")
	b.shot("reports-zh-Hans-375")
	b.noConsoleErrors()
}
