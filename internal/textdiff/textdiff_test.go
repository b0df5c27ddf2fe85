package textdiff

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func render(ops []Op) string {
	var b strings.Builder
	for _, o := range ops {
		switch o.Kind {
		case Delete:
			b.WriteString("[-" + o.Text + "-]")
		case Insert:
			b.WriteString("{+" + o.Text + "+}")
		default:
			b.WriteString(o.Text)
		}
	}
	return b.String()
}

// sides rebuilds both versions from a diff.
func sides(ops []Op) (old, new string) {
	var a, b strings.Builder
	for _, o := range ops {
		if o.Kind != Insert {
			a.WriteString(o.Text)
		}
		if o.Kind != Delete {
			b.WriteString(o.Text)
		}
	}
	return a.String(), b.String()
}

func TestDiff(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"", "", ""},
		{"same", "same", "same"},
		{"", "新", "{+新+}"},
		{"舊", "", "[-舊-]"},
		// Chinese: one character at a time.
		{"今天天氣很好", "今天天气很好", "今天天[-氣-]{+气+}很好"},
		{"香港政府宣布", "香港特區政府宣布", "香港{+特區+}政府宣布"},
		{"我們明天見。", "我們後天見！", "我們[-明-]{+後+}天見[-。-]{+！+}"},
		// Latin: whole words.
		{"We publish today", "We published today", "We [-publish-]{+published+} today"},
		{"The quick brown fox", "The slow brown fox", "The [-quick-]{+slow+} brown fox"},
		{"one two three", "one three", "one [-two -]three"},
		{"don't stop", "do stop", "[-don't-]{+do+} stop"},
		// Mixed: words stay whole beside Chinese characters.
		{"Ferry 發佈到 Weibo", "Ferry 發佈到 Xiaohongshu", "Ferry 發佈到 [-Weibo-]{+Xiaohongshu+}"},
		{"見 https://example.com/a", "見 https://example.com/b", "見 https://example.com/[-a-]{+b+}"},
		// Accents stay inside their word.
		{"café ouvert", "cafe ouvert", "[-café-]{+cafe+} ouvert"},
	} {
		got := Diff(c.old, c.new)
		assert.Equal(t, c.want, render(got), "%q → %q", c.old, c.new)
		o, n := sides(got)
		assert.Equal(t, c.old, o)
		assert.Equal(t, c.new, n)
	}
}

func TestTokens(t *testing.T) {
	assert.Equal(t, []string{"Hello", ",", " ", "世", "界", "!", "  ", "x1_y", "\n"}, Tokens("Hello, 世界!  x1_y\n"))
	assert.Equal(t, []string{"こ", "ん", "に", "ち", "は"}, Tokens("こんにちは"))
}

// TestDiffRoundTrip: on random texts, the diff rebuilds both versions,
// never has two neighbouring ops of one kind, and is minimal enough that
// equal texts give one Equal op.
func TestDiffRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	alphabet := []string{"香", "港", "新", "聞", "。", " ", "the", "news", ",", "\n", "é", "x"}
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	for range 500 {
		a, b := gen(rng.Intn(40)), gen(rng.Intn(40))
		ops := Diff(a, b)
		o, n := sides(ops)
		require.Equal(t, a, o)
		require.Equal(t, b, n)
		for i := 1; i < len(ops); i++ {
			require.NotEqual(t, ops[i-1].Kind, ops[i].Kind, "%q → %q: %v", a, b, ops)
			require.False(t, ops[i-1].Kind == Insert && ops[i].Kind == Delete)
		}
		if a == b && a != "" {
			require.Equal(t, []Op{{Equal, a}}, ops)
		}
	}
}

// TestDiffLarge: two unrelated long texts stay within the edit bound and
// still rebuild both sides.
func TestDiffLarge(t *testing.T) {
	a := strings.Repeat("香港新聞自由。", 2000)
	b := strings.Repeat("The news in English. ", 2000)
	ops := Diff(a, b)
	o, n := sides(ops)
	assert.Equal(t, a, o)
	assert.Equal(t, b, n)
	// A small edit in a long text stays small.
	c := strings.Replace(a, "自由", "自主", 1)
	assert.Equal(t, []Op{{Equal, "香港新聞自"}, {Delete, "由"}, {Insert, "主"}, {Equal, a[len("香港新聞自由"):]}}, Diff(a, c))
}

func BenchmarkDiff(b *testing.B) {
	a := strings.Repeat("香港特別行政區政府今日宣布新措施。The government announced new measures today. ", 40)
	c := strings.ReplaceAll(a, "今日", "昨日")
	c = strings.ReplaceAll(c, "today", "yesterday")
	b.ReportAllocs()
	for b.Loop() {
		Diff(a, c)
	}
}

func TestDiff_SpacesBetweenChangesJoinThem(t *testing.T) {
	got := Diff("Lantern fair at Harbour Park this Mid-Autumn Festival.", "A large lantern fair at Harbour Park on the night of the festival.")
	assert.Equal(t, "[-Lantern -]{+A large lantern +}fair at Harbour Park [-this Mid-Autumn Festival-]{+on the night of the festival+}.", render(got))
}
