package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/report"
	"github.com/ferry-social/ferry/internal/testdb"
)

// seeded is a September 2026 of two accounts: readings, three published
// posts (one with an image), one scheduled in October.
type seeded struct {
	weibo, telegram *ferry.Account
	best, worst     *ferry.Publication
}

func ptr64(v int64) *int64 { return &v }

func seedMonth(t *testing.T, b *testBundle) seeded {
	t.Helper()
	ctx := context.Background()
	q := b.db.Write()
	u := &ferry.User{Email: "author@ferry.example"}
	require.NoError(t, q.CreateUser(ctx, u))
	var s seeded
	s.weibo = &ferry.Account{WorkspaceID: b.workspaceID, Platform: ferry.Weibo, ExternalID: "1", Name: "香港旅遊發展局", Credentials: map[string]string{}}
	s.telegram = &ferry.Account{WorkspaceID: b.workspaceID, Platform: ferry.Telegram, ExternalID: "2", Name: "HK Channel", Credentials: map[string]string{}}
	require.NoError(t, q.CreateAccount(ctx, s.weibo))
	require.NoError(t, q.CreateAccount(ctx, s.telegram))
	sept := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for d := 0; d < 30; d++ {
		require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: s.weibo.ID, At: sept.Add(time.Duration(d)*24*time.Hour + 12*time.Hour), Followers: ptr64(43000 + int64(d)*100)}))
		require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: s.telegram.ID, At: sept.Add(time.Duration(d)*24*time.Hour + 12*time.Hour), Followers: ptr64(900 + int64(d))}))
	}
	var img bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for i := range pic.Pix {
		pic.Pix[i] = 200
	}
	pic.Set(1, 1, color.Black)
	require.NoError(t, png.Encode(&img, pic))
	sum, err := b.server.svc.Blobs.Put(img.Bytes())
	require.NoError(t, err)
	m := &ferry.Media{WorkspaceID: b.workspaceID, SHA256: sum, Mime: "image/png", Width: 40, Height: 40, Bytes: int64(img.Len())}
	require.NoError(t, q.CreateMedia(ctx, m))
	post := func(a *ferry.Account, title, body string, at time.Time, state ferry.PublicationState, media []string, likes int64) *ferry.Publication {
		st := &ferry.Story{WorkspaceID: b.workspaceID, Title: title, Body: body, MediaIDs: media, Targets: []string{a.ID}, ScheduledAt: &at, CreatedBy: u.ID}
		require.NoError(t, q.CreateStory(ctx, st))
		p := &ferry.Publication{WorkspaceID: b.workspaceID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: state, Version: 1, ScheduledAt: &at}
		if state == ferry.StatePublished {
			p.PublishedAt = &at
			p.RemoteURL = "https://weibo.example/" + title
		}
		require.NoError(t, q.CreatePublication(ctx, p))
		if state == ferry.StatePublished {
			require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: p.ID, AccountID: a.ID, At: at.Add(time.Hour), Views: ptr64(100), Likes: ptr64(1)}))
			require.NoError(t, q.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: p.ID, AccountID: a.ID, At: at.Add(24 * time.Hour), Views: ptr64(5000), Likes: ptr64(likes), Comments: ptr64(3)}))
		}
		return p
	}
	s.best = post(s.weibo, "中秋快樂", "月餅分享，祝大家中秋快樂！", sept.Add(10*24*time.Hour), ferry.StatePublished, []string{m.ID}, 1200)
	post(s.telegram, "Harbour lights", "Tonight at eight.", sept.Add(12*24*time.Hour), ferry.StatePublished, nil, 40)
	s.worst = post(s.weibo, "天氣提示", "今日有雨", sept.Add(20*24*time.Hour), ferry.StatePublished, nil, 2)
	post(s.weibo, "國慶", "十月一日", time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC), ferry.StateScheduled, nil, 0)
	return s
}

