package service_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/delivery/deliverytest"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// sharedAdapter loads the script dictionaries once for every test.
var sharedAdapter = sync.OnceValue(func() *adapt.Adapter { return adapt.New(script.NewConverter()) })

// testBundle is a service over a fresh database with one workspace and a
// principal of each role.
type testBundle struct {
	db    *store.DB
	svc   *service.Service
	sched *deliverytest.Scheduler
	ws    *ferry.Workspace
	// as holds a principal of each role in the workspace.
	as  map[ferry.Role]ferry.Principal
	now time.Time
}

// editor is the principal most tests act as.
func (b *testBundle) editor() ferry.Principal { return b.as[ferry.RoleEditor] }

// setup opens a fresh database of backend be; its store clock stands at
// b.now.
func setup(t testing.TB, be testdb.Backend) *testBundle {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, be)
	now := time.Date(2026, 9, 20, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	blobs, err := blob.New(t.TempDir())
	require.NoError(t, err)
	b := &testBundle{db: db, sched: &deliverytest.Scheduler{}, as: map[ferry.Role]ferry.Principal{}, now: now}
	b.svc = &service.Service{
		DB: db, Blobs: blobs, Scheduler: b.sched, Log: slog.New(slog.DiscardHandler),
		MaxUploadBytes: 10 << 20, Adapt: sharedAdapter(),
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		b.ws = &ferry.Workspace{Name: "Harbour News"}
		if err := tx.CreateWorkspace(ctx, b.ws); err != nil {
			return err
		}
		for _, r := range []ferry.Role{ferry.RoleOwner, ferry.RoleAdmin, ferry.RoleEditor, ferry.RoleReviewer, ferry.RoleViewer} {
			u := &ferry.User{Email: string(r) + "@example.org", Name: string(r)}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := tx.SetMembership(ctx, b.ws.ID, u.ID, r); err != nil {
				return err
			}
			b.as[r] = ferry.Principal{UserID: u.ID, WorkspaceID: b.ws.ID, Role: r}
		}
		return nil
	})
	require.NoError(t, err)
	return b
}

// account connects an account directly in the store (the service would
// verify it with the platform).
func (b *testBundle) account(t testing.TB, p ferry.Platform, name string, settings map[string]any) *ferry.Account {
	t.Helper()
	a := &ferry.Account{WorkspaceID: b.ws.ID, Platform: p, ExternalID: name, Name: name, Credentials: map[string]string{"access_token": "t"},
		Settings: settings, Health: ferry.HealthConnected}
	require.NoError(t, b.db.Write().CreateAccount(context.Background(), a))
	return a
}

// image uploads a w×h JPEG whose colours depend on seed.
func (b *testBundle) image(t testing.TB, w, h int, seed uint8) *ferry.Media {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x) + seed, G: uint8(y), B: seed, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}))
	m, err := b.svc.UploadMedia(context.Background(), b.editor(), &buf)
	require.NoError(t, err)
	return m
}
