package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/metrics"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

type accountMetrics struct {
	AccountID string `json:"account_id"`
	Snapshots []struct {
		At        time.Time `json:"at"`
		Followers *int64    `json:"followers"`
		Following *int64    `json:"following"`
		Posts     *int64    `json:"posts"`
	} `json:"snapshots"`
	Change struct {
		Followers *int64 `json:"followers"`
	} `json:"change"`
}

type postMetrics struct {
	PublicationID string `json:"publication_id"`
	Snapshots     []struct {
		At         time.Time `json:"at"`
		Checkpoint *string   `json:"checkpoint"`
		Views      *int64    `json:"views"`
		Likes      *int64    `json:"likes"`
		Comments   *int64    `json:"comments"`
		Shares     *int64    `json:"shares"`
		Saves      *int64    `json:"saves"`
	} `json:"snapshots"`
}

func (pm postMetrics) checkpoints() []string {
	var out []string
	for _, s := range pm.Snapshots {
		if s.Checkpoint == nil {
			out = append(out, "")
		} else {
			out = append(out, *s.Checkpoint)
		}
	}
	return out
}

// collectorAt returns a collector of the running Ferry whose clock is
// ahead of the real one by d.
func (b *testBundle) collectorAt(d time.Duration) *metrics.Collector {
	c := metrics.New(b.m.DB, b.m.Engine.Connectors, slog.New(slog.DiscardHandler))
	c.Now = func() time.Time { return time.Now().Add(d) }
	return c
}

func TestMetrics_DemoAccountsAreReadSoonAfterStart(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	start := time.Now()
	for _, p := range []ferry.Platform{ferry.Telegram, ferry.Weibo, ferry.Facebook, ferry.Instagram} {
		acc := b.accountID(t, p)
		for {
			var m accountMetrics
			require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+acc+"/metrics", nil, &m))
			// The demo's history ends a day ago; the collector's reading is new.
			if n := len(m.Snapshots); n > 0 && m.Snapshots[n-1].At.After(start.Add(-time.Minute)) {
				require.NotNil(t, m.Snapshots[n-1].Followers, "%s reports followers", p)
				require.Positive(t, *m.Snapshots[n-1].Followers)
				break
			}
			require.Less(t, time.Since(start), 60*time.Second, "%s: no reading a minute after the start", p)
			time.Sleep(250 * time.Millisecond)
		}
	}
	t.Logf("every demo account was read %v after the start", time.Since(start).Round(time.Millisecond))
}

