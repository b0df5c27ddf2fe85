package app

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/ferry-social/ferry/internal/delivery"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/report"
	"github.com/ferry-social/ferry/internal/service"
)

// SandboxNotifyBotToken is the notification bot's token when Ferry runs
// against the sandbox and FERRY_NOTIFY_TELEGRAM_BOT_TOKEN is not set.
const SandboxNotifyBotToken = "100000002:sandbox-notify-bot-token-0002"

// DemoOperatorChatID is the sandbox Telegram chat of the demo's
// Xiaohongshu operator.
const DemoOperatorChatID = "700000001"

// handoffLinkMargin is how long a handoff page's link works after the
// deadline, to show what became of it.
const handoffLinkMargin = 24 * time.Hour

// wireHandoffs gives the engine its Xiaohongshu handoffs: the Manager, its
// notification transports and its link key (derived from the secret key).
func (m *Main) wireHandoffs(media delivery.Media, events delivery.Events) error {
	ring, err := m.keyring()
	if err != nil {
		return err
	}
	public := m.publicURL()
	h := &handoff.Manager{
		DB: m.DB, Jobs: m.Jobs, Events: events, Media: media, Log: m.Log.With("component", "handoff"),
		Links: handoff.NewSigner(ring.Keys()...), PublicURL: public,
		Webhooks:   notify.NewWebhooks(m.Outbound, 15*time.Second),
		Defaults:   handoff.Timing{Lead: m.Config.HandoffLead, Deadline: m.Config.HandoffDeadline},
		LinkMargin: handoffLinkMargin,
		Now:        m.clock(),
	}
	if m.Config.SMTPURL != "" {
		mailer, err := notify.NewMailer(m.Config.SMTPURL, m.Config.MailFrom)
		if err != nil {
			return err
		}
		h.Mailer = mailer
	} else {
		m.Log.Info("email notifications are off: set FERRY_SMTP_URL and FERRY_MAIL_FROM to email Xiaohongshu operators and admins")
	}
	token := m.Config.NotifyTelegramBotToken
	if token == "" && m.Sandbox != nil {
		token = SandboxNotifyBotToken
	}
	if token != "" {
		h.Telegram = &notify.Telegram{BaseURL: m.Config.TelegramAPIURL, Token: token, Client: &http.Client{Timeout: 20 * time.Second}}
	}
	m.Engine.Handoffs = h
	return nil
}

// wireInvitationMail lets the service email invitations when SMTP is
// configured: a River job sends each, with the link's token sealed with the
// secret key in its arguments.
func (m *Main) wireInvitationMail() error {
	if m.Config.SMTPURL == "" {
		m.Log.Info("invitations are not emailed: set FERRY_SMTP_URL and FERRY_MAIL_FROM to email them; the members page shows each link to pass on")
		return nil
	}
	mailer, err := notify.NewMailer(m.Config.SMTPURL, m.Config.MailFrom)
	if err != nil {
		return err
	}
	box, err := m.keyring()
	if err != nil {
		return err
	}
	public := m.publicURL()
	m.Service.Mail = &service.InvitationMail{Mailer: mailer, Sealer: box, Jobs: m.Jobs, PublicURL: public}
	m.Jobs.SetInvitationSender(m.Service)
	// Monthly reports go out through the same mailer (service/reportmail.go).
	m.Service.ReportMail = &service.ReportMail{Mailer: mailer, PublicURL: public,
		HTML: func(r *service.MonthlyReport, lang string) ([]byte, error) {
			var b bytes.Buffer
			err := report.HTML(&b, r, lang)
			return b.Bytes(), err
		},
		PDF: func(ctx context.Context, r *service.MonthlyReport, lang string) ([]byte, error) {
			return report.PrintPDF(ctx, report.BrowserPath(), r, lang)
		},
	}
	m.Jobs.SetReportSender(m.Service)
	// Notices of failed sign-ins too (service/throttle.go).
	m.Service.SignInNotices = m.Jobs
	m.Jobs.SetSignInNoticeSender(m.Service)
	return nil
}

// publicURL is where people reach Ferry, for links in messages: the
// configured public URL, else serve's address (`ferry worker` does not
// listen: links point at serve's).
func (m *Main) publicURL() string {
	if m.Config.PublicURL != "" {
		return m.Config.PublicURL
	}
	return "http://" + m.Config.Addr
}

// wireNotices sends notices by email (when SMTP is configured), by the
// notification bot on Telegram (when there is one) and to workspaces'
// webhooks, and hangs them on the audit trail: every audit event that
// matters to people writes its notices in its own transaction.
func (m *Main) wireNotices() error {
	n := &service.Notices{Jobs: m.Jobs, PublicURL: m.publicURL()}
	if m.Config.SMTPURL != "" {
		mailer, err := notify.NewMailer(m.Config.SMTPURL, m.Config.MailFrom)
		if err != nil {
			return err
		}
		n.Mailer = mailer
	}
	if h := m.handoffManager(); h != nil && h.Telegram != nil {
		n.Telegram = h.Telegram
	}
	m.Service.Notices = n
	m.Jobs.SetNoticeSender(m.Service)
	m.DB.SetAuditHook(m.Service.NoticeAudit)
	return nil
}

// handoffManager is the engine's handoff Manager, or nil.
func (m *Main) handoffManager() *handoff.Manager {
	h, _ := m.Engine.Handoffs.(*handoff.Manager)
	return h
}

// handoffPages serves the signed handoff pages under /handoff/.
func (m *Main) handoffPages() http.Handler {
	if h := m.handoffManager(); h != nil {
		return h.Handler()
	}
	return http.NotFoundHandler()
}
