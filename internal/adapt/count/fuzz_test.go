package count

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "Test", "【转基因", "我司CEO！", "a\r\nb", "看这里http://example.com/a?b=c 和 https://weibo.com/123",
	"http://t.cn/A6abcdEF", "<b>bold</b> &lt;&amp;&#x1F600; <a href=\"https://t.me\">x</a>",
	"<pre><code class=\"language-go\">x</code></pre>", "<tg-emoji emoji-id=\"5\">👍</tg-emoji>", "<b", "&#xD83D;",
	"H🐱☺👨\u200d👩\u200d👧\u200d👦", "1⃣ #️⃣ 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
	"Aשּׁ ÁB", "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069", "ABC\u202a\uffffABC\ufffe",
	"RT @user: #tag http://t.co/abc example.com/path @list/slug ＃全角",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
}

func addPairSeeds(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+1)%len(fuzzSeeds)])
	}
}

// checkRule asserts what holds for every rule: counts are non-negative, and Overflow finds a span exactly
// when the count exceeds the limit, starting at a rune boundary.
func checkRule(t *testing.T, r Rule, s string) Length {
	t.Helper()
	l := r.Count(s)
	if l.Used < 0 || l.Limit != r.Limit || l.Unit != r.Unit {
		t.Fatalf("%s: bad length %+v for %q", r.Name, l, s)
	}
	span, over := r.Overflow(s)
	if over != !l.Fits() {
		t.Fatalf("%s: Overflow says %v but count is %+v for %q", r.Name, over, l, s)
	}
	if over && (span.ByteStart < 0 || span.ByteStart >= len(s) || span.ByteEnd != len(s) ||
		span.RuneStart != utf8.RuneCountInString(s[:span.ByteStart]) || span.RuneEnd != utf8.RuneCountInString(s) ||
		utf8.ValidString(s) && !utf8.RuneStart(s[span.ByteStart])) {
		t.Fatalf("%s: bad overflow span %+v for %q", r.Name, span, s)
	}
	return l
}

// smallRule keeps the platform's way of counting with a limit that fuzzed inputs actually cross.
func smallRule(r Rule, limit int) Rule {
	r.Limit = limit
	return r
}

func FuzzWeibo(f *testing.F) {
	addPairSeeds(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, r := range []Rule{Weibo(), smallRule(Weibo(), 5), XiaohongshuTitle(), smallRule(XiaohongshuBody(), 3)} {
			checkRule(t, r, a+b)
		}
		la, lb, lab := Weibo().Count(a).Used, Weibo().Count(b).Used, Weibo().Count(a+b).Used
		if lab > la+lb+weiboURLBytes/2 {
			t.Fatalf("Weibo(a+b)=%d exceeds Weibo(a)=%d + Weibo(b)=%d + a link", lab, la, lb)
		}
		// Joining invalid UTF-8 can make a character out of stray bytes, so exactness needs valid text.
		valid := utf8.ValidString(a) && utf8.ValidString(b)
		if valid && !strings.Contains(a+b, "://") && (lab > la+lb || lab < la+lb-1) {
			t.Fatalf("without links Weibo(a+b)=%d should be within one of %d + %d", lab, la, lb)
		}
		if isASCII(a) && !strings.Contains(a, "://") {
			n := len(a) - strings.Count(a, "\r\n")
			if got := Weibo().Count(a).Used; got != (n+1)/2 {
				t.Fatalf("ASCII text of %d characters counts %d, want %d", n, got, (n+1)/2)
			}
		}
		if x := XiaohongshuBody().Count(a + b).Used; valid && x > XiaohongshuBody().Count(a).Used+XiaohongshuBody().Count(b).Used {
			t.Fatalf("Xiaohongshu(a+b)=%d is more than its parts", x)
		}
	})
}

func FuzzTelegramHTML(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkRule(t, TelegramMessage(), s)
		checkRule(t, smallRule(TelegramCaption(), 4), s)
		parsed, err := ParseTelegramHTML(s)
		if err == nil {
			if parsed.UTF16Len < 0 || parsed.UTF16Len > utf16LenString(s) {
				t.Fatalf("parsed length %d of %q is outside [0, %d]", parsed.UTF16Len, s, utf16LenString(s))
			}
			textLen := utf16LenString(parsed.Text)
			for _, e := range parsed.Entities {
				if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > textLen {
					t.Fatalf("entity %+v outside text %q", e, parsed.Text)
				}
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		back, err := ParseTelegramHTML(EscapeHTML(s))
		if err != nil || back.Text != s || len(back.Entities) != 0 {
			t.Fatalf("escaped %q parses back as %q, %v, %v", s, back.Text, back.Entities, err)
		}
	})
}

func FuzzXWeighted(f *testing.F) {
	addPairSeeds(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		s := a + b
		l := checkRule(t, X(), s)
		checkRule(t, smallRule(X(), 3), s)
		checkRule(t, XWithConfig(XConfigV1()), s)
		p := ParseX(s, XConfigV3())
		if p.WeightedLength != l.Used || p.WeightedLength < 0 {
			t.Fatalf("ParseX says %d, Count says %d for %q", p.WeightedLength, l.Used, s)
		}
		if p.Valid && (p.WeightedLength == 0 || p.WeightedLength > 280) {
			t.Fatalf("valid with length %d: %q", p.WeightedLength, s)
		}
		if isASCII(s) && !strings.Contains(s, ".") && l.Used != len(s) {
			t.Fatalf("ASCII text without URLs weighs %d, want %d: %q", l.Used, len(s), s)
		}
		if !strings.Contains(s, ".") && utf8.ValidString(a) && utf8.ValidString(b) {
			if la, lb := X().Count(a).Used, X().Count(b).Used; l.Used > la+lb {
				t.Fatalf("X(a+b)=%d is more than X(a)=%d + X(b)=%d", l.Used, la, lb)
			}
		}
	})
}

func FuzzExtract(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		runes := []rune(s)
		for _, es := range [][]Entity{ExtractURLs(s), ExtractHashtags(s), ExtractMentionsOrLists(s),
			ExtractInstagramHashtags(s), ExtractInstagramMentions(s)} {
			end := 0
			for _, e := range es {
				if e.Start < end || e.End <= e.Start || e.End > len(runes) {
					t.Fatalf("entity %+v out of order or bounds in %q", e, s)
				}
				end = e.End
				written := string(runes[e.Start:e.End])
				switch e.Kind {
				case EntityHashtag:
					if written[utf8.RuneLen(runes[e.Start]):] != e.Text {
						t.Fatalf("hashtag %+v is not %q", e, written)
					}
				case EntityMention:
					if written[utf8.RuneLen(runes[e.Start]):] != e.Text+e.ListSlug {
						t.Fatalf("mention %+v is not %q", e, written)
					}
				case EntityURL:
					// A URL without protocol is its last ASCII domain and its path, so Text may leave out
					// what lies between them.
					if !withOneGap(written, e.Text) {
						t.Fatalf("URL %+v is not %q", e, written)
					}
				}
			}
		}
		_ = ExtractReplyTo(s)
		_ = CheckInstagramCaption(s)
		checkRule(t, FacebookPost(), s)
		checkRule(t, smallRule(InstagramCaption(), 2), s)
	})
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// withOneGap reports whether text is written with at most one contiguous piece left out.
func withOneGap(written, text string) bool {
	for k := 0; k <= len(text); k++ {
		if len(written) >= len(text) && strings.HasPrefix(written, text[:k]) && strings.HasSuffix(written, text[k:]) {
			return true
		}
	}
	return false
}
