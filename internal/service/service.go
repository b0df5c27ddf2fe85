// Package service is Ferry's application layer: every change a person or a
// client asks for goes through it. It checks roles, validates input, writes
// through the store with an audit event in the same transaction, and
// enqueues the jobs the change needs in that transaction too.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/netguard"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// Service holds what the application layer needs.
type Service struct {
	DB         *store.DB
	Blobs      blob.Store
	Connectors *platform.Registry
	Scheduler  delivery.Scheduler
	Events     delivery.Events
	Log        *slog.Logger
	// MaxUploadBytes bounds media uploads.
	MaxUploadBytes int64
	// VerifyTimeout bounds the platform check when an account is connected.
	VerifyTimeout time.Duration
	// Further dependencies are added here, one line each.
	Adapt *adapt.Adapter // tailors stories per platform; nil: a default one
	OAuth *OAuth         // OAuth connection flows (connect.go); nil: accounts are connected by hand only
	// Handoffs confirms Xiaohongshu handoffs (handoff.go); nil: none.
	Handoffs HandoffManager
	// Mail emails invitations (invitemail.go); nil: email is off and
	// admins pass invitation links on themselves.
	Mail *InvitationMail
	// PauseNotifier tells the workspace's webhook when a pause starts or
	// ends (pause.go); nil: only the audit trail records it.
	PauseNotifier PauseNotifier
	// Webhooks posts to workspaces' webhooks (internal/notify.Webhooks);
	// nil: pauses are not posted.
	Webhooks WebhookPoster
	// Outbound judges URLs a person gives Ferry to send requests to (the
	// webhook) when they are saved; nil: a guard with no allow-list.
	Outbound *netguard.Guard
	// SignInNotices schedules the email telling a person of failed
	// sign-ins (throttle.go, internal/jobs); nil, or Mail nil: not told.
	SignInNotices SignInNotices
	// ReportMail emails monthly reports (reportmail.go); nil: not emailed.
	ReportMail *ReportMail
	// Notices sends notices by email, Telegram and webhook (notices.go);
	// nil: they stay in the inbox.
	Notices *Notices
	// ArchiveJobs schedules archive and closure jobs (archive.go,
	// closure.go); nil: accounts cannot be archived or closed by a job.
	ArchiveJobs ArchiveJobs
}

// WebhookPoster delivers one signed webhook (internal/notify.Webhooks).
type WebhookPoster interface {
	Post(ctx context.Context, target, secret, event, deliveryID string, body []byte) error
}

// require fails unless the principal has at least role min.
func require(p ferry.Principal, min ferry.Role, what string) error {
	if !p.Role.AtLeast(min) {
		return ferry.Errorf(ferry.EFORBIDDEN, "Only a workspace %s or above may %s; you are %s.", min, what, p.Role)
	}
	return nil
}

func audit(p ferry.Principal, action, targetType, targetID string, data map[string]any) ferry.Audit {
	return ferry.Audit{WorkspaceID: p.WorkspaceID, Actor: p.Actor(), Action: action, TargetType: targetType, TargetID: targetID, Data: data}
}

// CheckOutboundURL judges a URL a person gives Ferry to send requests to
// (a webhook), when it is saved: an address the outbound guard refuses
// (loopback, private, link-local, multicast, unspecified, reserved, or a
// name resolving to one) is EUNPROCESSABLE, with the reason as Details
// ("loopback", "private", "link_local", "multicast", "unspecified",
// "reserved"). The same guard refuses it again when a request is made.
func (s *Service) CheckOutboundURL(ctx context.Context, raw string) *ferry.Error {
	g := s.Outbound
	if g == nil {
		g = netguard.New()
	}
	var refused *netguard.Refused
	switch err := g.Check(ctx, raw); {
	case err == nil:
		return nil
	case errors.As(err, &refused):
		return &ferry.Error{Code: ferry.EUNPROCESSABLE, Details: refused.Reason,
			Message: fmt.Sprintf("Ferry does not send requests to %s: it is a %s address, inside the server's own network. Use a public address (an operator can allow it with FERRY_OUTBOUND_ALLOW).", refused.Addr, strings.ReplaceAll(refused.Reason, "_", "-"))}
	default:
		return &ferry.Error{Code: ferry.EINVALID, Details: "invalid", Message: "The URL must be an absolute http(s) URL without credentials."}
	}
}
