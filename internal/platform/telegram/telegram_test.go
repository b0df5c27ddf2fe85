package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/adapt/count"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/platform/telegram/botapitest"
	"github.com/ferry-social/ferry/internal/refdata"
)

const (
	botID   = 7123456789
	token   = "7123456789:AAHq-secret_Token-0123456789abcdefXYZ"
	channel = "@ferry_news"
)

var acct = platform.Account{ID: "acct-1", ExternalID: channel, Credentials: map[string]string{"bot_token": token}}

// apiSpec is the Bot API description, loaded once.
var apiSpec = sync.OnceValues(func() (*botapitest.Spec, error) {
	return botapitest.Load(filepath.Join(refdata.Dir(), "telegram", "api.json"))
})

func loadSpec(t *testing.T) *botapitest.Spec {
	t.Helper()
	spec, err := apiSpec()
	require.NoError(t, err)
	return spec
}

// fakeBotAPI is an independent fake of the Bot API for one bot and its
// channels. Every request is checked against api.json; a request that does
// not conform fails the test and is answered 400. Answers are realistic
// objects, themselves checked against api.json.
type fakeBotAPI struct {
	t    *testing.T
	spec *botapitest.Spec
	URL  string

	mu sync.Mutex
	// calls are the requests received, in order.
	calls []*botapitest.Call
	// member is what getChatMember answers for the bot.
	member map[string]any
	// subscribers is what getChatMemberCount answers.
	subscribers int64
	nextID      int64
	live        map[string]bool // "chat/message_id" of messages not deleted
	// drop counts, per method, answers still to be lost: the request is
	// read and handled, then the connection is closed without an answer.
	drop map[string]int
}

func newFake(t *testing.T) *fakeBotAPI {
	t.Helper()
	f := &fakeBotAPI{t: t, spec: loadSpec(t), subscribers: 48213, nextID: 100, live: map[string]bool{}}
	f.member = administrator(true)
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func administrator(canPost bool) map[string]any {
	return map[string]any{
		"status": "administrator", "user": botUser(), "can_be_edited": false, "is_anonymous": false,
		"can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": false,
		"can_restrict_members": true, "can_promote_members": false, "can_change_info": true,
		"can_invite_users": true, "can_post_messages": canPost, "can_edit_messages": true,
		"can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
	}
}

func botUser() map[string]any {
	return map[string]any{"id": botID, "is_bot": true, "first_name": "Ferry", "username": "ferry_publisher_bot",
		"can_join_groups": false, "can_read_all_group_messages": false, "supports_inline_queries": false}
}

func (f *fakeBotAPI) setMember(m map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.member = m
}

// Calls returns the calls received so far.
func (f *fakeBotAPI) Calls() []*botapitest.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*botapitest.Call(nil), f.calls...)
}

type apiError struct {
	code int
	desc string
}

func (f *fakeBotAPI) serve(w http.ResponseWriter, r *http.Request) {
	c, err := f.spec.CheckRequest(r)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if err != nil {
		f.t.Errorf("request does not conform to the Bot API %s:\n%v", f.spec.Version, err)
		writeError(w, apiError{400, "Bad Request: " + err.Error()})
		return
	}
	if c.Token != token {
		writeError(w, apiError{401, "Unauthorized"})
		return
	}
	result, aerr := f.answer(c)
	f.mu.Lock()
	lose := f.drop[c.Method] > 0
	if lose {
		f.drop[c.Method]--
	}
	f.mu.Unlock()
	if lose {
		conn, _, err := http.NewResponseController(w).Hijack()
		require.NoError(f.t, err)
		_ = conn.Close()
		return
	}
	if aerr != nil {
		writeError(w, *aerr)
		return
	}
	// The fake's own answers must be what the Bot API could return.
	b, err := json.Marshal(result)
	require.NoError(f.t, err)
	decoded, err := botapitest.Decode(b)
	require.NoError(f.t, err)
	if err := f.spec.CheckResult(c.Method, decoded); err != nil {
		f.t.Errorf("the fake's answer does not conform: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": json.RawMessage(b)})
}

func writeError(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": e.code, "description": e.desc})
}

