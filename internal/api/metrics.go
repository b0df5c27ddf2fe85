package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// metricsRoutes are analytics': readings of accounts and posts, and the
// ways to add readings platforms do not give Ferry.
func (s *Server) metricsRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/accounts/{id}/metrics", handler: s.accountMetrics, response: "AccountMetrics",
			summary: "An account's daily readings (followers, following, posts) from `from` to `to` (RFC 3339, or YYYY-MM-DD in the workspace's time zone, to inclusive; default the last 90 days), and how they changed."},
		{method: "POST", path: "/api/v1/accounts/{id}/metrics/import", handler: s.importMetrics, request: "MetricsImportUpload", response: "MetricsImport",
			summary: "Import a Xiaohongshu creator-centre export (multipart field \"file\", CSV or XLSX; optional field \"at\", when it was exported): one reading per note matched to a published publication (editor)."},
		{method: "GET", path: "/api/v1/publications/{id}/metrics", handler: s.publicationMetrics, response: "PostMetrics",
			summary: "A publication's readings, each tagged with the checkpoint after publication it stands for (1h, 6h, 24h, 3d, 7d, 30d)."},
		{method: "POST", path: "/api/v1/publications/{id}/metrics", handler: s.recordPostMetrics, request: "PostMetricsInput", response: "PostMetrics", status: 201,
			summary: "Enter a reading of a published publication by hand; counts may be numbers or strings such as \"1.2万\" (editor)."},
	}
}

func (s *Server) accountMetrics(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	v, err := s.svc.AccountMetrics(r.Context(), p, r.PathValue("id"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) publicationMetrics(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	v, err := s.svc.PublicationMetrics(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) recordPostMetrics(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.PostMetricsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.svc.RecordPostMetrics(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// maxAtField bounds the multipart field "at".
const maxAtField = 100

func (s *Server) importMetrics(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return ferry.Errorf(ferry.EINVALID, "Upload the export as multipart/form-data with the file in the field \"file\".")
	}
	limit := s.svc.MaxUploadBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return ferry.Errorf(ferry.EINVALID, "The multipart body is malformed: %v.", err)
	}
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	var file []byte
	var at string
	gotFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return ferry.Errorf(ferry.ETOOLARGE, "The file is larger than the %d-byte limit.", limit)
			}
			return ferry.Errorf(ferry.EINVALID, "The multipart body is malformed: %v.", err)
		}
		switch part.FormName() {
		case "file":
			file, err = io.ReadAll(io.LimitReader(part, limit+1))
			if err == nil && int64(len(file)) > limit {
				return ferry.Errorf(ferry.ETOOLARGE, "The file is larger than the %d-byte limit.", limit)
			}
			gotFile = true
		case "at":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, maxAtField))
			at = string(b)
		}
		if err != nil {
			if tooLarge(err) {
				return ferry.Errorf(ferry.ETOOLARGE, "The file is larger than the %d-byte limit.", limit)
			}
			return ferry.Errorf(ferry.EINVALID, "The multipart body could not be read: %v.", err)
		}
	}
	if !gotFile {
		return ferry.Errorf(ferry.EINVALID, "The multipart body has no field \"file\".").WithDetails(map[string]string{"file": "is required"})
	}
	v, err := s.svc.ImportMetrics(r.Context(), p, r.PathValue("id"), file, at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// metricsSchemas are the OpenAPI schemas of the analytics routes.
func metricsSchemas() map[string]any {
	count := map[string]any{"type": []any{"integer", "null"}, "minimum": 0, "description": "null: the platform does not report it."}
	countIn := map[string]any{"type": []any{"integer", "string", "null"}, "description": "A whole number, or a count as platforms show it: \"1,234\", \"1.2万\", \"3.4w\", \"10万+\", \"1.1亿\"."}
	problem := obj([]string{"line", "problem"}, map[string]any{"line": integer, "title": str, "problem": str})
	counts := obj(nil, map[string]any{"views": count, "likes": count, "comments": count, "shares": count, "saves": count})
	return map[string]any{
		"AccountMetrics": obj([]string{"account_id", "from", "to", "snapshots", "change"}, map[string]any{"account_id": str, "platform": str, "from": dateTime,
			"to": map[string]any{"type": []any{"string", "null"}, "format": "date-time", "description": "Exclusive; null: open."},
			"snapshots": map[string]any{"type": "array", "items": obj([]string{"at", "followers", "following", "posts"}, map[string]any{"at": dateTime,
				"followers": map[string]any{"type": []any{"integer", "null"}, "description": "Subscribers on Telegram."}, "following": count, "posts": count})},
			"change": obj(nil, map[string]any{"followers": count, "following": count, "posts": count, "since": nullTime, "until": nullTime})}),
		"PostMetrics": obj([]string{"publication_id", "snapshots"}, map[string]any{"publication_id": str, "account_id": str, "platform": str, "published_at": nullTime,
			"snapshots": map[string]any{"type": "array", "items": obj([]string{"at", "checkpoint", "views", "likes", "comments", "shares", "saves"}, map[string]any{"at": dateTime,
				"checkpoint": map[string]any{"type": []any{"string", "null"}, "enum": []any{"1h", "6h", "24h", "3d", "7d", "30d", nil},
					"description": "The latest checkpoint after publication at or before the reading; null within the first hour."},
				"views": count, "likes": map[string]any{"type": []any{"integer", "null"}, "description": "Reactions on Facebook, attitudes on Weibo."},
				"comments": count, "shares": map[string]any{"type": []any{"integer", "null"}, "description": "Reposts on Weibo."},
				"saves": map[string]any{"type": []any{"integer", "null"}, "description": "Collects (收藏) on Xiaohongshu."}})}}),
		"PostMetricsInput": obj(nil, map[string]any{"views": countIn, "likes": countIn, "comments": countIn, "shares": countIn, "saves": countIn,
			"at": map[string]any{"type": "string", "format": "date-time", "description": "When the counts were read; default now."}}),
		"MetricsImportUpload": obj([]string{"file"}, map[string]any{
			"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream",
				"description": "CSV (UTF-8, UTF-16 or GB18030) or XLSX, first sheet. Columns: 笔记标题 (title) and 发布时间 (publish time, China time), or 笔记链接 (note link); counts 观看/浏览 (views), 点赞 (likes), 评论 (comments), 分享 (shares), 收藏 (saves). Other columns are ignored."},
			"at": map[string]any{"type": "string", "format": "date-time", "description": "When the export was taken; default now."}}),
		"MetricsImport": obj([]string{"account_id", "at", "columns", "imported", "unmatched", "invalid"}, map[string]any{"account_id": str, "at": dateTime,
			"columns":   map[string]any{"type": "object", "additionalProperties": str, "description": "Field → the file's heading it was read from."},
			"imported":  map[string]any{"type": "array", "items": obj(nil, map[string]any{"line": integer, "title": str, "publication_id": str, "counts": counts})},
			"unmatched": map[string]any{"type": "array", "items": problem, "description": "Rows read but matched to no published publication, with why."},
			"invalid":   map[string]any{"type": "array", "items": problem, "description": "Rows that could not be read."}}),
	}
}
