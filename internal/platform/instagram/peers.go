package instagram

import (
	"context"
	"errors"

	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/graph"
)

// SubcodeNoSuchUser is business_discovery's answer for a username that is
// not a professional account Instagram can show (code 110, "Cannot find
// User").
const SubcodeNoSuchUser = 2207013

// Peer implements platform.PeerReader through Discover
// (business_discovery): followers and media. Only professional (business
// or creator) accounts can be discovered; Instagram says the others
// "cannot be found", like usernames that do not exist.
func (c *Connector) Peer(ctx context.Context, acct platform.Account, handle string) (platform.PeerInfo, error) {
	p, err := c.Discover(ctx, acct, handle)
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) && pe.Code == "instagram:bad_username" {
			return platform.PeerInfo{}, platform.NoSuchPeer(pe.Code, pe.Message)
		}
		if e, ok := graph.AsAPIError(err); ok && (e.Subcode == SubcodeNoSuchUser || e.Code == 110 || graph.IsNotFound(err)) {
			says := e.Message
			if e.UserMessage != "" {
				says = e.UserMessage
			}
			return platform.PeerInfo{}, platform.NoSuchPeer(platform.Classify(err).Code, "Instagram: "+says)
		}
		return platform.PeerInfo{}, err
	}
	followers, media := p.Followers, p.Media
	return platform.PeerInfo{RemoteID: p.ID, Handle: p.Username, Name: p.Name, Followers: &followers, Posts: &media}, nil
}
