// Package opencc implements OpenCC's conversion algorithm over OpenCC's own
// data files: the configuration JSON files (normalization pre-pass,
// maximum-matching segmentation, conversion chain, dictionary groups with
// "short_circuit" and "union" match policies, dictionaries that "may output
// tofu") and the text dictionaries, including the dictionaries OpenCC's build
// derives from them (reversed variants, the tofu-risk extension table and the
// Simplified bridge built from the regional phrase tables).
//
// A data set is a file system with config/<name>.json and
// dictionary/<name>.txt. Dictionary files named in a configuration as
// "<name>.ocd2" (or .ocd, .txt) are read from dictionary/<name>.txt or, when
// that file does not exist, derived as OpenCC's build derives them.
package opencc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Options change how a configuration converts.
type Options struct {
	// IncludeTofuRisk keeps dictionaries marked "may_output_tofu" (OpenCC's
	// --include-tofu-risk-dictionaries): rare inferred Simplified forms that
	// mainstream fonts may render as empty boxes. OpenCC's command line tool
	// leaves them out by default; OpenCC's test cases expect them.
	IncludeTofuRisk bool
}

// Library is a loaded data set: one converter per configuration, all sharing
// one trie of dictionaries. It is immutable and safe for concurrent use.
type Library struct {
	converters map[converterKey]*Converter
	stats      Stats
}

type converterKey struct {
	name string
	opts Options
}

// Converter returns the converter of the named configuration.
func (l *Library) Converter(name string, opts Options) (*Converter, bool) {
	c, ok := l.converters[converterKey{name, opts}]
	return c, ok
}

// Names returns the configuration names, sorted.
func (l *Library) Names() []string {
	var names []string
	for k := range l.converters {
		if !k.opts.IncludeTofuRisk {
			names = append(names, k.name)
		}
	}
	slices.Sort(names)
	return names
}

// Stats describes the size of a loaded library.
type Stats struct {
	Dictionaries int
	Keys         int
	TrieNodes    int
}

// Stats returns the size of the library.
func (l *Library) Stats() Stats { return l.stats }

const (
	configDir     = "config"
	dictionaryDir = "dictionary"
)

// Load reads every configuration of a data set and the dictionaries they use.
func Load(fsys fs.FS) (*Library, error) {
	files, err := fs.Glob(fsys, configDir+"/*.json")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("opencc: no %s/*.json in data set", configDir)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(path.Base(f), ".json")
	}
	return load(fsys, names, nil)
}

// configFile mirrors an OpenCC configuration file.
type configFile struct {
	Name          string           `json:"name"`
	Normalization []conversionFile `json:"normalization"`
	Segmentation  *struct {
		Type string    `json:"type"`
		Dict *dictFile `json:"dict"`
	} `json:"segmentation"`
	ConversionChain []conversionFile `json:"conversion_chain"`
}

type conversionFile struct {
	Dict *dictFile `json:"dict"`
}

type dictFile struct {
	Type          string     `json:"type"`
	File          string     `json:"file"`
	MatchPolicy   string     `json:"match_policy"`
	Dicts         []dictFile `json:"dicts"`
	MayOutputTofu bool       `json:"may_output_tofu"`
}

// loader resolves dictionary names to trie leaves while configurations are
// compiled.
type loader struct {
	fsys  fs.FS
	leaf  map[string]uint8
	dicts []*dictionary
	// deriving holds the derived dictionaries being built, to report a
	// derivation that depends on itself instead of recursing forever.
	deriving []string
}

// pending is a configuration parsed but not yet bound to the trie.
type pending struct {
	name   string
	stages []pendingStage
}

type pendingStage struct {
	segmentation *dictExpr
	chain        []*dictExpr
}

// dictExpr is a dictionary expression with its dictionaries resolved to
// trie leaves.
type dictExpr struct {
	policy  policy
	leaf    uint8
	members []*dictExpr
	// tofu marks an expression declared "may_output_tofu".
	tofu bool
}

