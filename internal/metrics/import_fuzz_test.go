package metrics_test

import (
	"bytes"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/ferry-social/ferry/internal/metrics"
)

// FuzzReadTable: no file (CSV in any encoding, XLSX, garbage) makes the
// import panic; what it reads is within the bounds, valid UTF-8, and goes
// through ParseExport without a panic, every row kept or refused with a
// reason.
func FuzzReadTable(f *testing.F) {
	f.Add([]byte("\ufeff笔记标题,发布时间,观看量,点赞,评论,收藏,分享,笔记链接\n中秋快樂,2026-09-25 20:00,1000,10,2,3,1,https://www.xiaohongshu.com/explore/66a1b2c3d4e5f6a7b8c9d0e1\n"))
	f.Add([]byte("title;published;views\n\"a;b\";2026/9/1;12\n"))
	f.Add([]byte("\xff\xfet\x00i\x00t\x00l\x00e\x00\n\x00"))
	f.Add([]byte("\xb1\xea\xcc\xe2,\xca\xb1\xbc\xe4\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("a\x00b"))
	xf := excelize.NewFile()
	_ = xf.SetSheetRow("Sheet1", "A1", &[]any{"笔记标题", "发布时间", "观看量", "点赞"})
	_ = xf.SetSheetRow("Sheet1", "A2", &[]any{"中秋", 46290.5, 100, 5})
	var xb bytes.Buffer
	if err := xf.Write(&xb); err != nil {
		f.Fatal(err)
	}
	f.Add(xb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := metrics.ReadTable(data)
		if err != nil {
			return
		}
		if len(rows) > metrics.MaxTableRows {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			if len(r) > metrics.MaxTableColumns {
				t.Fatalf("%d columns", len(r))
			}
			for _, c := range r {
				if !utf8.ValidString(c) {
					t.Fatalf("cell %q is not UTF-8", c)
				}
			}
		}
		ex, err := metrics.ParseExport(rows)
		if err != nil {
			return
		}
		for _, p := range ex.Problems {
			if p.Problem == "" {
				t.Fatalf("row %d refused without a reason", p.Line)
			}
		}
	})
}

var noteID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// FuzzNoteID: a note id comes out as 24 lower-case hex digits or not at
// all, and an id is its own id.
func FuzzNoteID(f *testing.F) {
	for _, s := range []string{"https://www.xiaohongshu.com/explore/66A1B2C3D4E5F6A7B8C9D0E1", "66a1b2c3d4e5f6a7b8c9d0e1",
		"https://www.xiaohongshu.com/discovery/item/x?noteId=66a1b2c3d4e5f6a7b8c9d0e1", "%zz", "", "://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := metrics.NoteID(s)
		if id == "" {
			return
		}
		if !noteID.MatchString(id) {
			t.Fatalf("%q gave id %q", s, id)
		}
		if metrics.NoteID(id) != id {
			t.Fatalf("id %q is not its own id", id)
		}
	})
}

// FuzzParseExportTime: a time that parses lies in a sane range, and is
// found again when written in the export's own layout.
func FuzzParseExportTime(f *testing.F) {
	for _, s := range []string{"2026-05-01 20:30", "2026/5/1", "2026年05月01日 20:30", "2026-05-01T12:00:00Z", "46290.5", "1e308", "NaN", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, _, err := metrics.ParseExportTime(s)
		if err != nil {
			return
		}
		if y := tm.Year(); y < 0 || y > 9999 {
			t.Fatalf("%q gave %v", s, tm)
		}
		if tm.In(metrics.China).Year() < 1000 {
			return // written with fewer than four digits, which no layout reads
		}
		back, _, err := metrics.ParseExportTime(tm.In(metrics.China).Format("2006-01-02 15:04:05"))
		if err != nil || !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("%q gave %v, which reads back as %v (%v)", s, tm, back, err)
		}
	})
}
