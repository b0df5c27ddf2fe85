package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/notice"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/store"
)

// Notices: one system for everything a person must know. Every change is
// an audit event written in the change's transaction (store.Tx.Audit); the
// audit hook (NoticeAudit) turns the actions that matter to people into
// notices, in that same transaction: one inbox row per person who should
// know, and a River job per channel that person chose to hear it by now
// (email, Telegram), plus one for the workspace's webhook. A rolled-back
// change notifies nobody; a committed one is never lost; sending never
// blocks or fails the change. noticeRules says who hears of what.

// NoticeJobs schedules the delivery of notices (internal/jobs), in the
// transaction that writes them.
type NoticeJobs interface {
	ScheduleNotice(ctx context.Context, tx *store.Tx, noticeID string, channel ferry.NoticeChannel) error
	ScheduleNoticeWebhook(ctx context.Context, tx *store.Tx, workspaceID, event string, payload []byte) error
}

// TelegramSender sends a Telegram message (internal/notify.Telegram).
type TelegramSender interface {
	Send(ctx context.Context, chatID, text string) error
}

// Notices sends notices beyond the inbox. A Service without it keeps them
// in the inbox only.
type Notices struct {
	Jobs NoticeJobs
	// Mailer and Telegram are the channels; nil: that channel is off.
	Mailer   Mailer
	Telegram TelegramSender
	// PublicURL starts the links in emails and messages.
	PublicURL string
}

// audience is who hears of an event.
type audience int

const (
	toAuthor          audience = iota // the story's author
	toAdmins                          // the workspace's owners and admins
	toAuthorAndAdmins                 // both
	toEveryone                        // every member
	toNamed                           // the user ids the event's data name (notify_user_ids)
)

// noticeRule turns an audit action into a kind of notice.
type noticeRule struct {
	kind ferry.NoticeKind
	to   audience
	// webhook: the event is posted to the workspace's webhook by the notice
	// system (false: its own subsystem posts it, with its own payload:
	// handoffs and pauses).
	webhook bool
}

// noticeRules: audit action → notice. Publication transitions are
// "publication.<state>" (delivery.Transitioned).
var noticeRules = map[string]noticeRule{
	"publication.failed":     {ferry.NoticePublicationFailed, toAuthorAndAdmins, true},
	"publication.unknown":    {ferry.NoticeOutcomeUnknown, toAuthorAndAdmins, true},
	"publication.missed":     {ferry.NoticePublicationMissed, toAuthorAndAdmins, true},
	"publication.handoff":    {ferry.NoticeHandoffOpened, toAuthor, false},
	"handoff.confirm":        {ferry.NoticeHandoffConfirmed, toAuthor, false},
	"handoff.withdrawn":      {ferry.NoticeHandoffWithdrawn, toAuthor, true},
	"handoff.missed":         {ferry.NoticeHandoffMissed, toAuthorAndAdmins, false},
	"account.needs_reauth":   {ferry.NoticeAccountReauth, toAdmins, true},
	"account.token_expiring": {ferry.NoticeTokenExpiring, toAdmins, true},
	"pause.started":          {ferry.NoticePaused, toEveryone, false},
	"pause.ended":            {ferry.NoticeResumed, toEveryone, false},
}

// noticeWebhookWhen says when each event the notice system posts happens,
// for the OpenAPI document.
var noticeWebhookWhen = map[ferry.NoticeKind]string{
	ferry.NoticePublicationFailed: "a publication failed for good",
	ferry.NoticeOutcomeUnknown:    "Ferry cannot tell whether a publication went out (a person decides)",
	ferry.NoticePublicationMissed: "a publication did not go out within its window",
	ferry.NoticeHandoffWithdrawn:  "a handoff to Xiaohongshu operators was withdrawn (the story changed or was canceled)",
	ferry.NoticeAccountReauth:     "an account must be reconnected",
	ferry.NoticeTokenExpiring:     "an account's authorisation expires within days",
	ferry.NoticeApprovalRequested: "a story's approval is requested",
	ferry.NoticeApproved:          "a story is approved",
	ferry.NoticeRejected:          "a story is rejected",
}

