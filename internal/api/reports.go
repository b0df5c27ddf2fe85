package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/report"
	"github.com/ferry-social/ferry/internal/service"
)

// reportRoutes are the monthly reports.
func (s *Server) reportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/reports/{file}", handler: s.monthlyReport,
			summary: "A monthly report, `YYYY-MM.html` or `YYYY-MM.pdf` (month in the workspace's time zone): followers and growth, posts, engagement, best and worst posts, per-platform comparison, the month's calendar; `account_id` for one account, `lang` (en, zh-Hant, zh-Hans; default from Accept-Language). The PDF is printed by headless Chromium: without it on the server, 503 with code `unavailable`."},
	}
}

func (s *Server) monthlyReport(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	month, ext, ok := strings.Cut(r.PathValue("file"), ".")
	if !ok || (ext != "html" && ext != "pdf") {
		return ferry.Errorf(ferry.EINVALID, "Ask for a report as YYYY-MM.html or YYYY-MM.pdf, not %q.", r.PathValue("file")).WithDetails(map[string]string{"file": "must be YYYY-MM.html or YYYY-MM.pdf"})
	}
	rep, err := s.svc.MonthlyReport(r.Context(), p, month, r.URL.Query().Get("account_id"))
	if err != nil {
		return err
	}
	browser := report.BrowserPath()
	if s.noBrowser {
		browser = ""
	}
	return WriteReport(w, r, rep, ext == "pdf", ReportLanguage(r), browser)
}

// ReportLanguage is the language a report is asked in: ?lang=, else the
// first of Accept-Language.
func ReportLanguage(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		return report.Language(l)
	}
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	first, _, _ = strings.Cut(first, ";")
	return report.Language(first)
}

// WriteReport answers a report as HTML or as PDF printed by the Chromium
// at browser ("": none, and the PDF answers 503 naming what to install).
func WriteReport(w http.ResponseWriter, r *http.Request, rep *service.MonthlyReport, pdf bool, lang, browser string) error {
	var buf bytes.Buffer
	if err := report.HTML(&buf, rep, lang); err != nil {
		return err
	}
	name := "ferry-report-" + rep.Month.Format("2006-01")
	if rep.AccountID != "" {
		name += "-" + rep.AccountID
	}
	w.Header().Set("Cache-Control", "no-store")
	if !pdf {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
		_, err := w.Write(buf.Bytes())
		return err
	}
	out, err := report.PDF(r.Context(), browser, buf.Bytes())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, name))
	_, err = w.Write(out)
	return err
}
