package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
)

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// storeMany writes n published stories with their variants and
// publications, in batches, as years of use would leave them.
func storeMany(ctx context.Context, e *env, n int) error {
	const batch = 500
	ws := e.p.WorkspaceID
	for done := 0; done < n; done += batch {
		err := e.main.DB.InTx(ctx, func(tx *store.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				acc := e.accounts[i%len(e.accounts)]
				at := time.Now().Add(-time.Duration(n-i) * time.Hour)
				s := &ferry.Story{WorkspaceID: ws, Title: fmt.Sprintf("Story %d", i), Body: strings.Repeat("維港夜色 harbour lights ", 8), Targets: []string{acc}, ScheduledAt: &at, CreatedBy: e.p.UserID}
				if err := tx.CreateStory(ctx, s); err != nil {
					return err
				}
				if err := tx.PutVariant(ctx, ferry.Variant{StoryID: s.ID, AccountID: acc, Text: s.Body}); err != nil {
					return err
				}
				p := &ferry.Publication{WorkspaceID: ws, StoryID: s.ID, AccountID: acc, Platform: ferry.Telegram, State: ferry.StatePublished,
					ScheduledAt: &at, PublishedAt: &at, RemoteID: fmt.Sprint(i), Attempts: 1}
				if err := tx.CreatePublication(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// exercise waits for serve, then pages through stories and returns the
// mean time of one page request in milliseconds.
func exercise(base, token string) (float64, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("serve did not become ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	const pages = 50
	start := time.Now()
	cursor := ""
	for range pages {
		req, _ := http.NewRequest("GET", base+"/api/v1/stories?limit=50&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		var body struct {
			Next string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return 0, fmt.Errorf("stories page: status %d: %v", resp.StatusCode, err)
		}
		cursor = body.Next
	}
	return float64(time.Since(start).Microseconds()) / 1000 / pages, nil
}

// Machine describes where the benchmark ran.
func Machine() string {
	host, _ := os.Hostname()
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s, %s/%s, host %s", runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, host)
}