func (f *fakeBotAPI) answer(c *botapitest.Call) (any, *apiError) {
	chatID := c.Params["chat_id"]
	if strings.HasPrefix(chatID, "@missing") {
		return nil, &apiError{400, "Bad Request: chat not found"}
	}
	switch c.Method {
	case "getMe":
		return botUser(), nil
	case "getChat":
		info := chatObject(chatID)
		info["accent_color_id"] = 3
		info["max_reaction_count"] = 11
		info["accepted_gift_types"] = map[string]bool{"unlimited_gifts": false, "limited_gifts": false,
			"unique_gifts": false, "premium_subscription": false, "gifts_from_channels": false}
		info["description"] = "News from Ferry"
		return info, nil
	case "getChatMember":
		if c.Params["user_id"] != strconv.Itoa(botID) {
			return nil, &apiError{400, "Bad Request: user not found"}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.member, nil
	case "getChatMemberCount":
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.subscribers, nil
	case "sendMessage":
		text, err := parsed(c.Params["text"], c.Params["parse_mode"], count.TelegramMessage())
		if err != nil {
			return nil, err
		}
		if text == "" {
			return nil, &apiError{400, "Bad Request: message text is empty"}
		}
		m := f.message(chatID)
		m["text"] = text
		return m, nil
	case "sendPhoto":
		caption, err := parsed(c.Params["caption"], c.Params["parse_mode"], count.TelegramCaption())
		if err != nil {
			return nil, err
		}
		if len(c.Files["photo"].Data) == 0 {
			return nil, &apiError{400, "Bad Request: there is no photo in the request"}
		}
		m := f.message(chatID)
		m["photo"] = photoSizes(c.Files["photo"].Data)
		if caption != "" {
			m["caption"] = caption
		}
		return m, nil
	case "sendMediaGroup":
		var items []struct{ Media, Caption, ParseMode string }
		if err := json.Unmarshal([]byte(c.Params["media"]), &items); err != nil {
			return nil, &apiError{400, "Bad Request: can't parse media JSON object"}
		}
		if len(items) < 2 || len(items) > 10 {
			return nil, &apiError{400, "Bad Request: wrong number of media specified: must include 2-10 items"}
		}
		group := strconv.FormatInt(time.Now().UnixNano(), 10)
		out := make([]map[string]any, len(items))
		for i, it := range items {
			caption, err := parsed(it.Caption, it.ParseMode, count.TelegramCaption())
			if err != nil {
				return nil, err
			}
			m := f.message(chatID)
			m["media_group_id"] = group
			m["photo"] = photoSizes(c.Files[strings.TrimPrefix(it.Media, "attach://")].Data)
			if caption != "" {
				m["caption"] = caption
			}
			out[i] = m
		}
		return out, nil
	case "deleteMessage":
		key := chatID + "/" + c.Params["message_id"]
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.live[key] {
			return nil, &apiError{400, "Bad Request: message to delete not found"}
		}
		delete(f.live, key)
		return true, nil
	case "deleteMessages":
		var ids []int64
		if err := json.Unmarshal([]byte(c.Params["message_ids"]), &ids); err != nil || len(ids) < 1 || len(ids) > 100 {
			return nil, &apiError{400, "Bad Request: message identifiers are invalid"}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, id := range ids { // those not found are skipped
			delete(f.live, chatID+"/"+strconv.FormatInt(id, 10))
		}
		return true, nil
	}
	return nil, &apiError{400, "Bad Request: the fake does not implement " + c.Method}
}

// parsed returns the text Telegram keeps after entity parsing, or the error
// Telegram answers.
func parsed(text, mode string, rule count.Rule) (string, *apiError) {
	switch mode {
	case "":
	case "HTML":
		p, err := count.ParseTelegramHTML(text)
		if err != nil {
			return "", &apiError{400, "Bad Request: " + err.Error()}
		}
		text = p.Text
	default:
		return "", &apiError{400, "Bad Request: unsupported parse_mode " + mode}
	}
	text = strings.TrimSpace(text)
	if !rule.Count(text).Fits() {
		if rule.Name == "telegram.caption" {
			return "", &apiError{400, "Bad Request: message caption is too long"}
		}
		return "", &apiError{400, "Bad Request: message is too long"}
	}
	return text, nil
}

func chatObject(chatID string) map[string]any {
	if name, ok := strings.CutPrefix(chatID, "@"); ok {
		return map[string]any{"id": -1001987654321, "type": "channel", "title": "Ferry News", "username": name}
	}
	id, _ := strconv.ParseInt(chatID, 10, 64)
	return map[string]any{"id": id, "type": "channel", "title": "Ferry Private"}
}

func (f *fakeBotAPI) message(chatID string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.live[chatID+"/"+strconv.FormatInt(f.nextID, 10)] = true
	chat := chatObject(chatID)
	return map[string]any{"message_id": f.nextID, "sender_chat": chat, "chat": chat, "date": 1767225600 + f.nextID,
		"author_signature": "Ferry"}
}

func photoSizes(data []byte) []map[string]any {
	id := fmt.Sprintf("AgACAgQAAx0C%x", len(data))
	return []map[string]any{
		{"file_id": id + "-s", "file_unique_id": "AQADs" + strconv.Itoa(len(data)), "width": 90, "height": 68, "file_size": 1200},
		{"file_id": id + "-m", "file_unique_id": "AQADm" + strconv.Itoa(len(data)), "width": 320, "height": 240, "file_size": 14000},
	}
}

// images returns n distinct images; image i's bytes are "image-<i>".
func images(n int) []platform.Media {
	out := make([]platform.Media, n)
	for i := range out {
		data := []byte(fmt.Sprintf("\xff\xd8\xff\xe0image-%d", i))
		mime := "image/jpeg"
		if i%2 == 1 {
			mime = "image/png"
		}
		out[i] = platform.Media{ID: "m" + strconv.Itoa(i), Mime: mime, Width: 1280, Height: 960, Bytes: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	}
	return out
}

func TestPublish_Text(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := New(f.URL, nil)
	res, err := c.Publish(context.Background(), acct, platform.Post{Text: "<b>Ferry 2.0</b> is out &amp; ready\n<a href=\"https://ferry.example\">Read</a>"})
	require.NoError(t, err)
	require.Equal(t, "101", res.RemoteID)
	require.Equal(t, "https://t.me/ferry_news/101", res.URL)
	require.Equal(t, time.Unix(1767225600+101, 0).UTC(), res.PublishedAt)

	calls := f.Calls()
	require.Len(t, calls, 1)
	require.Equal(t, "sendMessage", calls[0].Method)
	require.Equal(t, "application/x-www-form-urlencoded", calls[0].ContentType)
	require.Equal(t, map[string]string{"chat_id": channel, "parse_mode": "HTML",
		"text": "<b>Ferry 2.0</b> is out &amp; ready\n<a href=\"https://ferry.example\">Read</a>"}, calls[0].Params)
}

func TestPublish_PrivateChannelHasNoURL(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	priv := acct
	priv.ExternalID = "-1001234567890"
	res, err := New(f.URL, nil).Publish(context.Background(), priv, platform.Post{Text: "hello"})
	require.NoError(t, err)
	require.Equal(t, "101", res.RemoteID)
	require.Empty(t, res.URL, "a channel without a username has no public link")
}

func TestPublish_OnePhoto(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"A <i>caption</i>", ""} {
		t.Run(fmt.Sprintf("caption=%q", text), func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			media := images(1)
			res, err := New(f.URL, nil).Publish(context.Background(), acct, platform.Post{Text: text, Media: media})
			require.NoError(t, err)
			require.Equal(t, "101", res.RemoteID)

			calls := f.Calls()
			require.Len(t, calls, 1)
			call := calls[0]
			require.Equal(t, "sendPhoto", call.Method)
			require.Equal(t, "multipart/form-data", call.ContentType)
			require.Equal(t, channel, call.Params["chat_id"])
			require.Equal(t, text, call.Params["caption"])
			require.Equal(t, "HTML", call.Params["parse_mode"])
			require.Len(t, call.Files, 1)
			require.Equal(t, "\xff\xd8\xff\xe0image-0", string(call.Files["photo"].Data))
			require.Equal(t, "photo.jpg", call.Files["photo"].Filename)
		})
	}
}

func TestPublish_Album(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 10} {
		for _, text := range []string{"Album <b>caption</b>", ""} {
			t.Run(fmt.Sprintf("%d images caption=%q", n, text), func(t *testing.T) {
				t.Parallel()
				f := newFake(t)
				res, err := New(f.URL, nil).Publish(context.Background(), acct, platform.Post{Text: text, Media: images(n)})
				require.NoError(t, err)
				require.Equal(t, "101", res.RemoteID, "the album is known by its first message")
				require.Equal(t, "https://t.me/ferry_news/101", res.URL)

				calls := f.Calls()
				require.Len(t, calls, 1)
				call := calls[0]
				require.Equal(t, "sendMediaGroup", call.Method)
				require.Equal(t, "multipart/form-data", call.ContentType)
				require.Equal(t, channel, call.Params["chat_id"])
				var items []map[string]string
				require.NoError(t, json.Unmarshal([]byte(call.Params["media"]), &items))
				require.Len(t, items, n)
				require.Len(t, call.Files, n)
				for i, it := range items {
					require.Equal(t, "photo", it["type"])
					name, ok := strings.CutPrefix(it["media"], "attach://")
					require.True(t, ok, "item %d uploads its image", i)
					require.Equal(t, fmt.Sprintf("\xff\xd8\xff\xe0image-%d", i), string(call.Files[name].Data), "images keep their order")
					if i == 0 && text != "" {
						require.Equal(t, map[string]string{"type": "photo", "media": it["media"], "caption": text, "parse_mode": "HTML"}, it)
					} else {
						require.Equal(t, map[string]string{"type": "photo", "media": it["media"]}, it, "only the first item carries the caption")
					}
				}
			})
		}
	}
}