func TestExports_FilesReadBack(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			s := seedMonth(t, b)
			// CSV: a byte-order mark, the header, one row per publication.
			r := b.do(t, "GET", "/api/v1/exports/publications.csv?from=2026-09-01&to=2026-09-30", nil)
			require.Equal(t, 200, r.status, "%s", r.body)
			require.Equal(t, "text/csv; charset=utf-8", r.header.Get("Content-Type"))
			require.True(t, bytes.HasPrefix(r.body, []byte("\xEF\xBB\xBF")), "UTF-8 BOM")
			rows, err := csv.NewReader(bytes.NewReader(r.body[3:])).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 4, "header and three September publications (the October one is out)")
			require.Equal(t, "publication_id", rows[0][0])
			require.Equal(t, s.best.ID, rows[1][0])
			require.Equal(t, "中秋快樂", rows[1][2])
			require.Equal(t, "香港旅遊發展局", rows[1][4])
			require.Equal(t, "https://weibo.example/中秋快樂", rows[1][9])
			require.Equal(t, "月餅分享，祝大家中秋快樂！", rows[1][10])
			require.Equal(t, []string{"5000", "1200", "3", "", ""}, rows[1][12:], "the latest reading; a count never read is empty")

			// One account; XLSX read back with excelize.
			r = b.do(t, "GET", "/api/v1/exports/publications.xlsx?from=2026-09-01&to=2026-09-30&account_id="+s.weibo.ID, nil)
			require.Equal(t, 200, r.status, "%s", r.body)
			book, err := excelize.OpenReader(bytes.NewReader(r.body))
			require.NoError(t, err)
			xrows, err := book.GetRows("Sheet1")
			require.NoError(t, err)
			require.Len(t, xrows, 3)
			require.Equal(t, "天氣提示", xrows[2][2])
			likes, err := book.GetCellValue("Sheet1", "N2")
			require.NoError(t, err)
			require.Equal(t, "1200", likes)
			kind, err := book.GetCellType("Sheet1", "N2")
			require.NoError(t, err)
			require.NotEqual(t, excelize.CellTypeSharedString, kind, "counts are numbers, not text")

			r = b.do(t, "GET", "/api/v1/exports/account-metrics.xlsx?from=2026-09-01&to=2026-09-30", nil)
			require.Equal(t, 200, r.status, "%s", r.body)
			book, err = excelize.OpenReader(bytes.NewReader(r.body))
			require.NoError(t, err)
			xrows, err = book.GetRows("Sheet1")
			require.NoError(t, err)
			require.Len(t, xrows, 61)
			require.Equal(t, []string{"account_id", "account", "platform", "at", "followers", "following", "posts"}, xrows[0])
			r = b.do(t, "GET", "/api/v1/exports/account-metrics.csv?from=2026-09-01&to=2026-09-01&account_id="+s.telegram.ID, nil)
			rows, err = csv.NewReader(bytes.NewReader(r.body[3:])).ReadAll()
			require.NoError(t, err)
			require.Equal(t, [][]string{rows[0], {s.telegram.ID, "HK Channel", "telegram", rows[1][3], "900", "", ""}}, rows)
		})
	}
}

func TestExports_BadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	for _, c := range []struct{ path, code, field string }{
		{"/api/v1/exports/publications.csv?from=yesterday", "invalid", "from"},
		{"/api/v1/exports/publications.csv?from=2026-09-30&to=2026-09-01", "invalid", "to"},
		{"/api/v1/exports/account-metrics.xlsx?to=2026-02-30", "invalid", "to"},
		{"/api/v1/exports/publications.pdf", "not_found", ""},
		{"/api/v1/exports/everything.csv", "not_found", ""},
		{"/api/v1/exports/publications.csv?account_id=acc_nope", "not_found", ""},
	} {
		r := b.do(t, "GET", c.path, nil)
		e := r.apiError(t)
		require.Equal(t, c.code, e.Error.Code, c.path)
		if c.field != "" {
			require.Equal(t, 400, r.status, c.path)
			require.Contains(t, e.Error.Details, c.field, c.path)
		}
	}
}

