package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
	"github.com/ferry-social/ferry/internal/report"
	"github.com/ferry-social/ferry/internal/service"
)

// reportsPage lists months with their reports, and the exports.
type reportsPage struct {
	Months   []string
	Accounts []*ferry.Account
	// The export form, as sent.
	Kind, Format, From, To, AccountID string
	// PDF says whether the server can print PDFs.
	PDF bool
	// Members and Recipients: who may receive the report by email, and who
	// does; CanChoose for admins; Email says whether email is configured.
	Members    []ferry.WorkspaceMember
	Recipients map[string]bool
	CanChoose  bool
	Email      bool
	Saved      bool
}

func (s *Server) reports(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	s.renderReports(w, r, rq, http.StatusOK, reportsPage{Kind: "publications", Format: "xlsx", AccountID: q.Get("account_id"), Saved: q.Get("done") == "saved"}, nil)
}

// saveRecipients chooses who receives the monthly report by email.
func (s *Server) saveRecipients(w http.ResponseWriter, r *http.Request, rq *request) {
	if _, err := s.svc.SetReportRecipients(r.Context(), rq.principal(), r.PostForm["user_id"]); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/reports?done=saved#h-email", http.StatusSeeOther)
}

func (s *Server) renderReports(w http.ResponseWriter, r *http.Request, rq *request, status int, page reportsPage, errs map[string]string) {
	months, err := s.svc.ReportMonths(r.Context(), rq.principal(), 12)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	accounts, err := s.svc.Accounts(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Months, page.Accounts, page.PDF = months, accounts, report.BrowserPath() != ""
	page.Members, err = s.svc.Members(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	ids, err := s.svc.ReportRecipients(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Recipients = map[string]bool{}
	for _, id := range ids {
		page.Recipients[id] = true
	}
	page.CanChoose = rq.principal().Role.AtLeast(ferry.RoleAdmin)
	page.Email = s.svc.ReportMail != nil
	v := s.view(r, rq, "reports.title")
	v.Errors, v.Data = errs, page
	s.pages.Render(w, r, status, "reports.html", v)
}

// reportFile answers /reports/YYYY-MM.html or .pdf in the page's language.
func (s *Server) reportFile(w http.ResponseWriter, r *http.Request, rq *request) {
	month, ext, ok := strings.Cut(r.PathValue("file"), ".")
	if !ok || (ext != "html" && ext != "pdf") {
		s.fail(w, r, rq, ferry.Errorf(ferry.ENOTFOUND, "no such report"))
		return
	}
	rep, err := s.svc.MonthlyReport(r.Context(), rq.principal(), month, r.URL.Query().Get("account_id"))
	if err == nil {
		err = report.Write(w, r, rep, ext == "pdf", rq.lang, report.BrowserPath())
	}
	if err != nil {
		s.fail(w, r, rq, err)
	}
}

// exportDownload sends the export the form asks for; bad input brings the
// page back with the form kept and the error beside the field.
func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	page := reportsPage{Kind: q.Get("kind"), Format: q.Get("format"), From: q.Get("from"), To: q.Get("to"), AccountID: q.Get("account_id")}
	f := export.Format(page.Format)
	if f != export.CSV && f != export.XLSX {
		f, page.Format = export.XLSX, "xlsx"
	}
	eq := service.ExportQuery{From: page.From, To: page.To, AccountID: page.AccountID}
	var ex *service.Export
	var err error
	if page.Kind == "account-metrics" {
		ex, err = s.svc.ExportAccountMetrics(r.Context(), rq.principal(), eq)
	} else {
		page.Kind = "publications"
		ex, err = s.svc.ExportPublications(r.Context(), rq.principal(), eq)
	}
	if err != nil {
		if d := details(err); d != nil {
			errs := map[string]string{}
			for field := range d {
				errs[field] = "reports.range.invalid"
			}
			s.renderReports(w, r, rq, http.StatusBadRequest, page, errs)
			return
		}
		s.fail(w, r, rq, err)
		return
	}
	if err := export.Serve(w, r, ex.Name, ex.Location, f, ex.WriteTo, s.log.ErrorContext); err != nil {
		s.fail(w, r, rq, err)
	}
}

// details returns the field details of an invalid-input error.
func details(err error) map[string]string {
	var fe *ferry.Error
	if !errors.As(err, &fe) || fe.Code != ferry.EINVALID {
		return nil
	}
	d, _ := fe.Details.(map[string]string)
	return d
}

// Link is a month's report, of the chosen account if any.
func (p reportsPage) Link(month, ext string) string {
	u := "/reports/" + month + "." + ext
	if p.AccountID != "" {
		u += "?" + url.Values{"account_id": {p.AccountID}}.Encode()
	}
	return u
}