func load(fsys fs.FS, names []string, deriving []string) (*Library, error) {
	ld := &loader{fsys: fsys, leaf: map[string]uint8{}, deriving: deriving}
	var configs []pending
	for _, name := range names {
		p, err := ld.config(name)
		if err != nil {
			return nil, err
		}
		configs = append(configs, p)
	}
	t, err := buildTrie(ld.dicts)
	if err != nil {
		return nil, err
	}
	lib := &Library{
		converters: map[converterKey]*Converter{},
		stats:      Stats{Dictionaries: len(ld.dicts), TrieNodes: t.size()},
	}
	for _, d := range ld.dicts {
		lib.stats.Keys += len(d.entries)
	}
	for _, p := range configs {
		for _, opts := range []Options{{}, {IncludeTofuRisk: true}} {
			c, err := p.compile(t, opts)
			if err != nil {
				return nil, fmt.Errorf("opencc: config %s: %w", p.name, err)
			}
			lib.converters[converterKey{p.name, opts}] = c
		}
	}
	return lib, nil
}

// compile binds a parsed configuration to the trie.
func (p *pending) compile(t *trie, opts Options) (*Converter, error) {
	c := &Converter{name: p.name}
	for _, ps := range p.stages {
		var st stage
		if e := ps.segmentation.filter(opts); e != nil {
			m, err := compile(t, e)
			if err != nil {
				return nil, err
			}
			st.segmentation = m
		}
		for _, e := range ps.chain {
			// A conversion whose dictionaries are all left out converts
			// nothing.
			if e = e.filter(opts); e == nil {
				continue
			}
			m, err := compile(t, e)
			if err != nil {
				return nil, err
			}
			st.chain = append(st.chain, m)
		}
		if len(st.chain) > 0 {
			st.segmentationConverts = st.segmentation != nil && ps.segmentation.filter(opts).leadsConversion(ps.chain[0].filter(opts))
			c.stages = append(c.stages, st)
		}
	}
	return c, nil
}

// leadsConversion reports whether conversion c consults e before anything
// else: c is e, or a short-circuit group whose first member is e.
func (e *dictExpr) leadsConversion(c *dictExpr) bool {
	if c == nil {
		return false
	}
	if c.policy == shortCircuit {
		c = c.members[0]
	}
	return e.equal(c)
}

// equal reports whether two expressions consult the same dictionaries in the
// same way.
func (e *dictExpr) equal(o *dictExpr) bool {
	if e.policy != o.policy || e.leaf != o.leaf || len(e.members) != len(o.members) {
		return false
	}
	for i := range e.members {
		if !e.members[i].equal(o.members[i]) {
			return false
		}
	}
	return true
}

// filter returns e without the members that opts leaves out, or nil when
// nothing is left.
func (e *dictExpr) filter(opts Options) *dictExpr {
	if e == nil || e.tofu && !opts.IncludeTofuRisk {
		return nil
	}
	if e.policy == leaf {
		return e
	}
	f := &dictExpr{policy: e.policy}
	for _, m := range e.members {
		if m = m.filter(opts); m != nil {
			f.members = append(f.members, m)
		}
	}
	switch len(f.members) {
	case 0:
		return nil
	case 1:
		return f.members[0]
	}
	return f
}

