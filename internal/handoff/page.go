package handoff

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
)

//go:embed templates
var pageFiles embed.FS

// Handler serves the handoff pages under /handoff/: the page itself
// (GET /handoff/{id}), its confirmation form (POST /handoff/{id}) and its
// images (GET /handoff/{id}/media/{n}), all behind the signed link.
func (m *Manager) Handler() http.Handler {
	pages, err := httpd.ParseTemplates(pageFiles, nil, "", "templates/*.html", m.Log)
	if err != nil {
		panic(err) // the templates are embedded: a bad one is a bug caught by every test
	}
	m.pages = pages
	mux := http.NewServeMux()
	mux.HandleFunc("GET /handoff/{id}", m.servePage)
	mux.HandleFunc("POST /handoff/{id}", m.serveConfirm)
	mux.HandleFunc("GET /handoff/{id}/media/{n}", m.serveMedia)
	return mux
}

// pageView is what the template shows.
type pageView struct {
	Nonce       string
	Status      string
	Account     string
	Due         string
	Deadline    string
	Expires     string
	ShowContent bool
	Title       string
	Text        string
	Topics      []string
	TopicsText  string
	Images      []pageImage
	NoteURL     string
	Action      string
	Input       string
	Error       string
}

type pageImage struct {
	N             int
	Alt           string
	Src, Save     string
	Name          string
	Width, Height int
}

// authorize checks the signed link and loads its handoff, answering the
// request itself when it cannot go on: 403 for a link that is not valid,
// 410 for an expired one.
func (m *Manager) authorize(w http.ResponseWriter, r *http.Request) (*ferry.Handoff, bool) {
	id := r.PathValue("id")
	switch err := m.Links.Check(id, r.URL.Query(), m.now()); {
	case errors.Is(err, ErrExpired):
		m.plainPage(w, r, http.StatusGone, "This link has expired. 此链接已过期。")
		return nil, false
	case err != nil:
		m.plainPage(w, r, http.StatusForbidden, "This link is not valid. 此链接无效。")
		return nil, false
	}
	h, err := m.DB.Read().Handoff(r.Context(), id)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		m.plainPage(w, r, http.StatusNotFound, "This handoff no longer exists. 此任务不存在。")
		return nil, false
	}
	if err != nil {
		m.Log.Error("handoff page", "handoff_id", id, "error", err)
		m.plainPage(w, r, http.StatusInternalServerError, "Something went wrong; try again in a moment. 出错了，请稍后再试。")
		return nil, false
	}
	return h, true
}

func (m *Manager) servePage(w http.ResponseWriter, r *http.Request) {
	h, ok := m.authorize(w, r)
	if !ok {
		return
	}
	m.render(w, r, h, http.StatusOK, "", "")
}

// serveConfirm takes the form's URL. A good one confirms the handoff and
// redirects to the page (which then says published); a bad one shows the
// page again with the problem (400), and a handoff that can no longer be
// confirmed says why (409).
func (m *Manager) serveConfirm(w http.ResponseWriter, r *http.Request) {
	h, ok := m.authorize(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		m.render(w, r, h, http.StatusBadRequest, "", "The form could not be read. 表单无法读取。")
		return
	}
	input := r.PostForm.Get("url")
	_, err := m.Confirm(r.Context(), Confirmation{HandoffID: h.ID, URL: input, Actor: "handoff_link:" + h.ID, Via: "page"})
	switch code := ferry.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, m.signedPath(h, ""), http.StatusSeeOther)
	case ferry.EINVALID:
		m.render(w, r, h, http.StatusBadRequest, input, "That is not a Xiaohongshu note link (xiaohongshu.com/explore/… or xhslink.com/…). 这不是小红书笔记链接。")
	case ferry.ECONFLICT:
		fresh, ferr := m.DB.Read().Handoff(r.Context(), h.ID)
		if ferr == nil {
			h = fresh
		}
		m.render(w, r, h, http.StatusConflict, "", ferry.ErrorMessage(err))
	default:
		m.Log.Error("handoff confirmation", "handoff_id", h.ID, "error", err)
		m.render(w, r, h, http.StatusInternalServerError, input, "Something went wrong; try again in a moment. 出错了，请稍后再试。")
	}
}

// render shows the page for h: the content while it can be published,
// and its state.
func (m *Manager) render(w http.ResponseWriter, r *http.Request, h *ferry.Handoff, status int, input, problem string) {
	v, err := m.view(r.Context(), h)
	if err != nil {
		m.Log.Error("handoff page", "handoff_id", h.ID, "error", err)
		m.plainPage(w, r, http.StatusInternalServerError, "Something went wrong; try again in a moment. 出错了，请稍后再试。")
		return
	}
	v.Input, v.Error = input, problem
	pageHeaders(w, v.Nonce, v.ShowContent)
	m.pages.Render(w, r, status, "page.html", v)
}

