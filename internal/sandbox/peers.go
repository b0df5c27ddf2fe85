package sandbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Peers: public accounts of other teams, looked up by handle. Every handle
// is an account in the sandbox except those starting with "missing", so
// tests and the demo can meet one that does not exist; each answers as its
// platform does for an unknown account.

// simulatedPosts returns a post count that grows steadily and
// deterministically with time (3–14 posts a week), so that posts per week
// can be measured from two readings.
func simulatedPosts(key string, now time.Time) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("posts:" + key))
	seed := h.Sum64()
	weeks := float64(now.Unix()-1_700_000_000) / (7 * 86400)
	return 200 + int64(seed%1500) + int64(float64(3+seed%12)*weeks)
}

// missingHandle reports a handle the sandbox treats as nobody's.
func missingHandle(h string) bool { return strings.HasPrefix(strings.ToLower(h), "missing") }

// wbNicknameUID is the uid the sandbox gives a nickname.
func wbNicknameUID(name string) string {
	return strconv.FormatUint(6_000_000_000+wbHash("weibo:nick:"+name)%1_000_000_000, 10)
}

// usersShowByName answers users/show?screen_name= for a nickname that is
// not one of the sandbox's own users ("沙盒用户<uid>").
func (t *weiboAPI) usersShowByName(name string) (any, *wbError) {
	if missingHandle(name) {
		return nil, wbErr(http.StatusBadRequest, 20003, "User does not exists!")
	}
	uid := wbNicknameUID(name)
	m := t.userJSON(uid, t.s.now(), false)
	m["screen_name"], m["name"] = name, name
	return m, nil
}

// fbAliasRE is a Page username.
var fbAliasRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{2,49}$`)

// pageByAlias answers GET /{page-username}: another Page, read with any
// Page token. An unknown alias is Graph's #803.
func (g *graphAPI) pageByAlias(req *graphRequest, alias string) (any, *graphError) {
	if missingHandle(alias) {
		return nil, &graphError{Status: 404, Code: 803, Type: "OAuthException", Message: fmt.Sprintf("(#803) Some of the aliases you requested do not exist: %s", alias)}
	}
	page := strconv.FormatUint(100_000_000_000_000+graphHash("facebook:alias:"+strings.ToLower(alias))%100_000_000_000_000, 10)
	v, gerr := g.pageNode(req, page)
	if gerr != nil {
		return nil, gerr
	}
	m := v.(map[string]any)
	if _, ok := m["username"]; ok {
		m["username"] = alias
	}
	if _, ok := m["name"]; ok {
		m["name"] = alias
	}
	return m, nil
}

// wbStatuses is a user's statuses count before what it posted here: a
// fixed number for the sandbox's own users, a steadily growing one for
// peers found by nickname (uids 6000000000–6999999999), so that their
// posts per week can be measured.
func wbStatuses(uid string, seed uint64, now time.Time) int64 {
	if n, err := strconv.ParseUint(uid, 10, 64); err == nil && n >= 6_000_000_000 && n < 7_000_000_000 {
		return simulatedPosts("weibo:"+uid, now)
	}
	return int64(seed % 2000)
}
