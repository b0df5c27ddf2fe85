package adapt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseTemplate: no source makes the parser or the renderer panic; a
// template that parses keeps its source, parses again the same way, and
// renders values free of "{{" to text free of "{{" (every tag is
// replaced); a source without "{{" is literal text that uses no value.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"", "{{title}}\n\n{{body}}", "{{#link}}{{link}}{{/link}}{{^link}}none{{/link}}",
		"<b>{{ title }}</b>\n{{body}}\n{{#hashtags}}{{hashtags}}{{/hashtags}}", "{{", "}}", "{{/body}}", "{{#body}}", "{{#title}}{{/body}}",
		"{{nope}}", "{{#links}}{{#links}}{{links}}{{/links}}{{/links}}", "a}}b{{title}}c", "{{ # title }}x{{ / title }}"} {
		f.Add(s, "標題", "body")
	}
	f.Fuzz(func(t *testing.T, src, title, body string) {
		tpl, err := ParseTemplate(src)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without words")
			}
			return
		}
		if tpl.Source() != src {
			t.Fatalf("source %q kept as %q", src, tpl.Source())
		}
		again, err := ParseTemplate(tpl.Source())
		if err != nil {
			t.Fatalf("the source of a valid template no longer parses: %v", err)
		}
		for n := range templateNames {
			if tpl.Uses(n) != again.Uses(n) {
				t.Fatalf("Uses(%s) differs between two parses of %q", n, src)
			}
			if !strings.Contains(src, "{{") && tpl.Uses(n) {
				t.Fatalf("%q has no tag but uses %s", src, n)
			}
		}
		if strings.Contains(title, "{") || strings.Contains(body, "{") {
			return
		}
		v := templateVars{title: title, body: body, link: "https://example.org/a", links: "https://example.org/a", hashtags: "#中秋"}
		out := tpl.render(v)
		if strings.Contains(out, "{{") {
			t.Fatalf("%q rendered with a tag left: %q", src, out)
		}
		if utf8.ValidString(src) && utf8.ValidString(title) && utf8.ValidString(body) && !utf8.ValidString(out) {
			t.Fatalf("valid input rendered to invalid UTF-8: %q", out)
		}
	})
}
