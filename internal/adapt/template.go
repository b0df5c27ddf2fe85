package adapt

import (
	"fmt"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/count"
)

// Template lays out a platform's text. The syntax is a small subset of
// Mustache, so that people who edit templates cannot run code:
//
//	{{title}} {{body}} {{link}} {{links}} {{hashtags}}   a value
//	{{#title}}…{{/title}}                                 shown when the value is not empty
//	{{^link}}…{{/link}}                                   shown when the value is empty
//
// link is the Weibo account's safe-domain link on Weibo and the story's
// first link elsewhere; links are all the story's links; hashtags are the
// tags as the platform writes them, separated by spaces. After rendering,
// trailing spaces are trimmed from every line and runs of blank lines
// become one, so empty sections leave no gaps. On Telegram the values are
// escaped for HTML parse mode and the template's own text is HTML: write
// <b>{{title}}</b> for a bold title, and &lt; for a literal '<'.
type Template struct {
	src   string
	nodes []node
}

// node is literal text, a value, or a section over nodes.
type node struct {
	text     string
	name     string // a value or a section's name
	inverted bool
	children []node
	section  bool
}

// templateNames are the values a template may use.
var templateNames = map[string]bool{"title": true, "body": true, "link": true, "links": true, "hashtags": true}

// maxTemplate bounds a template's source.
const maxTemplate = 4000

// ParseTemplate compiles a template, or says where it is wrong.
func ParseTemplate(src string) (*Template, error) {
	if len(src) > maxTemplate {
		return nil, fmt.Errorf("a template may be at most %d bytes", maxTemplate)
	}
	nodes, rest, closing, err := parseNodes(src, "")
	if err != nil {
		return nil, err
	}
	if closing != "" || rest != "" {
		return nil, fmt.Errorf("{{/%s}} closes no section", closing)
	}
	return &Template{src: src, nodes: nodes}, nil
}

// Uses reports whether the template shows the value name anywhere (in a
// section or not).
func (t *Template) Uses(name string) bool {
	var walk func([]node) bool
	walk = func(nodes []node) bool {
		for _, n := range nodes {
			if (!n.section && n.name == name) || walk(n.children) {
				return true
			}
		}
		return false
	}
	return walk(t.nodes)
}

// parseNodes parses until the end of s or a closing tag, which it returns.
func parseNodes(s, open string) (nodes []node, rest, closing string, err error) {
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				nodes = append(nodes, node{text: s})
			}
			if open != "" {
				return nil, "", "", fmt.Errorf("{{#%s}} is never closed with {{/%s}}", open, open)
			}
			return nodes, "", "", nil
		}
		if i > 0 {
			nodes = append(nodes, node{text: s[:i]})
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return nil, "", "", fmt.Errorf("a {{ is not closed with }}")
		}
		tag := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+2:]
		kind := byte(0)
		if tag != "" && strings.ContainsRune("#^/", rune(tag[0])) {
			kind, tag = tag[0], strings.TrimSpace(tag[1:])
		}
		if !templateNames[tag] {
			return nil, "", "", fmt.Errorf("{{%s}} is not a template value: use title, body, link, links or hashtags", tag)
		}
		switch kind {
		case '/':
			if tag != open {
				return nil, "", "", fmt.Errorf("{{/%s}} closes no open section", tag)
			}
			return nodes, s, tag, nil
		case '#', '^':
			children, after, closing, err := parseNodes(s, tag)
			if err != nil {
				return nil, "", "", err
			}
			if closing != tag {
				return nil, "", "", fmt.Errorf("{{#%s}} is never closed with {{/%s}}", tag, tag)
			}
			nodes = append(nodes, node{name: tag, section: true, inverted: kind == '^', children: children})
			s = after
		default:
			nodes = append(nodes, node{name: tag})
		}
	}
}

// MustParseTemplate is ParseTemplate for templates known to be valid.
func MustParseTemplate(src string) *Template {
	t, err := ParseTemplate(src)
	if err != nil {
		panic("adapt: " + err.Error())
	}
	return t
}

// Source returns the template as written.
func (t *Template) Source() string { return t.src }

// DefaultTemplateSource returns the template a platform uses unless the
// workspace has its own.
func DefaultTemplateSource(p ferry.Platform) string {
	switch p {
	case ferry.Weibo:
		// statuses/share refuses #topics#, so no hashtags.
		return "{{#title}}【{{title}}】{{/title}}{{body}} {{link}}"
	case ferry.Xiaohongshu:
		// The title is the note's own field; topics close the note.
		return "{{body}}\n\n{{hashtags}}"
	case ferry.Telegram:
		return "{{#title}}<b>{{title}}</b>\n\n{{/title}}{{body}}\n\n{{links}}\n\n{{hashtags}}"
	}
	// Instagram and Facebook: caption, links, then the hashtag block.
	return "{{#title}}{{title}}\n\n{{/title}}{{body}}\n\n{{links}}\n\n{{hashtags}}"
}

// defaultTemplates are parsed once; they are constants.
var defaultTemplates = func() map[ferry.Platform]*Template {
	m := map[ferry.Platform]*Template{}
	for _, p := range ferry.Platforms {
		m[p] = MustParseTemplate(DefaultTemplateSource(p))
	}
	return m
}()

// DefaultTemplate returns the default template of a platform.
func DefaultTemplate(p ferry.Platform) *Template {
	if t, ok := defaultTemplates[p]; ok {
		return t
	}
	return defaultTemplates[ferry.Facebook]
}

// templateVars are the values a template renders.
type templateVars struct {
	title, body, link, links, hashtags string
}

func (v templateVars) get(name string) string {
	switch name {
	case "title":
		return v.title
	case "body":
		return v.body
	case "link":
		return v.link
	case "links":
		return v.links
	case "hashtags":
		return v.hashtags
	}
	return ""
}

// escaped returns the values escaped for Telegram's HTML parse mode.
func (v templateVars) escaped() templateVars {
	return templateVars{
		title: count.EscapeHTML(v.title), body: count.EscapeHTML(v.body), link: count.EscapeHTML(v.link),
		links: count.EscapeHTML(v.links), hashtags: count.EscapeHTML(v.hashtags),
	}
}

func (t *Template) render(v templateVars) string {
	var b strings.Builder
	b.Grow(len(v.title) + len(v.body) + len(v.links) + len(v.hashtags) + 64)
	renderNodes(&b, t.nodes, v)
	return b.String()
}

func renderNodes(b *strings.Builder, nodes []node, v templateVars) {
	for _, n := range nodes {
		switch {
		case n.section:
			if (strings.TrimSpace(v.get(n.name)) != "") != n.inverted {
				renderNodes(b, n.children, v)
			}
		case n.name != "":
			b.WriteString(v.get(n.name))
		default:
			b.WriteString(n.text)
		}
	}
}
