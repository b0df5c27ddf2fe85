package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// BackupArgs asks for a scheduled backup (FERRY_BACKUP_DIR).
type BackupArgs struct{}

// Kind implements river.JobArgs.
func (BackupArgs) Kind() string { return "ferry.backup" }

// InsertOpts implements river.JobArgsWithInsertOpts: one backup at a time.
func (BackupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Backup is a scheduled backup: Run makes one when the newest in the
// backup directory is at least Every (less half the check interval) old.
type Backup struct {
	Every time.Duration
	Run   func(ctx context.Context, every, slack time.Duration) error
}

// backupCheck is how often the periodic job looks whether a backup is due:
// at start (a process restarted every day still makes its daily backup) and
// then every Every, at most every 10 minutes.
func (b *Backup) check() time.Duration { return min(b.Every, 10*time.Minute) }

func backupJob(b *Backup) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(b.check()), func() (river.JobArgs, *river.InsertOpts) {
		return BackupArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

type backupWorker struct {
	river.WorkerDefaults[BackupArgs]
	backup *Backup
}

// Timeout implements river.Worker: a backup takes as long as the data
// needs, not a platform call's timeout.
func (w *backupWorker) Timeout(*river.Job[BackupArgs]) time.Duration { return 6 * time.Hour }

func (w *backupWorker) Work(ctx context.Context, job *river.Job[BackupArgs]) error {
	if w.backup == nil {
		// Enqueued by a process with FERRY_BACKUP_DIR set and taken by
		// one without (PostgreSQL, several processes): left for a
		// process that has it.
		return river.JobSnooze(30 * time.Second)
	}
	return w.backup.Run(ctx, w.backup.Every, w.backup.check()/2)
}
