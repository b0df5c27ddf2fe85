package web

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// thumbWidth is the width, in CSS pixels, at which the compose form shows
// an image; a click on it reads the focal point against it.
const thumbWidth = 160

// mediaFile serves an image of the workspace to its members.
func (s *Server) mediaFile(w http.ResponseWriter, r *http.Request, rq *request) {
	m, rc, err := s.svc.MediaContent(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", m.Mime)
	// The bytes of an id never change; only members may see them.
	w.Header().Set("Cache-Control", "private, max-age=86400")
	if _, err := io.Copy(w, rc); err != nil {
		s.log.Info("media copy", "error", err)
	}
}

// composeImage is one of the form's images with what its controls need.
type composeImage struct {
	*ferry.Media
	N           int // its place, from 1
	First, Last bool
	// Height is the thumbnail's height at thumbWidth.
	Height int
}

// FocalClass places a crop's focus for CSS (object-position, in tenths:
// the page's CSP allows no style attribute).
func (v *view) FocalClass(f *ferry.Focal) string {
	if f == nil {
		return "fx-5 fy-5"
	}
	return "fx-" + strconv.Itoa(int(f.X*10+.5)) + " fy-" + strconv.Itoa(int(f.Y*10+.5))
}

func (s *Server) composeImages(r *http.Request, rq *request, ids []string) ([]composeImage, error) {
	ms, err := s.svc.MediaItems(r.Context(), rq.principal(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]composeImage, len(ms))
	for i, m := range ms {
		h := thumbWidth
		if m.Width > 0 {
			h = thumbWidth * m.Height / m.Width
		}
		out[i] = composeImage{Media: m, N: i + 1, First: i == 0, Last: i == len(ms)-1, Height: h}
	}
	return out, nil
}

// mediaOps applies the form's image controls without saving the story:
// moving or removing an image (media_op "up:ID", "down:ID", "remove:ID"),
// and a click on an image, which sets its focal point (an image input
// named "focal.ID" sends where it was clicked). It reports whether the
// form asked for any.
func (s *Server) mediaOps(r *http.Request, rq *request, f *composeForm) (bool, error) {
	op, id, _ := strings.Cut(r.PostForm.Get("media_op"), ":")
	ids := f.MediaIDs
	if i := slices.Index(ids, id); i >= 0 {
		switch {
		case op == "up" && i > 0:
			ids[i-1], ids[i] = ids[i], ids[i-1]
		case op == "down" && i < len(ids)-1:
			ids[i+1], ids[i] = ids[i], ids[i+1]
		case op == "remove":
			f.MediaIDs = slices.Delete(ids, i, i+1)
		}
		return true, nil
	}
	for key := range r.PostForm {
		id, ok := strings.CutPrefix(key, "focal.")
		if !ok || !strings.HasSuffix(id, ".x") {
			continue
		}
		id = strings.TrimSuffix(id, ".x")
		if !slices.Contains(f.MediaIDs, id) {
			continue
		}
		x, errX := strconv.Atoi(r.PostForm.Get(key))
		y, errY := strconv.Atoi(r.PostForm.Get("focal." + id + ".y"))
		imgs, err := s.composeImages(r, rq, []string{id})
		if err != nil || errX != nil || errY != nil {
			return true, err
		}
		focal := &ferry.Focal{X: clamp01(float64(x) / thumbWidth), Y: clamp01(float64(y) / float64(max(imgs[0].Height, 1)))}
		_, err = s.svc.UpdateMedia(r.Context(), rq.principal(), id, service.MediaPatch{Focal: focal})
		return true, err
	}
	return false, nil
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// focalPresets are the focal points a keyboard can choose, beside the
// click on the image.
var focalPresets = map[string]ferry.Focal{"center": {X: .5, Y: .5}, "top": {X: .5, Y: .2}, "bottom": {X: .5, Y: .8}, "left": {X: .2, Y: .5}, "right": {X: .8, Y: .5}}

// FocalPresets lists the presets in the order the form offers them.
func (composeImage) FocalPresets() []string {
	return []string{"center", "top", "bottom", "left", "right"}
}

// saveAlts saves the alt text (or decorative mark) of the form's images
// whose fields changed. An image's description belongs to the image, not
// to the story: it is saved with any of the form's buttons.
func (s *Server) saveAlts(r *http.Request, rq *request, f composeForm) error {
	if len(f.MediaIDs) == 0 || !rq.principal().Role.AtLeast(ferry.RoleEditor) {
		return nil
	}
	imgs, err := s.composeImages(r, rq, f.MediaIDs)
	if err != nil {
		return err
	}
	for _, m := range imgs {
		if f, ok := focalPresets[r.PostForm.Get("keep."+m.ID)]; ok {
			if _, err := s.svc.UpdateMedia(r.Context(), rq.principal(), m.ID, service.MediaPatch{Focal: &f}); err != nil {
				return err
			}
		}
		alt, sent := r.PostForm["alt."+m.ID]
		if !sent {
			continue
		}
		decorative := r.PostForm.Get("decorative."+m.ID) == "on"
		text := strings.TrimSpace(alt[0])
		if text == m.AltText && decorative == m.Decorative {
			continue
		}
		if _, err := s.svc.SetMediaAlt(r.Context(), rq.principal(), m.ID, text, decorative); err != nil {
			return err
		}
	}
	return nil
}
