package metrics

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Fields of an imported row.
const (
	FieldTitle     = "title"
	FieldPublished = "published"
	FieldURL       = "url"
	FieldViews     = "views"
	FieldLikes     = "likes"
	FieldComments  = "comments"
	FieldShares    = "shares"
	FieldSaves     = "saves"
	FieldFollows   = "follows" // followers gained through the note: recognised, not stored
)

// ImportColumns are the column headings an import recognises for each
// field, compared without spaces, case or a unit in brackets: the
// Xiaohongshu creator centre's export (笔记标题, 发布时间, 观看量, 点赞, 收藏,
// 评论, 分享, 涨粉) and plain English. Impressions (曝光) are not views and
// are ignored, like every other column.
var ImportColumns = map[string][]string{
	FieldTitle:     {"笔记标题", "标题", "笔记名称", "作品标题", "title", "notetitle"},
	FieldPublished: {"发布时间", "首次发布时间", "发布日期", "笔记发布时间", "published", "publishedat", "publishtime", "date"},
	FieldURL:       {"笔记链接", "链接", "笔记地址", "笔记id", "笔记ID", "url", "link", "noteurl", "noteid"},
	FieldViews:     {"观看", "观看量", "观看数", "浏览", "浏览量", "浏览数", "阅读", "阅读量", "阅读数", "播放量", "小眼睛", "views"},
	FieldLikes:     {"点赞", "点赞量", "点赞数", "likes"},
	FieldComments:  {"评论", "评论量", "评论数", "comments"},
	FieldShares:    {"分享", "分享量", "分享数", "转发", "shares"},
	FieldSaves:     {"收藏", "收藏量", "收藏数", "saves", "collects"},
	FieldFollows:   {"涨粉", "涨粉数", "涨粉量", "新增关注", "follows"},
}

var columnAlias = func() map[string]string {
	m := map[string]string{}
	for field, names := range ImportColumns {
		for _, n := range names {
			m[normHeader(n)] = field
		}
	}
	return m
}()

var bracketed = regexp.MustCompile(`[(（\[【].*?[)）\]】]`)

func normHeader(s string) string {
	s = bracketed.ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u3000', '\u00a0', '\ufeff', '_', '-', ':', '：':
			return -1
		}
		return r
	}, s)
	return strings.ToLower(s)
}

// ImportRow is one note of an export.
type ImportRow struct {
	// Line is the row's number in the file, from 1, for messages.
	Line  int
	Title string
	// Published is when the note went out, in China time; DateOnly says
	// the export gave only its date.
	Published time.Time
	DateOnly  bool
	URL       string
	// NoteID is the note's id, from its URL.
	NoteID string
	Counts Counts
}

// Counts are a post's counts; nil is unknown.
type Counts struct {
	Views    *int64 `json:"views"`
	Likes    *int64 `json:"likes"`
	Comments *int64 `json:"comments"`
	Shares   *int64 `json:"shares"`
	Saves    *int64 `json:"saves"`
}

// Known reports whether any count is known.
func (c Counts) Known() bool {
	return c.Views != nil || c.Likes != nil || c.Comments != nil || c.Shares != nil || c.Saves != nil
}

// RowProblem is a row that could not be read.
type RowProblem struct {
	Line    int    `json:"line"`
	Title   string `json:"title,omitempty"`
	Problem string `json:"problem"`
}

// Export is a parsed export: its notes, the columns used, and the rows
// that could not be read.
type Export struct {
	Rows []ImportRow
	// Columns maps each recognised field to the heading it was read from.
	Columns  map[string]string
	Problems []RowProblem
}

// China is the time zone Xiaohongshu writes times in.
var China = time.FixedZone("CST", 8*3600)

// headerScan is how many leading rows may precede the heading row (exports
// often start with a title line and a date range).
const headerScan = 10

