package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
)

// Two-factor sign-in as a person meets it: enrol by the QR code page (in
// the three languages), confirm with a code, keep the recovery codes, then
// sign in again with the password and a code.
func TestBrowser_TwoFactorEnrolAndSignInWithACode(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	b.signInDemo(base)

	b.run(chromedp.Navigate(base+"/settings/two-factor"), chromedp.WaitVisible(chromedp.CSS(`#twofactor-state`)))
	b.run(chromedp.Click(chromedp.CSS(`form[action="/settings/two-factor/start"] button`)), chromedp.WaitVisible(chromedp.CSS(`#qr`)))
	require.EqualValues(t, 240, b.eval(`document.querySelector("#qr").naturalWidth`), "the QR code loads under the CSP")
	secret := b.text("#secret")
	require.Regexp(t, `^[A-Z2-7]{32}$`, secret)
	b.shot("twofactor-enrol-en")
	for _, lang := range []string{"zh-Hant", "zh-Hans"} {
		b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="`+lang+`"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang^="`+lang+`"] #qr`)))
		b.shot("twofactor-enrol-" + lang)
	}
	b.run(chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the enrolment fits 375 px")
	b.shot("twofactor-enrol-zh-Hans-375")
	b.run(chromedp.EmulateViewport(1280, 900))

	code, err := totp.GenerateCode(secret, time.Now())
	require.NoError(t, err)
	b.run(chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Click(chromedp.CSS(`form[action="/settings/two-factor/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery-codes`)))
	require.EqualValues(t, 10, b.eval(`document.querySelectorAll("#recovery-codes li").length`))
	b.shot("twofactor-recovery-zh-Hans")

	// Signing in again: the password, then the code (the next step's: the
	// one that turned it on is spent).
	b.run(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/login/code"] #code`)))
	require.Equal(t, "两步验证码", b.text("h1"))
	b.shot("login-code-zh-Hans")
	b.run(chromedp.SendKeys(chromedp.CSS("#code"), "000000"), chromedp.Click(chromedp.CSS(`form[action="/login/code"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#code-error`)))
	require.Equal(t, "验证码不正确（每个验证码只能用一次）。", b.text("#code-error"))
	next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	require.NoError(t, err)
	b.run(chromedp.SendKeys(chromedp.CSS("#code"), next), chromedp.Click(chromedp.CSS(`form[action="/login/code"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#needs`)))
}