func TestMetrics_PublishedPostsAreReadAtTheirCheckpoints(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := boot(t, t.TempDir(), be.Options(t).URL)
			var photo struct{ ID string }
			require.Equal(t, 201, b.upload(t, jpegBytes(t, 400, 500, 90), &photo))
			pubs := map[ferry.Platform]string{}
			var ids []string
			now := time.Now().UTC().Format(time.RFC3339Nano)
			for _, p := range []ferry.Platform{ferry.Telegram, ferry.Weibo, ferry.Facebook, ferry.Instagram} {
				var s story
				require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Metrics", "body": "measured on " + string(p),
					"media_ids": []string{photo.ID}, "targets": []string{b.accountID(t, p)}, "scheduled_at": now}, &s))
				ids = append(ids, s.ID)
			}
			for _, s := range b.settle(t, ids, 30*time.Second) {
				pub := s.Publications[0]
				require.Equal(t, "published", pub.State, "%+v", pub)
				for _, p := range []ferry.Platform{ferry.Telegram, ferry.Weibo, ferry.Facebook, ferry.Instagram} {
					if b.accountID(t, p) == pub.AccountID {
						pubs[p] = pub.ID
					}
				}
			}
			read := func(p ferry.Platform) postMetrics {
				var pm postMetrics
				require.Equal(t, 200, b.do(t, "GET", "/api/v1/publications/"+pubs[p]+"/metrics", nil, &pm))
				require.Equal(t, pubs[p], pm.PublicationID)
				return pm
			}
			ctx := context.Background()
			for _, p := range []ferry.Platform{ferry.Weibo, ferry.Facebook, ferry.Instagram} {
				require.Empty(t, read(p).Snapshots, "%s: nothing is read before the first checkpoint", p)
			}

			// Two hours on: the 1h checkpoint of every post is due.
			sum, err := b.collectorAt(2 * time.Hour).Run(ctx)
			require.NoError(t, err)
			require.Equal(t, 3, sum.Posts, "%+v", sum)
			require.Zero(t, sum.Failed)
			for _, p := range []ferry.Platform{ferry.Weibo, ferry.Facebook, ferry.Instagram} {
				pm := read(p)
				require.Equal(t, []string{"1h"}, pm.checkpoints(), "%s", p)
				require.NotNil(t, pm.Snapshots[0].Likes, "%s reports likes", p)
				require.NotNil(t, pm.Snapshots[0].Comments, "%s reports comments", p)
			}
			require.NotNil(t, read(ferry.Instagram).Snapshots[0].Saves, "Instagram reports saves")
			require.NotNil(t, read(ferry.Weibo).Snapshots[0].Shares, "Weibo reports reposts")
			require.Empty(t, read(ferry.Telegram).Snapshots, "the Bot API gives no per-post counts")

			// Fifty hours on, the collector having been down: one reading for
			// 24h, none for the 6h checkpoint it missed; a repeat reads nothing.
			late := b.collectorAt(50 * time.Hour)
			sum, err = late.Run(ctx)
			require.NoError(t, err)
			require.Equal(t, 3, sum.Posts)
			sum, err = late.Run(ctx)
			require.NoError(t, err)
			require.Zero(t, sum.Posts)
			for _, p := range []ferry.Platform{ferry.Weibo, ferry.Facebook, ferry.Instagram} {
				require.Equal(t, []string{"1h", "24h"}, read(p).checkpoints(), "%s", p)
			}

			// Accounts are read once a day: on each of the next two days.
			tg := b.accountID(t, ferry.Telegram)
			for _, d := range []time.Duration{26 * time.Hour, 50 * time.Hour} {
				_, err := b.collectorAt(d).CollectAccount(ctx, tg)
				require.NoError(t, err)
			}
			to := time.Now().Add(4 * 24 * time.Hour).Format(time.DateOnly)
			var am accountMetrics
			require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+tg+"/metrics?to="+to, nil, &am))
			require.Equal(t, tg, am.AccountID)
			require.GreaterOrEqual(t, len(am.Snapshots), 2)
			require.NotNil(t, am.Change.Followers, "the change in subscribers over the range")
			require.Equal(t, *am.Snapshots[len(am.Snapshots)-1].Followers-*am.Snapshots[0].Followers, *am.Change.Followers)
			var past accountMetrics
			require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+tg+"/metrics?from=2020-01-01&to=2020-12-31", nil, &past))
			require.Empty(t, past.Snapshots)
		})
	}
}

