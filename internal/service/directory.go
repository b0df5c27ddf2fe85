package service

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/store"
)

// The workspace's tailoring settings (glossary, people directory,
// templates) shape what every story says, which is an editor's work: editors
// and above change them, everyone reads them. A change applies to variants
// generated from then on (a story saved, scheduled or edited); variants
// already generated are not rewritten behind their reviewers' backs.

// Limits of the tailoring settings.
const (
	maxGlossaryTerms = 2000
	maxTermLen       = 100
	maxPeople        = 5000
	maxKeyLen        = 64 // bytes
	maxHandleLen     = 100
)

// Glossary is a workspace's glossary: terms never converted between
// scripts (names, brands), and phrases with the workspace's own
// translation.
type Glossary struct {
	Protected []string         `json:"protected"`
	Phrases   []GlossaryPhrase `json:"phrases"`
}

// GlossaryPhrase is written To instead of From for audiences reading one of
// Scripts (every audience when empty).
type GlossaryPhrase struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Scripts []string `json:"scripts"`
}

func glossaryOf(terms []ferry.GlossaryTerm) *Glossary {
	g := &Glossary{Protected: []string{}, Phrases: []GlossaryPhrase{}}
	for _, t := range terms {
		if t.Protect {
			g.Protected = append(g.Protected, t.Term)
			continue
		}
		scripts := t.Scripts
		if scripts == nil {
			scripts = []string{}
		}
		g.Phrases = append(g.Phrases, GlossaryPhrase{From: t.Term, To: t.Replacement, Scripts: scripts})
	}
	return g
}

func (g *Glossary) terms() []ferry.GlossaryTerm {
	var out []ferry.GlossaryTerm
	for _, t := range g.Protected {
		out = append(out, ferry.GlossaryTerm{Term: t, Protect: true})
	}
	for _, p := range g.Phrases {
		out = append(out, ferry.GlossaryTerm{Term: p.From, Replacement: p.To, Scripts: p.Scripts})
	}
	return out
}

// compileGlossary builds the converter's glossary from stored terms.
func compileGlossary(terms []ferry.GlossaryTerm) (*script.Glossary, error) {
	var protected []string
	var phrases []script.Phrase
	for _, t := range terms {
		if t.Protect {
			protected = append(protected, t.Term)
			continue
		}
		ph := script.Phrase{From: t.Term, To: t.Replacement}
		for _, s := range t.Scripts {
			ph.Scripts = append(ph.Scripts, script.Script(s))
		}
		phrases = append(phrases, ph)
	}
	return script.NewGlossary(protected, phrases)
}

// Glossary returns the workspace's glossary.
func (s *Service) Glossary(ctx context.Context, p ferry.Principal) (*Glossary, error) {
	if err := require(p, ferry.RoleViewer, "see the glossary"); err != nil {
		return nil, err
	}
	terms, err := s.DB.Read().Glossary(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return glossaryOf(terms), nil
}

// PutGlossary replaces the workspace's glossary.
func (s *Service) PutGlossary(ctx context.Context, p ferry.Principal, g Glossary) (*Glossary, error) {
	if err := require(p, ferry.RoleEditor, "change the glossary"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	if len(g.Protected)+len(g.Phrases) > maxGlossaryTerms {
		details["phrases"] = fmt.Sprintf("at most %d terms in all", maxGlossaryTerms)
	}
	for i, t := range g.Protected {
		g.Protected[i] = strings.TrimSpace(t)
		if g.Protected[i] == "" || utf8.RuneCountInString(g.Protected[i]) > maxTermLen {
			details[fmt.Sprintf("protected[%d]", i)] = fmt.Sprintf("must be 1 to %d characters", maxTermLen)
		}
	}
	for i := range g.Phrases {
		ph := &g.Phrases[i]
		ph.From = strings.TrimSpace(ph.From)
		if ph.From == "" || utf8.RuneCountInString(ph.From) > maxTermLen || utf8.RuneCountInString(ph.To) > maxTermLen {
			details[fmt.Sprintf("phrases[%d]", i)] = fmt.Sprintf("from and to must be 1 to %d characters", maxTermLen)
		}
		for _, sc := range ph.Scripts {
			if !adapt.ValidSourceScript(script.Script(sc)) {
				details[fmt.Sprintf("phrases[%d].scripts", i)] = `scripts are "hk", "tw", "s" and "t"`
			}
		}
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The glossary is not valid.").WithDetails(details)
	}
	terms := g.terms()
	if _, err := compileGlossary(terms); err != nil {
		return nil, ferry.Errorf(ferry.EINVALID, "The glossary is not valid: %v.", err)
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceGlossary(ctx, p.WorkspaceID, terms); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "glossary.replace", "workspace", p.WorkspaceID, map[string]any{"protected": len(g.Protected), "phrases": len(g.Phrases)}))
	})
	if err != nil {
		return nil, err
	}
	return glossaryOf(terms), nil
}

