package telegram

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry/internal/platform"
)

// channelRE is a public channel's username (5–32 letters, digits and
// underscores, starting with a letter).
var channelRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}$`)

// Peer implements platform.PeerReader for a public channel the bot need
// not be in: getChat and getChatMemberCount both take "@username" of a
// channel (Bot API spec, chat_id: "username of the target supergroup or
// channel in the format @username"), and answer for public channels
// without membership. A private channel, or a name nobody holds, is "Bad
// Request: chat not found". The Bot API gives no post counts.
func (c *Connector) Peer(ctx context.Context, acct platform.Account, handle string) (platform.PeerInfo, error) {
	token := acct.Credentials["bot_token"]
	name := channelName(handle)
	if !channelRE.MatchString(name) {
		return platform.PeerInfo{}, platform.NoSuchPeer("telegram:bad_handle", fmt.Sprintf("%q is not a public Telegram channel's @username.", handle))
	}
	var ch chat
	if err := c.read(ctx, token, "getChat", form{"chat_id": "@" + name}, &ch); err != nil {
		return platform.PeerInfo{}, noSuchChat(err)
	}
	var n int64
	if err := c.read(ctx, token, "getChatMemberCount", form{"chat_id": "@" + name}, &n); err != nil {
		return platform.PeerInfo{}, noSuchChat(err)
	}
	h := ch.Username
	if h == "" {
		h = name
	}
	return platform.PeerInfo{RemoteID: strconv.FormatInt(ch.ID, 10), Handle: h, Name: ch.Title, Followers: &n}, nil
}

// channelName takes the username out of "@name", "name" or a t.me link.
func channelName(handle string) string {
	h := strings.TrimSpace(handle)
	for _, p := range []string{"https://", "http://"} {
		h = strings.TrimPrefix(h, p)
	}
	if rest, ok := strings.CutPrefix(h, "t.me/"); ok {
		h, _, _ = strings.Cut(rest, "/")
	}
	return strings.TrimPrefix(h, "@")
}

func noSuchChat(err error) error {
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Code == "telegram:400" && strings.Contains(pe.Message, "chat not found") {
		return platform.NoSuchPeer(pe.Code, "Telegram: Bad Request: chat not found")
	}
	return err
}
