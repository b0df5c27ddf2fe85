package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/ferry-social/ferry/internal/service"
)

// The analytics pages: the workspace's accounts over a period, one account
// over time, one story across its platforms. Charts are drawn here (see
// chart.go) from what the service returns.

// rangeForm is the period form as typed.
type rangeForm struct {
	Period, From, To, Sort string
	Periods                []string
}

func rangeFormOf(r *http.Request, rg service.AnalyticsRange) rangeForm {
	q := r.URL.Query()
	f := rangeForm{Period: rg.Period, From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort"), Periods: service.AnalyticsPeriods}
	if f.Period == "" {
		f.Period = service.DefaultAnalyticsPeriod
	}
	return f
}

// formProblem turns a service error into the form's field errors; ok is
// false when the error is not about the form.
func (s *Server) formProblem(rq *request, v *view, err error) (int, bool) {
	if err == nil {
		return http.StatusOK, true
	}
	errs := s.problems(rq, "analytics", err, nil, nil)
	if errs == nil {
		return 0, false
	}
	v.Errors = errs
	return http.StatusBadRequest, true
}

type overviewRow struct {
	service.AccountSummary
	Spark template.HTML
}

type overviewPage struct {
	Form     rangeForm
	Overview *service.AnalyticsOverview
	Rows     []overviewRow
}

func (s *Server) analyticsOverview(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	o, err := s.svc.AnalyticsOverview(r.Context(), rq.principal(), q.Get("period"), q.Get("from"), q.Get("to"))
	v := s.view(r, rq, "analytics.title")
	status, ok := s.formProblem(rq, v, err)
	if !ok {
		s.fail(w, r, rq, err)
		return
	}
	page := overviewPage{Overview: o}
	if o != nil {
		page.Form = rangeFormOf(r, o.Range)
	}
	if err == nil {
		for _, a := range o.Accounts {
			vals := make([]float64, 0, len(a.Series))
			for _, p := range thin(a.Series, 60) {
				vals = append(vals, float64(p.Value))
			}
			label := v.T("analytics.spark", "name", a.Account.Name)
			if n := len(a.Series); n > 1 {
				label = v.T("analytics.spark_range", "name", a.Account.Name, "from", FormatCount(a.Series[0].Value), "to", FormatCount(a.Series[n-1].Value))
			}
			page.Rows = append(page.Rows, overviewRow{AccountSummary: a, Spark: Sparkline(vals, label)})
		}
	}
	v.Data = page
	s.pages.Render(w, r, status, "analytics.html", v)
}

type accountAnalyticsPage struct {
	Form  rangeForm
	A     *service.AccountAnalytics
	Chart template.HTML
	// Table is the followers chart's data, thinned to a readable length.
	Table   []service.Point
	Heatmap template.HTML
	Sorts   []string
}

func (s *Server) analyticsAccount(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	a, err := s.svc.AccountAnalytics(r.Context(), rq.principal(), r.PathValue("id"), q.Get("period"), q.Get("from"), q.Get("to"), q.Get("sort"))
	v := s.view(r, rq, "analytics.account.title")
	status, ok := s.formProblem(rq, v, err)
	if !ok {
		s.fail(w, r, rq, err)
		return
	}
	page := accountAnalyticsPage{A: a, Form: rangeFormOf(r, a.Range), Sorts: service.PostSorts}
	if err == nil {
		page.Chart = v.followersChart(a)
		page.Table = thin(a.Series, 60)
		page.Heatmap = v.bestTimeHeatmap(a.BestTimes)
	}
	v.Data = page
	s.pages.Render(w, r, status, "analytics_account.html", v)
}

// followersChart draws an account's followers over the period.
func (v *view) followersChart(a *service.AccountAnalytics) template.HTML {
	pts := make([]ChartPoint, 0, len(a.Series))
	for _, p := range thin(a.Series, 400) {
		pts = append(pts, ChartPoint{X: float64(p.At.Unix()), Y: float64(p.Value)})
	}
	c := LineChart{ID: "followers-chart", Title: v.T("analytics.followers_chart", "name", a.Account.Name),
		Series: []ChartSeries{{Name: v.T("analytics.followers"), Points: pts}},
		YLabel: func(f float64) string { return ShortCount(v.rq.lang, int64(f)) }}
	if n := len(a.Series); n > 0 {
		first, last := a.Series[0], a.Series[n-1]
		c.Desc = v.T("analytics.followers_desc", "from", FormatCount(first.Value), "to", FormatCount(last.Value),
			"since", v.Date(first.At), "until", v.Date(last.At), "n", n)
		from, to := first.At, last.At
		if !a.Range.From.IsZero() {
			from = a.Range.From
		}
		if a.Range.To.After(to) {
			to = a.Range.To
		}
		c.XMin, c.XMax = float64(from.Unix()), float64(to.Unix())
		key := "analytics.tick.day"
		if to.Sub(from) > 200*24*time.Hour {
			key = "analytics.tick.month"
		}
		c.XTicks = timeTicks(from, to, 4, v.rq.location(), func(t time.Time) string {
			return v.T(key, "day", t.Day(), "month", v.T("analytics.mon."+strconv.Itoa(int(t.Month()))), "year", t.Year())
		})
	} else {
		c.Desc = v.T("analytics.no_readings")
	}
	return c.SVG()
}

// bestTimeHeatmap draws the best-time slots as a weekday × hour grid:
// history's scores shaded by how they compare, defaults all alike.
func (v *view) bestTimeHeatmap(bt *service.BestTimes) template.HTML {
	if bt == nil {
		return ""
	}
	h := Heatmap{Caption: v.T("analytics.heatmap.caption", "zone", bt.TimeZone)}
	for h0 := range 24 {
		h.Cols = append(h.Cols, fmt.Sprintf("%02d", h0))
	}
	best := 0.0
	for _, d := range bt.Weekdays {
		for _, sl := range d.Slots {
			if sl.Score != nil && *sl.Score > best {
				best = *sl.Score
			}
		}
	}
	for i, d := range bt.Weekdays {
		h.Rows = append(h.Rows, v.T("weekday."+strconv.Itoa((i+1)%7)))
		row := make([]HeatCell, 24)
		for _, sl := range d.Slots {
			hour, err := strconv.Atoi(sl.Start[:2])
			if err != nil || hour < 0 || hour > 23 {
				continue
			}
			cell := HeatCell{Level: 1, Label: v.T("analytics.heatmap.default_slot", "start", sl.Start, "end", sl.End)}
			if sl.Score != nil && best > 0 {
				cell = HeatCell{Level: *sl.Score / best, Label: v.T("analytics.heatmap.slot", "start", sl.Start, "end", sl.End,
					"score", strconv.FormatFloat(*sl.Score, 'f', 2, 64), "posts", sl.Posts)}
			}
			row[hour] = cell
		}
		h.Cells = append(h.Cells, row)
	}
	return h.HTML()
}

type storyAnalyticsPage struct {
	S     *service.StoryAnalytics
	Chart template.HTML
}

func (s *Server) analyticsStory(w http.ResponseWriter, r *http.Request, rq *request) {
	st, err := s.svc.StoryAnalytics(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "analytics.story.title")
	c := LineChart{ID: "story-chart", Title: v.T("analytics.story.chart"), Desc: v.T("analytics.story.chart_desc", "n", len(st.Publications)),
		Legend: true, Dots: true, XMin: 0, XMax: float64(len(st.Checkpoints) - 1),
		YLabel: func(f float64) string { return ShortCount(v.rq.lang, int64(f)) }}
	for i, name := range st.Checkpoints {
		c.XTicks = append(c.XTicks, ChartTick{X: float64(i), Label: v.T("analytics.checkpoint." + name)})
	}
	for _, p := range st.Publications {
		ser := ChartSeries{Name: v.Platform(p.Publication.Platform)}
		if p.Account != nil {
			ser.Name += " · " + p.Account.Name
		}
		for i, cv := range p.Curve {
			if cv.Engagement != nil {
				ser.Points = append(ser.Points, ChartPoint{X: float64(i), Y: float64(*cv.Engagement)})
			}
		}
		c.Series = append(c.Series, ser)
	}
	v.Data = storyAnalyticsPage{S: st, Chart: c.SVG()}
	s.pages.Render(w, r, http.StatusOK, "analytics_story.html", v)
}

// Num writes a count for the page: in Chinese, from 10,000 up, 1.2萬 with
// the exact figure beside it. Nil (unknown) writes a dash.
func (v *view) Num(n any) template.HTML {
	switch n := n.(type) {
	case int64:
		return NumberHTML(v.rq.lang, n)
	case *int64:
		if n != nil {
			return NumberHTML(v.rq.lang, *n)
		}
	case int:
		return NumberHTML(v.rq.lang, int64(n))
	}
	return template.HTML(`<span class="muted" aria-label="` + template.HTMLEscapeString(v.T("analytics.unknown")) + `">–</span>`)
}

// Signed writes a change with its sign: +1,234 or −56.
func (v *view) Signed(n *int64) template.HTML {
	if n == nil {
		return v.Num(nil)
	}
	switch {
	case *n > 0:
		return template.HTML(`<span class="up">+`) + NumberHTML(v.rq.lang, *n) + `</span>`
	case *n < 0:
		return template.HTML(`<span class="down">−`) + NumberHTML(v.rq.lang, -*n) + `</span>`
	}
	return NumberHTML(v.rq.lang, 0)
}

// Percent writes a rate as a percentage; nil writes a dash.
func (v *view) Percent(r *float64) template.HTML {
	if r == nil {
		return v.Num(nil)
	}
	return template.HTML(template.HTMLEscapeString(FormatPercent(*r)))
}

// Decimal writes a number with one decimal; nil writes a dash.
func (v *view) Decimal(f *float64) template.HTML {
	if f == nil {
		return v.Num(nil)
	}
	return template.HTML(strconv.FormatFloat(float64(int64(*f*10))/10, 'f', -1, 64))
}

// SortLink is the account page's address sorted by a column, keeping the
// period.
func (v *view) SortLink(f rangeForm, by string) string {
	q := map[string]string{"period": f.Period, "from": f.From, "to": f.To, "sort": by}
	out := ""
	for _, k := range []string{"period", "from", "to", "sort"} {
		if q[k] == "" || (k == "from" || k == "to") && f.Period != "custom" {
			continue
		}
		if out != "" {
			out += "&"
		}
		out += k + "=" + template.URLQueryEscaper(q[k])
	}
	return "?" + out
}

// PostColumns are the count columns of the story page, in order.
func (v *view) PostColumns() []string { return service.PostSorts[1:] }
