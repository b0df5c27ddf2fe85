package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/calendar"
	"github.com/ferry-social/ferry/internal/service"
)

// xhsTitleLimit is Xiaohongshu's title length, which its preview counts.
const xhsTitleLimit = 20

// previewSet is the previews fragment: a card per target, drawn like the
// platform shows the post, and what the chosen day holds.
type previewSet struct {
	V     *view
	Cards []previewCard
	// Invalid is a catalog key when the form cannot be previewed as it is.
	Invalid string
	Day     *dayInfo
}

// previewCard is one target's preview.
type previewCard struct {
	AccountID string
	Platform  ferry.Platform
	Name      string
	Title     template.HTML
	// TitleUsed counts the title's characters (Xiaohongshu).
	TitleUsed int
	Text      template.HTML
	Length    ferry.TextLength
	Problems  []ferry.Problem
	Media     []ferry.VariantMedia
	// Converted is true when the text was converted to another script.
	Converted bool
	Script    string
	// Edited, Stale and Diff describe a person's edit of this target.
	Edited, Stale bool
	Diff          *ferry.VariantDiff
	// Sent is true when this target's publication can no longer change.
	Sent bool
}

// Over reports whether the text is longer than the platform takes.
func (c previewCard) Over() bool { return c.Length.Limit > 0 && c.Length.Used > c.Length.Limit }

// TitleOver reports whether the Xiaohongshu title is too long.
func (c previewCard) TitleOver() bool { return c.TitleUsed > xhsTitleLimit }

// Errors counts the problems that block scheduling.
func (c previewCard) Errors() int {
	n := 0
	for _, p := range c.Problems {
		if p.Severity == ferry.SeverityError {
			n++
		}
	}
	return n
}

// dayInfo is what the chosen day holds: festivals, holidays, blackouts and
// campaigns, and the best hours of the chosen accounts on its weekday.
type dayInfo struct {
	Date    calendar.Date
	Entries []service.CalendarEntry
	Best    []bestLine
}

// bestLine is one account's best hours on a weekday.
type bestLine struct {
	Account  string
	Platform ferry.Platform
	Slots    []string
	Learned  bool
}

// previews adapts the form's story for its targets. storyID names the
// story edited, whose per-target edits are shown instead of the generated
// text.
func (s *Server) previews(ctx context.Context, rq *request, v *view, f composeForm, storyID string, accts map[string]*ferry.Account) (previewSet, error) {
	p := rq.principal()
	set := previewSet{V: v}
	day, err := s.dayInfo(ctx, rq, f, accts)
	if err != nil {
		return set, err
	}
	set.Day = day
	var targets []string
	for _, id := range f.Targets {
		if accts[id] != nil {
			targets = append(targets, id)
		}
	}
	if len(targets) == 0 || (strings.TrimSpace(f.Title) == "" && strings.TrimSpace(f.Body) == "") {
		return set, nil
	}
	pv, err := s.svc.Preview(ctx, p, service.PreviewInput{Title: f.Title, Body: f.Body, Tags: f.tags(), Links: f.links(), MediaIDs: f.MediaIDs,
		SourceScript: f.SourceScript, Targets: targets, Sources: true})
	if ferry.IsCode(err, ferry.EINVALID) {
		set.Invalid = "compose.preview_invalid"
		return set, nil
	}
	if err != nil {
		return set, err
	}
	edits := map[string]service.VariantView{}
	if storyID != "" {
		vs, err := s.svc.Variants(ctx, p, storyID)
		if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			return set, err
		}
		for _, ev := range vs {
			edits[ev.AccountID] = ev
		}
	}
	for i, av := range pv.Variants {
		c := previewCard{AccountID: av.AccountID, Platform: av.Platform, Name: accts[av.AccountID].Name, Length: av.Length, Problems: av.Problems,
			Media: av.Media, Script: string(av.Script)}
		title, text, source := av.Title, av.Text, pv.Sources[i]
		if ev, ok := edits[av.AccountID]; ok {
			c.Sent = ev.State != "" && (ev.State.Final() || ev.State == ferry.StatePublishing)
			if ev.Edited {
				// The edit is what this target gets; it has no conversion
				// of its own to mark.
				c.Edited, c.Stale, c.Diff = true, ev.Stale, ev.Diff
				title, text, source, c.Length, c.Problems = ev.Title, ev.Text, "", ev.Length, ev.Problems
			}
		}
		c.Converted = source != "" && source != text
		c.TitleUsed = utf8.RuneCountInString(title)
		c.Title = mark(title, av.Platform, fieldProblems(c.Problems, "title"), "", v.ProblemMessage)
		c.Text = mark(text, av.Platform, fieldProblems(c.Problems, "text"), source, v.ProblemMessage)
		set.Cards = append(set.Cards, c)
	}
	return set, nil
}

