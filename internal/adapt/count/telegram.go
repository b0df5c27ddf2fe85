package count

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of Telegram's Bot API, in UTF-16 code units after entity parsing.
const (
	TelegramMessageLimit = 4096
	TelegramCaptionLimit = 1024
)

// TelegramMessage returns the rule for the text of sendMessage. Count it on the text after entity parsing
// (see ParseTelegramHTML), not on the HTML source.
func TelegramMessage() Rule {
	return Rule{Name: "telegram.message", Limit: TelegramMessageLimit, Unit: UnitUTF16, m: telegramMeter{}}
}

// TelegramCaption returns the rule for a media caption (sendPhoto, the first item of sendMediaGroup).
// Count it on the text after entity parsing.
func TelegramCaption() Rule {
	return Rule{Name: "telegram.caption", Limit: TelegramCaptionLimit, Unit: UnitUTF16, m: telegramMeter{}}
}

// telegramMeter counts UTF-16 units of the text Telegram keeps: it drops "\r", the line and paragraph
// separators and bidirectional overrides U+2028–U+202E, and the combining marks U+030A, U+0333 and U+033F
// before it counts (TDLib's clean_input_string). Control characters become spaces, which costs the same.
type telegramMeter struct{}

func (telegramMeter) used(raw int) int   { return raw }
func (telegramMeter) rawLimit(n int) int { return n }

func (telegramMeter) atoms(text string, yield func(atom) bool) {
	for i, r := range text {
		cost := utf16Len(r)
		if telegramDrops(r) {
			cost = 0
		}
		if !yield(atom{start: i, cost: cost}) {
			return
		}
	}
}

func telegramDrops(r rune) bool {
	switch {
	case r == '\r', r >= 0x2028 && r <= 0x202E, r == 0x030A, r == 0x0333, r == 0x033F:
		return true
	}
	return false
}

// TelegramEntityType names a formatting entity produced by HTML parse mode, as the Bot API's MessageEntity
// type field does.
type TelegramEntityType string

// The entity types HTML parse mode produces.
const (
	TelegramBold                 TelegramEntityType = "bold"
	TelegramItalic               TelegramEntityType = "italic"
	TelegramUnderline            TelegramEntityType = "underline"
	TelegramStrikethrough        TelegramEntityType = "strikethrough"
	TelegramSpoiler              TelegramEntityType = "spoiler"
	TelegramTextLink             TelegramEntityType = "text_link"
	TelegramCode                 TelegramEntityType = "code"
	TelegramPre                  TelegramEntityType = "pre"
	TelegramBlockquote           TelegramEntityType = "blockquote"
	TelegramExpandableBlockquote TelegramEntityType = "expandable_blockquote"
	TelegramCustomEmoji          TelegramEntityType = "custom_emoji"
)

// TelegramEntity is one formatted range of the parsed text. Offset and Length are in UTF-16 code units, as
// in the Bot API.
type TelegramEntity struct {
	Type   TelegramEntityType
	Offset int
	Length int
	// URL is the href of a text_link. Telegram silently drops links it finds invalid; this parser keeps them.
	URL string
	// Language is the language of a pre block, from <code class="language-...">.
	Language string
	// CustomEmojiID is the emoji-id of a <tg-emoji>.
	CustomEmojiID string
}

// TelegramText is a message after HTML parsing: plain text and entities.
type TelegramText struct {
	Text     string
	Entities []TelegramEntity
	// UTF16Len is the length Telegram checks against its limits: the UTF-16 units of Text less the
	// characters Telegram drops (see TelegramMessage).
	UTF16Len int
}

// TelegramHTMLError is why Telegram would reject a text in HTML parse mode. Its message is the one the Bot
// API sends after "Bad Request: can't parse entities: ".
type TelegramHTMLError struct {
	// Offset is the byte offset in the HTML source where the problem starts, or -1.
	Offset int
	Msg    string
}

func (e *TelegramHTMLError) Error() string { return "can't parse entities: " + e.Msg }

