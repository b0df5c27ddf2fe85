package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/store"
)

// Monthly reports by email. An admin chooses members (SetReportRecipients);
// a River periodic job (internal/jobs) calls SendMonthlyReports every hour,
// which on the first three days of a month (in the workspace's time zone)
// emails each chosen member last month's report once, in the member's
// language: an HTML email (the report itself) with a plain-text summary
// beside it, links to the report in Ferry, and the PDF attached when the
// server can print it. A delivery is recorded per member and month, so the hourly runs,
// and the catch-up days after a day Ferry was down, never send twice.

// ReportMail emails monthly reports. A Service without one does not.
type ReportMail struct {
	Mailer ReportMailer
	// PublicURL is where members reach Ferry's reports.
	PublicURL string
	// HTML renders a report as a self-contained HTML page in lang (the
	// email's HTML part); nil sends the text alone.
	HTML func(r *MonthlyReport, lang string) ([]byte, error)
	// PDF prints a report in lang; nil, or an error, sends the email
	// without it and says why in the text.
	PDF func(ctx context.Context, r *MonthlyReport, lang string) ([]byte, error)
}

// ReportMailer sends an email with an HTML part and attachments
// (internal/notify.Mailer).
type ReportMailer interface {
	SendEmail(ctx context.Context, to string, e notify.Email) error
}

// reportFiles is one language's rendering of a report, made once per
// workspace and language.
type reportFiles struct {
	html, pdf []byte
	pdfErr    error
}

// reportCatchUpDays is how many days into a month last month's report is
// still sent (if Ferry was down on the first).
const reportCatchUpDays = 3

// ReportRecipients lists the ids of the members who receive the monthly
// report by email.
func (s *Service) ReportRecipients(ctx context.Context, p ferry.Principal) ([]string, error) {
	if err := require(p, ferry.RoleViewer, "see who receives reports"); err != nil {
		return nil, err
	}
	return s.DB.Read().ReportRecipients(ctx, p.WorkspaceID)
}

// SetReportRecipients chooses the members who receive the monthly report
// by email (admins); each must be a member of the workspace.
func (s *Service) SetReportRecipients(ctx context.Context, p ferry.Principal, userIDs []string) ([]string, error) {
	if err := require(p, ferry.RoleAdmin, "choose who receives reports"); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		members, err := tx.WorkspaceMembers(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		ok := map[string]bool{}
		for _, m := range members {
			ok[m.User.ID] = true
		}
		seen := map[string]bool{}
		ids := []string{}
		for _, id := range userIDs {
			if !ok[id] {
				return ferry.Errorf(ferry.EINVALID, "%q is not a member of this workspace.", id).WithDetails(map[string]string{"user_ids": "must be members"})
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if err := tx.SetReportRecipients(ctx, p.WorkspaceID, ids); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "reports.recipients", "workspace", p.WorkspaceID, map[string]any{"user_ids": ids}))
	})
	if err != nil {
		return nil, err
	}
	return s.DB.Read().ReportRecipients(ctx, p.WorkspaceID)
}

