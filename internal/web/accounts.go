package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// accountsPage lists the workspace's accounts.
type accountsPage struct {
	Accounts []service.AccountOverview
}

func (s *Server) accounts(w http.ResponseWriter, r *http.Request, rq *request) {
	list, err := s.svc.AccountOverviews(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "accounts.title")
	v.Data = accountsPage{Accounts: list}
	s.pages.Render(w, r, http.StatusOK, "accounts.html", v)
}

// IsAdmin reports whether the signed-in person may change the workspace's
// accounts and settings; the service decides, the page only hides what it
// would refuse.
func (v *view) IsAdmin() bool { return v.rq.me != nil && v.rq.me.Role.AtLeast(ferry.RoleAdmin) }

// Say words a field's error: a catalog key, or the service's own words
// (after "raw:") where the catalog has none.
func (v *view) Say(field string) string {
	msg := v.Errors[field]
	if raw, ok := strings.CutPrefix(msg, "raw:"); ok {
		return raw
	}
	return v.T(msg)
}

// problems turns a service error into field errors for a form: reason
// codes are worded by "<form>.<field>.<reason>" or "field.<reason>", other
// details (sentences) count as "invalid". rename maps the service's field
// names to the form's. A platform's refusal is put beside the field its
// check names (check maps platform codes to fields), worded by
// "check.<code>" or in the service's words. It returns nil when err is not
// about the form.
func (s *Server) problems(rq *request, form string, err error, rename map[string]string, check map[string]string) map[string]string {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		return nil
	}
	out := map[string]string{}
	details, _ := fe.Details.(map[string]string)
	switch {
	case fe.Code == ferry.EINVALID, fe.Code == ferry.EUNPROCESSABLE && details["platform_code"] == "" && len(details) > 0:
		// Field → reason; an EUNPROCESSABLE with such details is a value
		// refused for what it is (a webhook URL inside the server's network).
		for field, reason := range details {
			if f, ok := rename[field]; ok {
				field = f
			}
			switch {
			case strings.HasPrefix(reason, "is required"):
				reason = "required"
			case strings.ContainsAny(reason, " "):
				reason = "invalid"
			}
			key := form + "." + field + "." + reason
			if !s.catalog.has(rq.lang, key) {
				key = "field." + reason
			}
			out[field] = key
		}
	case fe.Code == ferry.EUNPROCESSABLE:
		code := details["platform_code"]
		field, ok := check[code]
		if !ok {
			field = "form"
		}
		if key := "check." + code; code != "" && s.catalog.has(rq.lang, key) {
			out[field] = key
		} else {
			out[field] = "raw:" + fe.Message
		}
	default:
		return nil
	}
	return out
}

// accountPage is one account: its details and settings form, and what was
// typed into the form.
type accountPage struct {
	service.AccountOverview
	Form    accountForm
	Scripts []string
	// Saved is set after the settings were saved.
	Saved bool
	// Policy is the approval policy editor (approvals.go); PolicySaved is
	// set after it was saved.
	Policy      policyForm
	PolicySaved bool
	// Archives are the account's archives; Closure its closure, if it
	// was closed that way; Members who it can be handed over to, Owner
	// who is responsible for it now, Handover the handover form as typed.
	Archives []*ferry.Archive
	Closure  *ferry.Closure
	Members  []ferry.WorkspaceMember
	Owner    string
	Handover handoverForm
}

// handoverForm is the handover form, as typed.
type handoverForm struct {
	Owner, Operators, Note string
}

// accountForm is the settings form, as typed.
type accountForm struct {
	Name, AudienceScript, LinkURL, Operators, LeadTime, DeadlineAfter string
	BotToken                                                          string
}

// formOf fills the settings form from an account's settings.
func formOf(a *ferry.Account) accountForm {
	f := accountForm{Name: a.Name}
	f.AudienceScript, _ = a.Settings["audience_script"].(string)
	f.LinkURL, _ = a.Settings["link_url"].(string)
	f.LeadTime, _ = a.Settings["lead_time"].(string)
	f.DeadlineAfter, _ = a.Settings["deadline_after"].(string)
	f.Operators = operatorLines(a.Settings["operators"])
	return f
}

