// Package telegram publishes to Telegram channels through the Bot API
// (https://core.telegram.org/bots/api). The bot must be an administrator of
// the channel allowed to post. Account credentials: {"bot_token"}; external
// id: "@channel" or the numeric chat id.
//
// Images' alt text is not sent: sendPhoto and InputMediaPhoto have no field
// for it (Bot API 10.1), and Telegram shows none.
package telegram

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
)

// DefaultBaseURL is the Bot API's address.
const DefaultBaseURL = "https://api.telegram.org"

// Limits of the Bot API for channel posts.
const (
	TextLimit     = 4096
	CaptionLimit  = 1024
	AlbumMin      = 2
	AlbumMax      = 10
	PhotoMaxBytes = 10 << 20
)

// Connector talks to the Bot API at BaseURL.
type Connector struct {
	baseURL string
	client  *http.Client
	// readBackoff is the first wait before a read is asked again.
	readBackoff time.Duration
}

// New returns a connector for the Bot API at baseURL (DefaultBaseURL when
// empty). client may be nil for a client with a 60-second timeout.
func New(baseURL string, client *http.Client) *Connector {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	return &Connector{baseURL: strings.TrimRight(baseURL, "/"), client: client, readBackoff: 250 * time.Millisecond}
}

// Platform implements platform.Connector.
func (c *Connector) Platform() ferry.Platform { return ferry.Telegram }

// Limits implements platform.Limiter: about 20 posts a minute per channel
// and 30 messages a second per bot.
func (c *Connector) Limits(acct platform.Account) []platform.Limit {
	return []platform.Limit{
		{Key: "telegram:chat:" + acct.ExternalID, Max: 20, Window: time.Minute},
		{Key: "telegram:bot:" + tokenKey(acct.Credentials["bot_token"]), Max: 30, Window: time.Second},
	}
}

// tokenKey names a bot without revealing its token.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

// Publish sends a text message, a photo with caption, or an album, by the
// number of images. Text is Telegram HTML (parse_mode=HTML).
func (c *Connector) Publish(ctx context.Context, acct platform.Account, post platform.Post) (platform.Result, error) {
	token := acct.Credentials["bot_token"]
	if token == "" {
		return platform.Result{}, &platform.Error{Class: platform.Reauth, Code: "telegram:no_token", Message: "The account has no bot token; reconnect it."}
	}
	var msg message
	var ids []string // an album's every message
	switch n := len(post.Media); {
	case n == 0:
		var res message
		err := c.call(ctx, token, "sendMessage", form{"chat_id": acct.ExternalID, "text": post.Text, "parse_mode": "HTML"}, nil, &res)
		if err != nil {
			return platform.Result{}, err
		}
		msg = res
	case n == 1:
		var res message
		err := c.call(ctx, token, "sendPhoto", form{"chat_id": acct.ExternalID, "caption": post.Text, "parse_mode": "HTML"}, []upload{{field: "photo", media: post.Media[0]}}, &res)
		if err != nil {
			return platform.Result{}, err
		}
		msg = res
	case n <= AlbumMax:
		items := make([]map[string]string, n)
		ups := make([]upload, n)
		for i, m := range post.Media {
			name := "photo" + strconv.Itoa(i)
			items[i] = map[string]string{"type": "photo", "media": "attach://" + name}
			if i == 0 && post.Text != "" {
				items[i]["caption"] = post.Text
				items[i]["parse_mode"] = "HTML"
			}
			ups[i] = upload{field: name, media: m}
		}
		b, _ := json.Marshal(items)
		var res []message
		if err := c.call(ctx, token, "sendMediaGroup", form{"chat_id": acct.ExternalID, "media": string(b)}, ups, &res); err != nil {
			return platform.Result{}, err
		}
		if len(res) == 0 {
			return platform.Result{}, &platform.Error{Class: platform.Unknown, Code: "telegram:empty_result", Message: "Telegram accepted the album but returned no message."}
		}
		msg = res[0]
		ids = make([]string, len(res))
		for i, m := range res {
			ids[i] = strconv.FormatInt(m.MessageID, 10)
		}
	default:
		return platform.Result{}, &platform.Error{Class: platform.Permanent, Code: "telegram:too_many_media", Message: fmt.Sprintf("A Telegram album holds at most %d images; this post has %d.", AlbumMax, n)}
	}
	return platform.Result{RemoteID: strconv.FormatInt(msg.MessageID, 10), RemoteIDs: ids, URL: msg.url(), PublishedAt: time.Unix(msg.Date, 0).UTC()}, nil
}

