package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// templateForm is one platform's template on the templates page, with
// what was typed and its preview on the sample story.
type templateForm struct {
	service.TemplateView
	Preview *service.TemplatePreview
	Error   string // the parser's words, when the template is not valid
}

// Shown is a Telegram preview's text as Telegram shows it: its HTML
// subset rendered, everything else escaped, by the compose preview's
// renderer (mark). Other platforms show their text as it is.
func (f templateForm) Shown() template.HTML {
	if f.Preview == nil {
		return ""
	}
	if f.Platform != ferry.Telegram {
		return template.HTML(template.HTMLEscapeString(f.Preview.Text))
	}
	return mark(f.Preview.Text, ferry.Telegram, nil, "", nil)
}

// templatesData is the templates page.
type templatesData struct {
	Templates []templateForm
	Editor    bool
	Saved     ferry.Platform
}

func (s *Server) templates(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderTemplates(w, r, rq, http.StatusOK, "", "", ferry.Platform(r.URL.Query().Get("saved")))
}

// renderTemplates shows every platform's template and its preview; typed,
// when given, replaces pl's saved source (kept after an error or shown as
// a preview).
func (s *Server) renderTemplates(w http.ResponseWriter, r *http.Request, rq *request, status int, pl ferry.Platform, typed string, saved ferry.Platform) {
	views, err := s.svc.Templates(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d := templatesData{Editor: rq.me.Role.AtLeast(ferry.RoleEditor), Saved: saved}
	for _, tv := range views {
		f := templateForm{TemplateView: tv}
		if tv.Platform == pl {
			f.Source = typed
		}
		f.Preview, err = s.svc.PreviewTemplate(r.Context(), rq.principal(), tv.Platform, f.Source)
		if ferry.IsCode(err, ferry.EINVALID) {
			f.Error = ferry.ErrorMessage(err)
		} else if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		d.Templates = append(d.Templates, f)
	}
	s.renderSettings(w, r, rq, status, "templates", d, nil)
}

// saveTemplate previews, saves or resets a platform's template, as the
// button pressed says.
func (s *Server) saveTemplate(w http.ResponseWriter, r *http.Request, rq *request) {
	pl := ferry.Platform(r.PathValue("platform"))
	source := r.PostForm.Get("source")
	var err error
	switch r.PostForm.Get("action") {
	case "preview":
		s.renderTemplates(w, r, rq, http.StatusOK, pl, source, "")
		return
	case "reset":
		_, err = s.svc.DeleteTemplate(r.Context(), rq.principal(), pl)
	default:
		_, err = s.svc.PutTemplate(r.Context(), rq.principal(), pl, source)
	}
	if ferry.IsCode(err, ferry.EINVALID) {
		s.renderTemplates(w, r, rq, http.StatusBadRequest, pl, source, "")
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/templates?saved="+string(pl)+"#tpl-"+string(pl), http.StatusSeeOther)
}

// glossaryData is the glossary form: protected terms one a line, phrases
// one a line as "from = to" or "from = to | hk tw".
type glossaryData struct {
	Protected, Phrases string
	Editor             bool
	Saved              bool
}

func glossaryText(g *service.Glossary) glossaryData {
	var phrases []string
	for _, ph := range g.Phrases {
		line := ph.From + " = " + ph.To
		if len(ph.Scripts) > 0 {
			line += " | " + strings.Join(ph.Scripts, " ")
		}
		phrases = append(phrases, line)
	}
	return glossaryData{Protected: strings.Join(g.Protected, "\n"), Phrases: strings.Join(phrases, "\n")}
}

func (s *Server) glossary(w http.ResponseWriter, r *http.Request, rq *request) {
	g, err := s.svc.Glossary(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d := glossaryText(g)
	d.Editor, d.Saved = rq.me.Role.AtLeast(ferry.RoleEditor), r.URL.Query().Get("done") == "saved"
	s.renderSettings(w, r, rq, http.StatusOK, "glossary", d, nil)
}

func (s *Server) saveGlossary(w http.ResponseWriter, r *http.Request, rq *request) {
	d := glossaryData{Protected: r.PostForm.Get("protected"), Phrases: r.PostForm.Get("phrases"), Editor: true}
	g := service.Glossary{Protected: []string{}, Phrases: []service.GlossaryPhrase{}}
	for line := range strings.Lines(d.Protected) {
		if t := strings.TrimSpace(line); t != "" {
			g.Protected = append(g.Protected, t)
		}
	}
	errs := map[string]string{}
	for line := range strings.Lines(d.Phrases) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rule, scripts, _ := strings.Cut(line, "|")
		from, to, ok := strings.Cut(rule, "=")
		if !ok {
			errs["phrases"] = "glossary.phrases.invalid"
			continue
		}
		ph := service.GlossaryPhrase{From: strings.TrimSpace(from), To: strings.TrimSpace(to), Scripts: strings.Fields(scripts)}
		g.Phrases = append(g.Phrases, ph)
	}
	var err error
	if len(errs) == 0 {
		_, err = s.svc.PutGlossary(r.Context(), rq.principal(), g)
		if ferry.IsCode(err, ferry.EINVALID) {
			errs["phrases"] = "glossary.phrases.invalid"
			if fe, ok := err.(*ferry.Error); ok {
				if details, ok := fe.Details.(map[string]string); ok {
					for k := range details {
						if strings.HasPrefix(k, "protected") {
							errs = map[string]string{"protected": "glossary.protected.invalid"}
						}
					}
				}
			}
		} else if err != nil {
			s.fail(w, r, rq, err)
			return
		}
	}
	if len(errs) > 0 {
		s.renderSettings(w, r, rq, http.StatusBadRequest, "glossary", d, errs)
		return
	}
	http.Redirect(w, r, "/settings/glossary?done=saved", http.StatusSeeOther)
}

// peopleData is the people directory and the form of one person.
type peopleData struct {
	People    []ferry.DirectoryPerson
	Platforms []ferry.Platform
	Key, Name string
	Handles   map[ferry.Platform]string
	Editor    bool
	Done      string
}

func (s *Server) people(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderPeople(w, r, rq, http.StatusOK, peopleData{Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderPeople(w http.ResponseWriter, r *http.Request, rq *request, status int, d peopleData, errs map[string]string) {
	list, err := s.svc.People(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.People, d.Platforms, d.Editor = list, ferry.Platforms, rq.me.Role.AtLeast(ferry.RoleEditor)
	s.renderSettings(w, r, rq, status, "people", d, errs)
}

func (s *Server) putPerson(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	d := peopleData{Key: strings.TrimSpace(f.Get("key")), Name: f.Get("name"), Handles: map[ferry.Platform]string{}}
	for _, pl := range ferry.Platforms {
		d.Handles[pl] = f.Get("handle_" + string(pl))
	}
	_, err := s.svc.PutPerson(r.Context(), rq.principal(), d.Key, service.PersonInput{Name: d.Name, Handles: d.Handles})
	rename := map[string]string{}
	for _, pl := range ferry.Platforms {
		rename["handles."+string(pl)] = "handle_" + string(pl)
	}
	if errs := s.problems(rq, "person", err, rename, nil); errs != nil {
		s.renderPeople(w, r, rq, http.StatusBadRequest, d, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/people?done=saved", http.StatusSeeOther)
}

func (s *Server) deletePerson(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := s.svc.DeletePerson(r.Context(), rq.principal(), r.PostForm.Get("key")); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/people?done=deleted", http.StatusSeeOther)
}
