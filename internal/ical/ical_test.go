package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/ical"
)

func TestWrite_EscapesFoldsWithoutSplittingCharactersAndWritesAllDayDates(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	long := strings.Repeat("中秋快樂，", 20)
	hk := time.FixedZone("HKT", 8*3600)
	require.NoError(t, ical.Write(&buf, "海港新聞", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), []ical.Event{
		{UID: "a@ferry", Summary: long, Description: "line one\nline; two, \\ three", Start: time.Date(2026, 9, 25, 20, 0, 0, 0, hk), End: time.Date(2026, 9, 25, 20, 15, 0, 0, hk)},
		{UID: "b@ferry", Summary: "Mid-Autumn", AllDay: true, Start: time.Date(2026, 9, 25, 0, 0, 0, 0, hk), End: time.Date(2026, 9, 27, 0, 0, 0, 0, hk)},
	}))
	out := buf.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		require.LessOrEqual(t, len(l), 75)
		require.True(t, strings.ToValidUTF8(l, "?") == l, "no character split: %q", l)
	}
	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	require.Contains(t, unfolded, "SUMMARY:"+strings.ReplaceAll(long, "，", "，")+"\r\n")
	require.Contains(t, unfolded, `DESCRIPTION:line one\nline\; two\, \\ three`+"\r\n")
	require.Contains(t, unfolded, "DTSTART:20260925T120000Z\r\n")
	require.Contains(t, unfolded, "DTSTART;VALUE=DATE:20260925\r\nDTEND;VALUE=DATE:20260927\r\n")
	require.Contains(t, unfolded, "X-WR-CALNAME:海港新聞\r\n")
}
