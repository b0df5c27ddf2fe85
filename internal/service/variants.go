package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/media"
	"github.com/ferry-social/ferry/internal/store"
)

// Limits of a story's tailoring fields.
const (
	maxTags    = 30
	maxTagLen  = 50
	maxLinks   = 10
	maxLinkLen = 2000
)

// adapter returns the wired Adapter, or one of its own for a Service built
// without it (the script dictionaries are shared either way).
func (s *Service) adapter() *adapt.Adapter {
	if s.Adapt != nil {
		return s.Adapt
	}
	return adapt.New(script.NewConverter())
}

// validateTailoring normalises and checks a story's tags, links and
// script, adding what is wrong to details.
func validateTailoring(tags, links *[]string, src *string, details map[string]string) {
	if len(*tags) > maxTags {
		details["tags"] = fmt.Sprintf("at most %d tags", maxTags)
	}
	clean := make([]string, 0, len(*tags))
	for i, t := range *tags {
		t = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(t), "#＃"))
		switch {
		case t == "":
			details[fmt.Sprintf("tags[%d]", i)] = "is empty"
		case utf8.RuneCountInString(t) > maxTagLen:
			details[fmt.Sprintf("tags[%d]", i)] = fmt.Sprintf("must be at most %d characters", maxTagLen)
		}
		clean = append(clean, t)
	}
	*tags = clean
	if len(*links) > maxLinks {
		details["links"] = fmt.Sprintf("at most %d links", maxLinks)
	}
	for i, l := range *links {
		l = strings.TrimSpace(l)
		(*links)[i] = l
		if !validURL(l) || len(l) > maxLinkLen {
			details[fmt.Sprintf("links[%d]", i)] = "must be an http(s) URL"
		}
	}
	*src = strings.TrimSpace(*src)
	if *src == "" {
		*src = ferry.DefaultSourceScript
	}
	if !adapt.ValidSourceScript(script.Script(*src)) {
		details["source_script"] = `must be "hk", "tw", "s" or "t"`
	}
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \t\n")
}

// sent reports whether a publication is (or may be) on its platform, so
// that it must never be regenerated or sent again.
func sent(st ferry.PublicationState) bool {
	return st == ferry.StatePublished || st == ferry.StatePublishing || st == ferry.StateUnknown
}

// loadEnv reads a workspace's glossary, people directory and templates.
func (s *Service) loadEnv(ctx context.Context, q *store.Q, workspaceID string) (adapt.Env, error) {
	env := adapt.Env{People: map[string]adapt.Person{}, Templates: map[ferry.Platform]*adapt.Template{}}
	terms, err := q.Glossary(ctx, workspaceID)
	if err != nil {
		return env, err
	}
	if len(terms) > 0 {
		if env.Glossary, err = compileGlossary(terms); err != nil {
			return env, fmt.Errorf("service: glossary of workspace %s: %w", workspaceID, err)
		}
	}
	people, err := q.People(ctx, workspaceID)
	if err != nil {
		return env, err
	}
	for _, p := range people {
		env.People[p.Key] = adapt.Person{Key: p.Key, Name: p.Name, Handles: p.Handles}
	}
	templates, err := q.Templates(ctx, workspaceID)
	if err != nil {
		return env, err
	}
	for p, t := range templates {
		// Templates are checked when saved; one that no longer parses
		// falls back to the default rather than blocking every story.
		if tmpl, err := adapt.ParseTemplate(t.Source); err == nil {
			env.Templates[p] = tmpl
		}
	}
	if env.Screen, err = s.screen(ctx, q, workspaceID); err != nil {
		return env, err
	}
	return env, nil
}

// targetFor reads an account's tailoring settings: audience_script and,
// on Weibo, link_url.
func targetFor(a *ferry.Account) adapt.Target {
	t := adapt.Target{AccountID: a.ID, Platform: a.Platform}
	if v, ok := a.Settings["audience_script"].(string); ok {
		t.Audience = script.Script(strings.TrimSpace(v))
	}
	if v, ok := a.Settings["link_url"].(string); ok {
		t.LinkURL = strings.TrimSpace(v)
	}
	return t
}

