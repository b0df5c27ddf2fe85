package calendar

import (
	"encoding/csv"
	"os"
	"testing"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

type festivalRow struct {
	date Date
	key  string
}

func readFestivalCSV(t *testing.T) []festivalRow {
	t.Helper()
	f, err := os.Open(refdata.Path(t, "calendar", "festivals_2020_2028.csv"))
	require.NoError(t, err)
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"date", "festival"}, records[0])
	rows := make([]festivalRow, 0, len(records)-1)
	for _, r := range records[1:] {
		d, err := ParseDate(r[0])
		require.NoError(t, err)
		rows = append(rows, festivalRow{d, r[1]})
	}
	require.NotEmpty(t, rows)
	return rows
}

// TestFestivals_MatchReferenceCalendars checks every row of the reference
// file, on which four to six independent calendars agree.
func TestFestivals_MatchReferenceCalendars(t *testing.T) {
	t.Parallel()
	rows := readFestivalCSV(t)
	for _, row := range rows {
		got, err := FestivalDate(row.key, row.date.Year)
		require.NoError(t, err, "%s %d", row.key, row.date.Year)
		require.Equal(t, row.date, got, "%s %d", row.key, row.date.Year)
	}
	t.Logf("%d/%d reference festival dates match", len(rows), len(rows))
}

// TestEvents_FestivalsAreExactlyTheReferenceOnes checks the other direction:
// over 2020–2028, Events reports those festivals on those dates and no others.
func TestEvents_FestivalsAreExactlyTheReferenceOnes(t *testing.T) {
	t.Parallel()
	rows := readFestivalCSV(t)
	want := map[festivalRow]bool{}
	keys := map[string]bool{}
	for _, r := range rows {
		want[r] = true
		keys[r.key] = true
	}

	events, err := Events(RegionHK, Date{2020, 1, 1}, Date{2028, 12, 31})
	require.NoError(t, err)
	got := map[festivalRow]bool{}
	for _, e := range events {
		if e.Kind == KindFestival && keys[e.Key] {
			got[festivalRow{e.Date, e.Key}] = true
		}
	}
	require.Equal(t, want, got)
}

func TestFestivalDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		year int
		want Date
	}{
		{"LanternAfterLeapYear", Lantern, 2024, Date{2024, 2, 24}},
		{"QixiIn2025", Qixi, 2025, Date{2025, 8, 29}},
		{"HungryGhostIn2025", HungryGhost, 2025, Date{2025, 9, 6}},
		// Lunar 2020 repeats month 4; the Buddha's birthday stays in the regular month.
		{"BuddhaBirthdayInLeapFourthMonthYear", BuddhaBirthday, 2020, Date{2020, 4, 30}},
		// Laba, Little New Year and the eve of lunar year 2024 fall in 2025.
		{"LabaOfLunar2024", Laba, 2024, Date{2025, 1, 7}},
		{"LittleNewYearOfLunar2024", LittleNewYear, 2024, Date{2025, 1, 22}},
		{"EveOf29DayMonth", ChineseNewYearsEve, 2024, Date{2025, 1, 28}},
		{"EveOf30DayMonth", ChineseNewYearsEve, 2022, Date{2023, 1, 21}},
		{"WinterSolstice2024", WinterSolsticeFest, 2024, Date{2024, 12, 21}},
		{"CNYDay3", ChineseNewYearDay3, 2025, Date{2025, 1, 31}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FestivalDate(tt.key, tt.year)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}

	t.Run("UnknownKey", func(t *testing.T) {
		t.Parallel()
		_, err := FestivalDate("easter", 2025)
		require.ErrorIs(t, err, ErrUnknownFestival)
	})
	t.Run("EveryKeyHasNamesInThreeScripts", func(t *testing.T) {
		t.Parallel()
		for _, k := range FestivalKeys() {
			n, err := FestivalNames(k)
			require.NoError(t, err)
			require.NotEmpty(t, n.EN, k)
			require.NotEmpty(t, n.ZhHant, k)
			require.NotEmpty(t, n.ZhHans, k)
		}
	})
}
