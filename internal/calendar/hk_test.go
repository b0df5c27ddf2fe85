package calendar

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

type gazetteEntry struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

func readGazette(t *testing.T, lang string) map[Date]string {
	t.Helper()
	b, err := os.ReadFile(refdata.Path(t, "calendar", "hk_general_holidays_2011_2024."+lang+".json"))
	require.NoError(t, err)
	var entries []gazetteEntry
	require.NoError(t, json.Unmarshal(b, &entries))
	require.NotEmpty(t, entries)
	m := make(map[Date]string, len(entries))
	for _, e := range entries {
		m[e.Date] = e.Name
	}
	return m
}

// normalizeGazetteName irons out the variations the holiday feed itself has
// from year to year (a stray U+0080, "Chrstmas", "1 月 1 日" for "一月一日",
// an optional "the", 国庆节 for 国庆日 in some years, straight or curly
// apostrophes), so that names are compared for meaning. The test reports the
// exact-match rate as well.
func normalizeGazetteName(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer(
		"\u0080", "", "’", "'", "chrstmas", "christmas", "1 月 1 日", "一月一日",
		"国庆节", "国庆日", "the ", "", " ", "",
	).Replace(s)
	return s
}

// TestHKHolidays_MatchGazette2011To2024 checks every general holiday of the
// Government's feed, 2011-12-26 to 2024-12-26: the same dates, none missing
// and none extra, and the official name in English, Traditional and
// Simplified Chinese.
func TestHKHolidays_MatchGazette2011To2024(t *testing.T) {
	t.Parallel()
	en, tc, sc := readGazette(t, "en"), readGazette(t, "tc"), readGazette(t, "sc")

	from, to := Date{2011, 12, 26}, Date{2024, 12, 31}
	events, err := Events(RegionHK, from, to)
	require.NoError(t, err)

	// The feed lists general holidays other than Sundays (every Sunday is
	// one), one entry per date, so compare against ours on non-Sundays.
	ours := map[Date][]Event{}
	for _, e := range events {
		if e.Kind == KindPublicHoliday && e.Date.Weekday() != time.Sunday {
			ours[e.Date] = append(ours[e.Date], e)
		}
	}
	for d := range en {
		require.Contains(t, ours, d, "gazetted holiday %v (%s) not computed", d, en[d])
	}
	for d, es := range ours {
		require.Contains(t, en, d, "computed holiday %v (%s) not in the gazette", d, es[0].NameEN)
	}

	langs := []struct {
		name    string
		gazette map[Date]string
		pick    func(Event) string
	}{
		{"en", en, func(e Event) string { return e.NameEN }},
		{"tc", tc, func(e Event) string { return e.NameZhHant }},
		{"sc", sc, func(e Event) string { return e.NameZhHans }},
	}
	for _, l := range langs {
		exact, normalized := 0, 0
		for d, want := range l.gazette {
			var names []string
			for _, e := range ours[d] {
				names = append(names, l.pick(e))
			}
			for _, n := range names {
				if n == want {
					exact++
					break
				}
			}
			found := false
			for _, n := range names {
				found = found || normalizeGazetteName(n) == normalizeGazetteName(want)
			}
			require.True(t, found, "%s name on %v: gazette %q, ours %q", l.name, d, want, names)
			normalized++
		}
		t.Logf("%s: %d/%d dates, names %d exact and %d after normalising the feed's variants",
			l.name, len(l.gazette), len(l.gazette), exact, normalized)
	}
}