// SendMonthlyReports emails last month's report to each chosen member of
// each workspace who has not had it, on the first days of the month. It
// goes on past one workspace's or member's failure and returns them
// joined.
func (s *Service) SendMonthlyReports(ctx context.Context) error {
	if s.ReportMail == nil {
		return nil
	}
	q := s.DB.Read()
	wss, err := q.ReportWorkspaces(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, wsID := range wss {
		if err := s.sendWorkspaceReport(ctx, wsID); err != nil {
			errs = append(errs, fmt.Errorf("workspace %s: %w", wsID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) sendWorkspaceReport(ctx context.Context, wsID string) error {
	q := s.DB.Read()
	loc, err := s.location(ctx, q, wsID)
	if err != nil {
		return err
	}
	now := s.DB.Now().In(loc)
	if now.Day() > reportCatchUpDays {
		return nil
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0).Format("2006-01")
	ids, err := q.ReportRecipients(ctx, wsID)
	if err != nil {
		return err
	}
	var rep *MonthlyReport
	files := map[string]*reportFiles{}
	var errs []error
	for _, id := range ids {
		done, err := q.ReportDelivered(ctx, wsID, month, id)
		if err != nil || done {
			errs = append(errs, err)
			continue
		}
		u, err := q.User(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if rep == nil {
			rep, err = s.MonthlyReport(ctx, ferry.Principal{WorkspaceID: wsID, Role: ferry.RoleViewer}, month, "")
			if err != nil {
				return err
			}
		}
		lang := reportEmailLanguage(u.Language)
		f := files[lang]
		if f == nil {
			if f, err = s.renderReport(ctx, rep, lang); err != nil {
				return err
			}
			files[lang] = f
		}
		e := notify.Email{HTML: string(f.html)}
		e.Subject, e.Text = ReportEmail(lang, rep, s.ReportMail.PublicURL, f.pdfErr)
		if f.pdf != nil {
			e.Attachments = []notify.Attachment{{Name: "ferry-report-" + month + ".pdf", ContentType: "application/pdf", Data: f.pdf}}
		}
		if err := s.ReportMail.Mailer.SendEmail(ctx, u.Email, e); err != nil {
			errs = append(errs, fmt.Errorf("report to %s: %w", id, err))
			continue
		}
		if err := s.DB.Write().MarkReportDelivered(context.WithoutCancel(ctx), wsID, month, id, s.DB.Now()); err != nil {
			errs = append(errs, err)
		}
		if s.Log != nil {
			s.Log.Info("monthly report emailed", "workspace_id", wsID, "month", month, "user_id", id)
		}
	}
	return errors.Join(errs...)
}

// renderReport draws a report for email in lang: its HTML, and its PDF or
// the reason there is none.
func (s *Service) renderReport(ctx context.Context, rep *MonthlyReport, lang string) (*reportFiles, error) {
	f := &reportFiles{pdfErr: errors.New("PDF printing is not configured")}
	if s.ReportMail.HTML != nil {
		html, err := s.ReportMail.HTML(rep, lang)
		if err != nil {
			return nil, err
		}
		f.html = html
	}
	if s.ReportMail.PDF != nil {
		f.pdf, f.pdfErr = s.ReportMail.PDF(ctx, rep, lang)
		if f.pdfErr != nil {
			f.pdf = nil
			if s.Log != nil {
				s.Log.Warn("monthly report emailed without its PDF", "workspace", rep.Workspace, "lang", lang, "err", f.pdfErr)
			}
		}
	}
	return f, nil
}

// reportEmailLanguage is the email language for a person's language
// (English if unknown).
func reportEmailLanguage(lang string) string {
	if _, ok := reportEmailTexts[lang]; ok {
		return lang
	}
	return "en"
}

// reportEmailText is the words of a report email in one language.
type reportEmailText struct {
	subject, intro, followers, posts, engagement, best, full, pdf, attached, noPDF string
	month                                                                          func(time.Time) string
}

var reportEmailTexts = map[string]reportEmailText{
	"en": {subject: "{workspace}: monthly report, {month}", intro: "Here is {workspace}'s month on Ferry, {month}.",
		followers: "Followers", posts: "Posts published", engagement: "Engagement (likes, comments, shares, saves)", best: "Best posts",
		full: "The full report, with images and the month's calendar:", pdf: "As PDF:", attached: "The report is attached as a PDF.", noPDF: "The PDF could not be attached this time (the server could not print it); open it with the link above.", month: func(t time.Time) string { return t.Format("January 2006") }},
	"zh-Hant": {subject: "{workspace}：{month}月度報告", intro: "以下是 {workspace} 於 {month} 在 Ferry 的表現。",
		followers: "粉絲", posts: "已發佈帖文", engagement: "互動（讚好、留言、分享、收藏）", best: "表現最佳帖文",
		full: "完整報告（附圖片及本月日曆）：", pdf: "PDF 版本：", attached: "報告的 PDF 版本已附於本郵件。", noPDF: "今次未能附上 PDF（伺服器未能列印報告），請按上面的連結開啟。", month: func(t time.Time) string { return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month())) }},
	"zh-Hans": {subject: "{workspace}：{month}月度报告", intro: "以下是 {workspace} 于 {month} 在 Ferry 的表现。",
		followers: "粉丝", posts: "已发布帖子", engagement: "互动（点赞、评论、分享、收藏）", best: "表现最佳帖子",
		full: "完整报告（附图片及本月日历）：", pdf: "PDF 版本：", attached: "报告的 PDF 版本已附在本邮件中。", noPDF: "这次未能附上 PDF（服务器未能打印报告），请通过上面的链接打开。", month: func(t time.Time) string { return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month())) }},
}

// ReportEmail writes a monthly report's email's subject and text part in
// lang (English if unknown): the totals, each account's followers, the
// best posts, links to the full report, and whether the PDF is attached
// (pdfErr nil) or not.
func ReportEmail(lang string, r *MonthlyReport, publicURL string, pdfErr error) (subject, text string) {
	tx, ok := reportEmailTexts[lang]
	if !ok {
		lang, tx = "en", reportEmailTexts["en"]
	}
	month := tx.month(r.Month)
	fill := strings.NewReplacer("{workspace}", r.Workspace, "{month}", month)
	var b strings.Builder
	b.WriteString(fill.Replace(tx.intro) + "\n\n")
	fmt.Fprintf(&b, "%s: %d\n%s: %d\n\n%s:\n", tx.posts, r.Posts, tx.engagement, r.Engagement, tx.followers)
	for _, a := range r.Accounts {
		line := "  " + a.Name + " (" + string(a.Platform) + "): "
		if a.FollowersEnd != nil {
			line += fmt.Sprint(*a.FollowersEnd)
		} else {
			line += "—"
		}
		if a.Growth != nil {
			line += fmt.Sprintf(" (%+d)", *a.Growth)
		}
		b.WriteString(line + "\n")
	}
	if len(r.Best) > 0 {
		b.WriteString("\n" + tx.best + ":\n")
		for _, p := range r.Best {
			fmt.Fprintf(&b, "  %s — %s (%d)\n", p.Title, p.Account, p.Engagement)
			if p.Link != "" {
				b.WriteString("    " + p.Link + "\n")
			}
		}
	}
	base := strings.TrimRight(publicURL, "/") + "/reports/" + r.Month.Format("2006-01")
	fmt.Fprintf(&b, "\n%s\n%s.html\n%s\n%s.pdf\n\n", tx.full, base, tx.pdf, base)
	if pdfErr == nil {
		b.WriteString(tx.attached + "\n")
	} else {
		b.WriteString(tx.noPDF + "\n")
	}
	b.WriteString("\n— Ferry\n")
	return fill.Replace(tx.subject), b.String()
}
