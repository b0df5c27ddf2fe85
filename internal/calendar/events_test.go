package calendar

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEvents_UnknownRegionIsATypedError(t *testing.T) {
	t.Parallel()
	_, err := Events("SG", Date{2025, 1, 1}, Date{2025, 12, 31})
	var ure *UnknownRegionError
	require.True(t, errors.As(err, &ure))
	require.Equal(t, "SG", ure.Region)
}

func TestEvents_RegionIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	events, err := Events("hk", Date{2025, 10, 1}, Date{2025, 10, 1})
	require.NoError(t, err)
	require.NotEmpty(t, events)
	require.Equal(t, RegionHK, events[0].Region)
}

func TestEvents_SortedByDate(t *testing.T) {
	t.Parallel()
	for _, region := range []string{RegionHK, RegionCN, RegionTW, RegionMO} {
		events, err := Events(region, Date{2024, 1, 1}, Date{2026, 12, 31})
		require.NoError(t, err, region)
		require.True(t, slices.IsSortedFunc(events, func(a, b Event) int { return a.Date.Compare(b.Date) }), region)
		for _, e := range events {
			require.Equal(t, region, e.Region)
			require.NotEmpty(t, e.Key)
			require.NotEmpty(t, e.NameEN, e.Key)
			require.NotEmpty(t, e.NameZhHant, e.Key)
			require.NotEmpty(t, e.NameZhHans, e.Key)
		}
	}
}

func TestEvents_EmptyAndInvalidRanges(t *testing.T) {
	t.Parallel()
	events, err := Events(RegionHK, Date{2025, 2, 1}, Date{2025, 1, 1})
	require.NoError(t, err)
	require.Empty(t, events)
	_, err = Events(RegionHK, Date{2025, 2, 30}, Date{2025, 3, 1})
	require.Error(t, err)
}

func TestEvents_CNOutsideTheDataGivesFestivalsAndACoverageError(t *testing.T) {
	t.Parallel()
	first, last := CNHolidayYears()
	require.Equal(t, 2002, first)
	require.GreaterOrEqual(t, last, 2026)

	events, err := Events(RegionCN, Date{last, 12, 1}, Date{last + 1, 12, 31})
	require.ErrorIs(t, err, ErrNoHolidayData)
	var ce *CoverageError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, []int{last + 1}, ce.Years)

	kinds := map[Kind]bool{}
	for _, e := range events {
		if e.Date.Year == last+1 {
			kinds[e.Kind] = true
		}
	}
	require.Equal(t, map[Kind]bool{KindFestival: true}, kinds, "only festivals in the uncovered year")
}

func TestEvents_CNHolidaysAndMakeUpWorkingDays(t *testing.T) {
	t.Parallel()
	// Spring Festival 2024 (State Council notice): 10–17 February off,
	// Sunday 4 and Sunday 18 February worked.
	events, err := Events(RegionCN, Date{2024, 2, 1}, Date{2024, 2, 29})
	require.NoError(t, err)
	var off, work []Date
	for _, e := range events {
		switch e.Kind {
		case KindPublicHoliday:
			require.Equal(t, "spring_festival", e.Key)
			off = append(off, e.Date)
		case KindWorkingDay:
			work = append(work, e.Date)
		}
	}
	require.Equal(t, []Date{{2024, 2, 4}, {2024, 2, 18}}, work)
	require.Len(t, off, 8)
	require.Equal(t, Date{2024, 2, 10}, off[0])
	require.Equal(t, Date{2024, 2, 17}, off[7])
}

func TestEvents_HKBeforeTheComputedYears(t *testing.T) {
	t.Parallel()
	events, err := Events(RegionHK, Date{1999, 1, 1}, Date{2000, 12, 31})
	var ce *CoverageError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, []int{1999}, ce.Years)
	require.NotEmpty(t, events)
}