// ParseExport reads the rows of an export: it finds the heading row (the
// first with a title or link column and a count column), then reads every
// row below it that names a note.
func ParseExport(rows [][]string) (*Export, error) {
	header, cols := -1, map[string]int{}
	for i := 0; i < len(rows) && i < headerScan; i++ {
		found := map[string]int{}
		for j, cell := range rows[i] {
			if f, ok := columnAlias[normHeader(cell)]; ok {
				if _, dup := found[f]; !dup {
					found[f] = j
				}
			}
		}
		_, title := found[FieldTitle]
		_, link := found[FieldURL]
		counts := 0
		for _, f := range []string{FieldViews, FieldLikes, FieldComments, FieldShares, FieldSaves} {
			if _, ok := found[f]; ok {
				counts++
			}
		}
		if (title || link) && counts > 0 {
			header, cols = i, found
			break
		}
	}
	if header < 0 {
		return nil, fmt.Errorf("no heading row found in the first %d rows: the file needs a title (笔记标题) or link (笔记链接) column and at least one count column (观看, 点赞, 评论, 分享, 收藏)", headerScan)
	}
	if _, ok := cols[FieldURL]; !ok {
		if _, ok := cols[FieldPublished]; !ok {
			return nil, fmt.Errorf("the file has titles but no publish time (发布时间) and no link (笔记链接): notes cannot be matched by title alone")
		}
	}
	ex := &Export{Columns: map[string]string{}}
	for f, j := range cols {
		ex.Columns[f] = strings.TrimSpace(strings.TrimPrefix(rows[header][j], "\ufeff"))
	}
	cell := func(rec []string, f string) string {
		j, ok := cols[f]
		if !ok || j >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[j])
	}
	for i := header + 1; i < len(rows); i++ {
		rec, line := rows[i], i+1
		r := ImportRow{Line: line, Title: cell(rec, FieldTitle), URL: cell(rec, FieldURL)}
		if r.Title == "" && r.URL == "" {
			continue // blank lines, totals
		}
		var problems []string
		if r.URL != "" {
			r.NoteID = NoteID(r.URL)
		}
		if s := cell(rec, FieldPublished); s != "" {
			t, dateOnly, err := ParseExportTime(s)
			if err != nil {
				problems = append(problems, err.Error())
			}
			r.Published, r.DateOnly = t, dateOnly
		}
		for _, c := range []struct {
			field string
			dst   **int64
		}{{FieldViews, &r.Counts.Views}, {FieldLikes, &r.Counts.Likes}, {FieldComments, &r.Counts.Comments}, {FieldShares, &r.Counts.Shares}, {FieldSaves, &r.Counts.Saves}} {
			n, known, err := ParseCount(cell(rec, c.field))
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", ex.Columns[c.field], err))
				continue
			}
			if known {
				*c.dst = &n
			}
		}
		if len(problems) == 0 && !r.Counts.Known() {
			problems = append(problems, "no counts")
		}
		if len(problems) > 0 {
			ex.Problems = append(ex.Problems, RowProblem{Line: line, Title: r.Title, Problem: strings.Join(problems, "; ")})
			continue
		}
		ex.Rows = append(ex.Rows, r)
	}
	return ex, nil
}

var noteIDRE = regexp.MustCompile(`(?i)^[0-9a-f]{24}$`)

