package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/service"
)

// Approvals in a browser, on the demo with its sandbox: the owner sets the
// Telegram account's policy (one reviewer); a story scheduled now waits
// for approval; the reviewer finds it in their inbox, sees what Telegram
// will receive and approves it, and it is published at once. A second
// story is rejected with a comment (Traditional Chinese, a 375 px phone).
func TestBrowser_ApprovalSubmitApprovePublishAndReject(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	ctx := context.Background()
	owner := demoPrincipal(t, m)
	accts, err := m.Service.Accounts(ctx, owner)
	require.NoError(t, err)
	var tg *ferry.Account
	for _, a := range accts {
		if a.Platform == ferry.Telegram {
			tg = a
		}
	}
	require.NotNil(t, tg)
	hash, err := auth.HashPassword("reviewer password 1")
	require.NoError(t, err)
	rita := &ferry.User{Email: "rita@demo.example", Name: "Rita Reviewer", PasswordHash: hash}
	require.NoError(t, m.DB.Write().CreateUser(ctx, rita))
	require.NoError(t, m.DB.Write().SetMembership(ctx, owner.WorkspaceID, rita.ID, ferry.RoleReviewer))

	signIn := func(email, password string) {
		b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	}
	signIn(app.DemoEmail, app.DemoPassword)

	// The policy editor on the account's page.
	b.run(chromedp.Navigate(base+"/accounts/"+tg.ID), chromedp.WaitVisible(chromedp.CSS(`#approvers0`)),
		chromedp.SendKeys(chromedp.CSS(`#approvers0`), "role:reviewer"),
		chromedp.Click(chromedp.CSS(`form[action$="/approval-policy"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`#approval .notice`)))
	b.shot("approval-policy-en")

	now := m.DB.Now()
	story, err := m.Service.CreateStory(ctx, owner, service.StoryInput{Title: "渡輪復航", Body: "颱風過後，渡輪服務已於今早恢復。\nFerries are running again after the typhoon.",
		Targets: []string{tg.ID}, ScheduledAt: &now})
	require.NoError(t, err)
	state := func(id string) ferry.PublicationState {
		v, err := m.Service.Story(ctx, owner, id)
		require.NoError(t, err)
		return v.Publications[0].State
	}
	require.Eventually(t, func() bool { return state(story.ID) == ferry.StateAwaitingApproval }, 30*time.Second, 50*time.Millisecond, "scheduling submitted it; at its time it waits")
	b.run(chromedp.Navigate(base+"/stories/"+story.ID), chromedp.WaitVisible(chromedp.CSS(`.pub`)))
	require.Contains(t, b.text(".pub"), "Awaiting approval")
	require.Contains(t, b.text(".pub"), "waiting for any reviewer")
	b.shot("approval-story-awaiting-en")

	b.run(chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
	signIn(rita.Email, "reviewer password 1")
	b.run(chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(chromedp.CSS(`.approvals`)))
	b.shot("approvals-inbox-en")
	b.run(chromedp.Click(chromedp.CSS(`.approvals a.item-title`)), chromedp.WaitVisible(chromedp.CSS(`.decision-form`)))
	require.Contains(t, b.text(".review-target"), "颱風過後")
	b.shot("approval-review-en")
	b.run(chromedp.SendKeys(chromedp.CSS(`.decision-form textarea`), "Checked with the operator."),
		chromedp.Click(chromedp.CSS(`.decision-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	require.Eventually(t, func() bool { return state(story.ID) == ferry.StatePublished }, 30*time.Second, 50*time.Millisecond, "approving late sends it at once")
	sent := m.Sandbox.Posts(ferry.Telegram, tg.ExternalID)
	require.NotEmpty(t, sent)

	// A second story, rejected with a comment, in Traditional Chinese on a phone.
	later := now.Add(48 * time.Hour)
	second, err := m.Service.CreateStory(ctx, owner, service.StoryInput{Title: "重陽節登山安全", Body: "重陽節登山，請帶備足夠食水。", Targets: []string{tg.ID}, ScheduledAt: &later})
	require.NoError(t, err)
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"]`)))
	b.run(chromedp.EmulateViewport(375, 812))
	b.run(chromedp.Navigate(base+"/stories/"+second.ID+"/review"), chromedp.WaitVisible(chromedp.CSS(`.decision-form`)))
	require.True(t, b.fitsWidth(), "the review page fits 375 px")
	b.run(chromedp.Click(chromedp.CSS(`.decision-form button.danger`)), chromedp.WaitVisible(chromedp.CSS(`p.problem`)))
	require.Contains(t, b.text("p.problem"), "退回時須留下意見")
	b.run(chromedp.SendKeys(chromedp.CSS(`.decision-form textarea`), "日期寫錯了，請改為十月廿九日。"),
		chromedp.Click(chromedp.CSS(`.decision-form button.danger`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	require.Contains(t, b.text(".review-target"), "已退回")
	require.Contains(t, b.text(".review-target"), "日期寫錯了")
	b.shot("approval-rejected-zh-Hant-375")
	b.run(chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	require.True(t, b.fitsWidth())
	b.shot("approvals-inbox-zh-Hant-375")
	b.noConsoleErrors(409)
}