func TestReports_HTMLInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	s := seedMonth(t, b)
	// A peer read at the start and the end of the month, and one of
	// October only: the workspace report compares with the first.
	ctx := context.Background()
	q := b.db.Write()
	peer := &ferry.Peer{WorkspaceID: b.workspaceID, Platform: ferry.Weibo, Handle: "港聞速遞", RemoteID: "9", Name: "港聞速遞"}
	later := &ferry.Peer{WorkspaceID: b.workspaceID, Platform: ferry.Weibo, Handle: "十月新帳戶", RemoteID: "10", Name: "十月新帳戶"}
	require.NoError(t, q.CreatePeer(ctx, peer))
	require.NoError(t, q.CreatePeer(ctx, later))
	for _, r := range []ferry.PeerReading{
		{PeerID: peer.ID, At: time.Date(2026, 9, 2, 1, 0, 0, 0, time.UTC), Followers: ptr64(120000), Posts: ptr64(800), Source: "manual"},
		{PeerID: peer.ID, At: time.Date(2026, 9, 29, 1, 0, 0, 0, time.UTC), Followers: ptr64(123400), Posts: ptr64(842), Source: "manual"},
		{PeerID: later.ID, At: time.Date(2026, 10, 2, 1, 0, 0, 0, time.UTC), Followers: ptr64(5000), Source: "manual"},
	} {
		require.NoError(t, q.PutPeerReading(ctx, r))
	}
	r := b.do(t, "GET", "/api/v1/reports/2026-09.html?lang=zh-Hant", nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	html := string(r.body)
	require.NotContains(t, html, "十月新帳戶", "a peer without readings in the month is left out")
	for _, want := range []string{`<html lang="zh-Hant">`, "月度報告 · 2026年9月", "香港旅遊發展局", "微博", "月餅分享，祝大家中秋快樂！",
		"表現最佳帖文", "表現最弱帖文", "今日有雨", "各平台比較", "本月日曆", "中秋節", "data:image/png;base64,", "4.6萬 (45,900)", "&#43;2,900",
		"同業", "港聞速遞", "12.3萬 (123,400)", "&#43;3,400"} {
		require.Contains(t, html, want)
	}
	require.NotContains(t, html, "十月一日", "October's post is not September's")
	require.Less(t, strings.Index(html, "月餅分享"), strings.Index(html, "今日有雨"), "best before worst")

	r = b.do(t, "GET", "/api/v1/reports/2026-09.html?account_id="+s.telegram.ID, nil, "Accept-Language", "zh-CN,zh;q=0.9")
	require.Equal(t, 200, r.status, "%s", r.body)
	require.Contains(t, string(r.body), "月度报告")
	require.Contains(t, string(r.body), "Tonight at eight.")
	require.NotContains(t, string(r.body), "香港旅遊發展局")

	r = b.do(t, "GET", "/api/v1/reports/2026-09.html", nil)
	require.Contains(t, string(r.body), "Monthly report · September 2026")
	require.Contains(t, string(r.body), "45,900")
}

func TestReports_BadMonth(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	for _, p := range []string{"2026-13.html", "2026-9.pdf", "september.html", "2026-09.doc", "2026-09", "1999-12.html", "2999-01.html"} {
		r := b.do(t, "GET", "/api/v1/reports/"+url.PathEscape(p), nil)
		require.Equal(t, 400, r.status, "%s: %s", p, r.body)
		e := r.apiError(t)
		require.Equal(t, "invalid", e.Error.Code, p)
		require.NotEmpty(t, e.Error.Message, p)
	}
	r := b.do(t, "GET", "/api/v1/reports/2026-09.html?account_id=acc_nope", nil)
	require.Equal(t, 404, r.status)
}

