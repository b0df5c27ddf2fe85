package weibo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ferry-social/ferry/internal/platform"
)

var uidRE = regexp.MustCompile(`^[0-9]{5,20}$`)

// Peer implements platform.PeerReader through users/show, which takes a
// uid or a screen_name (nickname): followers and statuses. A user Weibo
// does not know is its error 20003 ("User does not exists!").
func (c *Connector) Peer(ctx context.Context, acct platform.Account, handle string) (platform.PeerInfo, error) {
	token, err := accessToken(acct)
	if err != nil {
		return platform.PeerInfo{}, err
	}
	handle = strings.TrimPrefix(strings.TrimSpace(handle), "@")
	params := url.Values{}
	switch {
	case uidRE.MatchString(handle):
		params.Set("uid", handle)
	case handle == "" || utf8.RuneCountInString(handle) > 30 || strings.ContainsAny(handle, " /?&#"):
		return platform.PeerInfo{}, platform.NoSuchPeer("weibo:bad_handle", fmt.Sprintf("%q is neither a Weibo uid nor a nickname.", handle))
	default:
		params.Set("screen_name", handle)
	}
	var u user
	err = c.do(ctx, request{method: http.MethodGet, path: "/2/users/show.json", token: token, params: params, safe: true}, &u)
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Code == "weibo:20003" {
		pe.Err = platform.ErrNoSuchPeer
		return platform.PeerInfo{}, pe
	}
	if err != nil {
		return platform.PeerInfo{}, err
	}
	id := u.IDStr
	if id == "" {
		id = string(u.ID)
	}
	followers, posts := int64(u.FollowersCount), int64(u.StatusesCount)
	return platform.PeerInfo{RemoteID: id, Handle: u.ScreenName, Name: u.Name, Followers: &followers, Posts: &posts}, nil
}
