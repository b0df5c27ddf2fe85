package facebook

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
)

// pageRefRE is a Page's numeric id or its username (letters, digits and
// periods).
var pageRefRE = regexp.MustCompile(`^[A-Za-z0-9.]{1,100}$`)

// Peer implements platform.PeerReader: another Page's public fields
// (followers_count, or fan_count where followers_count is absent), read
// with the connected Page's token. The handle is the Page's id, its
// username, or its facebook.com address. A Page that does not exist is
// Graph's code 100 with subcode 33, or 803 for an unknown alias.
func (c *Connector) Peer(ctx context.Context, acct platform.Account, handle string) (platform.PeerInfo, error) {
	token, _, err := pageToken(acct)
	if err != nil {
		return platform.PeerInfo{}, err
	}
	ref := pageRef(handle)
	if !pageRefRE.MatchString(ref) {
		return platform.PeerInfo{}, platform.NoSuchPeer("facebook:bad_handle", fmt.Sprintf("%q is neither a Facebook Page's id nor its username.", handle))
	}
	var p struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
		pageCounts
	}
	if err := c.api.Get(ctx, token, ref, url.Values{"fields": {"id,name,username,followers_count,fan_count"}}, &p); err != nil {
		if e, ok := graph.AsAPIError(err); ok && (graph.IsNotFound(err) || e.Code == 803) {
			return platform.PeerInfo{}, platform.NoSuchPeer(platform.Classify(err).Code, "Facebook: "+e.Message)
		}
		return platform.PeerInfo{}, err
	}
	h := p.Username
	if h == "" {
		h = ref
	}
	return platform.PeerInfo{RemoteID: p.ID, Handle: h, Name: p.Name, Followers: p.pageCounts.metrics().Followers}, nil
}

// pageRef takes a Page's id or username out of what a person entered:
// "@name", "name", "https://www.facebook.com/name/".
func pageRef(handle string) string {
	h := strings.TrimSpace(handle)
	if u, err := url.Parse(h); err == nil && u.Host != "" && strings.HasSuffix(strings.ToLower(u.Host), "facebook.com") {
		h = strings.Trim(u.Path, "/")
	}
	return strings.TrimPrefix(h, "@")
}
