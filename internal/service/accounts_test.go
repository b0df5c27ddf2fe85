package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/delivery/deliverytest"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// verifyingConn is a Telegram whose credential check runs the test's hook
// while it is under way, as a concurrent request would.
type verifyingConn struct{ during func() }

func (*verifyingConn) Platform() ferry.Platform { return ferry.Telegram }

func (*verifyingConn) Publish(context.Context, platform.Account, platform.Post) (platform.Result, error) {
	return platform.Result{}, errors.New("these tests never publish")
}

func (c *verifyingConn) Verify(context.Context, platform.Account) (platform.Identity, error) {
	if c.during != nil {
		c.during()
	}
	return platform.Identity{Name: "Verified"}, nil
}

type accountsFixture struct {
	*testBundle
	conn  *verifyingConn
	admin ferry.Principal
	acct  *ferry.Account
}

// newAccountsFixture is a workspace whose Telegram connector verifies
// through conn, with one account connected by its admin.
func newAccountsFixture(t *testing.T, b testdb.Backend) *accountsFixture {
	t.Helper()
	f := &accountsFixture{testBundle: setup(t, b), conn: &verifyingConn{}}
	f.svc.Connectors, f.svc.VerifyTimeout = platform.NewRegistry(f.conn), time.Second
	f.admin = f.as[ferry.RoleAdmin]
	var err error
	f.acct, err = f.svc.CreateAccount(context.Background(), f.admin, service.AccountInput{Platform: ferry.Telegram, ExternalID: "@ferrynews", Name: "News",
		Credentials: map[string]string{"bot_token": "1:old"}})
	require.NoError(t, err)
	return f
}

func TestUpdateAccount_Races(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()

			t.Run("AnAccountClosedDuringVerificationStaysClosed", func(t *testing.T) {
				t.Parallel()
				f := newAccountsFixture(t, b)
				f.conn.during = func() {
					_, err := f.svc.CloseAccount(ctx, f.admin, f.acct.ID)
					require.NoError(t, err)
				}
				name := "Renamed"
				_, err := f.svc.UpdateAccount(ctx, f.admin, f.acct.ID, service.AccountPatch{Name: &name, Credentials: map[string]string{"bot_token": "1:new"}})
				require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "%v", err)
				require.Contains(t, ferry.ErrorMessage(err), "closed while it was being changed")

				got, err := f.svc.Account(ctx, f.admin, f.acct.ID)
				require.NoError(t, err)
				require.Equal(t, ferry.HealthClosed, got.Health)
				require.Equal(t, "1:old", got.Credentials["bot_token"])
				require.Equal(t, "News", got.Name)
			})

			t.Run("CredentialsVerifiedWhileTheAccountLostAuthorisationReconnectItAndResume", func(t *testing.T) {
				t.Parallel()
				f := newAccountsFixture(t, b)
				db := f.svc.DB
				st := &ferry.Story{WorkspaceID: f.admin.WorkspaceID, Title: "t", Body: "b", Targets: []string{f.acct.ID}, CreatedBy: f.admin.UserID}
				require.NoError(t, db.Write().CreateStory(ctx, st))
				pub := &ferry.Publication{WorkspaceID: st.WorkspaceID, StoryID: st.ID, AccountID: f.acct.ID, Platform: ferry.Telegram, State: ferry.StateScheduled}
				require.NoError(t, db.Write().CreatePublication(ctx, pub))
				settings := map[string]any{"audience_script": "hk"}
				f.conn.during = func() {
					// The engine meets a revoked token meanwhile.
					require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
						a, err := tx.AccountForUpdate(ctx, f.admin.WorkspaceID, f.acct.ID)
						require.NoError(t, err)
						_, err = tx.SetAccountHealth(ctx, a, ferry.HealthNeedsReauth, "revoked")
						require.NoError(t, err)
						p, err := tx.PublicationForUpdate(ctx, pub.ID)
						require.NoError(t, err)
						p.State = ferry.StateNeedsReauth
						return tx.SavePublication(ctx, p)
					}))
				}
				got, err := f.svc.UpdateAccount(ctx, f.admin, f.acct.ID, service.AccountPatch{Credentials: map[string]string{"bot_token": "1:new"}, Settings: settings})
				require.NoError(t, err)
				require.Equal(t, ferry.HealthConnected, got.Health)

				got, err = f.svc.Account(ctx, f.admin, f.acct.ID)
				require.NoError(t, err)
				require.Equal(t, ferry.HealthConnected, got.Health)
				require.Empty(t, got.HealthReason)
				require.Equal(t, "1:new", got.Credentials["bot_token"])
				require.Equal(t, settings, got.Settings)
				require.Equal(t, "News", got.Name)

				p, err := db.Read().PublicationByID(ctx, pub.ID)
				require.NoError(t, err)
				require.Equal(t, ferry.StateScheduled, p.State, "the publication that waited for the account resumes")
				require.Equal(t, []deliverytest.Job{{Kind: "publish", PublicationID: pub.ID, Version: p.Version, At: f.now}}, f.sched.Take())
			})
		})
	}
}
