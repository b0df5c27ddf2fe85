package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// demoPrincipal is the demo login's principal.
// nextFestival returns the first festival or public holiday from tomorrow
// in the demo workspace's calendar.
func nextFestival(t *testing.T, m *app.Main) calendar.Date {
	t.Helper()
	ctx := context.Background()
	p := demoPrincipal(t, m)
	loc, err := time.LoadLocation("Asia/Hong_Kong")
	require.NoError(t, err)
	from := calendar.DateOf(m.DB.Now().In(loc)).AddDays(1)
	cal, err := m.Service.Calendar(ctx, p, service.CalendarQuery{From: from.String(), To: from.AddDays(120).String()})
	require.NoError(t, err)
	for _, e := range cal.Events {
		if e.Kind == string(calendar.KindFestival) || e.Kind == string(calendar.KindPublicHoliday) {
			return e.Date
		}
	}
	t.Fatal("no festival in the next 120 days")
	return calendar.Date{}
}

// photo writes a 1200×1600 JPEG for the file input.
func photo(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 1600))
	for y := range 1600 {
		for x := range 1200 {
			img.Set(x, y, color.RGBA{uint8(30 + y/12), uint8(80 + x/10), uint8(200 - y/10), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}))
	path := filepath.Join(t.TempDir(), "lanterns.jpg")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

func TestBrowser_ComposeATraditionalChineseStoryForFiveAccountsAndScheduleItOnAFestival(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	m := bootDemo(t)
	base := m.URL()
	festival := nextFestival(t, m)
	img := photo(t)

	b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), app.DemoEmail), chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	// The way in: the dashboard's "Write a story".
	b.run(chromedp.Click(chromedp.CSS(`a.write[href="/compose"]`)), chromedp.WaitVisible(chromedp.CSS(`#compose-form`)))
	require.Equal(t, "Write a story", b.text("h1"))
	b.shot("compose-en")

	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hant"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hant-HK"] #compose-form`)))
	require.Equal(t, "撰寫新稿", b.text("h1"))
	title := "中秋節海港公園燈籠會暨親子賞月晚會全日節目安排"
	b.run(chromedp.SendKeys(chromedp.CSS("#title"), title),
		chromedp.SendKeys(chromedp.CSS("#body"), "今年中秋節，海港公園將舉行燈籠會，歡迎大家一同賞月。\n晚上七時開始，設有親子手作攤位。"),
		chromedp.SendKeys(chromedp.CSS("#tags"), "中秋 海港"))
	b.eval(`document.querySelectorAll('input[name="targets"]').forEach(function (c) { c.checked = true; }); true`)
	// Choosing the image uploads it: the page comes back with it attached.
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{img}), chromedp.WaitVisible(chromedp.CSS(`li.image input[type=image]`)))
	require.Equal(t, title, b.value("#title"), "the typing is kept across the upload")
	b.eval(`(function () { var w = document.getElementById('when'); w.value = '` + festival.String() + `T20:00'; w.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)

	// Five previews, the Xiaohongshu title past 20 characters highlighted.
	waitFor := func(expr, why string) {
		require.Eventually(t, func() bool { return b.eval(expr) == true }, 10*time.Second, 50*time.Millisecond, why)
	}
	waitFor(`document.querySelectorAll('li.pv').length === 5 && document.querySelector('.day-entry') !== null`, "five previews and the festival")
	waitFor(`document.querySelector('.pv-xiaohongshu .xhs-title mark.pv-problem') !== null`, "the too-long title is marked")
	require.Contains(t, b.text(".pv-xiaohongshu .title-count"), "23 / 20")
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll('.pv-xiaohongshu .noimg').length`), "the cover is the uploaded image")
	require.Contains(t, b.text(".pv-weibo .post-text"), "欢迎", "Weibo reads Simplified")
	require.Contains(t, b.text(".pv-telegram .post-text"), "歡迎", "Telegram keeps the story's script")
	b.shot("compose-problems-zh-Hant")

	// Scheduling with the problem is refused, with the problem beside the preview.
	b.run(chromedp.Click(chromedp.CSS(`button[value="schedule"]`)), chromedp.WaitVisible(chromedp.CSS(`.form-problem`)))
	require.Contains(t, b.text(".form-problem"), "未能排程")
	require.Equal(t, title, b.value("#title"))

	// Fixed: a short title; the mark goes away as the person types.
	b.eval(`document.getElementById('title').value = ''; true`)
	b.run(chromedp.SendKeys(chromedp.CSS("#title"), "中秋節海港燈籠會"))
	waitFor(`document.querySelector('.pv-xiaohongshu .xhs-title') !== null && document.querySelector('.pv-xiaohongshu .xhs-title mark') === null`, "the title fits")
	b.shot("compose-zh-Hant")
	b.run(chromedp.EmulateViewport(375, 812))
	require.True(t, b.fitsWidth(), "compose fits 375 px")
	b.shot("compose-zh-Hant-375")
	b.run(chromedp.EmulateViewport(1280, 900))

	b.run(chromedp.Click(chromedp.CSS(`button[value="schedule"]`)))
	// The page is navigating: what it says on failure is read afterwards.
	wait, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	_, err := chromedp.Run(wait, chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	cancel()
	if err != nil {
		t.Fatalf("not scheduled: %v", b.eval(`(document.querySelector('.form-problem') || document.body).innerText + [].map.call(document.querySelectorAll('.problems .sev-error, .field-error'), function (e) { return e.innerText; }).join(' | ')`))
	}
	require.Equal(t, "中秋節海港燈籠會", b.text("h1"))
	require.Contains(t, b.text(".summary"), "已排程 5")
	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/stories"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.stories`)))
	require.Contains(t, b.text("ul.stories"), "中秋節海港燈籠會")

	// The same page in Simplified Chinese.
	b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh-Hans"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] ul.stories`)),
		chromedp.Click(chromedp.CSS(`a.write[href="/compose"]`)), chromedp.WaitVisible(chromedp.CSS(`#compose-form`)))
	require.Equal(t, "写新稿", b.text("h1"))
	b.eval(`document.getElementById('source_script').value = 's'; true`)
	b.run(chromedp.SendKeys(chromedp.CSS("#title"), "中秋海港灯笼会"), chromedp.SendKeys(chromedp.CSS("#body"), "今年中秋节，海港公园将举行灯笼会，欢迎大家一同赏月。"))
	b.eval(`document.querySelectorAll('input[name="targets"]').forEach(function (c) { c.checked = true; c.dispatchEvent(new Event('change', {bubbles: true})); }); true`)
	waitFor(`document.querySelectorAll('li.pv').length === 5`, "five previews in Simplified")
	require.Contains(t, b.text(".pv-xiaohongshu .problems"), "张图片", "the problems in Simplified")
	require.Contains(t, b.text(".pv-telegram .post-text"), "欢迎", "written in Simplified, sent as written")
	b.shot("compose-zh-Hans")
	b.noConsoleErrors(422)
}
