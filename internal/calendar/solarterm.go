package calendar

import (
	"fmt"
	"time"
)

// Names holds a display name in English, Traditional Chinese and Simplified
// Chinese.
type Names struct {
	EN     string
	ZhHant string
	ZhHans string
}

// SolarTerm is one of the 24 solar terms (jieqi), numbered in the order they
// occur in a Gregorian year, from Minor Cold in early January to the Winter
// Solstice in late December. Term t begins when the Sun's apparent ecliptic
// longitude reaches 285° + 15°·t (mod 360°).
type SolarTerm int

// The 24 solar terms.
const (
	MinorCold SolarTerm = iota
	MajorCold
	StartOfSpring
	RainWater
	AwakeningOfInsects
	SpringEquinox
	Qingming
	GrainRain
	StartOfSummer
	GrainBuds
	GrainInEar
	SummerSolstice
	MinorHeat
	MajorHeat
	StartOfAutumn
	EndOfHeat
	WhiteDew
	AutumnEquinox
	ColdDew
	FrostDescent
	StartOfWinter
	MinorSnow
	MajorSnow
	WinterSolstice
)

type solarTermInfo struct {
	key   string
	names Names
}

var solarTermInfos = [24]solarTermInfo{
	{"minor_cold", Names{"Minor Cold", "小寒", "小寒"}},
	{"major_cold", Names{"Major Cold", "大寒", "大寒"}},
	{"start_of_spring", Names{"Start of Spring", "立春", "立春"}},
	{"rain_water", Names{"Rain Water", "雨水", "雨水"}},
	{"awakening_of_insects", Names{"Awakening of Insects", "驚蟄", "惊蛰"}},
	{"spring_equinox", Names{"Spring Equinox", "春分", "春分"}},
	{"qingming", Names{"Qingming", "清明", "清明"}},
	{"grain_rain", Names{"Grain Rain", "穀雨", "谷雨"}},
	{"start_of_summer", Names{"Start of Summer", "立夏", "立夏"}},
	{"grain_buds", Names{"Grain Buds", "小滿", "小满"}},
	{"grain_in_ear", Names{"Grain in Ear", "芒種", "芒种"}},
	{"summer_solstice", Names{"Summer Solstice", "夏至", "夏至"}},
	{"minor_heat", Names{"Minor Heat", "小暑", "小暑"}},
	{"major_heat", Names{"Major Heat", "大暑", "大暑"}},
	{"start_of_autumn", Names{"Start of Autumn", "立秋", "立秋"}},
	{"end_of_heat", Names{"End of Heat", "處暑", "处暑"}},
	{"white_dew", Names{"White Dew", "白露", "白露"}},
	{"autumn_equinox", Names{"Autumn Equinox", "秋分", "秋分"}},
	{"cold_dew", Names{"Cold Dew", "寒露", "寒露"}},
	{"frost_descent", Names{"Frost's Descent", "霜降", "霜降"}},
	{"start_of_winter", Names{"Start of Winter", "立冬", "立冬"}},
	{"minor_snow", Names{"Minor Snow", "小雪", "小雪"}},
	{"major_snow", Names{"Major Snow", "大雪", "大雪"}},
	{"winter_solstice", Names{"Winter Solstice", "冬至", "冬至"}},
}

// Solar terms are computed for these Gregorian years; outside them ΔT, and
// so the instant, is too poorly known to promise a day.
const (
	firstSolarTermYear = 1900
	lastSolarTermYear  = 2100
)

// Valid reports whether t is one of the 24 terms.
func (t SolarTerm) Valid() bool { return t >= MinorCold && t <= WinterSolstice }

// String returns the term's stable key, such as "winter_solstice".
func (t SolarTerm) String() string {
	if !t.Valid() {
		return fmt.Sprintf("SolarTerm(%d)", int(t))
	}
	return solarTermInfos[t].key
}

// Names returns the term's names in English and Chinese.
func (t SolarTerm) Names() Names {
	if !t.Valid() {
		return Names{}
	}
	return solarTermInfos[t].names
}

// Longitude returns the apparent solar longitude, in degrees, at which the
// term begins.
func (t SolarTerm) Longitude() float64 {
	return normDeg(285 + 15*float64(t))
}

// SolarTermTime returns the instant at which term t begins in Gregorian year
// y, in UTC. It is accurate to well under a minute for 1900–2100.
func SolarTermTime(y int, t SolarTerm) (time.Time, error) {
	jde, err := solarTermJDE(y, t)
	if err != nil {
		return time.Time{}, err
	}
	return jdeToTime(jde), nil
}

// SolarTermDate returns the date in China Standard Time (UTC+8) on which term
// t falls in Gregorian year y. Calendars published in Hong Kong, Taiwan and
// mainland China all use this date, so a term is the same day everywhere.
func SolarTermDate(y int, t SolarTerm) (Date, error) {
	jde, err := solarTermJDE(y, t)
	if err != nil {
		return Date{}, err
	}
	return cstDate(jde), nil
}

func solarTermJDE(y int, t SolarTerm) (float64, error) {
	if !t.Valid() {
		return 0, fmt.Errorf("calendar: invalid solar term %d", int(t))
	}
	if y < firstSolarTermYear || y > lastSolarTermYear {
		return 0, fmt.Errorf("%w: solar terms of %d", ErrOutOfRange, y)
	}
	// Terms come every 15.2 days or so starting with Minor Cold on January 5–7.
	guess := Date{y, time.January, 6}.AddDays(int(15.22 * float64(t)))
	return sunLongitudeJDE(t.Longitude(), jdeOfDate(guess)), nil
}
