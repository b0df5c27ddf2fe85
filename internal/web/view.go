package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// view is what every template gets: the person, the language and its
// helpers, and the page's own Data.
type view struct {
	s     *Server
	rq    *request
	Title string // a catalog key
	Path  string
	// Here is the page's path and query, where a form sends the browser
	// back to.
	Here string
	// Form errors: field → catalog key, shown beside the field.
	Errors map[string]string
	// Problem is a catalog key for an error about the whole form.
	Problem string
	Data    any

	ctx    context.Context
	pauses []*ferry.Pause // read once, by Pauses
}

func (s *Server) view(r *http.Request, rq *request, title string) *view {
	return &view{s: s, rq: rq, Title: title, Path: r.URL.Path, Here: r.URL.RequestURI(), ctx: r.Context()}
}

// Lang is the page's language.
func (v *view) Lang() string { return v.rq.lang }

// HTMLLang is the page's lang attribute.
func (v *view) HTMLLang() string { return htmlLang(v.rq.lang) }

// Languages lists the language switch's choices.
func (v *view) Languages() []string { return service.Languages }

// Me is the signed-in person, or nil.
func (v *view) Me() *service.Me { return v.rq.me }

// CSRF is the token every form of a signed-in page carries.
func (v *view) CSRF() string { return v.rq.csrf() }

// Nav lists the header's entries.
func (v *view) Nav() []navItem { return nav() }

// Current reports whether a nav entry is the page shown.
func (v *view) Current(path string) bool {
	if path == "/" {
		return v.Path == "/"
	}
	return v.Path == path || strings.HasPrefix(v.Path, path+"/")
}

// Static is the versioned URL of a static file.
func (v *view) Static(name string) string { return v.s.static[name] }

// T translates a key, with placeholders from name/value pairs.
func (v *view) T(key string, args ...any) string {
	return v.s.catalog.translate(v.rq.lang, key, args...)
}

// TN translates a key whose wording depends on a count n: key.one for 1,
// key.other otherwise, with {n} filled.
func (v *view) TN(key string, n int, args ...any) string {
	form := ".other"
	if n == 1 {
		form = ".one"
	}
	return v.s.catalog.translate(v.rq.lang, key+form, append([]any{"n", n}, args...)...)
}

// DateTime writes a time in the workspace's zone, the language's way.
func (v *view) DateTime(t any) string { return v.format("format.datetime", t) }

// Date writes a day the language's way.
func (v *view) Date(t any) string { return v.format("format.date", t) }

// Month writes a month given as "2006-01" the language's way: "Dec 2026",
// "2026年12月"; anything else as it is.
func (v *view) Month(ym string) string {
	t, err := time.ParseInLocation("2006-01", ym, v.rq.location())
	if err != nil {
		return ym
	}
	return v.format("format.month", t)
}

func (v *view) format(pattern string, t any) string {
	switch t := t.(type) {
	case time.Time:
		return v.s.catalog.formatTime(v.rq.lang, pattern, t, v.rq.location())
	case *time.Time:
		if t == nil {
			return ""
		}
		return v.s.catalog.formatTime(v.rq.lang, pattern, *t, v.rq.location())
	case calendar.Date:
		return v.s.catalog.formatTime(v.rq.lang, pattern, t.At(12, 0, v.rq.location()), v.rq.location())
	}
	return fmt.Sprint(t)
}

// ISO is a time's machine-readable form, for <time datetime>.
func (v *view) ISO(t any) string {
	switch t := t.(type) {
	case time.Time:
		return t.In(v.rq.location()).Format(time.RFC3339)
	case *time.Time:
		if t != nil {
			return t.In(v.rq.location()).Format(time.RFC3339)
		}
	}
	return ""
}

// Zone names the workspace's time zone with its offset now:
// "Asia/Hong_Kong (UTC+08:00)".
func (v *view) Zone() string {
	loc := v.rq.location()
	return loc.String() + " (UTC" + time.Now().In(loc).Format("-07:00") + ")"
}

// State is a publication state in words.
func (v *view) State(st ferry.PublicationState) string { return v.T("state." + string(st)) }

// Platform is a platform's name.
func (v *view) Platform(p ferry.Platform) string { return v.T("platform." + string(p)) }

// HolidayName names a festival or holiday in the page's language.
func (v *view) HolidayName(h service.Holiday) string {
	switch v.rq.lang {
	case "zh-Hant":
		return h.NameZhHant
	case "zh-Hans":
		return h.NameZhHans
	}
	return h.NameEN
}

// Summary says where a story's publications stand: "published 3 of 4,
// 1 failed", in the page's language. Canceled ones are left out, as in
// service.Summary.
func (v *view) Summary(pubs []*ferry.Publication) string {
	counts := map[ferry.PublicationState]int{}
	live := 0
	for _, p := range pubs {
		if p.State != ferry.StateCanceled {
			counts[p.State]++
			live++
		}
	}
	if live == 0 {
		if len(pubs) > 0 {
			return v.T("summary.canceled")
		}
		return v.T("summary.no_targets")
	}
	parts := []string{v.T("summary.published", "n", counts[ferry.StatePublished], "total", live)}
	for _, st := range []ferry.PublicationState{ferry.StateFailed, ferry.StateMissed, ferry.StateUnknown, ferry.StateNeedsReauth, ferry.StateAwaitingApproval, ferry.StateHandoff,
		ferry.StateWaiting, ferry.StatePublishing, ferry.StateScheduled, ferry.StateDraft} {
		if n := counts[st]; n > 0 {
			parts = append(parts, v.T("summary.count", "n", n, "state", v.T("summary.state."+string(st))))
		}
	}
	return strings.Join(parts, v.T("summary.separator"))
}