func TestTWHolidays(t *testing.T) {
	t.Parallel()
	type day struct {
		date Date
		key  string
		sub  bool
	}
	tests := []struct {
		name     string
		from, to Date
		want     []day // days off that are not weekends
	}{
		{
			// Children's Day and Tomb Sweeping Day on a Thursday: the
			// Children's Day holiday moves to the Friday.
			name: "ChildrensDayOnTombSweepingThursday2024",
			from: Date{2024, 4, 1}, to: Date{2024, 4, 7},
			want: []day{{Date{2024, 4, 4}, "tomb_sweeping_day", false}, {Date{2024, 4, 4}, "childrens_day", false}, {Date{2024, 4, 5}, "childrens_day", true}},
		},
		{
			name: "ChildrensDayOnTombSweepingFriday2025",
			from: Date{2025, 4, 1}, to: Date{2025, 4, 7},
			want: []day{{Date{2025, 4, 3}, "childrens_day", true}, {Date{2025, 4, 4}, "tomb_sweeping_day", false}, {Date{2025, 4, 4}, "childrens_day", false}},
		},
		{
			name: "SaturdayToFridaySundayToMonday2026",
			from: Date{2026, 4, 1}, to: Date{2026, 4, 7},
			want: []day{{Date{2026, 4, 3}, "childrens_day", true}, {Date{2026, 4, 6}, "tomb_sweeping_day", true}},
		},
		{
			// Little New Year's Eve (new in 2026) falls on a Sunday and is
			// made up after the third day: nine days off, 14–22 February.
			name: "SpringFestival2026",
			from: Date{2026, 2, 14}, to: Date{2026, 2, 22},
			want: []day{
				{Date{2026, 2, 16}, "lunar_new_years_eve", false},
				{Date{2026, 2, 17}, "spring_festival", false},
				{Date{2026, 2, 18}, "spring_festival_day2", false},
				{Date{2026, 2, 19}, "spring_festival_day3", false},
				{Date{2026, 2, 20}, "little_new_years_eve", true},
			},
		},
		{
			name: "HolidaysAddedIn2025",
			from: Date{2025, 9, 1}, to: Date{2025, 12, 31},
			want: []day{
				{Date{2025, 9, 29}, "confucius_birthday", true},
				{Date{2025, 10, 6}, "mid_autumn", false},
				{Date{2025, 10, 10}, "national_day", false},
				{Date{2025, 10, 24}, "retrocession_day", true},
				{Date{2025, 12, 25}, "constitution_day", false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			events, err := Events(RegionTW, tt.from, tt.to)
			require.NoError(t, err)
			var got []day
			for _, e := range events {
				if e.Kind == KindPublicHoliday && !isWeekend(e.Date) {
					got = append(got, day{e.Date, e.Key, e.Substitute})
				}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMOHolidays(t *testing.T) {
	t.Parallel()
	events, err := Events(RegionMO, Date{2025, 1, 1}, Date{2025, 12, 31})
	require.NoError(t, err)
	got := map[string]Date{}
	for _, e := range events {
		if e.Kind == KindPublicHoliday {
			got[e.Key] = e.Date
		}
	}
	require.Len(t, got, 20)
	require.Equal(t, Date{2025, 4, 19}, got["holy_saturday"])
	require.Equal(t, Date{2025, 10, 7}, got["day_following_mid_autumn"])
	require.Equal(t, Date{2025, 12, 21}, got["winter_solstice"])
	require.Equal(t, Date{2025, 12, 20}, got["macao_sar_establishment_day"])
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	d, err := ParseDate("2024-02-29")
	require.NoError(t, err)
	require.Equal(t, Date{2024, time.February, 29}, d)
	require.Equal(t, "2024-02-29", d.String())
	require.Equal(t, time.Thursday, d.Weekday())

	for _, bad := range []string{"2023-02-29", "2024-13-01", "24-01-01", "2024/01/01", ""} {
		_, err := ParseDate(bad)
		require.Error(t, err, bad)
	}
}

func TestDateArithmetic(t *testing.T) {
	t.Parallel()
	require.Equal(t, Date{2025, 3, 1}, Date{2024, 12, 31}.AddDays(60))
	require.Equal(t, Date{1969, 12, 31}, Date{1970, 1, 1}.AddDays(-1))
	require.Equal(t, 366, Date{2025, 1, 1}.Sub(Date{2024, 1, 1}))
	require.Equal(t, Date{2025, 2, 1}, NewDate(2025, time.January, 32))
	require.True(t, Date{2025, 1, 1}.Before(Date{2025, 1, 2}))
	require.Equal(t, time.Saturday, Date{2000, 1, 1}.Weekday())
	require.Equal(t, time.Sunday, Date{1899, 12, 31}.Weekday())

	var d Date
	require.NoError(t, d.UnmarshalText([]byte("2025-10-06")))
	b, err := d.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "2025-10-06", string(b))
}
