package handoff

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/ferry-social/ferry"
)

var (
	notePath  = regexp.MustCompile(`^/(?:explore|discovery/item)/([0-9A-Za-z]{6,64})/?$`)
	shortPath = regexp.MustCompile(`^/[0-9A-Za-z/_-]*[0-9A-Za-z]/?$`)
	urlInText = regexp.MustCompile(`(?i)(?:https?://)?(?:www\.)?(?:xiaohongshu\.com|xhslink\.com)/[^\s，。！、；]+`)
)

// maxNoteURL bounds what is accepted as a note's address.
const maxNoteURL = 2048

// NoteURL checks the address of a published note: a note page,
// https://www.xiaohongshu.com/explore/<id> (or /discovery/item/<id>), or a
// share link, https://xhslink.com/…. The app's share text, with the link
// inside it, is accepted too. It returns the address (https) and the
// note's id when the address carries it.
func NoteURL(raw string) (normalized, noteID string, err error) {
	raw = strings.TrimSpace(raw)
	bad := func() (string, string, error) {
		return "", "", ferry.Errorf(ferry.EINVALID, "url must be the note's address: https://www.xiaohongshu.com/explore/<id> or an https://xhslink.com/… share link.").
			WithDetails(map[string]string{"url": "must be a xiaohongshu.com/explore/<id> or xhslink.com/… address"})
	}
	if raw == "" || len(raw) > maxNoteURL {
		return bad()
	}
	if strings.ContainsAny(raw, " \t\n") {
		// Share text: "【title】… http://xhslink.com/a/xyz 复制本条信息…".
		m := urlInText.FindString(raw)
		if m == "" {
			return bad()
		}
		raw = m
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Port() != "" {
		return bad()
	}
	u.Scheme, u.Fragment, u.RawFragment = "https", "", ""
	switch strings.ToLower(u.Hostname()) {
	case "xiaohongshu.com", "www.xiaohongshu.com":
		// The id as written in the address: a percent-encoded one is no
		// note's (ids are hex), and would not be found in it.
		m := notePath.FindStringSubmatch(u.EscapedPath())
		if m == nil {
			return bad()
		}
		u.Host = "www.xiaohongshu.com"
		return u.String(), m[1], nil
	case "xhslink.com", "www.xhslink.com":
		if !shortPath.MatchString(u.Path) {
			return bad()
		}
		u.Host = "xhslink.com"
		return u.String(), "", nil
	}
	return bad()
}
