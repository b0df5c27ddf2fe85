package metrics_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/metrics"
)

func count(n int64) *int64 { return &n }

func TestParseExport_FindsTheHeadingsAndReadsTheNotes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/xhs_export.xlsx")
	require.NoError(t, err)
	rows, err := metrics.ReadTable(data)
	require.NoError(t, err)
	ex, err := metrics.ParseExport(rows)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"title": "笔记标题", "published": "首次发布时间", "views": "观看量", "likes": "点赞", "comments": "评论",
		"saves": "收藏", "follows": "涨粉", "shares": "分享", "url": "笔记链接"}, ex.Columns)
	require.Empty(t, ex.Problems)
	require.Len(t, ex.Rows, 3)

	mid := ex.Rows[0]
	require.Equal(t, 3, mid.Line)
	require.Equal(t, "中秋快樂 月餅分享", mid.Title)
	require.Equal(t, "66f3a1b2c3d4e5f6a7b8c9d0", mid.NoteID)
	require.Equal(t, metrics.Counts{Views: count(12000), Likes: count(12000), Comments: count(35), Saves: count(34000), Shares: count(1234)}, mid.Counts)

	climb := ex.Rows[1]
	require.Equal(t, time.Date(2026, 10, 29, 9, 30, 0, 0, metrics.China).Unix(), climb.Published.Unix())
	require.False(t, climb.DateOnly)
	require.Equal(t, metrics.Counts{Views: count(100000), Likes: count(5678), Saves: count(90), Shares: count(7)}, climb.Counts, "\"-\" comments are unknown")

	lantern := ex.Rows[2]
	require.Equal(t, 6, lantern.Line)
	require.True(t, lantern.DateOnly)
	require.Equal(t, "2026-10-01", lantern.Published.In(metrics.China).Format(time.DateOnly))
}

func TestParseExport_ReportsBadRowsAndRefusesFilesItCannotUse(t *testing.T) {
	t.Parallel()
	ex, err := metrics.ParseExport([][]string{
		{"标题", "发布时间", "点赞", "收藏"},
		{"Good", "2026-05-01", "1.2万", "3"},
		{"Bad count", "2026-05-01", "lots", "3"},
		{"Bad date", "next tuesday", "1", "3"},
		{"No counts", "2026-05-01", "-", ""},
		{"", "", "", ""},
	})
	require.NoError(t, err)
	require.Len(t, ex.Rows, 1)
	require.Len(t, ex.Problems, 3)
	require.Equal(t, 3, ex.Problems[0].Line)
	require.Contains(t, ex.Problems[0].Problem, "点赞")
	require.Contains(t, ex.Problems[1].Problem, "publish time")
	require.Equal(t, "no counts", ex.Problems[2].Problem)

	_, err = metrics.ParseExport([][]string{{"name", "value"}, {"a", "1"}})
	require.ErrorContains(t, err, "no heading row")
	_, err = metrics.ParseExport([][]string{{"笔记标题", "点赞"}, {"a", "1"}})
	require.ErrorContains(t, err, "publish time")
}

func TestMatchRows_ByNoteLinkThenByTitleAndTime(t *testing.T) {
	t.Parallel()
	at := func(d, h int) time.Time { return time.Date(2026, 9, d, h, 0, 0, 0, metrics.China) }
	cands := []metrics.Candidate{
		{PublicationID: "pub_link", Titles: []string{"Linked"}, PublishedAt: at(1, 10), RemoteURL: "https://www.xiaohongshu.com/explore/66F3A1B2C3D4E5F6A7B8C9D0?xsec=1"},
		{PublicationID: "pub_mid", Titles: []string{"中秋  快樂", "Mid-Autumn"}, PublishedAt: at(25, 21)},
		{PublicationID: "pub_twin_a", Titles: []string{"Twin"}, PublishedAt: at(10, 9)},
		{PublicationID: "pub_twin_b", Titles: []string{"Twin"}, PublishedAt: at(10, 11)},
		{PublicationID: "pub_old", Titles: []string{"Old"}, PublishedAt: at(1, 9)},
	}
	rows := []metrics.ImportRow{
		{Line: 2, Title: "renamed in the app", NoteID: "66f3a1b2c3d4e5f6a7b8c9d0"},
		{Line: 3, Title: "中秋 快樂", Published: at(25, 20)},
		{Line: 4, Title: "Twin", Published: at(10, 10)},
		{Line: 5, Title: "Old", Published: at(3, 0), DateOnly: true},
		{Line: 6, Title: "Never published", Published: at(2, 0)},
		{Line: 7, Title: "Mid-Autumn", Published: at(25, 22)},
		{Line: 8, NoteID: "0123456789abcdef01234567"},
	}
	matches, unmatched := metrics.MatchRows(rows, cands)
	got := map[int]string{}
	for _, m := range matches {
		got[m.Row.Line] = m.PublicationID
	}
	require.Equal(t, map[int]string{2: "pub_link", 3: "pub_mid"}, got)
	reasons := map[int]string{}
	for _, u := range unmatched {
		reasons[u.Line] = u.Problem
	}
	require.Contains(t, reasons[4], "several published notes")
	require.Contains(t, reasons[5], "no published note titled")
	require.Contains(t, reasons[6], "no published note titled")
	require.Contains(t, reasons[7], "the same publication as line 3")
	require.Contains(t, reasons[8], "no published note with id")
}

func TestParseExportTime_ReadsTheFormsExportsUse(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 9, 25, 20, 30, 0, 0, metrics.China)
	for _, s := range []string{"2026-09-25 20:30", "2026-09-25 20:30:00", "2026/9/25 20:30", "2026年09月25日 20:30", "2026-09-25T12:30:00Z", "2026-09-25T20:30:00", "46290.854166666664"} {
		got, dateOnly, err := metrics.ParseExportTime(s)
		require.NoError(t, err, s)
		require.False(t, dateOnly, s)
		require.Equal(t, want.Unix(), got.Unix(), s)
	}
	got, dateOnly, err := metrics.ParseExportTime("2026年9月25日")
	require.NoError(t, err)
	require.True(t, dateOnly)
	require.Equal(t, time.Date(2026, 9, 25, 0, 0, 0, 0, metrics.China).Unix(), got.Unix())
}