// NoticeWebhookEvents returns the events the notice system posts to
// workspaces' webhooks, with when each happens.
func NoticeWebhookEvents() map[string]string {
	out := map[string]string{
		"approval.requested": noticeWebhookWhen[ferry.NoticeApprovalRequested],
		"approval.approved":  noticeWebhookWhen[ferry.NoticeApproved],
		"approval.rejected":  noticeWebhookWhen[ferry.NoticeRejected],
		"story.mention":      "a comment on a story mentions members",
	}
	for action, r := range noticeRules {
		if r.webhook {
			out[action] = noticeWebhookWhen[r.kind]
		}
	}
	return out
}

// noticeKindOf returns the rule for an audit event, if any. A move out of
// handoff other than to published or missed withdraws the handoff; an
// unknown outcome is told once a person must settle it, not while Ferry is
// still looking for the post.
func noticeKindOf(e ferry.Audit) (noticeRule, bool) {
	if e.TargetType == "publication" && e.Data["from"] == string(ferry.StateHandoff) {
		switch e.Action {
		case "publication.canceled", "publication.scheduled", "publication.draft":
			return noticeRules["handoff.withdrawn"], true
		case "publication.missed":
			return noticeRule{}, false // handoff.missed tells it
		}
	}
	if e.Action == "publication.unknown" {
		// Ferry is still looking for the post: nobody needs to act yet.
		switch fmt.Sprint(e.Data["reason_code"]) {
		case string(ferry.ReasonCheckingOutcome), string(ferry.ReasonNextCheck):
			return noticeRule{}, false
		}
	}
	r, ok := noticeRules[e.Action]
	return r, ok
}

// NoticeAudit is the store's audit hook (store.DB.SetAuditHook): it writes
// the notices of an audit event in the event's transaction.
func (s *Service) NoticeAudit(ctx context.Context, tx *store.Tx, e ferry.Audit) error {
	rule, ok := noticeKindOf(e)
	if !ok || e.WorkspaceID == "" {
		return nil
	}
	data, authorID, err := noticeData(ctx, tx, e)
	if err != nil {
		return err
	}
	recipients, err := noticeRecipients(ctx, tx, e, rule.to, authorID)
	if err != nil {
		return err
	}
	return s.fanOut(ctx, tx, e, rule.kind, data, recipients, rule.webhook)
}

// tell writes the notices of an event whose recipients its cause names
// (an approval asked of its approvers, a decision told to the submitter, a
// mention): e is the event as the webhook names it, never written to the
// audit trail (its cause wrote its own).
func (s *Service) tell(ctx context.Context, tx *store.Tx, e ferry.Audit, kind ferry.NoticeKind, userIDs []string) error {
	data, _, err := noticeData(ctx, tx, e)
	if err != nil {
		return err
	}
	var recipients []string
	for _, id := range userIDs {
		if id != "" && e.Actor != "user:"+id && !slices.Contains(recipients, id) {
			recipients = append(recipients, id)
		}
	}
	return s.fanOut(ctx, tx, e, kind, data, recipients, true)
}

// fanOut writes one notice per recipient and schedules its deliveries, and
// the webhook's.
func (s *Service) fanOut(ctx context.Context, tx *store.Tx, e ferry.Audit, kind ferry.NoticeKind, data map[string]string, recipients []string, webhook bool) error {
	for _, userID := range recipients {
		n := &ferry.Notice{WorkspaceID: e.WorkspaceID, UserID: userID, Kind: kind, Actor: e.Actor, TargetType: e.TargetType, TargetID: e.TargetID, Data: data}
		modes, err := noticeModes(ctx, &tx.Q, e.WorkspaceID, userID)
		if err != nil {
			return err
		}
		email, telegram := modes[modeKey(kind, ferry.ChannelEmail)], modes[modeKey(kind, ferry.ChannelTelegram)]
		digest := email == ferry.NoticeDigest && s.Notices != nil && s.Notices.Mailer != nil
		if err := tx.CreateNotice(ctx, n, digest); err != nil {
			return err
		}
		if s.Notices == nil {
			continue
		}
		if email == ferry.NoticeNow && s.Notices.Mailer != nil {
			if err := s.Notices.Jobs.ScheduleNotice(ctx, tx, n.ID, ferry.ChannelEmail); err != nil {
				return err
			}
		}
		if telegram == ferry.NoticeNow && s.Notices.Telegram != nil {
			if err := s.Notices.Jobs.ScheduleNotice(ctx, tx, n.ID, ferry.ChannelTelegram); err != nil {
				return err
			}
		}
	}
	if !webhook || s.Notices == nil {
		return nil
	}
	ns, err := tx.NotificationSettings(ctx, e.WorkspaceID)
	if err != nil || ns.WebhookURL == "" {
		return err
	}
	payload, err := json.Marshal(NoticeWebhook{Event: e.Action, Kind: kind, WorkspaceID: e.WorkspaceID, Actor: e.Actor,
		Target: NoticeTarget{Type: e.TargetType, ID: e.TargetID}, Data: data, At: tx.Now()})
	if err != nil {
		return err
	}
	return s.Notices.Jobs.ScheduleNoticeWebhook(ctx, tx, e.WorkspaceID, e.Action, payload)
}

