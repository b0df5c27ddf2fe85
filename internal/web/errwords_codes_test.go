package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keptEnglish are the Ferry-written codes whose words stay as stored, in
// English, and why.
var keptEnglish = map[string]string{
	// Instagram's own status ("ERROR", "EXPIRED"…) inside Ferry's sentence.
	"instagram:container_error": "quotes Instagram's container status",
	// "the image", "the carousel": English words filled in by the connector.
	"instagram:processing_timeout": "names the media in English",
	// describeWindow's "24 hours" is English.
	"instagram:quota": "describes the window in English",
	// "error.not_found" is the HTTP error page's key.
	"not_found": "the catalog key is the error page's",
}

// errorSite is one error the sources write: its code and its words (a Go
// format when format is set), or the code alone when the words are not a
// literal.
type errorSite struct {
	where, code, words string
	literal, format    bool
}

// Every error code Ferry writes words for — found by reading the
// connectors, the delivery engine, handoff and service — has those words in
// errors.json, matching what the source writes, so that it is shown in the
// page's language; unless it is in keptEnglish. Codes that carry a
// platform's number ("weibo:20012", "telegram:403", "facebook:190/463") are
// built from variables and not found here: their words quote the platform
// and have families ("weibo:#") where the frame is Ferry's.
func TestErrorWords_EveryFerryCodeHasWords(t *testing.T) {
	c, err := loadCatalog()
	require.NoError(t, err)
	var sites []errorSite
	for _, dir := range []string{"../platform", "../delivery", "../handoff", "../service", "../metrics"} {
		sites = append(sites, errorSites(t, dir)...)
	}
	require.Greater(t, len(sites), 90, "the scan finds the connectors' errors")
	codes := map[string]bool{}
	for _, s := range sites {
		codes[s.code] = true
		if _, ok := keptEnglish[s.code]; ok || s.literal && s.words == "" {
			continue
		}
		if !s.literal {
			assert.NotEmpty(t, c.errors.byCode[s.code], "%s: %s has no words in errors.json", s.where, s.code)
			continue
		}
		words := s.words
		if s.format {
			words = fillFormat(words)
		}
		key, _ := c.errors.match(s.code, words)
		if !assert.NotEmpty(t, key, "%s: %s %q has no words in errors.json", s.where, s.code, words) {
			continue
		}
		for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
			assert.True(t, c.has(lang, key), "%s: %s", lang, key)
		}
	}
	for _, code := range []string{"telegram:transport", "telegram:timeout", "telegram:connect", "facebook:timeout", "instagram:connect", "weibo:transport", "instagram:container_expired", "no_connector", "outcome_unknown", "unclassified", ""} {
		require.True(t, codes[code], "the scan finds %q", code)
	}
	for code := range keptEnglish {
		require.Empty(t, c.errors.byCode[code], "%s is kept English: no words", code)
	}
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

// fillFormat fills a Go format's verbs with sample values.
func fillFormat(f string) string {
	return verb.ReplaceAllStringFunc(f, func(v string) string {
		switch v[len(v)-1] {
		case 'd':
			return "12"
		case 'q':
			return `"x"`
		}
		return "x"
	})
}

