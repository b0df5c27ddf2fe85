package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// pickerPerPage is how many library images the compose page's picker shows
// at once.
const pickerPerPage = 12

// libraryPicker is the compose page's choice of images already in the
// media library. Without JavaScript it is a <details> in the form, whose
// search and "attach" buttons submit the whole form (so the typing is
// kept); compose.js turns it into a dialog that searches as one types
// through GET /compose/library.
type libraryPicker struct {
	V                  *view
	Query, Tag, Cursor string
	Library            *service.MediaLibraryPage
	// Attached are the story's images; Picked the ones ticked, of which
	// Elsewhere are not on the page shown (kept as hidden fields).
	Attached, Picked, Elsewhere []string
	// Open shows the picker unfolded: after a search, or a refused attach.
	Open bool
}

// IsAttached reports whether an image is already one of the story's.
func (p *libraryPicker) IsAttached(id string) bool { return slices.Contains(p.Attached, id) }

// IsPicked reports whether an image is ticked.
func (p *libraryPicker) IsPicked(id string) bool { return slices.Contains(p.Picked, id) }

// libraryPicker reads a page of the library for the picker. A cursor that
// is no longer valid (its image gone) starts again from the newest.
func (s *Server) libraryPicker(r *http.Request, rq *request, v *view, f composeForm) (*libraryPicker, error) {
	p := &libraryPicker{V: v, Query: strings.TrimSpace(f.LibraryQuery), Tag: f.LibraryTag, Cursor: f.LibraryCursor, Attached: f.MediaIDs, Picked: f.Picked}
	filter := ferry.MediaFilter{Query: p.Query, Tag: p.Tag, Cursor: p.Cursor, Limit: pickerPerPage}
	lib, err := s.svc.MediaLibrary(r.Context(), rq.principal(), filter)
	if ferry.IsCode(err, ferry.EINVALID) && p.Cursor != "" {
		p.Cursor, filter.Cursor = "", ""
		lib, err = s.svc.MediaLibrary(r.Context(), rq.principal(), filter)
	}
	if err != nil {
		return nil, err
	}
	p.Library = lib
	for _, id := range p.Picked {
		if !slices.ContainsFunc(lib.Items, func(it *service.MediaItem) bool { return it.ID == id }) && !slices.Contains(p.Elsewhere, id) {
			p.Elsewhere = append(p.Elsewhere, id)
		}
	}
	return p, nil
}

// composeLibrary answers the picker dialog's search: the list of library
// images for the query, marking the story's images and the ticked ones.
func (s *Server) composeLibrary(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	v := s.view(r, rq, "compose.title")
	if !rq.principal().Role.AtLeast(ferry.RoleEditor) {
		s.fail(w, r, rq, ferry.Errorf(ferry.EFORBIDDEN, "Only editors and above may attach images."))
		return
	}
	p, err := s.libraryPicker(r, rq, v, composeForm{LibraryQuery: q.Get("library_q"), LibraryTag: q.Get("library_tag"), LibraryCursor: q.Get("library_cursor"),
		MediaIDs: q["media"], Picked: q["pick"]})
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v.Data = p
	s.pages.Render(w, r, http.StatusOK, "compose-library.html", v)
}

// pickError is the catalog key and status of a refused pick from the
// library, or ok false when the error is not the person's to fix.
func pickError(err error) (key string, status int, ok bool) {
	switch ferry.ErrorCode(err) {
	case ferry.ENOTFOUND:
		return "compose.library.error.not_found", http.StatusNotFound, true
	case ferry.EFORBIDDEN:
		return "compose.library.error.forbidden", http.StatusForbidden, true
	case ferry.EINVALID:
		if d := fieldDetail(err, "pick"); d == "required" || d == "too_many" {
			return "compose.library.error." + d, http.StatusBadRequest, true
		}
	}
	return "", 0, false
}

// fieldDetail is what an EINVALID error says of one field, or "".
func fieldDetail(err error, field string) string {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		return ""
	}
	d, _ := fe.Details.(map[string]string)
	return d[field]
}

// attachPicked adds the ticked library images to the form's, through the
// service, and returns the page's status; a refusal comes back beside the
// picker, which stays open. An error is one the person cannot fix.
func (s *Server) attachPicked(r *http.Request, rq *request, page *composePage, v *view) (int, error) {
	ids, err := s.svc.PickMedia(r.Context(), rq.principal(), page.Form.MediaIDs, page.Form.Picked)
	if err != nil {
		key, status, known := pickError(err)
		if !known {
			return 0, err
		}
		v.Errors = map[string]string{"pick": key}
		if status == http.StatusNotFound {
			// The ticks that were fine stay; the unknown ones go.
			var known []string
			for _, id := range page.Form.Picked {
				if _, err := s.svc.MediaItems(r.Context(), rq.principal(), []string{id}); err == nil {
					known = append(known, id)
				}
			}
			page.Form.Picked = known
		}
		if status == http.StatusForbidden {
			// A viewer has no picker: the error sits by the images.
			v.Errors = map[string]string{"media": key}
		}
		page.PickerOpen = true
		return status, nil
	}
	page.Attached = len(ids) - len(page.Form.MediaIDs)
	page.Form.MediaIDs, page.Form.Picked = ids, nil
	page.Form.LibraryQuery, page.Form.LibraryTag, page.Form.LibraryCursor = "", "", ""
	return http.StatusOK, nil
}
