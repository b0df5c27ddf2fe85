package count

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Extraction follows twitter-text 3 (its JavaScript reference implementation and conformance suite), since X
// counts every URL it extracts as 23 and the rules for hashtags and mentions are the de facto standard that
// Instagram and others resemble. Offsets are in runes (code points), as in the conformance suite.

// EntityKind names what an Entity is.
type EntityKind string

// The kinds of entity extracted from text.
const (
	EntityURL     EntityKind = "url"
	EntityHashtag EntityKind = "hashtag"
	EntityMention EntityKind = "mention"
)

// Entity is a URL, hashtag or mention found in a text.
type Entity struct {
	Kind EntityKind
	// Text is the URL as written, the hashtag without its '#', or the screen name without its '@'.
	Text string
	// ListSlug is "/name" when a mention names a list (@user/name), else empty.
	ListSlug string
	// Start and End are rune offsets of the entity including its sign; End is exclusive.
	Start, End int
}

// Limits from twitter-text.
const (
	maxURLLength   = 4096
	maxTcoSlug     = 40
	maxDomainLabel = 63
	maxScreenName  = 20
	maxListSlug    = 25
)

// ExtractURLs returns the URLs in text, with or without a protocol, as X recognises them: a known top-level
// domain is required, and a URL without protocol must have an ASCII domain.
func ExtractURLs(text string) []Entity {
	return extractURLs([]rune(text))
}

// ExtractHashtags returns the hashtags in text: '#' or '＃' after a non-word character, then letters, marks,
// digits and a few joiners, at least one of them a letter or mark. Hashtags inside URLs are left out.
func ExtractHashtags(text string) []Entity {
	t := []rune(text)
	tags := extractHashtags(t)
	if len(tags) == 0 {
		return nil
	}
	return removeOverlaps(tags, extractURLs(t))
}

// ExtractMentions returns the @mentions in text, leaving out list mentions (@user/list).
func ExtractMentions(text string) []Entity {
	return slices.DeleteFunc(ExtractMentionsOrLists(text), func(e Entity) bool { return e.ListSlug != "" })
}

// ExtractMentionsOrLists returns the @mentions in text, including list mentions (@user/list).
func ExtractMentionsOrLists(text string) []Entity {
	var out []Entity
	resume := 0 // where twitter-text's global pattern resumes: text before it cannot precede a mention
	for a := 0; a < len(text); a++ {
		sign := atSignLen(text[a:])
		if sign == 0 || !mentionPreceded(text, a, resume) {
			continue
		}
		name := a + sign
		end := name
		for end < len(text) && end-name < maxScreenName && screenNameByte(text[end]) {
			end++
		}
		if end == name {
			continue
		}
		e := Entity{Kind: EntityMention, Text: text[name:end], Start: utf8.RuneCountInString(text[:a])}
		if end+1 < len(text) && text[end] == '/' && isASCIIAlpha(text[end+1]) {
			slug := end + 2
			for slug < len(text) && slug-end-1 < maxListSlug && (screenNameByte(text[slug]) || text[slug] == '-') {
				slug++
			}
			e.ListSlug, end = text[end:slug], slug
		}
		e.End = e.Start + 1 + len(e.Text) + len(e.ListSlug) // names and slugs are ASCII
		resume, a = end, end-1
		if !mentionEnd.MatchString(text[end:]) {
			out = append(out, e)
		}
	}
	return out
}

// atSignLen returns the length of the '@' or '＠' that s starts with, or 0.
func atSignLen(s string) int {
	switch {
	case strings.HasPrefix(s, "@"):
		return 1
	case strings.HasPrefix(s, "＠"):
		return len("＠")
	}
	return 0
}

