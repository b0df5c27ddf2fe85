package report_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

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
