package web_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

var saveScreenshots = flag.Bool("screenshots", false, "save the browser tests' screenshots into docs/screenshots")

// findBrowser returns Chromium's path. Without one (or without a CJK font,
// which would draw every Chinese character as an empty box) the browser
// tests skip with a message, except on CI, where they must run.
func findBrowser(t testing.TB) string {
	t.Helper()
	missing := func(what string) {
		msg := "browser tests skipped: " + what + " (apt-get install chromium fonts-noto-cjk)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI must run them")
		}
		t.Skip(msg)
	}
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		missing("no Chromium found")
	}
	if out, err := exec.Command("fc-list", ":lang=zh-hk", "family").Output(); err != nil || !strings.Contains(string(out), "CJK") {
		missing("no CJK font found")
	}
	return path
}

// browserSession is a headless Chromium tab that records console errors
// (a Content-Security-Policy violation is one).
type browserSession struct {
	t    testing.TB
	ctx  context.Context
	mu   sync.Mutex
	errs []string
	dir  string
}

func newBrowser(t testing.TB) *browserSession {
	t.Helper()
	path := findBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "en-US"), chromedp.Flag("accept-lang", "en-US,en"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// One bound for the whole journey: it stops the browser.
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	b := &browserSession{t: t, ctx: ctx, dir: t.TempDir()}
	if *saveScreenshots {
		b.dir = filepath.Join("..", "..", "docs", "screenshots")
		require.NoError(t, os.MkdirAll(b.dir, 0o755))
	}
	b.run(chromedp.Navigate("about:blank"))
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				b.mu.Lock()
				b.errs = append(b.errs, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		<-done
	})
	return b
}

func (b *browserSession) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, steps...))
}

// shot saves a full-page screenshot as name.png, after checking the page's
// accessibility.
func (b *browserSession) shot(name string) {
	b.t.Helper()
	b.accessible(name)
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	require.NoError(b.t, os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644))
}

func (b *browserSession) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(b.t, err)
	return strings.TrimSpace(s)
}

func (b *browserSession) value(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	require.NoError(b.t, err)
	return s
}

func (b *browserSession) eval(expr string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr))
	require.NoError(b.t, err)
	return v
}

// fitsWidth reports whether the page needs no sideways scrolling.
func (b *browserSession) fitsWidth() bool {
	b.t.Helper()
	return b.eval(`document.documentElement.scrollWidth <= window.innerWidth`) == true
}

// noConsoleErrors fails on any error the browser reported but the
// statuses a test asked for (a form sent back with errors is a 400).
func (b *browserSession) noConsoleErrors(expectedStatus ...int) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []string
	for _, e := range b.errs {
		expected := false
		for _, st := range expectedStatus {
			expected = expected || strings.Contains(e, fmt.Sprintf("the server responded with a status of %d", st))
		}
		if !expected {
			errs = append(errs, e)
		}
	}
	require.Empty(b.t, errs, "the browser reported errors")
}

// bootDemo starts Ferry in demo mode on a free port, on SQLite.
func bootDemo(t *testing.T, options ...func(*config.Config)) *app.Main {
	t.Helper()
	return bootDemoWith(t, nil, options...)
}

// bootDemoWith is bootDemo on a clock of the test's (nil: the wall clock).
func bootDemoWith(t *testing.T, now func() time.Time, options ...func(*config.Config)) *app.Main {
	t.Helper()
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.DataDir, cfg.Addr, cfg.Demo = t.TempDir(), "127.0.0.1:0", true
	cfg.AttemptTimeout = 10 * time.Second
	for _, o := range options {
		o(&cfg)
	}
	m := app.New(cfg, slog.New(slog.DiscardHandler))
	m.Now = now
	require.NoError(t, m.Open(ctx, false))
	require.NoError(t, m.Listen())
	require.NoError(t, m.Build())
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.Run(runCtx) }() // seeds the demo
	select {
	case <-m.Ready():
	case err := <-errc:
		cancel()
		_ = m.Close()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-errc
		_ = m.Close()
	})
	return m
}