// NoticeWebhook is the body of a notice's webhook delivery (documented in
// the OpenAPI document's webhooks).
type NoticeWebhook struct {
	Event       string            `json:"event"`
	Kind        ferry.NoticeKind  `json:"kind"`
	WorkspaceID string            `json:"workspace_id"`
	Actor       string            `json:"actor"`
	Target      NoticeTarget      `json:"target"`
	Data        map[string]string `json:"data"`
	At          time.Time         `json:"at"`
	DeliveryID  string            `json:"delivery_id,omitempty"`
}

// NoticeTarget names what a notice is about.
type NoticeTarget struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// noticeData is what a notice's words need, as things stand when it is
// written (a renamed story keeps its notice's old title): the story, the
// account, the platform, the reason, and the author of the story.
func noticeData(ctx context.Context, tx *store.Tx, e ferry.Audit) (map[string]string, string, error) {
	data := map[string]string{}
	str := func(k string) string {
		if v, ok := e.Data[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	var storyID, accountID, authorID string
	switch e.TargetType {
	case "publication":
		p, err := tx.PublicationByID(ctx, e.TargetID)
		if err != nil {
			return nil, "", err
		}
		storyID, accountID = p.StoryID, p.AccountID
		data["reason"], data["reason_code"] = p.Reason, string(p.ReasonCode)
		if len(p.ReasonArgs) > 0 {
			raw, _ := json.Marshal(p.ReasonArgs)
			data["reason_args"] = string(raw)
		}
	case "story":
		storyID, accountID = e.TargetID, str("account_id")
	case "account":
		accountID = e.TargetID
		data["reason"] = str("reason")
		if exp := str("expires_at"); exp != "" {
			data["expires"] = exp
		}
	case "pause":
		accountID = str("account_id")
		data["pause_reason"], data["reason"] = str("reason"), str("reason")
		if n := str("note"); n != "" {
			data["reason"] += " — " + n
		}
	}
	if c := str("comment"); c != "" {
		data["comment"] = clip(c, 500)
	}
	if storyID != "" {
		st, err := tx.Story(ctx, e.WorkspaceID, storyID)
		if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			return nil, "", err
		}
		if st != nil {
			data["story_id"], data["story"], authorID = st.ID, clip(storyTitle(st), 80), st.CreatedBy
		}
	}
	if accountID != "" {
		a, err := tx.Account(ctx, e.WorkspaceID, accountID)
		if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			return nil, "", err
		}
		if a != nil {
			data["account_id"], data["account"], data["platform"] = a.ID, a.Name, a.Platform.Name()
			if e.TargetType == "pause" {
				data["scope"] = a.Name
			}
		}
	}
	return data, authorID, nil
}

