package delivery_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
)

// dueTogether makes n publications due at t0, each with its harness, all
// delivered by the first one's engine (and its platform).
func dueTogether(t *testing.T, e *env, n int) []*harness {
	hs := make([]*harness, n)
	for i := range hs {
		hs[i] = e.harness(t, opts{})
		hs[i].start(t, ferry.StateScheduled)
		hs[i].eng, hs[i].conn = hs[0].eng, hs[0].conn
	}
	hs[0].conn.publish = sent(platform.Result{RemoteID: "m"})
	return hs
}

// deliverAll runs every harness's job at once, as a worker's many
// executors do, so that their transactions are grouped (batch.go).
func deliverAll(hs []*harness) []error {
	errs := make([]error, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() {
			errs[i] = h.eng.Deliver(context.Background(), h.pub.ID, h.pub.Version, h.complete)
		})
	}
	wg.Wait()
	return errs
}

// Publications due together are each sent once, their attempts journaled
// and closed; when one outcome cannot be recorded (its job's completion
// fails), its group is rolled back and recorded again one by one: the
// others are recorded, and that one's attempt stays open, to be reconciled,
// never sent again blindly.
func TestBatch_DueTogetherSentOnceAndAFailureIsItsOwn(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		hs := dueTogether(t, e, 40)
		bad := hs[17]
		bad.failOn.Store(true)
		errs := deliverAll(hs)
		require.Len(t, hs[0].conn.taken(), len(hs), "one call per publication")
		for i, h := range hs {
			if h == bad {
				require.Error(t, errs[i])
				require.Equal(t, ferry.StatePublishing, h.current(t).State)
				require.Equal(t, []string{"open"}, h.outcomes(t))
				continue
			}
			require.NoError(t, errs[i], "publication %d", i)
			require.Equal(t, ferry.StatePublished, h.current(t).State, "publication %d", i)
			require.Equal(t, []string{ferry.OutcomePublished}, h.outcomes(t))
			require.EqualValues(t, 1, h.done.Load(), "the job completed with its outcome")
		}
	})
}

// A pause read once for a group still holds every publication of the
// group, and sends none.
func TestBatch_PauseHoldsAGroup(t *testing.T) {
	eachBackendOwnWorkspace(t, func(t *testing.T, e *env) {
		hs := dueTogether(t, e, 40)
		_, err := hs[0].svc.Pause(context.Background(), hs[0].admin, service.PauseInput{Reason: ferry.PauseBreakingNews})
		require.NoError(t, err)
		for i, err := range deliverAll(hs) {
			require.NoError(t, err, "publication %d", i)
		}
		require.Empty(t, hs[0].conn.taken(), "nothing was sent")
		for _, h := range hs {
			p := h.current(t)
			require.Equal(t, ferry.StateWaiting, p.State)
			require.Equal(t, ferry.ReasonPaused, p.ReasonCode)
			require.Empty(t, h.outcomes(t), "no attempt opened")
		}
	})
}