// dayInfo reads the chosen day's calendar and the chosen accounts' best
// hours on its weekday; nil when no valid time is chosen.
func (s *Server) dayInfo(ctx context.Context, rq *request, f composeForm, accts map[string]*ferry.Account) (*dayInfo, error) {
	at, ok := f.at(rq.location())
	if !ok {
		return nil, nil
	}
	p := rq.principal()
	d := calendar.DateOf(at)
	info := &dayInfo{Date: d}
	region := ""
	if rq.me != nil {
		region = rq.me.Workspace.Region
	}
	cal, err := s.svc.Calendar(ctx, p, service.CalendarQuery{From: d.String(), To: d.String(), Region: region})
	if err != nil && !ferry.IsCode(err, ferry.EINVALID) {
		return nil, err
	}
	if cal != nil {
		for _, e := range cal.Events {
			if e.Date == d || (e.EndDate != nil && !d.Before(e.Date) && !d.After(*e.EndDate)) {
				info.Entries = append(info.Entries, e)
			}
		}
	}
	weekday := strings.ToLower(at.Weekday().String())
	for _, id := range f.Targets {
		a := accts[id]
		if a == nil {
			continue
		}
		bt, err := s.svc.BestTimes(ctx, p, id)
		if err != nil {
			var fe *ferry.Error
			if errors.As(err, &fe) {
				continue // an account the best times cannot speak for
			}
			return nil, err
		}
		line := bestLine{Account: a.Name, Platform: a.Platform, Learned: bt.Source == "history"}
		for _, wd := range bt.Weekdays {
			if wd.Weekday == weekday {
				for _, sl := range wd.Slots {
					line.Slots = append(line.Slots, sl.Start)
				}
			}
		}
		info.Best = append(info.Best, line)
	}
	return info, nil
}

// fieldProblems are the problems with a span in one field.
func fieldProblems(ps []ferry.Problem, field string) []ferry.Problem {
	var out []ferry.Problem
	for _, p := range ps {
		if p.Field == field && p.Span != nil {
			out = append(out, p)
		}
	}
	return out
}

// EntryName names a calendar entry in the page's language (entryName).
func (v *view) EntryName(e service.CalendarEntry) string { return v.s.entryName(v.rq, e) }

// EventName names a campaign or blackout in the page's language (eventName).
func (v *view) EventName(e *ferry.CalendarEvent) string { return v.s.eventName(v.rq, e) }

// ProblemMessage is a problem's sentence in the page's language. The
// service words problems in English and Hong Kong Chinese; a Simplified
// page converts the latter.
func (v *view) ProblemMessage(p ferry.Problem) string {
	switch {
	case v.rq.lang == "en" || p.MessageZH == "":
		return p.Message
	case v.rq.lang == "zh-Hans":
		if cfg, ok := script.ConfigFor(script.HongKong, script.Simplified); ok {
			if s, err := v.s.conv.Convert(cfg, p.MessageZH); err == nil {
				return s
			}
		}
	}
	return p.MessageZH
}

// Unit names a length's unit.
func (v *view) Unit(u string) string { return v.T("compose.unit." + u) }

// Ratio is the CSS class of an image's frame in a preview: Xiaohongshu's
// 3:4 cover, Instagram's crop, the others' as the image is.
func (v *view) Ratio(p ferry.Platform, m ferry.VariantMedia) string {
	if p == ferry.Xiaohongshu {
		return "r-3-4"
	}
	if m.Width <= 0 || m.Height <= 0 {
		return "r-1-1"
	}
	r := float64(m.Width) / float64(m.Height)
	switch {
	case r < 0.9:
		return "r-4-5"
	case r > 1.5:
		return "r-191-100"
	}
	return "r-1-1"
}

// WhenValue is a time as the datetime-local input takes it.
func (v *view) WhenValue(t time.Time) string { return t.In(v.rq.location()).Format(whenLayout) }

var (
	urlPattern = regexp.MustCompile(`https?://[^\s<>"'）」]+`)
	tagPattern = regexp.MustCompile(`#[^\s#<>]+#?`)
	tgTag      = regexp.MustCompile(`^<(/?)([a-zA-Z-]+)((?:\s[^>]*)?)>$`)
	tgHref     = regexp.MustCompile(`href\s*=\s*"([^"]*)"`)
	tgEntity   = regexp.MustCompile(`^&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);`)
)

// runeMark is what a character of a preview is marked with.
type runeMark struct {
	problem int // 1 + the index of the problem whose span holds it; 0 none
	conv    int // 1 + the index of the converted run it is in; 0 none
	link    int // 1 + the index of the link it is in
	tag     bool
}

