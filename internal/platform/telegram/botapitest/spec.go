// Package botapitest checks requests to and answers from the Telegram Bot API
// against the published description of the API (api.json, as generated from
// https://core.telegram.org/bots/api). It is a test helper: the Telegram
// connector's tests use it in a fake Bot API, and the sandbox's tests use it
// to check that the emulator answers with objects the API could return.
package botapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Spec is the Bot API as api.json describes it.
type Spec struct {
	Version string             `json:"version"`
	Methods map[string]*Method `json:"methods"`
	Types   map[string]*Type   `json:"types"`
}

// Method is one Bot API method.
type Method struct {
	Name    string   `json:"name"`
	Returns []string `json:"returns"`
	Fields  []Field  `json:"fields"`
}

// Type is one Bot API object type. A type with Subtypes is one of them
// (ChatMember, InputMedia).
type Type struct {
	Name     string   `json:"name"`
	Fields   []Field  `json:"fields"`
	Subtypes []string `json:"subtypes"`
}

// Field is a parameter of a method or a field of a type. Types lists the
// alternatives ("Integer", "String", "Array of InputMediaPhoto", ...).
type Field struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"`
	Required    bool     `json:"required"`
	Description string   `json:"description"`
}

// Load reads api.json from path.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("botapitest: reading the Bot API description: %w", err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("botapitest: parsing %s: %w", path, err)
	}
	if len(s.Methods) == 0 || len(s.Types) == 0 {
		return nil, fmt.Errorf("botapitest: %s describes no methods or no types", path)
	}
	return &s, nil
}

// File is an uploaded multipart part.
type File struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Call is a request to the Bot API, parsed and checked.
type Call struct {
	Token  string
	Method string
	// ContentType is the request's media type without parameters.
	ContentType string
	// Params are the string parameters; JSON-serialised values stay JSON.
	Params map[string]string
	// Files are the multipart file parts, by part name.
	Files map[string]File
}

// maxBody bounds what CheckRequest reads (the Bot API accepts 50 MB uploads).
const maxBody = 50 << 20

// CheckRequest parses a request to /bot<token>/<method> and checks it
// against the method's description: the method exists, the body is a form
// (URL-encoded or multipart) or JSON, every required parameter is present,
// no parameter is unknown or repeated, every value is valid for one of the
// parameter's types, and every uploaded file is used: as an InputFile
// parameter itself or through an "attach://<name>" reference. It returns the
// parsed call even when it finds a problem, with the problems joined.
func (s *Spec) CheckRequest(r *http.Request) (*Call, error) {
	c := &Call{Params: map[string]string{}, Files: map[string]File{}}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		return c, fmt.Errorf("path %q does not start with /bot<token>/", r.URL.Path)
	}
	c.Token, c.Method, ok = strings.Cut(rest, "/")
	if !ok || c.Token == "" || c.Method == "" {
		return c, fmt.Errorf("path %q is not /bot<token>/<method>", r.URL.Path)
	}
	m := s.Methods[c.Method]
	if m == nil {
		return c, fmt.Errorf("method %q is not in the Bot API %s", c.Method, s.Version)
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return c, fmt.Errorf("%s: HTTP method %s; the Bot API takes GET and POST", c.Method, r.Method)
	}
	var errs []error
	seen := map[string]bool{}
	add := func(k, v string) {
		if seen[k] {
			errs = append(errs, fmt.Errorf("%s: parameter %q is sent more than once", c.Method, k))
		}
		seen[k] = true
		c.Params[k] = v
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			add(k, v)
		}
	}
	if err := c.readBody(r, add); err != nil {
		return c, fmt.Errorf("%s: %w", c.Method, err)
	}
	for name := range c.Files {
		if seen[name] {
			errs = append(errs, fmt.Errorf("%s: %q is sent both as a value and as a file", c.Method, name))
		}
	}

	used := map[string]bool{}
	byName := map[string]Field{}
	for _, f := range m.Fields {
		byName[f.Name] = f
	}
	for _, f := range m.Fields {
		_, isValue := c.Params[f.Name]
		_, isFile := c.Files[f.Name]
		if f.Required && !isValue && !isFile {
			errs = append(errs, fmt.Errorf("%s: required parameter %q is missing", c.Method, f.Name))
		}
	}
	for k, v := range c.Params {
		f, ok := byName[k]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown parameter %q", c.Method, k))
			continue
		}
		if err := s.checkParam(c, f, v, used); err != nil {
			errs = append(errs, fmt.Errorf("%s: parameter %q: %w", c.Method, k, err))
		}
	}
	for name := range c.Files {
		if f, ok := byName[name]; ok {
			if !slices.Contains(f.Types, "InputFile") {
				errs = append(errs, fmt.Errorf("%s: parameter %q is uploaded as a file but takes %s", c.Method, name, strings.Join(f.Types, " or ")))
			}
			used[name] = true
		}
		if !used[name] {
			errs = append(errs, fmt.Errorf("%s: file part %q is neither a parameter nor referred to by attach://%s", c.Method, name, name))
		}
	}
	return c, errors.Join(errs...)
}

