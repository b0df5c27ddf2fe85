package service_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestTwoFactor_EnrolSignInWithACodeOnceAndRecover(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		ses, _, err := svc.Setup(ctx, goodSetup, "")
		require.NoError(t, err)
		p := ses.Principal()
		code := func() string {
			c, err := totp.GenerateCode(en(t, svc, p), clock.Now())
			require.NoError(t, err)
			return c
		}

		st, err := svc.TwoFactor(ctx, p)
		require.NoError(t, err)
		require.False(t, st.Enabled)
		e, err := svc.StartTwoFactor(ctx, p)
		require.NoError(t, err)
		require.Contains(t, e.URL, "otpauth://totp/Ferry:ada@example.org?")
		img, err := e.QRCode()
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		require.NoError(t, err)
		require.Equal(t, 240, cfg.Width)

		// Not on until confirmed: the password alone still signs in.
		_, _, err = svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "")
		require.NoError(t, err)
		_, err = svc.ConfirmTwoFactor(ctx, p, "000000")
		requireDetails(t, err, map[string]string{"code": "wrong"})
		codes, err := svc.ConfirmTwoFactor(ctx, p, code())
		require.NoError(t, err)
		require.Len(t, codes, 10)
		st, err = svc.TwoFactor(ctx, p)
		require.NoError(t, err)
		require.Equal(t, &service.TwoFactorStatus{Enabled: true, RecoveryCodes: 10}, st)

		// The password now opens only the code form: the challenge is no session.
		_, challenge, err := svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "")
		require.True(t, errors.Is(err, service.ErrSecondFactor), "%v", err)
		_, err = svc.Session(ctx, challenge)
		require.True(t, ferry.IsCode(err, ferry.EUNAUTHORIZED), "half signed in is not signed in")
		_, _, err = svc.SignInWithCode(ctx, challenge, "123456", "")
		requireDetails(t, err, map[string]string{"code": "wrong"})

		// The code of the confirming step was used: it is refused (replay).
		_, _, err = svc.SignInWithCode(ctx, challenge, code(), "")
		requireDetails(t, err, map[string]string{"code": "wrong"})
		clock.Add(30 * time.Second)
		c := code()
		s2, token, err := svc.SignInWithCode(ctx, challenge, c, "")
		require.NoError(t, err)
		got, err := svc.Session(ctx, token)
		require.NoError(t, err)
		require.Equal(t, s2.ID, got.ID)
		_, _, err = svc.SignInWithCode(ctx, challenge, c, "")
		require.True(t, ferry.IsCode(err, ferry.EUNAUTHORIZED), "a challenge opens one session")
		_, challenge, _ = svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "")
		_, _, err = svc.SignInWithCode(ctx, challenge, c, "")
		requireDetails(t, err, map[string]string{"code": "wrong"})

		// A recovery code works once, typed any way.
		_, _, err = svc.SignInWithCode(ctx, challenge, " "+codes[3]+" ", "")
		require.NoError(t, err)
		_, challenge, _ = svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "")
		_, _, err = svc.SignInWithCode(ctx, challenge, codes[3], "")
		requireDetails(t, err, map[string]string{"code": "wrong"})

		// A challenge ends after five minutes.
		clock.Add(5*time.Minute + time.Second)
		_, _, err = svc.SignInWithCode(ctx, challenge, code(), "")
		require.True(t, ferry.IsCode(err, ferry.EUNAUTHORIZED))

		// Off with the password and a code.
		clock.Add(30 * time.Second)
		requireDetails(t, svc.DisableTwoFactor(ctx, p, "wrong password!", code()), map[string]string{"password": "wrong"})
		requireDetails(t, svc.DisableTwoFactor(ctx, p, goodSetup.Password, "999999"), map[string]string{"code": "wrong"})
		require.NoError(t, svc.DisableTwoFactor(ctx, p, goodSetup.Password, code()))
		_, _, err = svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "")
		require.NoError(t, err)
	})
}

// en reads p's TOTP secret as the store keeps it (sealed at rest).
func en(t *testing.T, svc *service.Service, p ferry.Principal) string {
	t.Helper()
	tf, err := svc.DB.Read().TwoFactor(context.Background(), p.UserID)
	require.NoError(t, err)
	return tf.Secret
}