// NoteID returns a Xiaohongshu note's id from its URL
// (https://www.xiaohongshu.com/explore/<id>, /discovery/item/<id>, …) or
// the id itself; "" when there is none.
func NoteID(s string) string {
	s = strings.TrimSpace(s)
	if noteIDRE.MatchString(s) {
		return strings.ToLower(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if id := u.Query().Get("noteId"); noteIDRE.MatchString(id) {
		return strings.ToLower(id)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if noteIDRE.MatchString(segs[i]) {
			return strings.ToLower(segs[i])
		}
	}
	return ""
}

var exportTimeLayouts = []struct {
	layout   string
	dateOnly bool
}{
	{"2006-01-02 15:04:05", false}, {"2006-01-02 15:04", false}, {"2006-01-02T15:04:05", false}, {"2006-01-02T15:04", false}, {"2006/01/02 15:04:05", false}, {"2006/01/02 15:04", false},
	{"2006/1/2 15:04:05", false}, {"2006/1/2 15:04", false}, {"2006-1-2 15:04", false},
	{"2006年01月02日 15:04:05", false}, {"2006年01月02日 15:04", false}, {"2006年1月2日 15:04", false},
	{"2006-01-02", true}, {"2006/01/02", true}, {"2006/1/2", true}, {"2006-1-2", true}, {"2006年01月02日", true}, {"2006年1月2日", true},
}

// ParseExportTime reads a publish time as exports write it, in China time:
// "2026-05-01 20:30", "2026/5/1", "2026年05月01日 20:30", RFC 3339, or an
// Excel serial date (a number of days since 1899-12-30, as XLSX stores
// dates).
func ParseExportTime(s string) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	for _, l := range exportTimeLayouts {
		if t, err := time.ParseInLocation(l.layout, s, China); err == nil {
			return t, l.dateOnly, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 { // 1954 to 2119
		days, frac := math.Modf(f)
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, China)
		t := base.AddDate(0, 0, int(days)).Add(time.Duration(math.Round(frac*86400)) * time.Second)
		return t, frac == 0, nil
	}
	return time.Time{}, false, fmt.Errorf("publish time %q is not a date such as 2026-05-01 or 2026-05-01 20:30", s)
}

// Candidate is a published publication an imported row may be about.
type Candidate struct {
	PublicationID string
	// Titles are the titles it went out under (its variant's and its
	// story's).
	Titles      []string
	PublishedAt time.Time
	RemoteID    string
	RemoteURL   string
}

// Match pairs an imported row with its publication.
type Match struct {
	Row           ImportRow
	PublicationID string
}

// matchWindow is how far apart the export's publish time and Ferry's may
// be for a row matched by title: Ferry records when a person confirmed the
// note, which may be later than it went out.
const matchWindow = 36 * time.Hour

// MatchRows pairs rows with candidates: by the note's id in its URL when
// the row has one, otherwise by title and publish time (the closest within
// 36 hours; for a date without a time, the same day in China give or take
// one). Each publication takes one row; rows that match nothing, several
// publications equally or a publication already taken are returned with
// the reason.
func MatchRows(rows []ImportRow, cands []Candidate) ([]Match, []RowProblem) {
	byNote := map[string]int{}
	for i, c := range cands {
		for _, s := range []string{c.RemoteURL, c.RemoteID} {
			if id := NoteID(s); id != "" {
				byNote[id] = i
			}
		}
	}
	taken := map[int]int{} // candidate → line
	var matches []Match
	var unmatched []RowProblem
	for _, r := range rows {
		i, problem := -1, ""
		if r.NoteID != "" {
			var ok bool
			if i, ok = byNote[r.NoteID]; !ok {
				i, problem = -1, fmt.Sprintf("no published note with id %s", r.NoteID)
			}
		}
		if i < 0 && r.Title != "" && !r.Published.IsZero() {
			i, problem = matchByTitle(r, cands)
		} else if i < 0 && problem == "" {
			problem = "the row has neither a note link nor a title with a publish time"
		}
		if i >= 0 {
			if line, dup := taken[i]; dup {
				i, problem = -1, fmt.Sprintf("the same publication as line %d", line)
			}
		}
		if i < 0 {
			unmatched = append(unmatched, RowProblem{Line: r.Line, Title: r.Title, Problem: problem})
			continue
		}
		taken[i] = r.Line
		matches = append(matches, Match{Row: r, PublicationID: cands[i].PublicationID})
	}
	return matches, unmatched
}

func matchByTitle(r ImportRow, cands []Candidate) (int, string) {
	title := normTitle(r.Title)
	best, bestDiff, tie := -1, time.Duration(math.MaxInt64), false
	for i, c := range cands {
		same := false
		for _, t := range c.Titles {
			if t != "" && normTitle(t) == title {
				same = true
			}
		}
		if !same {
			continue
		}
		diff := (c.PublishedAt.Sub(r.Published)).Abs()
		if r.DateOnly {
			d := dayNumber(c.PublishedAt) - dayNumber(r.Published)
			if d < -1 || d > 1 {
				continue
			}
			diff = time.Duration(max(d, -d)) * 24 * time.Hour
		} else if diff > matchWindow {
			continue
		}
		switch {
		case diff < bestDiff:
			best, bestDiff, tie = i, diff, false
		case diff == bestDiff:
			tie = true
		}
	}
	switch {
	case best < 0:
		return -1, fmt.Sprintf("no published note titled %q around %s", r.Title, r.Published.In(China).Format("2006-01-02"))
	case tie:
		return -1, fmt.Sprintf("several published notes are titled %q around %s; add the note link (笔记链接) column", r.Title, r.Published.In(China).Format("2006-01-02"))
	}
	return best, ""
}

// dayNumber counts days in China time.
func dayNumber(t time.Time) int {
	y, m, d := t.In(China).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func normTitle(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