// operatorLines writes the operators setting as the form's lines: "email,
// name, telegram chat id", trailing empty parts left out.
func operatorLines(v any) string {
	list, _ := v.([]any)
	var lines []string
	for _, item := range list {
		switch op := item.(type) {
		case string:
			lines = append(lines, op)
		case map[string]any:
			parts := []string{str(op["email"]), str(op["name"]), str(op["telegram_chat_id"])}
			for len(parts) > 1 && parts[len(parts)-1] == "" {
				parts = parts[:len(parts)-1]
			}
			lines = append(lines, strings.Join(parts, ", "))
		}
	}
	return strings.Join(lines, "\n")
}

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// operatorsSetting reads the form's operator lines into the setting's
// shape; the service judges whether each is valid.
func operatorsSetting(lines string) []any {
	var out []any
	for line := range strings.Lines(lines) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ",")
		op := map[string]any{}
		for i, key := range []string{"email", "name", "telegram_chat_id"} {
			if i < len(parts) && strings.TrimSpace(parts[i]) != "" {
				op[key] = strings.TrimSpace(parts[i])
			}
		}
		if len(parts) > 3 {
			op["extra"] = strings.Join(parts[3:], ",") // the service refuses it
		}
		out = append(out, op)
	}
	return out
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, rq *request) {
	o, err := s.svc.AccountOverview(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderAccount(w, r, rq, http.StatusOK, accountPage{AccountOverview: *o, Form: formOf(o.Account), Saved: r.URL.Query().Get("saved") == "1",
		PolicySaved: r.URL.Query().Get("done") == "policy"}, nil)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, rq *request, status int, page accountPage, errs map[string]string) {
	page.Form.BotToken = ""
	if page.Policy.Steps == nil {
		pol, err := s.svc.ApprovalPolicy(r.Context(), rq.principal(), page.Account.ID)
		if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		page.Policy = policyFormOf(pol)
	}
	page.Scripts = service.AudienceScripts
	ctx, p := r.Context(), rq.principal()
	var err error
	if page.Archives, err = s.svc.Archives(ctx, p, page.Account.ID); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if page.Closure, err = s.svc.Closure(ctx, p, page.Account.ID); err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
		s.fail(w, r, rq, err)
		return
	}
	if page.Members, err = s.svc.Members(ctx, p); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Owner = service.AccountOwner(page.Account)
	if errs == nil {
		page.Handover = handoverForm{Owner: page.Owner, Operators: operatorLines(page.Account.Settings["operators"])}
	}
	v := s.view(r, rq, "account.title")
	v.Errors, v.Data = errs, page
	s.pages.Render(w, r, status, "account.html", v)
}

