package count

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the fields counted in Weibo characters.
const (
	WeiboStatusLimit      = 140
	XiaohongshuTitleLimit = 20
	XiaohongshuBodyLimit  = 1000
)

// Weibo URL rules of Sina's web counter (its JavaScript names them TWEET_URL_LEN, TWEET_MIN and TWEET_MAX):
// a link costs a flat 20 bytes until it is longer than 140 bytes, after which every further byte counts;
// links to weibo.com and weibo.cn cost their own length while that is at most 41 bytes.
const (
	weiboURLBytes      = 20
	weiboOwnURLMax     = 41
	weiboURLFlatMax    = 140
	weiboBytesPerChar  = 2
	weiboLatin1Maximum = 0xFF
)

// weiboURL is the link pattern of Sina's counter, widened from http:// to https:// (the counter predates
// https links, which Weibo now shortens the same way). Its host must have a dot and only ASCII letters and
// digits; the path takes the characters the counter allows.
var weiboURL = regexp.MustCompile(`https?://[a-zA-Z0-9]+(?:\.[a-zA-Z0-9]+)+[-A-Za-z0-9_$.+!*()/\\,:@&=?~#%]*`)

// Weibo returns the rule for a Weibo status (statuses/share.json): at most 140 Weibo characters, where a
// character is two bytes, every UTF-16 unit outside U+0000–U+00FF is two bytes, a link is 20 bytes, and
// "\r\n" counts as "\n".
func Weibo() Rule {
	return Rule{Name: "weibo.status", Limit: WeiboStatusLimit, Unit: UnitWeiboChar, m: weiboMeter{urls: true}}
}

// XiaohongshuTitle returns the rule for a Xiaohongshu note title: 20 characters counted like Weibo (CJK one,
// ASCII one half). Links are counted character by character: Xiaohongshu neither shortens nor links them.
func XiaohongshuTitle() Rule {
	return Rule{Name: "xiaohongshu.title", Limit: XiaohongshuTitleLimit, Unit: UnitWeiboChar, m: weiboMeter{}}
}

// XiaohongshuBody returns the rule for a Xiaohongshu note body: 1000 characters counted like its title.
func XiaohongshuBody() Rule {
	return Rule{Name: "xiaohongshu.body", Limit: XiaohongshuBodyLimit, Unit: UnitWeiboChar, m: weiboMeter{}}
}

// weiboMeter counts in bytes as Sina's counter does; urls turns on the link rule.
type weiboMeter struct{ urls bool }

func (m weiboMeter) used(raw int) int   { return ceilDiv(raw, weiboBytesPerChar) }
func (m weiboMeter) rawLimit(n int) int { return n * weiboBytesPerChar }

func (m weiboMeter) atoms(text string, yield func(atom) bool) {
	var links [][]int
	if m.urls {
		links = weiboURL.FindAllStringIndex(text, -1)
	}
	for i := 0; i < len(text); {
		if len(links) > 0 && links[0][0] == i {
			link := text[i:links[0][1]]
			links = links[1:]
			if cost, whole := weiboURLCost(link); whole {
				if !yield(atom{start: i, cost: cost}) {
					return
				}
				i += len(link)
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		cost := weiboRuneBytes(r)
		if r == '\r' && strings.HasPrefix(text[i+1:], "\n") {
			cost = 0
		}
		if !yield(atom{start: i, cost: cost}) {
			return
		}
		i += size
	}
}

// weiboRuneBytes is what one rune costs: a byte per Latin-1 UTF-16 unit, two per any other unit.
func weiboRuneBytes(r rune) int {
	if r >= 0 && r <= weiboLatin1Maximum {
		return 1
	}
	return weiboBytesPerChar * utf16Len(r)
}

// weiboURLCost returns what a link costs, or false when the counter counts it as plain text (t.cn links,
// which are already short). The prefix tests keep the counter's regular expressions' quirks: their "." matches
// any character, so http://t1cn.example counts like a t.cn link and weibo.community like weibo.com.
func weiboURLCost(link string) (int, bool) {
	host := link[strings.Index(link, "://")+3:]
	n := len(link) // the pattern admits ASCII only, so bytes are characters
	switch {
	case dotted(host, "t.cn"):
		return 0, false
	case dotted(host, "weibo.com") || dotted(host, "weibo.cn"):
		if n <= weiboOwnURLMax {
			return n, true
		}
	}
	if n <= weiboURLFlatMax {
		return weiboURLBytes, true
	}
	return n - weiboURLFlatMax + weiboURLBytes, true
}

// dotted reports whether s starts with pattern, where a "." in pattern matches any byte.
func dotted(s, pattern string) bool {
	if len(s) < len(pattern) {
		return false
	}
	for i := range len(pattern) {
		if pattern[i] != '.' && pattern[i] != s[i] {
			return false
		}
	}
	return true
}

// base62 is the alphabet of Weibo's URL codes.
const base62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Weibo writes a post's decimal mid in groups of 7 digits from the right, each as 4 base62 digits
// (62^4 > 10^7), the leftmost group unpadded.
const (
	midGroupDigits  = 7
	codeGroupDigits = 4
)

// ErrBadMid is returned for a mid or URL code that is not one.
var ErrBadMid = errors.New("count: not a Weibo mid or URL code")

// MidToCode converts a Weibo post id (mid, decimal) to the base62 code in the post's URL,
// as in https://weibo.com/<uid>/<code>.
func MidToCode(mid string) (string, error) {
	if mid == "" || strings.Trim(mid, "0123456789") != "" {
		return "", fmt.Errorf("%w: mid %q", ErrBadMid, mid)
	}
	mid = strings.TrimLeft(mid, "0")
	if mid == "" {
		return "0", nil
	}
	var parts []string
	for end := len(mid); end > 0; end -= midGroupDigits {
		group, _ := strconv.ParseInt(mid[max(end-midGroupDigits, 0):end], 10, 64) // 7 digits always parse
		code := toBase62(group)
		if end > midGroupDigits {
			code = strings.Repeat("0", codeGroupDigits-len(code)) + code
		}
		parts = append(parts, code)
	}
	return joinReversed(parts), nil
}

// CodeToMid converts the base62 code of a Weibo post URL back to the post id (mid).
func CodeToMid(code string) (string, error) {
	if code == "" {
		return "", fmt.Errorf("%w: empty code", ErrBadMid)
	}
	var parts []string
	for end := len(code); end > 0; end -= codeGroupDigits {
		group, err := fromBase62(code[max(end-codeGroupDigits, 0):end])
		if err != nil || group >= 10_000_000 {
			return "", fmt.Errorf("%w: code %q", ErrBadMid, code)
		}
		digits := strconv.FormatInt(group, 10)
		if end > codeGroupDigits {
			digits = strings.Repeat("0", midGroupDigits-len(digits)) + digits
		}
		parts = append(parts, digits)
	}
	mid := strings.TrimLeft(joinReversed(parts), "0")
	if mid == "" {
		mid = "0"
	}
	return mid, nil
}

func toBase62(n int64) string {
	if n == 0 {
		return "0"
	}
	var buf [12]byte
	i := len(buf)
	for ; n > 0; n /= 62 {
		i--
		buf[i] = base62[n%62]
	}
	return string(buf[i:])
}

func fromBase62(s string) (int64, error) {
	var n int64
	for i := range len(s) {
		d := strings.IndexByte(base62, s[i])
		if d < 0 {
			return 0, ErrBadMid
		}
		n = n*62 + int64(d)
	}
	return n, nil
}

func joinReversed(parts []string) string {
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}
