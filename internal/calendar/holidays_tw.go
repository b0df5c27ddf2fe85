package calendar

import "time"

// Taiwan's national holidays, computed from the Regulations/Act on the
// Implementation of Memorial Days and Holidays (紀念日及節日實施條例) as
// amended on 2025-05-28, and the Directorate-General of Personnel
// Administration's substitution rules:
//
//   - a holiday on a Saturday is observed on the Friday before, one on a
//     Sunday on the Monday after;
//   - Spring Festival days (Little New Year's Eve, New Year's Eve, days 1–3)
//     that fall on a weekend are made up on the next working days after them;
//   - when Children's Day and Tomb Sweeping Day coincide, Children's Day is
//     observed the day before, or the day after when they fall on a Thursday.
//
// What is approximate: the Directorate-General also declares "bridge" days
// off and Saturday make-up working days in its yearly office calendar; those
// are decisions, not rules, and are not included.
const (
	twFirstYear = 2015
	twLastYear  = 2100
	// twAmendment is the year the 2025 amendment added Confucius' Birthday,
	// Retrocession Day and Constitution Day (observed from 2025) and Little
	// New Year's Eve and a nationwide Labour Day (first due in 2026).
	twAmendment = 2025
)

var (
	twFoundingDay   = Names{"Founding Day of the Republic of China", "中華民國開國紀念日", "中华民国开国纪念日"}
	twLittleEve     = Names{"Day before Lunar New Year's Eve", "小年夜", "小年夜"}
	twEve           = Names{"Lunar New Year's Eve", "農曆除夕", "农历除夕"}
	twSpring1       = Names{"Spring Festival", "春節", "春节"}
	twSpring2       = Names{"Spring Festival (second day)", "春節（初二）", "春节（初二）"}
	twSpring3       = Names{"Spring Festival (third day)", "春節（初三）", "春节（初三）"}
	twPeace         = Names{"Peace Memorial Day", "和平紀念日", "和平纪念日"}
	twChildren      = Names{"Children's Day", "兒童節", "儿童节"}
	twTombSweeping  = Names{"Tomb Sweeping Day", "民族掃墓節", "民族扫墓节"}
	twLabour        = Names{"Labour Day", "勞動節", "劳动节"}
	twDragonBoat    = Names{"Dragon Boat Festival", "端午節", "端午节"}
	twConfucius     = Names{"Confucius' Birthday (Teachers' Day)", "孔子誕辰紀念日", "孔子诞辰纪念日"}
	twMidAutumn     = Names{"Mid-Autumn Festival", "中秋節", "中秋节"}
	twNational      = Names{"National Day", "國慶日", "国庆日"}
	twRetrocession  = Names{"Taiwan Retrocession and Guningtou Victory Day", "臺灣光復暨金門古寧頭大捷紀念日", "台湾光复暨金门古宁头大捷纪念日"}
	twConstitution  = Names{"Constitution Day", "行憲紀念日", "行宪纪念日"}
	twObservedSufEN = " (observed)"
	twObservedSufZh = "補假"
	twObservedSufHa = "补假"
)

// observed returns the name of the day off given in place of n.
func observed(n Names) Names {
	return Names{n.EN + twObservedSufEN, n.ZhHant + twObservedSufZh, n.ZhHans + twObservedSufHa}
}

func twHolidays(y int) ([]Event, bool) {
	if y < twFirstYear || y > twLastYear {
		return nil, false
	}
	// Saturday → Friday before, Sunday → Monday after.
	weekendRule := func(key string, n Names, d Date) holiday {
		h := fixed(key, n, d).movedAs(observed(n))
		switch d.Weekday() {
		case time.Saturday:
			return h.withSubstitute(true, d.AddDays(-1), observed(n))
		case time.Sunday:
			return h.withSubstitute(true, d.AddDays(1), observed(n))
		}
		return h
	}

	var hs []holiday

	// Spring Festival. The lunar New Year of y falls in y, and so do its eve
	// and the day before it (the New Year is never earlier than January 21).
	lny := mustLunar(y, 1, 1)
	type day struct {
		key   string
		names Names
		d     Date
	}
	var spring []day
	if y > twAmendment {
		spring = append(spring, day{"little_new_years_eve", twLittleEve, lny.AddDays(-2)})
	}
	spring = append(spring,
		day{"lunar_new_years_eve", twEve, lny.AddDays(-1)},
		day{"spring_festival", twSpring1, lny},
		day{"spring_festival_day2", twSpring2, lny.AddDays(1)},
		day{"spring_festival_day3", twSpring3, lny.AddDays(2)},
	)
	// Weekend days of the Spring Festival are made up on the first working
	// day after it; resolveHolidays moves the second and later ones along.
	after := lny.AddDays(3)
	for isWeekend(after) {
		after = after.AddDays(1)
	}
	for _, s := range spring {
		hs = append(hs, fixed(s.key, s.names, s.d).withSubstitute(isWeekend(s.d), after, observed(s.names)))
	}

	// Children's Day and Tomb Sweeping Day.
	tomb := mustTerm(y, Qingming)
	children := Date{y, time.April, 4}
	if children == tomb {
		d := children.AddDays(-1)
		if children.Weekday() == time.Thursday {
			d = children.AddDays(1)
		}
		hs = append(hs, fixed("tomb_sweeping_day", twTombSweeping, tomb),
			fixed("childrens_day", twChildren, children).withSubstitute(true, d, observed(twChildren)))
	} else {
		hs = append(hs, weekendRule("tomb_sweeping_day", twTombSweeping, tomb), weekendRule("childrens_day", twChildren, children))
	}

	hs = append(hs,
		weekendRule("dragon_boat", twDragonBoat, mustLunar(y, 5, 5)),
		weekendRule("mid_autumn", twMidAutumn, mustLunar(y, 8, 15)),
		weekendRule("founding_day", twFoundingDay, Date{y, time.January, 1}),
		weekendRule("peace_memorial_day", twPeace, Date{y, time.February, 28}),
		weekendRule("national_day", twNational, Date{y, time.October, 10}),
	)
	if y > twAmendment {
		hs = append(hs, weekendRule("labour_day", twLabour, Date{y, time.May, 1}))
	}
	if y >= twAmendment {
		hs = append(hs,
			weekendRule("confucius_birthday", twConfucius, Date{y, time.September, 28}),
			weekendRule("retrocession_day", twRetrocession, Date{y, time.October, 25}),
			weekendRule("constitution_day", twConstitution, Date{y, time.December, 25}),
		)
	}
	return resolveHolidays(hs, isWeekend), true
}
