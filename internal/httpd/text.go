package httpd

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text checks at the edge: Ferry stores and compares text, and both of its
// databases must see the same text. PostgreSQL refuses a NUL character and
// invalid UTF-8 (SQLSTATE 22021) where SQLite stores them, so both doors
// refuse them before anything else reads a value: the API in its JSON
// decoding, query parameters, path ids and Idempotency-Key; the web UI in
// its forms and query parameters. See docs/architecture.md, "Text at the
// edge".

// CleanText reports whether s is text Ferry accepts: valid UTF-8 with no
// NUL character.
func CleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// BadValue names the first key or value of vals that is not clean text,
// in key order; "" when all are clean. A bad key is named by its quoted
// form, since it cannot be shown as it is.
func BadValue(vals url.Values) string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !CleanText(k) {
			return strconv.QuoteToASCII(k)
		}
		for _, v := range vals[k] {
			if !CleanText(v) {
				return k
			}
		}
	}
	return ""
}

// BadPathValue names the first {name} of the route pattern whose value in
// r is not clean text, or "". Such an id names nothing that can exist: the
// doors answer 404.
func BadPathValue(r *http.Request, pattern string) string {
	for _, seg := range strings.Split(pattern, "/") {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		name := strings.TrimSuffix(strings.Trim(seg, "{}"), "...")
		if !CleanText(r.PathValue(name)) {
			return name
		}
	}
	return ""
}

// BadJSONText names the first string of a JSON document — an object's key
// or a value — that is not clean text: invalid UTF-8 in the raw bytes (which
// encoding/json would silently replace with U+FFFD) or a NUL, written \u0000.
// The name is the field's path, such as "settings.operators[1]"; "" (the
// whole body) for a bare string. ok is false when such a string exists.
// Malformed JSON is left to the decoder that follows: BadJSONText reports
// only what it has walked.
func BadJSONText(body []byte) (field string, ok bool) {
	bad := firstInvalidUTF8(body)
	if bad < 0 && !bytes.Contains(body, []byte(`\u0000`)) {
		return "", true // the fast path: nothing to look for
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	type level struct {
		object bool
		key    string // the object's current key
		index  int    // the array's next index
		expect bool   // object: the next token is a key
	}
	var stack []level
	path := func(last string) string {
		var b strings.Builder
		for i, l := range stack {
			name := ""
			switch {
			case l.object && i == len(stack)-1 && last != "":
				name = last
			case l.object:
				name = l.key
			default:
				b.WriteString("[" + strconv.Itoa(l.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(name)
		}
		return b.String()
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return "", true
		}
		end := dec.InputOffset()
		var top *level
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, isString := tok.(string); isString {
			rawBad := bad >= 0 && int64(bad) >= start && int64(bad) < end
			isKey := top != nil && top.object && top.expect
			if rawBad || strings.IndexByte(s, 0) >= 0 {
				if isKey {
					if CleanText(s) && !rawBad {
						return path(s), false
					}
					return path(strconv.QuoteToASCII(s)), false
				}
				return path(""), false
			}
			if isKey {
				top.key, top.expect = s, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{object: true, expect: true})
			continue
		case json.Delim('['):
			stack = append(stack, level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object wants a key, the array its next index.
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
			if top.object {
				top.expect = true
			} else if tok != json.Delim('[') {
				top.index++
			}
		}
	}
}

// firstInvalidUTF8 is the offset of the first byte of body that is not
// part of valid UTF-8, or -1.
func firstInvalidUTF8(body []byte) int {
	if utf8.Valid(body) {
		return -1
	}
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