// storyFor is what adaptation reads of a story, with its images'
// dimensions and focal points (originals by id).
func storyFor(title, body string, tags, links, mediaIDs []string, src string, originals map[string]*ferry.Media) adapt.Story {
	st := adapt.Story{Title: title, Body: body, Tags: tags, Links: links, Script: script.Script(src)}
	for _, id := range mediaIDs {
		m := originals[id]
		st.Media = append(st.Media, adapt.Media{ID: m.ID, Width: m.Width, Height: m.Height, Focal: m.Focal})
	}
	return st
}

// blockingError refuses to schedule variants with errors, listing every
// problem of each such variant by account id (an image without required
// alt text is media_alt_required, naming the image by its number).
func blockingError(problems map[string][]ferry.Problem) error {
	return ferry.Errorf(ferry.EUNPROCESSABLE, "The story cannot be scheduled: %d of its variants have errors (what the platform would reject, or images without the alt text this workspace requires). Fix them, or save the story as a draft (scheduled_at null).", len(problems)).
		WithDetails(map[string]any{"problems": problems})
}

// generate adapts a story, whose images are originals (by id), for
// accounts.
func (s *Service) generate(ctx context.Context, q *store.Q, story *ferry.Story, originals map[string]*ferry.Media, accts []*ferry.Account) ([]adapt.Variant, *adapt.Screen, error) {
	env, err := s.loadEnv(ctx, q, story.WorkspaceID)
	if err != nil {
		return nil, nil, err
	}
	in := storyFor(story.Title, story.Body, story.Tags, story.Links, story.MediaIDs, story.SourceScript, originals)
	targets := make([]adapt.Target, len(accts))
	for i, a := range accts {
		targets[i] = targetFor(a)
	}
	return s.adapter().Adapt(in, targets, env), env.Screen, nil
}

// VariantEdit is a person's change to a variant.
type VariantEdit struct {
	// Title is Xiaohongshu's separate title; other platforms carry the
	// title in the text.
	Title *string `json:"title"`
	Text  *string `json:"text"`
	// Reset drops the person's edit: the variant is generated again.
	Reset bool `json:"reset"`
}

// buildVariant makes the stored variant of one account from what the story
// generates (gen), what was stored before (prev, may be nil) and a person's
// edit (may be nil), fitting the story's images (originals, by id) to the
// platform. An edited variant keeps its text; its base is what the story
// generated when it was edited, and it is stale when the story now
// generates something else.
func (s *Service) buildVariant(ctx context.Context, story *ferry.Story, a *ferry.Account, gen adapt.Variant, prev *ferry.Variant, edit *VariantEdit, originals map[string]*ferry.Media, screen *adapt.Screen) (ferry.Variant, error) {
	fitted, ids, fitProblems, err := s.fitVariantMedia(ctx, a.Platform, gen.Media, originals)
	if err != nil {
		return ferry.Variant{}, err
	}
	v := ferry.Variant{
		StoryID: story.ID, AccountID: a.ID, Platform: a.Platform, Title: gen.Title, Text: gen.Text, Hashtags: gen.Hashtags,
		MediaIDs: ids, Media: fitted, Script: string(gen.Script), Length: gen.Length, Problems: append(gen.Problems, fitProblems...),
	}
	generated := ferry.VariantBase{Title: gen.Title, Text: gen.Text}
	switch {
	case edit != nil && edit.Reset:
		return v, nil
	case edit != nil:
		v.Edited, v.Base = true, generated
		v.Title, v.Text = prev.Title, prev.Text
		if edit.Title != nil {
			v.Title = strings.TrimSpace(*edit.Title)
		}
		if edit.Text != nil {
			v.Text = strings.TrimSpace(*edit.Text)
		}
	case prev != nil && prev.Edited:
		v.Edited, v.Base = true, prev.Base
		v.Title, v.Text = prev.Title, prev.Text
		if generated != prev.Base {
			v.Stale = true
			v.Diff = ferry.VariantDiff{Title: adapt.Diff(prev.Base.Title, gen.Title), Text: adapt.Diff(prev.Base.Text, gen.Text)}
		}
	default:
		return v, nil
	}
	// A person's text is checked as it stands.
	v.Hashtags = adapt.TextHashtags(a.Platform, v.Text)
	as := adapt.Variant{AccountID: a.ID, Platform: a.Platform, Title: v.Title, Text: v.Text, Media: fitted}
	length, problems := adapt.Check(as, targetFor(a))
	v.Length, v.Problems = length, append(append(problems, screen.Problems(as)...), fitProblems...)
	if v.Stale {
		v.Problems = append(v.Problems, adapt.StaleProblem())
	}
	return v, nil
}