// PersonInput is a people directory entry.
type PersonInput struct {
	Name string `json:"name"`
	// Handles maps a platform to the person's handle there (a leading @
	// is dropped).
	Handles map[ferry.Platform]string `json:"handles"`
}

// People lists the workspace's people directory.
func (s *Service) People(ctx context.Context, p ferry.Principal) ([]ferry.DirectoryPerson, error) {
	if err := require(p, ferry.RoleViewer, "see the people directory"); err != nil {
		return nil, err
	}
	return s.DB.Read().People(ctx, p.WorkspaceID)
}

// validKey reports whether a directory key can be written @{key}: a plain
// name, without braces, slashes, control characters or invisible format
// characters (bidirectional overrides among them, which would make a key
// look like another), and not "." or "..".
func validKey(k string) bool {
	// parseMentions reads at most 64 bytes between the braces.
	if k == "" || len(k) > maxKeyLen || !utf8.ValidString(k) || strings.ContainsAny(k, "{}/\\") || strings.TrimSpace(k) != k || k == "." || k == ".." {
		return false
	}
	for _, r := range k {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// PutPerson creates or replaces the directory entry with a key.
func (s *Service) PutPerson(ctx context.Context, p ferry.Principal, key string, in PersonInput) (*ferry.DirectoryPerson, error) {
	if err := require(p, ferry.RoleEditor, "change the people directory"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	if !validKey(key) {
		details["key"] = "must be 1 to 64 bytes, without braces, slashes, control or invisible characters, or surrounding spaces"
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 200 {
		details["name"] = "must be 1 to 200 characters"
	}
	handles := map[ferry.Platform]string{}
	for pl, h := range in.Handles {
		h = strings.TrimPrefix(strings.TrimSpace(h), "@")
		switch {
		case !pl.Valid():
			details["handles."+string(pl)] = fmt.Sprintf("not a platform; use one of %v", ferry.Platforms)
		case utf8.RuneCountInString(h) > maxHandleLen || strings.ContainsAny(h, " \t\n\r"):
			details["handles."+string(pl)] = fmt.Sprintf("must be at most %d characters without spaces", maxHandleLen)
		case h != "":
			handles[pl] = h
		}
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The person is not valid.").WithDetails(details)
	}
	person := &ferry.DirectoryPerson{Key: key, Name: in.Name, Handles: handles}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		people, err := tx.People(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		if len(people) >= maxPeople {
			return ferry.Errorf(ferry.ECONFLICT, "The people directory is full (%d people).", maxPeople)
		}
		if err := tx.PutPerson(ctx, p.WorkspaceID, person); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "person.put", "person", key, map[string]any{"platforms": len(handles)}))
	})
	if err != nil {
		return nil, err
	}
	return person, nil
}

// DeletePerson removes a directory entry; bodies that still mention it get
// an error.
func (s *Service) DeletePerson(ctx context.Context, p ferry.Principal, key string) error {
	if err := require(p, ferry.RoleEditor, "change the people directory"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeletePerson(ctx, p.WorkspaceID, key); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "person.delete", "person", key, nil))
	})
}

// TemplateView is a platform's template in a workspace.
type TemplateView struct {
	Platform ferry.Platform `json:"platform"`
	Source   string         `json:"source"`
	// Custom is true when the workspace has its own; Default is the
	// built-in template either way.
	Custom  bool   `json:"custom"`
	Default string `json:"default"`
	// Warnings, on a template just saved, say what it leaves out that a
	// template usually has ({{body}}).
	Warnings []TemplateWarning `json:"warnings,omitempty"`
}

// TemplateWarning is what a valid template leaves out that is likely a
// mistake: a code for machines and pages in other languages, and English
// words.
type TemplateWarning struct {
	Code    string `json:"code"` // no_body
	Message string `json:"message"`
}

// parseTemplate compiles a workspace's template: an empty one (which would
// publish nothing) is refused like one that does not parse.
func parseTemplate(source string) (*adapt.Template, error) {
	if strings.TrimSpace(source) == "" {
		return nil, ferry.Errorf(ferry.EINVALID, "The template is empty: write one, or reset the platform to the default template.").
			WithDetails(map[string]string{"source": "empty"})
	}
	tmpl, err := adapt.ParseTemplate(source)
	if err != nil {
		return nil, ferry.Errorf(ferry.EINVALID, "The template is not valid: %v.", err).WithDetails(map[string]string{"source": err.Error()})
	}
	return tmpl, nil
}

