package calendar

import (
	"errors"
	"fmt"
)

// Keys of the traditional festivals. They are stable identifiers, safe to
// store: Event.Key and Recurrence.Festival use them.
const (
	ChineseNewYear     = "chinese_new_year"
	ChineseNewYearDay2 = "chinese_new_year_day2"
	ChineseNewYearDay3 = "chinese_new_year_day3"
	Lantern            = "lantern"
	QingmingFestival   = "qingming"
	BuddhaBirthday     = "buddha_birthday"
	DragonBoat         = "dragon_boat"
	Qixi               = "qixi"
	HungryGhost        = "hungry_ghost"
	MidAutumn          = "mid_autumn"
	DayAfterMidAutumn  = "day_after_mid_autumn"
	ChungYeung         = "chung_yeung"
	WinterSolsticeFest = "winter_solstice"
	Laba               = "laba"
	LittleNewYear      = "little_new_year"
	ChineseNewYearsEve = "chinese_new_years_eve"
)

// ErrUnknownFestival reports a festival key the package does not define.
var ErrUnknownFestival = errors.New("calendar: unknown festival")

// festival describes how to find one festival in a given year.
type festival struct {
	key   string
	names Names
	// Exactly one of the following is set.
	lunarMonth, lunarDay int       // day of a regular (non-leap) lunar month
	term                 SolarTerm // a solar term, when solar is true
	solar                bool
	lastDayOfYear        bool // the last day of the lunar year
}

// festivals lists the festivals in calendar order within a lunar year.
var festivals = [...]festival{
	{key: ChineseNewYear, names: Names{"Chinese New Year", "春節", "春节"}, lunarMonth: 1, lunarDay: 1},
	{key: ChineseNewYearDay2, names: Names{"Second day of Chinese New Year", "正月初二", "正月初二"}, lunarMonth: 1, lunarDay: 2},
	{key: ChineseNewYearDay3, names: Names{"Third day of Chinese New Year", "正月初三", "正月初三"}, lunarMonth: 1, lunarDay: 3},
	{key: Lantern, names: Names{"Lantern Festival", "元宵節", "元宵节"}, lunarMonth: 1, lunarDay: 15},
	{key: QingmingFestival, names: Names{"Qingming Festival", "清明節", "清明节"}, solar: true, term: Qingming},
	{key: BuddhaBirthday, names: Names{"Buddha's Birthday", "佛誕", "佛诞"}, lunarMonth: 4, lunarDay: 8},
	{key: DragonBoat, names: Names{"Dragon Boat Festival (Tuen Ng)", "端午節", "端午节"}, lunarMonth: 5, lunarDay: 5},
	{key: Qixi, names: Names{"Qixi Festival", "七夕", "七夕"}, lunarMonth: 7, lunarDay: 7},
	{key: HungryGhost, names: Names{"Hungry Ghost Festival (Zhongyuan)", "中元節", "中元节"}, lunarMonth: 7, lunarDay: 15},
	{key: MidAutumn, names: Names{"Mid-Autumn Festival", "中秋節", "中秋节"}, lunarMonth: 8, lunarDay: 15},
	{key: DayAfterMidAutumn, names: Names{"Day after Mid-Autumn Festival", "中秋節翌日", "中秋节翌日"}, lunarMonth: 8, lunarDay: 16},
	{key: ChungYeung, names: Names{"Chung Yeung Festival (Double Ninth)", "重陽節", "重阳节"}, lunarMonth: 9, lunarDay: 9},
	{key: WinterSolsticeFest, names: Names{"Winter Solstice (Dongzhi)", "冬至", "冬至"}, solar: true, term: WinterSolstice},
	{key: Laba, names: Names{"Laba Festival", "臘八節", "腊八节"}, lunarMonth: 12, lunarDay: 8},
	// Little New Year is the 23rd of the twelfth month in the north and the
	// 24th in the south; the northern date is the one calendars print.
	{key: LittleNewYear, names: Names{"Little New Year", "小年", "小年"}, lunarMonth: 12, lunarDay: 23},
	{key: ChineseNewYearsEve, names: Names{"Chinese New Year's Eve", "除夕", "除夕"}, lastDayOfYear: true},
}

func findFestival(key string) (festival, bool) {
	for _, f := range festivals {
		if f.key == key {
			return f, true
		}
	}
	return festival{}, false
}

// FestivalKeys returns the keys of all festivals, in the order they fall in a
// lunar year.
func FestivalKeys() []string {
	keys := make([]string, len(festivals))
	for i, f := range festivals {
		keys[i] = f.key
	}
	return keys
}

// FestivalNames returns the names of the festival with the given key.
func FestivalNames(key string) (Names, error) {
	f, ok := findFestival(key)
	if !ok {
		return Names{}, fmt.Errorf("%w: %q", ErrUnknownFestival, key)
	}
	return f.names, nil
}

// FestivalDate returns the date of a festival in year y. For festivals fixed
// in the lunar calendar, y is the lunar year, so the Laba Festival, Little New
// Year and New Year's Eve of year y fall in January or February of y+1. For
// Qingming and the winter solstice, which follow the Sun, y is the Gregorian
// year. Lunar festivals are kept in the regular month when a leap month
// repeats it, as every published calendar does.
func FestivalDate(key string, y int) (Date, error) {
	f, ok := findFestival(key)
	if !ok {
		return Date{}, fmt.Errorf("%w: %q", ErrUnknownFestival, key)
	}
	return f.date(y)
}

func (f festival) date(y int) (Date, error) {
	switch {
	case f.solar:
		return SolarTermDate(y, f.term)
	case f.lastDayOfYear:
		next, err := LunarNewYear(y + 1)
		if err != nil {
			return Date{}, err
		}
		return next.AddDays(-1), nil
	default:
		return FromLunar(LunarDate{Year: y, Month: f.lunarMonth, Day: f.lunarDay})
	}
}

// festivalEvents appends to dst every festival falling in [from, to].
func festivalEvents(dst []Event, region string, from, to Date) []Event {
	// A lunar year's festivals run from late January to the next February, so
	// lunar year from.Year-1 can still reach into the range.
	for y := from.Year - 1; y <= to.Year; y++ {
		for _, f := range festivals {
			if f.solar && y < from.Year {
				continue // solar festivals of year y fall in year y
			}
			d, err := f.date(y)
			if err != nil || d.Before(from) || d.After(to) {
				continue // out of the supported range, or of the query
			}
			dst = append(dst, Event{
				Date:       d,
				Kind:       KindFestival,
				Key:        f.key,
				NameEN:     f.names.EN,
				NameZhHant: f.names.ZhHant,
				NameZhHans: f.names.ZhHans,
				Region:     region,
			})
		}
	}
	return dst
}
