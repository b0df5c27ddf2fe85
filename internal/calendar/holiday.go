package calendar

import "time"

// holiday is one public holiday of a year before substitution is resolved.
type holiday struct {
	key     string
	names   Names // the holiday's own name
	nominal Date  // the day the holiday itself falls on
	// designated is where the holiday's own rule puts the day off when the
	// nominal day is a rest day (for example "or if that day is a Sunday, the
	// following day"); it equals nominal otherwise.
	designated      Date
	designatedNames Names
	// movedNames names the day off when another holiday already holds the
	// designated day and this one must move on to the next free day.
	movedNames Names
}

// fixed returns a holiday that stays on its nominal day.
func fixed(key string, names Names, d Date) holiday {
	return holiday{key: key, names: names, nominal: d, designated: d, designatedNames: names, movedNames: names}
}

// withSubstitute returns h moved to d under the name sub when its nominal day
// is a rest day, or unchanged otherwise. Either way sub also names the day
// off should a clash move the holiday later.
func (h holiday) withSubstitute(rest bool, d Date, sub Names) holiday {
	h.movedNames = sub
	if rest {
		h.designated, h.designatedNames = d, sub
	}
	return h
}

// movedAs sets the name h takes when a clash moves it to a later day.
func (h holiday) movedAs(n Names) holiday {
	h.movedNames = n
	return h
}

// resolveHolidays turns holidays, given in order of precedence, into events.
// Each takes its designated day unless a holiday earlier in the list already
// has it; then it moves to the next day that is neither a rest day nor
// anyone's designated day. A holiday whose day off is not its nominal day is
// reported twice: on the nominal day under its own name, and on the day off
// as a substitute.
func resolveHolidays(hs []holiday, rest func(Date) bool) []Event {
	designated := make(map[Date]bool, len(hs))
	for _, h := range hs {
		designated[h.designated] = true
	}
	taken := make(map[Date]bool, len(hs))
	events := make([]Event, 0, len(hs)+4)
	for _, h := range hs {
		d, names := h.designated, h.designatedNames
		if taken[d] {
			d, names = d.AddDays(1), h.movedNames
			for rest(d) || taken[d] || designated[d] {
				d = d.AddDays(1)
			}
		}
		taken[d] = true
		if d != h.nominal {
			events = append(events, holidayEvent(h.key, h.names, h.nominal, false))
		}
		events = append(events, holidayEvent(h.key, names, d, d != h.nominal))
	}
	return events
}

func holidayEvent(key string, n Names, d Date, substitute bool) Event {
	return Event{
		Date:       d,
		Kind:       KindPublicHoliday,
		Key:        key,
		NameEN:     n.EN,
		NameZhHant: n.ZhHant,
		NameZhHans: n.ZhHans,
		Substitute: substitute,
	}
}

// Easter returns the date of Easter Sunday in the Gregorian calendar, by the
// anonymous Gregorian computus (Meeus/Jones/Butcher).
func Easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{y, time.Month(month), day}
}

func isSunday(d Date) bool { return d.Weekday() == time.Sunday }

func isWeekend(d Date) bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// mustLunar returns the Gregorian date of a lunar date known to exist: the
// holiday sources call it only for years inside the lunar table.
func mustLunar(y, m, d int) Date {
	g, err := FromLunar(LunarDate{Year: y, Month: m, Day: d})
	if err != nil {
		panic(err)
	}
	return g
}

// mustTerm is mustLunar for solar terms.
func mustTerm(y int, t SolarTerm) Date {
	d, err := SolarTermDate(y, t)
	if err != nil {
		panic(err)
	}
	return d
}
