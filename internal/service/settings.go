package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/store"
)

// Settings a person changes in the web UI: the workspace, its members and
// invitations, their own API tokens, name, password and sessions. Invalid
// input is EINVALID with details naming each field and a reason code
// ("required", "invalid", "too_long", "too_short", "wrong").

// WorkspaceInput is a workspace's name, time zone and region, and whether
// it requires alt text on images (see altProblems).
type WorkspaceInput struct {
	Name           string
	TimeZone       string
	Region         string
	RequireAltText bool
	// RequireTwoFactor: admins and owners must use two-factor sign-in.
	RequireTwoFactor bool
	// ThinPostReadingsAfterDays: 0 keeps every post reading; otherwise
	// readings older than this many days (MinThinAfterDays at least) are
	// thinned to one a day.
	ThinPostReadingsAfterDays int
}

// MinThinAfterDays is the least age, in days, at which post readings may
// be thinned: the checkpoints run to 30 days, and every one of them is kept.
const MinThinAfterDays = 31

// Workspace returns the principal's workspace.
func (s *Service) Workspace(ctx context.Context, p ferry.Principal) (*ferry.Workspace, error) {
	if err := require(p, ferry.RoleViewer, "see the workspace"); err != nil {
		return nil, err
	}
	return s.DB.Read().Workspace(ctx, p.WorkspaceID)
}

// WorkspacePatch changes some of a workspace's settings; a nil field is
// left as it is.
type WorkspacePatch struct {
	Name             *string `json:"name"`
	TimeZone         *string `json:"time_zone"`
	Region           *string `json:"region"`
	RequireAltText   *bool   `json:"require_alt_text"`
	RequireTwoFactor *bool   `json:"require_two_factor"`
	// ThinPostReadingsAfterDays: 0 keeps every post reading.
	ThinPostReadingsAfterDays *int `json:"thin_post_readings_after_days"`
}

// PatchWorkspace applies a patch to the workspace's settings, checked as
// UpdateWorkspace checks them.
func (s *Service) PatchWorkspace(ctx context.Context, p ferry.Principal, patch WorkspacePatch) (*ferry.Workspace, error) {
	if err := require(p, ferry.RoleAdmin, "change the workspace"); err != nil {
		return nil, err
	}
	ws, err := s.DB.Read().Workspace(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	in := WorkspaceInput{Name: ws.Name, TimeZone: ws.TimeZone, Region: ws.Region, RequireAltText: ws.RequireAltText, RequireTwoFactor: ws.RequireTwoFactor, ThinPostReadingsAfterDays: ws.ThinPostReadingsAfterDays}
	if patch.Name != nil {
		in.Name = *patch.Name
	}
	if patch.TimeZone != nil {
		in.TimeZone = *patch.TimeZone
	}
	if patch.Region != nil {
		in.Region = *patch.Region
	}
	if patch.RequireAltText != nil {
		in.RequireAltText = *patch.RequireAltText
	}
	if patch.RequireTwoFactor != nil {
		in.RequireTwoFactor = *patch.RequireTwoFactor
	}
	if patch.ThinPostReadingsAfterDays != nil {
		in.ThinPostReadingsAfterDays = *patch.ThinPostReadingsAfterDays
	}
	return s.UpdateWorkspace(ctx, p, in)
}

// UpdateWorkspace changes the workspace's name, time zone, region and
// whether it requires alt text.
func (s *Service) UpdateWorkspace(ctx context.Context, p ferry.Principal, in WorkspaceInput) (*ferry.Workspace, error) {
	if err := require(p, ferry.RoleAdmin, "change the workspace"); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	details := map[string]string{}
	switch {
	case in.Name == "":
		details["name"] = "required"
	case utf8.RuneCountInString(in.Name) > maxName:
		details["name"] = "too_long"
	}
	if loc, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "" || loc == time.Local {
		details["time_zone"] = "invalid"
	}
	if !slices.Contains(CalendarRegions(), in.Region) {
		details["region"] = "invalid"
	}
	if d := in.ThinPostReadingsAfterDays; d != 0 && (d < MinThinAfterDays || d > 36_500) {
		details["thin_post_readings_after_days"] = "range"
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The workspace settings are not valid.").WithDetails(details)
	}
	var ws *ferry.Workspace
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if ws, err = tx.Workspace(ctx, p.WorkspaceID); err != nil {
			return err
		}
		ws.Name, ws.TimeZone, ws.Region, ws.RequireAltText = in.Name, in.TimeZone, in.Region, in.RequireAltText
		ws.RequireTwoFactor = in.RequireTwoFactor
		ws.ThinPostReadingsAfterDays = in.ThinPostReadingsAfterDays
		if err := tx.UpdateWorkspace(ctx, ws); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "workspace.update", "workspace", ws.ID, map[string]any{"name": ws.Name, "time_zone": ws.TimeZone, "region": ws.Region, "require_alt_text": ws.RequireAltText, "require_two_factor": ws.RequireTwoFactor, "thin_post_readings_after_days": ws.ThinPostReadingsAfterDays}))
	})
	return ws, err
}

