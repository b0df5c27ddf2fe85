package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// composeForm is the compose form as typed: kept as text, so that bad
// input comes back as it was.
type composeForm struct {
	Title, Body  string
	Tags, Links  string // tags separated by spaces or commas; one link a line
	SourceScript string
	Targets      []string
	MediaIDs     []string
	When         string // "2006-01-02T15:04" in the workspace's zone
	Override     bool
	// Picked are the library images ticked in the picker, and the
	// picker's search as typed.
	Picked                                  []string
	LibraryQuery, LibraryTag, LibraryCursor string
}

// uploadRoutes take multipart forms with images, up to maxUpload bytes in
// all (the service checks each image's own size).
var uploadRoutes = map[string]bool{"POST /compose": true, "POST /stories/{id}/edit": true, "POST /media": true}

const (
	maxUpload       = 100 << 20
	maxUploadMemory = 8 << 20
)

// whenLayout is the value format of <input type="datetime-local">.
const whenLayout = "2006-01-02T15:04"

// sourceScripts are the scripts a story can be written in, Hong Kong first.
var sourceScripts = []string{"hk", "tw", "t", "s"}

func readComposeForm(f url.Values) composeForm {
	return composeForm{Title: f.Get("title"), Body: f.Get("body"), Tags: f.Get("tags"), Links: f.Get("links"), SourceScript: f.Get("source_script"),
		Targets: f["targets"], MediaIDs: f["media"], When: strings.TrimSpace(f.Get("when")), Override: f.Get("override_blackout") == "on",
		Picked: f["pick"], LibraryQuery: f.Get("library_q"), LibraryTag: f.Get("library_tag"), LibraryCursor: f.Get("library_cursor")}
}

func (c composeForm) tags() []string {
	return strings.FieldsFunc(c.Tags, func(r rune) bool {
		return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '、'
	})
}