func htmlErrorf(offset int, format string, args ...any) *TelegramHTMLError {
	return &TelegramHTMLError{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// ParseTelegramHTML parses text written for parse_mode=HTML the way the Bot API does (TDLib's parse_html):
// tags b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler", tg-spoiler, a href, code, pre,
// blockquote [expandable] and tg-emoji emoji-id; entities &lt; &gt; &amp; &quot; and numeric ones (an
// unknown entity stays literal text). It returns the plain text with its entities, or a *TelegramHTMLError
// for what Telegram rejects: unknown or unclosed tags, mismatched end tags, malformed attributes.
//
// UTF16Len does not subtract the leading and trailing whitespace that Telegram trims afterwards, so it can
// exceed Telegram's own count by that much but never falls short of it.
func ParseTelegramHTML(html string) (TelegramText, error) {
	if !utf8.ValidString(html) {
		return TelegramText{}, htmlErrorf(-1, "strings must be encoded in UTF-8")
	}
	p := htmlParser{src: html}
	if err := p.parse(); err != nil {
		return TelegramText{}, err
	}
	for i := range p.entities {
		if p.entities[i].Type == TelegramCode {
			p.entities[i].Language = "" // only pre blocks keep a language
		}
	}
	slices.SortStableFunc(p.entities, func(a, b TelegramEntity) int {
		return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(b.Length, a.Length))
	})
	text := p.out.String()
	return TelegramText{Text: text, Entities: p.entities, UTF16Len: TelegramMessage().Count(text).Used}, nil
}

// htmlParser follows TDLib's parse_html byte for byte, including where it reads past the end: TDLib works
// on a NUL-terminated string, so at() returns 0 there.
type htmlParser struct {
	src      string
	out      strings.Builder
	utf16    int
	open     []openTag
	entities []TelegramEntity
	badUTF   bool // an entity decoded to a lone surrogate
}

type openTag struct {
	name     string
	arg      string
	offset   int // UTF-16 offset in the output where the tag's content starts
	outStart int // byte offset in the output
}

func (p *htmlParser) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// telegramSupportedTags are the start tags HTML parse mode accepts.
var telegramSupportedTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true, "del": true,
	"u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "span": true, "pre": true, "code": true,
	"blockquote": true,
}

func (p *htmlParser) parse() error {
	for i := 0; i < len(p.src); i++ {
		c := p.src[i]
		if c == '&' {
			if code, next := decodeHTMLEntity(p.src, i); code != 0 {
				p.utf16 += utf16Len(rune(code))
				if code >= 0xD800 && code <= 0xDFFF {
					p.badUTF = true
				}
				p.out.WriteRune(rune(code))
				i = next - 1
				continue
			}
		}
		if c != '<' {
			if c&0xC0 != 0x80 { // first byte of a UTF-8 sequence
				p.utf16++
				if c >= 0xF0 { // four bytes encode a code point beyond the BMP: a surrogate pair
					p.utf16++
				}
			}
			p.out.WriteByte(c)
			continue
		}
		var err error
		if p.at(i+1) != '/' {
			i, err = p.startTag(i)
		} else {
			i, err = p.endTag(i)
		}
		if err != nil {
			return err
		}
	}
	if len(p.open) > 0 {
		return htmlErrorf(-1, "Can't find end tag corresponding to start tag %q", p.open[len(p.open)-1].name)
	}
	if p.badUTF {
		return htmlErrorf(-1, "Text contains invalid Unicode characters after decoding HTML entities, "+
			"check for unmatched surrogate code units")
	}
	return nil
}

