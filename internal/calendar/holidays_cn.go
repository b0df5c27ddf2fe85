package calendar

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// Mainland China fixes its statutory holidays a few weeks ahead, each year,
// by a notice of the General Office of the State Council, shifting weekend
// days to make long breaks. No rule predicts them, so they come from data:
// cn_holidays.json covers 2002–2027 (see its "about" field for provenance).

//go:embed cn_holidays.json
var cnHolidaysJSON []byte

type cnHolidayDay struct {
	Date    Date   `json:"date"`
	Holiday string `json:"holiday"`
	Off     bool   `json:"off"`
	For     Date   `json:"for"`
}

type cnHolidayData struct {
	FirstYear int            `json:"first_year"`
	LastYear  int            `json:"last_year"`
	Days      []cnHolidayDay `json:"days"`
	byYear    map[int][]Event
}

// cnNames are the names of the holidays in the notices, and what a make-up
// working day for each is called.
var cnNames = map[string]struct{ off, work Names }{
	"new_year":                {Names{"New Year's Day", "元旦", "元旦"}, Names{"Working day (New Year's Day adjustment)", "元旦調休上班", "元旦调休上班"}},
	"spring_festival":         {Names{"Spring Festival", "春節", "春节"}, Names{"Working day (Spring Festival adjustment)", "春節調休上班", "春节调休上班"}},
	"qingming":                {Names{"Qingming Festival", "清明節", "清明节"}, Names{"Working day (Qingming adjustment)", "清明節調休上班", "清明节调休上班"}},
	"labour_day":              {Names{"Labour Day", "勞動節", "劳动节"}, Names{"Working day (Labour Day adjustment)", "勞動節調休上班", "劳动节调休上班"}},
	"dragon_boat":             {Names{"Dragon Boat Festival", "端午節", "端午节"}, Names{"Working day (Dragon Boat Festival adjustment)", "端午節調休上班", "端午节调休上班"}},
	"mid_autumn":              {Names{"Mid-Autumn Festival", "中秋節", "中秋节"}, Names{"Working day (Mid-Autumn Festival adjustment)", "中秋節調休上班", "中秋节调休上班"}},
	"national_day":            {Names{"National Day", "國慶節", "国庆节"}, Names{"Working day (National Day adjustment)", "國慶節調休上班", "国庆节调休上班"}},
	"national_day_mid_autumn": {Names{"National Day and Mid-Autumn Festival", "國慶節、中秋節", "国庆节、中秋节"}, Names{"Working day (National Day and Mid-Autumn adjustment)", "國慶中秋調休上班", "国庆中秋调休上班"}},
	"victory_day":             {Names{"Victory Day (70th anniversary of the War of Resistance)", "中國人民抗日戰爭暨世界反法西斯戰爭勝利70週年紀念日", "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"}, Names{"Working day (Victory Day adjustment)", "抗戰勝利紀念日調休上班", "抗战胜利纪念日调休上班"}},
}

// loadCNHolidays parses the embedded data once; a parse failure is a build
// defect, which the tests catch.
var loadCNHolidays = sync.OnceValues(func() (*cnHolidayData, error) {
	var data cnHolidayData
	if err := json.Unmarshal(cnHolidaysJSON, &data); err != nil {
		return nil, fmt.Errorf("calendar: cn_holidays.json: %w", err)
	}
	data.byYear = make(map[int][]Event)
	for _, d := range data.Days {
		n, ok := cnNames[d.Holiday]
		if !ok {
			return nil, fmt.Errorf("calendar: cn_holidays.json: unknown holiday %q on %v", d.Holiday, d.Date)
		}
		e := holidayEvent(d.Holiday, n.off, d.Date, false)
		if !d.Off {
			e.Kind = KindWorkingDay
			e.NameEN, e.NameZhHant, e.NameZhHans = n.work.EN, n.work.ZhHant, n.work.ZhHans
		}
		// A day is filed under its own calendar year, so a make-up day in late
		// December for the next New Year is found by a query for December.
		data.byYear[d.Date.Year] = append(data.byYear[d.Date.Year], e)
	}
	return &data, nil
})

// CNHolidayYears returns the first and last years for which the embedded
// mainland China holiday data is complete.
func CNHolidayYears() (first, last int) {
	data, err := loadCNHolidays()
	if err != nil {
		return 0, -1
	}
	return data.FirstYear, data.LastYear
}

func cnHolidays(y int) ([]Event, bool) {
	data, err := loadCNHolidays()
	if err != nil {
		return nil, false
	}
	if y < data.FirstYear || y > data.LastYear {
		return nil, false
	}
	return data.byYear[y], true
}
