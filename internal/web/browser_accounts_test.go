package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/notify/smtptest"
)

// signInDemo signs the browser in as the demo user.
func (b *browserSession) signInDemo(base string) {
	b.t.Helper()
	b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
}

// accountHref is the link to the account whose card shows name.
func (b *browserSession) accountHref(name string) string {
	b.t.Helper()
	href, _ := b.eval(`[...document.querySelectorAll(".acct")].find(e => e.textContent.includes(` + jsString(name) + `)).querySelector("a.acct-name").getAttribute("href")`).(string)
	require.NotEmpty(b.t, href, name)
	return href
}

func jsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestBrowser_AccountsConnectTelegramFixSettingsAndSignInWithWeibo(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	b.signInDemo(base)

	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/accounts"]`)), chromedp.WaitVisible(chromedp.CSS(`.acct-list`)))
	require.Equal(t, "Accounts", b.text("h1"))
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll(".acct").length`), "the five demo accounts")
	b.shot("accounts-en")

	// Telegram: the bot's checks are told beside the field they concern,
	// and what was typed stays.
	b.run(chromedp.Click(chromedp.CSS(`a[href="/accounts/connect"]`)), chromedp.WaitVisible(chromedp.CSS(`#tg-channel`)))
	b.shot("connect-en")
	const token = "123456789:AAHsandboxTokenForFerryTests01"
	b.run(chromedp.SendKeys(chromedp.CSS("#tg-channel"), "@readonly_news"), chromedp.SendKeys(chromedp.CSS("#tg-bot_token"), token),
		chromedp.Click(chromedp.CSS(`#connect-telegram button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#tg-channel-error`)))
	require.Contains(t, b.text("#tg-channel-error"), "may not post")
	require.Equal(t, "@readonly_news", b.value("#tg-channel"), "the channel typed is kept")
	require.Equal(t, "true", b.eval(`document.querySelector("#tg-channel").getAttribute("aria-invalid")`))
	b.shot("connect-telegram-check-en")
	b.run(chromedp.SetValue(chromedp.CSS("#tg-channel"), "@harbour_news"), chromedp.SendKeys(chromedp.CSS("#tg-bot_token"), token),
		chromedp.Click(chromedp.CSS(`#connect-telegram button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#settings-form`)))
	require.Contains(t, b.text(".page-head"), "Connected")
	tgPage := b.eval(`location.pathname`).(string)

	// A bad link URL comes back beside its field, in the person's language.
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #settings-form`)),
		chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.CSS(`.acct-list`)))
	b.shot("accounts-zh-Hant")
	weibo := b.accountHref("Ferry Demo 微博")
	b.run(chromedp.Navigate(base+weibo), chromedp.WaitVisible(chromedp.CSS(`#link_url`)),
		chromedp.SetValue(chromedp.CSS("#link_url"), "ferry.example/demo"),
		chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#link_url-error`)))
	require.Equal(t, "請輸入以 https://（或 http://）開頭的完整網址。", b.text("#link_url-error"))
	require.Equal(t, "ferry.example/demo", b.value("#link_url"))
	b.shot("account-zh-Hant")
	b.run(chromedp.SetValue(chromedp.CSS("#link_url"), "https://ferry.example/harbour"),
		chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	require.Equal(t, "https://ferry.example/harbour", b.value("#link_url"))

	b.run(chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.CSS(`.acct-list`)), chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the accounts fit 375 px")
	b.shot("accounts-zh-Hant-375")
	b.run(chromedp.Navigate(base+weibo), chromedp.WaitVisible(chromedp.CSS(`#link_url`)))
	require.True(t, b.fitsWidth(), "an account fits 375 px")
	b.shot("account-zh-Hant-375")
	b.run(chromedp.EmulateViewport(1280, 900))

	// Signing in with Weibo (the sandbox signs the demo user in at once)
	// connects the account it grants, on a page of the UI.
	b.run(chromedp.Navigate(base+"/accounts/connect"), chromedp.WaitVisible(chromedp.CSS(`#connect-weibo button[type=submit]`)),
		chromedp.Click(chromedp.CSS(`#connect-weibo button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.callback h1`)))
	require.Equal(t, "已連接", b.text(".callback h1"))
	require.Contains(t, b.text("#accounts"), "設定連結", "a new Weibo account is asked for its link")
	b.shot("oauth-callback-zh-Hant")

	// Closing asks first, and says what closing does.
	b.run(chromedp.Navigate(base+tgPage+"/close"), chromedp.WaitVisible(chromedp.CSS(`.close-list`)))
	require.Contains(t, b.text(".close-list"), "尚未發出的發佈會全部取消")
	b.shot("account-close-zh-Hant")
	b.run(chromedp.Click(chromedp.CSS(`form[action$="/close"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.page-head`)))
	require.Contains(t, b.text(".page-head"), "已關閉")
	b.noConsoleErrors(400, 422)
}

func TestBrowser_SettingsTokenShownOnceInvitationAcceptedAndLanguageChanged(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	mail := smtptest.New(t)
	mail.Refuse("wong@example.org", "550 5.1.1 <wong@example.org>: Recipient address rejected: User unknown")
	m := bootDemo(t, func(c *config.Config) { c.SMTPURL, c.MailFrom = mail.URL(), "Ferry <ferry@example.org>" })
	base := m.URL()
	b.signInDemo(base)

	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/settings"]`)), chromedp.WaitVisible(chromedp.CSS(`#h-sessions`)))
	b.shot("settings-profile-en")

	// An API token is shown once.
	b.run(chromedp.Click(chromedp.CSS(`.settings-nav a[href="/settings/tokens"]`)), chromedp.WaitVisible(chromedp.CSS(`#token-name`)),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "Newsroom CMS"), chromedp.Click(chromedp.CSS(`form[action="/settings/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-token`)))
	secret := b.value("#secret")
	require.Greater(t, len(secret), 30)
	require.Contains(t, b.text("#tokens"), "Newsroom CMS")
	b.shot("settings-tokens-en")
	b.run(chromedp.Navigate(base+"/settings/tokens"), chromedp.WaitVisible(chromedp.CSS(`#tokens`)))
	require.Equal(t, false, b.eval(`document.body.innerHTML.includes(`+jsString(secret)+`)`), "the token is not shown again")

	b.run(chromedp.Navigate(base+"/settings/workspace"), chromedp.WaitVisible(chromedp.CSS(`#ws-name`)))
	b.shot("settings-workspace-en")
	for _, page := range []string{"templates", "glossary", "people"} {
		b.run(chromedp.Navigate(base+"/settings/"+page), chromedp.WaitVisible(chromedp.CSS(`.settings-main`)))
		b.shot("settings-" + page + "-en")
	}
	b.run(chromedp.Navigate(base+"/settings/notifications"), chromedp.WaitVisible(chromedp.CSS(`#webhook_url`)))
	b.shot("settings-notifications-en")

	// An invitation link, accepted in another browser context.
	b.run(chromedp.Navigate(base+"/settings/members"), chromedp.WaitVisible(chromedp.CSS(`#invite-email`)),
		chromedp.SendKeys(chromedp.CSS("#invite-email"), "lee@example.org"), chromedp.SetValue(chromedp.CSS("#invite-role"), "reviewer"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/invitations"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#invite-link`)))
	link := b.value("#link")
	require.True(t, strings.HasPrefix(link, base+"/invitations/"), link)
	require.Contains(t, b.text("#invite-link"), "Invitation emailed to lee@example.org.")
	require.Contains(t, b.text("#invitations"), "lee@example.org")
	require.Eventually(t, func() bool { return len(mail.To("lee@example.org")) == 1 }, 15*time.Second, 50*time.Millisecond)
	require.Contains(t, mail.To("lee@example.org")[0].Body(), link, "the email carries the link")
	b.shot("settings-members-en")

	other := b.secondContext()
	other.run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#password`)))
	require.Contains(t, other.text("main"), "lee@example.org")
	other.shot("invitation-en")
	other.run(chromedp.SendKeys(chromedp.CSS("#name"), "Lee Ka-yan"), chromedp.SendKeys(chromedp.CSS("#password"), "a-long-new-password"),
		chromedp.SetValue(chromedp.CSS("#language"), "zh-Hant"), chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #needs`)))
	require.Contains(t, other.text("nav.nav"), "設定", "a reviewer sees the settings for their own")
	other.run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	require.NotContains(t, other.text("main"), "lee@example.org", "the link works once")

	b.run(chromedp.Navigate(base+"/settings/members"), chromedp.WaitVisible(chromedp.CSS(`#members`)))
	require.Contains(t, b.text("#members"), "lee@example.org")
	require.Equal(t, false, b.eval(`!!document.querySelector("#invitations")`), "no invitation is left open")

	// The language is a personal setting.
	b.run(chromedp.Navigate(base+"/settings/profile"), chromedp.WaitVisible(chromedp.CSS(`#language`)),
		chromedp.SetValue(chromedp.CSS("#language"), "zh-Hant"), chromedp.Click(chromedp.CSS(`form[action="/settings/profile"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] .notice`)))
	require.Equal(t, "設定", b.text("h1"))
	b.shot("settings-profile-zh-Hant")
	// Two open invitations: one emailed, one the mail server refused.
	for _, email := range []string{"chan@example.org", "wong@example.org"} {
		b.run(chromedp.Navigate(base+"/settings/members"), chromedp.WaitVisible(chromedp.CSS(`#invite-email`)),
			chromedp.SendKeys(chromedp.CSS("#invite-email"), email), chromedp.Click(chromedp.CSS(`form[action="/settings/invitations"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#invite-link`)))
	}
	require.Eventually(t, func() bool {
		b.run(chromedp.Navigate(base+"/settings/members"), chromedp.WaitVisible(chromedp.CSS(`#invitations`)))
		st := b.text("#invitations")
		return strings.Contains(st, "已發送") && strings.Contains(st, "未能發送")
	}, 15*time.Second, 200*time.Millisecond)
	for _, page := range []string{"tokens", "templates", "glossary", "people", "workspace", "members", "notifications"} {
		b.run(chromedp.Navigate(base+"/settings/"+page), chromedp.WaitVisible(chromedp.CSS(`.settings-main`)))
		b.shot("settings-" + page + "-zh-Hant")
	}
	b.run(chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+"/settings/members"), chromedp.WaitVisible(chromedp.CSS(`#members`)))
	require.True(t, b.fitsWidth(), "the members page fits 375 px")
	b.shot("settings-members-zh-Hant-375")

	// Tokens in simplified Chinese: a read token that expires (the defaults), listed with its scope and expiry; at phone width too.
	b.run(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/settings/profile"), chromedp.WaitVisible(chromedp.CSS(`#language`)),
		chromedp.SetValue(chromedp.CSS("#language"), "zh-Hans"), chromedp.Click(chromedp.CSS(`form[action="/settings/profile"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang^="zh-Hans"] .notice`)))
	b.run(chromedp.Navigate(base+"/settings/tokens"), chromedp.WaitVisible(chromedp.CSS(`#token-name`)),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "数据看板"), chromedp.Click(chromedp.CSS(`form[action="/settings/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-token`)))
	require.Contains(t, b.text("#tokens"), "只读")
	b.shot("settings-tokens-zh-Hans")
	b.run(chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+"/settings/tokens"), chromedp.WaitVisible(chromedp.CSS(`#tokens`)))
	require.True(t, b.fitsWidth(), "the tokens page fits 375 px")
	b.shot("settings-tokens-zh-Hans-375")
	b.noConsoleErrors()
}

// secondContext opens a tab in a browser context of its own: no cookies
// shared with b.
func (b *browserSession) secondContext() *browserSession {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return &browserSession{t: b.t, ctx: ctx, dir: b.dir}
}
