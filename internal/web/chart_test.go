package web

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNumbers_ChineseShortFormBesideTheExactFigure(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{
		{"zh-Hant", 12_345, "1.2萬"}, {"zh-Hans", 12_345, "1.2万"}, {"zh-Hant", 123_456_789, "1.2億"}, {"zh-Hans", 350_000_000, "3.5亿"},
		{"zh-Hant", 9_999, "9,999"}, {"zh-Hant", 100_000, "10萬"}, {"en", 12_345, "12.3K"}, {"en", 4_560_000, "4.6M"}, {"zh-Hant", -25_000, "-2.5萬"},
	} {
		require.Equal(t, c.want, ShortCount(c.lang, c.n), "%s %d", c.lang, c.n)
	}
	require.Equal(t, `<span class="num"><span class="num-short">1.2萬</span> <span class="num-exact">(12,345)</span></span>`, string(NumberHTML("zh-Hant", 12_345)))
	require.Equal(t, `<span class="num">12,345</span>`, string(NumberHTML("en", 12_345)))
	require.Equal(t, "2.42%", FormatPercent(0.02421))
}

func TestLineChart_TitledDescribedAndAxesTellTicksApart(t *testing.T) {
	c := LineChart{ID: "f", Title: "追蹤者", Desc: "由 15,000 至 16,500",
		Series: []ChartSeries{{Name: "a", Points: []ChartPoint{{0, 15_000}, {1, 15_800}, {2, 16_500}}}},
		XTicks: []ChartTick{{0, "2025年12月"}, {2, "2026年12月"}},
		YLabel: func(f float64) string { return ShortCount("zh-Hant", int64(f)) }}
	svg := string(c.SVG())
	require.Contains(t, svg, `role="img" aria-labelledby="f-t f-d"`)
	require.Contains(t, svg, `<title id="f-t">追蹤者</title><desc id="f-d">由 15,000 至 16,500</desc>`)
	require.Contains(t, svg, ">2025年12月</text>")
	require.Contains(t, svg, ">15,500</text>", "500-step ticks are written exactly: 1.5萬 twice would say nothing")
	require.NotContains(t, svg, "萬</text>")
	require.Equal(t, 1, strings.Count(svg, "<polyline"))
	require.Empty(t, string(Sparkline([]float64{1}, "x")), "one value draws no trend")
	require.Contains(t, string(Sparkline([]float64{1, 2, 3}, "a & b")), `aria-label="a &amp; b"`)
}
