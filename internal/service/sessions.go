package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/store"
)

// Languages lists the web UI's languages, the default first.
var Languages = []string{"en", "zh-Hant", "zh-Hans"}

// Session lifetimes of the web UI: a session ends after SessionIdle
// without a request, and SessionLifetime after sign-in in any case.
const (
	SessionIdle     = 7 * 24 * time.Hour
	SessionLifetime = 30 * 24 * time.Hour
	// sessionTouchEvery spares the single writer a write per page view.
	sessionTouchEvery = time.Minute
	maxUserAgent      = 200
	maxName           = 100
)

// dummyHash is checked against when no user has the email given, so that
// a wrong email takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("not-a-real-password-at-all")
	if err != nil {
		panic(err)
	}
	return h
})

// errSignIn is the one answer to a wrong email or password, so that the
// answer does not tell which.
func errSignIn() error {
	return ferry.Errorf(ferry.EUNAUTHORIZED, "The email or password is not right.")
}

// SignIn checks an email and password and opens a session in the person's
// first workspace. It returns the session and its token, which only the
// browser keeps (the store keeps its hash).
//
// Failures are throttled per email and per client address (throttle.go):
// while either is refused the answer is ETOOMANY, before the password is
// checked.
func (s *Service) SignIn(ctx context.Context, email, password, userAgent string) (*ferry.Session, string, error) {
	if err := s.throttled(ctx, emailKey(email), addrKey(clientAddr(ctx))); err != nil {
		return nil, "", err
	}
	q := s.DB.Read()
	u, err := q.UserByEmail(ctx, email)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		_ = auth.CheckPassword(dummyHash(), password)
		s.signInFailed(ctx, email, nil)
		return nil, "", errSignIn()
	}
	if err != nil {
		return nil, "", err
	}
	if auth.CheckPassword(u.PasswordHash, password) != nil {
		s.signInFailed(ctx, email, u)
		return nil, "", errSignIn()
	}
	// With two-factor sign-in on, the password opens only the code form.
	if challenge, err := s.secondFactor(ctx, u); err != nil {
		return nil, "", err
	} else if challenge != "" {
		return nil, challenge, ErrSecondFactor
	}
	s.signInSucceeded(ctx, email)
	return s.openFirstSession(ctx, u, userAgent, nil)
}

// openFirstSession opens a session of u in their first workspace; also,
// when given, runs in the same transaction.
func (s *Service) openFirstSession(ctx context.Context, u *ferry.User, userAgent string, also func(*store.Tx) error) (*ferry.Session, string, error) {
	ms, err := s.DB.Read().Memberships(ctx, u.ID)
	if err != nil {
		return nil, "", err
	}
	if len(ms) == 0 {
		return nil, "", ferry.Errorf(ferry.EFORBIDDEN, "You are not a member of any workspace; ask an admin to add you.")
	}
	var ses *ferry.Session
	var token string
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		var err error
		ses, token, err = s.openSession(ctx, tx, u.ID, ms[0].WorkspaceID, userAgent)
		return err
	})
	return ses, token, err
}

// openSession creates a session inside tx, after deleting the user's
// ended ones, and audits the sign-in.
func (s *Service) openSession(ctx context.Context, tx *store.Tx, userID, workspaceID, userAgent string) (*ferry.Session, string, error) {
	now := tx.Now()
	if _, err := tx.DeleteExpiredSessions(ctx, userID, now, now.Add(-SessionIdle)); err != nil {
		return nil, "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	if utf8.RuneCountInString(userAgent) > maxUserAgent {
		userAgent = string([]rune(userAgent)[:maxUserAgent])
	}
	ses := &ferry.Session{TokenHash: auth.HashToken(token), UserID: userID, WorkspaceID: workspaceID, UserAgent: userAgent, ExpiresAt: now.Add(SessionLifetime)}
	if err := tx.CreateSession(ctx, ses); err != nil {
		return nil, "", err
	}
	p := ferry.Principal{UserID: userID, WorkspaceID: workspaceID}
	if err := tx.Audit(ctx, audit(p, "session.create", "session", ses.ID, map[string]any{"user_agent": userAgent})); err != nil {
		return nil, "", err
	}
	return ses, token, nil
}

// Session returns the live session of a token, with the person's current
// role. An unknown token, an ended session and one idle for longer than
// SessionIdle are EUNAUTHORIZED. It records the visit at most once a
// minute.
func (s *Service) Session(ctx context.Context, token string) (*ferry.Session, error) {
	if token == "" {
		return nil, ferry.Errorf(ferry.EUNAUTHORIZED, "Not signed in.")
	}
	ses, err := s.DB.Read().SessionByTokenHash(ctx, auth.HashToken(token))
	if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	if !now.Before(ses.ExpiresAt) || now.Sub(ses.LastSeenAt) >= SessionIdle {
		return nil, ferry.Errorf(ferry.EUNAUTHORIZED, "The session has ended; sign in again.")
	}
	if now.Sub(ses.LastSeenAt) >= sessionTouchEvery {
		if err := s.DB.Write().TouchSession(ctx, ses.ID, now); err != nil {
			return nil, err
		}
		ses.LastSeenAt = now
	}
	return ses, nil
}