// Members lists the workspace's members and their roles.
func (s *Service) Members(ctx context.Context, p ferry.Principal) ([]ferry.WorkspaceMember, error) {
	if err := require(p, ferry.RoleViewer, "see the members"); err != nil {
		return nil, err
	}
	return s.DB.Read().WorkspaceMembers(ctx, p.WorkspaceID)
}

// memberChange checks that p may change member userID's role (to role,
// or remove them when role is ""): admins manage members below owner;
// only an owner makes or unmakes owners; the last owner stays.
func (s *Service) memberChange(ctx context.Context, tx *store.Tx, p ferry.Principal, userID string, role ferry.Role) (ferry.Role, error) {
	if err := require(p, ferry.RoleAdmin, "change members"); err != nil {
		return "", err
	}
	members, err := tx.WorkspaceMembers(ctx, p.WorkspaceID)
	if err != nil {
		return "", err
	}
	var current ferry.Role
	owners := 0
	for _, m := range members {
		if m.User.ID == userID {
			current = m.Role
		}
		if m.Role == ferry.RoleOwner {
			owners++
		}
	}
	switch {
	case current == "":
		return "", ferry.Errorf(ferry.ENOTFOUND, "%q is not a member of this workspace.", userID)
	case (current == ferry.RoleOwner || role == ferry.RoleOwner) && p.Role != ferry.RoleOwner:
		return "", ferry.Errorf(ferry.EFORBIDDEN, "Only an owner may make or change an owner.")
	case current == ferry.RoleOwner && role != ferry.RoleOwner && owners == 1:
		return "", ferry.Errorf(ferry.ECONFLICT, "The workspace's last owner stays: make someone else owner first.")
	}
	return current, nil
}

// SetMemberRole gives a member another role.
func (s *Service) SetMemberRole(ctx context.Context, p ferry.Principal, userID string, role ferry.Role) error {
	if !role.Valid() {
		return ferry.Errorf(ferry.EINVALID, "Role %q is not one of owner, admin, editor, reviewer, viewer.", role).WithDetails(map[string]string{"role": "invalid"})
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := s.memberChange(ctx, tx, p, userID, role)
		if err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, p.WorkspaceID, userID, role); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "member.role", "user", userID, map[string]any{"from": old, "to": role}))
	})
}

// RemoveMember takes a person out of the workspace: their sessions and API
// tokens there stop working at once.
func (s *Service) RemoveMember(ctx context.Context, p ferry.Principal, userID string) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := s.memberChange(ctx, tx, p, userID, "")
		if err != nil {
			return err
		}
		if err := tx.DeleteMembership(ctx, p.WorkspaceID, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "member.remove", "user", userID, map[string]any{"role": old}))
	})
}

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// InviteInput is an invitation: who, with which role, and the language
// of the email ("" is the inviter's, or the workspace region's).
type InviteInput struct {
	Email    string
	Role     ferry.Role
	Language string
}

