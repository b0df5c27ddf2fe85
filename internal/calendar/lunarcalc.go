package calendar

import "math"

// This file derives the Chinese calendar from the astronomy in astro.go,
// following the rules of GB/T 33661-2017 (the calendar as the Purple Mountain
// Observatory and the Hong Kong Observatory publish it):
//
//   - a month begins on the day, in China Standard Time, of a new moon;
//   - the month that contains the winter solstice (Dongzhi) is month 11;
//   - when 13 months separate two month-11s, the first of them that contains
//     no principal solar term (zhongqi) is a leap month and repeats the number
//     of the month before it.
//
// The package does not evaluate this at run time: lunar_table.go holds the
// result for 1899–2100, and the tests check that the two still agree.

// lunarMonth is one month of the computed calendar.
type lunarMonth struct {
	start  Date // first day
	days   int  // 29 or 30
	number int  // 1..12
	leap   bool
}

// solarTermDate returns the calendar date (see calendarDate) of the moment
// the Sun's apparent longitude reaches lon degrees, searching near guess.
func solarTermDate(lon float64, guess Date) Date {
	return calendarDate(sunLongitudeJDE(lon, jdeOfDate(guess)))
}

// dongzhi returns the date of the winter solstice of Gregorian year y.
func dongzhi(y int) Date {
	return solarTermDate(270, Date{y, 12, 21})
}

// newMoonOnOrBefore returns the China-time date of the last new moon falling
// on or before d, and that new moon's index.
func newMoonOnOrBefore(d Date) (Date, int) {
	k := newMoonIndex(jdeOfDate(d)) + 1
	for {
		nm := calendarDate(newMoonJDE(k))
		if !nm.After(d) {
			return nm, k
		}
		k--
	}
}

// suiMonths returns the months of the sui (solstice year) that runs from the
// month containing the winter solstice of y-1 up to, but excluding, the month
// containing the winter solstice of y.
func suiMonths(y int) []lunarMonth {
	ws0, ws1 := dongzhi(y-1), dongzhi(y)
	first, k := newMoonOnOrBefore(ws0)
	last, _ := newMoonOnOrBefore(ws1)

	var starts []Date
	for d := first; !d.After(last); {
		starts = append(starts, d)
		k++
		d = calendarDate(newMoonJDE(k))
	}
	// starts now runs from month 11 of y-1 to month 11 of y inclusive.
	n := len(starts) - 1

	leapAt := -1
	if n == 13 {
		// The principal terms of this sui: 270° (ws0), 300°, ..., 240°, 270° (ws1).
		zq := make([]Date, 0, 13)
		for j := range 13 {
			lon := math.Mod(270+30*float64(j), 360)
			guess := ws0.AddDays(int(30.44 * float64(j)))
			zq = append(zq, solarTermDate(lon, guess))
		}
		for i := range n {
			if !containsAny(starts[i], starts[i+1], zq) {
				leapAt = i
				break
			}
		}
	}

	months := make([]lunarMonth, 0, n)
	num := 10
	for i := range n {
		m := lunarMonth{start: starts[i], days: starts[i+1].Sub(starts[i])}
		if i == leapAt {
			m.number, m.leap = num, true
		} else {
			num = num%12 + 1
			m.number = num
		}
		months = append(months, m)
	}
	return months
}

// containsAny reports whether any of ds falls in [from, to).
func containsAny(from, to Date, ds []Date) bool {
	for _, d := range ds {
		if !d.Before(from) && d.Before(to) {
			return true
		}
	}
	return false
}

// computeLunarYears returns the months of lunar years from..to inclusive,
// one slice per year, each starting with month 1.
func computeLunarYears(from, to int) [][]lunarMonth {
	var all []lunarMonth
	for y := from; y <= to+1; y++ {
		all = append(all, suiMonths(y)...)
	}
	years := make([][]lunarMonth, 0, to-from+1)
	var cur []lunarMonth
	for _, m := range all {
		if m.number == 1 && !m.leap {
			if cur != nil && cur[0].start.Year >= from {
				years = append(years, cur)
			}
			cur = []lunarMonth{m}
			continue
		}
		if cur != nil {
			cur = append(cur, m)
		}
	}
	// The trailing partial year (to+1) is dropped: it never reached month 1 of to+2.
	return years
}

// encodeLunarYear packs one year's months into the lunarTable format.
func encodeLunarYear(months []lunarMonth) uint32 {
	var v uint32
	for i, m := range months {
		if m.days == 30 {
			v |= 1 << i
		}
		if m.leap {
			v |= uint32(m.number) << leapShift
		}
	}
	ny := months[0].start
	v |= uint32(ny.Sub(Date{ny.Year, 1, 1})) << newYearShift
	return v
}
