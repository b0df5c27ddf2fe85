package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Layout of a lunarTable entry: bit i (0..12) is set when the i-th month of
// the year, leap month included, has 30 days rather than 29; bits 13..16 give
// the number of the month that a leap month repeats (0 for none); bits 17..22
// give how many days after January 1 the lunar New Year falls.
const (
	leapShift    = 13
	newYearShift = 17
)

// ErrOutOfRange reports a date outside the span the lunar table covers.
var ErrOutOfRange = errors.New("calendar: date outside the supported range")

// ErrNoSuchLunarDate reports a lunar month or day that does not exist, such
// as day 30 of a 29-day month or a leap month in a year without one.
var ErrNoSuchLunarDate = errors.New("calendar: no such lunar date")

// LunarDate is a date in the Chinese lunisolar calendar. Year is the
// Gregorian year in which the lunar year begins; Leap marks the intercalary
// month that repeats Month.
type LunarDate struct {
	Year  int
	Month int
	Day   int
	Leap  bool
}

// String formats the lunar date as YYYY-MM-DD, with an "L" before the month
// of a leap month (for example 2023-L02-01).
func (l LunarDate) String() string {
	leap := ""
	if l.Leap {
		leap = "L"
	}
	return fmt.Sprintf("%04d-%s%02d-%02d", l.Year, leap, l.Month, l.Day)
}

// LunarRange returns the first and last lunar years the package converts.
// Their Gregorian span, 1899-02-10 to 2101-01-28, covers every day of the
// Gregorian years 1900–2100.
func LunarRange() (first, last int) {
	return firstLunarYear, firstLunarYear + len(lunarTable) - 1
}

// lunarYear is the decoded form of one lunarTable entry.
type lunarYear struct {
	newYear Date
	leap    int // month number that the leap month repeats, 0 for none
	lengths uint32
	count   int // 12 or 13
}

func yearInfo(y int) (lunarYear, bool) {
	i := y - firstLunarYear
	if i < 0 || i >= len(lunarTable) {
		return lunarYear{}, false
	}
	v := lunarTable[i]
	ly := lunarYear{
		newYear: Date{y, time.January, 1}.AddDays(int(v >> newYearShift)),
		leap:    int(v>>leapShift) & 0xf,
		lengths: v & (1<<leapShift - 1),
		count:   12,
	}
	if ly.leap != 0 {
		ly.count = 13
	}
	return ly, true
}

// monthDays returns the length of the i-th month of the year (leap included).
func (ly lunarYear) monthDays(i int) int {
	if ly.lengths&(1<<i) != 0 {
		return 30
	}
	return 29
}

// index returns the position of month/leap within the year.
func (ly lunarYear) index(month int, leap bool) (int, bool) {
	if month < 1 || month > 12 || (leap && month != ly.leap) {
		return 0, false
	}
	i := month - 1
	if ly.leap != 0 && (month > ly.leap || leap) {
		i++
	}
	return i, true
}

// monthAt returns the month number and leap flag of the i-th month.
func (ly lunarYear) monthAt(i int) (int, bool) {
	if ly.leap == 0 || i < ly.leap {
		return i + 1, false
	}
	if i == ly.leap {
		return ly.leap, true
	}
	return i, false
}

// ToLunar converts a Gregorian date to the Chinese calendar.
func ToLunar(d Date) (LunarDate, error) {
	if !d.Valid() {
		return LunarDate{}, fmt.Errorf("calendar: invalid date %v", d)
	}
	y := d.Year
	ly, ok := yearInfo(y)
	if !ok || d.Before(ly.newYear) {
		// January and early February belong to the previous lunar year; so
		// does the end of January 2101, past the last year of the table.
		y--
		ly, ok = yearInfo(y)
	}
	if !ok {
		return LunarDate{}, fmt.Errorf("%w: %v", ErrOutOfRange, d)
	}
	off := d.Sub(ly.newYear)
	for i := range ly.count {
		n := ly.monthDays(i)
		if off < n {
			m, leap := ly.monthAt(i)
			return LunarDate{Year: y, Month: m, Day: off + 1, Leap: leap}, nil
		}
		off -= n
	}
	return LunarDate{}, fmt.Errorf("%w: %v", ErrOutOfRange, d)
}

// FromLunar converts a Chinese calendar date to the Gregorian calendar.
func FromLunar(l LunarDate) (Date, error) {
	ly, ok := yearInfo(l.Year)
	if !ok {
		return Date{}, fmt.Errorf("%w: lunar year %d", ErrOutOfRange, l.Year)
	}
	i, ok := ly.index(l.Month, l.Leap)
	if !ok || l.Day < 1 || l.Day > ly.monthDays(i) {
		return Date{}, fmt.Errorf("%w: %v", ErrNoSuchLunarDate, l)
	}
	off := 0
	for j := range i {
		off += ly.monthDays(j)
	}
	return ly.newYear.AddDays(off + l.Day - 1), nil
}

// LeapMonth returns the month that lunar year y repeats as a leap month, or 0
// when the year has none.
func LeapMonth(y int) (int, error) {
	ly, ok := yearInfo(y)
	if !ok {
		return 0, fmt.Errorf("%w: lunar year %d", ErrOutOfRange, y)
	}
	return ly.leap, nil
}

// LunarMonthDays returns the number of days, 29 or 30, of a lunar month.
func LunarMonthDays(y, month int, leap bool) (int, error) {
	ly, ok := yearInfo(y)
	if !ok {
		return 0, fmt.Errorf("%w: lunar year %d", ErrOutOfRange, y)
	}
	i, ok := ly.index(month, leap)
	if !ok {
		return 0, fmt.Errorf("%w: %v", ErrNoSuchLunarDate, LunarDate{Year: y, Month: month, Day: 1, Leap: leap})
	}
	return ly.monthDays(i), nil
}

// LunarNewYear returns the Gregorian date of the first day of lunar year y.
func LunarNewYear(y int) (Date, error) {
	ly, ok := yearInfo(y)
	if !ok {
		return Date{}, fmt.Errorf("%w: lunar year %d", ErrOutOfRange, y)
	}
	return ly.newYear, nil
}
