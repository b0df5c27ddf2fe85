package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/store"
)

// Two-factor sign-in with TOTP (RFC 6238: SHA-1, 6 digits, 30-second
// steps, what every authenticator app reads). A person enrols by scanning
// a QR code and confirming with a first code; only then is it on, with 10
// single-use recovery codes shown once and stored as SHA-256 hashes. A
// code is accepted for the current step or one step either side (clock
// drift), and never twice: the store keeps the last step accepted and
// moves it forward in one statement. Signing in takes the password, then
// the code: between the two the person holds a challenge (a random token,
// stored hashed, five minutes), which opens no page but the code form.

const (
	totpPeriod         = 30
	totpSkew           = 1
	recoveryCodeCount  = 10
	signInChallengeTTL = 5 * time.Minute
	totpIssuer         = "Ferry"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ErrSecondFactor is SignIn's answer to a right password of a person with
// two-factor sign-in on: the token it returns is a challenge for
// SignInWithCode, not a session.
var ErrSecondFactor = errors.New("service: a two-factor code is needed")

// TwoFactorStatus says whether p's two-factor sign-in is on.
type TwoFactorStatus struct {
	Enabled       bool
	RecoveryCodes int // unused ones
}

// TwoFactor returns p's two-factor status.
func (s *Service) TwoFactor(ctx context.Context, p ferry.Principal) (*TwoFactorStatus, error) {
	if err := require(p, ferry.RoleViewer, "see your sign-in settings"); err != nil {
		return nil, err
	}
	return s.twoFactorStatus(ctx, p.UserID)
}

func (s *Service) twoFactorStatus(ctx context.Context, userID string) (*TwoFactorStatus, error) {
	q := s.DB.Read()
	t, err := q.TwoFactor(ctx, userID)
	if ferry.IsCode(err, ferry.ENOTFOUND) || (err == nil && t.EnabledAt == nil) {
		return &TwoFactorStatus{}, nil
	}
	if err != nil {
		return nil, err
	}
	n, err := q.RecoveryCodesLeft(ctx, userID)
	return &TwoFactorStatus{Enabled: true, RecoveryCodes: n}, err
}

// Enrolment is a new TOTP secret waiting for its first code.
type Enrolment struct {
	Secret string // base32, for typing into an app by hand
	URL    string // otpauth:// URL, what the QR code holds
}

// StartTwoFactor makes a new secret for p, pending until ConfirmTwoFactor;
// it replaces an earlier pending one. ECONFLICT when it is on already.
func (s *Service) StartTwoFactor(ctx context.Context, p ferry.Principal) (*Enrolment, error) {
	if err := require(p, ferry.RoleViewer, "set up two-factor sign-in"); err != nil {
		return nil, err
	}
	u, err := s.DB.Read().User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	if err := s.DB.Write().PutTwoFactorPending(ctx, p.UserID, key.Secret()); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// PendingTwoFactor returns p's enrolment waiting for its first code;
// ENOTFOUND when there is none.
func (s *Service) PendingTwoFactor(ctx context.Context, p ferry.Principal) (*Enrolment, error) {
	if err := require(p, ferry.RoleViewer, "set up two-factor sign-in"); err != nil {
		return nil, err
	}
	u, err := s.DB.Read().User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	t, err := s.DB.Read().TwoFactor(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if t.EnabledAt != nil {
		return nil, ferry.Errorf(ferry.ENOTFOUND, "Two-factor sign-in is on already.")
	}
	key, err := otp.NewKeyFromURL("otpauth://totp/" + totpIssuer + ":" + u.Email + "?secret=" + t.Secret + "&issuer=" + totpIssuer + "&period=30&digits=6&algorithm=SHA1")
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: t.Secret, URL: key.URL()}, nil
}

// QRCode returns the enrolment's QR code as a PNG.
func (e *Enrolment) QRCode() ([]byte, error) {
	key, err := otp.NewKeyFromURL(e.URL)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// errCode is the one answer to a wrong code.
func errCode() error {
	return ferry.Errorf(ferry.EINVALID, "The code is not right.").WithDetails(map[string]string{"code": "wrong"})
}

// matchStep returns the time step whose code is code, within the skew, or
// -1.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return -1
	}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return -1
}

// checkCode accepts a TOTP code of userID's secret once, or (with
// recovery) an unused recovery code, spending it.
func (s *Service) checkCode(ctx context.Context, q *store.Q, t *store.TwoFactor, code string, recovery bool) (bool, error) {
	if step := matchStep(t.Secret, code, s.DB.Now()); step >= 0 {
		return q.UseTwoFactorStep(ctx, t.UserID, step)
	}
	if !recovery {
		return false, nil
	}
	return q.UseRecoveryCode(ctx, t.UserID, recoveryHash(code), s.DB.Now())
}

// ConfirmTwoFactor turns p's pending enrolment on with its first code and
// returns the recovery codes, shown this once.
func (s *Service) ConfirmTwoFactor(ctx context.Context, p ferry.Principal, code string) ([]string, error) {
	if err := require(p, ferry.RoleViewer, "set up two-factor sign-in"); err != nil {
		return nil, err
	}
	w := s.DB.Write()
	t, err := w.TwoFactor(ctx, p.UserID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil, ferry.Errorf(ferry.ECONFLICT, "Start the set-up first.")
	}
	if err != nil {
		return nil, err
	}
	if t.EnabledAt != nil {
		return nil, ferry.Errorf(ferry.ECONFLICT, "Two-factor sign-in is on already.")
	}
	if ok, err := s.checkCode(ctx, w, t, code, false); err != nil {
		return nil, err
	} else if !ok {
		return nil, errCode()
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		codes[i], hashes[i] = newRecoveryCode()
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.EnableTwoFactor(ctx, p.UserID, tx.Now(), hashes); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "user.two_factor.enable", "user", p.UserID, nil))
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTwoFactor turns p's two-factor sign-in off, with p's password and
// a code (or a recovery code).
func (s *Service) DisableTwoFactor(ctx context.Context, p ferry.Principal, password, code string) error {
	if err := require(p, ferry.RoleViewer, "turn off two-factor sign-in"); err != nil {
		return err
	}
	u, err := s.DB.Read().User(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := s.throttled(ctx, emailKey(u.Email), addrKey(clientAddr(ctx))); err != nil {
		return err
	}
	w := s.DB.Write()
	t, err := w.TwoFactor(ctx, p.UserID)
	if ferry.IsCode(err, ferry.ENOTFOUND) || (err == nil && t.EnabledAt == nil) {
		return ferry.Errorf(ferry.ECONFLICT, "Two-factor sign-in is not on.")
	}
	if err != nil {
		return err
	}
	details := map[string]string{}
	if auth.CheckPassword(u.PasswordHash, password) != nil {
		details["password"] = "wrong"
	} else if ok, err := s.checkCode(ctx, w, t, code, true); err != nil {
		return err
	} else if !ok {
		details["code"] = "wrong"
	}
	if len(details) > 0 {
		s.signInFailed(ctx, u.Email, u)
		return ferry.Errorf(ferry.EINVALID, "Two-factor sign-in is still on.").WithDetails(details)
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteTwoFactor(ctx, p.UserID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "user.two_factor.disable", "user", p.UserID, nil))
	})
}