// mentionPreceded reports whether what comes before the sign at a allows a mention there: the start of the
// text, a character other than a letter, digit or one of _!#$%&*@＠, or "RT" with an optional colon (in any
// case, itself not preceded by a letter, digit or one of _+~.-). Nothing before resume counts.
func mentionPreceded(text string, a, resume int) bool {
	if a == 0 {
		return true
	}
	prev, size := utf8.DecodeLastRuneInString(text[:a])
	if a-size < resume {
		return false
	}
	if !(isASCIIAlnumRune(prev) || strings.ContainsRune("_!#$%&*@＠", prev)) {
		return true
	}
	rt := a // "RT:@" passed above, as ':' may precede a mention anyway
	if rt < 2 || rt-2 < resume || !strings.EqualFold(text[rt-2:rt], "rt") {
		return false
	}
	if rt == 2 {
		return true
	}
	before, size := utf8.DecodeLastRuneInString(text[:rt-2])
	return rt-2-size >= resume && !(isASCIIAlnumRune(before) || strings.ContainsRune("_+~.-", before))
}

func screenNameByte(c byte) bool { return isASCIIAlnum(c) || c == '_' }

// ExtractReplyTo returns the screen name a text replies to: an @mention that opens it, after nothing but
// spaces and directional marks. It returns "" when the text is not a reply.
func ExtractReplyTo(text string) string {
	m := replyPattern.FindStringSubmatchIndex(text)
	if m == nil || mentionEnd.MatchString(text[m[1]:]) {
		return ""
	}
	return text[m[2]:m[3]]
}

var (
	// mentionEnd is what may not follow a mention: another sign, an accented letter, or "://".
	mentionEnd   = regexp.MustCompile(`^(?:[@＠]|[` + latinAccents + `]|://)`)
	replyPattern = regexp.MustCompile(`^(?:[` + spaceChars + `]|[` + directionalMarks + `])*[@＠]([a-zA-Z0-9_]{1,20})`)
)

// Character classes of twitter-text, as regular-expression class bodies.
const (
	latinAccents = `\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{FF}\x{0100}-\x{024F}\x{0253}\x{0254}\x{0256}\x{0257}` +
		`\x{0259}\x{025B}\x{0263}\x{0268}\x{026F}\x{0272}\x{0289}\x{028B}\x{02BB}\x{0300}-\x{036F}\x{1E00}-\x{1EFF}`
	spaceChars       = `\x{09}-\x{0D}\x{20}\x{85}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`
	directionalMarks = `\x{202A}-\x{202E}\x{061C}\x{200E}\x{200F}\x{2066}-\x{2069}`
	cyrillic         = `\x{0400}-\x{04FF}`
	pathChar         = `[a-z` + cyrillic + `0-9!*';:=+,.$/%#\[\]\-\x{2013}_~&|@` + latinAccents + `]`
	balancedParens   = `\((?:` + pathChar + `+|(?:` + pathChar + `*\(` + pathChar + `+\)` + pathChar + `*))\)`
	pathEnd          = `(?:[+\-a-z` + cyrillic + `0-9=_#/` + latinAccents + `]|` + balancedParens + `)`
	urlPath          = `(?:(?:` + pathChar + `*(?:` + balancedParens + pathChar + `*)*` + pathEnd + `)|(?:@` + pathChar + `+/))`
	queryChar        = `[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]`
	queryEnd         = `[a-z0-9\-_&=#/]`
)

var (
	// urlRest matches what may follow a URL's domain: port, path, query.
	urlRest = regexp.MustCompile(`(?i)^(?::[0-9]+)?(/` + urlPath + `*)?(?:\?` + queryChar + `*` + queryEnd + `)?`)
	tcoURL  = regexp.MustCompile(`(?i)^https?://t\.co/([a-z0-9]+)(?:\?` + queryChar + `*` + queryEnd + `)?`)
)

// urlMatch is one match of twitter-text's URL pattern, in rune offsets.
type urlMatch struct {
	before                 rune // the character before the URL, or -1 at the start of the text
	start, end             int
	protocol               int // length of "http://" or "https://", or 0
	domainStart, domainEnd int
	pathStart, pathEnd     int // pathStart < 0 when there is no path
}

func extractURLs(t []rune) []Entity {
	if !slices.Contains(t, '.') {
		return nil
	}
	s := newURLScanner(t)
	var out []Entity
	for from := 0; from < len(t); {
		m, ok := s.find(from)
		if !ok {
			break
		}
		from = m.end
		out = m.entities(t, out)
	}
	return out
}

// urlScanner matches twitter-text's URL pattern over t. stop[i] is where the run of label characters
// (domain characters, '_' and '-') from i ends, so that trying the pattern at every position stays linear.
type urlScanner struct {
	t    []rune
	stop []int
}