func TestPublish_ElevenImagesFailPermanentlyWithoutACall(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	_, err := New(f.URL, nil).Publish(context.Background(), acct, platform.Post{Text: "too many", Media: images(11)})
	pe := requireClass(t, err, platform.Permanent)
	require.Equal(t, "telegram:too_many_media", pe.Code)
	require.Contains(t, pe.Message, "at most 10")
	require.Empty(t, f.Calls())
}

func TestPublish_UnreadableMediaFailsPermanentlyWithoutACall(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	media := images(2)
	media[1].Open = func() (io.ReadCloser, error) { return nil, errors.New("blob gone") }
	_, err := New(f.URL, nil).Publish(context.Background(), acct, platform.Post{Media: media})
	pe := requireClass(t, err, platform.Permanent)
	require.Equal(t, "telegram:media", pe.Code)
	require.Empty(t, f.Calls())
}

func TestPublish_NoTokenNeedsReauth(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	_, err := New(f.URL, nil).Publish(context.Background(), platform.Account{ExternalID: channel}, platform.Post{Text: "x"})
	requireClass(t, err, platform.Reauth)
	require.Empty(t, f.Calls())
}

func TestVerify(t *testing.T) {
	t.Parallel()
	t.Run("Administrator", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		id, err := New(f.URL, nil).Verify(context.Background(), acct)
		require.NoError(t, err)
		require.Equal(t, platform.Identity{ExternalID: channel, Name: "Ferry News"}, id)
		calls := f.Calls()
		require.Len(t, calls, 3)
		require.Equal(t, "getMe", calls[0].Method)
		require.Empty(t, calls[0].Params)
		require.Equal(t, "getChat", calls[1].Method)
		require.Equal(t, map[string]string{"chat_id": channel}, calls[1].Params)
		require.Equal(t, "getChatMember", calls[2].Method)
		require.Equal(t, map[string]string{"chat_id": channel, "user_id": strconv.Itoa(botID)}, calls[2].Params)
	})
	t.Run("Creator", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.setMember(map[string]any{"status": "creator", "user": botUser(), "is_anonymous": false})
		_, err := New(f.URL, nil).Verify(context.Background(), acct)
		require.NoError(t, err)
	})
	for name, member := range map[string]map[string]any{
		"AdministratorWhoCannotPost": administrator(false),
		"Member":                     {"status": "member", "user": botUser()},
		"Left":                       {"status": "left", "user": botUser()},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.setMember(member)
			_, err := New(f.URL, nil).Verify(context.Background(), acct)
			pe := requireClass(t, err, platform.Permanent)
			require.Equal(t, "telegram:not_admin", pe.Code)
		})
	}
	t.Run("ChatNotFound", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		missing := acct
		missing.ExternalID = "@missing_channel"
		_, err := New(f.URL, nil).Verify(context.Background(), missing)
		pe := requireClass(t, err, platform.Permanent)
		require.Equal(t, "telegram:no_channel", pe.Code, "the check that failed, whatever the status")
		require.Contains(t, pe.Message, "@missing_channel")
	})
	t.Run("WrongToken", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		wrong := acct
		wrong.Credentials = map[string]string{"bot_token": "7123456789:AAHq-another-token-0123456789abcdefXYZ"}
		_, err := New(f.URL, nil).Verify(context.Background(), wrong)
		pe := requireClass(t, err, platform.Permanent)
		require.Equal(t, "telegram:bad_token", pe.Code, "connecting fails; there is nothing to re-authorise yet")
		require.Len(t, f.Calls(), 1, "getMe fails first")
	})
	t.Run("AnswersLostOnTheWayAreAskedAgain", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.drop = map[string]int{"getMe": 1, "getChat": 2, "getChatMember": 1}
		id, err := New(f.URL, nil).Verify(context.Background(), acct)
		require.NoError(t, err, "reads are safe to repeat")
		require.Equal(t, "Ferry News", id.Name)
		var methods []string
		for _, c := range f.Calls() {
			methods = append(methods, c.Method)
		}
		require.Equal(t, []string{"getMe", "getMe", "getChat", "getChat", "getChat", "getChatMember", "getChatMember"}, methods)
	})
	t.Run("AnswersAlwaysLostGiveUpAfterAFewTries", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.drop = map[string]int{"getMe": 100}
		_, err := New(f.URL, nil).Verify(context.Background(), acct)
		pe := requireClass(t, err, platform.Unknown)
		require.Equal(t, "telegram:transport", pe.Code)
		require.Len(t, f.Calls(), readTries)
	})
	t.Run("NoToken", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		_, err := New(f.URL, nil).Verify(context.Background(), platform.Account{ExternalID: channel})
		requireClass(t, err, platform.Permanent)
		require.Empty(t, f.Calls())
	})
}