// startTag parses the tag that starts at begin and returns the index of its closing '>'.
func (p *htmlParser) startTag(begin int) (int, error) {
	i := begin + 1
	for !isTDSpace(p.at(i)) && p.at(i) != '>' {
		i++
	}
	if p.at(i) == 0 {
		return 0, htmlErrorf(begin, "Unclosed start tag at byte offset %d", begin)
	}
	name := strings.ToLower(p.src[begin+1 : i])
	if !telegramSupportedTags[name] {
		return 0, htmlErrorf(begin, "Unsupported start tag %q at byte offset %d", name, begin)
	}
	arg := ""
	for p.at(i) != '>' {
		for p.at(i) != 0 && isTDSpace(p.at(i)) {
			i++
		}
		if p.at(i) == '>' {
			break
		}
		attrBegin := i
		for c := p.at(i); !isTDSpace(c) && c != '=' && c != '>' && c != '/' && c != '"' && c != '\''; c = p.at(i) {
			i++
		}
		attr := p.src[attrBegin:i]
		if attr == "" {
			return 0, htmlErrorf(begin, "Empty attribute name in the tag %q at byte offset %d", name, begin)
		}
		for p.at(i) != 0 && isTDSpace(p.at(i)) {
			i++
		}
		if p.at(i) != '=' {
			if p.at(i) == 0 {
				return 0, htmlErrorf(begin, "Unclosed start tag %q at byte offset %d", name, begin)
			}
			if name == "blockquote" && attr == "expandable" {
				arg = "1"
			}
			continue
		}
		i++
		for p.at(i) != 0 && isTDSpace(p.at(i)) {
			i++
		}
		if p.at(i) == 0 {
			return 0, htmlErrorf(begin, "Unclosed start tag %q at byte offset %d", name, begin)
		}
		var value string
		if q := p.at(i); q != '\'' && q != '"' {
			// An unquoted value is a name token: letters, digits, periods and hyphens, case-insensitive.
			tokenBegin := i
			for c := p.at(i); isASCIIAlnum(c) || c == '.' || c == '-'; c = p.at(i) {
				i++
			}
			value = strings.ToLower(p.src[tokenBegin:i])
			if !isTDSpace(p.at(i)) && p.at(i) != '>' {
				return 0, htmlErrorf(tokenBegin, "Unexpected end of name token at byte offset %d", tokenBegin)
			}
		} else {
			i++
			var b strings.Builder
			for p.at(i) != q && p.at(i) != 0 {
				if p.at(i) == '&' {
					if code, next := decodeHTMLEntity(p.src, i); code != 0 {
						b.WriteRune(rune(code))
						i = next
						continue
					}
				}
				b.WriteByte(p.at(i))
				i++
			}
			if p.at(i) == q {
				i++
			}
			value = b.String()
		}
		if p.at(i) == 0 {
			return 0, htmlErrorf(begin, "Unclosed start tag at byte offset %d", begin)
		}
		switch {
		case name == "a" && attr == "href":
			arg = value
		case name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
			arg = strings.TrimPrefix(value, "language-")
		case name == "span" && attr == "class" && strings.HasPrefix(value, "tg-"):
			arg = strings.TrimPrefix(value, "tg-")
		case name == "tg-emoji" && attr == "emoji-id":
			arg = value
		case name == "blockquote" && attr == "expandable":
			arg = "1"
		}
	}
	if name == "span" && arg != "spoiler" {
		return 0, htmlErrorf(begin, `Tag "span" must have class "tg-spoiler" at byte offset %d`, begin)
	}
	p.open = append(p.open, openTag{name: name, arg: arg, offset: p.utf16, outStart: p.out.Len()})
	return i, nil
}

// endTag parses the end tag that starts at begin and returns the index of its closing '>'.
func (p *htmlParser) endTag(begin int) (int, error) {
	if len(p.open) == 0 {
		return 0, htmlErrorf(begin, "Unexpected end tag at byte offset %d", begin)
	}
	i := begin + 2
	for !isTDSpace(p.at(i)) && p.at(i) != '>' {
		i++
	}
	endName := strings.ToLower(p.src[begin+2 : i])
	for isTDSpace(p.at(i)) && p.at(i) != 0 {
		i++
	}
	if p.at(i) != '>' {
		return 0, htmlErrorf(begin, "Unclosed end tag at byte offset %d", begin)
	}
	tag := p.open[len(p.open)-1]
	if endName != "" && endName != tag.name {
		return 0, htmlErrorf(begin, `Unmatched end tag at byte offset %d, expected "</%s>", found "</%s>"`,
			begin, tag.name, endName)
	}
	p.open = p.open[:len(p.open)-1]
	if p.utf16 > tag.offset {
		if err := p.addEntity(tag); err != nil {
			return 0, err
		}
	}
	return i, nil
}

