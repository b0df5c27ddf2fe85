package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestBrowser_ArchiveViewerOpensFromTheFileSystem unzips an account's
// archive and opens its index.html from file:// in Chromium: no server, no
// network. The timeline shows the posts, their images, links and counts;
// the follower chart is drawn; the language switch works offline.
func TestBrowser_ArchiveViewerOpensFromTheFileSystem(t *testing.T) {
	b := newBrowser(t)
	tb := setup(t, testdb.Backends()[0])
	tb.withUploads()
	p := tb.setUp()
	ctx := context.Background()
	acct := tb.account(p, ferry.Weibo, "5000001", "政府新聞處", func(a *ferry.Account) { a.Settings = map[string]any{"link_url": "https://ferry.example/w"} })
	img := tb.uploadJPEG(p)
	at := time.Now().Add(24 * time.Hour)
	texts := []string{"八號風球信號今晚十時發出，市民請留在安全地方。", "全港學校明日停課。", "天文台：颱風逐漸遠離，三號強風信號取代八號信號。"}
	for i, text := range texts {
		in := service.StoryInput{Title: "颱風消息", Body: text, Targets: []string{acct.ID}, ScheduledAt: &at}
		if i == 0 {
			in.MediaIDs = []string{img}
		}
		v, err := tb.svc.CreateStory(ctx, p, in)
		require.NoError(t, err)
		pub := v.Publications[0]
		when := time.Now().Add(time.Duration(i-3) * 24 * time.Hour)
		pub.State, pub.RemoteID, pub.RemoteURL, pub.PublishedAt = ferry.StatePublished, "r"+string(rune('1'+i)), "https://weibo.com/5000001/r"+string(rune('1'+i)), &when
		require.NoError(t, tb.svc.DB.Write().SavePublication(ctx, pub))
		likes := int64(120 * (i + 1))
		require.NoError(t, tb.svc.DB.Write().PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: acct.ID, At: when.Add(time.Hour), Likes: &likes}))
	}
	for d := range 30 {
		n := int64(10000 + d*d*7)
		require.NoError(t, tb.svc.DB.Write().PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: acct.ID, At: time.Now().Add(time.Duration(d-30) * 24 * time.Hour), Followers: &n}))
	}
	var buf bytes.Buffer
	_, posts, err := tb.svc.WriteArchiveTo(ctx, &buf, p.WorkspaceID, acct.ID)
	require.NoError(t, err)
	require.Equal(t, 3, posts)
	dir := t.TempDir()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	for _, f := range zr.File {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		rc, err := f.Open()
		require.NoError(t, err)
		body, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, body, 0o644))
	}

	b.run(chromedp.Navigate("file://"+filepath.Join(dir, "index.html")), chromedp.WaitVisible(chromedp.CSS(`.post`)))
	require.EqualValues(t, 3, b.eval(`document.querySelectorAll(".post").length`))
	require.Equal(t, "政府新聞處", b.text("#account"))
	require.Contains(t, b.text(".post:first-child .text"), "三号强风信号", "newest first (as sent: Weibo gets simplified)")
	require.EqualValues(t, 1, b.eval(`document.querySelectorAll(".post img").length`))
	require.Equal(t, true, b.eval(`[...document.querySelectorAll(".post img")].every(i => i.complete && i.naturalWidth > 0)`), "the image loads from the archive")
	require.Equal(t, "https://weibo.com/5000001/r3", b.eval(`document.querySelector(".post:first-child a").href`))
	require.Contains(t, b.text(".post:first-child .counts"), "360")
	require.EqualValues(t, 1, b.eval(`document.querySelectorAll("#chart svg path.line").length`), "the follower chart is drawn")
	require.Equal(t, true, b.eval(`performance.getEntriesByType("resource").every(e => e.name.startsWith("file:"))`), "nothing is fetched from a network")
	b.noConsoleErrors()
	b.shot("archive-viewer-en")

	b.run(chromedp.Click(chromedp.CSS(`button[data-lang="zh-Hant"]`)))
	require.Equal(t, "追蹤人數", b.text("#chart-title"))
	require.Equal(t, "zh-Hant", b.eval(`document.documentElement.lang`))
	b.shot("archive-viewer-zh-Hant")
	b.run(chromedp.Click(chromedp.CSS(`button[data-lang="zh-Hans"]`)))
	require.Equal(t, "粉丝数", b.text("#chart-title"))
	require.Contains(t, b.text("#summary"), "微博")
	b.run(chromedp.EmulateViewport(375, 812), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.post`)))
	require.Equal(t, "粉丝数", b.text("#chart-title"), "the language chosen is kept")
	require.True(t, b.fitsWidth(), "no sideways scrolling on a phone")
	b.shot("archive-viewer-zh-Hans-phone")
	// axe (in shot) reads stylesheets with XMLHttpRequest, which file://
	// refuses; the viewer itself fetches nothing.
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		if !strings.Contains(e, "XMLHttpRequest at 'file://") && !strings.Contains(e, "net::ERR_FAILED") {
			t.Errorf("the browser reported: %s", e)
		}
	}
}
