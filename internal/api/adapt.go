package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// adaptRoutes are tailoring's: previews, each story's variants, the
// workspace's glossary, people directory and templates, and focal points.
func (s *Server) adaptRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/preview", handler: s.preview, request: "PreviewInput", response: "Preview",
			summary: "Adapt a story for target accounts (or platforms) without saving anything."},
		{method: "GET", path: "/api/v1/stories/{id}/variants", handler: s.listVariants, response: "VariantList",
			summary: "List a story's variants: each target's text, media, length and problems."},
		{method: "PUT", path: "/api/v1/stories/{id}/variants/{account_id}", handler: s.putVariant, request: "VariantEdit", response: "Variant",
			summary: "Edit one account's variant (kept when the story changes, then flagged stale), or reset it (editor)."},
		{method: "PATCH", path: "/api/v1/media/{id}", handler: s.patchMedia, request: "MediaPatch", response: "Media",
			summary: "Set an image's focal point; unsent stories using it are fitted again (editor)."},
		{method: "PUT", path: "/api/v1/media/{id}/alt", handler: s.putMediaAlt, request: "MediaAlt", response: "Media",
			summary: "Say what an image shows (alt text, sent to Facebook and Instagram), or mark it decorative (editor)."},

		{method: "GET", path: "/api/v1/glossary", handler: s.getGlossary, response: "Glossary",
			summary: "Get the workspace's glossary: terms protected from script conversion, custom phrases."},
		{method: "PUT", path: "/api/v1/glossary", handler: s.putGlossary, request: "Glossary", response: "Glossary",
			summary: "Replace the workspace's glossary (editor)."},
		{method: "GET", path: "/api/v1/people", handler: s.listPeople, response: "PersonList",
			summary: "List the people directory: who @{key} mentions on each platform."},
		{method: "PUT", path: "/api/v1/people/{key}", handler: s.putPerson, request: "PersonInput", response: "Person",
			summary: "Create or replace a person in the directory (editor); a key is 1 to 64 bytes without braces, slashes, control or invisible characters (bidirectional overrides), nor surrounding spaces."},
		{method: "DELETE", path: "/api/v1/people/{key}", handler: s.deletePerson, status: http.StatusNoContent,
			summary: "Remove a person from the directory (editor)."},
		{method: "GET", path: "/api/v1/templates", handler: s.listTemplates, response: "TemplateList",
			summary: "List each platform's template, the workspace's own or the default."},
		{method: "PUT", path: "/api/v1/templates/{platform}", handler: s.putTemplate, request: "TemplateInput", response: "Template",
			summary: "Set the workspace's template for a platform (editor)."},
		{method: "DELETE", path: "/api/v1/templates/{platform}", handler: s.deleteTemplate, response: "Template",
			summary: "Return a platform to the default template (editor)."},
	}
}

func (s *Server) preview(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.PreviewInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.svc.Preview(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listVariants(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	vs, err := s.svc.Variants(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"variants": vs})
	return nil
}

func (s *Server) putVariant(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var edit service.VariantEdit
	if err := decode(w, r, &edit); err != nil {
		return err
	}
	if edit.Text == nil && edit.Title == nil && !edit.Reset {
		return ferry.Errorf(ferry.EINVALID, "Send the variant's text (and, on Xiaohongshu, title), or {\"reset\":true}.").WithDetails(map[string]string{"text": "required"})
	}
	v, err := s.svc.EditVariant(r.Context(), p, r.PathValue("id"), r.PathValue("account_id"), edit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) patchMedia(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var patch service.MediaPatch
	if err := decode(w, r, &patch); err != nil {
		return err
	}
	m, err := s.svc.UpdateMedia(r.Context(), p, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) putMediaAlt(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in struct {
		AltText    string `json:"alt_text"`
		Decorative bool   `json:"decorative"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.svc.SetMediaAlt(r.Context(), p, r.PathValue("id"), in.AltText, in.Decorative)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) getGlossary(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	g, err := s.svc.Glossary(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) putGlossary(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var g service.Glossary
	if err := decode(w, r, &g); err != nil {
		return err
	}
	out, err := s.svc.PutGlossary(r.Context(), p, g)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	people, err := s.svc.People(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"people": people})
	return nil
}

func (s *Server) putPerson(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.PersonInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	person, err := s.svc.PutPerson(r.Context(), p, r.PathValue("key"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, person)
	return nil
}

func (s *Server) deletePerson(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	if err := s.svc.DeletePerson(r.Context(), p, r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	ts, err := s.svc.Templates(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": ts})
	return nil
}

func (s *Server) putTemplate(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var body struct {
		Source *string `json:"source"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Source == nil {
		return ferry.Errorf(ferry.EINVALID, "source is required.").WithDetails(map[string]string{"source": "required"})
	}
	t, err := s.svc.PutTemplate(r.Context(), p, ferry.Platform(r.PathValue("platform")), *body.Source)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	t, err := s.svc.DeleteTemplate(r.Context(), p, ferry.Platform(r.PathValue("platform")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
