package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/service"
)

// TestBrowser_AuditLogAndVersionHistory: the demo's owner filters the
// audit log, then compares two versions of an edited story; in English,
// Traditional and Simplified Chinese, and on a phone.
func TestBrowser_AuditLogAndVersionHistory(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	ctx := context.Background()
	p := demoPrincipal(t, m)
	accts, err := m.Service.Accounts(ctx, p)
	require.NoError(t, err)
	var targets []string
	for _, a := range accts {
		if a.Platform == ferry.Weibo || a.Platform == ferry.Telegram {
			targets = append(targets, a.ID)
		}
	}
	_, err = m.Service.PutSensitiveTerm(ctx, p, service.SensitiveTermInput{Term: "示威", Severity: ferry.SeverityWarning, Suggestion: "集會"})
	require.NoError(t, err)
	st, err := m.Service.CreateStory(ctx, p, service.StoryInput{Title: "中秋節海港燈會",
		Body: "今年中秋節，海港公園將舉行燈籠會，歡迎大家一同賞月。\nLantern fair at Harbour Park this Mid-Autumn Festival.", Targets: targets})
	require.NoError(t, err)
	body := "今年中秋節，海港公園將於十五晚舉行大型燈籠會，歡迎市民一同賞月。\nA large lantern fair at Harbour Park on the night of the festival. Video: https://youtu.be/lanterns"
	_, err = m.Service.UpdateStory(ctx, p, st.ID, service.StoryPatch{Body: &body})
	require.NoError(t, err)

	b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)),
		chromedp.Navigate(base+"/settings/audit"), chromedp.WaitVisible(chromedp.CSS(`#h-events`)))
	require.Contains(t, b.text("main"), "story.update")
	// The page before the submit is marked, so that waiting sees the new one.
	b.eval(`document.body.dataset.before = "1"`)
	b.run(chromedp.SetValue(chromedp.CSS("#audit-action"), "story.update"), chromedp.Click(chromedp.CSS(`.audit-filters button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`body:not([data-before]) #h-events`)))
	require.EqualValues(t, 1, b.eval(`document.querySelectorAll(".audit-table tbody tr").length`))
	require.Contains(t, b.text(".audit-table"), app.DemoEmail)
	b.shot("audit-en")

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #h-events`)))
	require.Equal(t, "稽核紀錄", b.text("#h-audit"))
	b.shot("audit-zh-Hant")

	b.run(chromedp.Navigate(base+"/stories/"+st.ID+"/versions"), chromedp.WaitVisible(chromedp.CSS(`#diff`)))
	require.Equal(t, "版本紀錄", b.text("h1"))
	require.EqualValues(t, true, b.eval(`[...document.querySelectorAll("#diff .diff ins")].some(e => e.textContent.includes("於十五晚"))`))
	require.EqualValues(t, true, b.eval(`[...document.querySelectorAll("#diff del")].some(e => e.textContent.includes("大家"))`))
	b.shot("versions-zh-Hant")

	// A variant's history compares the same way.
	b.run(chromedp.Navigate(base+"/stories/"+st.ID+"/versions?account="+targets[0]+"&from=1&to=2"), chromedp.WaitVisible(chromedp.CSS(`#diff`)))
	require.EqualValues(t, true, b.eval(`document.querySelectorAll("#diff .diff ins").length > 0`))

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hans"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] #diff`)))
	require.Equal(t, "版本记录", b.text("h1"))
	b.shot("versions-zh-Hans")

	b.run(chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+"/stories/"+st.ID+"/versions"), chromedp.WaitVisible(chromedp.CSS(`#diff`)))
	require.True(t, b.fitsWidth(), "the versions page fits 375 px")
	b.shot("versions-zh-Hans-375")
	b.run(chromedp.Navigate(base+"/settings/audit"), chromedp.WaitVisible(chromedp.CSS(`#h-events`)))
	require.True(t, b.fitsWidth(), "the audit page fits 375 px: %v", b.eval(`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
	b.shot("audit-zh-Hans-375")
	b.run(chromedp.Navigate(base+"/settings/checks"), chromedp.WaitVisible(chromedp.CSS(`#h-terms`)))
	require.True(t, b.fitsWidth(), "the checks page fits 375 px")
	b.shot("checks-zh-Hans-375")
	b.noConsoleErrors()
}
