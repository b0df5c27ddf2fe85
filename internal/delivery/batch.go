package delivery

import "time"

// PublishJob is a publish job to enqueue: a publication's version, due at
// At. A Scheduler may take many at once (jobs.Client.SchedulePublishes),
// which keeps a transaction that schedules a story's publications short.
type PublishJob struct {
	PublicationID string
	Version       int
	At            time.Time
}