// Invite invites a person by email to join the workspace with a role. It
// returns the invitation and its link's token, which is stored only as a
// hash. When email is on (s.Mail), a River job emails the link in the same
// transaction (see InvitationMail); the token is returned all the same, for
// the admin to copy once.
func (s *Service) Invite(ctx context.Context, p ferry.Principal, in InviteInput) (*ferry.Invitation, string, error) {
	if err := require(p, ferry.RoleAdmin, "invite members"); err != nil {
		return nil, "", err
	}
	email, role := strings.ToLower(strings.TrimSpace(in.Email)), in.Role
	details := map[string]string{}
	if email == "" {
		details["email"] = "required"
	} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		details["email"] = "invalid"
	}
	if !role.Valid() {
		details["role"] = "invalid"
	}
	if in.Language != "" && !slices.Contains(Languages, in.Language) {
		details["language"] = "invalid"
	}
	if len(details) > 0 {
		return nil, "", ferry.Errorf(ferry.EINVALID, "The invitation is not valid.").WithDetails(details)
	}
	if role == ferry.RoleOwner && p.Role != ferry.RoleOwner {
		return nil, "", ferry.Errorf(ferry.EFORBIDDEN, "Only an owner may invite an owner.")
	}
	token, hash, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	var inv *ferry.Invitation
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		members, err := tx.WorkspaceMembers(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.User.Email == email {
				return ferry.Errorf(ferry.ECONFLICT, "%s is already a member.", email).WithDetails(map[string]string{"email": "member"})
			}
		}
		lang, err := s.inviteLanguage(ctx, &tx.Q, p, in.Language)
		if err != nil {
			return err
		}
		inv = &ferry.Invitation{WorkspaceID: p.WorkspaceID, Email: email, Role: role, TokenHash: hash, InvitedBy: p.UserID, ExpiresAt: tx.Now().Add(InvitationTTL), Language: lang}
		if s.Mail != nil {
			inv.EmailState = ferry.EmailSending
		}
		if err := tx.CreateInvitation(ctx, inv); err != nil {
			return err
		}
		if err := s.scheduleInvitationEmail(ctx, tx, inv, token); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "invitation.create", "invitation", inv.ID, map[string]any{"email": email, "role": role, "emailed": s.Mail != nil}))
	})
	if err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// ResendInvitation gives an open invitation a new link, working for
// InvitationTTL from now, and emails it again when email is on; the old
// link stops working. lang changes the email's language unless "". It
// returns the invitation and the new token.
func (s *Service) ResendInvitation(ctx context.Context, p ferry.Principal, id, lang string) (*ferry.Invitation, string, error) {
	if err := require(p, ferry.RoleAdmin, "resend invitations"); err != nil {
		return nil, "", err
	}
	if lang != "" && !slices.Contains(Languages, lang) {
		return nil, "", ferry.Errorf(ferry.EINVALID, "Language %q is not one of %s.", lang, strings.Join(Languages, ", ")).WithDetails(map[string]string{"language": "invalid"})
	}
	token, hash, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	var inv *ferry.Invitation
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		inv, err = tx.Invitation(ctx, id)
		if err != nil || inv.WorkspaceID != p.WorkspaceID || inv.AcceptedAt != nil {
			return ferry.Errorf(ferry.ENOTFOUND, "Invitation %q was not found.", id)
		}
		if inv.Role == ferry.RoleOwner && p.Role != ferry.RoleOwner {
			return ferry.Errorf(ferry.EFORBIDDEN, "Only an owner may invite an owner.")
		}
		if lang != "" {
			inv.Language = lang
		}
		inv.TokenHash, inv.ExpiresAt, inv.EmailState, inv.EmailError, inv.EmailAt = hash, tx.Now().Add(InvitationTTL), ferry.EmailNone, "", nil
		if s.Mail != nil {
			inv.EmailState = ferry.EmailSending
		}
		if err := tx.RenewInvitation(ctx, inv); err != nil {
			return err
		}
		if err := s.scheduleInvitationEmail(ctx, tx, inv, token); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "invitation.resend", "invitation", inv.ID, map[string]any{"email": inv.Email, "emailed": s.Mail != nil}))
	})
	if err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// inviteLanguage is the invitation email's language: the one chosen, else
// the inviter's, else the one the workspace's region reads.
func (s *Service) inviteLanguage(ctx context.Context, q *store.Q, p ferry.Principal, chosen string) (string, error) {
	if chosen != "" {
		return chosen, nil
	}
	if u, err := q.User(ctx, p.UserID); err == nil && u.Language != "" {
		return u.Language, nil
	}
	ws, err := q.Workspace(ctx, p.WorkspaceID)
	if err != nil {
		return "", err
	}
	switch ws.Region {
	case "CN", "SG":
		return "zh-Hans", nil
	case "HK", "MO", "TW":
		return "zh-Hant", nil
	}
	return "en", nil
}