// TestHKHolidays_SubstitutionRules pins the substitution edge cases, from the
// gazette of each year.
func TestHKHolidays_SubstitutionRules(t *testing.T) {
	t.Parallel()
	type day struct {
		date       Date
		key        string
		nameEN     string
		substitute bool
	}
	tests := []struct {
		name string
		from Date
		to   Date
		want []day // every non-Sunday public holiday in [from, to]
	}{
		{
			// Ching Ming on Easter Sunday: its Monday substitute takes Easter
			// Monday's place, and Easter Monday moves to Tuesday.
			name: "ChingMingOnEasterSunday2015",
			from: Date{2015, 4, 1}, to: Date{2015, 4, 30},
			want: []day{
				{Date{2015, 4, 3}, "good_friday", "Good Friday", false},
				{Date{2015, 4, 4}, "day_following_good_friday", "The day following Good Friday", false},
				{Date{2015, 4, 6}, "ching_ming", "The day following Ching Ming Festival", true},
				{Date{2015, 4, 6}, "easter_monday", "Easter Monday", false},
				{Date{2015, 4, 7}, "easter_monday", "The day following Easter Monday", true},
			},
		},
		{
			name: "ChingMingOnEasterSunday2026",
			from: Date{2026, 4, 1}, to: Date{2026, 4, 30},
			want: []day{
				{Date{2026, 4, 3}, "good_friday", "Good Friday", false},
				{Date{2026, 4, 4}, "day_following_good_friday", "The day following Good Friday", false},
				{Date{2026, 4, 6}, "ching_ming", "The day following Ching Ming Festival", true},
				{Date{2026, 4, 6}, "easter_monday", "Easter Monday", false},
				{Date{2026, 4, 7}, "easter_monday", "The day following Easter Monday", true},
			},
		},
		{
			// Mid-Autumn on Sunday 30 September: the day after is National
			// Day, which moves to 2 October.
			name: "DayAfterMidAutumnClashesWithNationalDay2012",
			from: Date{2012, 9, 29}, to: Date{2012, 10, 3},
			want: []day{
				{Date{2012, 10, 1}, "day_following_mid_autumn", "The day following the Chinese Mid-Autumn Festival", false},
				{Date{2012, 10, 1}, "national_day", "National Day", false},
				{Date{2012, 10, 2}, "national_day", "The day following National Day", true},
			},
		},
		{
			name: "DayAfterMidAutumnOnSunday2022",
			from: Date{2022, 9, 9}, to: Date{2022, 9, 13},
			want: []day{{Date{2022, 9, 12}, "day_following_mid_autumn", "The second day following the Chinese Mid-Autumn Festival", true}},
		},
		{
			// Before the 2011 amendment the festival day itself was given.
			name: "DayAfterMidAutumnOnSundayBefore2012",
			from: Date{2009, 10, 1}, to: Date{2009, 10, 5},
			want: []day{
				{Date{2009, 10, 1}, "national_day", "National Day", false},
				{Date{2009, 10, 3}, "day_following_mid_autumn", "Chinese Mid-Autumn Festival", true},
			},
		},
		{
			name: "LunarNewYearOnSunday2023",
			from: Date{2023, 1, 20}, to: Date{2023, 1, 31},
			want: []day{
				{Date{2023, 1, 23}, "lunar_new_year_day2", "The second day of Lunar New Year", false},
				{Date{2023, 1, 24}, "lunar_new_year_day3", "The third day of Lunar New Year", false},
				{Date{2023, 1, 25}, "lunar_new_year", "The fourth day of Lunar New Year", true},
			},
		},
		{
			name: "ThirdDayOfLunarNewYearOnSunday2014",
			from: Date{2014, 1, 30}, to: Date{2014, 2, 5},
			want: []day{
				{Date{2014, 1, 31}, "lunar_new_year", "Lunar New Year’s Day", false},
				{Date{2014, 2, 1}, "lunar_new_year_day2", "The second day of Lunar New Year", false},
				{Date{2014, 2, 3}, "lunar_new_year_day3", "The fourth day of Lunar New Year", true},
			},
		},
		{
			name: "SecondDayOfLunarNewYearOnSunday2027",
			from: Date{2027, 2, 5}, to: Date{2027, 2, 10},
			want: []day{
				{Date{2027, 2, 6}, "lunar_new_year", "Lunar New Year’s Day", false},
				{Date{2027, 2, 8}, "lunar_new_year_day3", "The third day of Lunar New Year", false},
				{Date{2027, 2, 9}, "lunar_new_year_day2", "The fourth day of Lunar New Year", true},
			},
		},
		{
			// Before the amendment, the eve was given instead (gazette 2010).
			name: "LunarNewYearOnSundayBefore2012",
			from: Date{2010, 2, 12}, to: Date{2010, 2, 17},
			want: []day{
				{Date{2010, 2, 13}, "lunar_new_year", "The day preceding Lunar New Year’s Day", true},
				{Date{2010, 2, 15}, "lunar_new_year_day2", "The second day of Lunar New Year", false},
				{Date{2010, 2, 16}, "lunar_new_year_day3", "The third day of Lunar New Year", false},
			},
		},
		{
			name: "ChristmasOnSunday2022",
			from: Date{2022, 12, 24}, to: Date{2022, 12, 31},
			want: []day{
				{Date{2022, 12, 26}, "first_weekday_after_christmas", "The first weekday after Christmas Day", false},
				{Date{2022, 12, 27}, "christmas_day", "The second weekday after Christmas Day", true},
			},
		},
		{
			// 26 December is a Sunday, so the first weekday after Christmas
			// is the 27th; that is its definition, not a substitution.
			name: "ChristmasOnSaturday2021",
			from: Date{2021, 12, 24}, to: Date{2021, 12, 31},
			want: []day{
				{Date{2021, 12, 25}, "christmas_day", "Christmas Day", false},
				{Date{2021, 12, 27}, "first_weekday_after_christmas", "The first weekday after Christmas Day", false},
			},
		},
		{
			name: "FirstOfJanuaryOnSunday2023",
			from: Date{2023, 1, 1}, to: Date{2023, 1, 3},
			want: []day{{Date{2023, 1, 2}, "new_year", "The day following the first day of January", true}},
		},
		{
			name: "BuddhaAndChungYeungOnSunday2026",
			from: Date{2026, 5, 20}, to: Date{2026, 10, 31},
			want: []day{
				{Date{2026, 5, 25}, "buddha_birthday", "The day following the Birthday of the Buddha", true},
				{Date{2026, 6, 19}, "tuen_ng", "Tuen Ng Festival", false},
				{Date{2026, 7, 1}, "hksar_establishment_day", "Hong Kong Special Administrative Region Establishment Day", false},
				{Date{2026, 9, 26}, "day_following_mid_autumn", "The day following the Chinese Mid-Autumn Festival", false},
				{Date{2026, 10, 1}, "national_day", "National Day", false},
				{Date{2026, 10, 19}, "chung_yeung", "The day following Chung Yeung Festival", true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			events, err := Events(RegionHK, tt.from, tt.to)
			require.NoError(t, err)
			var got []day
			for _, e := range events {
				if e.Kind == KindPublicHoliday && e.Date.Weekday() != time.Sunday {
					got = append(got, day{e.Date, e.Key, e.NameEN, e.Substitute})
				}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestHKHolidays_SundayHolidayIsReportedOnItsDay(t *testing.T) {
	t.Parallel()
	events, err := Events(RegionHK, Date{2022, 12, 25}, Date{2022, 12, 25})
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, "christmas_day", events[0].Key)
	require.False(t, events[0].Substitute)
}

func TestEaster(t *testing.T) {
	t.Parallel()
	for y, want := range map[int]Date{
		2000: {2000, 4, 23}, 2008: {2008, 3, 23}, 2011: {2011, 4, 24}, 2019: {2019, 4, 21},
		2024: {2024, 3, 31}, 2025: {2025, 4, 20}, 2038: {2038, 4, 25}, 2100: {2100, 3, 28},
	} {
		require.Equal(t, want, Easter(y), "Easter %d", y)
	}
}

// TestHKHolidays_MatchGazette2025To2027 checks the lists gazetted after the
// reference feed ends (gov.hk, "General holidays for 2025/2026/2027").
func TestHKHolidays_MatchGazette2025To2027(t *testing.T) {
	t.Parallel()
	gazette := map[int][]string{
		2025: {
			"2025-01-01 The first day of January", "2025-01-29 Lunar New Year’s Day",
			"2025-01-30 The second day of Lunar New Year", "2025-01-31 The third day of Lunar New Year",
			"2025-04-04 Ching Ming Festival", "2025-04-18 Good Friday", "2025-04-19 The day following Good Friday",
			"2025-04-21 Easter Monday", "2025-05-01 Labour Day", "2025-05-05 The Birthday of the Buddha",
			"2025-05-31 Tuen Ng Festival", "2025-07-01 Hong Kong Special Administrative Region Establishment Day",
			"2025-10-01 National Day", "2025-10-07 The day following the Chinese Mid-Autumn Festival",
			"2025-10-29 Chung Yeung Festival", "2025-12-25 Christmas Day", "2025-12-26 The first weekday after Christmas Day",
		},
		2026: {
			"2026-01-01 The first day of January", "2026-02-17 Lunar New Year’s Day",
			"2026-02-18 The second day of Lunar New Year", "2026-02-19 The third day of Lunar New Year",
			"2026-04-03 Good Friday", "2026-04-04 The day following Good Friday",
			"2026-04-06 The day following Ching Ming Festival", "2026-04-07 The day following Easter Monday",
			"2026-05-01 Labour Day", "2026-05-25 The day following the Birthday of the Buddha",
			"2026-06-19 Tuen Ng Festival", "2026-07-01 Hong Kong Special Administrative Region Establishment Day",
			"2026-09-26 The day following the Chinese Mid-Autumn Festival", "2026-10-01 National Day",
			"2026-10-19 The day following Chung Yeung Festival", "2026-12-25 Christmas Day",
			"2026-12-26 The first weekday after Christmas Day",
		},
		2027: {
			"2027-01-01 The first day of January", "2027-02-06 Lunar New Year’s Day",
			"2027-02-08 The third day of Lunar New Year", "2027-02-09 The fourth day of Lunar New Year",
			"2027-03-26 Good Friday", "2027-03-27 The day following Good Friday", "2027-03-29 Easter Monday",
			"2027-04-05 Ching Ming Festival", "2027-05-01 Labour Day", "2027-05-13 The Birthday of the Buddha",
			"2027-06-09 Tuen Ng Festival", "2027-07-01 Hong Kong Special Administrative Region Establishment Day",
			"2027-09-16 The day following the Chinese Mid-Autumn Festival", "2027-10-01 National Day",
			"2027-10-08 Chung Yeung Festival", "2027-12-25 Christmas Day", "2027-12-27 The first weekday after Christmas Day",
		},
	}
	for y, want := range gazette {
		events, err := Events(RegionHK, Date{y, 1, 1}, Date{y, 12, 31})
		require.NoError(t, err)
		var got []string
		for _, e := range events {
			// One entry per non-Sunday date; on a clash the gazette names the
			// holiday that keeps the day, which is listed first.
			if e.Kind == KindPublicHoliday && e.Date.Weekday() != time.Sunday &&
				(len(got) == 0 || !strings.HasPrefix(got[len(got)-1], e.Date.String())) {
				got = append(got, e.Date.String()+" "+e.NameEN)
			}
		}
		require.Equal(t, want, got, "%d", y)
	}
}
