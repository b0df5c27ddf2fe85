package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/ferry-social/ferry/internal/service"
)

// The message catalogs: for each language a folder of flat JSON objects,
// key → message, with named placeholders ({n}, {name}); each area of the UI
// keeps its keys in a file of its own (core.json, compose.json, …), and a key
// may be defined once. docs/architecture.md says why not
// golang.org/x/text/message.
//
//go:embed i18n
var catalogFS embed.FS

// catalog holds every language's messages.
type catalog struct {
	messages map[string]map[string]string // language → key → message
	errors   errorWordsIndex              // the English words of errors.json, as patterns
}

func loadCatalog() (*catalog, error) {
	c := &catalog{messages: map[string]map[string]string{}}
	for _, lang := range service.Languages {
		files, err := fs.Glob(catalogFS, path.Join("i18n", lang, "*.json"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("web: catalog %s: no message files", lang)
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := fs.ReadFile(catalogFS, f)
			if err != nil {
				return nil, fmt.Errorf("web: catalog %s: %w", f, err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("web: catalog %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("web: catalog %s: key %q is defined twice", f, k)
				}
				m[k] = v
			}
			if lang == "en" && path.Base(f) == errorsFile {
				for _, k := range slices.Sorted(maps.Keys(part)) {
					c.errors.add(k, part[k])
				}
			}
		}
		c.messages[lang] = m
	}
	return c, nil
}

// match picks the language for an Accept-Language header: the first
// language the person reads that Ferry speaks. Chinese (and Cantonese) goes
// by its script, so zh-HK, zh-TW and yue read Traditional, zh-CN, zh-SG and
// plain zh Simplified. (language.Matcher prefers an exact "zh" at a lower
// weight over zh-HK, which sends Hong Kong browsers to Simplified.)
func (c *catalog) match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return service.Languages[0]
	}
	for _, t := range tags {
		base, _ := t.Base()
		switch base.String() {
		case "en":
			return "en"
		case "zh", "yue":
			if script, _ := t.Script(); script.String() == "Hans" {
				return "zh-Hans"
			}
			return "zh-Hant"
		}
	}
	return service.Languages[0]
}

// known reports whether lang is a catalog's language.
func (c *catalog) known(lang string) bool { return c.messages[lang] != nil }

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// translate returns the message for key in lang with its placeholders
// filled from name/value pairs. A missing key shows itself, in brackets,
// so that it is seen (and the catalog test fails first).
func (c *catalog) translate(lang, key string, args ...any) string {
	msg, ok := c.messages[lang][key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return msg
	}
	vals := map[string]string{}
	for i := 0; i+1 < len(args); i += 2 {
		vals[fmt.Sprint(args[i])] = fmt.Sprint(args[i+1])
	}
	return placeholder.ReplaceAllStringFunc(msg, func(m string) string {
		if v, ok := vals[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// has reports whether key exists in lang.
func (c *catalog) has(lang, key string) bool {
	_, ok := c.messages[lang][key]
	return ok
}

// htmlLang is the lang attribute of a page: Traditional Chinese as read in
// Hong Kong, so that the browser picks Hong Kong glyph forms.
func htmlLang(lang string) string {
	if lang == "zh-Hant" {
		return "zh-Hant-HK"
	}
	return lang
}

// formatTime writes t in loc the language's way, from the catalog's
// patterns: "Fri 25 Sep 2026, 20:00" or "2026年9月25日 星期五 20:00".
func (c *catalog) formatTime(lang, pattern string, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return c.translate(lang, pattern,
		"year", t.Year(), "month", c.translate(lang, "month."+strconv.Itoa(int(t.Month()))), "month_number", int(t.Month()),
		"day", t.Day(), "weekday", c.translate(lang, "weekday."+strconv.Itoa(int(t.Weekday()))), "time", t.Format("15:04"))
}

// formatDuration writes d in lang from the catalog's units, largest
// first, to the second: "2 hours 30 minutes", "2 小時 30 分鐘".
func (c *catalog) formatDuration(lang string, d time.Duration) string {
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		key  string
		size time.Duration
	}{{"duration.days", 24 * time.Hour}, {"duration.hours", time.Hour}, {"duration.minutes", time.Minute}, {"duration.seconds", time.Second}} {
		n := int(d / u.size)
		if n == 0 {
			continue
		}
		d -= time.Duration(n) * u.size
		form := ".other"
		if n == 1 {
			form = ".one"
		}
		parts = append(parts, c.translate(lang, u.key+form, "n", n))
	}
	if len(parts) == 0 {
		return c.translate(lang, "duration.seconds.other", "n", 0)
	}
	return strings.Join(parts, " ")
}

// langCookie remembers the language chosen by someone not signed in.
const langCookie = "ferry_lang"

// requestLanguage decides a request's language: the person's setting,
// else the language cookie, else Accept-Language, else English.
func (c *catalog) requestLanguage(r *http.Request, setting string) string {
	if c.known(setting) {
		return setting
	}
	if ck, err := r.Cookie(langCookie); err == nil && c.known(ck.Value) {
		return ck.Value
	}
	if h := strings.TrimSpace(r.Header.Get("Accept-Language")); h != "" {
		return c.match(h)
	}
	return service.Languages[0]
}
