package script

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ferry-social/ferry/internal/adapt/script/internal/opencc"
)

// ErrUnknownConfig is returned for a Config this package does not define.
var ErrUnknownConfig = errors.New("script: unknown conversion config")

// data is OpenCC's data directory (configurations and text dictionaries) at
// the commit named in dict/README.md, with the licence that comes with it.
//
//go:embed dict/LICENSE dict/config/*.json dict/dictionary/*.txt
var data embed.FS

// loadLibrary parses the embedded data once, on first use, for every
// Converter of the process: the dictionaries are read-only after loading.
var loadLibrary = sync.OnceValues(func() (*opencc.Library, error) {
	sub, err := fs.Sub(data, "dict")
	if err != nil {
		return nil, err
	}
	lib, err := opencc.Load(sub)
	if err != nil {
		return nil, fmt.Errorf("script: loading dictionaries: %w", err)
	}
	return lib, nil
})

// Converter converts Chinese text between scripts. It is safe for
// concurrent use, and all Converters share one copy of the dictionaries,
// loaded on first use (see Preload). The zero value is ready to use.
type Converter struct {
	opts opencc.Options
}

// NewConverter returns a Converter. It does not load the dictionaries.
func NewConverter() *Converter {
	return &Converter{}
}

// Preload loads the dictionaries now rather than on the first conversion,
// so that a service can fail fast and keep the ~0.1 s load out of its first
// request.
func (c *Converter) Preload() error {
	_, err := loadLibrary()
	return err
}

// Convert converts text with cfg. Invalid UTF-8 is replaced with U+FFFD
// first, so the result is always valid UTF-8; what the dictionaries do not
// cover (Latin script, digits, emoji, most punctuation) is returned as it
// was.
func (c *Converter) Convert(cfg Config, text string) (string, error) {
	chain, err := c.chain(cfg)
	if err != nil {
		return "", err
	}
	return convert(chain, validUTF8(text)), nil
}

// ConvertWith converts text with cfg like Convert, honouring a workspace
// glossary: protected terms are copied unchanged, and custom phrases that
// apply to cfg's target script are replaced by their translation, verbatim.
// Glossary terms are matched in text as written, leftmost first and longest
// first, and the text between them is converted. A nil glossary converts
// like Convert; with None nothing is converted or replaced.
func (c *Converter) ConvertWith(cfg Config, text string, g *Glossary) (string, error) {
	chain, err := c.chain(cfg)
	if err != nil {
		return "", err
	}
	text = validUTF8(text)
	if g == nil || cfg == None {
		return convert(chain, text), nil
	}
	target := cfg.Target()
	var b strings.Builder
	b.Grow(len(text) + len(text)/8)
	plain := 0
	for i := 0; i < len(text); {
		n, replacement := g.match(text[i:], target)
		if n == 0 {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		b.WriteString(convert(chain, text[plain:i]))
		b.WriteString(replacement)
		i += n
		plain = i
	}
	b.WriteString(convert(chain, text[plain:]))
	return b.String(), nil
}

// chain returns the OpenCC converters cfg runs, loading the dictionaries on
// first use.
func (c *Converter) chain(cfg Config) ([]*opencc.Converter, error) {
	if cfg == None {
		return nil, nil
	}
	sp, ok := specs[cfg]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownConfig, cfg)
	}
	lib, err := loadLibrary()
	if err != nil {
		return nil, err
	}
	chain := make([]*opencc.Converter, len(sp.chain))
	for i, name := range sp.chain {
		if chain[i], ok = lib.Converter(name, c.opts); !ok {
			return nil, fmt.Errorf("script: OpenCC configuration %s missing from the embedded data", name)
		}
	}
	return chain, nil
}

func convert(chain []*opencc.Converter, text string) string {
	for _, c := range chain {
		text = c.Convert(text)
	}
	return text
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