// errorSites reads a directory's non-test Go files for the errors they
// write: composite literals with Code and Message, Instagram's
// perm(code, message), attempts' ErrorCode and ErrorMessage, and health
// reasons (SetAccountHealth's reason, CheckToken's sentences), whose
// code is "".
func errorSites(t *testing.T, dir string) []errorSite {
	var out []errorSite
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, "test/") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		graph := filepath.Base(filepath.Dir(p)) == "graph"
		var check ast.Node // the token watch's CheckToken, which writes health reasons
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "CheckToken" {
				check = fd
			}
		}
		add := func(n ast.Node, codeX, msgX ast.Expr) {
			where := fset.Position(n.Pos()).String()
			var codes []string
			switch x := codeX.(type) {
			case *ast.BasicLit:
				codes = []string{unquote(t, x)}
			case *ast.BinaryExpr: // name + ":connect" in the Graph client, for each connector it serves
				lit, ok := x.Y.(*ast.BasicLit)
				if !ok || !graph {
					return
				}
				for _, n := range []string{"facebook", "instagram"} {
					codes = append(codes, n+unquote(t, lit))
				}
			case nil:
				codes = []string{""}
			default:
				return // a platform's number
			}
			for _, code := range codes {
				s := errorSite{where: where, code: code}
				switch m := msgX.(type) {
				case *ast.BasicLit:
					s.words, s.literal = unquote(t, m), true
				case *ast.CallExpr:
					if sel, ok := m.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" {
						if lit, ok := m.Args[0].(*ast.BasicLit); ok {
							s.words, s.literal, s.format = unquote(t, lit), true, true
						}
					}
				}
				out = append(out, s)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CompositeLit:
				var code, msg ast.Expr
				for _, e := range x.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						k, _ := kv.Key.(*ast.Ident)
						switch {
						case k == nil:
						case k.Name == "Code":
							code = kv.Value
						case k.Name == "Message":
							msg = kv.Value
						}
					}
				}
				if code != nil && msg != nil && isErrorType(x.Type) {
					add(x, code, msg)
				}
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "perm" && len(x.Args) == 2 {
					if lit, ok := x.Args[0].(*ast.BasicLit); ok {
						add(x, &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote("instagram:" + unquote(t, lit))}, x.Args[1])
					}
				}
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "mk" && graph && len(x.Args) == 2 {
					// Graph's classification: Ferry's sentence around Graph's words (says).
					if words, ok := concat(t, x.Args[1]); ok {
						lit := &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(words)}
						add(x, &ast.BasicLit{Kind: token.STRING, Value: `"facebook:190/463"`}, lit)
						add(x, &ast.BasicLit{Kind: token.STRING, Value: `"instagram:9007"`}, lit)
					}
				}
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "SetAccountHealth" && len(x.Args) == 4 {
					if _, ok := x.Args[3].(*ast.BasicLit); ok {
						add(x, nil, x.Args[3])
					}
				}
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && check != nil && check.Pos() <= x.Pos() && x.End() <= check.End() {
					if lit, ok := x.Args[0].(*ast.BasicLit); ok && strings.Contains(lit.Value, "authorisation") {
						add(x, nil, x)
					}
				}
			case *ast.AssignStmt:
				if len(x.Lhs) >= 2 && len(x.Lhs) == len(x.Rhs) {
					for i := 0; i+1 < len(x.Lhs); i++ {
						a, ok1 := x.Lhs[i].(*ast.SelectorExpr)
						b, ok2 := x.Lhs[i+1].(*ast.SelectorExpr)
						if ok1 && ok2 && a.Sel.Name == "ErrorCode" && b.Sel.Name == "ErrorMessage" {
							add(x, x.Rhs[i], x.Rhs[i+1])
						}
					}
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return out
}

// isErrorType reports whether a composite literal builds a platform.Error
// or a ferry.PubError (not a template warning or a preview problem).
func isErrorType(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		return x.Sel.Name == "Error" || x.Sel.Name == "PubError"
	case *ast.Ident: // inside package platform
		return x.Name == "Error"
	}
	return false
}

// concat is a string expression of literals and variables, the variables
// (a platform's words) filled with a sample; not ok for anything else.
func concat(t *testing.T, e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		return unquote(t, x), true
	case *ast.Ident:
		return "(#100) Invalid parameter", true
	case *ast.BinaryExpr:
		a, ok1 := concat(t, x.X)
		b, ok2 := concat(t, x.Y)
		return a + b, ok1 && ok2
	}
	return "", false
}

func unquote(t *testing.T, lit *ast.BasicLit) string {
	s, err := strconv.Unquote(lit.Value)
	require.NoError(t, err)
	return s
}

// A code is looked up by itself, then by its families; a platform's own
// sentence matches nothing.
func TestErrorWords_Families(t *testing.T) {
	c, err := loadCatalog()
	require.NoError(t, err)
	for _, tc := range []struct{ code, message, key string }{
		{"telegram:transport", "The connection to Telegram broke before it answered; the post may or may not have gone out.", "error.telegram:transport"},
		{"weibo:20012", `The text is longer than Weibo's 140 characters ("文本太长"); shorten it.`, "error.weibo:#/too_long"},
		{"weibo:http_502", "Weibo answered HTTP 502 without an explanation; Ferry will try again later.", "error.weibo:http_#/retry"},
		{"facebook:190/463", "The access token expired. Reconnect the account.", "error.graph:#/expired"},
		{"instagram:9004/2207052", "Instagram could not fetch the image from its public URL; check that FERRY_PUBLIC_URL is reachable from the internet: Media download has failed.", "error.graph:#/fetch"},
		{"instagram:1", "Instagram failed media_publish with an unknown error and the container's status could not be read; the post may be out.", "error.graph:#/publish_unknown"},
		{"", "Closed by a workspace admin.", "error.health:closed"},
		{"facebook:100", "(#100) Invalid parameter", ""},
		{"weibo:20012", "文本太长", ""},
		{"telegram:transport", "The connection to Telegram broke before it answered; the post may or may not have gone out. (2 of 3)", ""},
	} {
		key, _ := c.errors.match(tc.code, tc.message)
		require.Equal(t, tc.key, key, "%s %q", tc.code, tc.message)
	}
}
