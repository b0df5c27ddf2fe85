package calendar

import (
	"fmt"
	"time"
)

// Date is a civil (wall-calendar) date in the proleptic Gregorian calendar.
// It carries no time zone: holidays and festivals are days, not instants, and
// keeping them free of zones avoids the classic off-by-one of a midnight
// time.Time viewed from another zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date for year, month and day, normalising overflowing
// values the way time.Date does (for example, January 32 becomes February 1).
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a date in ISO 8601 calendar form, YYYY-MM-DD, and rejects
// dates that do not exist (such as 2023-02-29).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: parse date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler using the YYYY-MM-DD form.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using the YYYY-MM-DD form.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d names a day that exists in the Gregorian calendar.
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return dateFromDays(d.days() + int64(n))
}

// Sub returns the number of days from e to d.
func (d Date) Sub(e Date) int {
	return int(d.days() - e.days())
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (d.days() + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.days(), e.days()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// At returns the instant at wall-clock hour:min on d in loc, as time.Date
// computes it.
func (d Date) At(hour, min int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, loc)
}

// days returns the number of days since 1970-01-01.
func (d Date) days() int64 { return daysFromCivil(d.Year, d.Month, d.Day) }

// daysFromCivil converts a Gregorian date to days since 1970-01-01 using
// Howard Hinnant's branch-light algorithm, exact over the whole int range we use.
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	mm := int64(m)
	if mm <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era--
	}
	yoe := yy - era*400
	mp := (mm + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateFromDays is the inverse of daysFromCivil.
func dateFromDays(z int64) Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	if m == time.February {
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(m-1)%7%2
}
