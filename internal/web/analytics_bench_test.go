package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/httpd"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
	"github.com/ferry-social/ferry/internal/web"
)

// The analytics benchmark's account: three years of daily readings and
// 5,000 posts with a reading at each of the six checkpoints (30,000).
const (
	benchAnalyticsDays  = 3 * 365
	benchAnalyticsPosts = 5_000
)

// BenchmarkAnalyticsPages measures the server time of the analytics pages
// (the whole handler: session, service, store, template) for an account
// with three years of daily readings and 5,000 posts of six readings each;
// the bar is 150 ms for the account page.
//
//	go test ./internal/web -run XXX -bench BenchmarkAnalyticsPages -benchtime 20x
//
// (with FERRY_TEST_DATABASE_URL for the PostgreSQL half).
func BenchmarkAnalyticsPages(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			h, cookie, account, story := benchAnalyticsSeed(b, be)
			for _, path := range []string{
				"/analytics/accounts/" + account + "?period=all&sort=engagement",
				"/analytics/accounts/" + account + "?period=1y",
				"/analytics/accounts/" + account,
				"/analytics?period=1y",
				"/analytics/stories/" + story,
			} {
				name := strings.ReplaceAll(strings.ReplaceAll(path, "/", "_"), account, "ID")
				b.Run(strings.ReplaceAll(name, story, "ID"), func(b *testing.B) {
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
					b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/page")
				})
			}
		})
	}
}

func benchAnalyticsSeed(b *testing.B, be testdb.Backend) (http.Handler, *http.Cookie, string, string) {
	b.Helper()
	ctx := context.Background()
	db := testdb.Open(b, be)
	end := time.Now().UTC()
	log := slog.New(slog.DiscardHandler)
	svc := &service.Service{DB: db, Log: log}
	ses, token, err := svc.Setup(ctx, service.SetupInput{Workspace: "Harbour News", TimeZone: "Asia/Hong_Kong", Region: "HK", Name: "Ada",
		Email: "ada@example.org", Password: "correct horse battery", Language: "zh-Hant"}, "")
	if err != nil {
		b.Fatal(err)
	}
	ws := ses.WorkspaceID
	var accts []*ferry.Account
	for i, pl := range []ferry.Platform{ferry.Weibo, ferry.Facebook, ferry.Instagram, ferry.Telegram, ferry.Xiaohongshu} {
		a := &ferry.Account{WorkspaceID: ws, Platform: pl, ExternalID: fmt.Sprint(i), Name: fmt.Sprintf("海港 %s", pl), Health: ferry.HealthConnected, Credentials: map[string]string{}}
		if err := db.Write().CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		accts = append(accts, a)
	}
	acct := accts[0]
	var story string
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, a := range accts { // every account: three years of daily readings
			for d := benchAnalyticsDays; d >= 0; d-- {
				n := int64(120_000 + (benchAnalyticsDays-d)*40 + d%7*15)
				if err := tx.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: end.AddDate(0, 0, -d), Followers: &n}); err != nil {
					return err
				}
			}
		}
		step := time.Duration(benchAnalyticsDays) * 24 * time.Hour / benchAnalyticsPosts
		for i := range benchAnalyticsPosts {
			at := end.Add(-time.Duration(benchAnalyticsDays)*24*time.Hour + time.Duration(i)*step)
			st := &ferry.Story{WorkspaceID: ws, Title: fmt.Sprintf("海港消息 %d", i), Body: "Harbour news", Targets: []string{acct.ID}, CreatedBy: ses.UserID}
			if err := tx.CreateStory(ctx, st); err != nil {
				return err
			}
			pub := &ferry.Publication{WorkspaceID: ws, StoryID: st.ID, AccountID: acct.ID, Platform: acct.Platform, State: ferry.StatePublished,
				PublishedAt: &at, RemoteID: fmt.Sprint(i)}
			if err := tx.CreatePublication(ctx, pub); err != nil {
				return err
			}
			for k, c := range metrics.Checkpoints {
				views, likes, comments, shares := int64(1000*(k+1)+i%977), int64(50*(k+1)+i%89), int64(5*(k+1)), int64(3*(k+1)+i%7)
				if err := tx.PutPostSnapshot(ctx, ferry.PostSnapshot{PublicationID: pub.ID, AccountID: acct.ID, At: at.Add(c.After),
					Views: &views, Likes: &likes, Comments: &comments, Shares: &shares}); err != nil {
					return err
				}
			}
			story = st.ID
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if be.Name == "PostgreSQL" { // statistics, as autovacuum would gather after a bulk load
		if _, err := db.WritePool().ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	ui, err := web.New(web.Options{Service: svc, Log: log, PublicURL: "http://ferry.test"})
	if err != nil {
		b.Fatal(err)
	}
	return httpd.Handler(ui.Handler(), log), &http.Cookie{Name: "ferry_session", Value: token}, acct.ID, story
}