// saveAccount saves the settings form. Settings the form does not show are
// kept; an emptied field removes its setting.
func (s *Server) saveAccount(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	o, err := s.svc.AccountOverview(r.Context(), rq.principal(), id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	f := r.PostForm
	form := accountForm{Name: f.Get("name"), AudienceScript: f.Get("audience_script"), LinkURL: f.Get("link_url"),
		Operators: f.Get("operators"), LeadTime: f.Get("lead_time"), DeadlineAfter: f.Get("deadline_after")}
	// The service merges settings: null removes one, unnamed ones stay.
	settings := map[string]any{}
	set := func(key, value string) {
		if strings.TrimSpace(value) == "" {
			settings[key] = nil
		} else {
			settings[key] = strings.TrimSpace(value)
		}
	}
	set("audience_script", form.AudienceScript)
	if o.Account.Platform == ferry.Weibo {
		set("link_url", form.LinkURL)
	}
	if o.Account.Platform == ferry.Xiaohongshu {
		if ops := operatorsSetting(form.Operators); len(ops) > 0 {
			settings["operators"] = ops
		} else {
			settings["operators"] = nil
		}
		set("lead_time", form.LeadTime)
		set("deadline_after", form.DeadlineAfter)
	}
	name := strings.TrimSpace(form.Name)
	_, err = s.svc.UpdateAccount(r.Context(), rq.principal(), id, service.AccountPatch{Name: &name, Settings: settings})
	if errs := s.problems(rq, "account", err, map[string]string{"settings.audience_script": "audience_script", "settings.link_url": "link_url",
		"settings.operators": "operators", "settings.lead_time": "lead_time", "settings.deadline_after": "deadline_after"}, nil); errs != nil {
		s.renderAccount(w, r, rq, http.StatusBadRequest, accountPage{AccountOverview: *o, Form: form}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+id+"?saved=1", http.StatusSeeOther)
}

// telegramChecks puts each Telegram check's refusal beside its field.
var telegramChecks = map[string]string{"telegram:bad_token": "bot_token", "telegram:no_token": "bot_token",
	"telegram:no_channel": "channel", "telegram:not_member": "channel", "telegram:not_admin": "channel"}

// reconnectAccount reconnects an account the way its platform connects:
// a Telegram channel with a new bot token, an OAuth account by signing in
// on the platform again.
func (s *Server) reconnectAccount(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	o, err := s.svc.AccountOverview(r.Context(), rq.principal(), id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	switch o.Method {
	case service.MethodBotToken:
		token := r.PostForm.Get("bot_token")
		_, err := s.svc.UpdateAccount(r.Context(), rq.principal(), id, service.AccountPatch{Credentials: map[string]string{"bot_token": token}})
		if errs := s.problems(rq, "connect", err, map[string]string{"credentials.bot_token": "bot_token", "external_id": "channel"}, telegramChecks); errs != nil {
			s.renderAccount(w, r, rq, http.StatusUnprocessableEntity, accountPage{AccountOverview: *o, Form: formOf(o.Account)}, errs)
			return
		}
		if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		http.Redirect(w, r, "/accounts/"+id+"?saved=1", http.StatusSeeOther)
	case service.MethodOAuth, service.MethodFacebook:
		pl := o.Account.Platform
		if o.Method == service.MethodFacebook {
			pl = ferry.Facebook
		}
		s.startConnection(w, r, rq, pl)
	default:
		s.fail(w, r, rq, ferry.Errorf(ferry.EUNPROCESSABLE, "%s accounts have nothing to reconnect.", o.Account.Platform.Name()))
	}
}

// startConnection sends the browser to the platform's sign-in page.
func (s *Server) startConnection(w http.ResponseWriter, r *http.Request, rq *request, pl ferry.Platform) {
	start, err := s.svc.StartConnection(r.Context(), rq.principal(), pl)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, start.AuthorizeURL, http.StatusSeeOther)
}

// closePage is the closure wizard: what is scheduled, what can become of
// it, whether the posts on the platform can be deleted; once confirmed,
// the closure's progress.
type closePage struct {
	*service.ClosurePlan
	Form closeForm
}

// closeForm is the wizard's form, as chosen.
type closeForm struct {
	Scheduled, MoveTo string
	DeleteRemote      bool
}

func (s *Server) closeAccountForm(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderClose(w, r, rq, http.StatusOK, closeForm{Scheduled: "cancel"}, nil)
}

func (s *Server) renderClose(w http.ResponseWriter, r *http.Request, rq *request, status int, form closeForm, errs map[string]string) {
	plan, err := s.svc.PlanClosure(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "account_close.title")
	v.Errors, v.Data = errs, closePage{ClosurePlan: plan, Form: form}
	s.pages.Render(w, r, status, "account_close.html", v)
}

// closeAccount starts the closure; its progress shows on the account page.
func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	f := r.PostForm
	form := closeForm{Scheduled: f.Get("scheduled"), MoveTo: f.Get("move_to"), DeleteRemote: f.Get("delete_remote") == "1"}
	in := service.CloseInput{Scheduled: form.Scheduled, DeleteRemote: form.DeleteRemote}
	if form.Scheduled == "move" {
		in.MoveTo = form.MoveTo
	}
	_, err := s.svc.StartClosure(r.Context(), rq.principal(), id, in)
	if errs := s.problems(rq, "account_close", err, nil, nil); errs != nil {
		s.renderClose(w, r, rq, http.StatusBadRequest, form, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+id+"#closure", http.StatusSeeOther)
}

// createArchive starts an archive of the account.
func (s *Server) createArchive(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	if _, err := s.svc.RequestArchive(r.Context(), rq.principal(), id); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+id+"#archives", http.StatusSeeOther)
}

// downloadArchive sends a ready archive.
func (s *Server) downloadArchive(w http.ResponseWriter, r *http.Request, rq *request) {
	a, rc, err := s.svc.OpenArchive(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.FormatInt(a.Bytes, 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+service.ArchiveFileName(a)+`"`)
	if _, err := io.Copy(w, rc); err != nil {
		s.log.ErrorContext(r.Context(), "archive download cut short", "archive_id", a.ID, "err", err)
	}
}

// handOver passes the account to a successor.
func (s *Server) handOver(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	f := r.PostForm
	in := service.HandoverInput{Owner: f.Get("owner"), Note: f.Get("note")}
	form := handoverForm{Owner: in.Owner, Note: in.Note, Operators: f.Get("operators")}
	if _, ok := f["operators"]; ok {
		ops := operatorsSetting(form.Operators)
		if ops == nil {
			ops = []any{}
		}
		in.Operators = &ops
	}
	_, err := s.svc.HandOver(r.Context(), rq.principal(), id, in)
	if errs := s.problems(rq, "handover", err, map[string]string{"owner": "owner", "operators": "handover_operators", "note": "note"}, nil); errs != nil {
		o, oerr := s.svc.AccountOverview(r.Context(), rq.principal(), id)
		if oerr != nil {
			s.fail(w, r, rq, oerr)
			return
		}
		page := accountPage{AccountOverview: *o, Form: formOf(o.Account), Handover: form}
		s.renderAccount(w, r, rq, http.StatusBadRequest, page, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+id+"?saved=1#handover", http.StatusSeeOther)
}

// connectPage offers each platform's way of connecting, with the forms of
// those connected by hand and what was typed into them.
type connectPage struct {
	Methods  []service.ConnectionMethod
	Telegram struct{ Name, Channel string }
	Manual   struct{ Name, ExternalID, Operators string }
	// Form names the form whose errors are shown: telegram or xiaohongshu.
	Form string
}

func (s *Server) connectForm(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderConnect(w, r, rq, http.StatusOK, connectPage{}, nil)
}

func (s *Server) renderConnect(w http.ResponseWriter, r *http.Request, rq *request, status int, page connectPage, errs map[string]string) {
	methods, err := s.svc.ConnectionMethods(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	page.Methods = methods
	v := s.view(r, rq, "connect.title")
	v.Errors, v.Data = errs, page
	s.pages.Render(w, r, status, "connect.html", v)
}

// connect connects an account: Telegram and Xiaohongshu by their forms,
// the others by signing in on the platform.
func (s *Server) connect(w http.ResponseWriter, r *http.Request, rq *request) {
	pl := ferry.Platform(r.PostForm.Get("platform"))
	f := r.PostForm
	var page connectPage
	var in service.AccountInput
	rename := map[string]string{}
	switch pl {
	case ferry.Telegram:
		page.Form = "telegram"
		page.Telegram.Name, page.Telegram.Channel = f.Get("name"), f.Get("channel")
		in = service.AccountInput{Platform: pl, Name: f.Get("name"), ExternalID: f.Get("channel"), Credentials: map[string]string{"bot_token": f.Get("bot_token")}}
		rename = map[string]string{"credentials.bot_token": "bot_token", "external_id": "channel"}
	case ferry.Xiaohongshu:
		page.Form = "xiaohongshu"
		page.Manual.Name, page.Manual.ExternalID, page.Manual.Operators = f.Get("name"), f.Get("external_id"), f.Get("operators")
		in = service.AccountInput{Platform: pl, Name: f.Get("name"), ExternalID: f.Get("external_id")}
		if ops := operatorsSetting(f.Get("operators")); len(ops) > 0 {
			in.Settings = map[string]any{"operators": ops}
		}
		rename = map[string]string{"settings.operators": "operators"}
	default:
		s.startConnection(w, r, rq, pl)
		return
	}
	a, err := s.svc.CreateAccount(r.Context(), rq.principal(), in)
	if errs := s.problems(rq, "connect", err, rename, telegramChecks); errs != nil {
		s.renderConnect(w, r, rq, http.StatusUnprocessableEntity, page, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+a.ID, http.StatusSeeOther)
}

// healthBadge is an account's health as a badge.
type healthBadge struct{ Tone, Label string }

// AcctHealth words an account's health: a token about to lapse counts as
// a warning even while the account works.
func (v *view) AcctHealth(o service.AccountOverview) healthBadge {
	switch {
	case o.Account.Health == ferry.HealthClosed:
		return healthBadge{"off", v.T("health.closed")}
	case o.Account.Health != ferry.HealthConnected:
		return healthBadge{"bad", v.T("health." + string(o.Account.Health))}
	case o.Expiring:
		return healthBadge{"warn", v.T("dashboard.token_expiring")}
	}
	return healthBadge{"ok", v.T("health.connected")}
}

// Count writes a count with the thousands grouped: 12,345.
func (v *view) Count(n *int64) string {
	if n == nil {
		return ""
	}
	s := strconv.FormatInt(*n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// OAuthPlatform is the platform whose sign-in (re)connects an account:
// Facebook's for Instagram.
func (v *view) OAuthPlatform(method string, pl ferry.Platform) ferry.Platform {
	if method == service.MethodFacebook {
		return ferry.Facebook
	}
	return pl
}

// FileSize writes a number of bytes as KB or MB (units read the same in
// the three languages).
func (v *view) FileSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
