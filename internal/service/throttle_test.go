package service_test

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func retryAfter(t *testing.T, err error) int {
	t.Helper()
	require.Equal(t, ferry.ETOOMANY, ferry.ErrorCode(err), "%v", err)
	var fe *ferry.Error
	require.ErrorAs(t, err, &fe)
	return fe.Details.(map[string]any)["retry_after"].(int)
}

type notices struct {
	mu   sync.Mutex
	sent []string
}

func (n *notices) ScheduleSignInNotice(_ context.Context, userID string, failures int, _ time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, userID)
	return nil
}

type mails struct {
	mu             sync.Mutex
	to, subj, text []string
}

func (m *mails) Send(_ context.Context, to, subject, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.to, m.subj, m.text = append(m.to, to), append(m.subj, subject), append(m.text, text)
	return nil
}

func TestSignIn_ThrottledPerEmailWithExponentialBackoff(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		sent := &notices{}
		mail := &mails{}
		svc.SignInNotices, svc.Mail = sent, &service.InvitationMail{Mailer: mail, PublicURL: "https://ferry.example"}
		_, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)
		from := service.WithClientAddr(ctx, netip.MustParseAddr("203.0.113.5"))
		wrong := func() error { _, _, err := svc.SignIn(from, " ADA@example.org", "not the password", ""); return err }

		for range 4 {
			require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED))
		}
		require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED), "the fifth failure is answered, then the email waits")
		_, _, err = svc.SignIn(from, goodSetup.Email, goodSetup.Password, "")
		require.Equal(t, 1, retryAfter(t, err), "refused before the password is checked, even the right one")
		clock.Add(time.Second)
		require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED))
		require.Equal(t, 2, retryAfter(t, wrong()), "each failure doubles the wait")
		clock.Add(2 * time.Second)
		require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED))
		require.Equal(t, 4, retryAfter(t, wrong()))
		// From another address the email is refused all the same.
		_, _, err = svc.SignIn(service.WithClientAddr(ctx, netip.MustParseAddr("198.51.100.7")), goodSetup.Email, goodSetup.Password, "")
		require.Equal(t, 4, retryAfter(t, err))

		// The wait is bounded.
		for range 20 {
			clock.Add(throttleMax)
			require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED))
		}
		require.Equal(t, int(throttleMax.Seconds()), retryAfter(t, wrong()))
		require.Len(t, sent.sent, 1, "the person is told once per run of failures")

		// A quiet hour forgets; a success forgets the email at once.
		clock.Add(time.Hour + throttleMax)
		for range 5 {
			require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED))
		}
		clock.Add(time.Second)
		_, _, err = svc.SignIn(from, goodSetup.Email, goodSetup.Password, "")
		require.NoError(t, err)
		for range 5 {
			require.True(t, ferry.IsCode(wrong(), ferry.EUNAUTHORIZED), "counting starts again")
		}

		// The notice, in the person's language (zh-Hant), never with a password.
		require.NoError(t, svc.SendSignInNotice(ctx, sent.sent[0], 10, clock.Now()))
		require.Equal(t, []string{goodSetup.Email}, mail.to)
		require.Equal(t, "Ferry：你的帳戶有多次登入失敗", mail.subj[0])
		require.Contains(t, mail.text[0], "連續失敗了 10 次")
		require.Contains(t, mail.text[0], "https://ferry.example/settings/profile")
		require.False(t, strings.Contains(mail.text[0], "not the password"))
	})
}

// throttleMax is the longest wait (service.throttleMaxDelay).
const throttleMax = 15 * time.Minute

func TestSignIn_ThrottledPerClientAddress(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		_, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)
		// One address tries many emails, a few times each: 30 failures are
		// free, then the address waits, whichever email it tries.
		v6 := func(s string) context.Context { return service.WithClientAddr(ctx, netip.MustParseAddr(s)) }
		for i := range 30 {
			_, _, err := svc.SignIn(v6("2001:db8:1:2::"+string(rune('a'+i%6))), "guess"+string(rune('a'+i/3))+"@example.org", "whatever password", "")
			require.True(t, ferry.IsCode(err, ferry.EUNAUTHORIZED), "%d: %v", i, err)
		}
		_, _, err = svc.SignIn(v6("2001:db8:1:2::ffff"), goodSetup.Email, goodSetup.Password, "")
		require.Equal(t, 1, retryAfter(t, err), "an IPv6 client is counted by its /64")
		_, _, err = svc.SignIn(v6("2001:db8:1:3::1"), goodSetup.Email, goodSetup.Password, "")
		require.NoError(t, err, "another network signs in")
	})
}

func TestAuthenticate_UnknownTokensAreThrottledPerAddress(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		_, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)
		owner, err := svc.DB.Read().UserByEmail(ctx, goodSetup.Email)
		require.NoError(t, err)
		ms, err := svc.DB.Read().Memberships(ctx, owner.ID)
		require.NoError(t, err)
		_, token, err := svc.CreateAPIToken(ctx, ferry.Principal{UserID: owner.ID, WorkspaceID: ms[0].WorkspaceID, Role: ferry.RoleOwner}, service.TokenInput{Name: "ci"})
		require.NoError(t, err)
		from := service.WithClientAddr(ctx, netip.MustParseAddr("203.0.113.9"))
		for range 30 {
			_, err := svc.Authenticate(from, "fry_guess")
			require.True(t, ferry.IsCode(err, ferry.EUNAUTHORIZED), "%v", err)
		}
		_, err = svc.Authenticate(from, "fry_guess")
		require.Equal(t, 1, retryAfter(t, err))
		_, err = svc.Authenticate(from, token)
		require.NoError(t, err, "a real token is not slowed")
		clock.Add(time.Second)
		_, err = svc.Authenticate(from, "fry_guess")
		require.True(t, ferry.IsCode(err, ferry.EUNAUTHORIZED))
	})
}
