package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/archive"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// archiveJobs records the jobs the service asks for; the tests run them
// as the River workers would (internal/jobs tests River itself).
type archiveJobs struct {
	mu                 sync.Mutex
	archives, closures []string
}

func (j *archiveJobs) ScheduleArchive(_ context.Context, _ *store.Tx, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.archives = append(j.archives, id)
	return nil
}

func (j *archiveJobs) ScheduleClosure(_ context.Context, _ *store.Tx, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closures = append(j.closures, id)
	return nil
}

// weiboConn is a Weibo that deletes posts (one of them already gone) and
// reports a follower count, recording what it was asked.
type weiboConn struct {
	mu      sync.Mutex
	deleted []string
}

func (*weiboConn) Platform() ferry.Platform { return ferry.Weibo }
func (*weiboConn) Publish(context.Context, platform.Account, platform.Post) (platform.Result, error) {
	return platform.Result{}, errors.New("these tests never publish")
}
func (c *weiboConn) Delete(_ context.Context, _ platform.Account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleted = append(c.deleted, id)
	if id == "gone" {
		return platform.ErrGone
	}
	return nil
}
func (*weiboConn) AccountMetrics(context.Context, platform.Account) (platform.AccountMetrics, error) {
	n := int64(4321)
	return platform.AccountMetrics{Followers: &n}, nil
}
func (*weiboConn) PostMetrics(context.Context, platform.Account, []string) (map[string]platform.PostMetrics, error) {
	return map[string]platform.PostMetrics{}, nil
}

type archiveFixture struct {
	*testBundle
	jobs  *archiveJobs
	conn  *weiboConn
	admin ferry.Principal
	acct  *ferry.Account
	// pubs: published "r1", published "gone", scheduled.
	published, gone, scheduled *ferry.Publication
}

func newArchiveFixture(t *testing.T, be testdb.Backend) *archiveFixture {
	t.Helper()
	ctx := context.Background()
	f := &archiveFixture{testBundle: setup(t, be), jobs: &archiveJobs{}, conn: &weiboConn{}}
	f.svc.ArchiveJobs, f.svc.Connectors = f.jobs, platform.NewRegistry(f.conn)
	f.admin = f.as[ferry.RoleAdmin]
	f.acct = f.account(t, ferry.Weibo, "1001", map[string]any{"link_url": "https://ferry.example/w"})
	img := f.image(t, 400, 300, 7)
	at := f.now.Add(24 * time.Hour)
	mk := func(title, body string, media []string) *ferry.Publication {
		v, err := f.svc.CreateStory(ctx, f.editor(), service.StoryInput{Title: title, Body: body, MediaIDs: media, Targets: []string{f.acct.ID}, ScheduledAt: &at})
		require.NoError(t, err)
		require.Len(t, v.Publications, 1)
		return v.Publications[0]
	}
	publish := func(pub *ferry.Publication, remote string) {
		at := f.now.Add(-time.Hour)
		pub.State, pub.RemoteID, pub.RemoteURL, pub.PublishedAt, pub.ScheduledAt = ferry.StatePublished, remote, "https://weibo.com/1001/"+remote, &at, &at
		require.NoError(t, f.db.Write().SavePublication(ctx, pub))
	}
	f.published = mk("Typhoon signal", "八號風球 <script>alert(1)</script> 今晚生效", []string{img.ID})
	publish(f.published, "r1")
	f.gone = mk("Roads", "Roads reopen", nil)
	publish(f.gone, "gone")
	f.scheduled = mk("Tomorrow", "Tomorrow's briefing", nil)
	followers := int64(1200)
	require.NoError(t, f.db.Write().PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: f.acct.ID, At: f.now.Add(-48 * time.Hour), Followers: &followers}))
	return f
}

// zipFiles reads a ZIP's files by name.
func zipFiles(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		out[f.Name] = b
	}
	return out
}

