package blob_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/blob/blobtest"
)

// TestS3_PutOpen runs the store against a real S3-compatible server.
func TestS3_PutOpen(t *testing.T) {
	srv := blobtest.Start(t)
	st, err := blob.OpenURL(srv.URL("media"), "")
	require.NoError(t, err)
	s3 := st.(*blob.S3)
	require.NoError(t, s3.Check(context.Background()))

	data := []byte("\x89PNG\r\n\x1a\n pretend image")
	sum, err := st.Put(data)
	require.NoError(t, err)
	want := sha256.Sum256(data)
	require.Equal(t, hex.EncodeToString(want[:]), sum)
	again, err := st.Put(data)
	require.NoError(t, err)
	require.Equal(t, sum, again)

	info, err := srv.Client.StatObject(context.Background(), srv.Bucket, "media/"+sum[:2]+"/"+sum[2:4]+"/"+sum, minio.StatObjectOptions{})
	require.NoError(t, err, "stored under the prefix, in the directory layout")
	require.Equal(t, "image/png", info.ContentType)

	rc, err := st.Open(sum)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, data, got)
	_, ok := rc.(io.ReadSeeker)
	require.True(t, ok, "objects seek, so /media serves ranges")

	_, err = st.Open(hex.EncodeToString(make([]byte, 32)))
	require.ErrorIs(t, err, blob.ErrNotFound)
	_, err = st.Open("../../etc/passwd")
	require.Error(t, err)

	missing, err := blob.OpenURL("s3://no-such-bucket/x?endpoint=http://"+srv.Endpoint+"&region=us-east-1", "")
	require.NoError(t, err)
	require.ErrorContains(t, missing.(*blob.S3).Check(context.Background()), "does not exist")
}

// TestCopy_DirToS3AndBack copies between a directory and a bucket, runs
// again (nothing to do), and repairs nothing it cannot verify.
func TestCopy_DirToS3AndBack(t *testing.T) {
	srv := blobtest.Start(t)
	dir, err := blob.New(t.TempDir())
	require.NoError(t, err)
	var sums []string
	for _, s := range []string{"one", "two", "three"} {
		sum, err := dir.Put([]byte(s))
		require.NoError(t, err)
		sums = append(sums, sum)
	}
	s3, err := blob.OpenURL(srv.URL("m"), "")
	require.NoError(t, err)
	ctx := context.Background()
	res, err := blob.Copy(ctx, dir, s3, sums[:2], nil) // stopped half-way
	require.NoError(t, err)
	require.Equal(t, 2, res.Copied)
	res, err = blob.Copy(ctx, dir, s3, append(sums, hex.EncodeToString(make([]byte, 32))), nil)
	require.NoError(t, err)
	require.Equal(t, blob.CopyResult{Copied: 1, Present: 2, Missing: []string{hex.EncodeToString(make([]byte, 32))}}, res)

	back := t.TempDir()
	dir2, err := blob.OpenURL("file://"+back, "")
	require.NoError(t, err)
	res, err = blob.Copy(ctx, s3, dir2, sums, nil)
	require.NoError(t, err)
	require.Equal(t, 3, res.Copied)
	// A damaged file in the source is refused, not copied.
	p := filepath.Join(back, sums[0][:2], sums[0][2:4], sums[0])
	require.NoError(t, os.WriteFile(p, []byte("bitrot"), 0o600))
	dir3, err := blob.New(t.TempDir())
	require.NoError(t, err)
	_, err = blob.Copy(ctx, dir2, dir3, sums, nil)
	require.ErrorContains(t, err, "damaged in the source")
}