// Verify implements platform.Verifier: the channel exists and the bot is an
// administrator allowed to post in it.
func (c *Connector) Verify(ctx context.Context, acct platform.Account) (platform.Identity, error) {
	token := acct.Credentials["bot_token"]
	if token == "" {
		return platform.Identity{}, &platform.Error{Class: platform.Permanent, Code: "telegram:no_token", Message: "credentials.bot_token is required."}
	}
	var me struct {
		ID int64 `json:"id"`
	}
	if err := c.read(ctx, token, "getMe", form{}, &me); err != nil {
		return platform.Identity{}, verifyError(err, "telegram:bad_token", "Telegram does not accept this bot token: copy it again from @BotFather (it looks like 123456789:AAH…).")
	}
	const makeAdmin = "add the bot to the channel as an administrator who may post messages"
	var chat chat
	if err := c.read(ctx, token, "getChat", form{"chat_id": acct.ExternalID}, &chat); err != nil {
		return platform.Identity{}, verifyError(err, "telegram:no_channel", fmt.Sprintf("Telegram has no channel %s that this bot can see: check the name (@name of a public channel, or the numeric id of a private one, like -1001234567890) and %s.", acct.ExternalID, makeAdmin))
	}
	var member struct {
		Status          string `json:"status"`
		CanPostMessages bool   `json:"can_post_messages"`
	}
	if err := c.read(ctx, token, "getChatMember", form{"chat_id": acct.ExternalID, "user_id": strconv.FormatInt(me.ID, 10)}, &member); err != nil {
		return platform.Identity{}, verifyError(err, "telegram:not_member", fmt.Sprintf("The bot is not a member of %s: %s.", acct.ExternalID, makeAdmin))
	}
	if member.Status != "creator" && !(member.Status == "administrator" && member.CanPostMessages) {
		is := "a " + member.Status
		if member.Status == "administrator" {
			is = "an administrator without the right to post messages"
		}
		return platform.Identity{}, &platform.Error{Class: platform.Permanent, Code: "telegram:not_admin", Message: fmt.Sprintf("The bot is %s in %s, but it must be an administrator allowed to post messages: in the channel's settings, open Administrators, add the bot and turn on Post Messages.", is, acct.ExternalID)}
	}
	return platform.Identity{ExternalID: acct.ExternalID, Name: chat.Title}, nil
}

// verifyError explains, in words about connecting and with a code naming
// the check, a refusal while an account is checked; failures that may pass
// (outages, rate limits) keep their own words.
func verifyError(err error, code, msg string) error {
	pe := platform.Classify(err)
	if pe.Class == platform.Retry || pe.Class == platform.Unknown {
		return err
	}
	return &platform.Error{Class: platform.Permanent, Code: code, Message: msg}
}

// AccountMetrics implements platform.MetricsReader: the Bot API reports
// subscribers only.
func (c *Connector) AccountMetrics(ctx context.Context, acct platform.Account) (platform.AccountMetrics, error) {
	var n int64
	if err := c.read(ctx, acct.Credentials["bot_token"], "getChatMemberCount", form{"chat_id": acct.ExternalID}, &n); err != nil {
		return platform.AccountMetrics{}, err
	}
	return platform.AccountMetrics{Followers: &n}, nil
}

// PostMetrics implements platform.MetricsReader. The Bot API exposes no
// per-message counts to bots, so it returns none.
func (c *Connector) PostMetrics(context.Context, platform.Account, []string) (map[string]platform.PostMetrics, error) {
	return map[string]platform.PostMetrics{}, nil
}

