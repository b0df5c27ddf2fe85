package api

import (
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/report"
)

// reportRoutes are the monthly reports.
func (s *Server) reportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/reports/{file}", handler: s.monthlyReport,
			summary: "A monthly report, `YYYY-MM.html` or `YYYY-MM.pdf` (month in the workspace's time zone): followers and growth, posts, engagement, best and worst posts, per-platform comparison, the month's calendar; `account_id` for one account, `lang` (en, zh-Hant, zh-Hans; default from Accept-Language). The PDF is printed by headless Chromium: without it on the server, 503 with code `unavailable`."},
		{method: "GET", path: "/api/v1/reports/recipients", handler: s.reportRecipients, response: "ReportRecipients",
			summary: "The members who receive the monthly report by email (on the first of the month, last month's, when email is configured)."},
		{method: "PUT", path: "/api/v1/reports/recipients", handler: s.setReportRecipients, request: "ReportRecipients", response: "ReportRecipients",
			summary: "Choose the members who receive the monthly report by email (admin); each must be a member."},
	}
}

type reportRecipients struct {
	UserIDs []string `json:"user_ids"`
}

func (s *Server) reportRecipients(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	ids, err := s.svc.ReportRecipients(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reportRecipients{UserIDs: ids})
	return nil
}

func (s *Server) setReportRecipients(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in reportRecipients
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ids, err := s.svc.SetReportRecipients(r.Context(), p, in.UserIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reportRecipients{UserIDs: ids})
	return nil
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
	return report.Write(w, r, rep, ext == "pdf", ReportLanguage(r), browser)
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