func TestAccountMetrics_ReadsSubscribers(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.drop = map[string]int{"getChatMemberCount": 1}
	c := New(f.URL, nil)
	m, err := c.AccountMetrics(context.Background(), acct)
	require.NoError(t, err)
	require.NotNil(t, m.Followers)
	require.Equal(t, int64(48213), *m.Followers)
	require.Nil(t, m.Following)
	require.Nil(t, m.Posts)
	calls := f.Calls()
	require.Len(t, calls, 2, "the first answer was lost; a read is asked again")
	for _, c := range calls {
		require.Equal(t, "getChatMemberCount", c.Method)
		require.Equal(t, map[string]string{"chat_id": channel}, c.Params)
	}

	pm, err := c.PostMetrics(context.Background(), acct, []string{"101"})
	require.NoError(t, err)
	require.Empty(t, pm, "bots cannot read per-message counts")
	require.Len(t, f.Calls(), 2, "and do not ask")
}

func TestDelete(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := New(f.URL, nil)
	res, err := c.Publish(context.Background(), acct, platform.Post{Text: "to be deleted"})
	require.NoError(t, err)
	require.NoError(t, c.Delete(context.Background(), acct, res.RemoteID))
	calls := f.Calls()
	require.Len(t, calls, 2)
	require.Equal(t, "deleteMessage", calls[1].Method)
	require.Equal(t, map[string]string{"chat_id": channel, "message_id": res.RemoteID}, calls[1].Params)

	// A message already gone ("message to delete not found") is told
	// apart: a repeat after a lost answer is harmless.
	require.ErrorIs(t, c.Delete(context.Background(), acct, res.RemoteID), platform.ErrGone)
	require.Len(t, f.Calls(), 3)
}

