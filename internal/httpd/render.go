package httpd

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
)

// Templates are HTML pages parsed once from files: each page is parsed
// together with the shared files (layouts, partials), in a set of its own,
// so that pages may define the same block names ("title", "content").
type Templates struct {
	pages map[string]*template.Template
	log   *slog.Logger
}

// ParseTemplates parses every file matching pages, each with the files
// matching shared. A page is named by its file name ("dashboard.html") and
// executed from its own top level, which usually invokes a layout.
func ParseTemplates(fsys fs.FS, funcs template.FuncMap, shared, pages string, log *slog.Logger) (*Templates, error) {
	names, err := fs.Glob(fsys, pages)
	if err != nil {
		return nil, fmt.Errorf("httpd: templates %s: %w", pages, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("httpd: no templates match %s", pages)
	}
	t := &Templates{pages: map[string]*template.Template{}, log: log}
	for _, name := range names {
		base := path.Base(name)
		set := template.New(base).Funcs(funcs)
		if shared != "" {
			if set, err = set.ParseFS(fsys, shared); err != nil {
				return nil, fmt.Errorf("httpd: templates %s: %w", shared, err)
			}
		}
		if set, err = set.ParseFS(fsys, name); err != nil {
			return nil, fmt.Errorf("httpd: template %s: %w", name, err)
		}
		t.pages[base] = set
	}
	return t, nil
}

// Render writes page name with data and status. The page is executed into
// a buffer first, so a template error answers a clean 500 (and is logged),
// never half a page.
func (t *Templates) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	set := t.pages[name]
	var buf bytes.Buffer
	err := fmt.Errorf("httpd: no template %q", name)
	if set != nil {
		err = set.ExecuteTemplate(&buf, name, data)
	}
	if err != nil {
		t.log.Error("render page", "request_id", RequestID(r.Context()), "page", name, "error", err)
		http.Error(w, "Something went wrong; it has been logged.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
