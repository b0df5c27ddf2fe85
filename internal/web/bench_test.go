package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// benchPublications is how many publications the page benchmark stores:
// the bar is 100 ms of server time per page with 100,000.
const (
	benchStories      = 25_000
	benchPerStory     = 4
	benchPublications = benchStories * benchPerStory
	benchImages       = 500
)

// benchClock is the store's clock while seeding: each story is written at
// its own time, so lists and the dashboard's "this week" see history.
type benchClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *benchClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *benchClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// BenchmarkPages measures the server time of the main pages (the whole
// handler: session, service, store, template) with 100,000 stored
// publications: 25,000 stories over two years to four of five accounts,
// mostly published, with failures, unknown outcomes, cancellations and a
// month of scheduled ones ahead, and 500 images of which every fifth story
// uses one.
//
//	go test ./internal/web -run XXX -bench BenchmarkPages -benchtime 50x
//
// (with FERRY_TEST_DATABASE_URL for the PostgreSQL half).
func BenchmarkPages(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			h, cookie, story := benchSeed(b, be)
			for _, path := range []string{"/", "/stories", "/stories?state=failed", "/stories?q=" + "Story+2400", "/stories/" + story, "/media", "/media?q=harbour", "/compose", "/compose/library?library_q=harbour"} {
				b.Run(strings.ReplaceAll(path, "/", "_"), func(b *testing.B) {
					req := httptest.NewRequest("GET", path, nil)
					req.AddCookie(cookie)
					req.Header.Set("Accept-Language", "zh-HK")
					cpu := processCPU()
					for b.Loop() {
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d\n%s", path, rec.Code, rec.Body.String())
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
					// CPU time is steadier than wall time on a shared machine; on
					// PostgreSQL it leaves out the database server's share.
					b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/page")
				})
			}
		})
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSeed stores the benchmark's workspace and returns the UI's handler,
// a signed-in session's cookie and the id of a story with four
// publications and their attempts.
func benchSeed(b *testing.B, be testdb.Backend) (http.Handler, *http.Cookie, string) {
	b.Helper()
	ctx := context.Background()
	tb := setup(b, be)
	db := tb.svc.DB
	end := time.Now().UTC()
	clock := &benchClock{now: end}
	db.Now = clock.Now
	owner, token := tb.setUpIn("Asia/Hong_Kong", "zh-Hant")
	ws := owner.WorkspaceID
	var accts []*ferry.Account
	for i, pl := range []ferry.Platform{ferry.Weibo, ferry.Xiaohongshu, ferry.Facebook, ferry.Instagram, ferry.Telegram} {
		a := &ferry.Account{WorkspaceID: ws, Platform: pl, ExternalID: fmt.Sprint(i), Name: fmt.Sprintf("海港 %s", pl), Health: ferry.HealthConnected, Credentials: map[string]string{}}
		if err := db.Write().CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		accts = append(accts, a)
	}
	start := end.AddDate(-2, 0, 0)
	var images []string
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := range benchImages {
			sum := sha256.Sum256([]byte(fmt.Sprint("image ", i)))
			m := &ferry.Media{WorkspaceID: ws, SHA256: hex.EncodeToString(sum[:]), Mime: "image/jpeg", Width: 1200, Height: 900, Bytes: 200_000}
			clock.set(start.Add(time.Duration(i) * time.Hour))
			if err := tx.CreateMedia(ctx, m); err != nil {
				return err
			}
			tags := []string{"harbour"}
			if i%3 == 0 {
				tags = append(tags, "中秋")
			}
			if err := tx.SetMediaAlt(ctx, ws, m.ID, fmt.Sprintf("Image %d of the harbour", i), false); err != nil {
				return err
			}
			if err := tx.SetMediaTags(ctx, m.ID, tags); err != nil {
				return err
			}
			images = append(images, m.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Stories every 42 minutes from two years ago; the last ~1,000 are in
	// the coming month.
	step := end.Add(30*24*time.Hour).Sub(start) / benchStories
	var detail string
	const batch = 1000
	for first := 0; first < benchStories; first += batch {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := first; i < first+batch; i++ {
				at := start.Add(time.Duration(i) * step)
				if at.Before(end) {
					clock.set(at)
				} else {
					clock.set(end)
				}
				targets := make([]string, benchPerStory)
				for j := range targets {
					targets[j] = accts[(i+j)%len(accts)].ID
				}
				st := &ferry.Story{WorkspaceID: ws, Title: fmt.Sprintf("Story %d 維港夜色", i), Body: strings.Repeat("維港夜色 harbour lights ", 8),
					Targets: targets, ScheduledAt: &at, CreatedBy: owner.UserID}
				if i%5 == 0 {
					st.MediaIDs = []string{images[i%len(images)]}
				}
				if err := tx.CreateStory(ctx, st); err != nil {
					return err
				}
				for j, acc := range targets {
					pub := &ferry.Publication{WorkspaceID: ws, StoryID: st.ID, AccountID: acc, Platform: accts[(i+j)%len(accts)].Platform, ScheduledAt: &at}
					switch {
					case at.After(end):
						pub.State = ferry.StateScheduled
					case (i+j)%50 == 0:
						pub.State, pub.Error = ferry.StateFailed, &ferry.PubError{Code: "20019", Message: "Weibo refused the post as a repeat."}
					case (i+j)%199 == 0:
						pub.State = ferry.StateUnknown
					case (i+j)%97 == 0:
						pub.State = ferry.StateCanceled
					case (i+j)%293 == 0:
						pub.State = ferry.StateMissed
					default:
						pub.State, pub.PublishedAt, pub.RemoteURL = ferry.StatePublished, &at, fmt.Sprintf("https://example.org/%d/%d", i, j)
					}
					if err := tx.CreatePublication(ctx, pub); err != nil {
						return err
					}
					if pub.State == ferry.StateFailed || pub.State == ferry.StateUnknown || i == benchStories/2 {
						a := &ferry.Attempt{PublicationID: pub.ID, Number: 1, Version: 1, Fingerprint: "f"}
						if err := tx.OpenAttempt(ctx, a); err != nil {
							return err
						}
						if pub.State != ferry.StateUnknown {
							fin := at.Add(time.Second)
							a.FinishedAt, a.Outcome = &fin, ferry.OutcomePublished
							if pub.State == ferry.StateFailed {
								a.Outcome, a.ErrorCode, a.ErrorMessage = ferry.OutcomeFailed, "20019", "repeat content"
							}
							if err := tx.FinishAttempt(ctx, a); err != nil {
								return err
							}
						}
					}
				}
				if i == benchStories/2 {
					detail = st.ID
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	clock.set(end)
	return tb.srv.Config.Handler, &http.Cookie{Name: "ferry_session", Value: token}, detail
}
