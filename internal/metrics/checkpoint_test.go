package metrics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/metrics"
)

func TestDueCheckpoint_ReadsTheLatestPassedCheckpointOnce(t *testing.T) {
	t.Parallel()
	pub := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := pub.Add(d); return &t }
	h := time.Hour
	cases := []struct {
		name string
		last *time.Time
		now  time.Duration
		want string // "" = nothing due
	}{
		{"TooEarly", nil, 59 * time.Minute, ""},
		{"FirstHour", nil, h, "1h"},
		{"FirstHourAlreadyRead", at(h + time.Minute), 2 * h, ""},
		{"ReadBeforeTheCheckpointDoesNotCount", at(30 * time.Minute), 90 * time.Minute, "1h"},
		{"SixHours", at(h), 6 * h, "6h"},
		{"LateRunCatchesUpWithTheLatestOnly", at(h), 50 * h, "24h"},
		{"NoReadingAtAllThreeDaysLate", nil, 80 * h, "3d"},
		{"SevenDays", at(72 * h), 7 * 24 * h, "7d"},
		{"ThirtyDays", at(7 * 24 * h), 30 * 24 * h, "30d"},
		{"Done", at(30 * 24 * h), 31 * 24 * h, ""},
		{"GivenUpAfterTheWindow", at(7 * 24 * h), 40 * 24 * h, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cp, due := metrics.DueCheckpoint(pub, c.last, pub.Add(c.now))
			require.Equal(t, c.want != "", due)
			require.Equal(t, c.want, cp.Name)
		})
	}
}

func TestCheckpointOf_NamesTheCheckpointAReadingStandsFor(t *testing.T) {
	t.Parallel()
	pub := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for after, want := range map[time.Duration]string{
		0: "", 59 * time.Minute: "", time.Hour: "1h", 5 * time.Hour: "1h", 6 * time.Hour: "6h", 30 * time.Hour: "24h",
		72 * time.Hour: "3d", 8 * 24 * time.Hour: "7d", 30 * 24 * time.Hour: "30d", 400 * 24 * time.Hour: "30d",
	} {
		require.Equal(t, want, metrics.CheckpointOf(pub, pub.Add(after)), "%v", after)
	}
}