// TestDeleteGroup: an album's every message id comes back from Publish,
// and DeleteGroup deletes them all in one deleteMessages call.
func TestDeleteGroup(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := New(f.URL, nil)
	ctx := context.Background()
	res, err := c.Publish(ctx, acct, platform.Post{Text: "album", Media: images(3)})
	require.NoError(t, err)
	require.Len(t, res.RemoteIDs, 3)
	require.Equal(t, res.RemoteID, res.RemoteIDs[0])
	one, err := c.Publish(ctx, acct, platform.Post{Text: "one"})
	require.NoError(t, err)
	require.Nil(t, one.RemoteIDs, "a post of one message has no list")
	f.mu.Lock()
	for _, id := range res.RemoteIDs {
		require.True(t, f.live[channel+"/"+id])
	}
	f.mu.Unlock()

	require.NoError(t, c.DeleteGroup(ctx, acct, res.RemoteIDs))
	calls := f.Calls()
	last := calls[len(calls)-1]
	require.Equal(t, "deleteMessages", last.Method)
	require.Equal(t, channel, last.Params["chat_id"])
	require.JSONEq(t, "["+strings.Join(res.RemoteIDs, ",")+"]", last.Params["message_ids"])
	f.mu.Lock()
	for _, id := range res.RemoteIDs {
		require.False(t, f.live[channel+"/"+id], "message %s deleted", id)
	}
	require.True(t, f.live[channel+"/"+one.RemoteID], "the other post stays")
	f.mu.Unlock()

	// Already gone: skipped, so a repeat is harmless.
	require.NoError(t, c.DeleteGroup(ctx, acct, res.RemoteIDs))
	// Ids that are not Telegram's, or none: refused before any call.
	n := len(f.Calls())
	requireClass(t, c.DeleteGroup(ctx, acct, []string{"12", "x"}), platform.Permanent)
	requireClass(t, c.DeleteGroup(ctx, acct, nil), platform.Permanent)
	require.Len(t, f.Calls(), n)
}