// fitKey names a fitted copy: the platform's rules and the focal point,
// rounded so that imperceptible moves do not refit.
func fitKey(p ferry.Platform, f *ferry.Focal) string {
	x, y := 0.5, 0.5
	if f != nil {
		x, y = f.X, f.Y
	}
	return fmt.Sprintf("%s@%.3f,%.3f", p, x, y)
}

func focalPoint(f *ferry.Focal) media.Point {
	switch {
	case f == nil:
		return media.Point{}
	case f.X == 0 && f.Y == 0:
		// media reads the zero Point as the centre; this is the corner.
		return media.Point{X: 1e-9, Y: 1e-9}
	}
	return media.Point{X: f.X, Y: f.Y}
}

// fitted returns the copy of an original fitted to a platform around its
// focal point, making it if it does not exist yet. Originals are kept.
//
// Fitting runs before a save's transaction, and its copy is recorded at
// once on the write pool, outside that transaction: a fitted copy is a
// cache shared by every story using the image, still right if the save
// then rolls back. Its file is written first; blobs are addressed by the
// SHA-256 of their content (internal/blob), so a file left without a row
// (a failed insert, a crash) is an unreferenced file that nothing reads,
// and writing the same copy again is a no-op.
func (s *Service) fitted(ctx context.Context, orig *ferry.Media, p ferry.Platform) (*ferry.Media, error) {
	key := fitKey(p, orig.Focal)
	m, err := s.DB.Read().FittedMedia(ctx, orig.WorkspaceID, orig.ID, key)
	if err == nil || !ferry.IsCode(err, ferry.ENOTFOUND) {
		return m, err
	}
	rules, ok := media.RulesFor(media.Platform(p))
	if !ok {
		return nil, fmt.Errorf("service: no media rules for %s", p)
	}
	rc, err := s.Blobs.Open(orig.SHA256)
	if err != nil {
		return nil, fmt.Errorf("service: open media %s: %w", orig.ID, err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("service: read media %s: %w", orig.ID, err)
	}
	out, err := media.Fit(data, rules.Spec, focalPoint(orig.Focal))
	if err != nil {
		return nil, err
	}
	sum, err := s.Blobs.Put(out.Data)
	if err != nil {
		return nil, err
	}
	return s.DB.Write().CreateFittedMedia(ctx, orig.ID, key, &ferry.Media{WorkspaceID: orig.WorkspaceID, SHA256: sum, Mime: out.MIME, Width: out.Width, Height: out.Height, Bytes: int64(len(out.Data))})
}

// fitVariantMedia fits a variant's planned images (originals by id): the
// variant sends the fitted copies. An image that cannot be fitted is left
// out with an error.
func (s *Service) fitVariantMedia(ctx context.Context, p ferry.Platform, plan []ferry.VariantMedia, originals map[string]*ferry.Media) ([]ferry.VariantMedia, []string, []ferry.Problem, error) {
	out := make([]ferry.VariantMedia, 0, len(plan))
	ids := []string{}
	var problems []ferry.Problem
	for _, vm := range plan {
		orig := originals[vm.SourceID]
		m, err := s.fitted(ctx, orig, p)
		var me *media.Error
		if errors.As(err, &me) {
			problems = append(problems, adapt.UnfittableProblem(p, orig.ID, me.Message))
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		vm.MediaID, vm.Width, vm.Height = m.ID, m.Width, m.Height
		out = append(out, vm)
		ids = append(ids, m.ID)
	}
	return out, ids, problems, nil
}

// VariantView is a variant as the API shows it, with the publication it
// belongs to.
type VariantView struct {
	AccountID     string                 `json:"account_id"`
	Platform      ferry.Platform         `json:"platform"`
	PublicationID string                 `json:"publication_id"`
	State         ferry.PublicationState `json:"state"`
	Script        string                 `json:"script"`
	Title         string                 `json:"title"`
	Text          string                 `json:"text"`
	Hashtags      []string               `json:"hashtags"`
	Media         []ferry.VariantMedia   `json:"media"`
	Length        ferry.TextLength       `json:"length"`
	Problems      []ferry.Problem        `json:"problems"`
	Edited        bool                   `json:"edited"`
	Stale         bool                   `json:"stale"`
	// Diff is set when Stale: how the generated text changed since the
	// edit.
	Diff      *ferry.VariantDiff `json:"diff"`
	UpdatedAt time.Time          `json:"updated_at"`
}

func viewOf(v *ferry.Variant, pub *ferry.Publication) VariantView {
	view := VariantView{
		AccountID: v.AccountID, Platform: v.Platform, Script: v.Script, Title: v.Title, Text: v.Text, Hashtags: v.Hashtags,
		Media: v.Media, Length: v.Length, Problems: v.Problems, Edited: v.Edited, Stale: v.Stale, UpdatedAt: v.UpdatedAt,
	}
	if v.Stale {
		d := v.Diff
		view.Diff = &d
	}
	if pub != nil {
		view.PublicationID, view.State = pub.ID, pub.State
		if view.Platform == "" {
			view.Platform = pub.Platform
		}
	}
	return view
}

// Variants lists a story's variants, one per target account.
func (s *Service) Variants(ctx context.Context, p ferry.Principal, storyID string) ([]VariantView, error) {
	if err := require(p, ferry.RoleViewer, "see stories"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	story, err := q.Story(ctx, p.WorkspaceID, storyID)
	if err != nil {
		return nil, err
	}
	vs, err := q.Variants(ctx, storyID)
	if err != nil {
		return nil, err
	}
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{StoryID: storyID})
	if err != nil {
		return nil, err
	}
	byAccount := map[string]*ferry.Publication{}
	for _, pub := range pubs {
		byAccount[pub.AccountID] = pub
	}
	out := []VariantView{}
	for _, v := range vs {
		if contains(story.Targets, v.AccountID) {
			out = append(out, viewOf(v, byAccount[v.AccountID]))
		}
	}
	return out, nil
}

// EditVariant saves a person's edit of one account's variant (or, with
// Reset, drops it). The edit is checked as it stands and kept when the
// story changes later. A variant with errors is refused while its
// publication is scheduled (EUNPROCESSABLE); a draft may keep problems.
// An edit of a scheduled publication gives it a new version, like any
// edit.
func (s *Service) EditVariant(ctx context.Context, p ferry.Principal, storyID, accountID string, edit VariantEdit) (*VariantView, error) {
	if err := require(p, ferry.RoleEditor, "edit variants"); err != nil {
		return nil, err
	}
	if edit.Reset && (edit.Text != nil || edit.Title != nil) {
		return nil, ferry.Errorf(ferry.EINVALID, "Send either reset or a text (and title), not both: a reset drops the edit.").WithDetails(map[string]string{"reset": "contradicts text"})
	}
	if edit.Text != nil && utf8.RuneCountInString(*edit.Text) > maxBody {
		return nil, ferry.Errorf(ferry.EINVALID, "The text is longer than %d characters.", maxBody).WithDetails(map[string]string{"text": "too long"})
	}
	if edit.Title != nil && utf8.RuneCountInString(*edit.Title) > maxTitle {
		return nil, ferry.Errorf(ferry.EINVALID, "The title is longer than %d characters.", maxTitle).WithDetails(map[string]string{"title": "too long"})
	}
	for range maxBuilds {
		b, err := s.buildVariantEdit(ctx, p, storyID, accountID, edit)
		if err != nil {
			return nil, err
		}
		var view VariantView
		err = s.DB.InTx(ctx, func(tx *store.Tx) (err error) {
			view, err = s.saveVariantEdit(ctx, tx, p, b, edit)
			return err
		})
		if !errors.Is(err, errStale) {
			if err != nil {
				return nil, err
			}
			return &view, nil
		}
	}
	return nil, ferry.Errorf(ferry.ECONFLICT, "The story kept changing while the variant was being saved; try again.")
}

// variantEditBuild is a variant edit worked out before its write
// transaction, like a storyBuild.
type variantEditBuild struct {
	story   *ferry.Story
	account *ferry.Account
	variant ferry.Variant
	inputs  buildInputs
}

// buildVariantEdit checks an edit and builds the variant it makes, reading
// outside any transaction.
func (s *Service) buildVariantEdit(ctx context.Context, p ferry.Principal, storyID, accountID string, edit VariantEdit) (*variantEditBuild, error) {
	q := s.DB.Read()
	story, err := q.Story(ctx, p.WorkspaceID, storyID)
	if err != nil {
		return nil, err
	}
	if !contains(story.Targets, accountID) {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Account %q is not a target of story %s.", accountID, storyID)
	}
	a, err := q.Account(ctx, p.WorkspaceID, accountID)
	if err != nil {
		return nil, err
	}
	if edit.Title != nil && a.Platform != ferry.Xiaohongshu && strings.TrimSpace(*edit.Title) != "" {
		return nil, ferry.Errorf(ferry.EINVALID, "Only Xiaohongshu variants have a separate title; on %s the title is part of the text.", a.Platform).
			WithDetails(map[string]string{"title": "not a field of " + string(a.Platform) + " variants"})
	}
	if _, err := variantPublication(ctx, q, story.ID, a); err != nil {
		return nil, err
	}
	prev, err := q.Variant(ctx, storyID, accountID)
	if err != nil {
		return nil, err
	}
	originals := map[string]*ferry.Media{}
	for _, id := range story.MediaIDs {
		if originals[id], err = q.Media(ctx, p.WorkspaceID, id); err != nil {
			return nil, err
		}
	}
	gen, screen, err := s.generate(ctx, q, story, originals, []*ferry.Account{a})
	if err != nil {
		return nil, err
	}
	v, err := s.buildVariant(ctx, story, a, gen[0], prev, &edit, originals, screen)
	if err != nil {
		return nil, err
	}
	return &variantEditBuild{story: story, account: a, variant: v, inputs: buildInputs{storyID: story.ID, version: story.Version,
		accounts: map[string]*ferry.Account{a.ID: a}, media: originals, prev: map[string]*ferry.Variant{a.ID: prev}}}, nil
}

// variantPublication returns the publication of a story to an account (nil
// if there is none), refusing one whose variant can no longer change.
func variantPublication(ctx context.Context, q *store.Q, storyID string, a *ferry.Account) (*ferry.Publication, error) {
	pubs, err := q.Publications(ctx, ferry.PublicationFilter{StoryID: storyID, AccountID: a.ID})
	if err != nil || len(pubs) == 0 {
		return nil, err
	}
	pub := pubs[0]
	if sent(pub.State) || pub.State == ferry.StateCanceled {
		return nil, ferry.Errorf(ferry.ECONFLICT, "The %s publication is %s: its variant can no longer change.", a.Platform, pub.State)
	}
	return pub, nil
}

// saveVariantEdit writes a built variant edit in tx, or returns errStale
// when what it was built from changed.
func (s *Service) saveVariantEdit(ctx context.Context, tx *store.Tx, p ferry.Principal, b *variantEditBuild, edit VariantEdit) (VariantView, error) {
	cur, err := tx.Story(ctx, p.WorkspaceID, b.story.ID)
	if err != nil {
		return VariantView{}, err
	}
	if cur.Version != b.inputs.version {
		return VariantView{}, errStale
	}
	pub, err := variantPublication(ctx, &tx.Q, b.story.ID, b.account)
	if err != nil {
		return VariantView{}, err
	}
	if ok, err := b.inputs.unchanged(ctx, tx, p.WorkspaceID); err != nil || !ok {
		if err == nil {
			err = errStale
		}
		return VariantView{}, err
	}
	v := b.variant
	// A publication that will go out on its own (now, or once its account
	// is reconnected or an operator takes it) must not carry errors.
	pending := pub != nil && pub.ScheduledAt != nil && isCancelable(pub.State) && pub.State != ferry.StateDraft
	scheduled := pub != nil && (pub.State == ferry.StateScheduled || pub.State == ferry.StateWaiting)
	if pending && ferry.HasErrors(v.Problems) {
		return VariantView{}, blockingError(map[string][]ferry.Problem{b.account.ID: v.Problems})
	}
	if err := tx.PutVariant(ctx, v); err != nil {
		return VariantView{}, err
	}
	if err := recordVariantVersion(ctx, tx, p, &v); err != nil {
		return VariantView{}, err
	}
	action := "variant.edit"
	if edit.Reset {
		action = "variant.reset"
	}
	if err := tx.Audit(ctx, audit(p, action, "story", b.story.ID, map[string]any{"account_id": b.account.ID, "problems": len(v.Problems)})); err != nil {
		return VariantView{}, err
	}
	if scheduled {
		// The content changed: a new version, so that no job of the old
		// one acts on it.
		if err := s.reschedule(ctx, tx, p, pub, pub.ScheduledAt, ferry.Reason{}); err != nil {
			return VariantView{}, err
		}
	}
	return viewOf(&v, pub), nil
}
