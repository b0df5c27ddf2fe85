package app_test

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/blob/blobtest"
	"github.com/ferry-social/ferry/internal/config"
)

// TestS3Media: with FERRY_MEDIA_URL on a real S3-compatible server, an
// upload lands in the bucket, Ferry serves it at /media/{hash} (the URL
// Instagram fetches: the sandbox's Instagram fetches it and publishes), a
// backup carries the bucket's objects and restores them into a directory,
// and `ferry media migrate` copies a directory's media into the bucket.
func TestS3Media(t *testing.T) {
	srv := blobtest.Start(t)
	mediaURL := srv.URL("ferry")
	b := boot(t, t.TempDir(), "", func(c *config.Config) { c.MediaURL = mediaURL })
	var m struct{ ID, SHA256 string }
	img := jpegBytes(t, 400, 500, 90)
	require.Equal(t, 201, b.upload(t, img, &m))
	s3, err := blob.OpenURL(mediaURL, "")
	require.NoError(t, err)
	rc, err := s3.Open(m.SHA256)
	require.NoError(t, err, "the upload is in the bucket")
	stored, _ := io.ReadAll(rc)
	rc.Close()
	local, err := blob.New(filepath.Join(b.cfg.DataDir, "media"))
	require.NoError(t, err)
	_, err = local.Open(m.SHA256)
	require.ErrorIs(t, err, blob.ErrNotFound, "and not in the data directory")

	resp, err := http.Get(b.url + "/media/" + m.SHA256)
	require.NoError(t, err)
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.True(t, bytes.Equal(stored, served))

	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "From the bucket", "body": "S3", "media_ids": []string{m.ID},
		"targets": []string{b.accountID(t, ferry.Instagram)}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &s))
	pub := b.settle(t, []string{s.ID}, 30*time.Second)[s.ID].Publications[0]
	require.Equal(t, "published", pub.State, "Instagram fetched the image from Ferry: %+v", pub)

	// A backup holds the bucket's objects; it restores into a directory.
	archive := filepath.Join(t.TempDir(), "b.tar")
	// Without FERRY_MEDIA_URL (runCLI's environment is empty) the backup
	// looks in the data directory, and refuses to leave the image out.
	code, _, errOut := runCLI(t, "backup", "--data", b.cfg.DataDir, "--out", archive)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, m.SHA256+" is referenced by the database but missing from the media store")
	t.Setenv("FERRY_MEDIA_URL", mediaURL)
	code, out, errOut := runCLIEnv(t, "backup", "--data", b.cfg.DataDir, "--out", archive)
	require.Equal(t, 0, code, "stderr %s", errOut)
	require.Contains(t, out, "2 media files") // the upload and the copy fitted for Instagram
	dest := t.TempDir()
	code, out, errOut = runCLI(t, "restore", "--data", dest, archive)
	require.Equal(t, 0, code, "stdout %s stderr %s", out, errOut)
	restored, err := blob.New(filepath.Join(dest, "media"))
	require.NoError(t, err)
	rc, err = restored.Open(m.SHA256)
	require.NoError(t, err)
	got, _ := io.ReadAll(rc)
	rc.Close()
	require.Equal(t, stored, got)

	// The restored directory's media, migrated into another prefix of the
	// bucket; a second run has nothing to copy.
	to := srv.URL("migrated")
	code, out, errOut = runCLI(t, "media", "migrate", "--data", dest, "--to", to)
	require.Equal(t, 0, code, "stdout %s stderr %s", out, errOut)
	require.Contains(t, out, "Media copied: 2; already there: 0; missing from the source: 0.")
	code, out, _ = runCLI(t, "media", "migrate", "--data", dest, "--to", to)
	require.Equal(t, 0, code)
	require.Contains(t, out, "Media copied: 0; already there: 2")
	migrated, err := app.OpenBlobs(config.Config{MediaURL: to})
	require.NoError(t, err)
	rc, err = migrated.Open(m.SHA256)
	require.NoError(t, err)
	rc.Close()
}
