package calendar

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Kind classifies an Event.
type Kind string

// The kinds of Event.
const (
	// KindFestival is a traditional festival. It is not in itself a day off.
	KindFestival Kind = "festival"
	// KindPublicHoliday is a public (general, statutory) holiday: a day off.
	KindPublicHoliday Kind = "public_holiday"
	// KindWorkingDay is a weekend day that mainland China makes a working day
	// to lengthen a holiday (a make-up working day, 调休上班).
	KindWorkingDay Kind = "working_day"
)

// Regions the package knows.
const (
	RegionHK = "HK" // Hong Kong: general holidays computed from the ordinance
	RegionCN = "CN" // mainland China: statutory holidays from announced data
	RegionTW = "TW" // Taiwan: national holidays computed from the act
	RegionMO = "MO" // Macao: public holidays computed from the fixed list
)

// Event is a festival, holiday or make-up working day on one date.
type Event struct {
	Date       Date
	Kind       Kind
	Key        string // stable identifier, such as "mid_autumn" or "national_day"
	NameEN     string
	NameZhHant string
	NameZhHans string
	Region     string
	// Substitute is set on a day off given in place of a holiday that fell
	// on a rest day or on another holiday; Key names the holiday replaced.
	Substitute bool
}

// UnknownRegionError is returned for a region code the package does not know.
type UnknownRegionError struct {
	Region string
}

func (e *UnknownRegionError) Error() string {
	return fmt.Sprintf("calendar: unknown region %q (known: HK, CN, TW, MO)", e.Region)
}

// ErrNoHolidayData is wrapped by CoverageError.
var ErrNoHolidayData = errors.New("calendar: public holidays unknown")

// CoverageError reports that Events could not give the public holidays of
// some years of the range: they are before the region's rules took their
// present form, or, for mainland China, not yet announced or not in the
// embedded data. Events still returns the festivals of the whole range, and
// the holidays of the other years, together with this error.
type CoverageError struct {
	Region string
	Years  []int
}

func (e *CoverageError) Error() string {
	return fmt.Sprintf("calendar: %s public holidays unknown for %v; festivals only", e.Region, e.Years)
}

// Unwrap makes errors.Is(err, ErrNoHolidayData) true.
func (e *CoverageError) Unwrap() error { return ErrNoHolidayData }

// holidaySource computes a region's public holidays for one Gregorian year.
// ok is false when the year is outside what the source can state.
type holidaySource func(y int) (events []Event, ok bool)

func sourceFor(region string) (holidaySource, bool) {
	switch region {
	case RegionHK:
		return hkHolidays, true
	case RegionCN:
		return cnHolidays, true
	case RegionTW:
		return twHolidays, true
	case RegionMO:
		return moHolidays, true
	}
	return nil, false
}

// Events returns the festivals, public holidays and (for mainland China)
// make-up working days of region between from and to inclusive, sorted by
// date; within a day, public holidays come first, led by the one that holds
// the day off. Region codes are ISO 3166 alpha-2 (HK, CN, TW, MO), in any case.
//
// An unknown region yields an *UnknownRegionError. When the region's public
// holidays are unknown for some year of the range, Events returns everything
// it does know together with a *CoverageError (see ErrNoHolidayData), so a
// caller that only wants festivals can go on.
func Events(region string, from, to Date) ([]Event, error) {
	region = strings.ToUpper(region)
	src, ok := sourceFor(region)
	if !ok {
		return nil, &UnknownRegionError{Region: region}
	}
	if !from.Valid() || !to.Valid() {
		return nil, fmt.Errorf("calendar: invalid range %v to %v", from, to)
	}
	if to.Before(from) {
		return nil, nil
	}

	events := festivalEvents(nil, region, from, to)
	var missing []int
	for y := from.Year; y <= to.Year; y++ {
		hs, ok := src(y)
		if !ok {
			missing = append(missing, y)
			continue
		}
		for _, h := range hs {
			if !h.Date.Before(from) && !h.Date.After(to) {
				h.Region = region
				events = append(events, h)
			}
		}
	}
	sortEvents(events)
	if len(missing) > 0 {
		return events, &CoverageError{Region: region, Years: missing}
	}
	return events, nil
}

// kindOrder puts, within one day, public holidays before make-up working
// days before festivals. The sort is stable, and the holiday sources list the
// holiday that holds a day off before one that a clash moved away from it, so
// the official name of a day off comes first.
var kindOrder = map[Kind]int{KindPublicHoliday: 0, KindWorkingDay: 1, KindFestival: 2}

func sortEvents(es []Event) {
	slices.SortStableFunc(es, func(a, b Event) int {
		return cmp.Or(
			a.Date.Compare(b.Date),
			cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]),
		)
	})
}
