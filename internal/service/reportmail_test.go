package service_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/notify/smtptest"
	"github.com/ferry-social/ferry/internal/report"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestMonthlyReports_EmailedOnceToChosenMembersOnTheFirst(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		owner := setUpOwner(t, svc) // Ada, zh-Hant
		q := svc.DB.Write()
		lee := &ferry.User{Email: "lee@example.org", Name: "Lee", Language: "en"}
		require.NoError(t, q.CreateUser(ctx, lee))
		require.NoError(t, q.SetMembership(ctx, owner.WorkspaceID, lee.ID, ferry.RoleEditor))
		kim := &ferry.User{Email: "kim@example.org", Name: "Kim"}
		require.NoError(t, q.CreateUser(ctx, kim))
		require.NoError(t, q.SetMembership(ctx, owner.WorkspaceID, kim.ID, ferry.RoleViewer))
		a := &ferry.Account{WorkspaceID: owner.WorkspaceID, Platform: ferry.Weibo, ExternalID: "1", Name: "香港旅遊發展局", Credentials: map[string]string{}}
		require.NoError(t, q.CreateAccount(ctx, a))
		for d, f := range []int64{43000, 43500} {
			require.NoError(t, q.PutAccountSnapshot(ctx, ferry.AccountSnapshot{AccountID: a.ID, At: time.Date(2026, 9, 2+d*20, 4, 0, 0, 0, time.UTC), Followers: &f}))
		}

		mail := smtptest.New(t)
		mailer, err := notify.NewMailer(mail.URL(), "Ferry <ferry@example.org>")
		require.NoError(t, err)
		// The HTML and PDF renderers are report's (wired so by internal/app);
		// a fake printer stands for Chromium, which internal/api's tests drive.
		printed := map[string]int{}
		svc.ReportMail = &service.ReportMail{Mailer: mailer, PublicURL: "https://ferry.example/",
			HTML: func(r *service.MonthlyReport, lang string) ([]byte, error) {
				var b bytes.Buffer
				err := report.HTML(&b, r, lang)
				return b.Bytes(), err
			},
			PDF: func(_ context.Context, r *service.MonthlyReport, lang string) ([]byte, error) {
				printed[lang]++
				if lang == "en" {
					return nil, report.ErrNoBrowser
				}
				return []byte("%PDF-1.7 " + lang + " " + r.Month.Format("2006-01")), nil
			},
		}

		// Only admins choose, and only members.
		_, err = svc.SetReportRecipients(ctx, ferry.Principal{UserID: lee.ID, WorkspaceID: owner.WorkspaceID, Role: ferry.RoleEditor}, []string{lee.ID})
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(err))
		_, err = svc.SetReportRecipients(ctx, owner, []string{"usr_nobody"})
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err))
		ids, err := svc.SetReportRecipients(ctx, owner, []string{owner.UserID, lee.ID, lee.ID})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{owner.UserID, lee.ID}, ids)

		// 25 September: nothing is due.
		require.NoError(t, svc.SendMonthlyReports(ctx))
		require.Empty(t, mail.Messages())

		// 1 October, 01:00 in Hong Kong: September's report, once each, in
		// each member's language; Kim was not chosen.
		clock.now = time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)
		require.NoError(t, svc.SendMonthlyReports(ctx))
		require.NoError(t, svc.SendMonthlyReports(ctx))
		require.Len(t, mail.Messages(), 2)
		ada := mail.To("ada@example.org")
		require.Len(t, ada, 1)
		require.Equal(t, "Harbour News：2026年9月月度報告", ada[0].Subject())
		require.Contains(t, ada[0].Body(), "香港旅遊發展局 (weibo): 43500 (+500)")
		require.Contains(t, ada[0].Body(), "https://ferry.example/reports/2026-09.pdf")
		require.Contains(t, ada[0].Body(), "報告的 PDF 版本已附於本郵件。")
		parts := ada[0].Parts()
		require.Len(t, parts, 3)
		require.Equal(t, "multipart/mixed > multipart/alternative > text/plain", parts[0].Path)
		require.Equal(t, "multipart/mixed > multipart/alternative > text/html", parts[1].Path)
		require.Contains(t, string(parts[1].Data), `<html lang="zh-Hant">`)
		require.Contains(t, string(parts[1].Data), "月度報告 · 2026年9月")
		require.Contains(t, string(parts[1].Data), "香港旅遊發展局")
		require.Equal(t, "multipart/mixed > application/pdf", parts[2].Path)
		require.Equal(t, "ferry-report-2026-09.pdf", parts[2].FileName)
		require.Equal(t, "%PDF-1.7 zh-Hant 2026-09", string(parts[2].Data))
		// Without a PDF (no Chromium): text and HTML, and the text says so.
		en := mail.To("lee@example.org")
		require.Len(t, en, 1)
		require.Equal(t, "Harbour News: monthly report, September 2026", en[0].Subject())
		require.Contains(t, en[0].Body(), "Followers:")
		require.Contains(t, en[0].Body(), "The PDF could not be attached this time")
		parts = en[0].Parts()
		require.Len(t, parts, 2)
		require.Equal(t, "multipart/alternative > text/plain", parts[0].Path)
		require.Equal(t, "multipart/alternative > text/html", parts[1].Path)
		require.Contains(t, string(parts[1].Data), "Monthly report · September 2026")
		require.Equal(t, map[string]int{"zh-Hant": 1, "en": 1}, printed, "printed once per language")
		require.Empty(t, mail.To("kim@example.org"))

		// 4 October: past the catch-up days, a newly chosen member gets nothing.
		_, err = svc.SetReportRecipients(ctx, owner, []string{owner.UserID, lee.ID, kim.ID})
		require.NoError(t, err)
		clock.now = time.Date(2026, 10, 4, 1, 0, 0, 0, time.UTC)
		require.NoError(t, svc.SendMonthlyReports(ctx))
		require.Len(t, mail.Messages(), 2)
	})
}
