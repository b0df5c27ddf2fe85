package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// movingClock is Ferry's clock in the journeys: the wall clock, moved on by
// an offset, so that time passes as it does and River, the engine and the
// store agree on it.
type movingClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// set moves the clock to t; it goes on from there.
func (c *movingClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// journey is one newcomer's story, from sign-in to the live links.
type journey struct {
	lang, htmlLang      string
	email, password     string
	longTitle, title    string // the first is too long for Xiaohongshu
	body, tags          string
	script              string // the story's script: "t" or "s"
	calendar, scheduled string // the calendar's heading, the story's summary once scheduled
	note                string // the Xiaohongshu note the operator posted
}

// TestBrowser_JourneyFromSignInToLiveLinksInTraditionalAndSimplifiedChinese
// is the whole journey a newcomer makes, twice: in 繁體中文 as the demo's
// owner, then in 简体中文 as an editor who writes Simplified. Each signs in,
// writes a story for the five demo accounts (sandbox), sees five previews
// with the too-long Xiaohongshu title marked, fixes it, schedules it on a
// festival, finds it on the calendar and drags it to the next day. Ferry's
// clock (the store's, the engine's and River's) then moves to a few seconds
// before that time: River runs the publish jobs, the engine posts through
// the sandbox, and the story page shows the four live posts; the person
// confirms the Xiaohongshu handoff with the note's address, and the page
// shows that link too. The dashboard and the story page are then checked
// at 375 px.
func TestBrowser_JourneyFromSignInToLiveLinksInTraditionalAndSimplifiedChinese(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	clock := &movingClock{}
	m := bootDemoWith(t, clock.Now)
	ctx := context.Background()
	owner := demoPrincipal(t, m)
	img := photo(t)

	// The zh-Hans editor, invited by the owner.
	_, invite, err := m.Service.Invite(ctx, owner, service.InviteInput{Email: "mei@ferry.example", Role: ferry.RoleEditor, Language: "zh-Hans"})
	require.NoError(t, err)
	_, _, err = m.Service.AcceptInvitation(ctx, invite, service.AcceptInput{Name: "李美", Password: "a long enough password", Language: "zh-Hans"}, "")
	require.NoError(t, err)

	journeys := []journey{{
		lang: "zh-Hant", htmlLang: "zh-Hant-HK", email: app.DemoEmail, password: app.DemoPassword,
		longTitle: "海港公園節日燈籠會暨親子賞月晚會全日節目安排", title: "海港公園節日燈籠會",
		body: "海港公園將舉行節日燈籠會，歡迎大家一同參與。\n晚上七時開始，設有親子手作攤位。", tags: "海港 燈籠", script: "t",
		calendar: "日曆", scheduled: "已排程 5", note: "https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708190001",
	}, {
		lang: "zh-Hans", htmlLang: "zh-Hans", email: "mei@ferry.example", password: "a long enough password",
		longTitle: "海滨长廊节日市集暨街头音乐表演全日节目安排", title: "海滨长廊节日市集",
		body: "海滨长廊周末举办节日市集，欢迎街坊来逛。\n下午三时起有街头音乐表演。", tags: "海滨 市集", script: "s",
		calendar: "日历", scheduled: "已定时 5", note: "https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708190002",
	}}
	for _, j := range journeys {
		start := time.Now()
		j.run(t, b, m, clock, owner, img)
		t.Logf("%s journey: %v", j.lang, time.Since(start).Round(time.Millisecond))
	}
	b.noConsoleErrors(422)
}

func (j journey) run(t *testing.T, b *browserSession, m *app.Main, clock *movingClock, owner ferry.Principal, img string) {
	t.Helper()
	ctx := context.Background()
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	require.NoError(t, err)
	base := m.URL()

	// The morning before a festival whose day before and day after are in the same month.
	festival := festivalAfter(t, m, owner, calendar.DateOf(clock.Now().In(hk)).AddDays(2))
	clock.set(festival.AddDays(-1).At(10, 0, hk))
	moved := festival.AddDays(1)
	at := moved.At(20, 0, hk)

	// Sign in: the page speaks the person's language.
	b.run(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), j.email), chromedp.SendKeys(chromedp.CSS("#password"), j.password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	if j.lang != "zh-Hans" { // the owner's account is in English: the switch in the header
		b.run(chromedp.Click(chromedp.CSS(`button[name="lang"][value="`+j.lang+`"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="`+j.htmlLang+`"] #needs`)))
	}
	require.Equal(t, j.htmlLang, b.eval(`document.documentElement.lang`))

	// Compose for the five accounts, with an image, on the festival.
	b.run(chromedp.Click(chromedp.CSS(`a.write[href="/compose"]`)), chromedp.WaitVisible(chromedp.CSS(`#compose-form`)))
	b.eval(`document.getElementById('source_script').value = '` + j.script + `'; true`)
	b.run(chromedp.SendKeys(chromedp.CSS("#title"), j.longTitle), chromedp.SendKeys(chromedp.CSS("#body"), j.body), chromedp.SendKeys(chromedp.CSS("#tags"), j.tags))
	b.eval(`document.querySelectorAll('input[name="targets"]').forEach(function (c) { c.checked = true; }); true`)
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{img}), chromedp.WaitVisible(chromedp.CSS(`li.image input[type=image]`)))
	require.Equal(t, j.longTitle, b.value("#title"), "the typing is kept across the upload")
	require.Equal(t, j.script, b.value("#source_script"))
	b.eval(`(function () { var w = document.getElementById('when'); w.value = '` + festival.String() + `T20:00'; w.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	waitFor := func(expr, why string) {
		t.Helper()
		require.Eventually(t, func() bool { return b.eval(expr) == true }, 10*time.Second, 50*time.Millisecond, why)
	}
	waitFor(`document.querySelectorAll('li.pv').length === 5 && document.querySelector('.day-entry') !== null`, "five previews and the festival")
	waitFor(`document.querySelector('.pv-xiaohongshu .xhs-title mark.pv-problem') !== null`, "the too-long title is marked")
	require.EqualValues(t, 1, b.eval(`document.querySelectorAll('li.pv mark.pv-problem').length`), "one problem, on Xiaohongshu")
	for _, pv := range []string{"weibo", "xiaohongshu", "facebook", "instagram", "telegram"} {
		require.EqualValues(t, 1, b.eval(`document.querySelectorAll('li.pv.pv-`+pv+`').length`), pv)
	}
	b.shot("journey-compose-problem-" + j.lang)

	// Fixed: a short title; the mark goes as the person types. Scheduled.
	b.eval(`document.getElementById('title').value = ''; true`)
	b.run(chromedp.SendKeys(chromedp.CSS("#title"), j.title))
	waitFor(`document.querySelector('.pv-xiaohongshu .xhs-title') !== null && document.querySelector('li.pv mark.pv-problem') === null`, "the title fits")
	b.run(chromedp.Click(chromedp.CSS(`button[value="schedule"]`)))
	wait, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	_, err = chromedp.Run(wait, chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	cancel()
	if err != nil {
		t.Fatalf("not scheduled: %v", b.eval(`(document.querySelector('.form-problem') || document.body).innerText`))
	}
	require.Equal(t, j.title, b.text("h1"))
	require.Contains(t, b.text(".summary"), j.scheduled)
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(t, err)
	loc, _, _ = strings.Cut(loc, "?")
	storyID := loc[strings.LastIndex(loc, "/")+1:]
	story := func() *service.StoryView {
		v, err := m.Service.Story(ctx, owner, storyID)
		require.NoError(t, err)
		return v
	}
	require.Equal(t, festival.At(20, 0, hk), story().ScheduledAt.In(hk))
	require.Equal(t, j.script, story().SourceScript)

	// On the calendar, on the festival; dragged to the next day.
	item := "#story-" + storyID
	b.run(chromedp.Click(chromedp.CSS(`nav.nav a[href="/calendar"]`)), chromedp.WaitVisible(chromedp.CSS(item)))
	require.Equal(t, j.calendar, b.text("h1"))
	require.Equal(t, festival.String(), b.storyDay(storyID))
	require.Equal(t, "20:00", b.text(item+" .cal-time"))
	b.drag(item, `td[data-date="`+moved.String()+`"]`)
	b.run(chromedp.WaitVisible(chromedp.CSS(`#cal-undo`)))
	require.Equal(t, moved.String(), b.storyDay(storyID))
	require.Equal(t, at, story().ScheduledAt.In(hk), "the time of day is kept")
	b.shot("journey-calendar-" + j.lang)

	// The evening comes: River runs the jobs, the engine posts through the
	// sandbox; Xiaohongshu waits for its operator.
	targets := map[ferry.Platform]string{}
	before := map[ferry.Platform]int{}
	for _, a := range accounts(t, m, owner) {
		targets[a.Platform] = a.ExternalID
		before[a.Platform] = len(m.Sandbox.Posts(a.Platform, a.ExternalID))
	}
	notified := len(m.Sandbox.Posts(ferry.Telegram, app.DemoOperatorChatID))
	clock.set(at.Add(-3 * time.Second))
	var states []string
	require.Eventually(t, func() bool {
		states = states[:0]
		done := true
		for _, pub := range story().Publications {
			states = append(states, fmt.Sprint(pub.Platform, ":", pub.State, pub.Error))
			done = done && (pub.State == ferry.StatePublished || pub.State == ferry.StateHandoff)
		}
		return done
	}, 30*time.Second, 100*time.Millisecond, "published, and the Xiaohongshu handoff open: %v", &states)

	// The story page: a link to each live post; the operator confirms the
	// Xiaohongshu note with its address, and it is linked too.
	b.run(chromedp.Navigate(base+"/stories/"+storyID), chromedp.WaitVisible(chromedp.CSS(`form[action$="/confirm"] input[name=url]`)))
	require.EqualValues(t, 4, b.eval(`document.querySelectorAll("a.live").length`))
	b.run(chromedp.SendKeys(chromedp.CSS(`form[action$="/confirm"] input[name=url]`), j.note),
		chromedp.Click(chromedp.CSS(`form[action$="/confirm"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll('form[action$="/confirm"]').length`))

	// What the sandbox received: one post on each API platform, this story's.
	hrefs, err := chromedp.Run(b.ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries([].map.call(document.querySelectorAll("li.pub"),
		li => [li.id.slice(4), (li.querySelector("a.live") || {}).href || ""]))`))
	require.NoError(t, err)
	v := story()
	require.Len(t, v.Publications, 5)
	for _, pub := range v.Publications {
		require.Equal(t, ferry.StatePublished, pub.State, pub.Platform)
		require.NotEmpty(t, hrefs[pub.ID], "%s: a link on the page", pub.Platform)
		require.Equal(t, pub.RemoteURL, hrefs[pub.ID], "%s: the page links to the live post", pub.Platform)
		if pub.Platform == ferry.Xiaohongshu {
			require.Equal(t, j.note, hrefs[pub.ID], "the note the operator confirmed")
			continue
		}
		mine := m.Sandbox.Posts(pub.Platform, targets[pub.Platform])[before[pub.Platform]:]
		require.Len(t, mine, 1, "%s got exactly one post", pub.Platform)
		require.Equal(t, mine[0].RemoteID, pub.RemoteID, pub.Platform)
		// The link is the post's on the account's page: Telegram's and
		// Facebook's name the id the sandbox gave, Weibo's and Instagram's
		// a code derived from it.
		_, post, _ := strings.Cut(pub.RemoteID, "_")
		want := map[ferry.Platform]string{
			ferry.Telegram:  `^https://t\.me/` + strings.TrimPrefix(targets[ferry.Telegram], "@") + `/` + pub.RemoteID + `$`,
			ferry.Facebook:  `^https://www\.facebook\.com/` + targets[ferry.Facebook] + `/posts/` + post + `$`,
			ferry.Weibo:     `^https://weibo\.com/` + targets[ferry.Weibo] + `/[0-9A-Za-z]+$`,
			ferry.Instagram: `^https://www\.instagram\.com/p/[A-Za-z0-9_-]+/$`,
		}[pub.Platform]
		require.Regexp(t, want, hrefs[pub.ID], pub.Platform)
	}
	// The operator was told through the sandbox's Telegram, once.
	require.Len(t, m.Sandbox.Posts(ferry.Telegram, app.DemoOperatorChatID)[notified:], 1, "the Xiaohongshu operator is notified once")
	b.shot("journey-story-" + j.lang)

	// On a phone: the dashboard and the story page fit 375 px.
	b.run(chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#needs`)))
	require.True(t, b.fitsWidth(), "the dashboard fits 375 px")
	b.shot("journey-dashboard-" + j.lang + "-375")
	b.run(chromedp.Navigate(base+"/stories/"+storyID), chromedp.WaitVisible(chromedp.CSS(`ul.pubs`)))
	require.True(t, b.fitsWidth(), "the story fits 375 px")
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll("a.live").length`))
	b.shot("journey-story-" + j.lang + "-375")
	b.run(chromedp.EmulateViewport(1280, 900), chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
}

// festivalAfter returns the first festival or public holiday on or after
// from whose day before and day after are in the same month, in the workspace's calendar.
func festivalAfter(t *testing.T, m *app.Main, p ferry.Principal, from calendar.Date) calendar.Date {
	t.Helper()
	cal, err := m.Service.Calendar(context.Background(), p, service.CalendarQuery{From: from.String(), To: from.AddDays(180).String()})
	require.NoError(t, err)
	for _, e := range cal.Events {
		if (e.Kind == string(calendar.KindFestival) || e.Kind == string(calendar.KindPublicHoliday)) && e.Date.AddDays(-1).Month == e.Date.Month && e.Date.AddDays(1).Month == e.Date.Month {
			return e.Date
		}
	}
	t.Fatalf("no festival in the 180 days from %s", from)
	return calendar.Date{}
}

func accounts(t *testing.T, m *app.Main, p ferry.Principal) []*ferry.Account {
	t.Helper()
	accts, err := m.Service.Accounts(context.Background(), p)
	require.NoError(t, err)
	return accts
}
