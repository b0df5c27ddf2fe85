// Package calendar is the festival and holiday calendar Ferry schedules
// against: the Chinese lunisolar calendar and its 24 solar terms, the
// traditional festivals, and the public holidays of Hong Kong, mainland
// China, Taiwan and Macao.
//
// # What it offers
//
//   - Date, a civil date without a time zone, and ParseDate.
//   - ToLunar and FromLunar between the Gregorian and Chinese calendars, with
//     leap months (LunarDate.Leap), for lunar years 1899–2100, which cover
//     every day of the Gregorian years 1900–2100.
//   - SolarTermTime and SolarTermDate for the 24 solar terms, 1900–2100; the
//     date is the day in China Standard Time (UTC+8), the one every Chinese
//     calendar prints, in Hong Kong and Taiwan too.
//   - FestivalDate for the traditional festivals (keys such as MidAutumn).
//   - Events, the festivals and public holidays of a region over a range.
//   - Recurrence, a yearly lunar, festival or Gregorian date at a wall-clock
//     time, turned into instants by Recurrence.Next.
//
// # Why its own implementation
//
// github.com/6tail/lunar-go v1.4.7 (MIT) is solid: it uses the high-precision
// sxwnl astronomy and is the reference the tests of this package were checked
// against. It was not taken as a dependency because Ferry needs a small part
// of it (month starts, leap months, two solar terms) behind an API built for
// almanacs (stems and branches, auspicious days, Buddhist and Taoist
// calendars), with package-level caches and conversions through heavyweight
// objects, and because the holiday rules, which are most of the work here,
// would have to be written anyway. This package is instead:
//
//   - a table of lunar years (lunar_table.go, 4 bytes a year), generated from
//     and tested against
//   - a few hundred lines of astronomy after Meeus, Astronomical Algorithms:
//     VSOP87 (truncated) and IAU 1980 nutation for the Sun, chapter 49 for new
//     moons, and Espenak–Meeus ΔT;
//   - the rules of GB/T 33661-2017: a month starts on the day of the new moon
//     at 120°E, the month holding the winter solstice is the 11th, and in a
//     13-month year the first month without a principal term is the leap one.
//
// Checked over every day of 1900–2100: the lunar dates equal lunar-go's on
// 73,384 of 73,414 days. The 30 others are one month of 2057, whose new moon
// falls at 23:59:57 on 28 September (China time) by this model and at
// 23:59:50 by PyEphem; lunar-go puts it after midnight. So close to midnight
// the answer depends on ΔT, which is unknown that far ahead; the table
// published with python-lunardate agrees with this package there. All 4,824
// solar-term dates of 1900–2100 equal lunar-go's. The historical calendar of
// 1912–1928 was computed at Beijing's meridian (116°25′E), and the table
// follows it, which moves three new moons of 1914, 1916 and 1920 to the
// previous day.
//
// # Festivals
//
// Chinese New Year and its second and third days, the Lantern Festival,
// Qingming, the Buddha's Birthday, the Dragon Boat Festival (Tuen Ng), Qixi,
// the Hungry Ghost Festival (Zhongyuan, the 15th of the 7th month), the
// Mid-Autumn Festival and the day after it, Chung Yeung, the winter solstice,
// Laba, Little New Year (the northern date, 12th month 23rd; the south keeps
// the 24th) and New Year's Eve (the last day of the 12th month, 29th or
// 30th). A festival in a month that a leap month repeats is kept in the
// regular month. Names are given in English, Traditional and Simplified
// Chinese.
//
// # Regions
//
// HK: the general holidays of the General Holidays Ordinance (Cap. 149),
// computed for 2000–2100: a holiday on a Sunday moves to the following day;
// a Lunar New Year day on a Sunday gives the fourth day (the day before New
// Year before the 2011 amendment); the day after Mid-Autumn on a Sunday gives
// the second day after (the festival day itself before 2012); Christmas Day
// on a Sunday gives the second weekday after Christmas, "weekday" meaning any
// day but Sunday; and when two holidays meet, the later in the order
// Chinese festivals, Easter holidays, fixed dates moves to the next free day.
// This reproduces all 224 holidays of the Government's list from 2011-12-26
// to 2024-12-26, by date and by name in three languages, and the gazetted
// lists of 2025–2027. One-off holidays appointed by order are data: only
// 3 September 2015 is included. Note on the 2020s: no general holiday was
// added. The first weekday after Christmas has long been a general holiday;
// what changed in 2024 is that it became a statutory holiday under the
// Employment Ordinance, in the phase-in of 2022 (the Buddha's Birthday), 2024
// (26 December), 2026 (Easter Monday), 2028 (Good Friday) and 2030 (the day
// after Good Friday). Statutory holidays, and the option of the winter
// solstice instead of Christmas, are not modelled separately.
//
// CN: mainland statutory holidays are not a rule but a yearly notice of the
// State Council, with weekend days turned into working days (KindWorkingDay).
// They come from cn_holidays.json, embedded, which covers 2002–2027 (see its
// "about" field for the source). For other years Events returns the festivals
// with a *CoverageError, which wraps ErrNoHolidayData.
//
// TW: the national holidays of the Act on the Implementation of Memorial Days
// and Holidays, computed for 2015–2100, with the 2025 amendment (Confucius'
// Birthday, Retrocession Day and Constitution Day from 2025; Little New
// Year's Eve and a nationwide Labour Day from 2026) and the substitution rules
// (Saturday to Friday, Sunday to Monday, Spring Festival weekend days made up
// after it, Children's Day moved off Tomb Sweeping Day). Approximate: the
// bridge days and Saturday make-up working days that the Directorate-General
// of Personnel Administration declares each year are not included.
//
// MO: Macao's twenty public holidays, 2000–2100. Approximate: the
// compensatory days the Chief Executive grants when a holiday falls on a
// weekend are decided yearly and are not included.
//
// # Events
//
// A holiday whose day off is another day (a Sunday, a Saturday in Taiwan, or
// a clash) is reported twice: on its own day under its own name, and on the
// day off, under the official substitute name, with Substitute set and the
// same Key. Festivals are reported in every region; they are not days off.
package calendar