// SignOut ends the session of a token; an unknown one is already out.
func (s *Service) SignOut(ctx context.Context, token string) error {
	ses, err := s.DB.Read().SessionByTokenHash(ctx, auth.HashToken(token))
	if ferry.IsCode(err, ferry.EUNAUTHORIZED) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSession(ctx, ses.UserID, ses.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(ses.Principal(), "session.delete", "session", ses.ID, nil))
	})
}

// NeedsSetup reports whether Ferry has no user yet, so that the web UI
// offers first-run setup.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	has, err := s.DB.Read().HasUsers(ctx)
	return !has, err
}

// SetupInput is first run: the workspace and its owner.
type SetupInput struct {
	Workspace string
	TimeZone  string
	Region    string
	Name      string
	Email     string
	Password  string
	Language  string
}

// Setup creates the first workspace and its owner, and signs the owner in.
// Once any user exists it is ECONFLICT. Invalid input is EINVALID with
// details naming each field and a reason code: "required", "too_long",
// "too_short", "common" (a password among the most common), "invalid".
func (s *Service) Setup(ctx context.Context, in SetupInput, userAgent string) (*ferry.Session, string, error) {
	in.Workspace, in.Name, in.Email = strings.TrimSpace(in.Workspace), strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	details := map[string]string{}
	switch {
	case in.Workspace == "":
		details["workspace"] = "required"
	case utf8.RuneCountInString(in.Workspace) > maxName:
		details["workspace"] = "too_long"
	}
	if utf8.RuneCountInString(in.Name) > maxName {
		details["name"] = "too_long"
	}
	if loc, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "" || loc == time.Local {
		details["time_zone"] = "invalid"
	}
	if !slices.Contains(CalendarRegions(), in.Region) {
		details["region"] = "invalid"
	}
	if in.Email == "" {
		details["email"] = "required"
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		details["email"] = "invalid"
	}
	if problem := auth.PasswordProblem(in.Password); problem != "" {
		details["password"] = problem
	}
	if in.Language != "" && !slices.Contains(Languages, in.Language) {
		details["language"] = "invalid"
	}
	if len(details) > 0 {
		return nil, "", ferry.Errorf(ferry.EINVALID, "The setup form is not valid.").WithDetails(details)
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, "", err
	}
	var ses *ferry.Session
	var token string
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockSetup(ctx); err != nil {
			return err
		}
		if has, err := tx.HasUsers(ctx); err != nil {
			return err
		} else if has {
			return ferry.Errorf(ferry.ECONFLICT, "Ferry is already set up; sign in instead.")
		}
		ws := &ferry.Workspace{Name: in.Workspace, TimeZone: in.TimeZone, Region: in.Region}
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		u := &ferry.User{Email: in.Email, Name: in.Name, PasswordHash: hash, Language: in.Language}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, ws.ID, u.ID, ferry.RoleOwner); err != nil {
			return err
		}
		p := ferry.Principal{UserID: u.ID, WorkspaceID: ws.ID, Role: ferry.RoleOwner}
		if err := tx.Audit(ctx, audit(p, "workspace.setup", "workspace", ws.ID, map[string]any{"name": ws.Name, "time_zone": ws.TimeZone, "region": ws.Region, "owner": u.Email})); err != nil {
			return err
		}
		var err error
		ses, token, err = s.openSession(ctx, tx, u.ID, ws.ID, userAgent)
		if ses != nil {
			ses.Role = ferry.RoleOwner
		}
		return err
	})
	return ses, token, err
}

// Me is the signed-in person and their workspace.
type Me struct {
	User      *ferry.User
	Workspace *ferry.Workspace
	Role      ferry.Role
	Location  *time.Location
}

// Me returns who p is, in which workspace, and the workspace's time zone.
func (s *Service) Me(ctx context.Context, p ferry.Principal) (*Me, error) {
	if err := require(p, ferry.RoleViewer, "use Ferry"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	u, err := q.User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	ws, err := q.Workspace(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return &Me{User: u, Workspace: ws, Role: p.Role, Location: loc}, nil
}

// SetLanguage saves the web UI language p chose; "" goes back to the
// browser's.
func (s *Service) SetLanguage(ctx context.Context, p ferry.Principal, lang string) error {
	if err := require(p, ferry.RoleViewer, "choose a language"); err != nil {
		return err
	}
	if lang != "" && !slices.Contains(Languages, lang) {
		return ferry.Errorf(ferry.EINVALID, "Language %q is not one of %s.", lang, strings.Join(Languages, ", ")).WithDetails(map[string]string{"language": "invalid"})
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserLanguage(ctx, p.UserID, lang); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "user.language", "user", p.UserID, map[string]any{"language": lang}))
	})
}