// storyTitle names a story: its title, or the start of its body.
func storyTitle(st *ferry.Story) string {
	if t := strings.TrimSpace(st.Title); t != "" {
		return t
	}
	line, _, _ := strings.Cut(strings.TrimSpace(st.Body), "\n")
	return line
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// noticeRecipients are the members who hear of an event: never the person
// who caused it, each once, only members of the workspace.
func noticeRecipients(ctx context.Context, tx *store.Tx, e ferry.Audit, to audience, authorID string) ([]string, error) {
	members, err := tx.WorkspaceMembers(ctx, e.WorkspaceID)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	switch to {
	case toAuthor, toAuthorAndAdmins:
		want[authorID] = true
	}
	var out []string
	for _, m := range members {
		admin := m.Role == ferry.RoleOwner || m.Role == ferry.RoleAdmin
		if !(want[m.User.ID] || to == toEveryone || (admin && (to == toAdmins || to == toAuthorAndAdmins))) {
			continue
		}
		if e.Actor == "user:"+m.User.ID {
			continue
		}
		out = append(out, m.User.ID)
	}
	return out, nil
}

func modeKey(k ferry.NoticeKind, c ferry.NoticeChannel) string { return string(k) + "/" + string(c) }

// noticeModes returns a person's mode for every kind and channel, their
// choices over the defaults.
func noticeModes(ctx context.Context, q *store.Q, workspaceID, userID string) (map[string]ferry.NoticeMode, error) {
	out := map[string]ferry.NoticeMode{}
	for _, k := range ferry.NoticeKinds {
		for _, c := range ferry.NoticeChannels {
			out[modeKey(k, c)] = ferry.DefaultNoticeMode(k, c)
		}
	}
	prefs, err := q.NoticePrefs(ctx, workspaceID, userID)
	if err != nil {
		return nil, err
	}
	for _, p := range prefs {
		out[modeKey(p.Kind, p.Channel)] = p.Mode
	}
	return out, nil
}

// userLanguage is the language a person reads notices in.
func userLanguage(u *ferry.User) string {
	for _, l := range notice.Languages {
		if u.Language == l {
			return l
		}
	}
	return "en"
}

// SendNotice sends one notice by one channel, as its job asks. A notice
// whose person has since turned the channel off, or has no Telegram chat,
// is not sent.
func (s *Service) SendNotice(ctx context.Context, noticeID string, channel ferry.NoticeChannel) error {
	if s.Notices == nil {
		return nil
	}
	q := s.DB.Read()
	n, err := q.NoticeByID(ctx, noticeID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := q.User(ctx, n.UserID)
	if err != nil {
		return err
	}
	lang := userLanguage(u)
	title, body := notice.Words(lang, n, nil)
	link := strings.TrimRight(s.Notices.PublicURL, "/") + notice.Link(n)
	switch channel {
	case ferry.ChannelEmail:
		if s.Notices.Mailer == nil {
			return nil
		}
		text := body + "\n\n" + notice.T(lang, "email.open", nil) + " " + link + "\n\n" +
			notice.T(lang, "email.settings", nil) + " " + strings.TrimRight(s.Notices.PublicURL, "/") + "/inbox/settings\n"
		return s.Notices.Mailer.Send(ctx, u.Email, title, text)
	case ferry.ChannelTelegram:
		chat, err := q.NoticeTelegramChat(ctx, n.UserID)
		if err != nil || chat == "" || s.Notices.Telegram == nil {
			return err
		}
		return s.Notices.Telegram.Send(ctx, chat, title+"\n\n"+body+"\n"+link)
	}
	return &notify.Error{Permanent: true, Err: fmt.Errorf("unknown notice channel %q", channel)}
}

// SendNoticeWebhook posts a notice's event to the workspace's webhook as it
// is now (removed since: nothing is sent).
func (s *Service) SendNoticeWebhook(ctx context.Context, workspaceID, event string, payload []byte, deliveryID string) error {
	if s.Webhooks == nil {
		return nil
	}
	ns, err := s.DB.Read().NotificationSettings(ctx, workspaceID)
	if err != nil || ns.WebhookURL == "" {
		return err
	}
	var body map[string]any
	if err := json.Unmarshal(payload, &body); err != nil {
		return &notify.Error{Permanent: true, Err: err}
	}
	body["delivery_id"] = deliveryID
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return s.Webhooks.Post(ctx, ns.WebhookURL, ns.WebhookSecret, event, deliveryID, raw)
}

// digestHour is the local hour (the workspace's time zone) daily digests
// go out.
const digestHour = 8

// SendNoticeDigests emails each person who chose a daily digest the
// notices waiting for it, one email per workspace, once it is digestHour
// in the workspace's time zone, and clears them. A digest not sent in that
// hour (Ferry was down) waits for the next day's: nothing is lost. It
// returns how many emails it sent.
func (s *Service) SendNoticeDigests(ctx context.Context, now time.Time) (int, error) {
	if s.Notices == nil || s.Notices.Mailer == nil {
		return 0, nil
	}
	q := s.DB.Read()
	waiting, err := q.DigestNotices(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, list := range waiting {
		ws, err := q.Workspace(ctx, list[0].WorkspaceID)
		if err != nil {
			return sent, err
		}
		loc, err := time.LoadLocation(ws.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		if now.In(loc).Hour() != digestHour {
			continue
		}
		u, err := q.User(ctx, list[0].UserID)
		if err != nil {
			return sent, err
		}
		lang := userLanguage(u)
		base := strings.TrimRight(s.Notices.PublicURL, "/")
		var b strings.Builder
		b.WriteString(notice.T(lang, "digest.intro", nil) + "\n\n")
		ids := make([]string, 0, len(list))
		for _, n := range list {
			title, body := notice.Words(lang, n, nil)
			fmt.Fprintf(&b, "• %s\n  %s\n  %s%s\n\n", title, body, base, notice.Link(n))
			ids = append(ids, n.ID)
		}
		b.WriteString(notice.T(lang, "email.settings", nil) + " " + base + "/inbox/settings\n")
		subject := notice.T(lang, "digest.subject", map[string]string{"n": fmt.Sprint(len(list))})
		if err := s.Notices.Mailer.Send(ctx, u.Email, subject, b.String()); err != nil {
			return sent, err
		}
		// Cleared once sent: a failure between the two repeats the digest
		// rather than losing it.
		if err := s.DB.Write().DigestSent(ctx, ids); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// InboxPage is a page of a person's notices.
type InboxPage struct {
	Notices []*ferry.Notice `json:"notices"`
	Unread  int             `json:"unread"`
	// Next is the cursor of the next (older) page; empty at the end.
	Next string `json:"next,omitempty"`
}

// Inbox lists the caller's notices, newest first.
func (s *Service) Inbox(ctx context.Context, p ferry.Principal, unreadOnly bool, cursor string, limit int) (*InboxPage, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if cursor != "" && !strings.HasPrefix(cursor, "ntc_") {
		return nil, ferry.Errorf(ferry.EINVALID, "cursor is not one this list gave.").WithDetails(map[string]string{"cursor": "unknown"})
	}
	q := s.DB.Read()
	list, err := q.Notices(ctx, p.WorkspaceID, p.UserID, unreadOnly, cursor, limit+1)
	if err != nil {
		return nil, err
	}
	page := &InboxPage{Notices: list}
	if len(list) > limit {
		page.Notices, page.Next = list[:limit], list[limit-1].ID
	}
	if page.Notices == nil {
		page.Notices = []*ferry.Notice{}
	}
	if page.Unread, err = q.UnreadNotices(ctx, p.WorkspaceID, p.UserID); err != nil {
		return nil, err
	}
	return page, nil
}

// UnreadNotices counts the caller's unread notices (the header's badge).
func (s *Service) UnreadNotices(ctx context.Context, p ferry.Principal) (int, error) {
	return s.DB.Read().UnreadNotices(ctx, p.WorkspaceID, p.UserID)
}

// OpenNotice marks one of the caller's notices read and returns it.
func (s *Service) OpenNotice(ctx context.Context, p ferry.Principal, id string) (*ferry.Notice, error) {
	n, err := s.DB.Read().Notice(ctx, p.WorkspaceID, p.UserID, id)
	if err != nil {
		return nil, err
	}
	if n.ReadAt == nil {
		if _, err := s.DB.Write().MarkNoticesRead(ctx, p.WorkspaceID, p.UserID, []string{id}, s.DB.Read().Now()); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// MarkNoticesRead marks the caller's notices read: those named, or all. It
// returns how many were unread.
func (s *Service) MarkNoticesRead(ctx context.Context, p ferry.Principal, ids []string, all bool) (int64, error) {
	if !all && len(ids) == 0 {
		return 0, ferry.Errorf(ferry.EINVALID, "Name the notices to mark read in ids, or send all: true.").WithDetails(map[string]string{"ids": "required"})
	}
	if all && len(ids) > 0 {
		return 0, ferry.Errorf(ferry.EINVALID, "Send ids or all: true, not both.").WithDetails(map[string]string{"all": "contradicts ids"})
	}
	if len(ids) > 500 {
		return 0, ferry.Errorf(ferry.EINVALID, "At most 500 ids at once.").WithDetails(map[string]string{"ids": "too many"})
	}
	return s.DB.Write().MarkNoticesRead(ctx, p.WorkspaceID, p.UserID, ids, s.DB.Read().Now())
}

// NoticePrefsView is a person's notice preferences: a mode for every kind
// and channel (their choice or the default), and their Telegram chat.
type NoticePrefsView struct {
	Prefs        []ferry.NoticePref `json:"prefs"`
	TelegramChat string             `json:"telegram_chat_id"`
	// EmailOn and TelegramOn say whether this Ferry sends by each channel
	// at all (SMTP and the notification bot are configured).
	EmailOn    bool `json:"email_on"`
	TelegramOn bool `json:"telegram_on"`
}

// NoticePrefs returns the caller's preferences.
func (s *Service) NoticePrefs(ctx context.Context, p ferry.Principal) (*NoticePrefsView, error) {
	q := s.DB.Read()
	modes, err := noticeModes(ctx, q, p.WorkspaceID, p.UserID)
	if err != nil {
		return nil, err
	}
	v := &NoticePrefsView{EmailOn: s.Notices != nil && s.Notices.Mailer != nil, TelegramOn: s.Notices != nil && s.Notices.Telegram != nil}
	for _, k := range ferry.NoticeKinds {
		for _, c := range ferry.NoticeChannels {
			v.Prefs = append(v.Prefs, ferry.NoticePref{Kind: k, Channel: c, Mode: modes[modeKey(k, c)]})
		}
	}
	if v.TelegramChat, err = q.NoticeTelegramChat(ctx, p.UserID); err != nil {
		return nil, err
	}
	return v, nil
}

// NoticePrefsInput changes a person's preferences: the modes named (others
// stay), and the Telegram chat when given.
type NoticePrefsInput struct {
	Prefs        []ferry.NoticePref `json:"prefs"`
	TelegramChat *string            `json:"telegram_chat_id"`
}

// SetNoticePrefs validates and saves the caller's preferences, all or
// nothing.
func (s *Service) SetNoticePrefs(ctx context.Context, p ferry.Principal, in NoticePrefsInput) (*NoticePrefsView, error) {
	details := map[string]string{}
	for i, pref := range in.Prefs {
		field := fmt.Sprintf("prefs[%d]", i)
		switch {
		case !pref.Kind.Valid():
			details[field+".kind"] = "unknown kind"
		case pref.Channel != ferry.ChannelEmail && pref.Channel != ferry.ChannelTelegram:
			details[field+".channel"] = "email or telegram"
		case pref.Mode != ferry.NoticeOff && pref.Mode != ferry.NoticeNow && pref.Mode != ferry.NoticeDigest:
			details[field+".mode"] = "off, now or digest"
		case pref.Mode == ferry.NoticeDigest && pref.Channel != ferry.ChannelEmail:
			details[field+".mode"] = "digest is for email only"
		}
	}
	if in.TelegramChat != nil {
		chat := strings.TrimSpace(*in.TelegramChat)
		if !validTelegramChat(chat) {
			details["telegram_chat_id"] = "a chat id (digits, may start with -) or @channel name"
		}
		in.TelegramChat = &chat
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "Some notification preferences are not valid; see details.").WithDetails(details)
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		modes, err := noticeModes(ctx, &tx.Q, p.WorkspaceID, p.UserID)
		if err != nil {
			return err
		}
		for _, pref := range in.Prefs {
			modes[modeKey(pref.Kind, pref.Channel)] = pref.Mode
		}
		var chosen []ferry.NoticePref
		for _, k := range ferry.NoticeKinds {
			for _, c := range ferry.NoticeChannels {
				if m := modes[modeKey(k, c)]; m != ferry.DefaultNoticeMode(k, c) {
					chosen = append(chosen, ferry.NoticePref{Kind: k, Channel: c, Mode: m})
				}
			}
		}
		if err := tx.PutNoticePrefs(ctx, p.WorkspaceID, p.UserID, chosen); err != nil {
			return err
		}
		if in.TelegramChat != nil {
			if err := tx.SetNoticeTelegramChat(ctx, p.UserID, *in.TelegramChat); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit(p, "notices.preferences", "user", p.UserID, map[string]any{"changed": len(in.Prefs)}))
	})
	if err != nil {
		return nil, err
	}
	return s.NoticePrefs(ctx, p)
}

// validTelegramChat: "" (none), a numeric chat id, or a public @name.
func validTelegramChat(chat string) bool {
	if chat == "" {
		return true
	}
	if strings.HasPrefix(chat, "@") {
		name := chat[1:]
		if len(name) < 5 || len(name) > 32 {
			return false
		}
		for _, r := range name {
			if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
		return true
	}
	digits := strings.TrimPrefix(chat, "-")
	if digits == "" || len(digits) > 20 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
