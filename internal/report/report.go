// Package report renders monthly reports as HTML, and prints that HTML to
// PDF with headless Chromium when the machine has it (see
// docs/architecture.md, "Reports").
package report

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

//go:embed i18n/*/reports.json report.html
var files embed.FS

// Languages are the report's languages; the first is the default.
var Languages = []string{"en", "zh-Hant", "zh-Hans"}

var catalogs = map[string]map[string]string{}

var pageTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"dataURI": func(mime string, b []byte) template.URL {
		return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b))
	},
}).ParseFS(files, "report.html"))

func init() {
	for _, l := range Languages {
		b, err := files.ReadFile("i18n/" + l + "/reports.json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("report: i18n/%s/reports.json: %v", l, err))
		}
		catalogs[l] = m
	}
}

// Language returns the supported language nearest to lang (en, zh-Hant,
// zh-Hans; zh-TW, zh-HK and zh-MO read Traditional, zh and zh-CN
// Simplified).
func Language(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	switch {
	case l == "zh-hant" || strings.HasPrefix(l, "zh-tw") || strings.HasPrefix(l, "zh-hk") || strings.HasPrefix(l, "zh-mo") || strings.HasPrefix(l, "zh-hant"):
		return "zh-Hant"
	case strings.HasPrefix(l, "zh"):
		return "zh-Hans"
	}
	return "en"
}

// view is what the template reads.
type view struct {
	*service.MonthlyReport
	Lang  string
	T     map[string]string
	Title string
}

// HTML writes the report as one self-contained HTML page (images inlined,
// no scripts) in lang.
func HTML(w io.Writer, r *service.MonthlyReport, lang string) error {
	lang = Language(lang)
	v := view{MonthlyReport: r, Lang: lang, T: catalogs[lang]}
	v.Title = v.T["title"] + " · " + monthName(r, lang) + " · " + r.Workspace
	if r.AccountID != "" && len(r.Accounts) == 1 {
		v.Title = v.T["title"] + " · " + monthName(r, lang) + " · " + r.Accounts[0].Name
	}
	return pageTemplate.Execute(w, v)
}

func monthName(r *service.MonthlyReport, lang string) string {
	if lang == "en" {
		return r.Month.Format("January 2006")
	}
	return fmt.Sprintf("%d年%d月", r.Month.Year(), int(r.Month.Month()))
}

// Number formats a count as people of lang read it: 43,000 in English,
// 4.3萬 (43,000) / 4.3万 (43,000) from ten thousand on in Chinese.
func Number(n int64, lang string) string {
	exact := group(n)
	if lang == "en" || (n < 10000 && n > -10000) {
		return exact
	}
	unit := "萬"
	if lang == "zh-Hans" {
		unit = "万"
	}
	short := strconv.FormatFloat(float64(n)/10000, 'f', 1, 64)
	short = strings.TrimSuffix(short, ".0")
	return short + unit + " (" + exact + ")"
}

func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Num formats an optional count; nil reads "—".
func (v view) Num(n any) string {
	switch x := n.(type) {
	case int64:
		return Number(x, v.Lang)
	case int:
		return Number(int64(x), v.Lang)
	case *int64:
		if x == nil {
			return "—"
		}
		return Number(*x, v.Lang)
	}
	return fmt.Sprint(n)
}

// Signed formats a change with its sign.
func (v view) Signed(n any) string {
	var x int64
	switch c := n.(type) {
	case *int64:
		if c == nil {
			return "—"
		}
		x = *c
	case int64:
		x = c
	}
	if x > 0 {
		return "+" + Number(x, v.Lang)
	}
	return Number(x, v.Lang)
}

// Month is the month's name in the report's language.
func (v view) Month() string { return monthName(v.MonthlyReport, v.Lang) }

// PlatformName names a platform in the report's language.
func (v view) PlatformName(p ferry.Platform) string {
	names := map[string]map[ferry.Platform]string{
		"en":      {ferry.Weibo: "Weibo", ferry.Xiaohongshu: "Xiaohongshu", ferry.Facebook: "Facebook", ferry.Instagram: "Instagram", ferry.Telegram: "Telegram"},
		"zh-Hant": {ferry.Weibo: "微博", ferry.Xiaohongshu: "小紅書", ferry.Facebook: "Facebook", ferry.Instagram: "Instagram", ferry.Telegram: "Telegram"},
		"zh-Hans": {ferry.Weibo: "微博", ferry.Xiaohongshu: "小红书", ferry.Facebook: "Facebook", ferry.Instagram: "Instagram", ferry.Telegram: "Telegram"},
	}
	if n := names[v.Lang][p]; n != "" {
		return n
	}
	return string(p)
}

// EventName names a calendar entry in the report's language and script.
func (v view) EventName(e service.CalendarEntry) string {
	switch {
	case v.Lang == "en" && e.NameEN != "":
		return e.NameEN
	case v.Lang == "zh-Hant" && e.NameZhHant != "":
		return e.NameZhHant
	case v.Lang == "zh-Hans" && e.NameZhHans != "":
		return e.NameZhHans
	case e.NameZh != "" && v.Lang != "en":
		return e.NameZh
	case e.NameEN != "":
		return e.NameEN
	}
	return e.NameZh
}

// Bar is the width, in per cent, of value against the largest of the
// platforms' engagement: the report's one chart, drawn in SVG.
func (v view) Bar(value int64) int {
	var top int64
	for _, p := range v.Platforms {
		top = max(top, p.Engagement)
	}
	if top == 0 {
		return 0
	}
	return int(value * 100 / top)
}

// PrintPDF renders the report in lang and prints it with the Chromium at
// browser ("": ErrNoBrowser), in the CJK font Ferry ships.
func PrintPDF(ctx context.Context, browser string, rep *service.MonthlyReport, lang string) ([]byte, error) {
	if browser == "" {
		return nil, ErrNoBrowser
	}
	var buf bytes.Buffer
	if err := HTML(&buf, rep, lang); err != nil {
		return nil, err
	}
	return PDF(ctx, browser, buf.Bytes())
}

// FileName is the report's file name without extension.
func FileName(rep *service.MonthlyReport) string {
	name := "ferry-report-" + rep.Month.Format("2006-01")
	if rep.AccountID != "" {
		name += "-" + rep.AccountID
	}
	return name
}

// Write answers a report as HTML or as PDF printed by the Chromium
// at browser ("": none, and the PDF answers 503 naming what to install).
func Write(w http.ResponseWriter, r *http.Request, rep *service.MonthlyReport, pdf bool, lang, browser string) error {
	name := FileName(rep)
	w.Header().Set("Cache-Control", "no-store")
	if !pdf {
		var buf bytes.Buffer
		if err := HTML(&buf, rep, lang); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
		_, err := w.Write(buf.Bytes())
		return err
	}
	out, err := PrintPDF(r.Context(), browser, rep, lang)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, name))
	_, err = w.Write(out)
	return err
}