// requireClass asserts that err is a *platform.Error of class want.
func requireClass(t *testing.T, err error, want platform.Class) *platform.Error {
	t.Helper()
	require.Error(t, err)
	var pe *platform.Error
	require.True(t, errors.As(err, &pe), "%T is not a *platform.Error: %v", err, err)
	require.Equal(t, want, pe.Class, "%v", err)
	return pe
}

// answer returns a handler that answers every request with status and body.
func answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// refusedURL returns the address of a port nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// hangingURL returns the address of a server that accepts connections and
// never answers.
func hangingURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// droppingURL returns the address of a server that reads the request and
// closes the connection without answering.
func droppingURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func serverURL(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestErrors_AreClassified(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json"
	for _, c := range []struct {
		name       string
		url        func(t *testing.T) string
		class      platform.Class
		code       string
		retryAfter time.Duration
		message    string
	}{
		{name: "RateLimitedWithRetryAfter", class: platform.Retry, code: "telegram:429", retryAfter: 17 * time.Second, message: "retry after 17",
			url: func(t *testing.T) string {
				return serverURL(t, answer(429, jsonCT, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}`))
			}},
		{name: "RateLimitedWithoutHint", class: platform.Retry, code: "telegram:429", retryAfter: time.Second,
			url: func(t *testing.T) string {
				return serverURL(t, answer(429, jsonCT, `{"ok":false,"error_code":429,"description":"Too Many Requests"}`))
			}},
		{name: "Unauthorized", class: platform.Reauth, code: "telegram:401", message: "Unauthorized",
			url: func(t *testing.T) string {
				return serverURL(t, answer(401, jsonCT, `{"ok":false,"error_code":401,"description":"Unauthorized"}`))
			}},
		{name: "MalformedTokenNotFound", class: platform.Reauth, code: "telegram:404",
			url: func(t *testing.T) string {
				return serverURL(t, answer(404, jsonCT, `{"ok":false,"error_code":404,"description":"Not Found"}`))
			}},
		{name: "Forbidden", class: platform.Reauth, code: "telegram:403", message: "bot is not a member",
			url: func(t *testing.T) string {
				return serverURL(t, answer(403, jsonCT, `{"ok":false,"error_code":403,"description":"Forbidden: bot is not a member of the channel chat"}`))
			}},
		{name: "BadRequest", class: platform.Permanent, code: "telegram:400", message: "chat not found",
			url: func(t *testing.T) string {
				return serverURL(t, answer(400, jsonCT, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`))
			}},
		{name: "ChatMigrated", class: platform.Permanent, code: "telegram:400", message: "-1001122334455",
			url: func(t *testing.T) string {
				return serverURL(t, answer(400, jsonCT, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001122334455}}`))
			}},
		{name: "ServerError", class: platform.Retry, code: "telegram:500",
			url: func(t *testing.T) string {
				return serverURL(t, answer(500, jsonCT, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`))
			}},
		{name: "NonJSONBadGateway", class: platform.Retry, code: "telegram:http_502",
			url: func(t *testing.T) string {
				return serverURL(t, answer(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"))
			}},
		{name: "UnexpectedResultShape", class: platform.Unknown, code: "telegram:decode",
			url: func(t *testing.T) string {
				return serverURL(t, answer(200, jsonCT, `{"ok":true,"result":"sent"}`))
			}},
		{name: "ConnectionRefused", class: platform.Retry, code: "telegram:connect", url: refusedURL},
		{name: "ConnectionDroppedAfterSending", class: platform.Unknown, code: "telegram:transport", url: droppingURL},
		{name: "HangsPastTheClientTimeout", class: platform.Unknown, code: "telegram:timeout", url: hangingURL},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn := New(c.url(t)+"/", &http.Client{Timeout: 300 * time.Millisecond})
			start := time.Now()
			_, err := conn.Publish(context.Background(), acct, platform.Post{Text: "hello"})
			pe := requireClass(t, err, c.class)
			require.Less(t, time.Since(start), 5*time.Second)
			require.Equal(t, c.code, pe.Code)
			require.Equal(t, c.retryAfter, pe.RetryAfter)
			if c.message != "" {
				require.Contains(t, pe.Message, c.message)
			}
			require.NotEmpty(t, pe.Message)
			requireNoToken(t, err)
		})
	}
}

