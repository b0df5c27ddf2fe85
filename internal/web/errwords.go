package web

import (
	"regexp"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// errorsFile is the catalog area of the words Ferry writes in errors: a
// publication's error (ferry.PubError), an attempt's error and an account's
// health reason. Its keys are "error.<code>" or, where one code has several
// messages, "error.<code>/<variant>". Only the English file's words are
// matched; the other languages say the same thing with the same {arguments}.
const errorsFile = "errors.json"

// errorWords is one English message of errors.json as a pattern: its
// {arguments} match any text, which is then written the page's way.
type errorWords struct {
	key   string
	re    *regexp.Regexp
	names []string
}

// errorWordsIndex holds the patterns by code, and all of them for words
// stored without a code (an account's health reason).
type errorWordsIndex struct {
	byCode map[string][]errorWords
	all    []errorWords
}

func (x *errorWordsIndex) add(key, english string) {
	code, ok := strings.CutPrefix(key, "error.")
	if !ok {
		return
	}
	code, _, _ = strings.Cut(code, "/")
	var re strings.Builder
	var names []string
	re.WriteString(`^`)
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(english, -1) {
		re.WriteString(regexp.QuoteMeta(english[last:m[0]]))
		re.WriteString(`(.+?)`)
		names = append(names, english[m[2]:m[3]])
		last = m[1]
	}
	re.WriteString(regexp.QuoteMeta(english[last:]))
	re.WriteString(`$`)
	w := errorWords{key: key, re: regexp.MustCompile(`(?s)` + re.String()), names: names}
	if x.byCode == nil {
		x.byCode = map[string][]errorWords{}
	}
	x.byCode[code] = append(x.byCode[code], w)
	x.all = append(x.all, w)
}

// match finds the catalog key whose English words are message, and the
// values of its arguments. With no code every pattern is tried; else the
// code's, then its families' (codeFamilies).
func (x *errorWordsIndex) match(code, message string) (key string, args map[string]string) {
	if code == "" {
		return matchAny(x.all, message)
	}
	for _, c := range codeFamilies(code) {
		if key, args = matchAny(x.byCode[c], message); key != "" {
			return key, args
		}
	}
	return "", nil
}

func matchAny(cands []errorWords, message string) (string, map[string]string) {
	for _, w := range cands {
		m := w.re.FindStringSubmatch(message)
		if m == nil {
			continue
		}
		args := make(map[string]string, len(w.names))
		for i, n := range w.names {
			args[n] = m[i+1]
		}
		return w.key, args
	}
	return "", nil
}

var codeNumber = regexp.MustCompile(`[0-9]+`)

// codeFamilies are the names a code is looked up by, in order: itself;
// with a platform's numbers as "#" ("weibo:20012" is "weibo:#",
// "telegram:http_502" "telegram:http_#"); without a Graph subcode
// ("facebook:190/463" is "facebook:#"); and, for the two Graph connectors,
// "graph:#". The words of a family are Ferry's, quoting the platform's own
// ({quote}, shown as the platform wrote them).
func codeFamilies(code string) []string {
	f := codeNumber.ReplaceAllString(code, "#")
	out := []string{code, f, strings.TrimSuffix(f, "/#")}
	for _, n := range []string{"facebook:", "instagram:"} {
		if rest, ok := strings.CutPrefix(out[2], n); ok {
			out = append(out, "graph:"+rest)
		}
	}
	return out
}

// ErrorText is an error message Ferry wrote (a publication's or an
// attempt's error, an account's health reason) in the page's language: the
// words of its code in errors.json, with their arguments written the page's
// way. Words the catalog does not know — a platform's own, or Ferry's with
// details its code alone cannot say — are shown as stored, in English
// (ErrorLang). code is "" for words stored without one.
func (v *view) ErrorText(code, message string) string {
	text, _ := v.errorWords(code, message)
	return text
}

// ErrorLang is the language of ErrorText's words when it is not the page's:
// "en" for words shown as stored, else "".
func (v *view) ErrorLang(code, message string) string {
	_, lang := v.errorWords(code, message)
	return lang
}

// errorWords is the one lookup behind ErrorText, ErrorLang and a reason's
// quoted message.
func (v *view) errorWords(code, message string) (text, lang string) {
	if v.rq.lang == "en" || message == "" {
		return message, ""
	}
	key, args := v.s.catalog.errors.match(code, message)
	if key == "" || !v.s.catalog.has(v.rq.lang, key) {
		return message, "en"
	}
	pairs := make([]any, 0, 2*len(args))
	for name, val := range args {
		pairs = append(pairs, name, v.errorArg(name, val))
	}
	return v.T(key, pairs...), ""
}

// errorArg writes an argument of an error's words the page's way: times in
// the workspace's zone, durations and platforms in the page's words.
func (v *view) errorArg(name, val string) string {
	switch name {
	case "at", "since":
		if t, err := time.Parse(time.RFC3339, val); err == nil {
			return v.DateTime(t)
		}
	case "within":
		if d, err := time.ParseDuration(val); err == nil {
			return v.s.catalog.formatDuration(v.rq.lang, d)
		}
	case "platform":
		if p := ferry.Platform(strings.ToLower(val)); p.Valid() {
			return v.Platform(p)
		}
	}
	return val
}
