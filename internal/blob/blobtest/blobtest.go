// Package blobtest starts a real S3-compatible server for tests: versitygw
// (github.com/versity/versitygw, installed by .ci/run with go install) on a
// free port over a temporary directory. Without it the S3 tests are
// skipped, except under CI=true, where they fail.
package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Server is a running versitygw with one bucket.
type Server struct {
	Endpoint string // host:port
	Bucket   string
	Access   string
	Secret   string
	Client   *minio.Client
}

// URL is FERRY_MEDIA_URL for the bucket under prefix.
func (s *Server) URL(prefix string) string {
	return fmt.Sprintf("s3://%s/%s?endpoint=http://%s&region=us-east-1", s.Bucket, prefix, s.Endpoint)
}

func binary() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	for _, dir := range strings.Split(strings.TrimSpace(string(gopath)), string(os.PathListSeparator)) {
		if p := filepath.Join(dir, "bin", "versitygw"); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Start starts a server and sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
// for the test (so the test cannot be parallel).
func Start(t *testing.T) *Server {
	t.Helper()
	bin := binary()
	if bin == "" {
		msg := "versitygw is not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0; .ci/run does it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s := &Server{Endpoint: addr, Bucket: "ferry-test", Access: "ferrytest", Secret: hex.EncodeToString(b)}
	root := t.TempDir()
	cmd := exec.Command(bin, "--port", addr, "--access", s.Access, "--secret", s.Secret, "--region", "us-east-1", "posix", root)
	logPath := filepath.Join(t.TempDir(), "versitygw.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("versitygw's log:\n%s", log)
		}
	})
	s.Client, err = minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(s.Access, s.Secret, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err = s.Client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{Region: "us-east-1"})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw on %s: create bucket: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", s.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.Secret)
	return s
}
