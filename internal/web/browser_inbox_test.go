package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/service"
)

// The inbox in a browser: a colleague pauses sending and the demo owner's
// header counts the notice; the inbox lists it (English, Traditional
// Chinese, a 375 px phone), opening it leads to the pause page and clears
// the count; the preferences page, at both widths.
func TestBrowser_InboxAndPreferences(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	ctx := context.Background()
	owner, err := m.DB.Read().UserByEmail(ctx, app.DemoEmail)
	require.NoError(t, err)
	ms, err := m.DB.Read().Memberships(ctx, owner.ID)
	require.NoError(t, err)
	colleague := &ferry.User{Email: "mei@example.org", Name: "陳美"}
	require.NoError(t, m.DB.Write().CreateUser(ctx, colleague))
	require.NoError(t, m.DB.Write().SetMembership(ctx, ms[0].WorkspaceID, colleague.ID, ferry.RoleAdmin))
	_, err = m.Service.Pause(ctx, ferry.Principal{UserID: colleague.ID, WorkspaceID: ms[0].WorkspaceID, Role: ferry.RoleAdmin},
		service.PauseInput{Reason: ferry.PauseMourning, Note: "Flags at half-mast"})
	require.NoError(t, err)

	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	// English, the browser's language (clicking "English" here would race
	// its own reload with the next step).
	b.run(chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #needs`)))
	require.Equal(t, "1", b.text(".inbox-count"))
	b.run(chromedp.Click(chromedp.CSS(`a.inbox-link`)), chromedp.WaitVisible(chromedp.CSS(`.inbox`)))
	require.Contains(t, b.text(".inbox"), "陳美 paused sending")
	require.Contains(t, b.text(".inbox"), "Mourning or disaster — Flags at half-mast")
	b.shot("inbox-en")
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] .inbox`)))
	require.Contains(t, b.text(".inbox"), "陳美 暫停了發送")
	b.shot("inbox-zh-Hant")
	b.run(chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the inbox fits 375 px")
	b.shot("inbox-zh-Hant-375")

	b.run(chromedp.Click(chromedp.CSS(`.inbox a.item-title`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/pause/resume"]`)))
	require.Equal(t, 0, int(b.eval(`document.querySelectorAll(".inbox-count").length`).(float64)), "read once opened")

	b.run(chromedp.Navigate(base+"/inbox/settings"), chromedp.WaitVisible(chromedp.CSS(`table.prefs`)))
	require.True(t, b.fitsWidth(), "the preferences fit 375 px")
	b.shot("inbox-settings-zh-Hant-375")
	b.run(chromedp.EmulateViewport(1280, 900), chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hans"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] table.prefs`)))
	require.True(t, strings.Contains(b.text("h1"), "通知设置"))
	b.shot("inbox-settings-zh-Hans")
	b.noConsoleErrors()
}
