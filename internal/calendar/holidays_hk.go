package calendar

import "time"

// Hong Kong general holidays, computed from the General Holidays Ordinance
// (Cap. 149) as amended in 2011. The gazette lists each year's holidays; these
// rules reproduce every one of them from 2011 to 2024 (see the tests).
//
// The years before 2000 had other holidays (and the 1999 millennium day), so
// they are not computed.
const (
	hkFirstYear = 2000
	hkLastYear  = 2100
	// hk2011Amendment is the first year under the General Holidays and
	// Employment Legislation (Substitution of Holidays) (Miscellaneous
	// Amendments) Ordinance 2011, which changed what replaces a Lunar New Year
	// day or the day after Mid-Autumn that falls on a Sunday.
	hk2011Amendment = 2012
)

// Official names, as the Government's holiday list prints them.
var (
	hkNewYear          = Names{"The first day of January", "一月一日", "一月一日"}
	hkNewYearSub       = Names{"The day following the first day of January", "一月一日翌日", "一月一日翌日"}
	hkLNY1             = Names{"Lunar New Year’s Day", "農曆年初一", "农历年初一"}
	hkLNY2             = Names{"The second day of Lunar New Year", "農曆年初二", "农历年初二"}
	hkLNY3             = Names{"The third day of Lunar New Year", "農曆年初三", "农历年初三"}
	hkLNY4             = Names{"The fourth day of Lunar New Year", "農曆年初四", "农历年初四"}
	hkLNYEve           = Names{"The day preceding Lunar New Year’s Day", "農曆年初一的前一日", "农历年初一的前一日"}
	hkChingMing        = Names{"Ching Ming Festival", "清明節", "清明节"}
	hkChingMingSub     = Names{"The day following Ching Ming Festival", "清明節翌日", "清明节翌日"}
	hkGoodFriday       = Names{"Good Friday", "耶穌受難節", "耶稣受难节"}
	hkGoodFridayNext   = Names{"The day following Good Friday", "耶穌受難節翌日", "耶稣受难节翌日"}
	hkEasterMonday     = Names{"Easter Monday", "復活節星期一", "复活节星期一"}
	hkEasterMondaySub  = Names{"The day following Easter Monday", "復活節星期一翌日", "复活节星期一翌日"}
	hkLabour           = Names{"Labour Day", "勞動節", "劳动节"}
	hkLabourSub        = Names{"The day following Labour Day", "勞動節翌日", "劳动节翌日"}
	hkBuddha           = Names{"The Birthday of the Buddha", "佛誕", "佛诞"}
	hkBuddhaSub        = Names{"The day following the Birthday of the Buddha", "佛誕翌日", "佛诞翌日"}
	hkTuenNg           = Names{"Tuen Ng Festival", "端午節", "端午节"}
	hkTuenNgSub        = Names{"The day following Tuen Ng Festival", "端午節翌日", "端午节翌日"}
	hkSAR              = Names{"Hong Kong Special Administrative Region Establishment Day", "香港特別行政區成立紀念日", "香港特别行政区成立纪念日"}
	hkSARSub           = Names{"The day following Hong Kong Special Administrative Region Establishment Day", "香港特別行政區成立紀念日翌日", "香港特别行政区成立纪念日翌日"}
	hkMidAutumnNext    = Names{"The day following the Chinese Mid-Autumn Festival", "中秋節翌日", "中秋节翌日"}
	hkMidAutumnSecond  = Names{"The second day following the Chinese Mid-Autumn Festival", "中秋節後第二日", "中秋节后第二日"}
	hkMidAutumn        = Names{"Chinese Mid-Autumn Festival", "中秋節", "中秋节"}
	hkNationalDay      = Names{"National Day", "國慶日", "国庆日"}
	hkNationalDaySub   = Names{"The day following National Day", "國慶日翌日", "国庆日翌日"}
	hkChungYeung       = Names{"Chung Yeung Festival", "重陽節", "重阳节"}
	hkChungYeungSub    = Names{"The day following Chung Yeung Festival", "重陽節翌日", "重阳节翌日"}
	hkChristmas        = Names{"Christmas Day", "聖誕節", "圣诞节"}
	hkChristmasSecond  = Names{"The second weekday after Christmas Day", "聖誕節後第二個周日", "圣诞节后第二个周日"}
	hkChristmasFirst   = Names{"The first weekday after Christmas Day", "聖誕節後第一個周日", "圣诞节后第一个周日"}
	hkWarVictory2015   = Names{"The 70th anniversary day of the victory of the Chinese people’s war of resistance against Japanese aggression", "中國人民抗日戰爭勝利七十周年紀念日", "中国人民抗日战争胜利七十周年纪念日"}
	hkWarVictory2015At = Date{2015, time.September, 3}
)

