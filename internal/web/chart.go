package web

// Charts and numbers for the analytics pages (and the reports that reuse
// them): drawn on the server as SVG, so they read without JavaScript and
// print as they show. Every chart carries a <title> and <desc>; the pages
// put a data table beside each chart for screen readers. Labels are given
// by the caller, already in the page's language; the text inherits the
// page's font, so Chinese labels render with the page's CJK fonts.

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// chartPalette colours a chart's series, in order; each is at least 3:1
// against white. analytics.css repeats it for the legend (.swatch.c0 …).
var chartPalette = []string{"#0b5cad", "#c0392b", "#1d6b3a", "#8e44ad", "#b35900", "#00727a", "#4a5259"}

// ChartPoint is one point of a series: X is a time (Unix seconds) or an
// index, as the chart's ticks are.
type ChartPoint struct{ X, Y float64 }

// ChartSeries is one line of a chart.
type ChartSeries struct {
	Name   string
	Points []ChartPoint
}

// ChartTick is a labelled position on the x axis.
type ChartTick struct {
	X     float64
	Label string
}

// LineChart is a line chart with axes. Title and Desc are its accessible
// name and description (Desc should say what the chart shows in words:
// "from 1,200 to 1,450 followers").
type LineChart struct {
	ID          string // unique on the page: the <title>/<desc> ids derive from it
	Title, Desc string
	Series      []ChartSeries
	XTicks      []ChartTick
	// XMin and XMax fix the x range; both zero means the data's.
	XMin, XMax float64
	// YLabel formats a y tick; FormatCount's short form by default.
	YLabel func(float64) string
	// Legend shows the series' names under the chart (several series).
	Legend bool
	// Dots marks each point (few points, such as checkpoints).
	Dots bool
}

// Chart dimensions, in SVG units; the SVG scales to its container's width.
const (
	chartW, chartH                  = 480.0, 220.0
	chartLeft, chartRight, chartTop = 52.0, 12.0, 10.0
	chartBottom                     = 28.0
	chartFont                       = 12
)

// SVG draws the chart.
func (c LineChart) SVG() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			xmin, xmax = math.Min(xmin, p.X), math.Max(xmax, p.X)
			ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
		}
	}
	if c.XMin != 0 || c.XMax != 0 {
		xmin, xmax = c.XMin, c.XMax
	}
	if math.IsInf(ymin, 0) { // no data: an empty frame
		xmin, xmax, ymin, ymax = 0, 1, 0, 1
	}
	if xmax == xmin {
		xmin, xmax = xmin-1, xmax+1
	}
	ticks := niceTicks(ymin, ymax, 4)
	ymin, ymax = ticks[0], ticks[len(ticks)-1]
	label := c.YLabel
	if label == nil {
		label = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	}
	pw, ph := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	x := func(v float64) float64 { return chartLeft + (v-xmin)/(xmax-xmin)*pw }
	y := func(v float64) float64 { return chartTop + ph - (v-ymin)/(ymax-ymin)*ph }
	labels := make([]string, len(ticks))
	for i, t := range ticks {
		labels[i] = label(t)
		if i > 0 && labels[i] == labels[i-1] {
			// The short form cannot tell the ticks apart (1.7萬, 1.7萬):
			// write them all exactly.
			for j, t := range ticks {
				labels[j] = FormatCount(int64(math.Round(t)))
			}
			break
		}
	}
	b.WriteString(`<g class="chart-grid" aria-hidden="true">`)
	for i, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, chartLeft, chartW-chartRight, y(t), y(t))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="%d">%s</text>`, chartLeft-6, y(t)+4, chartFont, esc(labels[i]))
	}
	for i, t := range c.XTicks {
		anchor := "middle"
		switch {
		case i == 0 && x(t.X) < chartLeft+30:
			anchor = "start"
		case i == len(c.XTicks)-1 && x(t.X) > chartW-chartRight-30:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<line class="tick" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x(t.X), x(t.X), chartTop+ph, chartTop+ph+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d">%s</text>`, x(t.X), chartH-8, anchor, chartFont, esc(t.Label))
	}
	b.WriteString(`</g>`)
	for i, s := range c.Series {
		color := chartPalette[i%len(chartPalette)]
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.X), y(p.Y)))
		}
		fmt.Fprintf(&b, `<g class="chart-series" aria-hidden="true"><polyline fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round" points="%s"/>`, color, strings.Join(pts, " "))
		if c.Dots || len(s.Points) == 1 {
			for _, p := range pts {
				xy := strings.SplitN(p, ",", 2)
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`, xy[0], xy[1], color)
			}
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	if c.Legend && len(c.Series) > 1 {
		b.WriteString(`<ul class="chart-legend">`)
		for i, s := range c.Series {
			// A class, not a style attribute: the pages' CSP allows no inline styles.
			fmt.Fprintf(&b, `<li><span class="swatch c%d" aria-hidden="true"></span>%s</li>`, i%len(chartPalette), esc(s.Name))
		}
		b.WriteString(`</ul>`)
	}
	return template.HTML(b.String())
}

// niceTicks returns about n+1 round values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if hi == lo {
		if lo == 0 {
			hi = 1
		} else {
			lo, hi = lo-math.Abs(lo)*0.1, hi+math.Abs(hi)*0.1
		}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v < hi+step*0.999; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	if len(out) < 2 {
		out = append(out, start+step)
	}
	return out
}

// timeTicks places about n labelled ticks between from and to, on whole
// days, labelled by format.
func timeTicks(from, to time.Time, n int, loc *time.Location, format func(time.Time) string) []ChartTick {
	if !to.After(from) || n < 2 {
		return nil
	}
	step := to.Sub(from) / time.Duration(n-1)
	var out []ChartTick
	for i := range n {
		t := from.Add(step * time.Duration(i)).In(loc)
		out = append(out, ChartTick{X: float64(t.Unix()), Label: format(t)})
	}
	return out
}

// Sparkline draws a small trend line, labelled by label (what it shows,
// in words). With fewer than two values it draws nothing.
func Sparkline(values []float64, label string) template.HTML {
	if len(values) < 2 {
		return ""
	}
	const w, h, pad = 120.0, 32.0, 3.0
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		hi = lo + 1
	}
	pts := make([]string, len(values))
	for i, v := range values {
		pts[i] = fmt.Sprintf("%.1f,%.1f", pad+float64(i)/float64(len(values)-1)*(w-2*pad), h-pad-(v-lo)/(hi-lo)*(h-2*pad))
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title><polyline fill="none" stroke="#0b5cad" stroke-width="1.5" points="%s"/></svg>`,
		w, h, w, h, template.HTMLEscapeString(label), template.HTMLEscapeString(label), strings.Join(pts, " ")))
}

