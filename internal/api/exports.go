package api

import (
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/export"
	"github.com/ferry-social/ferry/internal/service"
)

// exportRoutes are the exports: files to take the readings elsewhere.
func (s *Server) exportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/exports/{file}", handler: s.exportFile,
			summary: "Download an export: `publications.csv`, `publications.xlsx` (one row per publication published, or scheduled, from `from` to `to`, with its latest counts and link) or `account-metrics.csv`, `account-metrics.xlsx` (every account reading in the range); `account_id` for one account. Range: RFC 3339 times or dates (YYYY-MM-DD, to inclusive) in the workspace's time zone, default the last 90 days. CSV is UTF-8 with a byte-order mark. The file is streamed."},
	}
}

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	name, ext, _ := strings.Cut(r.PathValue("file"), ".")
	f := export.Format(ext)
	if f != export.CSV && f != export.XLSX {
		return ferry.Errorf(ferry.ENOTFOUND, "There is no export %q; ask for publications.csv, publications.xlsx, account-metrics.csv or account-metrics.xlsx.", r.PathValue("file"))
	}
	q := r.URL.Query()
	eq := service.ExportQuery{From: q.Get("from"), To: q.Get("to"), AccountID: q.Get("account_id")}
	var ex *service.Export
	var err error
	switch name {
	case "publications":
		ex, err = s.svc.ExportPublications(r.Context(), p, eq)
	case "account-metrics":
		ex, err = s.svc.ExportAccountMetrics(r.Context(), p, eq)
	default:
		return ferry.Errorf(ferry.ENOTFOUND, "There is no export %q; ask for publications.csv, publications.xlsx, account-metrics.csv or account-metrics.xlsx.", r.PathValue("file"))
	}
	if err != nil {
		return err
	}
	return export.Serve(w, r, ex.Name, ex.Location, f, ex.WriteTo, s.log.ErrorContext)
}