// hkHolidays returns the general holidays of Hong Kong in year y, other than
// Sundays, plus, on their own day, holidays that fall on a Sunday or clash.
func hkHolidays(y int) ([]Event, bool) {
	if y < hkFirstYear || y > hkLastYear {
		return nil, false
	}
	// "Following day" rule shared by most holidays: if the day is a Sunday,
	// the day after is the holiday instead.
	nextIfSunday := func(key string, own, sub Names, d Date) holiday {
		return fixed(key, own, d).withSubstitute(isSunday(d), d.AddDays(1), sub)
	}

	// Order is precedence when two holidays meet: the Chinese festivals keep
	// their day and the Easter and fixed-date holidays yield; an Easter
	// holiday pushed out lands on the Tuesday after Easter, which the gazette
	// calls the day following Easter Monday. The gazette did
	// exactly that in 2012 (National Day yielded to the day after Mid-Autumn)
	// and in 2015, 2021 and 2026 (Easter Monday yielded to Ching Ming).
	var hs []holiday

	lny := mustLunar(y, 1, 1)
	for i, n := range []Names{hkLNY1, hkLNY2, hkLNY3} {
		d := lny.AddDays(i)
		h := fixed([]string{"lunar_new_year", "lunar_new_year_day2", "lunar_new_year_day3"}[i], n, d)
		if y >= hk2011Amendment {
			h = h.withSubstitute(isSunday(d), lny.AddDays(3), hkLNY4)
		} else {
			h = h.withSubstitute(isSunday(d), lny.AddDays(-1), hkLNYEve)
		}
		hs = append(hs, h)
	}

	hs = append(hs,
		nextIfSunday("ching_ming", hkChingMing, hkChingMingSub, mustTerm(y, Qingming)),
		nextIfSunday("buddha_birthday", hkBuddha, hkBuddhaSub, mustLunar(y, 4, 8)),
		nextIfSunday("tuen_ng", hkTuenNg, hkTuenNgSub, mustLunar(y, 5, 5)),
	)

	ma := mustLunar(y, 8, 15)
	dayAfter := fixed("day_following_mid_autumn", hkMidAutumnNext, ma.AddDays(1))
	if y >= hk2011Amendment {
		dayAfter = dayAfter.withSubstitute(isSunday(ma.AddDays(1)), ma.AddDays(2), hkMidAutumnSecond)
	} else {
		dayAfter = dayAfter.withSubstitute(isSunday(ma.AddDays(1)), ma, hkMidAutumn)
	}
	hs = append(hs, dayAfter.movedAs(hkMidAutumnSecond),
		nextIfSunday("chung_yeung", hkChungYeung, hkChungYeungSub, mustLunar(y, 9, 9)))

	easter := Easter(y)
	hs = append(hs,
		fixed("good_friday", hkGoodFriday, easter.AddDays(-2)).movedAs(hkEasterMondaySub),
		fixed("day_following_good_friday", hkGoodFridayNext, easter.AddDays(-1)).movedAs(hkEasterMondaySub),
		fixed("easter_monday", hkEasterMonday, easter.AddDays(1)).movedAs(hkEasterMondaySub),
		nextIfSunday("new_year", hkNewYear, hkNewYearSub, Date{y, time.January, 1}),
		nextIfSunday("labour_day", hkLabour, hkLabourSub, Date{y, time.May, 1}),
		nextIfSunday("hksar_establishment_day", hkSAR, hkSARSub, Date{y, time.July, 1}),
		nextIfSunday("national_day", hkNationalDay, hkNationalDaySub, Date{y, time.October, 1}),
	)

	// Christmas Day on a Sunday is replaced by the second weekday after it;
	// "weekday" here means any day but Sunday, Saturday included.
	xmas := Date{y, time.December, 25}
	hs = append(hs, fixed("christmas_day", hkChristmas, xmas).withSubstitute(isSunday(xmas), xmas.AddDays(2), hkChristmasSecond))
	firstAfter := xmas.AddDays(1)
	if isSunday(firstAfter) {
		firstAfter = firstAfter.AddDays(1)
	}
	hs = append(hs, fixed("first_weekday_after_christmas", hkChristmasFirst, firstAfter))

	// Holidays appointed for one year by order of the Chief Executive in Council.
	if y == hkWarVictory2015At.Year {
		hs = append(hs, fixed("war_victory_70th_anniversary", hkWarVictory2015, hkWarVictory2015At))
	}
	return resolveHolidays(hs, isSunday), true
}
