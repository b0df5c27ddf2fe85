package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// mediaPerPage is the media library's page size.
const mediaPerPage = 24

// mediaPage is one page of the media library, with its filters and the
// form that came back with an error.
type mediaPage struct {
	Query, Tag, Cursor string
	Library            *service.MediaLibraryPage
	Next, First        string
	Filtered           bool
	// CanEdit says whether the person may upload and describe images.
	CanEdit bool
	Form    mediaForm
	// Done is the catalog key of what the last form did, or "".
	Done string
	// Uploaded counts the images the last upload added.
	Uploaded int
}

// mediaForm is what an image's form sent, kept when it comes back with an
// error.
type mediaForm struct {
	ID      string
	AltText string
	Tags    string
	X, Y    string
	// File names the upload that was refused.
	File string
}

// mediaDone are the outcomes the library announces after a form.
var mediaDone = map[string]string{"described": "media.done.described", "focal": "media.done.focal", "uploaded": "media.done.uploaded"}

func (s *Server) mediaLibrary(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderMedia(w, r, rq, http.StatusOK, mediaForm{}, nil)
}

func (s *Server) renderMedia(w http.ResponseWriter, r *http.Request, rq *request, status int, form mediaForm, errs map[string]string) {
	q := r.URL.Query()
	page := mediaPage{Query: strings.TrimSpace(q.Get("q")), Tag: q.Get("tag"), Cursor: q.Get("cursor"), Form: form,
		CanEdit: rq.principal().Role.AtLeast(ferry.RoleEditor)}
	if status == http.StatusOK {
		page.Done = mediaDone[q.Get("done")]
		page.Uploaded, _ = strconv.Atoi(q.Get("n"))
	}
	lib, err := s.svc.MediaLibrary(r.Context(), rq.principal(), ferry.MediaFilter{Query: page.Query, Tag: page.Tag, Cursor: page.Cursor, Limit: mediaPerPage})
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Library = lib
	link := func(cursor string) string {
		vals := url.Values{}
		for k, val := range map[string]string{"q": page.Query, "tag": page.Tag, "cursor": cursor} {
			if val != "" {
				vals.Set(k, val)
			}
		}
		if len(vals) == 0 {
			return "/media"
		}
		return "/media?" + vals.Encode()
	}
	if lib.Next != "" {
		page.Next = link(lib.Next)
	}
	if page.Cursor != "" {
		page.First = link("")
	}
	page.Filtered = page.Query != "" || page.Tag != ""
	v := s.view(r, rq, "media.title")
	v.Errors, v.Data = errs, page
	s.pages.Render(w, r, status, "media.html", v)
}

// uploadMedia stores the images of the upload form.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request, rq *request) {
	var files []string
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			files = append(files, fh.Filename)
		}
	}
	if len(files) == 0 {
		s.renderMedia(w, r, rq, http.StatusBadRequest, mediaForm{}, map[string]string{"files": "media.files.required"})
		return
	}
	if len(files) > maxUploadFiles {
		s.renderMedia(w, r, rq, http.StatusBadRequest, mediaForm{}, map[string]string{"files": "media.files.too_many"})
		return
	}
	n := 0
	for _, fh := range r.MultipartForm.File["files"] {
		f, err := fh.Open()
		if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		_, err = s.svc.UploadMedia(r.Context(), rq.principal(), f)
		f.Close()
		switch code := ferry.ErrorCode(err); code {
		case "":
			n++
		case ferry.EUNSUPPORTED, ferry.ETOOLARGE:
			// The images before it are kept; the page says which one failed.
			s.renderMedia(w, r, rq, http.StatusBadRequest, mediaForm{File: fh.Filename}, map[string]string{"files": "media.files." + code})
			return
		default:
			s.fail(w, r, rq, err)
			return
		}
	}
	http.Redirect(w, r, "/media?done=uploaded&n="+strconv.Itoa(n), http.StatusSeeOther)
}

// describeMedia saves an image's alt text and tags.
func (s *Server) describeMedia(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	form := mediaForm{ID: id, AltText: r.PostForm.Get("alt_text"), Tags: r.PostForm.Get("tags")}
	_, err := s.svc.DescribeMedia(r.Context(), rq.principal(), id, service.MediaDescription{AltText: form.AltText, Tags: splitTags(form.Tags)})
	switch {
	case err == nil:
		http.Redirect(w, r, "/media?done=described#media-"+id, http.StatusSeeOther)
	case ferry.IsCode(err, ferry.EINVALID):
		s.renderMedia(w, r, rq, http.StatusBadRequest, form, s.fieldErrors(rq, "media", err))
	default:
		s.fail(w, r, rq, err)
	}
}

// splitTags reads the tags field: words separated by commas, spaces or
// the Chinese comma.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\u3000' || r == '\t' || r == '\n'
	})
}

// setFocal sets the point of an image that crops keep in view, given in
// percent from the top left (the click on the image fills them in).
func (s *Server) setFocal(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	form := mediaForm{ID: id, X: strings.TrimSpace(r.PostForm.Get("x")), Y: strings.TrimSpace(r.PostForm.Get("y"))}
	errs := map[string]string{}
	x, xerr := strconv.ParseFloat(form.X, 64)
	y, yerr := strconv.ParseFloat(form.Y, 64)
	if xerr != nil || x < 0 || x > 100 {
		errs["x"] = "media.focal.invalid"
	}
	if yerr != nil || y < 0 || y > 100 {
		errs["y"] = "media.focal.invalid"
	}
	if len(errs) > 0 {
		s.renderMedia(w, r, rq, http.StatusBadRequest, form, errs)
		return
	}
	_, err := s.svc.UpdateMedia(r.Context(), rq.principal(), id, service.MediaPatch{Focal: &ferry.Focal{X: x / 100, Y: y / 100}})
	switch {
	case err == nil:
		http.Redirect(w, r, "/media?done=focal#media-"+id, http.StatusSeeOther)
	case ferry.IsCode(err, ferry.EINVALID), ferry.IsCode(err, ferry.EUNPROCESSABLE), ferry.IsCode(err, ferry.ECONFLICT):
		// A story using the image may refuse the new crop; say so beside
		// the form rather than on an error page.
		s.renderMedia(w, r, rq, http.StatusConflict, form, map[string]string{"focal": "media.focal.refused"})
	default:
		s.fail(w, r, rq, err)
	}
}

// FocalPercent is an image's focal point on one axis ("x" or "y"), in
// percent; the centre when none is set.
func (v *view) FocalPercent(f *ferry.Focal, axis string) string {
	if f == nil {
		return "50"
	}
	c := f.X
	if axis == "y" {
		c = f.Y
	}
	return strconv.FormatFloat(math.Round(c*1000)/10, 'f', -1, 64)
}

// Tags writes tags back into the tags field.
func (v *view) Tags(tags []string) string { return strings.Join(tags, ", ") }