// Delete implements platform.Deleter. A message already gone ("message to
// delete not found") is platform.ErrGone, so a repeat is harmless.
func (c *Connector) Delete(ctx context.Context, acct platform.Account, remoteID string) error {
	var ok bool
	err := c.call(ctx, acct.Credentials["bot_token"], "deleteMessage", form{"chat_id": acct.ExternalID, "message_id": remoteID}, nil, &ok)
	if err != nil && strings.Contains(platform.Classify(err).Message, "message to delete not found") {
		return platform.ErrGone
	}
	return err
}

// DeleteGroup implements platform.GroupDeleter: every message of an album
// in one deleteMessages call (1–100 ids; messages already gone are
// skipped, so a repeat is harmless).
func (c *Connector) DeleteGroup(ctx context.Context, acct platform.Account, remoteIDs []string) error {
	if len(remoteIDs) == 0 || len(remoteIDs) > 100 {
		return &platform.Error{Class: platform.Permanent, Code: "telegram:too_many_ids", Message: fmt.Sprintf("Telegram deletes 1 to 100 messages at once, not %d.", len(remoteIDs))}
	}
	ids := make([]int64, len(remoteIDs))
	for i, s := range remoteIDs {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return &platform.Error{Class: platform.Permanent, Code: "telegram:bad_id", Message: fmt.Sprintf("%q is not a Telegram message id.", s)}
		}
		ids[i] = n
	}
	b, _ := json.Marshal(ids)
	var ok bool
	return c.call(ctx, acct.Credentials["bot_token"], "deleteMessages", form{"chat_id": acct.ExternalID, "message_ids": string(b)}, nil, &ok)
}

type form map[string]string

type upload struct {
	field string
	media platform.Media
}

type chat struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Username string `json:"username"`
}

type message struct {
	MessageID int64 `json:"message_id"`
	Date      int64 `json:"date"`
	Chat      chat  `json:"chat"`
}

// url is the public link of a message in a public channel.
func (m message) url() string {
	if m.Chat.Username == "" {
		return ""
	}
	return fmt.Sprintf("https://t.me/%s/%d", m.Chat.Username, m.MessageID)
}

type response struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// readTries bounds the repeats of a read: a few quick tries, for an answer
// lost on the way or a passing server error, while a person waits for the
// account to be checked.
const readTries = 4

// read invokes a Bot API method that only reads (getMe, getChat,
// getChatMember, getChatMemberCount): repeating it changes nothing, so an
// answer lost on the way, a server error or a request to slow down is tried
// again with backoff (honouring retry_after within the context's time)
// before giving up. Publishing never goes through here: a repeated send
// is a second post.
func (c *Connector) read(ctx context.Context, token, method string, params form, out any) error {
	wait := c.readBackoff
	for try := 1; ; try++ {
		err := c.call(ctx, token, method, params, nil, out)
		if err == nil || try == readTries {
			return err
		}
		pe := platform.Classify(err)
		if pe.Class != platform.Retry && pe.Class != platform.Unknown {
			return err
		}
		d := max(wait, pe.RetryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return err
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return err
		}
		wait *= 2
	}
}

