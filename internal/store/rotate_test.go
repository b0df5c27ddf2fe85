package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/secret"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestRotateSecrets_WhileAWorkerWritesInterruptedAndResumed seals
// credentials, webhook secrets and a waiting invitation email under an old
// key, then rotates to a new key while a worker keeps reading and
// rewriting credentials (sealing with the new key, as a restarted process
// does); the rotation is interrupted after its first batch and run again.
// Afterwards everything opens with the new key alone, holding what was
// last written, and a third run finds nothing to do.
func TestRotateSecrets_WhileAWorkerWritesInterruptedAndResumed(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bu := setup(t, b)
			db := bu.db
			oldKey, newKey := bytes.Repeat([]byte{7}, secret.KeySize), bytes.Repeat([]byte{9}, secret.KeySize)
			oldRing, err := secret.NewKeyring(oldKey)
			require.NoError(t, err)
			db.SetSealer(oldRing)

			const n = 120
			var ids []string
			for i := range n {
				a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: fmt.Sprintf("@a%d", i), Name: "A",
					Credentials: map[string]string{"bot_token": fmt.Sprintf("%d:old", i)}}
				require.NoError(t, db.Write().CreateAccount(ctx, a))
				ids = append(ids, a.ID)
			}
			require.NoError(t, db.Write().PutNotificationSettings(ctx, &ferry.NotificationSettings{WorkspaceID: bu.ws.ID, WebhookURL: "https://hooks.example/x", WebhookSecret: "whsec"}))
			sealedToken, err := oldRing.Seal([]byte("invitation-token"), []byte("ferry invitation inv_1"))
			require.NoError(t, err)
			args, err := json.Marshal(map[string]any{"invitation_id": "inv_1", "sealed_token": sealedToken})
			require.NoError(t, err)
			insertJob := `INSERT INTO river_job (args, kind, max_attempts, state, queue, priority, scheduled_at, metadata) VALUES (?, 'invitation_email', 25, 'scheduled', 'default', 1, CURRENT_TIMESTAMP, '{}')`
			var jobArgs any = args
			if db.Dialect() == store.Postgres {
				insertJob = `INSERT INTO river_job (args, kind, max_attempts, state, queue, priority, scheduled_at, metadata) VALUES ($1, 'invitation_email', 25, 'scheduled', 'default', 1, now(), '{}')`
				jobArgs = string(args)
			}
			_, err = db.WritePool().Exec(insertJob, jobArgs)
			require.NoError(t, err)

			// Every process now has both keys, the new one current.
			ring, err := secret.NewKeyring(newKey, oldKey)
			require.NoError(t, err)
			db.SetSealer(ring)

			// The worker: reads accounts and rewrites some credentials until told to stop.
			var mu sync.Mutex
			last := map[string]string{}
			stop := make(chan struct{})
			var writes atomic.Int64
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := ids[(i*37)%n]
					if _, err := db.Read().Account(ctx, bu.ws.ID, id); err != nil {
						t.Errorf("read %s during rotation: %v", id, err)
						return
					}
					token := fmt.Sprintf("%d:new%d", (i*37)%n, i)
					err := db.InTx(ctx, func(tx *store.Tx) error {
						a, err := tx.AccountForUpdate(ctx, bu.ws.ID, id)
						if err != nil {
							return err
						}
						return tx.SetAccountCredentials(ctx, a, map[string]string{"bot_token": token})
					})
					if err != nil {
						t.Errorf("write %s during rotation: %v", id, err)
						return
					}
					mu.Lock()
					last[id] = token
					mu.Unlock()
					writes.Add(1)
				}
			}()

			// Interrupted after its first batch (the command's process killed).
			cctx, cancel := context.WithCancel(ctx)
			_, err = db.RotateSecrets(cctx, 25, func(store.RotationCount) { cancel() })
			require.True(t, errors.Is(err, context.Canceled), "interrupted: %v", err)
			// Resumed; after each batch the worker writes at least once more
			// before the next, so rotation and writes interleave.
			counts, err := db.RotateSecrets(ctx, 25, func(store.RotationCount) {
				w := writes.Load()
				for deadline := time.Now().Add(10 * time.Second); writes.Load() == w && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
			})
			require.NoError(t, err)
			close(stop)
			wg.Wait()
			require.Positive(t, writes.Load(), "the worker wrote during the rotation")

			byTable := map[string]store.RotationCount{}
			for _, c := range counts {
				byTable[c.Table] = c
				require.Zero(t, c.Unreadable, "%+v", c)
			}
			acc := byTable["accounts"]
			require.Equal(t, n, acc.Rotated+acc.Current+acc.Changed, "every account counted: %+v", acc)
			require.Equal(t, 1, byTable["notification_settings"].Rotated+byTable["notification_settings"].Current)
			require.Equal(t, 1, byTable["river_job"].Rotated+byTable["river_job"].Current)

			// The new key alone opens everything, with the last values written.
			newOnly, err := secret.NewKeyring(newKey)
			require.NoError(t, err)
			db.SetSealer(newOnly)
			for i, id := range ids {
				a, err := db.Read().Account(ctx, bu.ws.ID, id)
				require.NoError(t, err, "account %s after rotation", id)
				want := fmt.Sprintf("%d:old", i)
				if w, ok := last[id]; ok {
					want = w
				}
				require.Equal(t, want, a.Credentials["bot_token"])
			}
			ns, err := db.Read().NotificationSettings(ctx, bu.ws.ID)
			require.NoError(t, err)
			require.Equal(t, "whsec", ns.WebhookSecret)
			var raw []byte
			q := `SELECT args FROM river_job WHERE kind = 'invitation_email'`
			require.NoError(t, db.WritePool().QueryRow(q).Scan(&raw))
			var got struct {
				SealedToken []byte `json:"sealed_token"`
			}
			require.NoError(t, json.Unmarshal(raw, &got))
			plain, err := newOnly.Open(got.SealedToken, []byte("ferry invitation inv_1"))
			require.NoError(t, err)
			require.Equal(t, "invitation-token", string(plain))

			// Nothing left to do.
			db.SetSealer(ring)
			again, err := db.RotateSecrets(ctx, 25, nil)
			require.NoError(t, err)
			for _, c := range again {
				require.Zero(t, c.Rotated, "%+v", c)
			}
			require.Equal(t, n, again[0].Current)
		})
	}
}
