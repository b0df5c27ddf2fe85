package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBrowser_CloseAnAccountThroughTheWizard closes the demo Weibo account
// with its posts deleted, on a running Ferry (River runs the closure
// against the sandbox), and looks at the wizard and the outcome in the
// three languages and at phone width.
func TestBrowser_CloseAnAccountThroughTheWizard(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	b.signInDemo(base)
	b.run(chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.CSS(`.acct-list`)))
	weibo, instagram := b.accountHref("Ferry Demo 微博"), b.accountHref("Ferry Demo Instagram")

	b.run(chromedp.Navigate(base+weibo+"/close"), chromedp.WaitVisible(chromedp.CSS(`.close-list`)))
	require.Contains(t, b.text("main"), "Also delete its")
	b.shot("account-close-wizard-en")
	b.run(chromedp.Click(chromedp.CSS(`input[name="delete_remote"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/close"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#closure`)))
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(b.text("#closure-card"), "Everything is done") {
		require.True(t, time.Now().Before(deadline), "the closure finishes: %s", b.text("#closure-card"))
		time.Sleep(500 * time.Millisecond)
		b.run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#closure`)))
	}
	require.Contains(t, b.text(".page-head"), "Closed")
	require.Contains(t, b.text("#closure-card"), "Taken", "a final reading")
	require.Contains(t, b.text("main"), "Ready, checked", "the archive is written")
	b.shot("account-closed-en")

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #closure`)),
		chromedp.Navigate(base+instagram+"/close"), chromedp.WaitVisible(chromedp.CSS(`.close-list`)))
	require.Contains(t, b.text("main"), "Instagram 不容許應用程式刪除帖文")
	b.shot("account-close-wizard-instagram-zh-Hant")

	b.run(chromedp.Navigate(base+weibo), chromedp.WaitVisible(chromedp.CSS(`#closure`)),
		chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hans"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang|="zh-Hans"] #closure`)),
		chromedp.EmulateViewport(375, 812), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#handover`)))
	require.True(t, b.fitsWidth(), "the account page fits 375 px")
	require.Contains(t, b.text("#closure-card"), "已关闭，全部完成")
	b.shot("account-closed-zh-Hans-375")
	b.run(chromedp.Navigate(base+instagram+"/close"), chromedp.WaitVisible(chromedp.CSS(`.close-list`)))
	require.True(t, b.fitsWidth(), "the wizard fits 375 px")
	b.shot("account-close-wizard-zh-Hans-375")
	b.noConsoleErrors()
}
