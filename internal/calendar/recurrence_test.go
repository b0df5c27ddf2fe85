package calendar

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/stretchr/testify/require"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestRecurrence_EveryMidAutumnAt8pmInHongKong(t *testing.T) {
	t.Parallel()
	hk := mustLoad(t, "Asia/Hong_Kong")
	r := Recurrence{Festival: MidAutumn, LocalTime: "20:00"}
	require.NoError(t, r.Validate())

	got := r.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), hk, 3)
	require.Equal(t, []time.Time{
		time.Date(2024, 9, 17, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 6, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 9, 25, 12, 0, 0, 0, time.UTC),
	}, utc(got))

	// Strictly after: starting at the 2024 instant itself skips it.
	got = r.Next(time.Date(2024, 9, 17, 12, 0, 0, 0, time.UTC), hk, 1)
	require.Equal(t, []time.Time{time.Date(2025, 10, 6, 12, 0, 0, 0, time.UTC)}, utc(got))
}

func TestRecurrence_Occurrences(t *testing.T) {
	t.Parallel()
	after := time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		r    Recurrence
		n    int
		want []Date
	}{
		{
			// Laba of lunar 2019 falls on 2020-01-02, after the start.
			name: "LabaFestivalCrossesGregorianYears",
			r:    Recurrence{Festival: Laba},
			n:    3,
			want: []Date{{2020, 1, 2}, {2021, 1, 20}, {2022, 1, 10}},
		},
		{
			// The 30th of the twelfth month: lunar 2019 and 2020 have it,
			// lunar 2021's twelfth month has 29 days, so its last day is used.
			name: "LunarDay30ClampsToTheLastDay",
			r:    Recurrence{LunarMonth: 12, LunarDay: 30},
			n:    3,
			want: []Date{{2020, 1, 24}, {2021, 2, 11}, {2022, 1, 31}},
		},
		{
			name: "LunarDay30CanSkipYears",
			r:    Recurrence{LunarMonth: 12, LunarDay: 30, Missing: SkipYear},
			n:    3,
			want: []Date{{2020, 1, 24}, {2021, 2, 11}, {2023, 1, 21}},
		},
		{
			// Leap fourth month exists in 2020 only; other years use the
			// regular fourth month.
			name: "LeapMonthFallsBackToTheRegularMonth",
			r:    Recurrence{LunarMonth: 4, LunarDay: 1, LunarLeap: true},
			n:    2,
			want: []Date{{2020, 5, 23}, {2021, 5, 12}},
		},
		{
			name: "LeapMonthCanSkipYears",
			r:    Recurrence{LunarMonth: 6, LunarDay: 1, LunarLeap: true, Missing: SkipYear},
			n:    1,
			want: []Date{{2025, 7, 25}},
		},
		{
			name: "February29Clamps",
			r:    Recurrence{Month: time.February, Day: 29},
			n:    3,
			want: []Date{{2020, 2, 29}, {2021, 2, 28}, {2022, 2, 28}},
		},
		{
			name: "February29CanSkipYears",
			r:    Recurrence{Month: time.February, Day: 29, Missing: SkipYear},
			n:    2,
			want: []Date{{2020, 2, 29}, {2024, 2, 29}},
		},
		{
			name: "QingmingFollowsTheSun",
			r:    Recurrence{Festival: QingmingFestival},
			n:    3,
			want: []Date{{2020, 4, 4}, {2021, 4, 4}, {2022, 4, 5}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.r.Next(after, time.UTC, tt.n)
			dates := make([]Date, len(got))
			for i, g := range got {
				dates[i] = DateOf(g)
			}
			require.Equal(t, tt.want, dates)
		})
	}
}

func TestRecurrence_DaylightSavingGapMovesForward(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	// Clocks went from 02:00 to 03:00 on 2026-03-08.
	r := Recurrence{Month: time.March, Day: 8, LocalTime: "02:30"}
	got := r.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, ny), ny, 1)
	require.Len(t, got, 1)
	require.Equal(t, time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), got[0].UTC())
}

func TestRecurrence_DaylightSavingOverlapTakesTheFirstInstant(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	// 01:30 happened twice on 2026-11-01: first at EDT (UTC-4).
	r := Recurrence{Month: time.November, Day: 1, LocalTime: "01:30"}
	got := r.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, ny), ny, 1)
	require.Len(t, got, 1)
	require.Equal(t, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), got[0].UTC())
}

func TestRecurrence_EndsWithTheSupportedRange(t *testing.T) {
	t.Parallel()
	r := Recurrence{Festival: ChineseNewYear}
	got := r.Next(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, 10)
	require.Len(t, got, 2) // 2099 and 2100
}

func TestRecurrence_Invalid(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]Recurrence{
		"Nothing":          {},
		"Two":              {Festival: MidAutumn, Month: time.May, Day: 1},
		"UnknownFestival":  {Festival: "halloween"},
		"BadLunarDay":      {LunarMonth: 1, LunarDay: 31},
		"BadGregorianDay":  {Month: time.April, Day: 31},
		"BadTime":          {Festival: MidAutumn, LocalTime: "8pm"},
		"HourOutOfRange":   {Festival: MidAutumn, LocalTime: "24:00"},
		"LeapWithoutMonth": {LunarLeap: true},
	} {
		require.ErrorIs(t, r.Validate(), ErrInvalidRecurrence, name)
		require.Nil(t, r.Next(time.Now(), time.UTC, 1), name)
	}
}

func utc(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}