func (p *htmlParser) addEntity(tag openTag) error {
	e := TelegramEntity{Offset: tag.offset, Length: p.utf16 - tag.offset}
	switch tag.name {
	case "b", "strong":
		e.Type = TelegramBold
	case "i", "em":
		e.Type = TelegramItalic
	case "u", "ins":
		e.Type = TelegramUnderline
	case "s", "strike", "del":
		e.Type = TelegramStrikethrough
	case "tg-spoiler", "span":
		e.Type = TelegramSpoiler
	case "tg-emoji":
		if id, err := strconv.ParseInt(tag.arg, 10, 64); err != nil || id == 0 {
			return htmlErrorf(-1, "Invalid custom emoji identifier specified")
		}
		e.Type, e.CustomEmojiID = TelegramCustomEmoji, tag.arg
	case "a":
		e.Type, e.URL = TelegramTextLink, tag.arg
		if e.URL == "" {
			e.URL = p.out.String()[tag.outStart:]
		}
	case "pre", "code":
		// <pre><code class="language-x">…</code></pre> is one pre entity with a language, in either nesting.
		if n := len(p.entities); n > 0 {
			last := &p.entities[n-1]
			if last.Offset == e.Offset && last.Length == e.Length {
				if tag.name == "pre" && last.Type == TelegramCode && last.Language != "" {
					last.Type = TelegramPre
					return nil
				}
				if tag.name == "code" && last.Type == TelegramPre && tag.arg != "" {
					last.Language = tag.arg
					return nil
				}
			}
		}
		e.Type = TelegramPre
		if tag.name == "code" {
			e.Type, e.Language = TelegramCode, tag.arg
		}
	case "blockquote":
		e.Type = TelegramBlockquote
		if tag.arg != "" {
			e.Type = TelegramExpandableBlockquote
		}
	}
	p.entities = append(p.entities, e)
	return nil
}

// decodeHTMLEntity decodes the character reference at s[pos] (which is '&') the way TDLib does: &lt; &gt;
// &amp; &quot; and &#NNN; or &#xHHH; with the semicolon optional. It returns the code point and the index
// after the reference, or 0 when Telegram would keep the '&' as text.
func decodeHTMLEntity(s string, pos int) (uint32, int) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	end := pos + 1
	var code uint32
	if at(pos+1) == '#' {
		end++
		if at(pos+2) == 'x' {
			end++
			for ; isHexDigit(at(end)); end++ {
				code = code*16 + uint32(hexValue(at(end)))
			}
		} else {
			for ; at(end) >= '0' && at(end) <= '9'; end++ {
				code = code*10 + uint32(at(end)-'0')
			}
		}
		if code == 0 || code >= 0x10FFFF || end-pos >= 10 {
			return 0, pos
		}
	} else {
		for isASCIIAlpha(at(end)) {
			end++
		}
		switch s[pos+1 : end] {
		case "lt":
			code = '<'
		case "gt":
			code = '>'
		case "amp":
			code = '&'
		case "quot":
			code = '"'
		default:
			return 0, pos
		}
	}
	if at(end) == ';' {
		end++
	}
	return code, end
}

// EscapeHTML escapes text for Telegram's HTML parse mode, so that it reads back as the same plain text.
// It escapes the double quote too, so the result is also safe inside an href value.
func EscapeHTML(text string) string { return telegramEscaper.Replace(text) }

var telegramEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// isTDSpace is TDLib's is_space, which also treats the terminating NUL as space.
func isTDSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v'
}

func isASCIIAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isASCIIAlnum(c byte) bool { return isASCIIAlpha(c) || c >= '0' && c <= '9' }
func isHexDigit(c byte) bool   { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func hexValue(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}