// weiboOAuthToken signs a sandbox Weibo user in through the emulated OAuth
// flow and returns the access token, which lasts as long as the sandbox's
// token lifetime says.
func (b *testBundle) weiboOAuthToken(t *testing.T, uid string) string {
	t.Helper()
	redirect := "https://ferry.example/oauth/weibo"
	q := url.Values{"client_id": {"ferry-test"}, "redirect_uri": {redirect}, "response_type": {"code"}, "sandbox_uid": {uid}, "state": {"s"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(b.url + "/sandbox/weibo/oauth2/authorize?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code, "redirected to %s", loc)
	resp, err = http.PostForm(b.url+"/sandbox/weibo/oauth2/access_token", url.Values{"client_id": {"ferry-test"}, "client_secret": {"secret"},
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.NotEmpty(t, tok.AccessToken)
	return tok.AccessToken
}

func TestMetrics_AnExpiringWeiboTokenMovesTheAccountBeforeAPublish(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	ctx := context.Background()
	connectWeibo := func(uid string, life time.Duration) string {
		b.m.Sandbox.SetWeiboTokenLifetime(life)
		var a struct{ ID string }
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "weibo", "external_id": uid,
			"credentials": map[string]string{"access_token": b.weiboOAuthToken(t, uid)}, "settings": map[string]any{"link_url": "https://ferry.example/s"}}, &a))
		return a.ID
	}
	lapsing := connectWeibo("5000000071", 5*time.Minute) // an unaudited app's last minutes
	daily := connectWeibo("5000000072", 24*time.Hour)    // an unaudited app's day

	watch := b.collectorAt(0)
	_, err := watch.WatchTokens(ctx, time.Hour)
	require.NoError(t, err)
	_, err = watch.WatchTokens(ctx, time.Hour)
	require.NoError(t, err)

	var acct struct {
		Health       string `json:"health"`
		HealthReason string `json:"health_reason"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+lapsing, nil, &acct))
	require.Equal(t, "needs_reauth", acct.Health)
	require.Contains(t, acct.HealthReason, "The Weibo authorisation expires at")
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+daily, nil, &acct))
	require.Equal(t, "connected", acct.Health)

	audits := func(id string) []string {
		evs, err := b.m.DB.Read().AuditEvents(ctx, ferry.AuditFilter{WorkspaceID: b.workspaceID(t), TargetType: "account", TargetID: id})
		require.NoError(t, err)
		var out []string
		for _, e := range evs {
			out = append(out, e.Action)
		}
		return out
	}
	require.Contains(t, audits(lapsing), "account.needs_reauth")
	expiring := slices.DeleteFunc(audits(daily), func(a string) bool { return a != metrics.ActionTokenExpiring })
	require.Len(t, expiring, 1, "announced once a day")

	// A story for the lapsing account waits for reconnection: Weibo is never called.
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "never sent on a lapsing token", "targets": []string{lapsing},
		"scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &s))
	got := b.waitState(t, s.ID, "needs_reauth", 15*time.Second)
	require.Zero(t, got.Publications[0].Attempts)
	require.Equal(t, "needs_reauth", got.Publications[0].ReasonCode)
	require.Contains(t, got.Publications[0].Reason, "reconnect")
	require.Empty(t, b.m.Sandbox.Posts(ferry.Weibo, "5000000071"))
}

func (b *testBundle) workspaceID(t *testing.T) string {
	t.Helper()
	ws, err := b.m.DB.Read().WorkspaceByName(context.Background(), "Demo")
	require.NoError(t, err)
	return ws.ID
}

// xhsPublished makes a published Xiaohongshu publication as a person would
// once they confirm the note went out (handoff).
func (b *testBundle) xhsPublished(t *testing.T, title string, at time.Time, noteURL string) string {
	t.Helper()
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": title, "body": "on Xiaohongshu", "targets": []string{b.accountID(t, ferry.Xiaohongshu)}}, &s))
	id := s.Publications[0].ID
	ctx := context.Background()
	require.NoError(t, b.m.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.PublicationForUpdate(ctx, id)
		if err != nil {
			return err
		}
		p.State, p.PublishedAt, p.RemoteURL = ferry.StatePublished, &at, noteURL
		return tx.SavePublication(ctx, p)
	}))
	return id
}

// importFile posts an export to the import endpoint.
func (b *testBundle) importFile(t *testing.T, accountID, name string, data []byte, at string, out any) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if at != "" {
		require.NoError(t, mw.WriteField("at", at))
	}
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, _ = fw.Write(data)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", b.url+"/api/v1/accounts/"+accountID+"/metrics/import", &body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(raw, out), "body %s", raw)
	return resp.StatusCode
}

type metricsImport struct {
	Columns  map[string]string `json:"columns"`
	Imported []struct {
		Line          int    `json:"line"`
		PublicationID string `json:"publication_id"`
	} `json:"imported"`
	Unmatched []struct {
		Line    int    `json:"line"`
		Problem string `json:"problem"`
	} `json:"unmatched"`
	Invalid []struct {
		Line    int    `json:"line"`
		Problem string `json:"problem"`
	} `json:"invalid"`
}

func TestMetrics_XiaohongshuExportsAndManualReadings(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	xhs := b.accountID(t, ferry.Xiaohongshu)
	cst := time.FixedZone("CST", 8*3600)
	midAutumn := b.xhsPublished(t, "中秋快樂 月餅分享", time.Date(2026, 9, 25, 20, 5, 0, 0, cst), "https://www.xiaohongshu.com/explore/66f3a1b2c3d4e5f6a7b8c9d0")
	climb := b.xhsPublished(t, "重陽登高", time.Date(2026, 10, 29, 9, 40, 0, 0, cst), "")
	lantern := b.xhsPublished(t, "Lantern walk", time.Date(2026, 10, 1, 19, 0, 0, 0, cst), "")

	t.Run("CSV", func(t *testing.T) {
		csv := "\ufeff笔记标题,发布时间,观看量,点赞,评论,收藏,分享,涨粉\n" +
			"重陽登高,2026-10-29 09:30,10万+,\"5,678\",-,90,7,3\n" +
			"Never posted,2026-10-02 10:00,12,1,0,0,0,0\n" +
			"Broken,2026-10-02 10:00,many,1,0,0,0,0\n"
		var res metricsImport
		require.Equal(t, 200, b.importFile(t, xhs, "notes.csv", []byte(csv), "2026-11-01T12:00:00+08:00", &res))
		require.Equal(t, "观看量", res.Columns["views"])
		require.Len(t, res.Imported, 1)
		require.Equal(t, climb, res.Imported[0].PublicationID)
		require.Len(t, res.Unmatched, 1)
		require.Equal(t, 3, res.Unmatched[0].Line)
		require.Len(t, res.Invalid, 1)
		require.Equal(t, 4, res.Invalid[0].Line)

		var pm postMetrics
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/publications/"+climb+"/metrics", nil, &pm))
		require.Len(t, pm.Snapshots, 1)
		require.Equal(t, int64(100000), *pm.Snapshots[0].Views)
		require.Equal(t, int64(5678), *pm.Snapshots[0].Likes)
		require.Nil(t, pm.Snapshots[0].Comments, "\"-\" is unknown, not zero")
		require.Equal(t, int64(90), *pm.Snapshots[0].Saves)
		require.Equal(t, "3d", *pm.Snapshots[0].Checkpoint)
	})

	t.Run("XLSX", func(t *testing.T) {
		data, err := os.ReadFile("../metrics/testdata/xhs_export.xlsx")
		require.NoError(t, err)
		var res metricsImport
		require.Equal(t, 200, b.importFile(t, xhs, "笔记数据.xlsx", data, "", &res))
		got := map[int]string{}
		for _, r := range res.Imported {
			got[r.Line] = r.PublicationID
		}
		require.Equal(t, map[int]string{3: midAutumn, 4: climb, 6: lantern}, got, "by link, by title and time, by title and date")
		var pm postMetrics
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/publications/"+midAutumn+"/metrics", nil, &pm))
		require.Len(t, pm.Snapshots, 1)
		require.Equal(t, int64(12000), *pm.Snapshots[0].Views)
		require.Equal(t, int64(34000), *pm.Snapshots[0].Saves)
	})

	t.Run("ManualEntry", func(t *testing.T) {
		at := time.Date(2026, 9, 26, 21, 0, 0, 0, cst).Format(time.RFC3339)
		var pm postMetrics
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/publications/"+midAutumn+"/metrics", map[string]any{"views": "1.3万", "likes": 1500, "comments": "35", "at": at}, &pm))
		require.Len(t, pm.Snapshots, 2)
		first := pm.Snapshots[0]
		require.Equal(t, int64(13000), *first.Views)
		require.Equal(t, int64(1500), *first.Likes)
		require.Nil(t, first.Saves)
		require.Equal(t, "24h", *first.Checkpoint)
	})

	t.Run("BadInputIsRefused", func(t *testing.T) {
		tg := b.accountID(t, ferry.Telegram)
		var draft story
		require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "draft", "targets": []string{tg}}, &draft))
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		cases := []struct {
			name, method, path string
			body               any
			status             int
			field              string
		}{
			{"BadFrom", "GET", "/api/v1/accounts/" + tg + "/metrics?from=last+week", nil, 400, "from"},
			{"BadTo", "GET", "/api/v1/accounts/" + tg + "/metrics?to=2026-13-01", nil, 400, "to"},
			{"ToBeforeFrom", "GET", "/api/v1/accounts/" + tg + "/metrics?from=2026-05-02&to=2026-05-01T00:00:00Z", nil, 400, "to"},
			{"UnknownAccount", "GET", "/api/v1/accounts/acc_nope/metrics", nil, 404, ""},
			{"UnknownPublication", "GET", "/api/v1/publications/pub_nope/metrics", nil, 404, ""},
			{"NotACount", "POST", "/api/v1/publications/" + midAutumn + "/metrics", map[string]any{"views": "lots"}, 400, "views"},
			{"NegativeCount", "POST", "/api/v1/publications/" + midAutumn + "/metrics", map[string]any{"likes": -1}, 400, "likes"},
			{"NoCount", "POST", "/api/v1/publications/" + midAutumn + "/metrics", map[string]any{}, 400, "views"},
			{"FutureReading", "POST", "/api/v1/publications/" + midAutumn + "/metrics", map[string]any{"likes": 1, "at": future}, 400, "at"},
			{"BeforePublication", "POST", "/api/v1/publications/" + midAutumn + "/metrics", map[string]any{"likes": 1, "at": "2026-01-01T00:00:00Z"}, 400, "at"},
			{"UnpublishedPublication", "POST", "/api/v1/publications/" + draft.Publications[0].ID + "/metrics", map[string]any{"likes": 1}, 409, ""},
			{"ImportNotMultipart", "POST", "/api/v1/accounts/" + xhs + "/metrics/import", map[string]any{"file": "x"}, 400, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var e apiError
				require.Equal(t, c.status, b.do(t, c.method, c.path, c.body, &e))
				require.NotEmpty(t, e.Error.Message)
				if c.field != "" {
					require.Contains(t, e.Error.Details, c.field, "%s: %v", e.Error.Message, e.Error.Details)
				}
			})
		}
		files := []struct {
			name, account string
			data          []byte
			status        int
			contains      string
		}{
			{"NotATable", xhs, pngBytes(t, 4, 4), 400, "neither CSV nor XLSX"},
			{"NoHeadings", xhs, []byte("a,b\n1,2\n"), 400, "no heading row"},
			{"BrokenWorkbook", xhs, []byte("PK\x03\x04garbage"), 400, "neither CSV nor XLSX"},
			{"NotXiaohongshu", tg, []byte("笔记标题,发布时间,点赞\nx,2026-01-01,1\n"), 422, "Xiaohongshu"},
			{"UnknownAccount", "acc_nope", []byte("x"), 404, ""},
		}
		for _, f := range files {
			t.Run("Import"+f.name, func(t *testing.T) {
				var e apiError
				require.Equal(t, f.status, b.importFile(t, f.account, "export.csv", f.data, "", &e))
				require.Contains(t, e.Error.Message, f.contains)
			})
		}
		var e apiError
		require.Equal(t, 400, b.importFile(t, xhs, "export.csv", []byte(exportHeader), "yesterday", &e))
		require.Contains(t, e.Error.Details, "at")

		viewer, _ := b.calendarUser(t, ferry.RoleViewer)
		require.Equal(t, 403, viewer.do(t, "POST", "/api/v1/publications/"+midAutumn+"/metrics", map[string]any{"likes": 1}, &e))
		require.Equal(t, 200, viewer.do(t, "GET", "/api/v1/publications/"+midAutumn+"/metrics", nil, nil), "viewers may read")
		var pm postMetrics
		require.Equal(t, 200, b.do(t, "GET", "/api/v1/publications/"+midAutumn+"/metrics", nil, &pm))
		require.Len(t, pm.Snapshots, 2, "nothing bad was stored")
	})
}

const exportHeader = "笔记标题,发布时间,点赞\n"

// TestMetrics_OpenAPIDescribesTheImportAsMultipart checks the generated
// document for the one upload of this area.
func TestMetrics_OpenAPIDescribesTheImportAsMultipart(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	var doc map[string]any
	require.Equal(t, 200, b.do(t, "GET", "/api/openapi.json", nil, &doc))
	raw, _ := json.Marshal(doc["paths"].(map[string]any)["/api/v1/accounts/{id}/metrics/import"])
	require.True(t, strings.Contains(string(raw), "multipart/form-data"), "%s", raw)
	require.Contains(t, fmt.Sprint(doc["components"]), "PostMetricsInput")
}
