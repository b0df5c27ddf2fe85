package api

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/blob"
	"github.com/ferry-social/ferry/internal/media"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// bigPNG is a w×h 8-bit RGB PNG of gentle stripes, built row by row so
// that making it never holds the decoded image: a 7000×7000 one is about
// 200 KB, like the ones used when the API was probed.
func bigPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	chunk := func(out *bytes.Buffer, typ string, data []byte) {
		_ = binary.Write(out, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		out.Write(body)
		_ = binary.Write(out, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	require.NoError(t, err)
	row := make([]byte, 1+3*w)
	for y := range h {
		for x := range w {
			row[1+3*x], row[2+3*x], row[3+3*x] = byte(y/64), byte(x/64), 128
		}
		_, err := zw.Write(row)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	chunk(&out, "IHDR", append(ihdr, 8, 2, 0, 0, 0))
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// uploadServer is the API over SQLite with an editor's token, for uploads.
func uploadServer(t testing.TB) (url, token string) {
	t.Helper()
	db := testdb.Open(t, testdb.Backends()[0])
	blobs, err := blob.New(t.TempDir())
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	svc := &service.Service{DB: db, Blobs: blobs, Connectors: platform.NewRegistry(), Log: log, MaxUploadBytes: 4 << 20}
	srv := httptest.NewServer(New(svc, log, prometheus.NewRegistry()).Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	tok, hash, err := auth.NewToken()
	require.NoError(t, err)
	require.NoError(t, db.InTx(ctx, func(tx *store.Tx) error {
		ws := &ferry.Workspace{Name: "Uploads"}
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		u := &ferry.User{Email: "uploads@ferry.example"}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, ws.ID, u.ID, ferry.RoleEditor); err != nil {
			return err
		}
		return tx.CreateToken(ctx, &ferry.APIToken{UserID: u.ID, WorkspaceID: ws.ID, Name: "t", Hash: hash})
	}))
	return srv.URL, tok
}

func uploadPNG(url, token string, data []byte) (int, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "big.png")
	if err != nil {
		return 0, err
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", url+"/api/v1/media", &body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// A PNG whose header claims 100,000 × 100,000 pixels is refused from its
// header: 413, and no memory to speak of.
func TestUpload_PixelBombIsRefusedFromItsHeader(t *testing.T) {
	t.Parallel()
	url, token := uploadServer(t)
	status, err := uploadPNG(url, token, pngClaiming(100_000, 100_000))
	require.NoError(t, err)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
}

// pngClaiming is a PNG header claiming w×h pixels, with no pixel data.
func pngClaiming(w, h uint32) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	body := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&out, binary.BigEndian, uint32(len(ihdr)))
	out.Write(body)
	_ = binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(body))
	return out.Bytes()
}

// procKB reads a "VmRSS"-like field of /proc/self/status, in KB.
func procKB(t testing.TB, field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// BenchmarkParallelImageUploads uploads six (and twelve) 7000×7000 PNGs at
// once through the API, with and without the process-wide decode budget, and reports
// the process's resident memory before and at its peak (Linux: VmHWM,
// reset through /proc/self/clear_refs before each round). Run it alone:
//
//	go test ./internal/api -run '^$' -bench ParallelImageUploads -benchtime 3x
func BenchmarkParallelImageUploads(b *testing.B) {
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		b.Skip("needs Linux's /proc/self/clear_refs to reset the peak RSS")
	}
	data := bigPNG(b, 7000, 7000)
	b.Logf("each PNG: %d bytes, 7000×7000", len(data))
	for _, tc := range []struct {
		budget  int64
		uploads int
	}{{0, 6}, {media.DefaultDecodeBudget, 6}, {media.DefaultDecodeBudget, 12}} {
		budget := tc.budget
		name := "budget=none"
		if budget > 0 {
			name = fmt.Sprintf("budget=%dMP", budget/1_000_000)
		}
		b.Run(fmt.Sprintf("%s/uploads=%d", name, tc.uploads), func(b *testing.B) {
			prev := media.SetDecodeBudget(budget)
			defer media.SetDecodeBudget(prev)
			url, token := uploadServer(b)
			var base, peak int64
			var took time.Duration
			for range b.N {
				runtime.GC()
				debug.FreeOSMemory()
				base = max(base, procKB(b, "VmRSS"))
				require.NoError(b, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0))
				start := time.Now()
				var wg sync.WaitGroup
				for range tc.uploads {
					wg.Add(1)
					go func() {
						defer wg.Done()
						status, err := uploadPNG(url, token, data)
						if err != nil || status != http.StatusCreated {
							b.Errorf("upload: %d %v", status, err)
						}
					}()
				}
				wg.Wait()
				took = max(took, time.Since(start))
				peak = max(peak, procKB(b, "VmHWM"))
			}
			b.ReportMetric(float64(base)/1024, "base-RSS-MB")
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
			b.ReportMetric(took.Seconds(), "s/all-uploads")
		})
	}
}
