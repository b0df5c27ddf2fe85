package calendar

import (
	"errors"
	"fmt"
	"time"
)

// MissingDay says what a Recurrence does in a year where its day does not
// exist: the 30th of a lunar month that has 29 days, a leap month the year
// lacks, or February 29 outside leap years.
type MissingDay int

const (
	// ClampDay, the default, uses the nearest day that exists: the last day
	// of the month (29th for a short lunar month, February 28), and the
	// regular month for a leap month the year does not have. This is how
	// lunar birthdays and anniversaries are kept in practice.
	ClampDay MissingDay = iota
	// SkipYear leaves the year out.
	SkipYear
)

// Recurrence is a yearly date and a wall-clock time, such as "every
// Mid-Autumn at 20:00" or "every 8th of the 12th lunar month at 09:30".
// Exactly one of Festival, a lunar date (LunarMonth and LunarDay) or a
// Gregorian date (Month and Day) is set.
type Recurrence struct {
	Festival string // a festival key, such as MidAutumn

	LunarMonth int  // 1..12
	LunarDay   int  // 1..30
	LunarLeap  bool // the leap month that repeats LunarMonth

	Month time.Month // 1..12, for a Gregorian date
	Day   int        // 1..31

	LocalTime string     // "HH:MM", 24-hour; empty means midnight
	Missing   MissingDay // what to do in a year without the day
}

// ErrInvalidRecurrence reports a Recurrence that names no date, more than
// one, or an impossible one.
var ErrInvalidRecurrence = errors.New("calendar: invalid recurrence")

// Validate reports whether r describes exactly one valid yearly date and time.
func (r Recurrence) Validate() error {
	set := 0
	if r.Festival != "" {
		set++
		if _, ok := findFestival(r.Festival); !ok {
			return fmt.Errorf("%w: %w: %q", ErrInvalidRecurrence, ErrUnknownFestival, r.Festival)
		}
	}
	if r.LunarMonth != 0 || r.LunarDay != 0 || r.LunarLeap {
		set++
		if r.LunarMonth < 1 || r.LunarMonth > 12 || r.LunarDay < 1 || r.LunarDay > 30 {
			return fmt.Errorf("%w: lunar month %d day %d", ErrInvalidRecurrence, r.LunarMonth, r.LunarDay)
		}
	}
	if r.Month != 0 || r.Day != 0 {
		set++
		if r.Month < time.January || r.Month > time.December || r.Day < 1 || r.Day > daysIn(2000, r.Month) {
			return fmt.Errorf("%w: month %d day %d", ErrInvalidRecurrence, r.Month, r.Day)
		}
	}
	if set != 1 {
		return fmt.Errorf("%w: set exactly one of Festival, a lunar date or a Gregorian date", ErrInvalidRecurrence)
	}
	if _, _, err := r.clock(); err != nil {
		return err
	}
	return nil
}

// clock parses LocalTime.
func (r Recurrence) clock() (hour, minute int, err error) {
	if r.LocalTime == "" {
		return 0, 0, nil
	}
	t, err := time.Parse("15:04", r.LocalTime)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: local time %q: want HH:MM", ErrInvalidRecurrence, r.LocalTime)
	}
	return t.Hour(), t.Minute(), nil
}

// Next returns the first n instants of r strictly after after, with the
// dates and wall-clock time read in loc (UTC when loc is nil). It returns
// fewer than n when the supported range (lunar years up to 2100) runs out,
// and none when r is invalid (see Validate). A wall-clock time that a
// daylight-saving jump skips is moved forward by the length of the jump
// (02:30 on a night that goes from 02:00 to 03:00 becomes 03:30); an
// ambiguous one is the first of its two instants.
func (r Recurrence) Next(after time.Time, loc *time.Location, n int) []time.Time {
	if n <= 0 || r.Validate() != nil {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	hour, minute, _ := r.clock()
	_, last := LunarRange()

	// Lunar-year occurrences of year y can fall early in Gregorian y+1, so
	// start one year back.
	out := make([]time.Time, 0, n)
	for y := after.In(loc).Year() - 1; y <= last && len(out) < n; y++ {
		d, ok := r.dateIn(y)
		if !ok {
			continue
		}
		if t := wallTime(d, hour, minute, loc); t.After(after) {
			out = append(out, t)
		}
	}
	return out
}

// wallTime returns the instant of hour:minute on d in loc. time.Date leaves
// the choice unspecified around daylight-saving transitions; here a skipped
// wall time is read with the offset in force before the jump (which lands
// after it), and an ambiguous one resolves to its earlier instant.
func wallTime(d Date, hour, minute int, loc *time.Location) time.Time {
	t := d.At(hour, minute, loc)
	// Twelve hours earlier is safely before any transition on this day.
	_, before := t.Add(-12 * time.Hour).Zone()
	wall := time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, time.UTC)
	alt := wall.Add(-time.Duration(before) * time.Second).In(loc)
	if t.Hour() != hour || t.Minute() != minute {
		return alt // skipped
	}
	if alt.Hour() == hour && alt.Minute() == minute && alt.Before(t) {
		return alt // ambiguous
	}
	return t
}

// dateIn returns r's date in year y (lunar year for lunar dates and lunar
// festivals, Gregorian otherwise), applying the Missing policy.
func (r Recurrence) dateIn(y int) (Date, bool) {
	switch {
	case r.Festival != "":
		d, err := FestivalDate(r.Festival, y)
		return d, err == nil
	case r.LunarMonth != 0:
		return r.lunarDateIn(y)
	default:
		day := r.Day
		if last := daysIn(y, r.Month); day > last {
			if r.Missing == SkipYear {
				return Date{}, false
			}
			day = last
		}
		return Date{y, r.Month, day}, true
	}
}

func (r Recurrence) lunarDateIn(y int) (Date, bool) {
	leap := r.LunarLeap
	if leap {
		if lm, err := LeapMonth(y); err != nil {
			return Date{}, false
		} else if lm != r.LunarMonth {
			if r.Missing == SkipYear {
				return Date{}, false
			}
			leap = false
		}
	}
	days, err := LunarMonthDays(y, r.LunarMonth, leap)
	if err != nil {
		return Date{}, false
	}
	day := r.LunarDay
	if day > days {
		if r.Missing == SkipYear {
			return Date{}, false
		}
		day = days
	}
	d, err := FromLunar(LunarDate{Year: y, Month: r.LunarMonth, Day: day, Leap: leap})
	return d, err == nil
}