// requireNoToken asserts that no text derived from err reveals the token.
func requireNoToken(t *testing.T, err error) {
	t.Helper()
	secret := strings.SplitN(token, ":", 2)[1]
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			require.NotContains(t, s, secret, "the bot token leaks into an error")
		}
	}
}

func TestErrors_NeverRevealTheToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, base := range map[string]func(t *testing.T) string{
		"Refused":  refusedURL,
		"Dropped":  droppingURL,
		"Hanging":  hangingURL,
		"NotFound": func(t *testing.T) string { return serverURL(t, http.NotFoundHandler()) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := New(base(t), &http.Client{Timeout: 200 * time.Millisecond})
			c.readBackoff = time.Millisecond
			_, err := c.Publish(ctx, acct, platform.Post{Text: "x"})
			requireNoToken(t, err)
			_, err = c.Verify(ctx, acct)
			requireNoToken(t, err)
			_, err = c.AccountMetrics(ctx, acct)
			requireNoToken(t, err)
			requireNoToken(t, c.Delete(ctx, acct, "1"))
		})
	}
	t.Run("CanceledContext", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := New(hangingURL(t), nil).Publish(ctx, acct, platform.Post{Text: "x"})
		require.Error(t, err)
		requireNoToken(t, err)
	})
}

func TestLimits_NameTheChannelAndHideTheToken(t *testing.T) {
	t.Parallel()
	limits := New("", nil).Limits(acct)
	require.Len(t, limits, 2)
	require.Equal(t, "telegram:chat:"+channel, limits[0].Key)
	require.Equal(t, 20, limits[0].Max)
	require.Equal(t, time.Minute, limits[0].Window)
	require.Equal(t, 30, limits[1].Max)
	require.Equal(t, time.Second, limits[1].Window)
	require.NotContains(t, limits[1].Key, strings.SplitN(token, ":", 2)[1])
}
