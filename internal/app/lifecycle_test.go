package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/sandbox"
)

func TestDelivery_RevokedTokenWaitsForReauthThenResumes(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	acc := b.connect(t, ferry.Telegram, 1)[0]
	b.m.Sandbox.RevokeTelegramToken("200000000:sandbox-test-token-00000000")
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "after reauth", "targets": []string{acc}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &s))
	s = b.waitState(t, s.ID, "needs_reauth", 10*time.Second)
	require.Equal(t, "needs_reauth", s.Publications[0].ReasonCode)
	require.Contains(t, s.Publications[0].ReasonArgs["message"], "bot token", "the platform's words, as they were")
	require.Contains(t, s.Publications[0].Reason, "reconnected")
	var a struct {
		Health       string `json:"health"`
		HealthReason string `json:"health_reason"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/accounts/"+acc, nil, &a))
	require.Equal(t, "needs_reauth", a.Health)
	require.Contains(t, a.HealthReason, "bot token")

	// Reconnect with a new token: the publication resumes and goes out once.
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/accounts/"+acc, map[string]any{"credentials": map[string]string{"bot_token": "200000000:sandbox-test-token-new00000"}}, nil))
	b.waitState(t, s.ID, "published", 10*time.Second)
	require.Equal(t, 1, textCounts(b.m.Sandbox.Posts(ferry.Telegram, ""))["after reauth"])
}

func TestDelivery_NotReconnectedInTimeIsMissed(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "", func(c *config.Config) { c.ReauthDeadline = 2 * time.Second })
	acc := b.connect(t, ferry.Telegram, 1)[0]
	b.m.Sandbox.RevokeTelegramToken("200000000:sandbox-test-token-00000000")
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "never", "targets": []string{acc}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &s))
	s = b.waitState(t, s.ID, "missed", 30*time.Second)
	require.Equal(t, "reauth_expired", s.Publications[0].ReasonCode)
	require.Equal(t, "2s", s.Publications[0].ReasonArgs["within"])
	require.Equal(t, "published 0 of 1, 1 missed", s.Summary)
	require.Empty(t, b.m.Sandbox.Posts(ferry.Telegram, ""))
	events, err := b.m.DB.Read().AuditEvents(t.Context(), ferry.AuditFilter{WorkspaceID: b.workspace(t), TargetType: "publication", TargetID: s.Publications[0].ID})
	require.NoError(t, err)
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	require.Equal(t, []string{"publication.draft", "publication.scheduled", "publication.publishing", "publication.needs_reauth", "publication.missed"}, actions)
}

func TestDelivery_UnknownOutcomeIsResolvedByAPerson(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "", func(c *config.Config) { c.AttemptTimeout = time.Second })
	accts := b.connect(t, ferry.Telegram, 2)

	// A lost answer: Telegram has the post, Ferry cannot know; a person
	// checks the channel and resolves it as published.
	require.NoError(t, b.m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Telegram, DropResponseRate: 1}))
	var lost story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "lost answer", "targets": []string{accts[0]}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &lost))
	lost = b.waitState(t, lost.ID, "unknown", 10*time.Second)
	require.Contains(t, []string{"outcome_unknown", "cannot_check"}, lost.Publications[0].ReasonCode, lost.Publications[0].Reason)
	require.Equal(t, 1, textCounts(b.m.Sandbox.Posts(ferry.Telegram, ""))["lost answer"], "sent once, never retried blindly")

	// A timeout where nothing arrived: the person says retry.
	require.NoError(t, b.m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Telegram, TimeoutRate: 1}))
	var timedOut story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "timed out", "targets": []string{accts[1]}, "scheduled_at": time.Now().UTC().Format(time.RFC3339Nano)}, &timedOut))
	timedOut = b.waitState(t, timedOut.ID, "unknown", 10*time.Second)
	require.NoError(t, b.m.Sandbox.SetFaults(sandbox.Faults{Platform: ferry.Telegram}))

	var e apiError
	pubPath := "/api/v1/publications/" + lost.Publications[0].ID + "/resolve"
	require.Equal(t, 400, b.do(t, "POST", pubPath, map[string]any{"outcome": "published", "url": "not a url"}, &e))
	require.Equal(t, 400, b.do(t, "POST", pubPath, map[string]any{"outcome": "maybe"}, &e))
	var pub struct {
		State     string `json:"state"`
		RemoteURL string `json:"remote_url"`
	}
	require.Equal(t, 200, b.do(t, "POST", pubPath, map[string]any{"outcome": "published", "url": "https://t.me/chan0000/1"}, &pub))
	require.Equal(t, "published", pub.State)
	require.Equal(t, "https://t.me/chan0000/1", pub.RemoteURL)
	require.Equal(t, 409, b.do(t, "POST", pubPath, map[string]any{"outcome": "retry"}, &e), "only unknown publications can be resolved")

	require.Equal(t, 200, b.do(t, "POST", "/api/v1/publications/"+timedOut.Publications[0].ID+"/resolve", map[string]any{"outcome": "retry"}, nil))
	b.waitState(t, timedOut.ID, "published", 10*time.Second)
	require.Equal(t, 1, textCounts(b.m.Sandbox.Posts(ferry.Telegram, ""))["timed out"])

	atts, err := b.m.DB.Read().Attempts(t.Context(), timedOut.Publications[0].ID)
	require.NoError(t, err)
	require.Len(t, atts, 2)
	require.Equal(t, ferry.OutcomeAbandoned, atts[0].Outcome)
	require.Equal(t, ferry.OutcomePublished, atts[1].Outcome)

	events, err := b.m.DB.Read().AuditEvents(t.Context(), ferry.AuditFilter{WorkspaceID: b.workspace(t), TargetType: "publication", TargetID: lost.Publications[0].ID})
	require.NoError(t, err)
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	require.Equal(t, []string{"publication.draft", "publication.scheduled", "publication.publishing", "publication.unknown", "publication.published"}, actions)
}

// A publication due a few seconds after it is scheduled is taken by a worker
// early (jobs are promoted ahead); the engine waits for its time instead of
// enqueueing a new job, and publishes it once, on time.
func TestDelivery_EarlyJobWaitsForItsTime(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	acc := b.accountID(t, ferry.Telegram)
	due := time.Now().Add(5500 * time.Millisecond)
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "soon", "targets": []string{acc}, "scheduled_at": due.UTC().Format(time.RFC3339Nano)}, &s))
	b.waitState(t, s.ID, "published", 20*time.Second)
	posts := b.m.Sandbox.Posts(ferry.Telegram, "")
	require.Len(t, posts, 1)
	require.False(t, posts[0].ReceivedAt.Before(due.Truncate(time.Millisecond)), "never early: received %v, due %v", posts[0].ReceivedAt, due)
	var jobs int
	require.NoError(t, b.m.DB.WritePool().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'ferry.publish'`).Scan(&jobs))
	require.Equal(t, 1, jobs, "one job, not re-enqueued while early")
}
