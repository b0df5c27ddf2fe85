package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/store"
)

// Invitation emails. The service mints an invitation's token, stores only
// its hash, and, in the same transaction, inserts a River job whose
// arguments carry the token sealed with Ferry's secret key (AES-256-GCM,
// bound to the invitation's id): the job table never holds it in clear,
// and a database without the key cannot open it. The job opens it, checks
// that it still hashes to the invitation's (a resent invitation has a new
// token and the old job does nothing), writes the email and sends it, and
// records on the invitation what became of it: sent, or failed with the
// reason (a 5xx at once; anything else once River's attempts run out,
// "sending" with the last reason meanwhile). docs/architecture.md says why.

// InvitationMail emails invitations. A Service without one does not email
// them: the admin passes the link on.
type InvitationMail struct {
	Mailer Mailer
	Sealer store.Sealer
	Jobs   InvitationJobs
	// PublicURL is where invitees reach Ferry; links are PublicURL +
	// "/invitations/" + token.
	PublicURL string
}

// Mailer sends one plain-text email (internal/notify.Mailer).
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// InvitationJobs schedules the job that emails an invitation
// (internal/jobs), in the transaction that makes or renews it.
type InvitationJobs interface {
	ScheduleInvitationEmail(ctx context.Context, tx *store.Tx, invitationID string, sealedToken []byte) error
}

// EmailsInvitations reports whether invitations are emailed.
func (s *Service) EmailsInvitations() bool { return s.Mail != nil }

// sealAD binds a sealed token to its invitation.
func sealAD(invitationID string) []byte { return []byte("ferry invitation " + invitationID) }

// scheduleInvitationEmail seals the token and schedules its email, if
// email is on.
func (s *Service) scheduleInvitationEmail(ctx context.Context, tx *store.Tx, inv *ferry.Invitation, token string) error {
	if s.Mail == nil {
		return nil
	}
	sealed, err := s.Mail.Sealer.Seal([]byte(token), sealAD(inv.ID))
	if err != nil {
		return err
	}
	return s.Mail.Jobs.ScheduleInvitationEmail(ctx, tx, inv.ID, sealed)
}

// maxEmailError bounds the failure reason kept on an invitation.
const maxEmailError = 300

// SendInvitationEmail sends the email of an invitation, as its job asks:
// sealedToken is the job's sealed token; last says this is the job's last
// attempt. An invitation accepted, withdrawn, expired or resent since is
// not emailed (nil). The error, if any, is the transport's: permanent ones
// (notify.IsPermanent) are not worth retrying.
func (s *Service) SendInvitationEmail(ctx context.Context, invitationID string, sealedToken []byte, last bool) error {
	if s.Mail == nil {
		return errors.New("service: invitation email is off")
	}
	q := s.DB.Read()
	inv, err := q.Invitation(ctx, invitationID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil // withdrawn
	}
	if err != nil {
		return err
	}
	if inv.AcceptedAt != nil || !s.DB.Now().Before(inv.ExpiresAt) {
		return nil
	}
	plain, err := s.Mail.Sealer.Open(sealedToken, sealAD(inv.ID))
	if err != nil {
		// The secret key changed since: the link cannot be rebuilt.
		reason := "the invitation's link could not be read back (was the secret key changed?); resend the invitation"
		_, _ = s.DB.Write().SetInvitationEmail(ctx, inv.ID, inv.TokenHash, ferry.EmailFailed, reason, s.DB.Now())
		return &notify.Error{Permanent: true, Err: errors.New(reason)}
	}
	token := string(plain)
	if !bytes.Equal(auth.HashToken(token), inv.TokenHash) {
		return nil // resent since: the newer job sends the newer link
	}
	ws, err := q.Workspace(ctx, inv.WorkspaceID)
	if err != nil {
		return err
	}
	inviter := ""
	if u, err := q.User(ctx, inv.InvitedBy); err == nil {
		inviter = u.Name
		if inviter == "" {
			inviter = u.Email
		}
	}
	link := strings.TrimRight(s.Mail.PublicURL, "/") + "/invitations/" + token
	subject, text := invitationEmail(inv.Language, ws, inviter, inv.Role, link, inv.ExpiresAt)
	sendErr := s.Mail.Mailer.Send(ctx, inv.Email, subject, text)
	state, reason := ferry.EmailSent, ""
	if sendErr != nil {
		state, reason = ferry.EmailSending, sendErr.Error()
		var ne *notify.Error
		if errors.As(sendErr, &ne) && ne.Err != nil {
			reason = ne.Err.Error() // the server's words, without notify's preamble
		}
		if notify.IsPermanent(sendErr) || last {
			state = ferry.EmailFailed
		}
		if utf8.RuneCountInString(reason) > maxEmailError {
			reason = string([]rune(reason)[:maxEmailError]) + "…"
		}
	}
	// The outcome is recorded even if the job's own context ended.
	if _, err := s.DB.Write().SetInvitationEmail(context.WithoutCancel(ctx), inv.ID, inv.TokenHash, state, reason, s.DB.Now()); err != nil {
		return errors.Join(sendErr, err)
	}
	if s.Log != nil {
		if sendErr != nil {
			s.Log.Warn("invitation email not sent", "invitation_id", inv.ID, "state", state, "error", sendErr)
		} else {
			s.Log.Info("invitation emailed", "invitation_id", inv.ID)
		}
	}
	return sendErr
}

