package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/config"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/notify/smtptest"
	"github.com/ferry-social/ferry/internal/testdb"
)

// hookReceiver is a workspace webhook that checks every signature.
type hookReceiver struct {
	secret string
	mu     sync.Mutex
	events []hookEvent
}

type hookEvent struct {
	Event    string
	Valid    bool
	Delivery string
	Body     struct {
		ID      string `json:"id"`
		Event   string `json:"event"`
		Handoff struct {
			ID            string `json:"id"`
			PublicationID string `json:"publication_id"`
			State         string `json:"state"`
			Title         string `json:"title"`
			URL           string `json:"url"`
			PageURL       string `json:"page_url"`
		} `json:"handoff"`
	}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	ev := hookEvent{Event: r.Header.Get(notify.HeaderEvent), Delivery: r.Header.Get(notify.HeaderDelivery),
		Valid: notify.VerifySignature(h.secret, r.Header.Get(notify.HeaderSignature), raw)}
	_ = json.Unmarshal(raw, &ev.Body)
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// wait returns the first event of a kind for a publication.
func (h *hookReceiver) wait(t *testing.T, event, publicationID string) hookEvent {
	t.Helper()
	var found hookEvent
	require.Eventually(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, e := range h.events {
			if e.Event == event && e.Body.Handoff.PublicationID == publicationID {
				found = e
				return true
			}
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "webhook %s for %s", event, publicationID)
	return found
}

type pubView struct {
	ID         string            `json:"id"`
	State      string            `json:"state"`
	Reason     string            `json:"reason"`
	ReasonCode string            `json:"reason_code"`
	ReasonArgs map[string]string `json:"reason_args"`
	Version    int               `json:"version"`
	RemoteURL  string            `json:"remote_url"`
	RemoteID   string            `json:"remote_id"`
}

func (b *testBundle) publication(t *testing.T, id string) pubView {
	t.Helper()
	var p pubView
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/publications/"+id, nil, &p))
	return p
}

// waitPublication waits for a publication to reach a state (at a version
// above minVersion) and returns it.
func (b *testBundle) waitPublication(t *testing.T, id, state string, minVersion int) pubView {
	t.Helper()
	var p pubView
	require.Eventually(t, func() bool {
		p = b.publication(t, id)
		return p.State == state && p.Version > minVersion
	}, 20*time.Second, 50*time.Millisecond, "publication %s: want %s above version %d", id, state, minVersion)
	return p
}

// pageURL is the signed handoff page of a publication, from the API.
func (b *testBundle) pageURL(t *testing.T, publicationID string) (string, string) {
	t.Helper()
	var h struct {
		ID      string `json:"id"`
		State   string `json:"state"`
		PageURL string `json:"page_url"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/publications/"+publicationID+"/handoff", nil, &h))
	require.NotEmpty(t, h.PageURL)
	return h.ID, h.PageURL
}

// get fetches a URL without credentials: the signed link is the key.
func get(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header
}

func postForm(t *testing.T, u, noteURL string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, url.Values{"url": {noteURL}})
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestHandoff_XiaohongshuIsPublishedByAPersonOnce(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			mail := smtptest.New(t)
			b := boot(t, t.TempDir(), be.Options(t).URL, func(c *config.Config) {
				c.SMTPURL, c.MailFrom = mail.URL(), "Ferry <ferry@example.org>"
			})
			hooks := &hookReceiver{secret: "test-webhook-secret-0001"}
			hookSrv := httptest.NewServer(hooks)
			t.Cleanup(hookSrv.Close)
			var ns struct {
				WebhookURL       string `json:"webhook_url"`
				WebhookSecretSet bool   `json:"webhook_secret_set"`
				WebhookSecret    string `json:"webhook_secret"`
				Email, Telegram  bool
			}
			require.Equal(t, 200, b.do(t, "PUT", "/api/v1/notifications/settings", map[string]any{"webhook_url": hookSrv.URL, "webhook_secret": hooks.secret}, &ns))
			require.True(t, ns.WebhookSecretSet)
			require.Empty(t, ns.WebhookSecret, "a secret a person chose is not echoed")
			require.True(t, ns.Email)
			require.True(t, ns.Telegram, "the sandbox's notification bot")

			xhs := b.accountID(t, ferry.Xiaohongshu)
			var ids []string
			for range 2 {
				var m struct{ ID string }
				require.Equal(t, 201, b.upload(t, pngBytes(t, 120, 90), &m))
				ids = append(ids, m.ID)
			}
			now := func() string { return time.Now().UTC().Format(time.RFC3339Nano) }

			t.Run("DueStoryIsHandedOffAndConfirmed", func(t *testing.T) {
				var s story
				require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "中秋月饼测评", "body": "今年的月饼 <好吃> & 好看",
					"tags": []string{"中秋", "月饼"}, "media_ids": ids, "targets": []string{xhs}, "scheduled_at": now()}, &s))
				pubID := s.Publications[0].ID
				p := b.waitPublication(t, pubID, "handoff", 0)
				require.Equal(t, "handoff_waiting", p.ReasonCode)
				require.Contains(t, p.Reason, "Waiting for an operator")

				// The operator is told on Telegram (recorded by the sandbox) and by
				// email; the workspace's webhook gets a signed event.
				hid, page := b.pageURL(t, pubID)
				require.Eventually(t, func() bool { return len(b.m.Sandbox.Posts(ferry.Telegram, app.DemoOperatorChatID)) == 1 }, 15*time.Second, 50*time.Millisecond)
				msg := b.m.Sandbox.Posts(ferry.Telegram, app.DemoOperatorChatID)[0].Text
				require.Contains(t, msg, "Publish on Xiaohongshu")
				require.Contains(t, msg, "中秋月饼测评")
				require.Contains(t, msg, page)
				ev := hooks.wait(t, handoff.EventOpened, pubID)
				require.True(t, ev.Valid, "the webhook's signature checks out")
				require.Equal(t, hid, ev.Body.Handoff.ID)
				require.Equal(t, page, ev.Body.Handoff.PageURL)
				require.Eventually(t, func() bool { return len(mail.To(app.DemoEmail)) == 1 }, 15*time.Second, 50*time.Millisecond)
				require.Contains(t, mail.To(app.DemoEmail)[0].Body(), page)

				// The signed page has everything to publish by hand.
				status, html, hdr := get(t, page)
				require.Equal(t, 200, status)
				require.Equal(t, "no-referrer", hdr.Get("Referrer-Policy"))
				csp := hdr.Get("Content-Security-Policy")
				require.NotContains(t, csp, "unsafe-inline", "style and script run by the page's nonce only")
				require.Regexp(t, `style-src 'nonce-[^']+'; script-src 'nonce-[^']+'`, csp)
				require.Contains(t, html, `<style nonce="`)
				for _, want := range []string{"中秋月饼测评", "今年的月饼 &lt;好吃&gt; &amp; 好看", "#中秋", "#月饼", "/handoff/" + hid + "/media/1?", "/handoff/" + hid + "/media/2?", "data-copy=\"text\""} {
					require.Contains(t, html, want)
				}
				u, err := url.Parse(page)
				require.NoError(t, err)
				status, _, hdr = get(t, b.url+"/handoff/"+hid+"/media/1?"+u.RawQuery)
				require.Equal(t, 200, status)
				require.True(t, strings.HasPrefix(hdr.Get("Content-Type"), "image/"), hdr.Get("Content-Type"))
				status, _, _ = get(t, b.url+"/handoff/"+hid+"/media/1")
				require.Equal(t, 403, status, "images are behind the signed link too")

				// A tampered link is refused; an expired one is gone.
				q := u.Query()
				sig := []byte(q.Get("s"))
				sig[3] ^= 1
				q.Set("s", string(sig))
				status, _, _ = get(t, b.url+u.Path+"?"+q.Encode())
				require.Equal(t, 403, status)
				q = u.Query()
				q.Set("e", "9999999999")
				status, _, _ = get(t, b.url+u.Path+"?"+q.Encode())
				require.Equal(t, 403, status, "a longer expiry is a different signature")
				links := b.m.Engine.Handoffs.(*handoff.Manager).Links
				status, _, _ = get(t, b.url+u.Path+"?"+links.Query(hid, time.Now().Add(-time.Minute)).Encode())
				require.Equal(t, 410, status)

				// A bad URL is refused, on the API and on the page.
				var e apiError
				require.Equal(t, 400, b.do(t, "POST", "/api/v1/publications/"+pubID+"/confirm", map[string]any{"url": "https://example.org/my-post"}, &e))
				require.Equal(t, "invalid", e.Error.Code)
				require.Contains(t, e.Error.Details, "url")
				status, html = postForm(t, page, "posted it!")
				require.Equal(t, 400, status)
				require.Contains(t, html, "这不是小红书笔记链接")
				require.Equal(t, "handoff", b.publication(t, pubID).State)

				// A good one, on the page, publishes it.
				note := "https://www.xiaohongshu.com/explore/66f1a2b3c4d5e6f708192a3b"
				status, html = postForm(t, page, "【中秋月饼测评】 "+note+" 复制本条信息")
				require.Equal(t, 200, status)
				require.Contains(t, html, "Published")
				p = b.publication(t, pubID)
				require.Equal(t, "published", p.State)
				require.Equal(t, note, p.RemoteURL)
				require.Equal(t, "66f1a2b3c4d5e6f708192a3b", p.RemoteID)
				require.True(t, hooks.wait(t, handoff.EventConfirmed, pubID).Valid)

				// Confirming again with the same URL is harmless; another URL is a conflict.
				require.Equal(t, 200, b.do(t, "POST", "/api/v1/publications/"+pubID+"/confirm", map[string]any{"url": note}, nil))
				require.Equal(t, 409, b.do(t, "POST", "/api/v1/publications/"+pubID+"/confirm", map[string]any{"url": "https://xhslink.com/a/Other1"}, nil))
				require.Equal(t, "published 1 of 1", b.waitState(t, s.ID, "published", time.Second).Summary)
			})

			t.Run("UnconfirmedByTheDeadlineIsMissedAndAdminsAreTold", func(t *testing.T) {
				settings := map[string]any{"operators": []any{map[string]any{"email": app.DemoEmail, "telegram_chat_id": app.DemoOperatorChatID}}, "deadline_after": "2s"}
				require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/accounts/"+xhs, map[string]any{"settings": settings}, nil))
				t.Cleanup(func() {
					settings["deadline_after"] = "2h"
					b.do(t, "PATCH", "/api/v1/accounts/"+xhs, map[string]any{"settings": settings}, nil)
				})
				var s story
				require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "重阳", "body": "登高", "media_ids": ids[:1], "targets": []string{xhs}, "scheduled_at": now()}, &s))
				pubID := s.Publications[0].ID
				p := b.waitPublication(t, pubID, "missed", 0)
				require.Equal(t, "handoff_missed", p.ReasonCode)
				ev := hooks.wait(t, handoff.EventMissed, pubID)
				require.True(t, ev.Valid)
				require.Equal(t, "missed", ev.Body.Handoff.State)
				require.Eventually(t, func() bool {
					for _, m := range mail.To(app.DemoEmail) {
						// The owner's notice (service/notices.go), in their language.
						if strings.Contains(m.Subject(), "重阳") && strings.Contains(m.Body(), "/stories/") {
							return true
						}
					}
					return false
				}, 15*time.Second, 50*time.Millisecond, "the owner is emailed")
				_, page := b.pageURL(t, pubID)
				status, html, _ := get(t, page)
				require.Equal(t, 200, status)
				require.Contains(t, html, "Missed")
				require.NotContains(t, html, "<form")
				require.Equal(t, 409, b.do(t, "POST", "/api/v1/publications/"+pubID+"/confirm", map[string]any{"url": "https://xhslink.com/a/Late1"}, nil))
			})

			t.Run("EditedThenDeletedWhileHandedOffIsWithdrawn", func(t *testing.T) {
				var s story
				require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "冬至", "body": "汤圆", "media_ids": ids[:1], "targets": []string{xhs}, "scheduled_at": now()}, &s))
				pubID := s.Publications[0].ID
				first := b.waitPublication(t, pubID, "handoff", 0)
				firstID, firstPage := b.pageURL(t, pubID)

				// An edit withdraws the open handoff and opens one for the new version.
				require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"body": "饺子"}, nil))
				b.waitPublication(t, pubID, "handoff", first.Version)
				secondID, secondPage := b.pageURL(t, pubID)
				require.NotEqual(t, firstID, secondID)
				status, html, _ := get(t, firstPage)
				require.Equal(t, 200, status)
				require.Contains(t, html, "Withdrawn")
				require.NotContains(t, html, "汤圆", "a withdrawn note's content is not shown")
				status, html, _ = get(t, secondPage)
				require.Equal(t, 200, status)
				require.Contains(t, html, "饺子")
				status, _ = postForm(t, firstPage, "https://xhslink.com/a/Old1")
				require.Equal(t, 409, status)

				// Deleting the story cancels it: the page says withdrawn, and
				// confirming is refused.
				var deleted story
				require.Equal(t, 200, b.do(t, "DELETE", "/api/v1/stories/"+s.ID, nil, &deleted))
				require.Equal(t, "canceled", deleted.Publications[0].State)
				status, html, _ = get(t, secondPage)
				require.Equal(t, 200, status)
				require.Contains(t, html, "Withdrawn")
				require.NotContains(t, html, "<form")
				status, html = postForm(t, secondPage, "https://xhslink.com/a/Ab3dEf9")
				require.Equal(t, 409, status)
				require.Contains(t, html, "withdrawn")
				var e apiError
				require.Equal(t, 409, b.do(t, "POST", "/api/v1/publications/"+pubID+"/confirm", map[string]any{"url": "https://xhslink.com/a/Ab3dEf9"}, &e))
				require.Equal(t, "conflict", e.Error.Code)
				require.Equal(t, "canceled", b.publication(t, pubID).State)
			})
		})
	}
}
