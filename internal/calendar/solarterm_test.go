package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSolarTermTime_MatchesPublishedInstants compares with instants published
// by the US Naval Observatory (equinoxes and solstices, to the minute).
func TestSolarTermTime_MatchesPublishedInstants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		year int
		term SolarTerm
		want time.Time
	}{
		{"DecemberSolstice2024", 2024, WinterSolstice, time.Date(2024, 12, 21, 9, 20, 0, 0, time.UTC)},
		{"MarchEquinox2025", 2025, SpringEquinox, time.Date(2025, 3, 20, 9, 1, 0, 0, time.UTC)},
		{"JuneSolstice2025", 2025, SummerSolstice, time.Date(2025, 6, 21, 2, 42, 0, 0, time.UTC)},
		{"SeptemberEquinox2023", 2023, AutumnEquinox, time.Date(2023, 9, 23, 6, 50, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SolarTermTime(tt.year, tt.term)
			require.NoError(t, err)
			require.WithinDuration(t, tt.want, got, time.Minute)
		})
	}
}

func TestSolarTermDate_IsTheDayInChinaStandardTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		year int
		term SolarTerm
		want Date
	}{
		// 2024-12-21 09:20 UTC is 17:20 in Beijing: the same day.
		{"Dongzhi2024", 2024, WinterSolstice, Date{2024, 12, 21}},
		// 2022-12-21 21:48 UTC is already the 22nd in Beijing (and Hong Kong).
		{"Dongzhi2022", 2022, WinterSolstice, Date{2022, 12, 22}},
		{"Qingming2024", 2024, Qingming, Date{2024, 4, 4}},
		{"Qingming2022", 2022, Qingming, Date{2022, 4, 5}},
		{"StartOfSpring2025", 2025, StartOfSpring, Date{2025, 2, 3}},
		{"MinorCold2025", 2025, MinorCold, Date{2025, 1, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SolarTermDate(tt.year, tt.term)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	t.Run("TermsOfAYearAreInOrderAndInTheYear", func(t *testing.T) {
		t.Parallel()
		for y := 1900; y <= 2100; y += 7 {
			prev := Date{y, 1, 1}
			for term := MinorCold; term <= WinterSolstice; term++ {
				d, err := SolarTermDate(y, term)
				require.NoError(t, err)
				require.Equal(t, y, d.Year, "%v %d", term, y)
				require.True(t, d.After(prev) || term == MinorCold, "%v %d", term, y)
				prev = d
			}
		}
	})
	t.Run("OutOfRange", func(t *testing.T) {
		t.Parallel()
		_, err := SolarTermDate(1899, Qingming)
		require.ErrorIs(t, err, ErrOutOfRange)
		_, err = SolarTermDate(2024, SolarTerm(24))
		require.Error(t, err)
	})
	t.Run("Names", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "qingming", Qingming.String())
		require.Equal(t, Names{"Winter Solstice", "冬至", "冬至"}, WinterSolstice.Names())
		require.Equal(t, "驚蟄", AwakeningOfInsects.Names().ZhHant)
		require.InDelta(t, 15.0, Qingming.Longitude(), 1e-9)
		require.InDelta(t, 270.0, WinterSolstice.Longitude(), 1e-9)
	})
}
