package handoff

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

// Notification events.
const (
	EventOpened    = "handoff.opened"    // to the operators: a note to publish
	EventMissed    = "handoff.missed"    // to the webhook: nobody confirmed in time
	EventConfirmed = "handoff.confirmed" // to the webhook: published, with its URL
)

// Notification channels.
const (
	ChannelEmail    = "email"
	ChannelTelegram = "telegram"
	ChannelWebhook  = "webhook"
)

// Notification is one message to send, as a River job carries it: what
// happened to which handoff, and to whom. The text is written when it is
// sent, from the data as it then is.
type Notification struct {
	HandoffID string `json:"handoff_id"`
	Event     string `json:"event"`
	Channel   string `json:"channel"`
	// To is an email address or a Telegram chat id; empty for the
	// workspace's webhook.
	To string `json:"to,omitempty"`
}

// enqueue schedules a notification in tx, unless its channel is off.
func (m *Manager) enqueue(ctx context.Context, tx *store.Tx, n Notification) error {
	switch {
	case n.Channel == ChannelEmail && m.Mailer == nil:
		m.Log.Info("email notifications are off (FERRY_SMTP_URL is not set); skipping one", "handoff_id", n.HandoffID, "event", n.Event)
		return nil
	case n.Channel == ChannelTelegram && m.Telegram == nil:
		m.Log.Info("Telegram notifications are off (FERRY_NOTIFY_TELEGRAM_BOT_TOKEN is not set); skipping one", "handoff_id", n.HandoffID, "event", n.Event)
		return nil
	}
	return m.Jobs.ScheduleHandoffNotification(ctx, tx, n)
}

// enqueueWebhook schedules the workspace webhook's delivery of an event, if
// the workspace has a webhook.
func (m *Manager) enqueueWebhook(ctx context.Context, tx *store.Tx, h *ferry.Handoff, event string) error {
	ns, err := tx.NotificationSettings(ctx, h.WorkspaceID)
	if err != nil {
		return err
	}
	if ns.WebhookURL == "" || m.Webhooks == nil {
		return nil
	}
	return m.Jobs.ScheduleHandoffNotification(ctx, tx, Notification{HandoffID: h.ID, Event: event, Channel: ChannelWebhook})
}

