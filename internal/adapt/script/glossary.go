package script

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Phrase is a workspace's own translation of a phrase, used instead of what
// OpenCC would produce.
type Phrase struct {
	// From is the phrase as written in source texts.
	From string
	// To is written instead of From, exactly as given.
	To string
	// Scripts lists the audience scripts the translation is for; empty means
	// every conversion (never None). Give one Phrase per script when the
	// translations differ, e.g. 软件 → 軟件 for HongKong and 軟體 for Taiwan.
	Scripts []Script
}

// Glossary is a workspace's list of protected terms (names and brands that
// are never converted) and custom phrase translations. It is immutable and
// safe for concurrent use.
type Glossary struct {
	terms map[string]*term
	// byFirst lists, for each rune, the terms that start with it, longest
	// first, so that a match is found with one map lookup and a few prefix
	// comparisons per character.
	byFirst map[rune][]*term
}

type term struct {
	text      string
	protected bool
	// to holds the translation per audience script; any is the translation
	// for every script, used when to has none.
	to     map[Script]string
	any    string
	hasAny bool
}

// NewGlossary validates and compiles a glossary. A term may not be empty or
// invalid UTF-8, be both protected and translated, or have two translations
// for the same script.
func NewGlossary(protected []string, phrases []Phrase) (*Glossary, error) {
	g := &Glossary{terms: map[string]*term{}, byFirst: map[rune][]*term{}}
	get := func(s string) (*term, error) {
		if s == "" || !utf8.ValidString(s) {
			return nil, fmt.Errorf("script: glossary term %q is empty or not valid UTF-8", s)
		}
		t, ok := g.terms[s]
		if !ok {
			t = &term{text: s}
			g.terms[s] = t
			r, _ := utf8.DecodeRuneInString(s)
			g.byFirst[r] = append(g.byFirst[r], t)
		}
		return t, nil
	}
	for _, s := range protected {
		t, err := get(s)
		if err != nil {
			return nil, err
		}
		t.protected = true
	}
	for _, p := range phrases {
		t, err := get(p.From)
		if err != nil {
			return nil, err
		}
		if t.protected {
			return nil, fmt.Errorf("script: glossary term %q is both protected and translated", p.From)
		}
		if !utf8.ValidString(p.To) {
			return nil, fmt.Errorf("script: glossary translation of %q is not valid UTF-8", p.From)
		}
		if len(p.Scripts) == 0 {
			if t.hasAny {
				return nil, fmt.Errorf("script: glossary phrase %q is translated twice", p.From)
			}
			t.any, t.hasAny = p.To, true
			continue
		}
		for _, s := range p.Scripts {
			if !s.known() {
				return nil, fmt.Errorf("script: glossary phrase %q: unknown audience script %q", p.From, s)
			}
			if _, dup := t.to[s]; dup {
				return nil, fmt.Errorf("script: glossary phrase %q is translated twice for %q", p.From, s)
			}
			if t.to == nil {
				t.to = map[Script]string{}
			}
			t.to[s] = p.To
		}
	}
	for _, ts := range g.byFirst {
		slices.SortFunc(ts, func(a, b *term) int { return cmp.Compare(len(b.text), len(a.text)) })
	}
	return g, nil
}

// match returns the length of the longest glossary term that starts s and
// applies to the target script, and what to write for it: the term itself
// when it is protected, its translation otherwise.
func (g *Glossary) match(s string, target Script) (int, string) {
	r, _ := utf8.DecodeRuneInString(s)
	for _, t := range g.byFirst[r] {
		if !strings.HasPrefix(s, t.text) {
			continue
		}
		if t.protected {
			return len(t.text), t.text
		}
		if to, ok := t.to[target]; ok {
			return len(t.text), to
		}
		if t.hasAny {
			return len(t.text), t.any
		}
	}
	return 0, ""
}
