package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Telegram sends messages from a notification bot to people's chats
// through the Bot API (or the sandbox's emulation of it).
type Telegram struct {
	// BaseURL is the Bot API, e.g. https://api.telegram.org.
	BaseURL string
	// Token is the bot's token; it never appears in errors.
	Token  string
	Client *http.Client
}

// Send sends text to a chat. The Bot API's 400 and 403 (unknown chat, bot
// blocked by the user) are permanent; 429 carries its retry_after.
func (t *Telegram) Send(ctx context.Context, chatID, text string) error {
	body, _ := json.Marshal(map[string]any{"chat_id": chatID, "text": text, "link_preview_options": map[string]bool{"is_disabled": true}})
	endpoint := strings.TrimRight(t.BaseURL, "/") + "/bot" + t.Token + "/sendMessage"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return permanent("telegram: bad API URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.Client.Do(req)
	if err != nil {
		return temporary("telegram: %v", t.redact(err))
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool   `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err := json.Unmarshal(raw, &out); err != nil {
		return temporary("telegram: HTTP %d with a body that is not the Bot API's", resp.StatusCode)
	}
	if out.OK {
		return nil
	}
	code := out.ErrorCode
	if code == 0 {
		code = resp.StatusCode
	}
	switch {
	case code == http.StatusTooManyRequests:
		return &Error{RetryAfter: time.Duration(out.Parameters.RetryAfter) * time.Second, Err: errors.New("telegram: " + out.Description)}
	case code == http.StatusBadRequest || code == http.StatusForbidden:
		return permanent("telegram: %s", out.Description)
	}
	return temporary("telegram: %d %s", code, out.Description)
}

// redact removes the bot token from transport errors (url.Error quotes the
// URL).
func (t *Telegram) redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New(ue.Op + " Bot API: " + strings.ReplaceAll(ue.Err.Error(), t.Token, "<token>"))
	}
	return errors.New(strings.ReplaceAll(err.Error(), t.Token, "<token>"))
}
