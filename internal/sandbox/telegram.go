package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/count"
)

// telegramAPI emulates the Bot API (https://core.telegram.org/bots/api) for
// channels: /bot<token>/<method>, parameters by query string, URL-encoded or
// multipart form, or JSON; answers {ok, result} or {ok:false, error_code,
// description, parameters}.
type telegramAPI struct {
	s *Sandbox

	mu      sync.Mutex
	chats   map[string]*tgChat // by canonical key (username or numeric id)
	revoked map[string]bool
}

type tgChat struct {
	ID       int64
	Username string
	Title    string
	NextMsg  int64
	Created  time.Time
}

// Bot API limits (https://core.telegram.org/bots/api, https://core.telegram.org/bots/faq).
const (
	tgTextMax        = 4096
	tgCaptionMax     = 1024
	tgPhotoMaxBytes  = 10 << 20
	tgPerChatPerMin  = 20
	tgPerBotPerSec   = 30
	tgMediaGroupMin  = 2
	tgMediaGroupMax  = 10
	tgMaxUploadBytes = 50 << 20
)

var tgTokenRE = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{20,64}$`)

func newTelegramAPI(s *Sandbox) *telegramAPI {
	return &telegramAPI{s: s, chats: map[string]*tgChat{}, revoked: map[string]bool{}}
}

// RevokeTelegramToken makes the emulated Bot API answer 401 for token, as
// Telegram does after a token is revoked in @BotFather.
func (s *Sandbox) RevokeTelegramToken(token string) {
	s.telegram.mu.Lock()
	defer s.telegram.mu.Unlock()
	s.telegram.revoked[token] = true
}

// target names the channel a request is for: chat_id from the query, a
// URL-encoded form or a multipart form, read from a copy of the body.
func (t *telegramAPI) target(r *http.Request) string {
	if v := r.URL.Query().Get("chat_id"); v != "" {
		return v
	}
	if r.Body == nil {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, tgMaxUploadBytes))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	clone := r.Clone(r.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	p, err := parseTGParams(clone)
	if err != nil {
		return ""
	}
	return p.v["chat_id"]
}

type tgError struct {
	Code       int
	Desc       string
	RetryAfter int
}

func (t *telegramAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Path: /bot<token>/<method>
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		t.fail(w, tgError{Code: 404, Desc: "Not Found"})
		return
	}
	t.mu.Lock()
	revoked := t.revoked[token]
	t.mu.Unlock()
	if !tgTokenRE.MatchString(token) || revoked {
		t.fail(w, tgError{Code: 401, Desc: "Unauthorized"})
		return
	}
	p, err := parseTGParams(r)
	if err != nil {
		t.fail(w, tgError{Code: 400, Desc: "Bad Request: " + err.Error()})
		return
	}
	var result any
	var terr *tgError
	switch method {
	case "getMe":
		result = t.botUser(token)
	case "getChat":
		result, terr = t.getChat(p)
	case "getChatMemberCount":
		result, terr = t.getChatMemberCount(p)
	case "getChatMember":
		result, terr = t.getChatMember(token, p)
	case "sendMessage":
		result, terr = t.sendMessage(token, p)
	case "sendPhoto":
		result, terr = t.sendPhoto(token, p)
	case "sendMediaGroup":
		result, terr = t.sendMediaGroup(token, p)
	case "deleteMessage":
		result, terr = t.deleteMessage(p)
	case "deleteMessages":
		result, terr = t.deleteMessages(p)
	default:
		terr = &tgError{Code: 404, Desc: "Not Found"}
	}
	if terr != nil {
		t.fail(w, *terr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (t *telegramAPI) fail(w http.ResponseWriter, e tgError) {
	body := map[string]any{"ok": false, "error_code": e.Code, "description": e.Desc}
	if e.RetryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": e.RetryAfter}
	}
	writeJSON(w, e.Code, body)
}

func (t *telegramAPI) writeServerError(w http.ResponseWriter) {
	t.fail(w, tgError{Code: 500, Desc: "Internal Server Error"})
}

func (t *telegramAPI) writeRateLimited(w http.ResponseWriter, after time.Duration) {
	secs := int((after + time.Second - 1) / time.Second)
	t.fail(w, tgError{Code: 429, Desc: fmt.Sprintf("Too Many Requests: retry after %d", secs), RetryAfter: secs})
}

// tgParams are a request's parameters, from any of the encodings the Bot API
// accepts, plus uploaded files.
type tgParams struct {
	v     map[string]string
	files map[string]*multipart.FileHeader
}

func parseTGParams(r *http.Request) (tgParams, error) {
	p := tgParams{v: map[string]string{}, files: map[string]*multipart.FileHeader{}}
	for k, vs := range r.URL.Query() {
		p.v[k] = vs[0]
	}
	if r.Method != http.MethodPost {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
			return p, fmt.Errorf("can't parse JSON: %v", err)
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				p.v[k] = v
			default:
				b, _ := json.Marshal(v)
				p.v[k] = string(b)
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		for k, vs := range r.PostForm {
			p.v[k] = vs[0]
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(tgMaxUploadBytes); err != nil {
			return p, err
		}
		for k, vs := range r.MultipartForm.Value {
			p.v[k] = vs[0]
		}
		for k, fs := range r.MultipartForm.File {
			p.files[k] = fs[0]
		}
	}
	return p, nil
}

func (t *telegramAPI) botUser(token string) map[string]any {
	id, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	return map[string]any{"id": id, "is_bot": true, "first_name": "Ferry Sandbox Bot", "username": fmt.Sprintf("ferry_sandbox_%d_bot", id)}
}

// chat finds or creates the channel named by chat_id. Every channel exists in
// the sandbox except those whose name starts with "missing", so tests can
// exercise "chat not found".
func (t *telegramAPI) chat(p tgParams) (*tgChat, *tgError) {
	raw := strings.TrimSpace(p.v["chat_id"])
	if raw == "" {
		return nil, &tgError{Code: 400, Desc: "Bad Request: chat_id is empty"}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.chats[raw]; ok {
		return c, nil
	}
	var c *tgChat
	if name, ok := strings.CutPrefix(raw, "@"); ok {
		if strings.HasPrefix(name, "missing") || len(name) < 4 {
			return nil, &tgError{Code: 400, Desc: "Bad Request: chat not found"}
		}
		sum := sha256.Sum256([]byte(name))
		id := -1000000000000 - int64(binary.BigEndian.Uint32(sum[:4]))
		c = &tgChat{ID: id, Username: name, Title: name, NextMsg: 1, Created: t.s.now()}
		t.chats[strconv.FormatInt(id, 10)] = c
	} else {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, &tgError{Code: 400, Desc: "Bad Request: chat not found"}
		}
		c = &tgChat{ID: id, Title: "Channel " + raw, NextMsg: 1, Created: t.s.now()}
	}
	t.chats[raw] = c
	return c, nil
}

func (c *tgChat) json() map[string]any {
	m := map[string]any{"id": c.ID, "type": "channel", "title": c.Title}
	if c.Username != "" {
		m["username"] = c.Username
	}
	return m
}

func (t *telegramAPI) getChat(p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	m := c.json()
	m["accent_color_id"] = 0
	m["max_reaction_count"] = 11
	m["accepted_gift_types"] = map[string]bool{"unlimited_gifts": false, "limited_gifts": false, "unique_gifts": false, "premium_subscription": false, "gifts_from_channels": false}
	return m, nil
}

// getChatMemberCount simulates a channel that gains subscribers over time.
func (t *telegramAPI) getChatMemberCount(p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	return simulatedFollowers(c.Username+strconv.FormatInt(c.ID, 10), t.s.now()), nil
}

func (t *telegramAPI) getChatMember(token string, p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	uid, _ := strconv.ParseInt(p.v["user_id"], 10, 64)
	// In channels named "readonly…" the bot is a plain member, so tests can
	// exercise a bot that may not post.
	if strings.HasPrefix(c.Username, "readonly") {
		return map[string]any{"status": "member", "user": map[string]any{"id": uid, "is_bot": true, "first_name": "Ferry Sandbox Bot"}}, nil
	}
	return map[string]any{
		"status": "administrator", "user": map[string]any{"id": uid, "is_bot": true, "first_name": "Ferry Sandbox Bot"},
		"can_be_edited": false, "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
		"can_manage_video_chats": false, "can_restrict_members": true, "can_promote_members": false,
		"can_change_info": true, "can_invite_users": true, "can_post_messages": true, "can_edit_messages": true,
		"can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
	}, nil
}

// limits enforces Telegram's broadcast limits: about 20 messages a minute in
// one channel and 30 a second per bot. A message refused by the bot's limit
// does not use up a slot of the channel's.
func (t *telegramAPI) limits(token string, c *tgChat) *tgError {
	chatKey := "telegram:chat:" + strconv.FormatInt(c.ID, 10)
	if ok, wait := t.s.allow(chatKey, tgPerChatPerMin, time.Minute); !ok {
		return &tgError{Code: 429, Desc: fmt.Sprintf("Too Many Requests: retry after %d", ceilSeconds(wait)), RetryAfter: ceilSeconds(wait)}
	}
	if ok, wait := t.s.allow("telegram:bot:"+token, tgPerBotPerSec, time.Second); !ok {
		t.s.mu.Lock()
		if ts := t.s.sent[chatKey]; len(ts) > 0 {
			t.s.sent[chatKey] = ts[:len(ts)-1]
		}
		t.s.mu.Unlock()
		return &tgError{Code: 429, Desc: fmt.Sprintf("Too Many Requests: retry after %d", ceilSeconds(wait)), RetryAfter: ceilSeconds(wait)}
	}
	return nil
}

func ceilSeconds(d time.Duration) int { return max(1, int((d+time.Second-1)/time.Second)) }

// entityText returns the text a user sees after the Bot API parses entities.
func entityText(text, parseMode string) (string, *tgError) {
	switch strings.ToLower(parseMode) {
	case "":
		return text, nil
	case "html":
		parsed, err := count.ParseTelegramHTML(text)
		if err != nil {
			return "", &tgError{Code: 400, Desc: "Bad Request: " + err.Error()}
		}
		return parsed.Text, nil
	case "markdownv2", "markdown":
		return text, nil
	}
	return "", &tgError{Code: 400, Desc: "Bad Request: unsupported parse_mode"}
}

// tgLength is the length Telegram checks against a limit: UTF-16 code units
// of the parsed text with surrounding whitespace trimmed and the characters
// Telegram drops (carriage returns, bidirectional overrides) left out.
func tgLength(rule count.Rule, text string) int {
	return rule.Count(strings.TrimSpace(text)).Used
}

func (t *telegramAPI) message(c *tgChat, token string, fields map[string]any) map[string]any {
	t.mu.Lock()
	id := c.NextMsg
	c.NextMsg++
	t.mu.Unlock()
	m := map[string]any{"message_id": id, "sender_chat": c.json(), "chat": c.json(), "date": t.s.now().Unix()}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

func (t *telegramAPI) chatTarget(c *tgChat) string {
	if c.Username != "" {
		return "@" + c.Username
	}
	return strconv.FormatInt(c.ID, 10)
}

func (t *telegramAPI) sendMessage(token string, p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	text, err := entityText(p.v["text"], p.v["parse_mode"])
	if err != nil {
		return nil, err
	}
	switch n := tgLength(count.TelegramMessage(), text); {
	case n == 0:
		return nil, &tgError{Code: 400, Desc: "Bad Request: message text is empty"}
	case n > tgTextMax:
		return nil, &tgError{Code: 400, Desc: "Bad Request: message is too long"}
	}
	if err := t.limits(token, c); err != nil {
		return nil, err
	}
	msg := t.message(c, token, map[string]any{"text": text})
	t.s.record(Post{Platform: ferry.Telegram, Target: t.chatTarget(c), RemoteID: fmt.Sprint(msg["message_id"]), Text: text})
	return msg, nil
}

// photo resolves a photo parameter: an uploaded file ("attach://name" or the
// field itself), a file_id, or a URL. It returns a short description for the
// record.
func (t *telegramAPI) photo(p tgParams, field, value string) (string, *tgError) {
	var fh *multipart.FileHeader
	if name, ok := strings.CutPrefix(value, "attach://"); ok {
		fh = p.files[name]
		if fh == nil {
			return "", &tgError{Code: 400, Desc: "Bad Request: wrong file identifier/HTTP URL specified"}
		}
	} else if value == "" {
		fh = p.files[field]
		if fh == nil {
			return "", &tgError{Code: 400, Desc: "Bad Request: there is no photo in the request"}
		}
	}
	if fh == nil {
		if strings.HasPrefix(value, "http://") || strings.HasPrefix(value, "https://") {
			return value, nil
		}
		return "file_id:" + value, nil
	}
	if fh.Size > tgPhotoMaxBytes {
		return "", &tgError{Code: 400, Desc: "Bad Request: PHOTO_INVALID_DIMENSIONS"}
	}
	f, err := fh.Open()
	if err != nil {
		return "", &tgError{Code: 400, Desc: "Bad Request: can't read the file"}
	}
	defer f.Close()
	h := sha256.New()
	n, _ := io.Copy(h, f)
	if n == 0 {
		return "", &tgError{Code: 400, Desc: "Bad Request: file must be non-empty"}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func (t *telegramAPI) sendPhoto(token string, p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	caption, err := entityText(p.v["caption"], p.v["parse_mode"])
	if err != nil {
		return nil, err
	}
	if tgLength(count.TelegramCaption(), caption) > tgCaptionMax {
		return nil, &tgError{Code: 400, Desc: "Bad Request: message caption is too long"}
	}
	media, err := t.photo(p, "photo", p.v["photo"])
	if err != nil {
		return nil, err
	}
	if err := t.limits(token, c); err != nil {
		return nil, err
	}
	fields := map[string]any{"photo": []map[string]any{{"file_id": media, "file_unique_id": media, "width": 1280, "height": 960}}}
	if caption != "" {
		fields["caption"] = caption // Telegram leaves out an empty caption
	}
	msg := t.message(c, token, fields)
	t.s.record(Post{Platform: ferry.Telegram, Target: t.chatTarget(c), RemoteID: fmt.Sprint(msg["message_id"]), Text: caption, Media: []string{media}})
	return msg, nil
}

func (t *telegramAPI) sendMediaGroup(token string, p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	var items []struct {
		Type      string `json:"type"`
		Media     string `json:"media"`
		Caption   string `json:"caption"`
		ParseMode string `json:"parse_mode"`
	}
	if err := json.Unmarshal([]byte(p.v["media"]), &items); err != nil {
		return nil, &tgError{Code: 400, Desc: "Bad Request: can't parse media JSON object"}
	}
	if len(items) < tgMediaGroupMin || len(items) > tgMediaGroupMax {
		return nil, &tgError{Code: 400, Desc: "Bad Request: wrong number of media specified: must include 2-10 items"}
	}
	var media []string
	var caption string
	for i, it := range items {
		if it.Type != "photo" {
			return nil, &tgError{Code: 400, Desc: "Bad Request: media type must be photo in the sandbox"}
		}
		text, err := entityText(it.Caption, it.ParseMode)
		if err != nil {
			return nil, err
		}
		if tgLength(count.TelegramCaption(), text) > tgCaptionMax {
			return nil, &tgError{Code: 400, Desc: "Bad Request: message caption is too long"}
		}
		if i == 0 {
			caption = text
		}
		m, err := t.photo(p, "", it.Media)
		if err != nil {
			return nil, err
		}
		media = append(media, m)
	}
	if err := t.limits(token, c); err != nil {
		return nil, err
	}
	msgs := make([]map[string]any, len(media))
	groupID := strconv.FormatInt(t.s.nextID(), 10)
	for i, m := range media {
		fields := map[string]any{"media_group_id": groupID, "photo": []map[string]any{{"file_id": m, "file_unique_id": m, "width": 1280, "height": 960}}}
		if i == 0 && caption != "" {
			fields["caption"] = caption
		}
		msgs[i] = t.message(c, token, fields)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = fmt.Sprint(m["message_id"])
	}
	t.s.record(Post{Platform: ferry.Telegram, Target: t.chatTarget(c), RemoteID: ids[0], Text: caption, Media: media, MessageIDs: ids})
	return msgs, nil
}

func (t *telegramAPI) deleteMessage(p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if !t.deleteLocked(t.chatTarget(c), p.v["message_id"]) {
		return nil, &tgError{Code: 400, Desc: "Bad Request: message to delete not found"}
	}
	return true, nil
}

// deleteMessages deletes 1–100 messages at once; as the Bot API says,
// those that cannot be found are skipped.
func (t *telegramAPI) deleteMessages(p tgParams) (any, *tgError) {
	c, err := t.chat(p)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if err := json.Unmarshal([]byte(p.v["message_ids"]), &ids); err != nil {
		return nil, &tgError{Code: 400, Desc: "Bad Request: can't parse message identifiers JSON object"}
	}
	if len(ids) < 1 || len(ids) > 100 {
		return nil, &tgError{Code: 400, Desc: "Bad Request: too many message identifiers specified"}
	}
	target := t.chatTarget(c)
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, id := range ids {
		t.deleteLocked(target, strconv.FormatInt(id, 10))
	}
	return true, nil
}

// deleteLocked deletes one message of a chat, reporting whether it was
// there; the caller holds t.s.mu.
func (t *telegramAPI) deleteLocked(target, id string) bool {
	for i := range t.s.posts {
		q := &t.s.posts[i]
		if q.Platform != ferry.Telegram || q.Target != target || q.Deleted {
			continue
		}
		if q.MessageIDs == nil {
			if q.RemoteID == id {
				q.Deleted = true
				return true
			}
			continue
		}
		// An album: the one message goes; the album is gone with its last.
		if slices.Contains(q.MessageIDs, id) && !slices.Contains(q.DeletedIDs, id) {
			q.DeletedIDs = append(q.DeletedIDs, id)
			q.Deleted = len(q.DeletedIDs) == len(q.MessageIDs)
			return true
		}
	}
	return false
}
