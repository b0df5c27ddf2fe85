// Package deliverytest holds test doubles of the delivery engine's
// dependencies, for the tests of the engine and of the service.
package deliverytest

import (
	"context"
	"sync"
	"time"

	"github.com/ferry-social/ferry/internal/store"
)

// Job is a job asked for in a transaction that committed.
type Job struct {
	Kind          string // "publish" or "expiry"
	PublicationID string
	Version       int
	At            time.Time
}

// Scheduler records the jobs of committed transactions, as River's InsertTx
// in the same transaction would enqueue them: a rolled-back transaction
// enqueues nothing.
type Scheduler struct {
	mu   sync.Mutex
	jobs []Job
}

func (s *Scheduler) add(tx *store.Tx, j Job) {
	tx.AfterCommit(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.jobs = append(s.jobs, j)
	})
}

// SchedulePublish records a publish job.
func (s *Scheduler) SchedulePublish(_ context.Context, tx *store.Tx, id string, version int, at time.Time) error {
	s.add(tx, Job{Kind: "publish", PublicationID: id, Version: version, At: at})
	return nil
}

// ScheduleExpiry records an expiry job.
func (s *Scheduler) ScheduleExpiry(_ context.Context, tx *store.Tx, id string, version int, at time.Time) error {
	s.add(tx, Job{Kind: "expiry", PublicationID: id, Version: version, At: at})
	return nil
}

// Take returns the jobs recorded since the last call.
func (s *Scheduler) Take() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.jobs
	s.jobs = nil
	return out
}