// config parses config/<name>.json.
func (ld *loader) config(name string) (pending, error) {
	data, err := fs.ReadFile(ld.fsys, path.Join(configDir, name+".json"))
	if err != nil {
		return pending{}, fmt.Errorf("opencc: config %s: %w", name, err)
	}
	var cf configFile
	if err := json.Unmarshal(data, &cf); err != nil {
		return pending{}, fmt.Errorf("opencc: config %s: %w", name, err)
	}
	if len(cf.ConversionChain) == 0 {
		return pending{}, fmt.Errorf("opencc: config %s: empty conversion_chain", name)
	}
	p := pending{name: name}
	chain := func(convs []conversionFile) ([]*dictExpr, error) {
		var exprs []*dictExpr
		for _, c := range convs {
			if c.Dict == nil {
				return nil, errors.New("conversion without dict")
			}
			e, err := ld.expr(*c.Dict)
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
		}
		return exprs, nil
	}
	// The normalization pre-pass converts the whole text, unsegmented, before
	// the main converter sees it (OpenCC's ConfigBasedConverter).
	norm, err := chain(cf.Normalization)
	if err != nil {
		return pending{}, fmt.Errorf("opencc: config %s: normalization: %w", name, err)
	}
	if len(norm) > 0 {
		p.stages = append(p.stages, pendingStage{chain: norm})
	}
	var main pendingStage
	if s := cf.Segmentation; s != nil {
		if s.Type != "mmseg" {
			return pending{}, fmt.Errorf("opencc: config %s: unsupported segmentation %q", name, s.Type)
		}
		if s.Dict == nil {
			return pending{}, fmt.Errorf("opencc: config %s: segmentation without dict", name)
		}
		if main.segmentation, err = ld.expr(*s.Dict); err != nil {
			return pending{}, fmt.Errorf("opencc: config %s: segmentation: %w", name, err)
		}
	}
	if main.chain, err = chain(cf.ConversionChain); err != nil {
		return pending{}, fmt.Errorf("opencc: config %s: conversion_chain: %w", name, err)
	}
	p.stages = append(p.stages, main)
	return p, nil
}

// expr resolves a dictionary expression.
func (ld *loader) expr(d dictFile) (*dictExpr, error) {
	switch d.Type {
	case "group":
		e := &dictExpr{policy: shortCircuit, tofu: d.MayOutputTofu}
		switch d.MatchPolicy {
		case "", "short_circuit":
		case "union":
			e.policy = union
		default:
			return nil, fmt.Errorf("unknown match_policy %q", d.MatchPolicy)
		}
		if len(d.Dicts) == 0 {
			return nil, errors.New("empty dictionary group")
		}
		for _, member := range d.Dicts {
			m, err := ld.expr(member)
			if err != nil {
				return nil, err
			}
			e.members = append(e.members, m)
		}
		return e, nil
	case "text", "ocd", "ocd2":
		stem := strings.TrimSuffix(d.File, path.Ext(d.File))
		if stem == "" || strings.Contains(stem, "/") {
			return nil, fmt.Errorf("invalid dictionary file %q", d.File)
		}
		l, err := ld.dictionary(stem)
		if err != nil {
			return nil, err
		}
		return &dictExpr{policy: leaf, leaf: l, tofu: d.MayOutputTofu}, nil
	}
	return nil, fmt.Errorf("unknown dictionary type %q", d.Type)
}

// dictionary returns the trie leaf of a dictionary, loading it on first use.
func (ld *loader) dictionary(stem string) (uint8, error) {
	if l, ok := ld.leaf[stem]; ok {
		return l, nil
	}
	d, err := ld.read(stem)
	if err != nil {
		return 0, err
	}
	if len(ld.dicts) == maxLeaves {
		return 0, fmt.Errorf("more than %d dictionaries", maxLeaves)
	}
	l := uint8(len(ld.dicts))
	ld.dicts = append(ld.dicts, d)
	ld.leaf[stem] = l
	return l, nil
}

// read loads dictionary/<stem>.txt or derives the dictionary.
func (ld *loader) read(stem string) (*dictionary, error) {
	text, err := ld.text(stem)
	if err == nil {
		return parseDictionary(stem, text)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return ld.derive(stem)
}

func (ld *loader) text(stem string) (string, error) {
	data, err := fs.ReadFile(ld.fsys, path.Join(dictionaryDir, stem+".txt"))
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// compile binds a dictionary expression to the trie.
func compile(t *trie, e *dictExpr) (*matcher, error) {
	var leaves []uint8
	var bind func(e *dictExpr) group
	bind = func(e *dictExpr) group {
		if e.policy == leaf {
			i := slices.Index(leaves, e.leaf)
			if i < 0 {
				i = len(leaves)
				leaves = append(leaves, e.leaf)
			}
			return group{policy: leaf, leaf: int8(i)}
		}
		g := group{policy: e.policy}
		for _, m := range e.members {
			g.members = append(g.members, bind(m))
		}
		return g
	}
	g := bind(e)
	return newMatcher(t, g, leaves)
}
