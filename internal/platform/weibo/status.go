package weibo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// status is the part of Weibo's status object Ferry reads. Ids are read
// as strings: idstr when present, else id or mid digit for digit.
type status struct {
	CreatedAt      string   `json:"created_at"`
	ID             idString `json:"id"`
	IDStr          string   `json:"idstr"`
	MID            idString `json:"mid"`
	Text           string   `json:"text"`
	RepostsCount   flexInt  `json:"reposts_count"`
	CommentsCount  flexInt  `json:"comments_count"`
	AttitudesCount flexInt  `json:"attitudes_count"`
	User           *user    `json:"user"`
}

// user is the part of Weibo's user object Ferry reads.
type user struct {
	ID             idString `json:"id"`
	IDStr          string   `json:"idstr"`
	ScreenName     string   `json:"screen_name"`
	Name           string   `json:"name"`
	FollowersCount flexInt  `json:"followers_count"`
	FriendsCount   flexInt  `json:"friends_count"`
	StatusesCount  flexInt  `json:"statuses_count"`
	Status         *status  `json:"status"`
}

// UnmarshalJSON reads a user object or, as trim_user=1 may give, a bare uid.
func (u *user) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		var id idString
		if err := id.UnmarshalJSON(b); err != nil {
			return err
		}
		*u = user{ID: id}
		return nil
	}
	type plain user // without this method
	return json.Unmarshal(b, (*plain)(u))
}

func (s status) id() string {
	switch {
	case s.IDStr != "":
		return s.IDStr
	case s.ID != "":
		return string(s.ID)
	}
	return string(s.MID)
}

// mid is the id used in web links; it equals the status id on today's
// Weibo, but old objects carry a different one.
func (s status) mid() string {
	if s.MID != "" {
		return string(s.MID)
	}
	return s.id()
}

// createdAt parses Weibo's time format, "Tue May 31 17:46:55 +0800 2011".
func (s status) createdAt() (time.Time, error) {
	t, err := time.Parse(time.RubyDate, s.CreatedAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("weibo: created_at %q: %w", s.CreatedAt, err)
	}
	return t.UTC(), nil
}

func (u user) id() string {
	if u.IDStr != "" {
		return u.IDStr
	}
	return string(u.ID)
}

func (u user) name() string {
	if u.ScreenName != "" {
		return u.ScreenName
	}
	return u.Name
}

const base62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// MidToCode returns the base-62 code that names a status in web links
// (https://weibo.com/<uid>/<code>). The decimal mid is cut into groups of
// seven digits from the right; each group is written in base 62, padded to
// four characters except the leftmost.
func MidToCode(mid string) (string, error) {
	if mid == "" || strings.Trim(mid, "0123456789") != "" {
		return "", fmt.Errorf("weibo: mid %q is not a decimal number", mid)
	}
	var groups []string
	for end := len(mid); end > 0; end -= 7 {
		start := max(end-7, 0)
		n, _ := strconv.ParseUint(mid[start:end], 10, 64)
		code := toBase62(n)
		if start > 0 {
			code = strings.Repeat("0", 4-len(code)) + code
		}
		groups = append(groups, code)
	}
	var b strings.Builder
	for i := len(groups) - 1; i >= 0; i-- {
		b.WriteString(groups[i])
	}
	return b.String(), nil
}

func toBase62(n uint64) string {
	if n == 0 {
		return "0"
	}
	var buf [11]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = base62[n%62]
		n /= 62
	}
	return string(buf[i:])
}

// statusURL is a status's public link, falling back to the mobile site's
// numeric form when the mid cannot be encoded.
func statusURL(uid string, s status) string {
	if code, err := MidToCode(s.mid()); err == nil && uid != "" {
		return "https://weibo.com/" + uid + "/" + code
	}
	return "https://m.weibo.cn/status/" + s.id()
}
