package service

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// Sign-in throttling. Failed sign-ins are counted per email address and
// per client address (an IPv6 client by its /64), in the database so that
// every process of one Ferry counts together (store/throttle.go). The
// first few failures are free; after them each one refuses the key for
// twice as long as the last, from 1 second up to throttleMaxDelay. A
// refused attempt is answered ETOOMANY with the seconds to wait, before
// any password is checked, and does not count. Failures are forgotten
// after throttleQuiet without one; a successful sign-in forgets its email
// at once (not its address: one good account must not clear an address
// that guesses at others). After throttleNoticeAfter failures in a run,
// the person is emailed once. API tokens count failures per address only.
const (
	throttleFreeEmail   = 5
	throttleFreeAddr    = 30
	throttleMaxDelay    = 15 * time.Minute
	throttleQuiet       = time.Hour
	throttleNoticeAfter = 10
)

// clientAddrKey carries the client's address in a context.
type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the address of the client a request
// came from (internal/httpd.ClientAddr), which throttling counts against.
func WithClientAddr(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, a)
}

func clientAddr(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(clientAddrKey{}).(netip.Addr)
	return a
}

// throttleKey is the stored key of a thing counted: a hash, so that keys
// are short and the table holds no email address typed by a stranger.
func throttleKey(kind, value string) []byte {
	sum := sha256.Sum256([]byte("ferry sign-in throttle\x00" + kind + "\x00" + value))
	return sum[:]
}

func emailKey(email string) []byte {
	return throttleKey("email", strings.ToLower(strings.TrimSpace(email)))
}

// addrKey is nil for an unknown address.
func addrKey(a netip.Addr) []byte {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return throttleKey("addr", p.String())
	}
	return throttleKey("addr", a.String())
}

// throttleDelay is how long a key is refused after its n-th failure.
func throttleDelay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	exp := n - free
	if exp > 20 {
		return throttleMaxDelay
	}
	return min(time.Duration(math.Pow(2, float64(exp)))*time.Second, throttleMaxDelay)
}

// errThrottled is the answer while a key is refused.
func errThrottled(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	secs = max(secs, 1)
	return ferry.Errorf(ferry.ETOOMANY, "Too many failed attempts; try again in %d seconds.", secs).WithDetails(map[string]any{"retry_after": secs})
}