// templateWarnings says what a valid template leaves out that is likely a
// mistake.
func templateWarnings(t *adapt.Template) []TemplateWarning {
	if !t.Uses("body") {
		return []TemplateWarning{{Code: "no_body", Message: "The template has no {{body}}: the story's text will not appear."}}
	}
	return nil
}

// Templates lists every platform's template in the workspace.
func (s *Service) Templates(ctx context.Context, p ferry.Principal) ([]TemplateView, error) {
	if err := require(p, ferry.RoleViewer, "see templates"); err != nil {
		return nil, err
	}
	own, err := s.DB.Read().Templates(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	out := make([]TemplateView, 0, len(ferry.Platforms))
	for _, pl := range ferry.Platforms {
		out = append(out, templateView(pl, own))
	}
	return out, nil
}

func templateView(pl ferry.Platform, own map[ferry.Platform]ferry.Template) TemplateView {
	v := TemplateView{Platform: pl, Default: adapt.DefaultTemplateSource(pl)}
	v.Source = v.Default
	if t, ok := own[pl]; ok {
		v.Source, v.Custom = t.Source, true
	}
	return v
}

func platformParam(pl ferry.Platform) error {
	if !pl.Valid() {
		return ferry.Errorf(ferry.ENOTFOUND, "No platform %q; platforms are %v.", pl, ferry.Platforms)
	}
	return nil
}

// PutTemplate sets the workspace's template for a platform.
func (s *Service) PutTemplate(ctx context.Context, p ferry.Principal, pl ferry.Platform, source string) (*TemplateView, error) {
	if err := require(p, ferry.RoleEditor, "change templates"); err != nil {
		return nil, err
	}
	if err := platformParam(pl); err != nil {
		return nil, err
	}
	tmpl, err := parseTemplate(source)
	if err != nil {
		return nil, err
	}
	t := &ferry.Template{Platform: pl, Source: source}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutTemplate(ctx, p.WorkspaceID, t); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "template.put", "template", string(pl), nil))
	})
	if err != nil {
		return nil, err
	}
	v := templateView(pl, map[ferry.Platform]ferry.Template{pl: *t})
	v.Warnings = templateWarnings(tmpl)
	return &v, nil
}

// DeleteTemplate returns a platform to the default template.
func (s *Service) DeleteTemplate(ctx context.Context, p ferry.Principal, pl ferry.Platform) (*TemplateView, error) {
	if err := require(p, ferry.RoleEditor, "change templates"); err != nil {
		return nil, err
	}
	if err := platformParam(pl); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		had, err := tx.DeleteTemplate(ctx, p.WorkspaceID, pl)
		if err != nil || !had {
			return err
		}
		return tx.Audit(ctx, audit(p, "template.delete", "template", string(pl), nil))
	})
	if err != nil {
		return nil, err
	}
	v := templateView(pl, nil)
	return &v, nil
}

// TemplatePreview is a template applied to a sample story.
type TemplatePreview struct {
	Title    string
	Text     string
	Warnings []TemplateWarning
}

// sampleStory is what a template preview is applied to.
var sampleStory = adapt.Story{Title: "中秋節海港燈會", Body: "今年中秋節，海港公園將舉行燈籠會，歡迎大家一同賞月。\nLantern fair at Harbour Park this Mid-Autumn Festival.",
	Tags: []string{"中秋", "海港"}, Links: []string{"https://news.example.hk/lanterns"}, Script: script.HongKong}

// PreviewTemplate applies source, unsaved, to a sample story for a
// platform, with the workspace's glossary and directory, as a story would
// be adapted. An invalid template is EINVALID with details {"source": …}.
func (s *Service) PreviewTemplate(ctx context.Context, p ferry.Principal, pl ferry.Platform, source string) (*TemplatePreview, error) {
	if err := require(p, ferry.RoleViewer, "preview templates"); err != nil {
		return nil, err
	}
	if err := platformParam(pl); err != nil {
		return nil, err
	}
	tmpl, err := parseTemplate(source)
	if err != nil {
		return nil, err
	}
	env, err := s.loadEnv(ctx, s.DB.Read(), p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	env.Templates[pl] = tmpl
	vs := s.adapter().Adapt(sampleStory, []adapt.Target{{AccountID: "preview", Platform: pl, Audience: script.Source}}, env)
	return &TemplatePreview{Title: vs[0].Title, Text: vs[0].Text, Warnings: templateWarnings(tmpl)}, nil
}