// Tone is a state's colour class: ok, bad, warn, wait or off.
func (v *view) Tone(st ferry.PublicationState) string { return stateTone(st) }

func stateTone(st ferry.PublicationState) string {
	switch st {
	case ferry.StatePublished:
		return "ok"
	case ferry.StateFailed, ferry.StateMissed, ferry.StateUnknown:
		return "bad"
	case ferry.StateNeedsReauth, ferry.StateHandoff, ferry.StateWaiting, ferry.StateAwaitingApproval:
		return "warn"
	case ferry.StateScheduled, ferry.StatePublishing:
		return "wait"
	}
	return "off"
}

// Error is the catalog key of a field's error, or "".
func (v *view) Error(field string) string { return v.Errors[field] }

// pubList is a list of publications on the dashboard, with the page's
// helpers.
type pubList struct {
	V     *view
	Key   string // the catalog key of its heading
	Kind  string // which time and reason an item shows: unknown, failed, handoff, waiting, upcoming
	Items []listItem
	More  int
	Total int
}

// listItem is one line of a dashboard list: a publication, and in the
// upcoming list the story's other publications due at the same time.
type listItem struct {
	service.PublicationItem
	Others []service.PublicationItem
}

// List prepares a dashboard list for the "publist" template. Upcoming
// publications of one story at one time share a line.
func (v *view) List(key, kind string, l service.PublicationList) pubList {
	out := pubList{V: v, Key: key, Kind: kind, More: l.Total - len(l.Items), Total: l.Total}
	for _, it := range l.Items {
		if n := len(out.Items); kind == "upcoming" && n > 0 {
			last := &out.Items[n-1]
			if last.Publication.StoryID == it.Publication.StoryID && sameTime(last.Publication.ScheduledAt, it.Publication.ScheduledAt) {
				last.Others = append(last.Others, it)
				continue
			}
		}
		out.Items = append(out.Items, listItem{PublicationItem: it})
	}
	return out
}

func sameTime(a, b *time.Time) bool { return a != nil && b != nil && a.Equal(*b) }

// Reason says why a publication is where it is, in the page's language:
// its code's message ("reason.<code>") with the arguments written the
// page's way, times in the workspace's zone. A platform's own message is
// quoted as it wrote it. A publication last moved before reasons had codes
// has only its English words, and they are shown as they are (ReasonLang).
func (v *view) Reason(p *ferry.Publication) string {
	key := v.reasonKey(p)
	if key == "" {
		return p.Reason
	}
	args := make([]any, 0, 2*len(p.ReasonArgs))
	for name, val := range p.ReasonArgs {
		if name == "message" {
			// Ferry's own words (a lost answer, a health reason) in the
			// page's language; a platform's as it wrote them.
			code := ""
			if p.Error != nil && p.Error.Message == val {
				code = p.Error.Code
			}
			val, _ = v.errorWords(code, val)
			args = append(args, name, val)
			continue
		}
		args = append(args, name, v.reasonArg(name, val))
	}
	// The catalogs leave a space after a quoted message, for one that ends
	// with a Latin full stop; after a Chinese one it is a stray.
	return strings.NewReplacer("。 ", "。", "！ ", "！", "？ ", "？").Replace(v.T(key, args...))
}

// ReasonLang is the language of Reason's words for p when it is not the
// page's: "en" for words stored before reasons had codes, else "".
func (v *view) ReasonLang(p *ferry.Publication) string {
	if v.reasonKey(p) == "" && p.Reason != "" && v.rq.lang != "en" {
		return "en"
	}
	return ""
}

// QuotesError reports whether p's reason, in the page's words, quotes its
// error's message (a platform's refusal, a lost answer): then the reason
// alone says it, and the message is not shown twice.
func (v *view) QuotesError(p *ferry.Publication) bool {
	return p.Error != nil && v.reasonKey(p) != "" && p.ReasonArgs["message"] == p.Error.Message
}

// reasonKey is the catalog key of p's reason, or "" if it has none (no
// code, or a code this catalog does not know).
func (v *view) reasonKey(p *ferry.Publication) string {
	key := "reason." + string(p.ReasonCode)
	if p.ReasonCode == "" || !v.s.catalog.has(v.rq.lang, key) {
		return ""
	}
	return key
}

// reasonArg writes a reason's argument the page's way.
func (v *view) reasonArg(name, val string) string {
	switch ferry.ReasonArgKindOf(name) {
	case ferry.ArgTime:
		if t, err := time.Parse(time.RFC3339, val); err == nil {
			return v.DateTime(t)
		}
	case ferry.ArgDuration:
		if d, err := time.ParseDuration(val); err == nil {
			return v.s.catalog.formatDuration(v.rq.lang, d)
		}
	case ferry.ArgPlatform:
		return v.Platform(ferry.Platform(val))
	case ferry.ArgApprovers:
		return strings.ReplaceAll(ferry.ApproverWords(val, func(role string) string { return v.T("role.any." + role) }), ", ", v.T("summary.separator"))
	}
	return val
}

// Explain is the catalog key of a state's plain-words explanation, or ""
// for a state that needs none.
func (v *view) Explain(st ferry.PublicationState) string {
	key := "explain." + string(st)
	if v.s.catalog.has(v.rq.lang, key) {
		return key
	}
	return ""
}

// StoryTitle names a story in a list: its title, or the start of its body.
func (v *view) StoryTitle(st *ferry.Story) string { return service.StoryTitle(st) }