// Invitations lists the workspace's invitations still open.
func (s *Service) Invitations(ctx context.Context, p ferry.Principal) ([]*ferry.Invitation, error) {
	if err := require(p, ferry.RoleAdmin, "see invitations"); err != nil {
		return nil, err
	}
	return s.DB.Read().Invitations(ctx, p.WorkspaceID, s.DB.Now())
}

// WithdrawInvitation withdraws an open invitation: its link stops working.
func (s *Service) WithdrawInvitation(ctx context.Context, p ferry.Principal, id string) error {
	if err := require(p, ferry.RoleAdmin, "withdraw invitations"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteInvitation(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "invitation.delete", "invitation", id, nil))
	})
}

// InvitationView is what the invitee sees before accepting.
type InvitationView struct {
	Invitation *ferry.Invitation
	Workspace  *ferry.Workspace
	// Existing is set when a user with the invited email already exists:
	// they confirm with their password instead of choosing one.
	Existing bool
}

// errInvitation is the one answer to an unknown, used or expired link.
func errInvitation() error {
	return ferry.Errorf(ferry.ENOTFOUND, "This invitation link is not valid: it was used already, withdrawn, or it expired. Ask an admin for a new one.")
}

// OpenInvitation returns the invitation of a link token, while it can be
// accepted.
func (s *Service) OpenInvitation(ctx context.Context, token string) (*InvitationView, error) {
	q := s.DB.Read()
	inv, err := q.InvitationByTokenHash(ctx, auth.HashToken(token))
	if ferry.IsCode(err, ferry.ENOTFOUND) || (err == nil && (inv.AcceptedAt != nil || !s.DB.Now().Before(inv.ExpiresAt))) {
		return nil, errInvitation()
	}
	if err != nil {
		return nil, err
	}
	ws, err := q.Workspace(ctx, inv.WorkspaceID)
	if err != nil {
		return nil, err
	}
	_, err = q.UserByEmail(ctx, inv.Email)
	if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil, err
	}
	return &InvitationView{Invitation: inv, Workspace: ws, Existing: err == nil}, nil
}

// AcceptInput is what an invitee types: a name and a new password, or
// their current password when they already have an account.
type AcceptInput struct {
	Name     string
	Password string
	Language string
}

// AcceptInvitation makes the invitee a member with the invited role and
// signs them in. A new person chooses their password; one who already has
// an account confirms with theirs. The link works once.
func (s *Service) AcceptInvitation(ctx context.Context, token string, in AcceptInput, userAgent string) (*ferry.Session, string, error) {
	view, err := s.OpenInvitation(ctx, token)
	if err != nil {
		return nil, "", err
	}
	inv := view.Invitation
	in.Name = strings.TrimSpace(in.Name)
	details := map[string]string{}
	var hash string
	if view.Existing {
		// Confirming with a password is a sign-in: throttled alike.
		if err := s.throttled(ctx, emailKey(inv.Email), addrKey(clientAddr(ctx))); err != nil {
			return nil, "", err
		}
		u, err := s.DB.Read().UserByEmail(ctx, inv.Email)
		if err != nil {
			return nil, "", err
		}
		if auth.CheckPassword(u.PasswordHash, in.Password) != nil {
			s.signInFailed(ctx, inv.Email, u)
			details["password"] = "wrong"
		}
	} else {
		if utf8.RuneCountInString(in.Name) > maxName {
			details["name"] = "too_long"
		}
		if problem := auth.PasswordProblem(in.Password); problem != "" {
			details["password"] = problem
		}
		if in.Language != "" && !slices.Contains(Languages, in.Language) {
			details["language"] = "invalid"
		}
	}
	if len(details) > 0 {
		return nil, "", ferry.Errorf(ferry.EINVALID, "The form is not valid.").WithDetails(details)
	}
	if !view.Existing {
		if hash, err = auth.HashPassword(in.Password); err != nil {
			return nil, "", err
		}
	}
	var ses *ferry.Session
	var sessionToken string
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AcceptInvitation(ctx, inv.ID, tx.Now()); err != nil {
			return errInvitation()
		}
		u, err := tx.UserByEmail(ctx, inv.Email)
		switch {
		case ferry.IsCode(err, ferry.ENOTFOUND):
			u = &ferry.User{Email: inv.Email, Name: in.Name, PasswordHash: hash, Language: in.Language}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		case err != nil:
			return err
		case hash != "":
			// The account was made since the form was shown: it is theirs
			// to confirm with its own password.
			return ferry.Errorf(ferry.ECONFLICT, "An account with this email was just created; open the invitation again.")
		}
		if err := tx.SetMembership(ctx, inv.WorkspaceID, u.ID, inv.Role); err != nil {
			return err
		}
		p := ferry.Principal{UserID: u.ID, WorkspaceID: inv.WorkspaceID, Role: inv.Role}
		if err := tx.Audit(ctx, audit(p, "invitation.accept", "invitation", inv.ID, map[string]any{"email": inv.Email, "role": inv.Role})); err != nil {
			return err
		}
		ses, sessionToken, err = s.openSession(ctx, tx, u.ID, inv.WorkspaceID, userAgent)
		if ses != nil {
			ses.Role = inv.Role
		}
		return err
	})
	return ses, sessionToken, err
}

