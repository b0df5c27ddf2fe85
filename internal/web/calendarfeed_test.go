package web_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/testdb"
)

// parseICS reads an iCalendar feed back: lines unfolded, each VEVENT's
// properties (name without parameters → value, unescaped).
func parseICS(t *testing.T, body string) []map[string]string {
	t.Helper()
	require.True(t, strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n"), "starts as a calendar")
	require.True(t, strings.HasSuffix(body, "END:VCALENDAR\r\n"))
	for _, l := range strings.Split(body, "\r\n") {
		require.LessOrEqual(t, len(l), 75, "folded at 75 octets: %q", l)
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	var events []map[string]string
	var cur map[string]string
	for _, l := range strings.Split(unfolded, "\r\n") {
		switch {
		case l == "BEGIN:VEVENT":
			cur = map[string]string{}
		case l == "END:VEVENT":
			events = append(events, cur)
			cur = nil
		case cur != nil:
			name, val, ok := strings.Cut(l, ":")
			require.True(t, ok, l)
			name, _, _ = strings.Cut(name, ";")
			cur[name] = strings.NewReplacer(`\n`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(val)
		}
	}
	return events
}

func TestCalendarFeed_ASecretLinkSubscribesAndCanBeRevoked(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	q := tb.svc.DB.Write()
	a := &ferry.Account{WorkspaceID: owner.WorkspaceID, Platform: ferry.Weibo, ExternalID: "1", Name: "香港旅遊發展局", Credentials: map[string]string{}}
	require.NoError(t, q.CreateAccount(ctx, a))
	at := time.Now().Add(48 * time.Hour).Truncate(time.Minute).UTC()
	st := &ferry.Story{WorkspaceID: owner.WorkspaceID, Title: "中秋快樂, 月餅; 分享", Body: "b", Targets: []string{a.ID}, ScheduledAt: &at, CreatedBy: owner.UserID}
	require.NoError(t, q.CreateStory(ctx, st))
	pub := &ferry.Publication{WorkspaceID: owner.WorkspaceID, StoryID: st.ID, AccountID: a.ID, Platform: a.Platform, State: ferry.StateScheduled, Version: 1, ScheduledAt: &at}
	require.NoError(t, q.CreatePublication(ctx, pub))

	br := tb.signedIn("ada@example.org", "en")
	cal := br.get("/calendar")
	require.Contains(t, cal.body, `href="/calendar/feed"`)
	csrf := br.csrf()
	made := br.post("/calendar/feed", "same-origin", map[string][]string{"csrf": {csrf}})
	require.Equal(t, 200, made.status, made.body)
	m := regexp.MustCompile(`id="feed-link"[^>]*value="([^"]+)"`).FindStringSubmatch(made.body)
	require.NotNil(t, m)
	link := html.UnescapeString(m[1])
	require.Contains(t, link, "/calendar.ics?token=")
	path := link[strings.Index(link, "/calendar.ics"):]

	anon := tb.browser() // a calendar program: no session
	feed := anon.get(path)
	require.Equal(t, 200, feed.status, feed.body)
	require.Equal(t, "text/calendar; charset=utf-8", feed.header.Get("Content-Type"))
	events := parseICS(t, feed.body)
	require.Len(t, events, 1)
	require.Equal(t, pub.ID+"@ferry", events[0]["UID"])
	require.Equal(t, "中秋快樂, 月餅; 分享 · 香港旅遊發展局", events[0]["SUMMARY"])
	require.Equal(t, at.Format("20060102T150405Z"), events[0]["DTSTART"])

	// The token is kept hashed: the database does not hold it.
	token := path[strings.Index(path, "=")+1:]
	_, _, found, err := tb.svc.DB.Read().CalendarFeedOwner(ctx, []byte(token))
	require.NoError(t, err)
	require.False(t, found, "the token itself is not stored")
	_, user, found, err := tb.svc.DB.Read().CalendarFeedOwner(ctx, auth.HashToken(token))
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, owner.UserID, user)

	// A new link replaces the old; revoking ends the new one.
	again := br.post("/calendar/feed", "same-origin", map[string][]string{"csrf": {csrf}})
	require.Equal(t, 200, again.status)
	require.Equal(t, 404, anon.get(path).status)
	m = regexp.MustCompile(`id="feed-link"[^>]*value="([^"]+)"`).FindStringSubmatch(again.body)
	path2 := html.UnescapeString(m[1])[strings.Index(html.UnescapeString(m[1]), "/calendar.ics"):]
	require.Equal(t, 200, anon.get(path2).status)
	rv := br.post("/calendar/feed/revoke", "same-origin", map[string][]string{"csrf": {csrf}})
	require.Equal(t, 303, rv.status)
	require.Equal(t, 404, anon.get(path2).status)
	require.Equal(t, 404, anon.get("/calendar.ics").status)
}