// mark renders a variant's text as the platform shows it, safely: every
// character escaped, links drawn the platform's way (Weibo's 网页链接),
// Telegram's HTML kept only for the tags Telegram renders, problems'
// spans highlighted with their message on hover, and the characters that
// script conversion changed marked with the source on hover.
func mark(text string, pl ferry.Platform, problems []ferry.Problem, source string, message func(ferry.Problem) string) template.HTML {
	if text == "" {
		return ""
	}
	runes := []rune(text)
	marks := make([]runeMark, len(runes))
	for i, p := range problems {
		for j := max(p.Span[0], 0); j < min(p.Span[1], len(runes)); j++ {
			if marks[j].problem == 0 {
				marks[j].problem = i + 1
			}
		}
	}
	var sources []string
	if source != "" {
		pos, pending := 0, ""
		for _, e := range adapt.Diff(source, text) {
			n := utf8.RuneCountInString(e.Text)
			switch e.Op {
			case "equal":
				pos, pending = pos+n, ""
			case "delete":
				pending += e.Text
			case "insert":
				sources = append(sources, pending)
				for j := pos; j < pos+n && j < len(runes); j++ {
					marks[j].conv = len(sources)
				}
				pos, pending = pos+n, ""
			}
		}
	}
	toRunes := func(byteIdx []int) (int, int) {
		return utf8.RuneCountInString(text[:byteIdx[0]]), utf8.RuneCountInString(text[:byteIdx[1]])
	}
	var links []string
	if pl != ferry.Instagram {
		for _, m := range urlPattern.FindAllStringIndex(text, -1) {
			links = append(links, text[m[0]:m[1]])
			a, b := toRunes(m)
			for j := a; j < b; j++ {
				marks[j].link = len(links)
			}
		}
	}
	if pl != ferry.Weibo && pl != ferry.Telegram {
		for _, m := range tagPattern.FindAllStringIndex(text, -1) {
			a, b := toRunes(m)
			for j := a; j < b; j++ {
				if marks[j].link == 0 {
					marks[j].tag = true
				}
			}
		}
	}

	var b strings.Builder
	open := runeMark{}
	closeMark := func() {
		if open.link != 0 && pl != ferry.Weibo {
			b.WriteString("</a>")
		}
		if open.tag {
			b.WriteString("</span>")
		}
		if open.conv != 0 {
			b.WriteString("</span>")
		}
		if open.problem != 0 {
			b.WriteString("</mark>")
		}
		open = runeMark{}
	}
	openMark := func(m runeMark) {
		if m.problem != 0 {
			p := problems[m.problem-1]
			fmt.Fprintf(&b, `<mark class="pv-problem sev-%s" title="%s">`, p.Severity, html.EscapeString(message(p)))
		}
		if m.conv != 0 {
			label := sources[m.conv-1]
			if label == "" {
				label = "—"
			}
			fmt.Fprintf(&b, `<span class="conv" title="%s">`, html.EscapeString(label))
		}
		if m.tag {
			b.WriteString(`<span class="hashtag">`)
		}
		if m.link != 0 && pl != ferry.Weibo {
			fmt.Fprintf(&b, `<a class="plink" href="%s" rel="noopener noreferrer nofollow" target="_blank">`, html.EscapeString(links[m.link-1]))
		}
		open = m
	}
	tg := pl == ferry.Telegram
	for i := 0; i < len(runes); {
		r := runes[i]
		if tg && r == '<' {
			if j := indexRune(runes, '>', i); j > 0 {
				closeMark()
				b.WriteString(telegramTag(string(runes[i : j+1])))
				i = j + 1
				continue
			}
		}
		m := marks[i]
		if m != open {
			if m.link != 0 && m.link == open.link && pl == ferry.Weibo {
				i++ // the rest of a link Weibo shows as 网页链接
				continue
			}
			closeMark()
			openMark(m)
			if m.link != 0 && pl == ferry.Weibo {
				b.WriteString(`<span class="weibo-link" title="` + html.EscapeString(links[m.link-1]) + `">网页链接</span>`)
				i++
				continue
			}
		} else if m.link != 0 && pl == ferry.Weibo {
			i++
			continue
		}
		if tg && r == '&' {
			if e := tgEntity.FindString(string(runes[i:min(i+12, len(runes))])); e != "" {
				b.WriteString(e)
				i += utf8.RuneCountInString(e)
				continue
			}
		}
		b.WriteString(html.EscapeString(string(r)))
		i++
	}
	closeMark()
	return template.HTML(b.String()) // every character above is escaped or a tag from the allow-list
}

func indexRune(rs []rune, r rune, from int) int {
	for j := from; j < len(rs); j++ {
		if rs[j] == r {
			return j
		}
	}
	return -1
}

// telegramTag renders one tag of a Telegram message: the tags Telegram
// shows, with nothing but a checked href kept of their attributes; any
// other tag is shown as text, as Telegram would refuse it.
func telegramTag(tag string) string {
	m := tgTag.FindStringSubmatch(tag)
	if m == nil {
		return html.EscapeString(tag)
	}
	closing, name, attrs := m[1] == "/", strings.ToLower(m[2]), m[3]
	switch name {
	case "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote":
		if closing {
			return "</" + name + ">"
		}
		return "<" + name + ">"
	case "tg-spoiler", "span":
		if closing {
			return "</span>"
		}
		if name == "span" && !strings.Contains(attrs, "tg-spoiler") {
			return "<span>"
		}
		return `<span class="tg-spoiler">`
	case "a":
		if closing {
			return "</a>"
		}
		if h := tgHref.FindStringSubmatch(attrs); h != nil {
			href := html.UnescapeString(h[1])
			if strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "tg://") {
				return `<a href="` + html.EscapeString(href) + `" rel="noopener noreferrer nofollow" target="_blank">`
			}
		}
		return "<a>"
	}
	return html.EscapeString(tag)
}