func (c composeForm) links() []string {
	var out []string
	for _, l := range strings.Split(c.Links, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// at reads the time in loc; ok is false when it is not a time.
func (c composeForm) at(loc *time.Location) (t time.Time, ok bool) {
	t, err := time.ParseInLocation(whenLayout, c.When, loc)
	return t, err == nil
}

// Selected reports whether an account is a target.
func (c composeForm) Selected(id string) bool { return slices.Contains(c.Targets, id) }

// platformGroup is the accounts of one platform, for the targets fieldset.
type platformGroup struct {
	Platform ferry.Platform
	Accounts []*ferry.Account
}

// composePage is the compose or edit page.
type composePage struct {
	Form composeForm
	// Story is the story edited; nil when composing a new one.
	Story   *service.StoryView
	Groups  []platformGroup
	Scripts []string
	// CanEdit is false for viewers: the page shows, the buttons say why not.
	CanEdit bool
	IsAdmin bool
	// Blackout is the blackout the chosen time falls in, when a save was
	// refused for it.
	Blackout *ferry.CalendarEvent
	Previews previewSet
	Images   []composeImage
	// Variants are the edited story's per-target texts, Names its
	// accounts' names, Undo the edit a revert just dropped.
	Variants []service.VariantView
	Names    map[string]string
	Undo     *variantUndo
	// Picker offers the library's images to editors; PickerOpen unfolds
	// it, Attached counts the images it just added.
	Picker     *libraryPicker
	PickerOpen bool
	Attached   int
	// TooLate answers for each publication when the save was refused
	// because one was being sent.
	TooLate []service.PublicationAnswer
}

// variantUndo is a reverted edit, which one click puts back.
type variantUndo struct {
	AccountID   string
	Platform    ferry.Platform
	Title, Text string
}

func (s *Server) accountGroups(ctx context.Context, p ferry.Principal) ([]platformGroup, map[string]*ferry.Account, error) {
	accts, err := s.svc.Accounts(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]*ferry.Account{}
	var groups []platformGroup
	for _, pl := range ferry.Platforms {
		g := platformGroup{Platform: pl}
		for _, a := range accts {
			if a.Platform == pl && a.Health != ferry.HealthClosed {
				g.Accounts = append(g.Accounts, a)
			}
		}
		if len(g.Accounts) > 0 {
			groups = append(groups, g)
		}
	}
	for _, a := range accts {
		byID[a.ID] = a
	}
	return groups, byID, nil
}

func (s *Server) compose(w http.ResponseWriter, r *http.Request, rq *request) {
	f := composeForm{SourceScript: ferry.DefaultSourceScript}
	// ?date= comes from the calendar: compose for that day, at 10:00.
	if d, err := calendar.ParseDate(r.URL.Query().Get("date")); err == nil {
		f.When = d.At(10, 0, rq.location()).Format(whenLayout)
	}
	// ?media= comes from the media library's "Use in a new story".
	status, v := http.StatusOK, s.view(r, rq, "compose.title")
	if ids := r.URL.Query()["media"]; len(ids) > 0 {
		picked, err := s.svc.PickMedia(r.Context(), rq.principal(), nil, ids)
		if key, code, known := pickError(err); known {
			status, v.Errors = code, map[string]string{"media": key}
		} else if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		f.MediaIDs = picked
	}
	s.renderCompose(w, r, rq, status, composePage{Form: f}, v)
}

func (s *Server) editStory(w http.ResponseWriter, r *http.Request, rq *request) {
	st, err := s.svc.Story(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	f := composeForm{Title: st.Title, Body: st.Body, Tags: strings.Join(st.Tags, " "), Links: strings.Join(st.Links, "\n"),
		SourceScript: st.SourceScript, Targets: st.Targets, MediaIDs: st.MediaIDs}
	if st.ScheduledAt != nil {
		f.When = st.ScheduledAt.In(rq.location()).Format(whenLayout)
	}
	s.renderCompose(w, r, rq, http.StatusOK, composePage{Form: f, Story: st}, nil)
}

// renderCompose fills in what the page shows besides the form and writes it.
func (s *Server) renderCompose(w http.ResponseWriter, r *http.Request, rq *request, status int, page composePage, v *view) {
	ctx, p := r.Context(), rq.principal()
	if v == nil {
		v = s.view(r, rq, "compose.title")
	}
	groups, accts, err := s.accountGroups(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Groups, page.Scripts, page.Names = groups, sourceScripts, map[string]string{}
	for id, a := range accts {
		page.Names[id] = a.Name
	}
	if page.Images, err = s.composeImages(r, rq, page.Form.MediaIDs); err != nil {
		if !ferry.IsCode(err, ferry.ENOTFOUND) {
			s.fail(w, r, rq, err)
			return
		}
		v.Errors = map[string]string{"media": "field.invalid"}
	}
	if page.Story != nil && page.Variants == nil {
		if page.Variants, err = s.svc.Variants(ctx, p, page.Story.ID); err != nil {
			s.fail(w, r, rq, err)
			return
		}
	}
	page.CanEdit, page.IsAdmin = p.Role.AtLeast(ferry.RoleEditor), p.Role.AtLeast(ferry.RoleAdmin)
	if page.CanEdit {
		if page.Picker, err = s.libraryPicker(r, rq, v, page.Form); err != nil {
			s.fail(w, r, rq, err)
			return
		}
		page.Picker.Open = page.PickerOpen || page.Picker.Query != "" || page.Picker.Tag != ""
	}
	if page.SourceScriptEmpty() {
		page.Form.SourceScript = ferry.DefaultSourceScript
	}
	if page.Story != nil {
		v.Title = "compose.edit_title"
	}
	storyID := ""
	if page.Story != nil {
		storyID = page.Story.ID
	}
	if page.Previews.V == nil {
		if page.Previews, err = s.previews(ctx, rq, v, page.Form, storyID, accts); err != nil {
			s.fail(w, r, rq, err)
			return
		}
	}
	v.Data = page
	s.pages.Render(w, r, status, "compose.html", v)
}

// AltRequired reports whether the workspace requires alt text on images:
// an image without is then an error, said beside it.
func (v *view) AltRequired() bool {
	return v.rq.me != nil && v.rq.me.Workspace != nil && v.rq.me.Workspace.RequireAltText
}

// altBlocked reports whether a refusal's problems (by account) include an
// image without the alt text the workspace requires.
func altBlocked(problems any) bool {
	byAccount, _ := problems.(map[string][]ferry.Problem)
	for _, ps := range byAccount {
		for _, p := range ps {
			if p.Code == service.CodeAltRequired {
				return true
			}
		}
	}
	return false
}

// SourceScriptEmpty reports whether the form names no script.
func (c composePage) SourceScriptEmpty() bool { return c.Form.SourceScript == "" }

// saveCompose creates a story (POST /compose) or saves an edited one (POST
// /stories/{id}/edit): as a draft, scheduled at the chosen time, or to
// publish now, by the form's action. One service call does it, so a
// refused save leaves nothing half-saved.
func (s *Server) saveCompose(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p, loc := r.Context(), rq.principal(), rq.location()
	page := composePage{Form: readComposeForm(r.PostForm)}
	id := r.PathValue("id")
	if id != "" {
		st, err := s.svc.Story(ctx, p, id)
		if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		page.Story = st
	}
	v := s.view(r, rq, "compose.title")
	if err := s.uploadImages(r, rq, &page.Form); err != nil {
		if !ferry.IsCode(err, ferry.EUNSUPPORTED) && !ferry.IsCode(err, ferry.ETOOLARGE) && !ferry.IsCode(err, ferry.EFORBIDDEN) {
			s.fail(w, r, rq, err)
			return
		}
		v.Errors = map[string]string{"media": "compose.error.media." + ferry.ErrorCode(err)}
		s.renderCompose(w, r, rq, http.StatusBadRequest, page, v)
		return
	}
	if err := s.saveAlts(r, rq, page.Form); err != nil {
		if !ferry.IsCode(err, ferry.EINVALID) && !ferry.IsCode(err, ferry.EUNPROCESSABLE) && !ferry.IsCode(err, ferry.ECONFLICT) {
			s.fail(w, r, rq, err)
			return
		}
		v.Errors = map[string]string{"media": "compose.error.alt"}
		if !ferry.IsCode(err, ferry.EINVALID) {
			v.Errors["media"] = "compose.error.focal"
		}
		s.renderCompose(w, r, rq, http.StatusBadRequest, page, v)
		return
	}
	if asked, err := s.mediaOps(r, rq, &page.Form); asked {
		if err != nil && !ferry.IsCode(err, ferry.EFORBIDDEN) && !ferry.IsCode(err, ferry.EUNPROCESSABLE) && !ferry.IsCode(err, ferry.ECONFLICT) {
			s.fail(w, r, rq, err)
			return
		}
		if err != nil {
			v.Errors = map[string]string{"media": "compose.error.focal"}
		}
		s.renderCompose(w, r, rq, http.StatusOK, page, v)
		return
	}
	action := r.PostForm.Get("action")
	if r.PostForm.Has("library_cursor") {
		action = "library" // the picker's paging
	}
	var at *time.Time
	switch action {
	case "library":
		page.PickerOpen = true
		s.renderCompose(w, r, rq, http.StatusOK, page, v)
		return
	case "attach":
		status, err := s.attachPicked(r, rq, &page, v)
		if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		s.renderCompose(w, r, rq, status, page, v)
		return
	case "preview":
		// Without JavaScript, the previews are refreshed by this button.
		s.renderCompose(w, r, rq, http.StatusOK, page, v)
		return
	case "draft":
	case "schedule":
		t, ok := page.Form.at(loc)
		if page.Form.When == "" {
			v.Errors = map[string]string{"when": "compose.when.required"}
		} else if !ok {
			v.Errors = map[string]string{"when": "field.invalid"}
		} else {
			at = &t
		}
	case "publish":
		now := s.svc.DB.Now()
		at = &now
	default:
		s.fail(w, r, rq, ferry.Errorf(ferry.EINVALID, "Unknown action %q.", action))
		return
	}
	if len(v.Errors) > 0 {
		s.renderCompose(w, r, rq, http.StatusBadRequest, page, v)
		return
	}
	f := page.Form
	var saved *service.StoryView
	var err error
	if page.Story == nil {
		saved, err = s.svc.CreateStory(ctx, p, service.StoryInput{Title: f.Title, Body: f.Body, Tags: f.tags(), Links: f.links(), SourceScript: f.SourceScript,
			MediaIDs: f.MediaIDs, Targets: f.Targets, ScheduledAt: at, OverrideBlackout: f.Override})
	} else {
		tags, links, media, targets := f.tags(), f.links(), f.MediaIDs, f.Targets
		if tags == nil {
			tags = []string{}
		}
		if links == nil {
			links = []string{}
		}
		if media == nil {
			media = []string{}
		}
		if targets == nil {
			targets = []string{}
		}
		when := ferry.Null[time.Time]()
		if at != nil {
			when = ferry.Some(*at)
		}
		saved, err = s.svc.UpdateStory(ctx, p, id, service.StoryPatch{Title: &f.Title, Body: &f.Body, Tags: &tags, Links: &links, SourceScript: &f.SourceScript,
			MediaIDs: &media, Targets: &targets, ScheduledAt: when, OverrideBlackout: f.Override})
	}
	switch code := ferry.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/stories/"+saved.ID+"?saved="+action, http.StatusSeeOther)
	case ferry.EINVALID:
		v.Errors = composeErrors(err)
		if len(v.Errors) == 0 {
			v.Problem = "error.invalid"
		}
		s.renderCompose(w, r, rq, http.StatusBadRequest, page, v)
	case ferry.EUNPROCESSABLE, ferry.EFORBIDDEN, ferry.ECONFLICT:
		var fe *ferry.Error
		errors.As(err, &fe)
		if d, ok := fe.Details.(map[string]any); ok {
			if b, ok := d["blackout"].(*ferry.CalendarEvent); ok {
				page.Blackout = b
				v.Errors = map[string]string{"when": "compose.when.blackout"}
				if code == ferry.EFORBIDDEN {
					v.Errors["when"] = "compose.when.blackout_forbidden"
				}
				s.renderCompose(w, r, rq, http.StatusUnprocessableEntity, page, v)
				return
			}
			if ps, ok := d["problems"]; ok {
				// The previews, rendered again, show each target's problems.
				v.Problem = "compose.blocked"
				if altBlocked(ps) {
					v.Errors = map[string]string{"media": "compose.error.alt_required"}
				}
				s.renderCompose(w, r, rq, http.StatusUnprocessableEntity, page, v)
				return
			}
		}
		if code == ferry.ECONFLICT {
			v.Problem = "compose.conflict"
			if page.TooLate = refusedAnswers(err); page.TooLate != nil {
				v.Problem = "cancels.too_late"
			}
			s.renderCompose(w, r, rq, http.StatusConflict, page, v)
			return
		}
		s.fail(w, r, rq, err)
	default:
		s.fail(w, r, rq, err)
	}
}

// composeErrors maps the fields of the service's EINVALID details onto
// the form's, each with the form's own words: targets[2] is the targets
// fieldset, scheduled_at the time.
func composeErrors(err error) map[string]string {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		return nil
	}
	details, _ := fe.Details.(map[string]string)
	out := map[string]string{}
	for field := range details {
		switch {
		case strings.HasPrefix(field, "targets"):
			out["targets"] = "compose.error.targets"
		case strings.HasPrefix(field, "media_ids"):
			out["media"] = "field.invalid"
		case field == "scheduled_at":
			out["when"] = "compose.when.past"
		case field == "title", field == "body", field == "tags", field == "links":
			out[field] = "compose.error." + field
		default:
			out[field] = "field.invalid"
		}
	}
	return out
}

// preview answers the compose form's live preview: the previews fragment
// for the form as typed.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, rq *request) {
	_, accts, err := s.accountGroups(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "compose.title")
	set, err := s.previews(r.Context(), rq, v, readComposeForm(r.PostForm), r.PostForm.Get("story"), accts)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v.Data = set
	s.pages.Render(w, r, http.StatusOK, "compose-preview.html", v)
}

// editVariant saves a per-target edit of a story's text ("only for
// Weibo"), or with reset drops it; a revert can be undone from the page it
// answers with.
func (s *Server) editVariant(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx, p := r.Context(), rq.principal()
	id, account := r.PathValue("id"), r.PathValue("account")
	st, err := s.svc.Story(ctx, p, id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	vs, err := s.svc.Variants(ctx, p, id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	var before *service.VariantView
	for i := range vs {
		if vs[i].AccountID == account {
			before = &vs[i]
		}
	}
	if before == nil {
		s.fail(w, r, rq, ferry.Errorf(ferry.ENOTFOUND, "Account %q is not a target of story %s.", account, id))
		return
	}
	f := r.PostForm
	edit := service.VariantEdit{Reset: f.Get("reset") == "1"}
	if !edit.Reset {
		text := f.Get("text")
		edit.Text = &text
		if before.Platform == ferry.Xiaohongshu {
			title := f.Get("title")
			edit.Title = &title
		}
	}
	form := composeForm{Title: st.Title, Body: st.Body, Tags: strings.Join(st.Tags, " "), Links: strings.Join(st.Links, "\n"),
		SourceScript: st.SourceScript, Targets: st.Targets, MediaIDs: st.MediaIDs}
	if st.ScheduledAt != nil {
		form.When = st.ScheduledAt.In(rq.location()).Format(whenLayout)
	}
	page := composePage{Form: form, Story: st}
	_, err = s.svc.EditVariant(ctx, p, id, account, edit)
	switch code := ferry.ErrorCode(err); {
	case code == "" && edit.Reset:
		page.Undo = &variantUndo{AccountID: account, Platform: before.Platform, Title: before.Title, Text: before.Text}
		s.renderCompose(w, r, rq, http.StatusOK, page, nil)
	case code == "":
		http.Redirect(w, r, "/stories/"+id+"/edit#v-"+account, http.StatusSeeOther)
	case code == ferry.EUNPROCESSABLE || code == ferry.EINVALID:
		v := s.view(r, rq, "compose.edit_title")
		v.Problem = "compose.variant_blocked"
		s.renderCompose(w, r, rq, http.StatusUnprocessableEntity, page, v)
	default:
		s.fail(w, r, rq, err)
	}
}

// Editable reports whether the person may edit a story and something of it
// can still change: a target not yet sent, or none at all.
func (v *view) Editable(st *service.StoryView) bool {
	if v.rq.me == nil || !v.rq.principal().Role.AtLeast(ferry.RoleEditor) || st.DeletedAt != nil {
		return false
	}
	for _, pub := range st.Publications {
		if pub.State == ferry.StatePublishing {
			return false
		}
	}
	for _, pub := range st.Publications {
		if !pub.State.Final() && pub.State != ferry.StateHandoff {
			return true
		}
	}
	return len(st.Publications) == 0
}

// uploadImages stores the images sent with the form and adds them to the
// story's, so that the form works without JavaScript: they are kept as
// the form's media even when the save is then refused.
func (s *Server) uploadImages(r *http.Request, rq *request, f *composeForm) error {
	if r.MultipartForm == nil {
		return nil
	}
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the file input, left empty
		}
		file, err := fh.Open()
		if err != nil {
			return fmt.Errorf("web: open upload: %w", err)
		}
		m, err := s.svc.UploadMedia(r.Context(), rq.principal(), file)
		file.Close()
		if err != nil {
			return err
		}
		f.MediaIDs = append(f.MediaIDs, m.ID)
	}
	return nil
}
