package calendar

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestToLunarAndBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		date  Date
		lunar LunarDate
	}{
		{"FirstDayOfTable1900", Date{1900, 1, 31}, LunarDate{1900, 1, 1, false}},
		{"January1900IsLunar1899", Date{1900, 1, 1}, LunarDate{1899, 12, 1, false}},
		{"LeapSecondMonth2023", Date{2023, 3, 22}, LunarDate{2023, 2, 1, true}},
		{"RegularMonthAfterLeap2023", Date{2023, 4, 20}, LunarDate{2023, 3, 1, false}},
		{"LeapFourthMonth2020", Date{2020, 5, 23}, LunarDate{2020, 4, 1, true}},
		{"LeapSixthMonth2025", Date{2025, 7, 25}, LunarDate{2025, 6, 1, true}},
		// The "2033 problem": the leap month is the 11th, not the 7th.
		{"LeapEleventhMonth2033", Date{2033, 12, 22}, LunarDate{2033, 11, 1, true}},
		{"MidAutumn2024", Date{2024, 9, 17}, LunarDate{2024, 8, 15, false}},
		{"Eve2024", Date{2025, 1, 28}, LunarDate{2024, 12, 29, false}},
		{"LastDayOf2100", Date{2100, 12, 31}, LunarDate{2100, 12, 1, false}},
		{"LastDayOfTable", Date{2101, 1, 28}, LunarDate{2100, 12, 29, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ToLunar(tt.date)
			require.NoError(t, err)
			require.Equal(t, tt.lunar, got)
			back, err := FromLunar(tt.lunar)
			require.NoError(t, err)
			require.Equal(t, tt.date, back)
		})
	}
}

func TestLeapMonth(t *testing.T) {
	t.Parallel()
	for y, want := range map[int]int{2017: 6, 2020: 4, 2023: 2, 2024: 0, 2025: 6, 2028: 5, 2033: 11, 2034: 0, 1900: 8} {
		got, err := LeapMonth(y)
		require.NoError(t, err)
		require.Equal(t, want, got, "leap month of %d", y)
	}
}

func TestFromLunar_RejectsDaysThatDoNotExist(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lunar LunarDate
		err   error
	}{
		{"LeapMonthTheYearLacks", LunarDate{2024, 6, 1, true}, ErrNoSuchLunarDate},
		{"WrongLeapMonth", LunarDate{2023, 3, 1, true}, ErrNoSuchLunarDate},
		{"DayThirtyOfShortMonth", LunarDate{2024, 12, 30, false}, ErrNoSuchLunarDate},
		{"MonthThirteen", LunarDate{2024, 13, 1, false}, ErrNoSuchLunarDate},
		{"DayZero", LunarDate{2024, 1, 0, false}, ErrNoSuchLunarDate},
		{"BeforeTable", LunarDate{1898, 1, 1, false}, ErrOutOfRange},
		{"AfterTable", LunarDate{2101, 1, 1, false}, ErrOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := FromLunar(tt.lunar)
			require.ErrorIs(t, err, tt.err)
		})
	}
	t.Run("MonthLengths", func(t *testing.T) {
		t.Parallel()
		n, err := LunarMonthDays(2024, 12, false)
		require.NoError(t, err)
		require.Equal(t, 29, n)
		n, err = LunarMonthDays(2023, 2, true)
		require.NoError(t, err)
		require.Equal(t, 29, n)
	})
}

func TestToLunar_OutOfRange(t *testing.T) {
	t.Parallel()
	_, err := ToLunar(Date{1899, 2, 9})
	require.ErrorIs(t, err, ErrOutOfRange)
	_, err = ToLunar(Date{2101, 1, 29})
	require.ErrorIs(t, err, ErrOutOfRange)
	_, err = ToLunar(Date{2023, 2, 29})
	require.Error(t, err)
}

// TestLunarRoundTrip_WholeRange converts every day of 1900–2100 to the lunar
// calendar and back, and checks that consecutive days are consecutive lunar
// days with months of 29 or 30 days.
func TestLunarRoundTrip_WholeRange(t *testing.T) {
	t.Parallel()
	prev, err := ToLunar(Date{1899, 12, 31})
	require.NoError(t, err)
	for d := (Date{1900, 1, 1}); d.Year <= 2100; d = d.AddDays(1) {
		l, err := ToLunar(d)
		require.NoError(t, err, "%v", d)
		back, err := FromLunar(l)
		require.NoError(t, err, "%v → %v", d, l)
		require.Equal(t, d, back, "%v → %v", d, l)
		if l.Day == 1 {
			require.Contains(t, []int{29, 30}, prev.Day, "month ending %v", d.AddDays(-1))
		} else {
			require.Equal(t, prev.Day+1, l.Day, "%v", d)
		}
		prev = l
	}
}

// FuzzLunarRoundTrip checks Gregorian → lunar → Gregorian is the identity
// for any day of the supported range.
func FuzzLunarRoundTrip(f *testing.F) {
	for _, seed := range []int64{0, 1, 45000, 73413, -1, 1 << 40} {
		f.Add(seed)
	}
	start := Date{1900, 1, 1}
	span := int64(Date{2100, 12, 31}.Sub(start) + 1)
	f.Fuzz(func(t *testing.T, n int64) {
		off := n % span
		if off < 0 {
			off += span
		}
		d := start.AddDays(int(off))
		l, err := ToLunar(d)
		if err != nil {
			t.Fatalf("ToLunar(%v): %v", d, err)
		}
		back, err := FromLunar(l)
		if err != nil {
			t.Fatalf("FromLunar(%v) from %v: %v", l, d, err)
		}
		if back != d {
			t.Fatalf("%v → %v → %v", d, l, back)
		}
	})
}