func TestArchive_HoldsTheAccountsRecordMediaAndViewerAndIsVerified(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			f := newArchiveFixture(t, be)
			_, err := f.svc.RequestArchive(ctx, f.editor(), f.acct.ID)
			require.True(t, ferry.IsCode(err, ferry.EFORBIDDEN), "editors do not archive: %v", err)
			a, err := f.svc.RequestArchive(ctx, f.admin, f.acct.ID)
			require.NoError(t, err)
			require.Equal(t, ferry.ArchiveQueued, a.State)
			require.Equal(t, []string{a.ID}, f.jobs.archives, "a job writes it")
			_, _, err = f.svc.OpenArchive(ctx, f.admin, a.ID)
			require.True(t, ferry.IsCode(err, ferry.ECONFLICT), "not ready yet: %v", err)

			require.NoError(t, f.svc.WriteArchive(ctx, a.ID))
			list, err := f.svc.Archives(ctx, f.as[ferry.RoleViewer], f.acct.ID)
			require.NoError(t, err)
			require.Len(t, list, 1)
			require.Equal(t, ferry.ArchiveReady, list[0].State)
			require.Equal(t, 2, list[0].Posts)
			require.Positive(t, list[0].Bytes)

			got, rc, err := f.svc.OpenArchive(ctx, f.admin, a.ID)
			require.NoError(t, err)
			data, err := io.ReadAll(rc)
			rc.Close()
			require.NoError(t, err)
			require.EqualValues(t, got.Bytes, len(data))
			m, err := archive.Verify(bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			require.Len(t, m.Files, got.Files-1, "every file but the manifest is listed")

			files := zipFiles(t, data)
			for _, name := range []string{"account.json", "stories.json", "variants.json", "versions.json", "publications.json", "attempts.json", "handoffs.json",
				"account_readings.json", "post_readings.json", "audit.json", "media.json", "data.js", "index.html", "viewer.js", "viewer.css", "manifest.json"} {
				require.Contains(t, files, name)
			}
			require.NotContains(t, string(files["account.json"]), "access_token", "credentials never leave")
			require.Contains(t, string(files["publications.json"]), "https://weibo.com/1001/r1")
			require.Contains(t, string(files["stories.json"]), "Tomorrow's briefing", "scheduled stories too")
			require.Contains(t, string(files["versions.json"]), `"text":"【Roads】Roads reopen https://ferry.example/w"`, "every saved version of the story and its variants")
			require.Contains(t, string(files["account_readings.json"]), "1200")
			require.Contains(t, string(files["data.js"]), "八号风球", "the viewer's data holds the posts as sent (Weibo: simplified)")
			images := 0
			for name := range files {
				if strings.HasPrefix(name, "media/") {
					images++
					require.True(t, strings.HasSuffix(name, ".jpg"), name)
				}
			}
			require.Equal(t, 2, images, "the original and the copy fitted for Weibo")
		})
	}
}

func TestArchive_VerifyNamesTheFileThatDoesNotMatch(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := archive.NewWriter(&buf, "acc_1", time.Now())
	for name, body := range map[string]string{"a.json": "[1]", "b.json": "[2]"} {
		f, err := w.Create(name, time.Now())
		require.NoError(t, err)
		_, _ = io.WriteString(f, body)
	}
	require.NoError(t, w.Close())
	_, err := archive.Verify(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)

	// The same archive with b.json's content altered.
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var bad bytes.Buffer
	zw := zip.NewWriter(&bad)
	for _, f := range zr.File {
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		if f.Name == "b.json" {
			body = []byte("[3]")
		}
		out, _ := zw.Create(f.Name)
		_, _ = out.Write(body)
	}
	require.NoError(t, zw.Close())
	_, err = archive.Verify(bytes.NewReader(bad.Bytes()), int64(bad.Len()))
	require.ErrorContains(t, err, "b.json does not match its checksum")
	_, err = archive.Verify(bytes.NewReader(bad.Bytes()[:bad.Len()/2]), int64(bad.Len()/2))
	require.Error(t, err, "a truncated archive is refused")
}
