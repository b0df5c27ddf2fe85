package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// Monthly reports by email (internal/service, reportmail.go): an hourly
// periodic job asks the service to send what is due; the service records
// each delivery, so running often never sends twice.

// MonthlyReportsArgs sends the monthly reports that are due.
type MonthlyReportsArgs struct{}

// Kind implements river.JobArgs.
func (MonthlyReportsArgs) Kind() string { return "ferry.monthly_reports" }

// ReportSender sends the monthly reports due (service.Service).
type ReportSender interface {
	SendMonthlyReports(ctx context.Context) error
}

// reportSender is shared by the client and its worker.
type reportSender struct{ s ReportSender }

// SetReportSender sets who sends monthly reports; set before Start.
func (c *Client) SetReportSender(s ReportSender) { c.reports.s = s }

type monthlyReportsWorker struct {
	river.WorkerDefaults[MonthlyReportsArgs]
	sender *reportSender
}

// Work sends what is due; a failure is retried by River, and the next
// hourly run tries again anyway.
func (w *monthlyReportsWorker) Work(ctx context.Context, _ *river.Job[MonthlyReportsArgs]) error {
	if w.sender.s == nil {
		return nil // email is off in this process
	}
	if err := w.sender.s.SendMonthlyReports(ctx); err != nil {
		return errors.Join(errors.New("jobs: monthly reports"), err)
	}
	return nil
}

// Timeout bounds one run: reports for every workspace.
func (w *monthlyReportsWorker) Timeout(*river.Job[MonthlyReportsArgs]) time.Duration {
	return 10 * time.Minute
}

func monthlyReportsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return MonthlyReportsArgs{}, &river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3,
			UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
