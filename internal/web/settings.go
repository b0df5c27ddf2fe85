package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// settingsPage is what every settings page gets: which section is shown,
// and the section's own data.
type settingsPage struct {
	Section string
	Data    any
}

// settingsSection is one entry of the settings pages' menu.
type settingsSection struct {
	Key, Path string
	Admin     bool // only admins see it
}

// SettingsSections lists the settings pages the person may open: their
// own for everyone, the workspace's for admins.
func (v *view) SettingsSections() []settingsSection {
	all := []settingsSection{
		{"settings.profile", "/settings/profile", false},
		{"settings.twofactor", "/settings/two-factor", false},
		{"settings.tokens", "/settings/tokens", false},
		{"settings.templates", "/settings/templates", false},
		{"settings.glossary", "/settings/glossary", false},
		{"settings.people", "/settings/people", false},
		{"settings.workspace", "/settings/workspace", true},
		{"settings.members", "/settings/members", true},
		{"settings.notifications", "/settings/notifications", true},
		{"settings.approvals", "/settings/approvals", true},
		{"settings.checks", "/settings/checks", true},
		{"settings.audit", "/settings/audit", true},
	}
	out := all[:0:0]
	for _, s := range all {
		if !s.Admin || v.IsAdmin() {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, rq *request, status int, section string, data any, errs map[string]string) {
	v := s.view(r, rq, "settings."+section)
	v.Errors, v.Data = errs, settingsPage{Section: section, Data: data}
	s.pages.Render(w, r, status, "settings_"+section+".html", v)
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request, rq *request) {
	http.Redirect(w, r, "/settings/profile", http.StatusSeeOther)
}

// profileData is the personal settings page.
type profileData struct {
	Name, Language string
	Sessions       []*ferry.Session
	Current        string // the id of the session in use
	// Done names what was just done: profile, password or others.
	Done  string
	Ended int64
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderProfile(w, r, rq, http.StatusOK, profileData{Name: rq.me.User.Name, Language: rq.me.User.Language, Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, rq *request, status int, d profileData, errs map[string]string) {
	list, err := s.svc.Sessions(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Sessions, d.Current = list, rq.session.ID
	s.renderSettings(w, r, rq, status, "profile", d, errs)
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request, rq *request) {
	d := profileData{Name: r.PostForm.Get("name"), Language: r.PostForm.Get("language")}
	err := s.svc.UpdateProfile(r.Context(), rq.principal(), service.ProfileInput{Name: d.Name, Language: d.Language})
	if errs := s.problems(rq, "profile", err, nil, nil); errs != nil {
		s.renderProfile(w, r, rq, http.StatusBadRequest, d, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/profile?done=profile", http.StatusSeeOther)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	err := s.svc.ChangePassword(r.Context(), rq.principal(), f.Get("current"), f.Get("new"), rq.session.ID)
	if errs := s.problems(rq, "password", err, nil, nil); errs != nil {
		s.renderProfile(w, r, rq, http.StatusBadRequest, profileData{Name: rq.me.User.Name, Language: rq.me.User.Language}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/profile?done=password", http.StatusSeeOther)
}

func (s *Server) signOutOthers(w http.ResponseWriter, r *http.Request, rq *request) {
	if _, err := s.svc.SignOutOthers(r.Context(), rq.principal(), rq.session.ID); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/profile?done=others", http.StatusSeeOther)
}

// tokensData is the API tokens page; Secret is a token just made, shown
// this once.
type tokensData struct {
	Tokens  []*ferry.APIToken
	Name    string
	Scope   ferry.TokenScope
	Expires string
	Created *ferry.APIToken
	Secret  string
	Revoked bool
	// Scopes and Lifetimes are the form's choices.
	Scopes    []ferry.TokenScope
	Lifetimes []string
	Now       time.Time
}

// tokenLifetimes are the settings page's expiry choices ("" is never).
var tokenLifetimes = []string{"30d", "90d", "365d", ""}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderTokens(w, r, rq, http.StatusOK, tokensData{Revoked: r.URL.Query().Get("done") == "revoked", Scope: ferry.ScopeRead, Expires: "90d"}, nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, rq *request, status int, d tokensData, errs map[string]string) {
	list, err := s.svc.APITokens(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Tokens, d.Scopes, d.Lifetimes, d.Now = list, ferry.TokenScopes, tokenLifetimes, time.Now()
	// The page with a secret must not be kept anywhere.
	s.renderSettings(w, r, rq, status, "tokens", d, errs)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, rq *request) {
	in := service.TokenInput{Name: r.PostForm.Get("name"), Scope: ferry.TokenScope(r.PostForm.Get("scope")), Expires: r.PostForm.Get("expires")}
	t, secret, err := s.svc.CreateAPIToken(r.Context(), rq.principal(), in)
	if errs := s.problems(rq, "token", err, nil, nil); errs != nil {
		s.renderTokens(w, r, rq, http.StatusBadRequest, tokensData{Name: in.Name, Scope: in.Scope, Expires: in.Expires}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderTokens(w, r, rq, http.StatusOK, tokensData{Created: t, Secret: secret, Scope: ferry.ScopeRead, Expires: "90d"}, nil)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := s.svc.RevokeAPIToken(r.Context(), rq.principal(), r.PathValue("id")); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/tokens?done=revoked", http.StatusSeeOther)
}

// workspaceData is the workspace settings form.
type workspaceData struct {
	In      service.WorkspaceInput
	Zones   []string
	Regions []string
	Saved   bool
}

func (s *Server) workspaceSettings(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	ws := rq.me.Workspace
	in := service.WorkspaceInput{Name: ws.Name, TimeZone: ws.TimeZone, Region: ws.Region, RequireAltText: ws.RequireAltText, RequireTwoFactor: ws.RequireTwoFactor, ThinPostReadingsAfterDays: ws.ThinPostReadingsAfterDays}
	s.renderWorkspace(w, r, rq, http.StatusOK, workspaceData{In: in, Saved: r.URL.Query().Get("done") == "saved"}, nil)
}

func (s *Server) renderWorkspace(w http.ResponseWriter, r *http.Request, rq *request, status int, d workspaceData, errs map[string]string) {
	d.Zones, d.Regions = setupZones, service.CalendarRegions()
	if !contains(d.Zones, d.In.TimeZone) && d.In.TimeZone != "" {
		d.Zones = append([]string{d.In.TimeZone}, d.Zones...)
	}
	s.renderSettings(w, r, rq, status, "workspace", d, errs)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) saveWorkspace(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	in := service.WorkspaceInput{Name: f.Get("name"), TimeZone: f.Get("time_zone"), Region: f.Get("region"), RequireAltText: f.Get("require_alt_text") == "on", RequireTwoFactor: f.Get("require_two_factor") == "on"}
	// Empty keeps every reading; what is not a whole number is out of range.
	if days := strings.TrimSpace(f.Get("thin_post_readings_after_days")); days != "" {
		n, err := strconv.Atoi(days)
		if err != nil {
			n = -1
		}
		in.ThinPostReadingsAfterDays = n
	}
	_, err := s.svc.UpdateWorkspace(r.Context(), rq.principal(), in)
	if errs := s.problems(rq, "workspace", err, nil, nil); errs != nil {
		s.renderWorkspace(w, r, rq, http.StatusBadRequest, workspaceData{In: in}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/workspace?done=saved", http.StatusSeeOther)
}

// adminOnly answers a page of the workspace's settings for those who are
// not admins, saying why; the service refuses their forms anyway.
func (s *Server) adminOnly(w http.ResponseWriter, r *http.Request, rq *request) bool {
	if rq.me.Role.AtLeast(ferry.RoleAdmin) {
		return true
	}
	s.fail(w, r, rq, ferry.Errorf(ferry.EFORBIDDEN, "Only workspace admins may see this page."))
	return false
}

// membersData is the members page: members, open invitations, and the
// invitation form.
type membersData struct {
	Members     []ferry.WorkspaceMember
	Invitations []*ferry.Invitation
	Roles       []ferry.Role
	Email       string
	Role        ferry.Role
	Language    string // the invitation's language, chosen on the form
	// Link is the invitation just made (or resent), shown to the admin once
	// to pass on; Emailed says it is being emailed too, Resent that it
	// replaces an older link.
	Link     string
	Invited  string
	Emailed  bool
	Resent   bool
	Emailing bool // invitations are emailed (SMTP is configured)
	Done     string
	Me       string
}

var roles = []ferry.Role{ferry.RoleOwner, ferry.RoleAdmin, ferry.RoleEditor, ferry.RoleReviewer, ferry.RoleViewer}

func (s *Server) members(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	s.renderMembers(w, r, rq, http.StatusOK, membersData{Role: ferry.RoleEditor, Language: rq.lang, Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, rq *request, status int, d membersData, errs map[string]string) {
	var err error
	if d.Members, err = s.svc.Members(r.Context(), rq.principal()); err == nil {
		d.Invitations, err = s.svc.Invitations(r.Context(), rq.principal())
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	d.Roles, d.Me, d.Emailing = roles, rq.me.User.ID, s.svc.EmailsInvitations()
	if d.Language == "" {
		d.Language = rq.lang
	}
	s.renderSettings(w, r, rq, status, "members", d, errs)
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request, rq *request) {
	err := s.svc.SetMemberRole(r.Context(), rq.principal(), r.PathValue("id"), ferry.Role(r.PostForm.Get("role")))
	s.afterMemberChange(w, r, rq, err, "role")
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, rq *request) {
	err := s.svc.RemoveMember(r.Context(), rq.principal(), r.PathValue("id"))
	s.afterMemberChange(w, r, rq, err, "removed")
}

func (s *Server) withdrawInvitation(w http.ResponseWriter, r *http.Request, rq *request) {
	err := s.svc.WithdrawInvitation(r.Context(), rq.principal(), r.PathValue("id"))
	s.afterMemberChange(w, r, rq, err, "withdrawn")
}

// afterMemberChange goes back to the members page; a change the service
// refused in this state (the last owner) is said there.
func (s *Server) afterMemberChange(w http.ResponseWriter, r *http.Request, rq *request, err error, done string) {
	switch {
	case err == nil:
		http.Redirect(w, r, "/settings/members?done="+done, http.StatusSeeOther)
	case ferry.IsCode(err, ferry.ECONFLICT):
		s.renderMembers(w, r, rq, http.StatusConflict, membersData{Role: ferry.RoleEditor, Language: rq.lang}, map[string]string{"members": "members.last_owner"})
	default:
		s.fail(w, r, rq, err)
	}
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request, rq *request) {
	d := membersData{Email: r.PostForm.Get("email"), Role: ferry.Role(r.PostForm.Get("role")), Language: r.PostForm.Get("language")}
	inv, token, err := s.svc.Invite(r.Context(), rq.principal(), service.InviteInput{Email: d.Email, Role: d.Role, Language: d.Language})
	if ferry.IsCode(err, ferry.ECONFLICT) {
		s.renderMembers(w, r, rq, http.StatusConflict, d, map[string]string{"email": "invite.email.member"})
		return
	}
	if errs := s.problems(rq, "invite", err, nil, nil); errs != nil {
		s.renderMembers(w, r, rq, http.StatusBadRequest, d, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderMembers(w, r, rq, http.StatusOK, s.madeInvitation(r, rq, inv, token, false), nil)
}

// resendInvitation gives an invitation a new link, emailed again when
// email is on; the old link stops working.
func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request, rq *request) {
	inv, token, err := s.svc.ResendInvitation(r.Context(), rq.principal(), r.PathValue("id"), "")
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderMembers(w, r, rq, http.StatusOK, s.madeInvitation(r, rq, inv, token, true), nil)
}

// madeInvitation is the members page after an invitation is made or
// resent: its link shown once, and whether it is being emailed.
func (s *Server) madeInvitation(r *http.Request, rq *request, inv *ferry.Invitation, token string, resent bool) membersData {
	return membersData{Role: ferry.RoleEditor, Language: rq.lang, Link: s.origin(r) + "/invitations/" + token, Invited: inv.Email,
		Emailed: inv.EmailState == ferry.EmailSending, Resent: resent}
}

// origin is the address browsers reach this Ferry at, for links shown to
// be passed on.
func (s *Server) origin(r *http.Request) string {
	if s.publicURL != "" {
		return strings.TrimRight(s.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// invitationData is the page where an invitee joins.
type invitationData struct {
	View     *service.InvitationView
	Name     string
	Language string
}

func (s *Server) invitation(w http.ResponseWriter, r *http.Request, rq *request) {
	// The link carries the token: no referrer may take it elsewhere.
	w.Header().Set("Referrer-Policy", "no-referrer")
	view, err := s.svc.OpenInvitation(r.Context(), r.PathValue("token"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderInvitation(w, r, rq, http.StatusOK, invitationData{View: view, Language: rq.lang}, nil)
}

func (s *Server) renderInvitation(w http.ResponseWriter, r *http.Request, rq *request, status int, d invitationData, errs map[string]string) {
	v := s.view(r, rq, "invitation.title")
	v.Here = "/login"
	v.Errors, v.Data = errs, d
	s.pages.Render(w, r, status, "invitation.html", v)
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, rq *request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	token := r.PathValue("token")
	f := r.PostForm
	in := service.AcceptInput{Name: f.Get("name"), Password: f.Get("password"), Language: f.Get("language")}
	ses, sessionToken, err := s.svc.AcceptInvitation(r.Context(), token, in, r.UserAgent())
	if ferry.IsCode(err, ferry.EINVALID) {
		view, verr := s.svc.OpenInvitation(r.Context(), token)
		if verr != nil {
			s.fail(w, r, rq, verr)
			return
		}
		s.renderInvitation(w, r, rq, http.StatusBadRequest, invitationData{View: view, Name: in.Name, Language: in.Language}, s.problems(rq, "invitation", err, nil, nil))
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.setSession(w, sessionToken, ses.ExpiresAt)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// notificationsData is the notifications and webhook page.
type notificationsData struct {
	Settings   *service.NotificationSettingsView
	WebhookURL string
	Saved      bool
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	ns, err := s.svc.NotificationSettings(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	s.renderSettings(w, r, rq, http.StatusOK, "notifications", notificationsData{Settings: ns, WebhookURL: ns.WebhookURL, Saved: r.URL.Query().Get("done") == "saved"}, nil)
}

func (s *Server) saveNotifications(w http.ResponseWriter, r *http.Request, rq *request) {
	url := r.PostForm.Get("webhook_url")
	in := service.NotificationSettingsInput{WebhookURL: &url}
	if secret := r.PostForm.Get("webhook_secret"); secret != "" {
		in.WebhookSecret = &secret
	}
	ns, err := s.svc.UpdateNotificationSettings(r.Context(), rq.principal(), in)
	if errs := s.problems(rq, "notifications", err, nil, nil); errs != nil {
		cur, cerr := s.svc.NotificationSettings(r.Context(), rq.principal())
		if cerr != nil {
			s.fail(w, r, rq, cerr)
			return
		}
		status := http.StatusBadRequest
		if ferry.IsCode(err, ferry.EUNPROCESSABLE) {
			status = http.StatusUnprocessableEntity // a URL inside the server's network
		}
		s.renderSettings(w, r, rq, status, "notifications", notificationsData{Settings: cur, WebhookURL: url}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if ns.WebhookSecret != "" {
		// A secret Ferry made is shown this once.
		s.renderSettings(w, r, rq, http.StatusOK, "notifications", notificationsData{Settings: ns, WebhookURL: ns.WebhookURL, Saved: true}, nil)
		return
	}
	http.Redirect(w, r, "/settings/notifications?done=saved", http.StatusSeeOther)
}

// Browser names a session's browser and system from its user agent,
// roughly ("Chrome on Linux"); the raw string when it knows neither.
func (v *view) Browser(ua string) string {
	var browser, system string
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range []struct{ token, name string }{{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	return ua
}