func newURLScanner(t []rune) urlScanner {
	stop := make([]int, len(t)+1)
	stop[len(t)] = len(t)
	for i := len(t) - 1; i >= 0; i-- {
		if r := t[i]; domainChar(r) || r == '_' || r == '-' {
			stop[i] = stop[i+1]
		} else {
			stop[i] = i
		}
	}
	return urlScanner{t: t, stop: stop}
}

// find finds the first match at or after from, as a global regular expression resuming at from would.
func (s urlScanner) find(from int) (urlMatch, bool) {
	t := s.t
	for p := from; p < len(t); p++ {
		if urlPreceding(t[p]) && p+1 < len(t) && domainChar(t[p+1]) {
			if m, ok := s.match(p + 1); ok {
				m.before = t[p]
				return m, true
			}
		}
		if p == 0 {
			if m, ok := s.match(0); ok {
				m.before = -1
				return m, true
			}
		}
	}
	return urlMatch{}, false
}

// match matches the URL proper at u: optional protocol, domain, then port, path and query.
func (s urlScanner) match(u int) (urlMatch, bool) {
	t := s.t
	tries := []int{0}
	if hasPrefixFold(t[u:], "https://") {
		tries = []int{len("https://"), 0}
	} else if hasPrefixFold(t[u:], "http://") {
		tries = []int{len("http://"), 0}
	}
	for _, proto := range tries {
		end, ok := s.matchDomain(u + proto)
		if !ok {
			continue
		}
		m := urlMatch{start: u, protocol: proto, domainStart: u + proto, domainEnd: end, pathStart: -1}
		tail := end
		for tail < len(t) && tail-end < maxURLLength && urlTailChar(t[tail]) {
			tail++
		}
		rest := string(t[end:tail])
		r := urlRest.FindStringSubmatchIndex(rest)
		m.end = end + utf8.RuneCountInString(rest[:r[1]])
		if r[2] >= 0 {
			m.pathStart = end + utf8.RuneCountInString(rest[:r[2]])
			m.pathEnd = end + utf8.RuneCountInString(rest[:r[3]])
		}
		return m, true
	}
	return urlMatch{}, false
}

// entities appends what twitter-text keeps of a match: the URL when it has a protocol, else the ASCII
// domains inside it (the last one extended by the path).
func (m urlMatch) entities(t []rune, out []Entity) []Entity {
	url := t[m.start:m.end]
	domain := t[m.domainStart:m.domainEnd]
	if !validURL(url, m.protocol, domain) {
		return out
	}
	if m.protocol > 0 {
		s := string(url)
		if tc := tcoURL.FindStringSubmatchIndex(s); tc != nil {
			if utf8.RuneCountInString(s[tc[2]:tc[3]]) > maxTcoSlug {
				return out
			}
			s = s[:tc[1]]
		}
		return append(out, Entity{Kind: EntityURL, Text: s, Start: m.start, End: m.start + utf8.RuneCountInString(s)})
	}
	if m.before >= 0 && strings.ContainsRune("-_./", m.before) {
		return out
	}
	found := len(out)
	for s, e := range asciiDomains(domain) {
		out = append(out, Entity{Kind: EntityURL, Text: string(domain[s:e]), Start: m.domainStart + s, End: m.domainStart + e})
	}
	if len(out) > found && m.pathStart >= 0 {
		last := &out[len(out)-1]
		last.Text += string(t[m.domainEnd:m.end])
		last.End = m.end
	}
	return out
}

// validURL is twitter-text's isValidUrl: every label of the domain at most 63 characters once
// Punycode-encoded, a domain starting "xn--" wholly ASCII, and the URL at most 4096 characters long.
func validURL(url []rune, protocol int, domain []rune) bool {
	if hasPrefixRunes(domain, "xn--") {
		if _, ok := firstASCIIDomain(domain); !ok {
			return false
		}
	}
	for label := range splitRunes(domain, '.') {
		if n := punycodeLen(label); n < 1 || n > maxDomainLabel {
			return false
		}
	}
	if protocol == 0 {
		protocol = len("https://")
	}
	return protocol+utf16Runes(url) <= maxURLLength
}

