package metrics_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/metrics"
)

func TestParseCount_ReadsCountsAsPlatformsShowThem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1234", 1234},
		{"1,234", 1234},
		{"12,345,678", 12345678},
		{" 987 ", 987},
		{"1.2万", 12000},
		{"1.2 万", 12000},
		{"3.4w", 34000},
		{"3.4W", 34000},
		{"10万+", 100000},
		{"10w+", 100000},
		{"999+", 999},
		{"1.1亿", 110000000},
		{"2.5k", 2500},
		{"1.5M", 1500000},
		{"3千", 3000},
		{"1.23456万", 12346}, // rounded half up
		{"1.00005万", 10001},
		{"12.0", 12},
		{"１２３４", 1234},  // full-width digits
		{"１．２万", 12000}, // full-width point
		{"1，234", 1234}, // full-width comma
		{"1.2萬", 12000}, // Traditional
		{"9223372036854775807", 9223372036854775807},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, known, err := metrics.ParseCount(c.in)
			require.NoError(t, err)
			require.True(t, known)
			require.Equal(t, c.want, got)
		})
	}
}

func TestParseCount_BlanksAreUnknownNotZero(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "  ", "-", "--", "—", "N/A", "null"} {
		n, known, err := metrics.ParseCount(in)
		require.NoError(t, err, "%q", in)
		require.False(t, known, "%q", in)
		require.Zero(t, n)
	}
}

func TestParseCount_RefusesWhatIsNotACount(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"-5", "abc", "1.2.3", "12.5", "1,23", "1,2345", "12,34,567", "万", "+", "1.万", ".5万", "1e3", "1万万", "10+万", "9223372036854775808", "1亿亿", "0x10", "1 2 3a"} {
		_, _, err := metrics.ParseCount(in)
		require.Error(t, err, "%q", in)
	}
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"1.2万", "3.4w", "1,234", "10万+", "1.1亿", "", "-", "999999999999999999999", "１．２万", "0.00001亿"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, known, err := metrics.ParseCount(s)
		if err != nil || !known {
			require.Zero(t, n)
			return
		}
		require.GreaterOrEqual(t, n, int64(0), "%q", s)
		// The plain digits of the result read back as the same count.
		back, ok, err := metrics.ParseCount(strconv.FormatInt(n, 10))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, n, back)
	})
}

func FuzzParseCount_PlainNumbersRoundTrip(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1234567))
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			n = -(n + 1)
		}
		for _, s := range []string{strconv.FormatInt(n, 10), group(n)} {
			got, known, err := metrics.ParseCount(s)
			require.NoError(t, err, "%q", s)
			require.True(t, known)
			require.Equal(t, n, got, "%q", s)
		}
	})
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
