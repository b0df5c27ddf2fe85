package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// TestChanges_AnswerForEveryPublication deletes, removes a target from,
// edits and reschedules a story whose Facebook publication is in each
// state, and checks what the change answers for it (and for the Telegram
// one, still scheduled).
func TestChanges_AnswerForEveryPublication(t *testing.T) {
	type want struct {
		answer  service.Answer
		because string
		state   ferry.PublicationState
		// refused: the change was refused as a whole (409) and the answers
		// are the conflict's details.
		refused bool
	}
	withdrawn := func() want { return want{answer: service.AnswerWithdrawn, state: ferry.StateCanceled} }
	changed := want{answer: service.AnswerChanged, state: ferry.StateScheduled}
	published := want{answer: service.AnswerPublished, state: ferry.StatePublished}
	unknown := want{answer: service.AnswerTooLate, because: service.BecauseOutcomeUnknown, state: ferry.StateUnknown}
	beingSent := want{answer: service.AnswerTooLate, because: service.BecauseBeingSent, state: ferry.StatePublishing, refused: true}
	failed := want{answer: service.AnswerEnded, state: ferry.StateFailed}
	ops := []string{"delete", "remove_target", "edit", "reschedule"}
	cases := map[ferry.PublicationState][4]want{
		ferry.StateScheduled:  {withdrawn(), withdrawn(), changed, changed},
		ferry.StateWaiting:    {withdrawn(), withdrawn(), changed, changed},
		ferry.StateHandoff:    {withdrawn(), withdrawn(), changed, changed},
		ferry.StatePublishing: {{answer: service.AnswerTooLate, because: service.BecauseBeingSent, state: ferry.StatePublishing}, beingSent, beingSent, beingSent},
		ferry.StatePublished:  {published, published, published, published},
		ferry.StateUnknown:    {unknown, unknown, unknown, unknown},
		ferry.StateFailed:     {failed, failed, changed, changed},
	}
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		for st, wants := range cases {
			for i, op := range ops {
				w := wants[i]
				t.Run(string(st)+"/"+op, func(t *testing.T) {
					at := f.now.Add(time.Hour)
					v := f.create(t, &at)
					fb := f.pubs(t, v.ID)[f.fb.ID]
					if st == ferry.StatePublished {
						fb.RemoteURL = "https://www.facebook.com/1000001/posts/42"
					}
					f.setState(t, fb, st)

					var answers []service.PublicationAnswer
					var err error
					var got *service.StoryView
					switch op {
					case "delete":
						got, err = f.svc.DeleteStory(ctx, f.editor(), v.ID)
					case "remove_target":
						got, err = f.svc.UpdateStory(ctx, f.editor(), v.ID, service.StoryPatch{Targets: &[]string{f.tg.ID}})
					case "edit":
						body := "The last ferry sails at ten."
						got, err = f.svc.UpdateStory(ctx, f.editor(), v.ID, service.StoryPatch{Body: &body})
					case "reschedule":
						got, err = f.svc.ScheduleStory(ctx, f.editor(), v.ID, service.ScheduleInput{At: f.now.Add(2 * time.Hour)})
					}
					if w.refused {
						fe := requireCode(t, ferry.ECONFLICT, err)
						require.Contains(t, fe.Message, "Too late")
						details, ok := fe.Details.(service.RefusedAnswers)
						require.True(t, ok, "details: %#v", fe.Details)
						answers = details.Publications
					} else {
						require.NoError(t, err)
						answers = got.Answers
					}
					require.Len(t, answers, 2)
					by := map[string]service.PublicationAnswer{}
					for _, a := range answers {
						by[a.AccountID] = a
					}
					a := by[f.fb.ID]
					require.Equal(t, fb.ID, a.PublicationID)
					require.Equal(t, w.answer, a.Answer, a.Message)
					require.Equal(t, w.because, a.Because)
					require.Equal(t, w.state, a.State)
					require.NotEmpty(t, a.Message)
					require.Equal(t, w.state, f.pubs(t, v.ID)[f.fb.ID].State, "the answer is the stored state")
					if w.answer == service.AnswerPublished {
						require.Equal(t, "https://www.facebook.com/1000001/posts/42", a.RemoteURL)
						require.Contains(t, a.Message, a.RemoteURL)
						require.NotNil(t, a.PublishedAt)
					}

					// The Telegram publication, scheduled, takes every change
					// that is not refused.
					tg := by[f.tg.ID]
					switch {
					case w.refused:
						require.Equal(t, service.AnswerUnchanged, tg.Answer)
						require.Equal(t, ferry.StateScheduled, f.pubs(t, v.ID)[f.tg.ID].State)
					case op == "delete":
						require.Equal(t, service.AnswerWithdrawn, tg.Answer)
						require.Equal(t, ferry.StateCanceled, tg.State)
					default:
						require.Equal(t, service.AnswerChanged, tg.Answer)
					}

					// A deleted story whose post went out (or may have) stays
					// visible, as deleted; one with nothing out is gone.
					if op == "delete" {
						seen, err := f.svc.Story(ctx, f.editor(), v.ID)
						if st.Sent() {
							require.NoError(t, err)
							require.NotNil(t, seen.DeletedAt)
							list, _, err := f.svc.Stories(ctx, f.editor(), ferry.StoryFilter{})
							require.NoError(t, err)
							require.True(t, listed(list, v.ID), "a deleted story with a post out is listed")
						} else {
							requireCode(t, ferry.ENOTFOUND, err)
						}
					}
				})
			}
		}
	})
}

func listed(list []*service.StoryView, id string) bool {
	for _, v := range list {
		if v.ID == id {
			return true
		}
	}
	return false
}