// TestReports_PDFShowsChineseText prints the report with Chromium on a
// machine with no fonts at all (fontconfig pointed at a configuration with
// no font directories), reads its text back with poppler's pdftotext and
// its fonts with pdffonts: every font in the PDF is the one Ferry ships.
func TestReports_PDFShowsChineseText(t *testing.T) {
	skip := t.Skip
	if os.Getenv("CI") == "true" {
		skip = t.Fatal // CI installs both: never skip there
	}
	if report.BrowserPath() == "" {
		skip("no Chromium: the PDF cannot be printed (TestReports_PDFWithoutChromium covers that answer)")
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		skip("pdftotext not installed (apt-get install poppler-utils; .ci/run installs it)")
	}
	pdffonts, err := exec.LookPath("pdffonts")
	if err != nil {
		skip("pdffonts not installed (apt-get install poppler-utils; .ci/run installs it)")
	}
	noFonts(t)
	b := setup(t, testdb.Backends()[0])
	seedMonth(t, b)
	for lang, wants := range map[string][]string{
		"zh-Hans": {"月度报告", "香港旅遊發展局", "月餅分享", "表现最佳帖子", "中秋节", "Telegram"},
		"zh-Hant": {"月度報告", "香港旅遊發展局", "月餅分享", "表現最佳帖文", "中秋節", "4.6萬 (45,900)"},
	} {
		r := b.do(t, "GET", "/api/v1/reports/2026-09.pdf?lang="+lang, nil)
		require.Equal(t, 200, r.status, "%s", r.body)
		require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
		require.True(t, bytes.HasPrefix(r.body, []byte("%PDF-")))
		cmd := exec.Command(pdftotext, "-layout", "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(r.body)
		out, err := cmd.Output()
		require.NoError(t, err)
		text := string(out)
		for _, want := range wants {
			require.Contains(t, text, want, lang)
		}
		require.NotContains(t, text, "\uFFFD", lang)
		pages := strings.Count(text, "\f")
		require.GreaterOrEqual(t, pages, 1, "at least one page")

		if dir := os.Getenv("FERRY_REPORT_PDF_DIR"); dir != "" {
			require.NoError(t, os.WriteFile(dir+"/report-"+lang+".pdf", r.body, 0o644))
		}
		// pdffonts reads a file: one line per font after two header lines.
		// The shipped font is embedded as a subset TrueType font ("ABCDEF+"
		// before its name); Chromium's PDF writer draws the bold it
		// synthesises from it (headings, figures) as unnamed Type 3 fonts.
		file := t.TempDir() + "/report.pdf"
		require.NoError(t, os.WriteFile(file, r.body, 0o600))
		out, err = exec.Command(pdffonts, file).Output()
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Greater(t, len(lines), 2, "the PDF has fonts: %s", out)
		shipped := 0
		for _, l := range lines[2:] {
			f := strings.Fields(l)
			if f[0] == "[none]" && f[1] == "Type" && f[2] == "3" {
				continue
			}
			require.Regexp(t, `^[A-Z]{6}\+`+report.FontPostScriptName+`$`, f[0], "%s: a font other than the shipped one:\n%s", lang, out)
			require.Contains(t, l, "CID TrueType", l)
			shipped++
		}
		require.Positive(t, shipped, "%s: the shipped font is in the PDF:\n%s", lang, out)
	}
}

// noFonts points fontconfig, for the rest of the test and the Chromium it
// starts, at a configuration with no font directories: the server has no
// fonts at all. (t.Setenv: the test is not parallel.)
func noFonts(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	conf := dir + "/fonts.conf"
	require.NoError(t, os.WriteFile(conf, []byte(`<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>`+dir+`/cache</cachedir></fontconfig>
`), 0o600))
	t.Setenv("FONTCONFIG_FILE", conf)
	if fcList, err := exec.LookPath("fc-list"); err == nil {
		out, err := exec.Command(fcList).Output()
		require.NoError(t, err)
		require.Empty(t, strings.TrimSpace(string(out)), "fontconfig still finds fonts")
	}
}

func TestReports_PDFWithoutChromium(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	seedMonth(t, b)
	b.server.noBrowser = true
	r := b.do(t, "GET", "/api/v1/reports/2026-09.pdf", nil)
	require.Equal(t, 503, r.status, "%s", r.body)
	e := r.apiError(t)
	require.Equal(t, "unavailable", e.Error.Code)
	require.Contains(t, e.Error.Message, "apt-get install chromium)")
	r = b.do(t, "GET", "/api/v1/reports/2026-09.html", nil)
	require.Equal(t, 200, r.status, "the HTML report works without Chromium")
}

func TestReports_RecipientsAreChosenByAnAdmin(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	viewer := b.newToken(t, b.workspaceID, "vic@ferry.example", ferry.RoleViewer)
	r := b.do(t, "GET", "/api/v1/reports/recipients", nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	require.JSONEq(t, `{"user_ids":[]}`, string(r.body))
	u, err := b.db.Read().UserByEmail(context.Background(), "vic@ferry.example")
	require.NoError(t, err)
	r = b.doAs(t, viewer, "PUT", "/api/v1/reports/recipients", map[string]any{"user_ids": []string{u.ID}})
	require.Equal(t, 403, r.status)
	r = b.do(t, "PUT", "/api/v1/reports/recipients", map[string]any{"user_ids": []string{"usr_nobody"}})
	require.Equal(t, 400, r.status)
	r = b.do(t, "PUT", "/api/v1/reports/recipients", map[string]any{"user_ids": []string{u.ID}})
	require.Equal(t, 200, r.status, "%s", r.body)
	require.JSONEq(t, `{"user_ids":["`+u.ID+`"]}`, string(r.body))
}
