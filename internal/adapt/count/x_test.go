package count

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

type weightedCase struct {
	Suite             string `json:"suite" yaml:"-"`
	Config            string `json:"config" yaml:"-"`
	Description       string `json:"description" yaml:"description"`
	Text              string `json:"text" yaml:"text"`
	WeightedLength    int    `json:"weightedLength"`
	Valid             bool   `json:"valid"`
	Permillage        int    `json:"permillage"`
	DisplayRangeStart int    `json:"displayRangeStart"`
	DisplayRangeEnd   int    `json:"displayRangeEnd"`
	ValidRangeStart   int    `json:"validRangeStart"`
	ValidRangeEnd     int    `json:"validRangeEnd"`
}

func (c weightedCase) parse() XParse {
	return XParse{
		WeightedLength: c.WeightedLength, Valid: c.Valid, Permillage: c.Permillage,
		DisplayRangeStart: c.DisplayRangeStart, DisplayRangeEnd: c.DisplayRangeEnd,
		ValidRangeStart: c.ValidRangeStart, ValidRangeEnd: c.ValidRangeEnd,
	}
}

func xConfigNamed(t *testing.T, name string) XConfig {
	t.Helper()
	switch name {
	case "config/v1.json":
		return XConfigV1()
	case "config/v2.json":
		return XConfigV2()
	case "config/v3.json":
		return XConfigV3()
	}
	t.Fatalf("unknown config %q", name)
	return XConfig{}
}

func TestParseX_WeightedLengthCases(t *testing.T) {
	t.Parallel()
	cases := readJSONL[weightedCase](t, "twitter-text", "weighted_length_cases.jsonl")
	require.Len(t, cases, 44)
	for _, c := range cases {
		t.Run(c.Suite+"/"+c.Description, func(t *testing.T) {
			t.Parallel()
			cfg := xConfigNamed(t, c.Config)
			require.Equal(t, c.parse(), ParseX(c.Text, cfg))
			require.Equal(t, c.WeightedLength, XWithConfig(cfg).Count(c.Text).Used)
		})
	}
}

// TestParseX_ConformanceValidate runs the weighted-length suites of conformance_validate.yml directly, since
// the suite, not the flattened copy, is the reference.
func TestParseX_ConformanceValidate(t *testing.T) {
	t.Parallel()
	type expected struct {
		WeightedLength    int  `yaml:"weightedLength"`
		Valid             bool `yaml:"valid"`
		Permillage        int  `yaml:"permillage"`
		DisplayRangeStart int  `yaml:"displayRangeStart"`
		DisplayRangeEnd   int  `yaml:"displayRangeEnd"`
		ValidRangeStart   int  `yaml:"validRangeStart"`
		ValidRangeEnd     int  `yaml:"validRangeEnd"`
	}
	type test struct {
		Description string   `yaml:"description"`
		Text        string   `yaml:"text"`
		Expected    expected `yaml:"expected"`
	}
	doc := readYAML[struct {
		Tests struct {
			V2          []test `yaml:"WeightedTweetsCounterTest"`
			V3          []test `yaml:"WeightedTweetsWithDiscountedEmojiCounterTest"`
			Directional []test `yaml:"UnicodeDirectionalMarkerCounterTest"`
		} `yaml:"tests"`
	}](t, "twitter-text", "conformance_validate.yml")
	suites := []struct {
		name  string
		cfg   XConfig
		tests []test
	}{
		{"WeightedTweetsCounterTest", XConfigV2(), doc.Tests.V2},
		{"WeightedTweetsWithDiscountedEmojiCounterTest", XConfigV3(), doc.Tests.V3},
		{"UnicodeDirectionalMarkerCounterTest", XConfigV3(), doc.Tests.Directional},
	}
	total := 0
	for _, s := range suites {
		total += len(s.tests)
		for _, c := range s.tests {
			t.Run(s.name+"/"+c.Description, func(t *testing.T) {
				t.Parallel()
				e := c.Expected
				require.Equal(t, XParse{
					WeightedLength: e.WeightedLength, Valid: e.Valid, Permillage: e.Permillage,
					DisplayRangeStart: e.DisplayRangeStart, DisplayRangeEnd: e.DisplayRangeEnd,
					ValidRangeStart: e.ValidRangeStart, ValidRangeEnd: e.ValidRangeEnd,
				}, ParseX(c.Text, s.cfg))
			})
		}
	}
	require.Equal(t, 44, total)
}

func TestXConfig_MatchesTwitterTextFiles(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]XConfig{
		"config_v1.json": XConfigV1(), "config_v2.json": XConfigV2(), "config_v3.json": XConfigV3(),
	} {
		data := refdata.Read(t, "twitter-text", name)
		var got XConfig
		require.NoError(t, json.Unmarshal(data, &got))
		if len(got.Ranges) == 0 {
			got.Ranges = nil
		}
		require.Equal(t, want, got, name)
	}
}

func TestX_Overflow(t *testing.T) {
	t.Parallel()
	// 140 CJK characters weigh 280; the 141st is the first too many.
	span, over := X().Overflow(strings.Repeat("字", 141) + "abc")
	require.True(t, over)
	require.Equal(t, 140, span.RuneStart)

	// A URL that crosses the limit overflows from its first character.
	text := strings.Repeat("a", 270) + " https://example.com/path"
	span, over = X().Overflow(text)
	require.True(t, over)
	require.Equal(t, 271, span.RuneStart)

	// Decomposed input: positions refer to the text as given.
	decomposed := strings.Repeat("e\u0301", 281)
	require.Equal(t, 281, X().Count(decomposed).Used)
	span, over = X().Overflow(decomposed)
	require.True(t, over)
	require.Equal(t, 560, span.RuneStart)

	_, over = X().Overflow(strings.Repeat("a", 280))
	require.False(t, over)
}
