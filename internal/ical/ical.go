// Package ical writes iCalendar (RFC 5545) feeds: text escaped, lines
// folded at 75 octets, times in UTC.
package ical

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one VEVENT. An all-day event has Date set (and DateEnd, the
// exclusive end date); otherwise Start and End are instants.
type Event struct {
	UID                       string
	Summary, Description, URL string
	Start, End                time.Time
	AllDay                    bool
	Categories                string
}

// Write writes a calendar named name with the events, stamped at now.
func Write(w io.Writer, name string, now time.Time, events []Event) error {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Ferry//Schedule//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + Escape(name))
	line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + Escape(e.UID))
		line("DTSTAMP:" + utc(now))
		if e.AllDay {
			line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
			line("DTEND;VALUE=DATE:" + e.End.Format("20060102"))
		} else {
			line("DTSTART:" + utc(e.Start))
			line("DTEND:" + utc(e.End))
		}
		line("SUMMARY:" + Escape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + Escape(e.Description))
		}
		if e.URL != "" {
			line("URL:" + e.URL)
		}
		if e.Categories != "" {
			line("CATEGORIES:" + Escape(e.Categories))
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Escape escapes a TEXT value.
func Escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character.
func fold(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := utf8.RuneLen(r)
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}