// matchDomain matches subdomains, a domain name and a top-level domain at i, and returns where the domain
// ends. Subdomain labels may contain '_' and '-' inside, the domain name only '-'. It tries the most
// subdomains first, like the greedy pattern it replaces.
func (s urlScanner) matchDomain(i int) (int, bool) {
	t := s.t
	var starts, dots []int
	for pos := i; pos < len(t); {
		j := s.stop[pos]
		if j == pos || j == len(t) || t[j] != '.' || !domainChar(t[pos]) || !domainChar(t[j-1]) {
			break
		}
		starts, dots = append(starts, pos), append(dots, j)
		pos = j + 1
	}
	for k := len(dots) - 1; k >= 0; k-- {
		if slices.Contains(t[starts[k]:dots[k]], '_') {
			continue
		}
		if end, ok := matchTLD(t, dots[k]+1); ok {
			return end, true
		}
	}
	return 0, false
}

// matchTLD matches a known top-level domain or a Punycode one ("xn--…") at i, which the next character must
// not continue: it may not be an ASCII letter or digit, '@', '+' or '-'. Where several known TLDs would fit
// (a non-ASCII TLD may be followed by more letters), the longest wins.
func matchTLD(t []rune, i int) (int, bool) {
	n := 0
	for i+n < len(t) && n < longestTLD && domainChar(t[i+n]) {
		n++
	}
	for ; n > 0; n-- {
		if tldBoundary(t, i+n) && isTLD(t[i:i+n]) {
			return i + n, true
		}
	}
	if hasPrefixFold(t[i:], "xn--") {
		j := i + len("xn--")
		for j < len(t) && (isASCIIAlnumRune(t[j]) || t[j] == '-') {
			j++
		}
		if j > i+len("xn--") && tldBoundary(t, j) {
			return j, true
		}
	}
	return 0, false
}

func tldBoundary(t []rune, j int) bool {
	return j >= len(t) || !(isASCIIAlnumRune(t[j]) || t[j] == '@' || t[j] == '+' || t[j] == '-')
}

// asciiDomains yields the spans of the domains in d whose labels are ASCII or Latin letters (twitter-text's
// validAsciiDomain, applied globally).
func asciiDomains(d []rune) func(yield func(int, int) bool) {
	return func(yield func(int, int) bool) {
		for p := 0; p < len(d); {
			s, e, ok := asciiDomainAt(d, p)
			if !ok {
				p++
				continue
			}
			if !yield(s, e) {
				return
			}
			p = e
		}
	}
}

func firstASCIIDomain(d []rune) (int, bool) {
	for s := range asciiDomains(d) {
		return s, true
	}
	return 0, false
}

func asciiDomainAt(d []rune, p int) (int, int, bool) {
	var dots []int
	for pos := p; ; {
		j := pos
		for j < len(d) && asciiLabelChar(d[j]) {
			j++
		}
		if j == pos || j == len(d) || d[j] != '.' {
			break
		}
		dots = append(dots, j)
		pos = j + 1
	}
	for k := len(dots) - 1; k >= 0; k-- {
		if end, ok := matchTLD(d, dots[k]+1); ok {
			return p, end, true
		}
	}
	return 0, 0, false
}

func asciiLabelChar(r rune) bool {
	return isASCIIAlnumRune(r) || r == '-' || latinAccent(r)
}

// urlTailChar reports whether r may be in the port, path or query of a URL: a cheap superset of those
// patterns' characters that bounds the text they run on.
func urlTailChar(r rune) bool {
	return r > ' ' && r < 0x7F || latinAccent(r) || r >= 0x400 && r <= 0x4FF || r == 0x2013
}

// urlPreceding reports whether r may come right before a URL.
func urlPreceding(r rune) bool {
	switch {
	case isASCIIAlnumRune(r), r == '@', r == '＠', r == '$', r == '#', r == '＃', r == 0xFFFE, r == 0xFEFF, r == 0xFFFF:
		return false
	}
	return true
}

// domainChar reports whether r may be in a domain label: anything but ASCII punctuation (except '"' and
// '`', which twitter-text forgot), spaces, invalid characters and directional marks.
func domainChar(r rune) bool {
	if r < utf8.RuneSelf {
		return !asciiPunct[r] && !twitterSpace(r)
	}
	return !twitterSpace(r) && !invalidTweetChar(r) && !directionalMark(r)
}

