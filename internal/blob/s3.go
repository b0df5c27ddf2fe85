package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps files in a bucket of an S3-compatible store, under a prefix, as
// <prefix>/ab/cd/abcdef… by hash: the same layout as Dir.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
	// Timeout bounds one call to the store.
	Timeout time.Duration
}

// OpenURL opens the media store a URL names: empty or a file path (or
// file:///path) is a directory; s3://bucket/prefix?endpoint=host:port&region=…
// is an S3-compatible store, reached over https unless the endpoint is
// given as http://host:port. Credentials come from the usual AWS_
// environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), then ~/.aws/credentials, then the instance's role.
func OpenURL(raw, dir string) (Store, error) {
	switch {
	case raw == "":
		return New(dir)
	case strings.HasPrefix(raw, "file://"):
		return New(strings.TrimPrefix(raw, "file://"))
	case !strings.Contains(raw, "://"):
		return New(filepath.Clean(raw))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("the media URL %q must look like s3://bucket/prefix?endpoint=host:port&region=… or be a directory", raw)
	}
	q := u.Query()
	endpoint, secure := q.Get("endpoint"), true
	switch {
	case endpoint == "":
		endpoint = "s3.amazonaws.com"
	case strings.HasPrefix(endpoint, "http://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "http://"), false
	case strings.HasPrefix(endpoint, "https://"):
		endpoint = strings.TrimPrefix(endpoint, "https://")
	}
	endpoint = strings.TrimRight(endpoint, "/")
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
	opts := &minio.Options{Creds: creds, Secure: secure, Region: q.Get("region")}
	if q.Get("path_style") != "false" { // most S3-compatible servers want path-style requests
		opts.BucketLookup = minio.BucketLookupPath
	}
	client, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: u.Host, prefix: prefix, Timeout: 2 * time.Minute}, nil
}

// Check makes sure the bucket exists and answers, so that a wrong URL or
// credentials fail at start and not at the first upload.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: s3 bucket %q: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("blob: s3 bucket %q does not exist", s.bucket)
	}
	return nil
}

func (s *S3) key(sum string) (string, error) {
	if len(sum) != 64 {
		return "", fmt.Errorf("blob: bad hash %q", sum)
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return "", fmt.Errorf("blob: bad hash %q", sum)
	}
	return s.prefix + sum[:2] + "/" + sum[2:4] + "/" + sum, nil
}

// Put implements Store. An object already stored under the hash is kept.
func (s *S3) Put(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	hexsum := hex.EncodeToString(sum[:])
	key, _ := s.key(hexsum)
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	if _, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{}); err == nil {
		return hexsum, nil
	} else if !notFound(err) {
		return "", fmt.Errorf("blob: s3: %w", err)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:    http.DetectContentType(data),
		SendContentMd5: true, // the store refuses a body damaged on the way
	})
	if err != nil {
		return "", fmt.Errorf("blob: s3: %w", err)
	}
	return hexsum, nil
}

// PutReader implements Store: r passes through a temporary file while it
// is hashed (the object's key is its hash), then goes up with its size
// known; never whole in memory.
func (s *S3) PutReader(r io.Reader) (string, int64, error) {
	tmp, err := os.CreateTemp("", "ferry-blob-*")
	if err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	hexsum := hex.EncodeToString(h.Sum(nil))
	key, _ := s.key(hexsum)
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	if _, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{}); err == nil {
		return hexsum, n, nil
	} else if !notFound(err) {
		return "", 0, fmt.Errorf("blob: s3: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	if _, err := s.client.PutObject(ctx, s.bucket, key, tmp, n, minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return "", 0, fmt.Errorf("blob: s3: %w", err)
	}
	return hexsum, n, nil
}

// Open implements Store. The object is a ReadSeeker, so /media/{hash}
// serves ranges from it.
func (s *S3) Open(sum string) (io.ReadCloser, error) {
	key, err := s.key(sum)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		cancel()
		if obj != nil {
			obj.Close()
		}
		if notFound(err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	return &s3Object{Object: obj, cancel: cancel}, nil
}

// s3Object releases its context when closed.
type s3Object struct {
	*minio.Object
	cancel context.CancelFunc
}

func (o *s3Object) Close() error {
	defer o.cancel()
	return o.Object.Close()
}

func notFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound
}