// Deliver sends one notification; deliveryID identifies it across retries.
// An "opened" notice for a handoff that no longer stands is dropped. The
// error, if any, is the transport's (see notify.IsPermanent).
func (m *Manager) Deliver(ctx context.Context, n Notification, deliveryID string) error {
	q := m.DB.Read()
	h, err := q.Handoff(ctx, n.HandoffID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := q.Publication(ctx, h.WorkspaceID, h.PublicationID)
	if err != nil {
		return err
	}
	if n.Event == EventOpened && Status(h, p) != ferry.HandoffOpen {
		m.Log.Debug("handoff no longer open; notification dropped", "handoff_id", h.ID, "channel", n.Channel)
		return nil
	}
	c, err := m.content(ctx, q, h, p)
	if err != nil {
		return err
	}
	switch n.Channel {
	case ChannelEmail:
		if m.Mailer == nil {
			m.Log.Info("email notifications are off (FERRY_SMTP_URL is not set); skipping one", "handoff_id", h.ID, "event", n.Event)
			return nil
		}
		subject, text := c.message(n.Event)
		return m.Mailer.Send(ctx, n.To, subject, text)
	case ChannelTelegram:
		if m.Telegram == nil {
			m.Log.Info("Telegram notifications are off (FERRY_NOTIFY_TELEGRAM_BOT_TOKEN is not set); skipping one", "handoff_id", h.ID, "event", n.Event)
			return nil
		}
		subject, text := c.message(n.Event)
		return m.Telegram.Send(ctx, n.To, subject+"\n\n"+text)
	case ChannelWebhook:
		ns, err := q.NotificationSettings(ctx, h.WorkspaceID)
		if err != nil {
			return err
		}
		if ns.WebhookURL == "" || m.Webhooks == nil {
			return nil // removed since
		}
		body, err := json.Marshal(c.webhook(n.Event, deliveryID, m.now()))
		if err != nil {
			return err
		}
		return m.Webhooks.Post(ctx, ns.WebhookURL, ns.WebhookSecret, n.Event, deliveryID, body)
	}
	return fmt.Errorf("handoff: unknown notification channel %q", n.Channel)
}

// content is what notifications say about a handoff.
type content struct {
	h         *ferry.Handoff
	p         *ferry.Publication
	account   string
	title     string
	pageURL   string
	loc       *time.Location
	operators []string
}

func (m *Manager) content(ctx context.Context, q *store.Q, h *ferry.Handoff, p *ferry.Publication) (*content, error) {
	acct, err := q.Account(ctx, h.WorkspaceID, h.AccountID)
	if err != nil {
		return nil, err
	}
	c := &content{h: h, p: p, account: acct.Name, loc: m.location(ctx, q, h.WorkspaceID), title: "(untitled)"}
	if v, err := q.Variant(ctx, h.StoryID, h.AccountID); err == nil {
		c.title = summaryTitle(v.Title, v.Text)
	}
	if m.now().Before(h.ExpiresAt) {
		c.pageURL = m.PageURL(h)
	}
	for _, o := range m.settings(acct).Operators {
		c.operators = append(c.operators, o.Label())
	}
	return c, nil
}

// summaryTitle names a note in a notification: its title, or the start of
// its text.
func summaryTitle(title, text string) string {
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	if utf8.RuneCountInString(line) > 40 {
		line = string([]rune(line)[:40]) + "…"
	}
	if line == "" {
		return "(untitled)"
	}
	return line
}

// message returns a notification's subject and plain text, in English and
// Simplified Chinese (Xiaohongshu's operators read both).
func (c *content) message(event string) (subject, text string) {
	var b strings.Builder
	deadline := formatTime(c.h.DeadlineAt, c.loc)
	switch event {
	case EventOpened:
		subject = fmt.Sprintf("Publish on Xiaohongshu by %s: %s", c.h.DeadlineAt.In(c.loc).Format("01-02 15:04"), c.title)
		fmt.Fprintf(&b, "A note is ready for you to publish on Xiaohongshu (%s).\n", c.account)
		fmt.Fprintf(&b, "请在小红书（%s）发布这篇笔记。\n\n", c.account)
		fmt.Fprintf(&b, "“%s”\n\n", c.title)
		b.WriteString("Open the page to copy the text and save the images, publish in the app, then confirm there with the note's link.\n")
		b.WriteString("打开页面复制文字、保存图片，在小红书发布后，回到页面提交笔记链接。\n")
		fmt.Fprintf(&b, "%s\n\n", c.pageURL)
		fmt.Fprintf(&b, "Scheduled for 计划时间: %s\n", formatTime(c.h.DueAt, c.loc))
		fmt.Fprintf(&b, "Confirm by 截止时间: %s\n", deadline)
	default:
		subject = "Published on Xiaohongshu: " + c.title
		fmt.Fprintf(&b, "“%s” was published on Xiaohongshu (%s): %s\n", c.title, c.account, c.h.URL)
	}
	return subject, b.String()
}

// webhookBody is the JSON a webhook receives.
type webhookBody struct {
	ID          string         `json:"id"`
	Event       string         `json:"event"`
	CreatedAt   time.Time      `json:"created_at"`
	WorkspaceID string         `json:"workspace_id"`
	Handoff     webhookHandoff `json:"handoff"`
}

type webhookHandoff struct {
	ID            string         `json:"id"`
	State         string         `json:"state"`
	PublicationID string         `json:"publication_id"`
	StoryID       string         `json:"story_id"`
	AccountID     string         `json:"account_id"`
	AccountName   string         `json:"account_name"`
	Platform      ferry.Platform `json:"platform"`
	Title         string         `json:"title"`
	DueAt         time.Time      `json:"due_at"`
	DeadlineAt    time.Time      `json:"deadline_at"`
	Operators     []string       `json:"operators"`
	// URL is the note's, once confirmed; PageURL the signed handoff page
	// (on "handoff.opened" only).
	URL     string `json:"url,omitempty"`
	PageURL string `json:"page_url,omitempty"`
}

func (c *content) webhook(event, deliveryID string, now time.Time) webhookBody {
	wh := webhookHandoff{ID: c.h.ID, State: Status(c.h, c.p), PublicationID: c.h.PublicationID, StoryID: c.h.StoryID, AccountID: c.h.AccountID,
		AccountName: c.account, Platform: ferry.Xiaohongshu, Title: c.title, DueAt: c.h.DueAt, DeadlineAt: c.h.DeadlineAt, Operators: c.operators, URL: c.h.URL}
	if wh.Operators == nil {
		wh.Operators = []string{}
	}
	if event == EventOpened {
		wh.PageURL = c.pageURL
	}
	return webhookBody{ID: deliveryID, Event: event, CreatedAt: now, WorkspaceID: c.h.WorkspaceID, Handoff: wh}
}