// demoStories writes what the pages show: a story published to the five
// demo accounts (Xiaohongshu waits for its operator), one whose Telegram
// answer was lost (outcome unknown), one scheduled for tomorrow evening and
// a draft. It returns the first story's id.
func demoStories(t *testing.T, m *app.Main) string {
	t.Helper()
	ctx := context.Background()
	p := demoPrincipal(t, m)
	accts, err := m.Service.Accounts(ctx, p)
	require.NoError(t, err)
	ids := map[ferry.Platform]string{}
	var all []string
	for _, a := range accts {
		ids[a.Platform] = a.ID
		all = append(all, a.ID)
	}

	img := image.NewRGBA(image.Rect(0, 0, 1200, 1600))
	for y := range 1600 {
		for x := range 1200 {
			img.Set(x, y, color.RGBA{uint8(20 + y/10), uint8(90 + x/20), 160, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}))
	media, err := m.Service.UploadMedia(ctx, p, &buf)
	require.NoError(t, err)

	now := m.DB.Now()
	published, err := m.Service.CreateStory(ctx, p, service.StoryInput{
		Title: "中秋節海港燈會", Body: "今年中秋節，海港公園將舉行燈籠會，歡迎大家一同賞月。\nLantern fair at Harbour Park this Mid-Autumn Festival.",
		Tags: []string{"中秋", "海港"}, MediaIDs: []string{media.ID}, Targets: all, ScheduledAt: &now})
	require.NoError(t, err)
	settled := func(id string) func() bool {
		return func() bool {
			v, err := m.Service.Story(ctx, p, id)
			require.NoError(t, err)
			for _, pub := range v.Publications {
				if !pub.State.Final() && pub.State != ferry.StateHandoff && pub.State != ferry.StateUnknown {
					return false
				}
			}
			return true
		}
	}
	require.Eventually(t, settled(published.ID), 30*time.Second, 50*time.Millisecond)

	require.NoError(t, m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Telegram, DropResponseRate: 1}))
	now = m.DB.Now()
	lost, err := m.Service.CreateStory(ctx, p, service.StoryInput{Title: "Typhoon signal No. 8: office closed", Body: "Our office is closed while the No. 8 signal is up.",
		Targets: []string{ids[ferry.Telegram]}, ScheduledAt: &now})
	require.NoError(t, err)
	require.Eventually(t, settled(lost.ID), 30*time.Second, 50*time.Millisecond)
	require.NoError(t, m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Telegram}))

	loc, err := time.LoadLocation("Asia/Hong_Kong")
	require.NoError(t, err)
	y, mo, d := now.In(loc).AddDate(0, 0, 1).Date()
	tomorrow := time.Date(y, mo, d, 20, 0, 0, 0, loc)
	_, err = m.Service.CreateStory(ctx, p, service.StoryInput{Title: "重陽節登高提示", Body: "重陽節請注意行山安全，帶備足夠食水。",
		Targets: []string{ids[ferry.Telegram], ids[ferry.Facebook], ids[ferry.Weibo]}, ScheduledAt: &tomorrow})
	require.NoError(t, err)
	_, err = m.Service.CreateStory(ctx, p, service.StoryInput{Body: "Draft: volunteers wanted for the harbour clean-up, sign-up link to follow.", Targets: []string{ids[ferry.Facebook]}})
	require.NoError(t, err)
	return published.ID
}

// demoPrincipal is the demo's owner in the demo workspace.
func demoPrincipal(t *testing.T, m *app.Main) ferry.Principal {
	t.Helper()
	ctx := context.Background()
	u, err := m.DB.Read().UserByEmail(ctx, app.DemoEmail)
	require.NoError(t, err)
	ms, err := m.DB.Read().Memberships(ctx, u.ID)
	require.NoError(t, err)
	return ferry.Principal{UserID: u.ID, WorkspaceID: ms[0].WorkspaceID, Role: ms[0].Role}
}