// throttled returns errThrottled while any of keys (nil ones skipped) is
// refused.
func (s *Service) throttled(ctx context.Context, keys ...[]byte) error {
	var ks [][]byte
	for _, k := range keys {
		if k != nil {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		return nil
	}
	now := s.DB.Now()
	until, err := s.DB.Read().ThrottleBlockedUntil(ctx, now, ks...)
	if err != nil {
		return err
	}
	if until.After(now) {
		return errThrottled(until.Sub(now))
	}
	return nil
}

// failed counts a failure against key (nil: nothing) and refuses it for
// a while once its free failures are spent. It returns the new count.
func (s *Service) failed(ctx context.Context, key []byte, free int) (int, error) {
	if key == nil {
		return 0, nil
	}
	now := s.DB.Now()
	w := s.DB.Write()
	n, err := w.ThrottleFailure(ctx, key, now, throttleQuiet)
	if err != nil {
		return 0, err
	}
	if d := throttleDelay(n, free); d > 0 {
		if err := w.ThrottleBlock(ctx, key, now.Add(d)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// signInFailed counts a failed sign-in of email from the request's client
// and tells the person once when their address has many; user is nil when
// no one has that email. The failures are counted even if ctx ends.
func (s *Service) signInFailed(ctx context.Context, email string, user *ferry.User) {
	ctx = context.WithoutCancel(ctx)
	if _, err := s.failed(ctx, addrKey(clientAddr(ctx)), throttleFreeAddr); err != nil && s.Log != nil {
		s.Log.Error("sign-in throttle: cannot count a failure", "error", err)
	}
	n, err := s.failed(ctx, emailKey(email), throttleFreeEmail)
	if err != nil {
		if s.Log != nil {
			s.Log.Error("sign-in throttle: cannot count a failure", "error", err)
		}
		return
	}
	if user != nil && n >= throttleNoticeAfter {
		s.noticeSignInFailures(ctx, user, n)
	}
}

// signInSucceeded forgets the email's failures (and quiet keys).
func (s *Service) signInSucceeded(ctx context.Context, email string) {
	now := s.DB.Now()
	if err := s.DB.Write().ThrottleClear(context.WithoutCancel(ctx), emailKey(email), now.Add(-throttleQuiet)); err != nil && s.Log != nil {
		s.Log.Error("sign-in throttle: cannot clear", "error", err)
	}
}

// SignInNotices schedules the email telling a person of failed sign-ins
// (internal/jobs).
type SignInNotices interface {
	ScheduleSignInNotice(ctx context.Context, userID string, failures int, at time.Time) error
}

// noticeSignInFailures schedules the notice once per run of failures.
func (s *Service) noticeSignInFailures(ctx context.Context, u *ferry.User, failures int) {
	if s.SignInNotices == nil || s.Mail == nil {
		return
	}
	now := s.DB.Now()
	first, err := s.DB.Write().ThrottleNotified(ctx, emailKey(u.Email), now)
	if err == nil && first {
		err = s.SignInNotices.ScheduleSignInNotice(ctx, u.ID, failures, now)
	}
	if err != nil && s.Log != nil {
		s.Log.Error("sign-in throttle: cannot schedule the notice", "user_id", u.ID, "error", err)
	}
}

// SendSignInNotice emails a person that their address had failures
// failed sign-ins, as its job asks, in their language.
func (s *Service) SendSignInNotice(ctx context.Context, userID string, failures int, at time.Time) error {
	if s.Mail == nil {
		return errors.New("service: email is off")
	}
	u, err := s.DB.Read().User(ctx, userID)
	if ferry.IsCode(err, ferry.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	subject, text := signInNotice(u.Language, failures, at, strings.TrimRight(s.Mail.PublicURL, "/")+"/settings/profile")
	return s.Mail.Mailer.Send(ctx, u.Email, subject, text)
}

// signInNotice words the notice; times are UTC, as the person's workspace
// is not known here.
func signInNotice(lang string, failures int, at time.Time, link string) (subject, text string) {
	at = at.UTC()
	switch lang {
	case "zh-Hant":
		return "Ferry：你的帳戶有多次登入失敗",
			fmt.Sprintf("你好：\n\n直至 %s（UTC），有人以你的電郵地址登入 Ferry，連續失敗了 %d 次。Ferry 已暫時放慢這個帳戶的登入嘗試。\n\n如果是你自己輸錯密碼，可以不理會這封電郵。如果不是，請登入後更改密碼：\n%s\n\n— Ferry\n",
				chineseDate(at), failures, link)
	case "zh-Hans":
		return "Ferry：你的账户有多次登录失败",
			fmt.Sprintf("你好：\n\n截至 %s（UTC），有人用你的邮箱地址登录 Ferry，连续失败了 %d 次。Ferry 已暂时放慢这个账户的登录尝试。\n\n如果是你自己输错了密码，可以忽略这封邮件。如果不是，请登录后修改密码：\n%s\n\n— Ferry\n",
				chineseDate(at), failures, link)
	default:
		return "Ferry: failed sign-ins to your account",
			fmt.Sprintf("Hello,\n\nUp to %s, someone failed %d times in a row to sign in to Ferry with your email address. Ferry now slows down sign-in attempts for your account for a while.\n\nIf that was you mistyping your password, you can ignore this email. If not, sign in and change your password:\n%s\n\n— Ferry\n",
				at.Format("Monday 2 January 2006, 15:04 MST"), failures, link)
	}
}
