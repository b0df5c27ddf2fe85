package media

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

// match returns the integer and float submatches of re in text, failing
// when the documentation no longer says what the test expects.
func match(t *testing.T, re, text string) []float64 {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	require.NotNil(t, m, "reference text no longer matches %q", re)
	out := make([]float64, 0, len(m)-1)
	for _, s := range m[1:] {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func rules(t *testing.T, p Platform) Rules {
	t.Helper()
	r, ok := RulesFor(p)
	require.True(t, ok, p)
	return r
}

func TestRulesFor_KnowsEveryPlatform(t *testing.T) {
	t.Parallel()
	for _, p := range Platforms() {
		r := rules(t, p)
		require.NoError(t, r.Spec.Validate(), p)
		require.Equal(t, string(p), r.Spec.Name)
		require.Positive(t, r.Count.Max, p)
		require.LessOrEqual(t, r.Count.Min, r.Count.Max, p)
	}
	_, ok := RulesFor("myspace")
	require.False(t, ok)
}

func TestRulesFor_AgreeWithPlatformsDoc(t *testing.T) {
	t.Parallel()
	doc := string(refdata.Read(t, "platforms", "PLATFORMS.md"))

	t.Run("Instagram", func(t *testing.T) {
		t.Parallel()
		ig := rules(t, Instagram)
		v := match(t, `Images: JPEG, ≤ (\d+) MiB, aspect 4:5 \(([\d.]+)\) to ([\d.]+):1, width (\d+)–(\d+)`, doc)
		require.Equal(t, int64(v[0])<<20, ig.Spec.MaxBytes)
		require.Equal(t, v[1], ig.Spec.MinAspect)
		require.Equal(t, v[2], ig.Spec.MaxAspect)
		require.Equal(t, int(v[3]), ig.Spec.MinWidth)
		require.Equal(t, int(v[4]), ig.Spec.MaxWidth)

		c := match(t, `Carousel: (\d+)–(\d+)\s+children`, doc)
		require.Equal(t, int(c[0]), ig.Count.GroupMin)
		require.Equal(t, int(c[1]), ig.Count.Max)
	})
	t.Run("Xiaohongshu", func(t *testing.T) {
		t.Parallel()
		xhs := rules(t, Xiaohongshu)
		v := match(t, `(\d+)–(\d+) images, 3:4\s+\((\d+)×(\d+)\) recommended`, doc)
		require.Equal(t, CountRule{Min: int(v[0]), Max: int(v[1])}, xhs.Count)
		require.Equal(t, Size{Width: int(v[2]), Height: int(v[3])}, xhs.Spec.Preferred)
	})
	t.Run("Weibo", func(t *testing.T) {
		t.Parallel()
		weibo := rules(t, Weibo)
		v := match(t, "`pic` \\(one JPEG/GIF/PNG < (\\d+) MB", doc)
		require.Less(t, weibo.Spec.MaxBytes, int64(v[0]*1e6), "strictly under, in decimal megabytes")
		require.Equal(t, 1, weibo.Count.Max)
	})
	t.Run("Telegram", func(t *testing.T) {
		t.Parallel()
		tg := rules(t, Telegram)
		v := match(t, "photo ≤ (\\d+) MB; `sendMediaGroup` (\\d+)–(\\d+) items", doc)
		require.LessOrEqual(t, tg.Spec.MaxBytes, int64(v[0]*1e6))
		require.Equal(t, int(v[1]), tg.Count.GroupMin)
		require.Equal(t, int(v[2]), tg.Count.Max)
	})
}

func TestRulesFor_TelegramAgreesWithBotAPISpec(t *testing.T) {
	t.Parallel()
	var api struct {
		Methods map[string]struct {
			Fields []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			} `json:"fields"`
		} `json:"methods"`
	}
	require.NoError(t, json.Unmarshal(refdata.Read(t, "telegram", "api.json"), &api))
	field := func(method, name string) string {
		for _, f := range api.Methods[method].Fields {
			if f.Name == name {
				return f.Description
			}
		}
		require.FailNow(t, "field missing from the Bot API spec", "%s.%s", method, name)
		return ""
	}
	tg := rules(t, Telegram)

	photo := field("sendPhoto", "photo")
	v := match(t, `at most (\d+) MB in size. The photo's width and height must not exceed (\d+) in total. Width and height ratio must be at most (\d+)`, photo)
	require.LessOrEqual(t, tg.Spec.MaxBytes, int64(v[0]*1e6))
	require.Equal(t, int(v[1]), tg.Spec.MaxSideSum)
	require.Equal(t, v[2], tg.Spec.MaxAspect)
	require.Equal(t, 1/v[2], tg.Spec.MinAspect)

	g := match(t, `must include (\d+)-(\d+) items`, field("sendMediaGroup", "media"))
	require.Equal(t, int(g[0]), tg.Count.GroupMin)
	require.Equal(t, int(g[1]), tg.Count.Max)
}

func TestCountRule(t *testing.T) {
	t.Parallel()
	ig := rules(t, Instagram).Count
	require.ErrorIs(t, ig.Check(0), ErrMediaCount)
	require.NoError(t, ig.Check(1))
	require.False(t, ig.Grouped(1))
	require.NoError(t, ig.Check(10))
	require.True(t, ig.Grouped(2))
	require.ErrorIs(t, ig.Check(11), ErrMediaCount)

	weibo := rules(t, Weibo).Count
	require.NoError(t, weibo.Check(0))
	require.NoError(t, weibo.Check(1))
	require.ErrorIs(t, weibo.Check(2), ErrMediaCount)
	require.False(t, weibo.Grouped(1))

	xhs := rules(t, Xiaohongshu).Count
	require.ErrorIs(t, xhs.Check(0), ErrMediaCount, "a note needs a picture")
	require.NoError(t, xhs.Check(18))
	require.ErrorIs(t, xhs.Check(19), ErrMediaCount)
	require.False(t, xhs.Grouped(18), "every note is published the same way")
}
