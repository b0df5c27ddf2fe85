package calendar

import "time"

// Macao's public holidays (feriados), the list the Government has published
// every year since the handover. Macao has no general rule moving a holiday
// that falls on a weekend: the Chief Executive grants compensatory days to
// public servants year by year, and those are not included, so the list is
// exact for the holidays themselves but approximate for days off.
const (
	moFirstYear = 2000
	moLastYear  = 2100
)

var (
	moNewYear      = Names{"New Year's Day", "元旦", "元旦"}
	moLNY1         = Names{"Lunar New Year's Day", "農曆正月初一", "农历正月初一"}
	moLNY2         = Names{"The second day of the Lunar New Year", "農曆正月初二", "农历正月初二"}
	moLNY3         = Names{"The third day of the Lunar New Year", "農曆正月初三", "农历正月初三"}
	moGoodFriday   = Names{"Good Friday", "耶穌受難日", "耶稣受难日"}
	moHolySaturday = Names{"The Day before Easter", "復活節前日", "复活节前日"}
	moChingMing    = Names{"Ching Ming Festival", "清明節", "清明节"}
	moLabour       = Names{"Labour Day", "勞動節", "劳动节"}
	moBuddha       = Names{"The Buddha's Birthday", "佛誕節", "佛诞节"}
	moTuenNg       = Names{"Tuen Ng Festival (Dragon Boat Festival)", "端午節", "端午节"}
	moMidAutumn    = Names{"The day following Mid-Autumn Festival", "中秋節翌日", "中秋节翌日"}
	moNational     = Names{"National Day of the People's Republic of China", "中華人民共和國國慶日", "中华人民共和国国庆日"}
	moNational2    = Names{"The day following National Day of the People's Republic of China", "中華人民共和國國慶日翌日", "中华人民共和国国庆日翌日"}
	moChungYeung   = Names{"Chung Yeung Festival", "重陽節", "重阳节"}
	moAllSouls     = Names{"All Souls' Day", "追思節", "追思节"}
	moImmaculate   = Names{"Feast of the Immaculate Conception", "聖母無原罪瞻禮", "圣母无原罪瞻礼"}
	moSAR          = Names{"Macao Special Administrative Region Establishment Day", "澳門特別行政區成立紀念日", "澳门特别行政区成立纪念日"}
	moSolstice     = Names{"Winter Solstice", "冬至", "冬至"}
	moXmasEve      = Names{"Christmas Eve", "聖誕節前夕", "圣诞节前夕"}
	moXmas         = Names{"Christmas Day", "聖誕節", "圣诞节"}
)

func moHolidays(y int) ([]Event, bool) {
	if y < moFirstYear || y > moLastYear {
		return nil, false
	}
	lny := mustLunar(y, 1, 1)
	easter := Easter(y)
	hs := []holiday{
		fixed("new_year", moNewYear, Date{y, time.January, 1}),
		fixed("lunar_new_year", moLNY1, lny),
		fixed("lunar_new_year_day2", moLNY2, lny.AddDays(1)),
		fixed("lunar_new_year_day3", moLNY3, lny.AddDays(2)),
		fixed("good_friday", moGoodFriday, easter.AddDays(-2)),
		fixed("holy_saturday", moHolySaturday, easter.AddDays(-1)),
		fixed("ching_ming", moChingMing, mustTerm(y, Qingming)),
		fixed("labour_day", moLabour, Date{y, time.May, 1}),
		fixed("buddha_birthday", moBuddha, mustLunar(y, 4, 8)),
		fixed("tuen_ng", moTuenNg, mustLunar(y, 5, 5)),
		fixed("day_following_mid_autumn", moMidAutumn, mustLunar(y, 8, 16)),
		fixed("national_day", moNational, Date{y, time.October, 1}),
		fixed("day_following_national_day", moNational2, Date{y, time.October, 2}),
		fixed("chung_yeung", moChungYeung, mustLunar(y, 9, 9)),
		fixed("all_souls_day", moAllSouls, Date{y, time.November, 2}),
		fixed("immaculate_conception", moImmaculate, Date{y, time.December, 8}),
		fixed("macao_sar_establishment_day", moSAR, Date{y, time.December, 20}),
		fixed("winter_solstice", moSolstice, mustTerm(y, WinterSolstice)),
		fixed("christmas_eve", moXmasEve, Date{y, time.December, 24}),
		fixed("christmas_day", moXmas, Date{y, time.December, 25}),
	}
	events := make([]Event, 0, len(hs))
	for _, h := range hs {
		events = append(events, holidayEvent(h.key, h.names, h.nominal, false))
	}
	return events, true
}