// tokenForm is a bot token's form, <digits>:<token>.
var tokenForm = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`)

// call invokes a Bot API method. Parameters go as a URL-encoded form, or as
// multipart when files are uploaded.
func (c *Connector) call(ctx context.Context, token, method string, params form, files []upload, out any) error {
	body, contentType, err := encode(params, files)
	if err != nil {
		return &platform.Error{Class: platform.Permanent, Code: "telegram:media", Message: "A media file could not be read.", Err: err}
	}
	if !tokenForm.MatchString(token) {
		// The token is a path segment: nothing else may reach the URL.
		return &platform.Error{Class: platform.Reauth, Code: "telegram:bad_token", Message: "The bot token is not in the form @BotFather gives (123456789:AAH…)."}
	}
	endpoint := c.baseURL + "/bot" + token + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, body)
	if err != nil {
		return &platform.Error{Class: platform.Permanent, Code: "telegram:request", Message: "The request could not be built.", Err: redact(err, token)}
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.client.Do(req)
	if err != nil {
		return transportError(err, token)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &platform.Error{Class: platform.Unknown, Code: "telegram:read", Message: "The answer from Telegram was cut off.", Err: err}
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return classifyHTTP(resp.StatusCode, "Telegram answered with something that is not JSON.")
	}
	if !r.OK {
		return classify(r)
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		return &platform.Error{Class: platform.Unknown, Code: "telegram:decode", Message: "Telegram's answer had an unexpected shape.", Err: err}
	}
	return nil
}

func encode(params form, files []upload) (io.Reader, string, error) {
	if len(files) == 0 {
		v := url.Values{}
		for k, s := range params {
			v.Set(k, s)
		}
		return strings.NewReader(v.Encode()), "application/x-www-form-urlencoded", nil
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, s := range params {
		if err := mw.WriteField(k, s); err != nil {
			return nil, "", err
		}
	}
	for _, f := range files {
		if err := writeFile(mw, f); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}

func writeFile(mw *multipart.Writer, f upload) error {
	rc, err := f.media.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	w, err := mw.CreateFormFile(f.field, f.field+extension(f.media.Mime))
	if err != nil {
		return err
	}
	_, err = io.Copy(w, rc)
	return err
}

func extension(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ".jpg"
}

// classify maps a Bot API error to what the engine should do.
func classify(r response) *platform.Error {
	code := "telegram:" + strconv.Itoa(r.ErrorCode)
	desc := r.Description
	switch {
	case r.ErrorCode == 429:
		return &platform.Error{Class: platform.Retry, Code: code, Message: "Telegram asked to slow down: " + desc, RetryAfter: time.Duration(max(r.Parameters.RetryAfter, 1)) * time.Second}
	case r.ErrorCode == 401 || r.ErrorCode == 404 && strings.Contains(desc, "Not Found") && !strings.Contains(desc, "chat"):
		return &platform.Error{Class: platform.Reauth, Code: code, Message: "Telegram rejected the bot token (" + desc + "); reconnect the account with a valid token."}
	case r.ErrorCode == 403:
		return &platform.Error{Class: platform.Reauth, Code: code, Message: "The bot may no longer post in this channel (" + desc + "); make it an administrator again."}
	case r.ErrorCode >= 500:
		return &platform.Error{Class: platform.Retry, Code: code, Message: "Telegram had a server error: " + desc}
	case r.Parameters.MigrateToChatID != 0:
		return &platform.Error{Class: platform.Permanent, Code: code, Message: fmt.Sprintf("The chat moved to id %d; update the account.", r.Parameters.MigrateToChatID)}
	default:
		return &platform.Error{Class: platform.Permanent, Code: code, Message: "Telegram refused the post: " + desc}
	}
}

// classifyHTTP handles answers without a Bot API envelope (proxies, outages).
func classifyHTTP(status int, msg string) *platform.Error {
	code := "telegram:http_" + strconv.Itoa(status)
	if status >= 500 || status == 429 {
		return &platform.Error{Class: platform.Retry, Code: code, Message: msg}
	}
	return &platform.Error{Class: platform.Unknown, Code: code, Message: msg}
}

// transportError classifies a failed round trip. A failure to connect means
// nothing was sent; anything later may have reached Telegram.
func transportError(err error, token string) *platform.Error {
	var op interface{ Timeout() bool }
	switch {
	case platform.IsDialError(err):
		return &platform.Error{Class: platform.Retry, Code: "telegram:connect", Message: "Telegram could not be reached.", Err: redact(err, token)}
	case errors.As(err, &op) && op.Timeout():
		return &platform.Error{Class: platform.Unknown, Code: "telegram:timeout", Message: "Telegram did not answer in time; the post may or may not have gone out.", Err: redact(err, token)}
	}
	return &platform.Error{Class: platform.Unknown, Code: "telegram:transport", Message: "The connection to Telegram broke before it answered; the post may or may not have gone out.", Err: redact(err, token)}
}

// redact removes the bot token from an error's text (URLs in net/http
// errors contain it).
func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "<bot-token>"))
}