// asciiPunct is twitter-text's punctuation class, which leaves out '"' and '`'.
var asciiPunct = [utf8.RuneSelf]bool{
	'!': true, '\'': true, '#': true, '%': true, '&': true, '(': true, ')': true, '*': true, '+': true, ',': true,
	'\\': true, '-': true, '.': true, '/': true, ':': true, ';': true, '<': true, '=': true, '>': true, '?': true,
	'@': true, '[': true, ']': true, '^': true, '_': true, '{': true, '|': true, '}': true, '~': true, '$': true,
}

func twitterSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r == 0x20, r == 0x85, r == 0xA0, r == 0x1680, r == 0x180E,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

func invalidTweetChar(r rune) bool { return r == 0xFFFE || r == 0xFEFF || r == 0xFFFF }

func directionalMark(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x2066 && r <= 0x2069
}

func latinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x24F, r == 0x253, r == 0x254,
		r == 0x256, r == 0x257, r == 0x259, r == 0x25B, r == 0x263, r == 0x268, r == 0x26F, r == 0x272,
		r == 0x289, r == 0x28B, r == 0x2BB, r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	return false
}

func extractHashtags(t []rune) []Entity {
	var out []Entity
	last := 0 // where the previous match ended: a boundary character before it belongs to that match
	for h := 0; h < len(t); h++ {
		if t[h] != '#' && t[h] != '＃' {
			continue
		}
		if h > 0 && (h-1 < last || !hashtagBoundary(t[h-1])) {
			continue
		}
		if h+1 < len(t) && (t[h+1] == 0xFE0F || t[h+1] == 0x20E3) {
			continue
		}
		end, letter := h+1, false
		for end < len(t) && hashtagAlnum(t[end]) {
			letter = letter || unicode.IsLetter(t[end]) || unicode.IsMark(t[end])
			end++
		}
		if !letter {
			continue
		}
		last = end
		if end < len(t) && (t[end] == '#' || t[end] == '＃' || hasPrefixRunes(t[end:], "://")) {
			continue
		}
		out = append(out, Entity{Kind: EntityHashtag, Text: string(t[h+1 : end]), Start: h, End: end})
		h = end - 1
	}
	return out
}

// hashtagBoundary reports whether r may come right before a hashtag's sign.
func hashtagBoundary(r rune) bool {
	return r == 0xFE0E || r == 0xFE0F || !hashtagAlnum(r) && r != '&'
}

func hashtagAlnum(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		strings.ContainsRune("_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c\u00b7", r)
}

// removeOverlaps returns the entities of keep that overlap none of others, where an overlap removes
// whichever of the two starts later.
func removeOverlaps(keep, others []Entity) []Entity {
	all := append(slices.Clone(keep), others...)
	slices.SortStableFunc(all, func(a, b Entity) int { return a.Start - b.Start })
	var out []Entity
	end := -1
	for _, e := range all {
		if e.Start < end {
			continue
		}
		end = e.End
		if e.Kind == keep[0].Kind {
			out = append(out, e)
		}
	}
	return out
}

func isASCIIAlnumRune(r rune) bool { return r < utf8.RuneSelf && isASCIIAlnum(byte(r)) }

func hasPrefixFold(t []rune, prefix string) bool {
	if len(t) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		if t[i] >= utf8.RuneSelf || rune(asciiLower(byte(t[i]))) != rune(prefix[i]) {
			return false
		}
	}
	return true
}

func asciiLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func hasPrefixRunes(t []rune, prefix string) bool {
	if len(t) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		if t[i] != rune(prefix[i]) {
			return false
		}
	}
	return true
}

func splitRunes(t []rune, sep rune) func(yield func([]rune) bool) {
	return func(yield func([]rune) bool) {
		for {
			i := slices.Index(t, sep)
			if i < 0 {
				yield(t)
				return
			}
			if !yield(t[:i]) {
				return
			}
			t = t[i+1:]
		}
	}
}

func utf16Runes(t []rune) int {
	n := 0
	for _, r := range t {
		n += utf16Len(r)
	}
	return n
}
