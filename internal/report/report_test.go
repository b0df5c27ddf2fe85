package report_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/sfnt"

	"github.com/ferry-social/ferry/internal/report"
)

func TestNumber_ReadsAsPeopleOfTheLanguageReadIt(t *testing.T) {
	t.Parallel()
	require.Equal(t, "43,000", report.Number(43000, "en"))
	require.Equal(t, "4.3萬 (43,000)", report.Number(43000, "zh-Hant"))
	require.Equal(t, "4.3万 (43,000)", report.Number(43000, "zh-Hans"))
	require.Equal(t, "9,999", report.Number(9999, "zh-Hans"))
	require.Equal(t, "-1.2万 (-12,000)", report.Number(-12000, "zh-Hans"))
	require.Equal(t, "1万 (10,000)", report.Number(10000, "zh-Hans"))
}

func TestLanguage_MapsBrowserTagsToTheThreeLanguages(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "en", "fr": "en", "zh-TW": "zh-Hant", "zh-HK": "zh-Hant", "zh-Hant": "zh-Hant", "zh-CN": "zh-Hans", "zh": "zh-Hans", "zh-Hans-CN": "zh-Hans"} {
		require.Equal(t, want, report.Language(in), in)
	}
}

func TestCatalogs_EveryKeyInEveryLanguage(t *testing.T) {
	t.Parallel()
	keys := map[string][]string{}
	for _, l := range report.Languages {
		b, err := os.ReadFile("i18n/" + l + "/reports.json")
		require.NoError(t, err)
		m := map[string]string{}
		require.NoError(t, json.Unmarshal(b, &m))
		for k, v := range m {
			require.NotEmpty(t, v, "%s %s", l, k)
			keys[l] = append(keys[l], k)
		}
	}
	for _, l := range report.Languages[1:] {
		require.ElementsMatch(t, keys["en"], keys[l], l)
	}
}

// TestFont_HasEveryCharacterOfTheCatalogs: the shipped font has a glyph for
// every character of the report's own words (else a catalog change needs
// fonts/subset.py run again), for both scripts' common characters, and for
// Latin, digits and punctuation.
func TestFont_HasEveryCharacterOfTheCatalogs(t *testing.T) {
	t.Parallel()
	f, err := sfnt.Parse(report.Font)
	require.NoError(t, err)
	name, err := f.Name(nil, sfnt.NameIDPostScript)
	require.NoError(t, err)
	require.Equal(t, report.FontPostScriptName, name)
	family, err := f.Name(nil, sfnt.NameIDFamily)
	require.NoError(t, err)
	require.Equal(t, report.FontFamily, family, "the name report.html asks for")
	html, err := os.ReadFile("report.html")
	require.NoError(t, err)
	require.Contains(t, string(html), `font-family: "`+report.FontFamily+`"`)
	var buf sfnt.Buffer
	has := func(r rune) bool {
		g, err := f.GlyphIndex(&buf, r)
		return err == nil && g != 0
	}
	for _, l := range report.Languages {
		b, err := os.ReadFile("i18n/" + l + "/reports.json")
		require.NoError(t, err)
		m := map[string]string{}
		require.NoError(t, json.Unmarshal(b, &m))
		for k, v := range m {
			for _, r := range v {
				require.True(t, has(r), "%s %s: %q (U+%04X) is not in the shipped font; run internal/report/fonts/subset.py", l, k, r, r)
			}
		}
	}
	for _, r := range "香港旅遊發展局月餅分享祝大家中秋快樂！天氣今日有雨萬粉絲帖文互動讚好留言" +
		"香港旅游发展局月饼分享祝大家中秋快乐！天气今日有雨万粉丝帖子互动点赞评论" +
		"AZaz09 ,.;:!?()[]{}@#%&*+-=/<>'\"–—…·、。，；：「」『』《》（）%" {
		require.True(t, has(r), "%q (U+%04X)", r, r)
	}
	// Outside the subset (a rare ideograph, an emoji): the doc says what happens.
	require.False(t, has('𠀋'))
}