// SignInWithCode finishes a sign-in that SignIn answered ErrSecondFactor:
// the challenge and a TOTP or recovery code open a session. Wrong codes
// count as failed sign-ins (throttle.go).
func (s *Service) SignInWithCode(ctx context.Context, challenge, code, userAgent string) (*ferry.Session, string, error) {
	hash := auth.HashToken(challenge)
	userID, err := s.DB.Read().SignInChallenge(ctx, hash, s.DB.Now())
	if err != nil {
		return nil, "", err
	}
	u, err := s.DB.Read().User(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	if err := s.throttled(ctx, emailKey(u.Email), addrKey(clientAddr(ctx))); err != nil {
		return nil, "", err
	}
	w := s.DB.Write()
	t, err := w.TwoFactor(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	if ok, err := s.checkCode(ctx, w, t, code, true); err != nil {
		return nil, "", err
	} else if !ok {
		s.signInFailed(ctx, u.Email, u)
		return nil, "", errCode()
	}
	s.signInSucceeded(ctx, u.Email)
	return s.openFirstSession(ctx, u, userAgent, func(tx *store.Tx) error { return tx.DeleteSignInChallenge(ctx, hash) })
}

// secondFactor answers a right password: ErrSecondFactor with a challenge
// when u has two-factor sign-in on; "" when u has not.
func (s *Service) secondFactor(ctx context.Context, u *ferry.User) (string, error) {
	st, err := s.twoFactorStatus(ctx, u.ID)
	if err != nil || !st.Enabled {
		return "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.DB.Now()
	if err := s.DB.Write().CreateSignInChallenge(ctx, auth.HashToken(token), u.ID, now.Add(signInChallengeTTL), now); err != nil {
		return "", err
	}
	return token, nil
}

// newRecoveryCode returns a code of 80 random bits (xxxx-xxxx-xxxx-xxxx,
// base32) and its hash.
func newRecoveryCode() (string, []byte) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	s := strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
	code := s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	return code, recoveryHash(code)
}

// recoveryHash hashes a recovery code as typed, without dashes, spaces or
// case.
func recoveryHash(code string) []byte {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	sum := sha256.Sum256([]byte("ferry recovery code\x00" + c))
	return sum[:]
}