// invitationText is an invitation email's words in one language.
type invitationText struct {
	subject, greeting, body, open, expiry, sign string
	roles                                       map[ferry.Role]string
	date                                        func(time.Time) string
}

var invitationTexts = map[string]invitationText{
	"en": {
		subject:  "{inviter} invited you to {workspace} on Ferry",
		greeting: "Hello,",
		body:     "{inviter} invited you to join the workspace “{workspace}” on Ferry as {role}.",
		open:     "Open this link to choose your password and join:",
		expiry:   "The link works once, until {expiry}. If you did not expect this invitation, you can ignore this email.",
		sign:     "— Ferry",
		roles:    map[ferry.Role]string{ferry.RoleOwner: "an owner", ferry.RoleAdmin: "an admin", ferry.RoleEditor: "an editor", ferry.RoleReviewer: "a reviewer", ferry.RoleViewer: "a viewer"},
		date:     func(t time.Time) string { return t.Format("Monday 2 January 2006, 15:04 MST") },
	},
	"zh-Hant": {
		subject:  "{inviter}邀請你加入 Ferry 的「{workspace}」",
		greeting: "你好：",
		body:     "{inviter}邀請你以「{role}」身分加入 Ferry 的工作區「{workspace}」。",
		open:     "請打開以下連結，設定你的密碼並加入：",
		expiry:   "連結只可使用一次，有效至 {expiry}。如你沒有預期收到這個邀請，可以不理會這封電郵。",
		sign:     "— Ferry",
		roles:    map[ferry.Role]string{ferry.RoleOwner: "擁有人", ferry.RoleAdmin: "管理員", ferry.RoleEditor: "編輯", ferry.RoleReviewer: "審閱人", ferry.RoleViewer: "檢視者"},
		date:     chineseDate,
	},
	"zh-Hans": {
		subject:  "{inviter}邀请你加入 Ferry 的“{workspace}”",
		greeting: "你好：",
		body:     "{inviter}邀请你以“{role}”身份加入 Ferry 的工作区“{workspace}”。",
		open:     "请打开以下链接，设置你的密码并加入：",
		expiry:   "链接只能使用一次，有效期至 {expiry}。如果你没有预期收到此邀请，可以忽略这封邮件。",
		sign:     "— Ferry",
		roles:    map[ferry.Role]string{ferry.RoleOwner: "所有者", ferry.RoleAdmin: "管理员", ferry.RoleEditor: "编辑", ferry.RoleReviewer: "审核人", ferry.RoleViewer: "查看者"},
		date:     chineseDate,
	},
}

func chineseDate(t time.Time) string { return t.Format("2006年1月2日 15:04 MST") }

// invitationEmail writes an invitation's email, plain text, in lang
// (English if unknown), with the expiry in the workspace's time zone.
func invitationEmail(lang string, ws *ferry.Workspace, inviter string, role ferry.Role, link string, expires time.Time) (subject, text string) {
	tx, ok := invitationTexts[lang]
	if !ok {
		tx = invitationTexts["en"]
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	if inviter == "" {
		inviter = "Ferry"
	}
	r := strings.NewReplacer("{inviter}", inviter, "{workspace}", ws.Name, "{role}", tx.roles[role], "{expiry}", tx.date(expires.In(loc)))
	subject = r.Replace(tx.subject)
	text = fmt.Sprintf("%s\n\n%s\n\n%s\n%s\n\n%s\n\n%s\n", tx.greeting, r.Replace(tx.body), tx.open, link, r.Replace(tx.expiry), tx.sign)
	return subject, text
}