func (c *Call) readBody(r *http.Request, add func(k, v string)) error {
	if r.Body == nil || r.Method == http.MethodGet {
		return nil
	}
	ct, ctParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1))
		if len(b) == 0 {
			return nil // no body, no content type
		}
		return fmt.Errorf("content type %q: %w", r.Header.Get("Content-Type"), err)
	}
	c.ContentType = ct
	switch ct {
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return err
		}
		vs, err := url.ParseQuery(string(b))
		if err != nil {
			return fmt.Errorf("malformed form: %w", err)
		}
		for k, list := range vs {
			for _, v := range list {
				add(k, v)
			}
		}
	case "multipart/form-data":
		mr := multipart.NewReader(io.LimitReader(r.Body, maxBody), ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("malformed multipart body: %w", err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return fmt.Errorf("malformed multipart body: %w", err)
			}
			name := p.FormName()
			if name == "" {
				return errors.New("a multipart part has no name")
			}
			if p.FileName() == "" {
				add(name, string(b))
				continue
			}
			if _, dup := c.Files[name]; dup {
				return fmt.Errorf("file part %q is sent more than once", name)
			}
			c.Files[name] = File{Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: b}
		}
	case "application/json":
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("malformed JSON body: %w", err)
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				add(k, s)
				continue
			}
			b, _ := json.Marshal(v)
			add(k, string(b))
		}
	default:
		return fmt.Errorf("content type %q; the Bot API takes URL-encoded or multipart forms, or JSON", ct)
	}
	return nil
}

// checkParam checks a parameter sent as a string: it must be valid for one
// of the field's types. Object and array types are JSON-serialised.
func (s *Spec) checkParam(c *Call, f Field, v string, used map[string]bool) error {
	var errs []error
	for _, typ := range f.Types {
		u := map[string]bool{}
		err := s.checkString(c, typ, v, u)
		if err == nil {
			for k := range u {
				used[k] = true
			}
			return nil
		}
		errs = append(errs, fmt.Errorf("not %s: %w", typ, err))
	}
	return errors.Join(errs...)
}

