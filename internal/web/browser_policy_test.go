package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The workspace's default approval policy in the settings, in a browser:
// a bad count comes back beside its field with the form as typed, a good
// policy is saved; English, Traditional Chinese, and Simplified Chinese
// on a phone.
func TestBrowser_WorkspaceDefaultApprovalPolicy(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	base := bootDemo(t).URL()
	b.signInDemo(base)
	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/settings"]`)), chromedp.WaitVisible(chromedp.CSS(`.settings-nav`)),
		chromedp.Click(chromedp.CSS(`.settings-nav a[href="/settings/approvals"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #approvers0`)))
	b.accessible("settings-approvals")
	b.run(chromedp.SendKeys(chromedp.CSS(`#approvers0`), "role:admin, role:owner"), chromedp.SetValue(chromedp.CSS(`#required0`), "0"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/approvals"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`#required0-error`)))
	require.Equal(t, "role:admin, role:owner", b.value(`#approvers0`), "the form comes back as typed")
	b.shot("settings-approvals-error-en")
	b.run(chromedp.SetValue(chromedp.CSS(`#required0`), "1"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/approvals"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.settings-main .notice`)))
	require.Equal(t, "role:admin, role:owner", b.value(`#approvers0`))

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #approvers0`)))
	b.shot("settings-approvals-zh-Hant")
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hans"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] #approvers0`)),
		chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the page fits 375 px")
	b.shot("settings-approvals-zh-Hans-375")
	b.noConsoleErrors(422)
}
