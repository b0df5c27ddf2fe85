package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/notice"
	"github.com/ferry-social/ferry/internal/service"
)

// The inbox (service/notices.go): every notice of the person, newest
// first, each leading to the page it is about (opening one marks it read),
// and the preferences page, where each kind of notice gets its channels.
// The header shows the unread count on every page.

// inboxPage is /inbox's data.
type inboxPage struct {
	Page   *service.InboxPage
	Unread bool // only the unread are listed
	Done   string
}

// inboxItem is one notice as the inbox shows it.
type inboxItem struct {
	N           *ferry.Notice
	Title, Body string
}

// InboxItem words a notice in the page's language.
func (v *view) InboxItem(n *ferry.Notice) inboxItem {
	title, body := notice.Words(v.rq.lang, n, v.noticeReason)
	return inboxItem{N: n, Title: title, Body: body}
}

// noticeReason words a notice's reason from its codes, as the story page
// words a publication's.
func (v *view) noticeReason(_ string, n *ferry.Notice) string {
	if code := n.Data["pause_reason"]; code != "" {
		r := v.T("pause.reason." + code)
		if _, note, ok := strings.Cut(n.Data["reason"], " — "); ok {
			r += " — " + note
		}
		return r
	}
	if code := n.Data["reason_code"]; code != "" {
		p := &ferry.Publication{Reason: n.Data["reason"], ReasonCode: ferry.ReasonCode(code)}
		if raw := n.Data["reason_args"]; raw != "" {
			_ = json.Unmarshal([]byte(raw), &p.ReasonArgs)
		}
		return v.Reason(p)
	}
	return ""
}

// Unread is the person's unread count, for the header; 0 on error (the
// page still shows).
func (v *view) Unread() int {
	if v.rq.me == nil {
		return 0
	}
	n, err := v.s.svc.UnreadNotices(v.ctx, v.rq.principal())
	if err != nil {
		v.s.log.Warn("unread notices", "error", err)
	}
	return n
}

func (s *Server) inbox(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	unread := q.Get("show") == "unread"
	page, err := s.svc.Inbox(r.Context(), rq.principal(), unread, q.Get("before"), 50)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "inbox.title")
	v.Data = inboxPage{Page: page, Unread: unread, Done: q.Get("done")}
	s.pages.Render(w, r, http.StatusOK, "inbox.html", v)
}

// openNotice marks a notice read and goes to the page it is about.
func (s *Server) openNotice(w http.ResponseWriter, r *http.Request, rq *request) {
	n, err := s.svc.OpenNotice(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, notice.Link(n), http.StatusSeeOther)
}

// readNotices marks every notice read (or the one named by id).
func (s *Server) readNotices(w http.ResponseWriter, r *http.Request, rq *request) {
	var ids []string
	if id := r.PostForm.Get("id"); id != "" {
		ids = []string{id}
	}
	if _, err := s.svc.MarkNoticesRead(r.Context(), rq.principal(), ids, len(ids) == 0); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/inbox?done=read", http.StatusSeeOther)
}

// noticePrefsPage is /inbox/settings's data.
type noticePrefsPage struct {
	Prefs *service.NoticePrefsView
	Kinds []ferry.NoticeKind
	// Modes is the chosen mode by kind/channel.
	Modes map[string]ferry.NoticeMode
	Chat  string
	Done  bool
}

// Mode is the chosen mode of a kind on a channel.
func (p noticePrefsPage) Mode(k ferry.NoticeKind, c string) string {
	return string(p.Modes[string(k)+"/"+c])
}

// KindLabel names a kind of notice in the page's language.
func (v *view) KindLabel(k ferry.NoticeKind) string { return notice.Label(v.rq.lang, k) }

func (s *Server) noticePrefs(w http.ResponseWriter, r *http.Request, rq *request) {
	prefs, err := s.svc.NoticePrefs(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderNoticePrefs(w, r, rq, http.StatusOK, prefs, nil, prefs.TelegramChat, r.URL.Query().Get("done") == "saved")
}

func (s *Server) renderNoticePrefs(w http.ResponseWriter, r *http.Request, rq *request, status int, prefs *service.NoticePrefsView, errs map[string]string, chat string, done bool) {
	page := noticePrefsPage{Prefs: prefs, Kinds: ferry.NoticeKinds, Modes: map[string]ferry.NoticeMode{}, Chat: chat, Done: done}
	for _, p := range prefs.Prefs {
		page.Modes[string(p.Kind)+"/"+string(p.Channel)] = p.Mode
	}
	v := s.view(r, rq, "inbox.settings.title")
	v.Errors = errs
	v.Data = page
	s.pages.Render(w, r, status, "inbox_settings.html", v)
}

// saveNoticePrefs saves the preferences form: a select per kind and
// channel (mode-<kind>-<channel>) and the Telegram chat.
func (s *Server) saveNoticePrefs(w http.ResponseWriter, r *http.Request, rq *request) {
	var in service.NoticePrefsInput
	for _, k := range ferry.NoticeKinds {
		for _, c := range ferry.NoticeChannels {
			if m := r.PostForm.Get("mode-" + string(k) + "-" + string(c)); m != "" {
				in.Prefs = append(in.Prefs, ferry.NoticePref{Kind: k, Channel: c, Mode: ferry.NoticeMode(m)})
			}
		}
	}
	chat := r.PostForm.Get("telegram_chat_id")
	in.TelegramChat = &chat
	_, err := s.svc.SetNoticePrefs(r.Context(), rq.principal(), in)
	if err == nil {
		http.Redirect(w, r, "/inbox/settings?done=saved", http.StatusSeeOther)
		return
	}
	if !ferry.IsCode(err, ferry.EINVALID) {
		s.fail(w, r, rq, err)
		return
	}
	// The form back as sent, the error beside the field.
	shown := &service.NoticePrefsView{TelegramChat: chat}
	if cur, cerr := s.svc.NoticePrefs(r.Context(), rq.principal()); cerr == nil {
		shown.EmailOn, shown.TelegramOn, shown.Prefs = cur.EmailOn, cur.TelegramOn, cur.Prefs
	}
	sent := map[string]ferry.NoticeMode{}
	for _, p := range in.Prefs {
		sent[string(p.Kind)+"/"+string(p.Channel)] = p.Mode
	}
	for i, p := range shown.Prefs {
		if m, ok := sent[string(p.Kind)+"/"+string(p.Channel)]; ok {
			shown.Prefs[i].Mode = m
		}
	}
	errs := map[string]string{}
	if fe := (*ferry.Error)(nil); errors.As(err, &fe) {
		details, _ := fe.Details.(map[string]string)
		for field := range details {
			if field == "telegram_chat_id" {
				errs[field] = "inbox.settings.chat.invalid"
			} else {
				errs["modes"] = "inbox.settings.mode.invalid"
			}
		}
	}
	s.renderNoticePrefs(w, r, rq, http.StatusBadRequest, shown, errs, chat, false)
}