func (s *Spec) checkString(c *Call, typ, v string, used map[string]bool) error {
	switch typ {
	case "Integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		return nil
	case "Float":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		return nil
	case "Boolean":
		if v != "true" && v != "false" {
			return fmt.Errorf("%q is not true or false", v)
		}
		return nil
	case "String":
		return checkAttach(c, v, used)
	case "InputFile":
		return errors.New("an InputFile must be uploaded as a multipart file part")
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return s.check(c, typ, x, used, "")
}

// checkAttach checks that an "attach://<name>" reference names an uploaded
// part, and marks the part used.
func checkAttach(c *Call, v string, used map[string]bool) error {
	name, ok := strings.CutPrefix(v, "attach://")
	if !ok {
		return nil
	}
	if c == nil {
		return fmt.Errorf("%q refers to an upload, which an answer cannot", v)
	}
	if _, ok := c.Files[name]; !ok {
		return fmt.Errorf("%q refers to no uploaded file part", v)
	}
	used[name] = true
	return nil
}

// CheckValue checks a decoded JSON value (numbers as json.Number or
// float64) against a Bot API type such as "Message", "Array of Message" or
// "Integer". Unknown fields and missing required fields are errors.
func (s *Spec) CheckValue(typ string, v any) error {
	return s.check(nil, typ, v, map[string]bool{}, "")
}

// CheckResult checks the result of a successful call of method against what
// the method returns.
func (s *Spec) CheckResult(method string, result any) error {
	m := s.Methods[method]
	if m == nil {
		return fmt.Errorf("method %q is not in the Bot API %s", method, s.Version)
	}
	var errs []error
	for _, typ := range m.Returns {
		err := s.CheckValue(typ, result)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("%s result: %w", method, errors.Join(errs...))
}

// constRE finds a discriminator's fixed value in its description: `must be
// photo`, `always "creator"`; enumRE its possible values: `can be either
// "private", "group", "supergroup" or "channel"`.
var (
	constRE = regexp.MustCompile(`(?:must be|always) "?([a-z_]+)"?`)
	enumRE  = regexp.MustCompile(`can be either ((?:"[a-z_]+"(?:, | or )?)+)`)
	quoteRE = regexp.MustCompile(`"([a-z_]+)"`)
)

// checkDiscriminator checks a type, status or source field against the
// values its description allows.
func checkDiscriminator(typ string, f Field, v any) error {
	if m := constRE.FindStringSubmatch(f.Description); m != nil {
		if v != m[1] {
			return fmt.Errorf("%s.%s must be %q, got %v", typ, f.Name, m[1], v)
		}
		return nil
	}
	if m := enumRE.FindStringSubmatch(f.Description); m != nil {
		var allowed []string
		for _, q := range quoteRE.FindAllStringSubmatch(m[1], -1) {
			if v == q[1] {
				return nil
			}
			allowed = append(allowed, q[1])
		}
		return fmt.Errorf("%s.%s must be one of %s, got %v", typ, f.Name, strings.Join(allowed, ", "), v)
	}
	return nil
}

func (s *Spec) check(c *Call, typ string, v any, used map[string]bool, path string) error {
	at := func(err error) error {
		if err == nil || path == "" {
			return err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
		list, ok := v.([]any)
		if !ok {
			return at(fmt.Errorf("%s must be a JSON array, got %T", typ, v))
		}
		for i, x := range list {
			if err := s.check(c, elem, x, used, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	switch typ {
	case "Integer":
		if !isInteger(v) {
			return at(fmt.Errorf("%v is not an integer", v))
		}
		return nil
	case "Float":
		if _, ok := number(v); !ok {
			return at(fmt.Errorf("%v is not a number", v))
		}
		return nil
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return at(fmt.Errorf("%v is not a boolean", v))
		}
		return nil
	case "String":
		str, ok := v.(string)
		if !ok {
			return at(fmt.Errorf("%v is not a string", v))
		}
		return at(checkAttach(c, str, used))
	case "InputFile":
		str, ok := v.(string)
		if !ok || !strings.HasPrefix(str, "attach://") {
			return at(fmt.Errorf("an InputFile inside JSON must be \"attach://<name>\", got %v", v))
		}
		return at(checkAttach(c, str, used))
	}
	t := s.Types[typ]
	if t == nil {
		return at(fmt.Errorf("type %q is not in the Bot API %s", typ, s.Version))
	}
	if len(t.Subtypes) > 0 {
		var errs []error
		for _, sub := range t.Subtypes {
			u := map[string]bool{}
			err := s.check(c, sub, v, u, path)
			if err == nil {
				for k := range u {
					used[k] = true
				}
				return nil
			}
			errs = append(errs, err)
		}
		return at(fmt.Errorf("matches none of the subtypes of %s: %w", typ, errors.Join(errs...)))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return at(fmt.Errorf("%s must be a JSON object, got %T", typ, v))
	}
	byName := map[string]Field{}
	for _, f := range t.Fields {
		byName[f.Name] = f
		if _, ok := obj[f.Name]; f.Required && !ok {
			return at(fmt.Errorf("%s: required field %q is missing", typ, f.Name))
		}
	}
	for k, x := range obj {
		f, ok := byName[k]
		if !ok {
			return at(fmt.Errorf("%s has no field %q", typ, k))
		}
		if k == "type" || k == "status" || k == "source" {
			if err := checkDiscriminator(typ, f, x); err != nil {
				return at(err)
			}
		}
		var errs []error
		for _, ft := range f.Types {
			u := map[string]bool{}
			err := s.check(c, ft, x, u, path+"."+k)
			if err == nil {
				for n := range u {
					used[n] = true
				}
				errs = nil
				break
			}
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
	}
	return nil
}

func isInteger(v any) bool {
	switch n := v.(type) {
	case json.Number:
		_, err := strconv.ParseInt(string(n), 10, 64)
		return err == nil
	case float64:
		return n == float64(int64(n))
	case int, int64, int32:
		return true
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// Decode decodes JSON with numbers as json.Number, for CheckValue.
func Decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