func (m *Manager) view(ctx context.Context, h *ferry.Handoff) (*pageView, error) {
	q := m.DB.Read()
	p, err := q.Publication(ctx, h.WorkspaceID, h.PublicationID)
	if err != nil {
		return nil, err
	}
	acct, err := q.Account(ctx, h.WorkspaceID, h.AccountID)
	if err != nil {
		return nil, err
	}
	loc := m.location(ctx, q, h.WorkspaceID)
	v := &pageView{Nonce: nonce(), Status: Status(h, p), Account: acct.Name, Due: formatTime(h.DueAt, loc), Deadline: formatTime(h.DeadlineAt, loc),
		Expires: formatTime(h.ExpiresAt, loc), NoteURL: h.URL, Action: m.signedPath(h, "")}
	// A withdrawn note must not be published: its content is not shown.
	if v.Status == ferry.HandoffWithdrawn {
		return v, nil
	}
	variant, err := q.Variant(ctx, h.StoryID, h.AccountID)
	if err != nil {
		return nil, err
	}
	v.ShowContent = true
	v.Title, v.Text, v.Topics = variant.Title, variant.Text, variant.Hashtags
	v.TopicsText = strings.Join(variant.Hashtags, " ")
	for i, id := range variant.MediaIDs {
		md, err := q.Media(ctx, h.WorkspaceID, id)
		if err != nil {
			return nil, err
		}
		alt := md.AltText
		if alt == "" && md.ParentID != "" {
			if orig, err := q.Media(ctx, h.WorkspaceID, md.ParentID); err == nil {
				alt = orig.AltText // a fitted copy says what its original shows
			}
		}
		n := i + 1
		src := m.signedPath(h, "/media/"+strconv.Itoa(n))
		v.Images = append(v.Images, pageImage{N: n, Alt: alt, Src: src, Save: src + "&download=1", Name: fmt.Sprintf("ferry-%02d%s", n, extension(md.Mime)),
			Width: md.Width, Height: md.Height})
	}
	return v, nil
}

// serveMedia serves the n-th image (from 1) of the handoff's variant, as
// the platform will get it (fitted to 3:4 when tailoring made a copy).
func (m *Manager) serveMedia(w http.ResponseWriter, r *http.Request) {
	h, ok := m.authorize(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q := m.DB.Read()
	p, err := q.Publication(ctx, h.WorkspaceID, h.PublicationID)
	if err != nil || Status(h, p) == ferry.HandoffWithdrawn {
		http.NotFound(w, r)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	variant, verr := q.Variant(ctx, h.StoryID, h.AccountID)
	if err != nil || verr != nil || n < 1 || n > len(variant.MediaIDs) {
		http.NotFound(w, r)
		return
	}
	md, err := q.Media(ctx, h.WorkspaceID, variant.MediaIDs[n-1])
	if err != nil {
		http.NotFound(w, r)
		return
	}
	f, err := m.Media.Open(md.SHA256)
	if err != nil {
		m.Log.Error("handoff image", "handoff_id", h.ID, "media_id", md.ID, "error", err)
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	disposition := "inline"
	if r.URL.Query().Get("download") != "" {
		disposition = "attachment"
	}
	w.Header().Set("Content-Type", md.Mime)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": fmt.Sprintf("ferry-%02d%s", n, extension(md.Mime))}))
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", time.Time{}, rs)
		return
	}
	_, _ = io.Copy(w, f)
}

// signedPath is the path (from the server's root) of the handoff's page
// plus suffix, with the link's signature.
func (m *Manager) signedPath(h *ferry.Handoff, suffix string) string {
	return "/handoff/" + url.PathEscape(h.ID) + suffix + "?" + m.Links.Query(h.ID, h.ExpiresAt).Encode()
}

// plainPage answers with a one-line HTML page.
func (m *Manager) plainPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	n := nonce()
	pageHeaders(w, n, false)
	m.pages.Render(w, r, status, "plain.html", struct{ Message, Nonce string }{msg, n})
}

// pageHeaders keep the signed link where it is: not cached, not sent as a
// referrer, not indexed; the page's own style and (when scripts is true)
// script run only with the page's nonce: nothing inline that an injection
// could add.
func pageHeaders(w http.ResponseWriter, nonce string, scripts bool) {
	script := "'none'"
	if scripts {
		script = "'nonce-" + nonce + "'"
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'nonce-"+nonce+"'; script-src "+script+"; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("X-Content-Type-Options", "nosniff")
}

func nonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

func extension(mimeType string) string {
	switch mimeType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	}
	return ""
}
