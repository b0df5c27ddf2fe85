package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestReports_PageLinksMonthsAndExportsDownload(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	q := tb.svc.DB.Write()
	a := &ferry.Account{WorkspaceID: owner.WorkspaceID, Platform: ferry.Weibo, ExternalID: "1", Name: "香港旅遊發展局", Credentials: map[string]string{}}
	require.NoError(t, q.CreateAccount(ctx, a))
	now := time.Now().UTC()
	f := int64(43000)
	require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: now.Add(-time.Hour), Followers: &f}))
	br := tb.signedIn("ada@example.org", "zh-Hant")

	p := br.get("/reports")
	require.Equal(t, 200, p.status)
	hk := now.In(time.FixedZone("HKT", 8*3600))
	month := hk.Format("2006-01")
	require.Contains(t, p.body, `href="/reports/`+month+`.html"`)
	require.Contains(t, p.body, fmt.Sprintf(`<time datetime="%s">%d年%d月</time>`, month, hk.Year(), int(hk.Month())), "the month in the page's language")
	require.Contains(t, p.body, `aria-current="page">報告</a>`)
	require.Contains(t, text(p.body), "月度報告")
	require.Contains(t, p.body, "香港旅遊發展局")

	rep := br.get("/reports/" + month + ".html")
	require.Equal(t, 200, rep.status)
	require.Contains(t, rep.body, `<html lang="zh-Hant">`)
	require.Contains(t, rep.body, "4.3萬 (43,000)")

	bad := br.get("/reports/2026-13.html")
	require.Equal(t, 400, bad.status)

	x := br.get("/reports/export?kind=account-metrics&format=xlsx&account_id=" + a.ID)
	require.Equal(t, 200, x.status, x.body)
	book, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
	require.NoError(t, err)
	rows, err := book.GetRows("Sheet1")
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, "香港旅遊發展局", rows[1][1])
	require.Equal(t, "43000", rows[1][4])

	c := br.get("/reports/export?kind=publications&format=csv")
	require.Equal(t, 200, c.status)
	recs, err := csv.NewReader(bytes.NewReader([]byte(c.body[3:]))).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1, "the header alone: nothing published")

	// An admin chooses who receives the report by email.
	csrf := br.csrf()
	saved := br.post("/reports/recipients", "same-origin", url.Values{"csrf": {csrf}, "user_id": {owner.UserID}})
	require.Equal(t, 303, saved.status, saved.body)
	ids, err := tb.svc.ReportRecipients(ctx, owner)
	require.NoError(t, err)
	require.Equal(t, []string{owner.UserID}, ids)
	p = br.get("/reports?done=saved")
	require.Contains(t, p.body, `value="`+owner.UserID+`" checked`)
	require.Contains(t, text(p.body), "已儲存。")

	// A bad range brings the form back, input kept, the error beside the field.
	e := br.get("/reports/export?kind=publications&format=csv&from=2026-09-30&to=2026-09-01")
	require.Equal(t, 400, e.status)
	require.Contains(t, e.body, `id="export-to-error"`)
	require.Contains(t, e.body, `value="2026-09-30"`)
	require.Contains(t, e.body, `value="csv" checked`)
}
