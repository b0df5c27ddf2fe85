package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

func TestCatalogs_EveryLanguageHasEveryKeyWithTheSamePlaceholders(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	require.NoError(t, err)
	en := c.messages["en"]
	require.NotEmpty(t, en)
	for _, lang := range service.Languages {
		msgs := c.messages[lang]
		for key, msg := range en {
			other, ok := msgs[key]
			if !ok {
				t.Errorf("%s: key %q is missing", lang, key)
				continue
			}
			if strings.TrimSpace(other) == "" {
				t.Errorf("%s: key %q is empty", lang, key)
			}
			if strings.HasPrefix(key, "format.") {
				// Date patterns pick their own fields (month name or number).
				continue
			}
			require.ElementsMatch(t, placeholders(msg), placeholders(other), "%s: %q has other placeholders than in English", lang, key)
		}
		for key := range msgs {
			if _, ok := en[key]; !ok {
				t.Errorf("%s: key %q is not in English", lang, key)
			}
		}
	}
}

func placeholders(msg string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(msg, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// usedKey finds the literal catalog keys in templates and Go code: .T "x",
// .TN "x", T("x"), "field.x", "<page>.title" passed to view().
var usedKey = regexp.MustCompile(`\.T "([a-z_.]+)"|\.TN "([a-z_.]+)"|\.T\("([a-z_.]+)"|"((?:field|login|setup|error|nav|dashboard|stories|story|summary)\.[a-z_.]+)"`)

func TestCatalogs_EveryKeyTheUIUsesExists(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	require.NoError(t, err)
	has := func(key string) bool { return c.has("en", key) }
	var used []string
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".go")) || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range usedKey.FindAllStringSubmatch(string(b), -1) {
			for _, k := range m[1:] {
				if k != "" && !strings.HasSuffix(k, ".") && !strings.HasSuffix(k, ".html") {
					used = append(used, k)
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(used), 50, "the scan finds the keys")
	for _, k := range used {
		if k == "error.title" || has(k) {
			continue
		}
		// TN keys are used with .one and .other.
		if has(k+".one") && has(k+".other") {
			continue
		}
		t.Errorf("key %q is used but not in the catalog", k)
	}

	// Keys made at run time: one per state, platform, code, ….
	var dynamic []string
	for _, st := range filterStates {
		dynamic = append(dynamic, "state."+string(st), "summary.state."+string(st))
	}
	for _, p := range ferry.Platforms {
		dynamic = append(dynamic, "platform."+string(p))
	}
	for _, code := range []string{ferry.EINVALID, ferry.ENOTFOUND, ferry.ECONFLICT, ferry.EUNAUTHORIZED, ferry.EFORBIDDEN, ferry.ETOOLARGE,
		ferry.EUNSUPPORTED, ferry.EUNPROCESSABLE, ferry.EINTERNAL, ferry.ESCHEMA} {
		dynamic = append(dynamic, "error."+code)
	}
	for _, h := range []ferry.AccountHealth{ferry.HealthConnected, ferry.HealthNeedsReauth, ferry.HealthClosed} {
		dynamic = append(dynamic, "health."+string(h))
	}
	for _, k := range []calendar.Kind{calendar.KindFestival, calendar.KindPublicHoliday, calendar.KindWorkingDay} {
		dynamic = append(dynamic, "kind."+string(k))
	}
	for _, r := range service.CalendarRegions() {
		dynamic = append(dynamic, "region."+r)
	}
	for _, o := range []string{ferry.OutcomePublished, ferry.OutcomeRetry, ferry.OutcomeFailed, ferry.OutcomeReauth, ferry.OutcomeUnknown, ferry.OutcomeReconciled, ferry.OutcomeAbandoned, "open"} {
		dynamic = append(dynamic, "outcome."+o)
	}
	for _, l := range service.Languages {
		dynamic = append(dynamic, "language."+l)
	}
	for _, n := range nav() {
		dynamic = append(dynamic, n.Key)
	}
	for i := 0; i < 7; i++ {
		dynamic = append(dynamic, "weekday."+strconv.Itoa(i))
	}
	for i := 1; i <= 12; i++ {
		dynamic = append(dynamic, "month."+strconv.Itoa(i))
	}
	for _, reason := range []string{"required", "invalid", "too_long", "too_short"} {
		dynamic = append(dynamic, "field."+reason)
	}
	for _, code := range ferry.ReasonCodes() {
		dynamic = append(dynamic, "reason."+string(code))
	}
	for _, unit := range []string{"days", "hours", "minutes", "seconds"} {
		dynamic = append(dynamic, "duration."+unit+".one", "duration."+unit+".other")
	}
	for _, k := range dynamic {
		require.True(t, has(k), "key %q is made at run time but not in the catalog", k)
	}
	require.False(t, has("no.such.key"))
	require.Equal(t, "[no.such.key]", c.translate("en", "no.such.key"))
}

func TestMatch_AcceptLanguagePicksTheScriptThePersonReads(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	require.NoError(t, err)
	for header, want := range map[string]string{
		"zh-HK,zh;q=0.9,en;q=0.8": "zh-Hant",
		"zh-TW":                   "zh-Hant",
		"zh-MO":                   "zh-Hant",
		"yue-HK":                  "zh-Hant",
		"zh-CN,zh;q=0.9":          "zh-Hans",
		"zh-SG":                   "zh-Hans",
		"zh":                      "zh-Hans",
		"en-GB,en;q=0.9":          "en",
		"fr-FR,zh-HK;q=0.5":       "zh-Hant",
		"fr-FR,de":                "en",
		"en;q=0.2,zh-Hant;q=0.9":  "zh-Hant",
		";;;garbage":              "en",
	} {
		require.Equal(t, want, c.match(header), header)
	}
}

func TestFormatTime_EachLanguageInTheWorkspaceZone(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	require.NoError(t, err)
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	require.NoError(t, err)
	at := time.Date(2026, 9, 25, 12, 0, 0, 0, time.UTC) // 20:00 in Hong Kong
	require.Equal(t, "2026年9月25日 星期五 20:00", c.formatTime("zh-Hant", "format.datetime", at, hk))
	require.Equal(t, "2026年9月25日 星期五 20:00", c.formatTime("zh-Hans", "format.datetime", at, hk))
	require.Equal(t, "Fri 25 Sep 2026, 20:00", c.formatTime("en", "format.datetime", at, hk))
	require.Equal(t, "Fri 25 Sep 2026, 12:00", c.formatTime("en", "format.datetime", at, time.UTC))
	require.Equal(t, "2026年9月26日 星期六", c.formatTime("zh-Hant", "format.date", at.Add(4*time.Hour), hk), "past midnight in Hong Kong")
	require.Equal(t, "Sep 2026", c.formatTime("en", "format.month", at, hk))
	require.Equal(t, "2026年9月", c.formatTime("zh-Hans", "format.month", at, hk))
}

// Every reason code has a message in every language, with the arguments
// the code's English words name: no more, no fewer.
func TestCatalogs_EveryReasonCodeIsWordedInEveryLanguage(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	require.NoError(t, err)
	for _, code := range ferry.ReasonCodes() {
		want := code.ArgNames()
		slices.Sort(want)
		for _, lang := range service.Languages {
			msg, ok := c.messages[lang]["reason."+string(code)]
			require.True(t, ok, "%s: reason %s has no message", lang, code)
			got := slices.Compact(placeholders(msg))
			require.Equal(t, want, got, "%s: reason %s names other arguments than its English words", lang, code)
		}
	}
}

func TestFormatDuration_EachLanguage(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	require.NoError(t, err)
	for _, tc := range []struct {
		d                  time.Duration
		en, zhHant, zhHans string
	}{
		{2 * time.Hour, "2 hours", "2 小時", "2 小时"},
		{time.Hour + 30*time.Minute, "1 hour 30 minutes", "1 小時 30 分鐘", "1 小时 30 分钟"},
		{48 * time.Hour, "2 days", "2 日", "2 天"},
		{time.Second, "1 second", "1 秒", "1 秒"},
		{0, "0 seconds", "0 秒", "0 秒"},
	} {
		require.Equal(t, tc.en, c.formatDuration("en", tc.d))
		require.Equal(t, tc.zhHant, c.formatDuration("zh-Hant", tc.d))
		require.Equal(t, tc.zhHans, c.formatDuration("zh-Hans", tc.d))
	}
}
