package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/netguard"
	"github.com/ferry-social/ferry/internal/notify"
	"github.com/ferry-social/ferry/internal/notify/smtptest"
	"github.com/ferry-social/ferry/internal/sandbox"
)

func TestMailer_SendsOneEncodedMessageToOneRecipient(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	m, err := notify.NewMailer(srv.URL(), "Ferry <ferry@example.org>")
	require.NoError(t, err)
	require.NoError(t, m.Send(context.Background(), "li@example.org", "请在小红书发布: 中秋", "Line one\n發布 https://example.org/handoff/x?e=1&s=abc\n"))
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "ferry@example.org", msgs[0].From)
	require.Equal(t, []string{"li@example.org"}, msgs[0].To)
	require.Equal(t, "请在小红书发布: 中秋", msgs[0].Subject())
	require.Equal(t, "Line one\n發布 https://example.org/handoff/x?e=1&s=abc\n", msgs[0].Body())
}

func TestMailer_SendsHTMLWithTextAndAttachments(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	m, err := notify.NewMailer(srv.URL(), "Ferry <ferry@example.org>")
	require.NoError(t, err)
	pdf := append([]byte("%PDF-1.4\n"), make([]byte, 300)...) // long enough to need line breaks in base64
	for i := range pdf[9:] {
		pdf[9+i] = byte(i)
	}
	ctx := context.Background()
	require.NoError(t, m.SendEmail(ctx, "li@example.org", notify.Email{Subject: "月度报告", Text: "文字\n", HTML: "<p>月度报告 = 100%</p>\n",
		Attachments: []notify.Attachment{{Name: "ferry-report-2026-09.pdf", ContentType: "application/pdf", Data: pdf}}}))
	require.NoError(t, m.SendEmail(ctx, "lee@example.org", notify.Email{Subject: "s", Text: "text only\n", HTML: "<p>html</p>"}))
	msgs := srv.Messages()
	require.Len(t, msgs, 2)
	parts := msgs[0].Parts()
	require.Len(t, parts, 3, "%+v", parts)
	require.Equal(t, "multipart/mixed > multipart/alternative > text/plain", parts[0].Path)
	require.Equal(t, "文字\n", string(parts[0].Data))
	require.Equal(t, "multipart/mixed > multipart/alternative > text/html", parts[1].Path)
	require.Equal(t, "text/html; charset=utf-8", parts[1].ContentType)
	require.Equal(t, "<p>月度报告 = 100%</p>\n", string(parts[1].Data))
	require.Equal(t, "multipart/mixed > application/pdf", parts[2].Path)
	require.Equal(t, "ferry-report-2026-09.pdf", parts[2].FileName)
	require.Equal(t, pdf, parts[2].Data)
	for _, l := range strings.Split(strings.ReplaceAll(string(msgs[0].Data), "\r\n", "\n"), "\n") {
		require.LessOrEqual(t, len(l), 998, "RFC 5322 line length")
	}
	require.Equal(t, "文字\n", msgs[0].Body())

	parts = msgs[1].Parts()
	require.Len(t, parts, 2)
	require.Equal(t, "multipart/alternative > text/plain", parts[0].Path)
	require.Equal(t, "multipart/alternative > text/html", parts[1].Path)
}

func TestMailer_RefusesBadConfigurationAndAddresses(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "http://mail.example.org", "smtp://", "mail.example.org:587"} {
		_, err := notify.NewMailer(u, "ferry@example.org")
		require.Error(t, err, u)
	}
	_, err := notify.NewMailer("smtp://mail.example.org", "not an address")
	require.Error(t, err)
	m, err := notify.NewMailer("smtp://127.0.0.1:1", "ferry@example.org")
	require.NoError(t, err)
	err = m.Send(context.Background(), "not an address", "s", "t")
	require.True(t, notify.IsPermanent(err), "%v", err)
	err = m.Send(context.Background(), "li@example.org", "s", "t")
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err), "a server that does not answer may answer later: %v", err)
}

func TestWebhooks_SignTheBodyAndClassifyAnswers(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		status = http.StatusNoContent
		got    []*http.Request
		bodies [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got, bodies = append(got, r), append(bodies, b)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	wh := notify.NewWebhooks(netguard.New(netip.MustParsePrefix("127.0.0.1/32")), 5*time.Second)
	body := []byte(`{"event":"handoff.opened"}`)
	require.NoError(t, wh.Post(context.Background(), srv.URL, "s3cret-s3cret-s3cret", "handoff.opened", "ntf_1", body))
	require.Len(t, got, 1)
	require.Equal(t, "handoff.opened", got[0].Header.Get(notify.HeaderEvent))
	require.Equal(t, "ntf_1", got[0].Header.Get(notify.HeaderDelivery))
	require.True(t, notify.VerifySignature("s3cret-s3cret-s3cret", got[0].Header.Get(notify.HeaderSignature), bodies[0]))
	require.False(t, notify.VerifySignature("another-secret-entirely", got[0].Header.Get(notify.HeaderSignature), bodies[0]))
	require.False(t, notify.VerifySignature("s3cret-s3cret-s3cret", got[0].Header.Get(notify.HeaderSignature), append(bodies[0], ' ')))

	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	err := wh.Post(context.Background(), srv.URL, "s", "e", "ntf_2", body)
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err))

	mu.Lock()
	status = http.StatusGone
	mu.Unlock()
	require.True(t, notify.IsPermanent(wh.Post(context.Background(), srv.URL, "s", "e", "ntf_3", body)))
	require.True(t, notify.IsPermanent(wh.Post(context.Background(), "ftp://example.org", "s", "e", "ntf_4", body)))

	// Without the allow-list the same server is refused at dial time, for
	// good: retrying will not make 127.0.0.1 public.
	guarded := notify.NewWebhooks(netguard.New(), 5*time.Second)
	mu.Lock()
	before := len(got)
	mu.Unlock()
	err = guarded.Post(context.Background(), srv.URL, "s", "e", "ntf_5", body)
	require.True(t, notify.IsPermanent(err), "%v", err)
	require.Contains(t, err.Error(), "loopback")
	mu.Lock()
	require.Len(t, got, before, "nothing reached the server")
	mu.Unlock()
}

func TestTelegram_SendsThroughTheBotAPIAndNeverLeaksTheToken(t *testing.T) {
	t.Parallel()
	sb := sandbox.New()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	const token = "100000002:sandbox-notify-bot-token-0002"
	tg := &notify.Telegram{BaseURL: srv.URL + "/telegram", Token: token, Client: srv.Client()}
	require.NoError(t, tg.Send(context.Background(), "700000001", "Publish on Xiaohongshu: 中秋"))
	posts := sb.Posts(ferry.Telegram, "700000001")
	require.Len(t, posts, 1)
	require.Equal(t, "Publish on Xiaohongshu: 中秋", posts[0].Text)

	err := tg.Send(context.Background(), "@missing_chat", "x")
	require.True(t, notify.IsPermanent(err), "an unknown chat stays unknown: %v", err)

	bad := &notify.Telegram{BaseURL: "http://127.0.0.1:1", Token: token, Client: &http.Client{Timeout: time.Second}}
	err = bad.Send(context.Background(), "700000001", "x")
	require.Error(t, err)
	require.False(t, notify.IsPermanent(err))
	require.False(t, strings.Contains(err.Error(), "sandbox-notify-bot-token"), "the token must not appear in errors: %v", err)
}