// newSecret returns a random 256-bit token and its hash.
func newSecret() (string, []byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	return token, auth.HashToken(token), nil
}

// APITokens lists p's own API tokens in the workspace, with when each was
// last used.
func (s *Service) APITokens(ctx context.Context, p ferry.Principal) ([]*ferry.APIToken, error) {
	if err := require(p, ferry.RoleViewer, "see API tokens"); err != nil {
		return nil, err
	}
	return s.DB.Read().Tokens(ctx, p.UserID, p.WorkspaceID)
}

// TokenInput is what a new API token is: its name, its scope (empty: admin,
// which is everything the user's role allows, as tokens were before scopes)
// and how long it lasts (empty: until revoked), as ParseTokenLifetime reads.
type TokenInput struct {
	Name    string
	Scope   ferry.TokenScope
	Expires string
}

// maxTokenLifetime bounds a token's expiry.
const maxTokenLifetime = 5 * 366 * 24 * time.Hour

// ParseTokenLifetime reads a token's lifetime: a number of days ("90d") or
// a Go duration ("12h"); empty is no expiry (0).
func ParseTokenLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "never" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, ferry.Errorf(ferry.EINVALID, "The expiry %q is not a number of days like 90d.", s).WithDetails(map[string]string{"expires": "invalid"})
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, ferry.Errorf(ferry.EINVALID, "The expiry %q is not a lifetime like 90d or 12h.", s).WithDetails(map[string]string{"expires": "invalid"})
		}
	}
	if d < time.Minute || d > maxTokenLifetime {
		return 0, ferry.Errorf(ferry.EINVALID, "A token lasts from a minute to 5 years; %q is outside that.", s).WithDetails(map[string]string{"expires": "out_of_range"})
	}
	return d, nil
}

// NewAPIToken checks a token's input and returns the token to store (for
// the user in the workspace), with its secret; only the hash is kept. The
// settings page and `ferry token create` both make tokens through it.
func NewAPIToken(in TokenInput, userID, workspaceID string, now time.Time) (*ferry.APIToken, string, error) {
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		return nil, "", ferry.Errorf(ferry.EINVALID, "Name the token after what uses it.").WithDetails(map[string]string{"name": "required"})
	case utf8.RuneCountInString(name) > maxName:
		return nil, "", ferry.Errorf(ferry.EINVALID, "The token's name is too long.").WithDetails(map[string]string{"name": "too_long"})
	}
	scope := in.Scope
	if scope == "" {
		scope = ferry.ScopeAdmin
	}
	if !scope.Valid() {
		return nil, "", ferry.Errorf(ferry.EINVALID, "The scope %q is not one of read, write, admin.", scope).WithDetails(map[string]string{"scope": "invalid"})
	}
	life, err := ParseTokenLifetime(in.Expires)
	if err != nil {
		return nil, "", err
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return nil, "", err
	}
	t := &ferry.APIToken{UserID: userID, WorkspaceID: workspaceID, Name: name, Hash: hash, Scope: scope}
	if life > 0 {
		at := now.Add(life).Truncate(time.Millisecond)
		t.ExpiresAt = &at
	}
	return t, token, nil
}

