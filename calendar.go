package ferry

import "time"

// Kinds of a workspace's own calendar events.
const (
	EventCampaign = "campaign" // a dated campaign: informative
	EventBlackout = "blackout" // a period in which nothing may be scheduled without an override
)

// CalendarEvent is a workspace's own dated event: a campaign or a blackout
// period. An all-day event is kept as dates (StartDate, EndDate, inclusive,
// YYYY-MM-DD), which are authoritative, and its instants are derived in the
// workspace's time zone; a timed event is kept as instants only.
type CalendarEvent struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	Kind        string `json:"kind"`
	NameEN      string `json:"name_en"`
	NameZh      string `json:"name_zh"`
	Note        string `json:"note"`
	AllDay      bool   `json:"all_day"`
	StartDate   string `json:"start_date"`
	EndDate     string `json:"end_date"`
	// StartsAt and EndsAt bound the event, end exclusive.
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CalendarEventFilter selects a workspace's events.
type CalendarEventFilter struct {
	WorkspaceID string
	// Kind keeps one kind; empty keeps all.
	Kind string
	// From and To keep the events overlapping [From, To) by their stored
	// instants; zero values leave that side open.
	From, To time.Time
}

// Recurrence is a yearly date and wall-clock time, as stored and as the API
// shows it. Exactly one of Festival, a lunar date (LunarMonth, LunarDay,
// Leap) or a Gregorian date (Month, Day) is set; package calendar gives it
// meaning.
type Recurrence struct {
	Festival   string `json:"festival,omitempty"`
	LunarMonth int    `json:"lunar_month,omitempty"`
	LunarDay   int    `json:"lunar_day,omitempty"`
	Leap       bool   `json:"leap,omitempty"`
	Month      int    `json:"month,omitempty"`
	Day        int    `json:"day,omitempty"`
	// LocalTime is HH:MM in the workspace's time zone.
	LocalTime string `json:"local_time"`
	// Missing says what happens in a year without the day: "clamp" (the
	// default: the nearest day that exists) or "skip".
	Missing string `json:"missing,omitempty"`
}

// RecurringCampaign is a campaign that comes back every year, such as
// "every Mid-Autumn at 20:00".
type RecurringCampaign struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"-"`
	NameEN      string     `json:"name_en"`
	NameZh      string     `json:"name_zh"`
	Note        string     `json:"note"`
	Recurrence  Recurrence `json:"recurrence"`
	Active      bool       `json:"active"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}