func TestBrowser_SignInDashboardStoriesAndStoryInThreeLanguages(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	storyID := demoStories(t, m)
	base := m.URL()

	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	require.Equal(t, "Sign in", b.text("h1"))
	b.shot("login-en")
	b.run(chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))

	pages := []struct {
		lang, htmlLang, dashboard, stories, live string
	}{
		{"en", "en", "Dashboard", "Stories", "Open the post"},
		{"zh-Hant", "zh-Hant-HK", "總覽", "稿件", "開啟帖文"},
		{"zh-Hans", "zh-Hans", "概览", "稿件", "打开帖子"},
	}
	for _, pg := range pages {
		if pg.lang != "en" {
			// The switch in the header saves the choice and comes back.
			b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="`+pg.lang+`"]`)),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="`+pg.htmlLang+`"] #needs`)))
		}
		require.Equal(t, pg.dashboard, b.text("h1"), pg.lang)
		dash := b.text("main")
		require.Contains(t, dash, "Typhoon signal No. 8", "the unknown outcome is on the dashboard")
		require.Contains(t, dash, "Ferry Demo 小红书", "the open handoff is on the dashboard")
		require.Contains(t, dash, "重陽節登高提示", "tomorrow's story is coming up")
		b.shot("dashboard-" + pg.lang)

		b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/stories"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.stories`)))
		require.Equal(t, pg.stories, b.text("h1"))
		b.shot("stories-" + pg.lang)

		b.run(chromedp.Click(chromedp.CSS(`a[href="/stories/`+storyID+`"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
		require.Equal(t, "中秋節海港燈會", b.text("h1"))
		links := b.eval(`document.querySelectorAll("a.live").length`)
		require.EqualValues(t, 4, links, "a link to each live post (Xiaohongshu waits for its operator)")
		require.Contains(t, b.text("main"), pg.live)
		if pg.lang != "en" {
			require.Regexp(t, `\d{4}年\d{1,2}月\d{1,2}日 星期. \d\d:\d\d`, b.text(".story-body .facts"))
		}
		b.shot("story-" + pg.lang)
		b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	}

	// The lost Telegram answer's reason, in Traditional Chinese.
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #needs`)),
		chromedp.Navigate(base+"/stories?state=unknown"), chromedp.WaitVisible(chromedp.CSS(`ul.stories`)),
		chromedp.Click(chromedp.CSS(`ul.stories a.item-title`)), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	require.Contains(t, b.text("ul.pubs"), "平台無法查看：請查看帳戶，再在下面確認結果。", "the reason in the page's language")
	b.shot("story-unknown-zh-Hant")
	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#needs`)))

	// On a phone, 375 px wide: nothing needs sideways scrolling.
	b.run(chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "the dashboard fits 375 px")
	b.shot("dashboard-zh-Hant-375")
	b.run(chromedp.Navigate(base+"/stories"), chromedp.WaitVisible(chromedp.CSS(`ul.stories`)))
	require.True(t, b.fitsWidth(), "the stories list fits 375 px")
	b.shot("stories-zh-Hant-375")
	b.run(chromedp.Navigate(base+"/stories/"+storyID), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	require.True(t, b.fitsWidth(), "the story fits 375 px")
	b.shot("story-zh-Hant-375")

	b.run(chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
	b.noConsoleErrors()
}

func TestBrowser_FirstRunSetupShowsErrorsBesideTheFields(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	srv := setup(t, testdb.Backends()[0]).srv

	b.run(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#workspace")),
		chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #workspace`)))
	require.Equal(t, "設定 Ferry", b.text("h1"))
	b.shot("setup-zh-Hant")
	b.run(chromedp.SendKeys(chromedp.CSS("#email"), "owner@example.org"), chromedp.SendKeys(chromedp.CSS("#password"), "short"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#workspace-error")))
	require.Equal(t, "請填寫此欄。", b.text("#workspace-error"))
	require.Equal(t, "密碼最少要有 12 個字元。", b.text("#password-error"))
	require.Equal(t, "owner@example.org", b.value("#email"), "the input is kept")
	b.shot("setup-errors-zh-Hant")

	b.run(chromedp.SendKeys(chromedp.CSS("#workspace"), "海港社區中心"), chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	require.Equal(t, "海港社區中心", b.text(".workspace"))
	require.Contains(t, b.text("main"), "目前沒有需要你處理的事項。")
	b.shot("dashboard-empty-zh-Hant")
	b.noConsoleErrors(400)
}
