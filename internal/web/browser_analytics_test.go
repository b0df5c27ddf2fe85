package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/config"
)

// The analytics pages over the demo's history, in English and Traditional
// Chinese, and the overview on a phone: each checked by axe.
func TestBrowser_AnalyticsPagesInTwoLanguagesAndOnAPhone(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t, func(c *config.Config) { c.DemoHistory = true })
	base := m.URL()
	b.signInDemo(base)

	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/analytics"]`)), chromedp.WaitVisible(chromedp.CSS(`.an-table`)))
	require.Equal(t, "Analytics", b.text("h1"))
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll(".an-table tbody tr").length`), "the five demo accounts")
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll("svg.spark").length`), "a year of readings: a trend line each")
	// The demo's past posts are over 40 days old: 90 days shows them.
	b.run(chromedp.SetValue(chromedp.CSS("#period"), "90d"), chromedp.Click(chromedp.CSS(`.range-form button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`#period option[value="90d"][selected]`)))
	require.Positive(t, b.eval(`document.querySelectorAll("svg.spark").length`))
	b.shot("analytics-en")

	weibo, _ := b.eval(`[...document.querySelectorAll(".an-table a")].find(a => a.textContent.includes("微博")).getAttribute("href")`).(string)
	require.NotEmpty(t, weibo)
	b.run(chromedp.Navigate(base+weibo+"?period=1y&sort=engagement"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	require.Contains(t, b.text(".source"), "history", "28 past posts: learned from history")
	require.Positive(t, b.eval(`document.querySelectorAll("table.posts tbody tr").length`))
	b.shot("analytics-account-en")

	story, _ := b.eval(`document.querySelector("table.posts tbody a").getAttribute("href")`).(string)
	b.run(chromedp.Navigate(base+story), chromedp.WaitVisible(chromedp.CSS(`a.results-link`)),
		chromedp.Click(chromedp.CSS(`a.results-link`)), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	require.GreaterOrEqual(t, b.eval(`document.querySelectorAll(".an-table.stack tbody tr").length`), 2.0, "side by side")
	b.shot("analytics-story-en")
	storyPage := b.eval(`location.pathname`).(string)

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] svg.chart`)))
	require.Contains(t, b.text("h1"), "成效")
	b.shot("analytics-story-zh-Hant")
	b.run(chromedp.Navigate(base+weibo+"?period=1y&sort=engagement"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	require.Contains(t, b.text(".figures"), "萬", "followers read in 萬 beside the exact figure")
	b.shot("analytics-account-zh-Hant")
	b.run(chromedp.Navigate(base+"/analytics"), chromedp.WaitVisible(chromedp.CSS(`.an-table`)))
	b.shot("analytics-zh-Hant")

	b.run(chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+"/analytics"), chromedp.WaitVisible(chromedp.CSS(`.an-table`)))
	require.True(t, b.fitsWidth(), "the overview fits 375 px")
	b.shot("analytics-zh-Hant-375")
	b.run(chromedp.Navigate(base+storyPage), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	require.True(t, b.fitsWidth(), "the story's results fit 375 px")
	b.noConsoleErrors()
}