// thin keeps at most n of a series' points, evenly spaced, always with the
// last (a chart of three years of daily readings needs no 1,095 points).
func thin[T any](xs []T, n int) []T {
	if len(xs) <= n || n < 2 {
		return xs
	}
	out := make([]T, 0, n)
	for i := range n {
		out = append(out, xs[i*(len(xs)-1)/(n-1)])
	}
	return out
}

// HeatCell is one hour of one weekday: Level from 0 (nothing) to 1 (the
// best), and Label, its value in words (for screen readers and the
// tooltip).
type HeatCell struct {
	Level float64
	Label string
}

// Heatmap is a weekday × hour grid, drawn as a table (rows are weekdays,
// columns hours) so that it reads cell by cell without sight.
type Heatmap struct {
	Caption string
	Rows    []string // weekday names
	Cols    []string // hour labels, 24
	Cells   [][]HeatCell
}

// HTML draws the heatmap.
func (h Heatmap) HTML() template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	b.WriteString(`<div class="heat-wrap" tabindex="0" role="region" aria-label="` + esc(h.Caption) + `"><table class="heat"><caption class="sr-only">` + esc(h.Caption) + `</caption><thead><tr><td></td>`)
	for i, c := range h.Cols {
		if i%3 == 0 {
			fmt.Fprintf(&b, `<th scope="col">%s</th>`, esc(c))
		} else {
			fmt.Fprintf(&b, `<th scope="col"><span class="sr-only">%s</span></th>`, esc(c))
		}
	}
	b.WriteString(`</tr></thead><tbody>`)
	for r, name := range h.Rows {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(name))
		for _, cell := range h.Cells[r] {
			if cell.Level <= 0 {
				b.WriteString(`<td class="heat-0"></td>`)
				continue
			}
			lvl := max(1, min(4, int(math.Ceil(cell.Level*4))))
			fmt.Fprintf(&b, `<td class="heat-%d" title="%s"><span class="sr-only">%s</span></td>`, lvl, esc(cell.Label), esc(cell.Label))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></div>`)
	return template.HTML(b.String())
}

// FormatCount writes a count exactly, thousands grouped: 12,345.
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ShortCount writes a count the way people of the language read large
// numbers: 1.2萬 and 3.4億 (zh-Hant), 1.2万 and 3.4亿 (zh-Hans), 1.2K, 3.4M
// (en). Counts below 10,000 are written exactly.
func ShortCount(lang string, n int64) string {
	a := math.Abs(float64(n))
	if a < 10_000 {
		return FormatCount(n)
	}
	type unit struct {
		size float64
		name string
	}
	var units []unit
	switch lang {
	case "zh-Hant":
		units = []unit{{1e8, "億"}, {1e4, "萬"}}
	case "zh-Hans":
		units = []unit{{1e8, "亿"}, {1e4, "万"}}
	default:
		units = []unit{{1e9, "B"}, {1e6, "M"}, {1e3, "K"}}
	}
	for _, u := range units {
		if a >= u.size {
			v := math.Round(float64(n)/u.size*10) / 10
			return strconv.FormatFloat(v, 'f', -1, 64) + u.name
		}
	}
	return FormatCount(n)
}

// NumberHTML writes a count for a page: in Chinese, from 10,000 up, the
// short form with the exact figure beside it (1.2萬 (12,345)); otherwise
// the exact figure.
func NumberHTML(lang string, n int64) template.HTML {
	exact := FormatCount(n)
	if (lang == "zh-Hant" || lang == "zh-Hans") && math.Abs(float64(n)) >= 10_000 {
		return template.HTML(`<span class="num"><span class="num-short">` + ShortCount(lang, n) + `</span> <span class="num-exact">(` + exact + `)</span></span>`)
	}
	return template.HTML(`<span class="num">` + exact + `</span>`)
}

// FormatPercent writes a ratio as a percentage with up to two decimals:
// 0.0345 → 3.45%.
func FormatPercent(r float64) string {
	return strconv.FormatFloat(math.Round(r*10000)/100, 'f', -1, 64) + "%"
}