// TokenAudit is what the audit log keeps of a new token.
func TokenAudit(t *ferry.APIToken) map[string]any {
	d := map[string]any{"name": t.Name, "scope": string(t.Scope)}
	if t.ExpiresAt != nil {
		d["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return d
}

// CreateAPIToken makes an API token for p in the workspace; it acts with
// p's role there, capped by its scope. The token is returned once; only
// its hash is kept.
func (s *Service) CreateAPIToken(ctx context.Context, p ferry.Principal, in TokenInput) (*ferry.APIToken, string, error) {
	if err := require(p, ferry.RoleViewer, "create API tokens"); err != nil {
		return nil, "", err
	}
	if p.UserID == "" {
		return nil, "", ferry.Errorf(ferry.EFORBIDDEN, "API tokens are made by a person.")
	}
	t, token, err := NewAPIToken(in, p.UserID, p.WorkspaceID, s.DB.Now())
	if err != nil {
		return nil, "", err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateToken(ctx, t); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "token.create", "token", t.ID, TokenAudit(t)))
	})
	if err != nil {
		return nil, "", err
	}
	return t, token, nil
}

// RevokeAPIToken revokes one of p's API tokens: it stops working at once.
func (s *Service) RevokeAPIToken(ctx context.Context, p ferry.Principal, id string) error {
	if err := require(p, ferry.RoleViewer, "revoke API tokens"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteToken(ctx, p.UserID, p.WorkspaceID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "token.delete", "token", id, nil))
	})
}

// ProfileInput is a person's name and language.
type ProfileInput struct {
	Name     string
	Language string
}

// UpdateProfile saves p's name and web UI language.
func (s *Service) UpdateProfile(ctx context.Context, p ferry.Principal, in ProfileInput) error {
	if err := require(p, ferry.RoleViewer, "change your profile"); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	details := map[string]string{}
	if utf8.RuneCountInString(in.Name) > maxName {
		details["name"] = "too_long"
	}
	if in.Language != "" && !slices.Contains(Languages, in.Language) {
		details["language"] = "invalid"
	}
	if len(details) > 0 {
		return ferry.Errorf(ferry.EINVALID, "The profile is not valid.").WithDetails(details)
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserName(ctx, p.UserID, in.Name); err != nil {
			return err
		}
		if err := tx.SetUserLanguage(ctx, p.UserID, in.Language); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "user.profile", "user", p.UserID, map[string]any{"language": in.Language}))
	})
}

// ChangePassword changes p's password after checking the current one, and
// ends p's other sessions (keepSessionID is the one in use).
func (s *Service) ChangePassword(ctx context.Context, p ferry.Principal, current, next, keepSessionID string) error {
	if err := require(p, ferry.RoleViewer, "change your password"); err != nil {
		return err
	}
	u, err := s.DB.Read().User(ctx, p.UserID)
	if err != nil {
		return err
	}
	// Guessing the current password (on a borrowed session) is throttled
	// like a sign-in.
	if err := s.throttled(ctx, emailKey(u.Email), addrKey(clientAddr(ctx))); err != nil {
		return err
	}
	details := map[string]string{}
	if auth.CheckPassword(u.PasswordHash, current) != nil {
		s.signInFailed(ctx, u.Email, u)
		details["current"] = "wrong"
	}
	if problem := auth.PasswordProblem(next); problem != "" {
		details["new"] = problem
	}
	if len(details) > 0 {
		return ferry.Errorf(ferry.EINVALID, "The password was not changed.").WithDetails(details)
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserPassword(ctx, p.UserID, hash); err != nil {
			return err
		}
		n, err := tx.DeleteOtherSessions(ctx, p.UserID, keepSessionID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "user.password", "user", p.UserID, map[string]any{"sessions_ended": n}))
	})
}

// Sessions lists p's signed-in browsers, most recently seen first.
func (s *Service) Sessions(ctx context.Context, p ferry.Principal) ([]*ferry.Session, error) {
	if err := require(p, ferry.RoleViewer, "see your sessions"); err != nil {
		return nil, err
	}
	list, err := s.DB.Read().Sessions(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	return slices.DeleteFunc(list, func(ses *ferry.Session) bool {
		return !now.Before(ses.ExpiresAt) || now.Sub(ses.LastSeenAt) >= SessionIdle
	}), nil
}

// SignOutOthers ends every session of p but keepSessionID, and returns how
// many it ended.
func (s *Service) SignOutOthers(ctx context.Context, p ferry.Principal, keepSessionID string) (int64, error) {
	if err := require(p, ferry.RoleViewer, "end your sessions"); err != nil {
		return 0, err
	}
	var n int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.DeleteOtherSessions(ctx, p.UserID, keepSessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "session.delete_others", "user", p.UserID, map[string]any{"ended": n}))
	})
	return n, err
}
