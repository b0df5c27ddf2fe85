package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/store"
)

// HandoffManager is what the service asks of internal/handoff.
type HandoffManager interface {
	Confirm(ctx context.Context, c handoff.Confirmation) (*ferry.Publication, error)
	Handoff(ctx context.Context, workspaceID, publicationID string, withLink bool) (*handoff.View, error)
	Channels() (email, telegram bool)
}

// HandoffConfirmation is an operator's word, through the API, that a
// handed-off note is published at URL.
type HandoffConfirmation struct {
	URL string `json:"url"`
	// Via says which door confirmed, for the audit log: "api" when empty.
	Via string `json:"-"`
}

// ConfirmHandoff records that a publication waiting for a person
// (`handoff`) was published at c.URL, a xiaohongshu.com/explore/<id> or
// xhslink.com/… address: it becomes `published` with that URL.
func (s *Service) ConfirmHandoff(ctx context.Context, p ferry.Principal, publicationID string, c HandoffConfirmation) (*ferry.Publication, error) {
	if err := require(p, ferry.RoleEditor, "confirm publications"); err != nil {
		return nil, err
	}
	if s.Handoffs == nil {
		return nil, ferry.Errorf(ferry.ECONFLICT, "This Ferry hands nothing off to people.")
	}
	via := c.Via
	if via == "" {
		via = "api"
	}
	return s.Handoffs.Confirm(ctx, handoff.Confirmation{WorkspaceID: p.WorkspaceID, PublicationID: publicationID, URL: c.URL, Actor: p.Actor(), Via: via})
}

// Handoff returns a publication's latest handoff. Editors and above also
// get the signed page's link, which lets whoever holds it confirm.
func (s *Service) Handoff(ctx context.Context, p ferry.Principal, publicationID string) (*handoff.View, error) {
	if err := require(p, ferry.RoleViewer, "see publications"); err != nil {
		return nil, err
	}
	if s.Handoffs == nil {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Publication %s has no handoff.", publicationID)
	}
	return s.Handoffs.Handoff(ctx, p.WorkspaceID, publicationID, p.Role.AtLeast(ferry.RoleEditor))
}

// NotificationSettingsView is a workspace's notification settings as the
// API shows them: the webhook secret only once, when Ferry generated it.
type NotificationSettingsView struct {
	WebhookURL       string `json:"webhook_url"`
	WebhookSecretSet bool   `json:"webhook_secret_set"`
	WebhookSecret    string `json:"webhook_secret,omitempty"`
	// Email and Telegram say whether this Ferry can send those (FERRY_SMTP_URL,
	// FERRY_NOTIFY_TELEGRAM_BOT_TOKEN).
	Email     bool       `json:"email"`
	Telegram  bool       `json:"telegram"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// NotificationSettingsInput changes them; nil fields stay as they are. An
// empty webhook_url removes the webhook (and its secret).
type NotificationSettingsInput struct {
	WebhookURL    *string `json:"webhook_url"`
	WebhookSecret *string `json:"webhook_secret"`
}

// Bounds of a webhook secret chosen by a person.
const (
	minWebhookSecret = 16
	maxWebhookSecret = 256
)

// NotificationSettings returns the workspace's notification settings.
func (s *Service) NotificationSettings(ctx context.Context, p ferry.Principal) (*NotificationSettingsView, error) {
	if err := require(p, ferry.RoleAdmin, "see notification settings"); err != nil {
		return nil, err
	}
	ns, err := s.DB.Read().NotificationSettings(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return s.notificationView(ns, ""), nil
}

// UpdateNotificationSettings sets the workspace's webhook. A webhook
// without a secret gets a random one, shown in this answer only.
func (s *Service) UpdateNotificationSettings(ctx context.Context, p ferry.Principal, in NotificationSettingsInput) (*NotificationSettingsView, error) {
	if err := require(p, ferry.RoleAdmin, "change notification settings"); err != nil {
		return nil, err
	}
	details := map[string]string{}
	if in.WebhookURL != nil {
		u := strings.TrimSpace(*in.WebhookURL)
		in.WebhookURL = &u
		if u != "" && (!notify.ValidWebhookURL(u) || len(u) > 2048) {
			details["webhook_url"] = "must be an http(s) URL without credentials"
		}
	}
	if in.WebhookSecret != nil {
		if n := utf8.RuneCountInString(*in.WebhookSecret); *in.WebhookSecret != "" && (n < minWebhookSecret || n > maxWebhookSecret) {
			details["webhook_secret"] = "must be 16 to 256 characters (or leave it out and Ferry makes one)"
		}
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The notification settings are not valid.").WithDetails(details)
	}
	if in.WebhookURL != nil && *in.WebhookURL != "" {
		if err := s.CheckOutboundURL(ctx, *in.WebhookURL); err != nil {
			return nil, err.WithDetails(map[string]string{"webhook_url": err.Details.(string)})
		}
	}
	var (
		ns        *ferry.NotificationSettings
		generated string
	)
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if ns, err = tx.NotificationSettings(ctx, p.WorkspaceID); err != nil {
			return err
		}
		if in.WebhookURL != nil {
			ns.WebhookURL = *in.WebhookURL
		}
		if in.WebhookSecret != nil {
			ns.WebhookSecret = *in.WebhookSecret
		}
		switch {
		case ns.WebhookURL == "":
			ns.WebhookSecret = ""
		case ns.WebhookSecret == "":
			var b [32]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			generated = hex.EncodeToString(b[:])
			ns.WebhookSecret = generated
		}
		if err := tx.PutNotificationSettings(ctx, ns); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "notifications.update", "workspace", p.WorkspaceID,
			map[string]any{"webhook": ns.WebhookURL != "", "secret_changed": in.WebhookSecret != nil || generated != ""}))
	})
	if err != nil {
		return nil, err
	}
	return s.notificationView(ns, generated), nil
}

func (s *Service) notificationView(ns *ferry.NotificationSettings, secret string) *NotificationSettingsView {
	v := &NotificationSettingsView{WebhookURL: ns.WebhookURL, WebhookSecretSet: ns.WebhookSecret != "", WebhookSecret: secret}
	if !ns.UpdatedAt.IsZero() {
		t := ns.UpdatedAt
		v.UpdatedAt = &t
	}
	if s.Handoffs != nil {
		v.Email, v.Telegram = s.Handoffs.Channels()
	}
	return v
}
