package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform/telegram/botapitest"
	"github.com/ferry-social/ferry/internal/refdata"
)

// tgClock is a settable clock for the sandbox.
type tgClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tgClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *tgClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const tgToken = "123456789:AAF-sandbox_test_token_0123456789"

var tgSpec = sync.OnceValues(func() (*botapitest.Spec, error) {
	return botapitest.Load(filepath.Join(refdata.Dir(), "telegram", "api.json"))
})

type tgBundle struct {
	sb    *Sandbox
	srv   *httptest.Server
	clock *tgClock
	spec  *botapitest.Spec
}

func setupTelegram(t *testing.T) *tgBundle {
	t.Helper()
	spec, err := tgSpec()
	require.NoError(t, err)
	clock := &tgClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	sb := New(WithClock(clock.Now), WithSeed(7))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &tgBundle{sb: sb, srv: srv, clock: clock, spec: spec}
}

// tgAnswer is a decoded Bot API answer.
type tgAnswer struct {
	status      int
	OK          bool           `json:"ok"`
	Result      any            `json:"result"`
	ErrorCode   int            `json:"error_code"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
}

func (a tgAnswer) object(t *testing.T) map[string]any {
	t.Helper()
	m, ok := a.Result.(map[string]any)
	require.True(t, ok, "result is %T: %+v", a.Result, a)
	return m
}

func (a tgAnswer) messageID(t *testing.T) string {
	t.Helper()
	return fmt.Sprint(a.object(t)["message_id"])
}

// do sends req and decodes the answer. A successful answer must be what
// the real Bot API could return for method.
func (b *tgBundle) do(t *testing.T, method string, req *http.Request) tgAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	a := tgAnswer{status: resp.StatusCode}
	require.NoError(t, dec.Decode(&a), "body: %s", raw)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	if a.OK {
		require.Equal(t, http.StatusOK, a.status)
		require.NoError(t, b.spec.CheckResult(method, a.Result), "the sandbox answers what the Bot API could not")
	} else {
		require.Equal(t, a.status, a.ErrorCode, "the HTTP status is the error code")
		require.NotEmpty(t, a.Description)
	}
	return a
}

func (b *tgBundle) call(t *testing.T, token, method string, params url.Values) tgAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/telegram/bot"+token+"/"+method, strings.NewReader(params.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, method, req)
}

func (b *tgBundle) upload(t *testing.T, method string, params url.Values, files map[string][]byte) tgAnswer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range params {
		require.NoError(t, mw.WriteField(k, vs[0]))
	}
	for name, data := range files {
		w, err := mw.CreateFormFile(name, name+".jpg")
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/telegram/bot"+tgToken+"/"+method, &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(t, method, req)
}

func (b *tgBundle) send(t *testing.T, chat, text string) tgAnswer {
	t.Helper()
	return b.call(t, tgToken, "sendMessage", url.Values{"chat_id": {chat}, "text": {text}, "parse_mode": {"HTML"}})
}

func (b *tgBundle) sendPhoto(t *testing.T, chat, caption string) tgAnswer {
	t.Helper()
	return b.upload(t, "sendPhoto", url.Values{"chat_id": {chat}, "caption": {caption}, "parse_mode": {"HTML"}},
		map[string][]byte{"photo": []byte("\xff\xd8\xff\xe0photo")})
}

// album sends n uploaded photos, the first with caption.
func (b *tgBundle) album(t *testing.T, chat, caption string, n int) tgAnswer {
	t.Helper()
	items := make([]map[string]string, n)
	files := map[string][]byte{}
	for i := range items {
		name := "p" + strconv.Itoa(i)
		items[i] = map[string]string{"type": "photo", "media": "attach://" + name}
		files[name] = []byte("\xff\xd8\xff\xe0photo-" + name)
	}
	if caption != "" {
		items[0]["caption"] = caption
		items[0]["parse_mode"] = "HTML"
	}
	media, err := json.Marshal(items)
	require.NoError(t, err)
	return b.upload(t, "sendMediaGroup", url.Values{"chat_id": {chat}, "media": {string(media)}}, files)
}

func requireTGError(t *testing.T, a tgAnswer, code int, desc string) {
	t.Helper()
	require.False(t, a.OK, "%+v", a)
	require.Equal(t, code, a.ErrorCode, a.Description)
	require.Equal(t, desc, a.Description)
}

func TestTelegramAnswers_ConformToTheBotAPI(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	me := b.call(t, tgToken, "getMe", nil).object(t)
	require.Equal(t, json.Number("123456789"), me["id"])
	require.Equal(t, true, me["is_bot"])

	chat := b.call(t, tgToken, "getChat", url.Values{"chat_id": {"@ferry_demo"}}).object(t)
	require.Equal(t, "channel", chat["type"])
	require.Equal(t, "ferry_demo", chat["username"])
	require.Equal(t, chat["id"], b.call(t, tgToken, "getChat", url.Values{"chat_id": {fmt.Sprint(chat["id"])}}).object(t)["id"],
		"a channel is the same by username and by id")

	member := b.call(t, tgToken, "getChatMember", url.Values{"chat_id": {"@ferry_demo"}, "user_id": {"123456789"}}).object(t)
	require.Equal(t, "administrator", member["status"])
	require.Equal(t, true, member["can_post_messages"])

	count := b.call(t, tgToken, "getChatMemberCount", url.Values{"chat_id": {"@ferry_demo"}})
	require.IsType(t, json.Number(""), count.Result)

	text := b.send(t, "@ferry_demo", "<b>Hello</b> &amp; welcome").object(t)
	require.Equal(t, "Hello & welcome", text["text"])
	photo := b.sendPhoto(t, "@ferry_demo", "").object(t)
	require.NotContains(t, photo, "caption", "Telegram leaves out an empty caption")
	album := b.album(t, "@ferry_demo", "two", 2)
	require.Len(t, album.Result, 2)
	require.Equal(t, true, b.call(t, tgToken, "deleteMessage", url.Values{"chat_id": {"@ferry_demo"}, "message_id": {fmt.Sprint(text["message_id"])}}).Result)
}

func TestTelegramSendMessage_TextLimitIsUTF16AfterHTMLParsing(t *testing.T) {
	t.Parallel()
	a := strings.Repeat
	for _, c := range []struct {
		name, text string
		err        string
	}{
		{"4096Letters", a("a", 4096), ""},
		{"4097Letters", a("a", 4097), "Bad Request: message is too long"},
		{"TagsDoNotCount", "<b>" + a("a", 4000) + "</b><i>" + a("b", 96) + "</i>", ""},
		{"EntitiesCountOnce", a("&amp;", 4096), ""},
		{"EntitiesOverTheLimit", a("&lt;", 4097), "Bad Request: message is too long"},
		{"EmojiCountTwo", a("😀", 2048), ""},
		{"2049EmojiAreTooMany", a("😀", 2049), "Bad Request: message is too long"},
		{"CJKCountOne", a("渡", 4096), ""},
		{"SurroundingSpaceIsTrimmed", "  \n" + a("a", 4096) + "\n ", ""},
		{"CarriageReturnsAreDropped", a("a\r", 4096), ""},
		{"EmptyAfterParsing", "<b> </b>", "Bad Request: message text is empty"},
		{"Empty", "", "Bad Request: message text is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupTelegram(t)
			ans := b.send(t, "@limits", c.text)
			if c.err != "" {
				requireTGError(t, ans, 400, c.err)
				require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
				return
			}
			require.True(t, ans.OK, ans.Description)
			require.Len(t, b.sb.Posts(ferry.Telegram, "@limits"), 1)
		})
	}
}

func TestTelegramCaption_LimitIs1024(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	ok := "<i>" + strings.Repeat("c", 1024) + "</i>"
	long := strings.Repeat("c", 1025)
	require.True(t, b.sendPhoto(t, "@captions", ok).OK)
	requireTGError(t, b.sendPhoto(t, "@captions", long), 400, "Bad Request: message caption is too long")
	require.True(t, b.album(t, "@captions", ok, 3).OK)
	requireTGError(t, b.album(t, "@captions", long, 3), 400, "Bad Request: message caption is too long")
	requireTGError(t, b.sendPhoto(t, "@captions", "<b>open"), 400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`)
	posts := b.sb.Posts(ferry.Telegram, "@captions")
	require.Len(t, posts, 2)
	require.Equal(t, strings.Repeat("c", 1024), posts[0].Text, "the record holds the text after parsing")
}

func TestTelegramMediaGroup_TwoToTenPhotos(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n  int
		ok bool
	}{{1, false}, {2, true}, {10, true}, {11, false}} {
		t.Run(strconv.Itoa(c.n), func(t *testing.T) {
			t.Parallel()
			b := setupTelegram(t)
			ans := b.album(t, "@albums", "<b>Album</b>", c.n)
			if !c.ok {
				requireTGError(t, ans, 400, "Bad Request: wrong number of media specified: must include 2-10 items")
				require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
				return
			}
			require.True(t, ans.OK, ans.Description)
			msgs := ans.Result.([]any)
			require.Len(t, msgs, c.n)
			first := msgs[0].(map[string]any)
			require.Equal(t, "Album", first["caption"])
			for i, m := range msgs {
				m := m.(map[string]any)
				require.Equal(t, json.Number(strconv.Itoa(i+1)), m["message_id"], "an album is consecutive messages")
				require.Equal(t, first["media_group_id"], m["media_group_id"])
				if i > 0 {
					require.NotContains(t, m, "caption")
				}
			}
			posts := b.sb.Posts(ferry.Telegram, "@albums")
			require.Len(t, posts, 1, "an album is one post")
			require.Equal(t, "1", posts[0].RemoteID)
			require.Equal(t, "Album", posts[0].Text)
			require.Len(t, posts[0].Media, c.n)
			for _, m := range posts[0].Media {
				require.True(t, strings.HasPrefix(m, "sha256:"), m)
			}
		})
	}
	t.Run("AttachToAMissingPart", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		ans := b.upload(t, "sendMediaGroup", url.Values{"chat_id": {"@albums"},
			"media": {`[{"type":"photo","media":"attach://a"},{"type":"photo","media":"attach://b"}]`}},
			map[string][]byte{"a": []byte("jpeg")})
		requireTGError(t, ans, 400, "Bad Request: wrong file identifier/HTTP URL specified")
	})
}

func TestTelegramHTML_ParseErrors(t *testing.T) {
	t.Parallel()
	const prefix = "Bad Request: can't parse entities: "
	for _, c := range []struct {
		name, text string
		err        string // "" when accepted
		plain      string
	}{
		{name: "Unclosed", text: "<b>bold", err: `Can't find end tag corresponding to start tag "b"`},
		{name: "Unsupported", text: "<marquee>x</marquee>", err: `Unsupported start tag "marquee" at byte offset 0`},
		{name: "Mismatched", text: "<b>x</i>", err: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{name: "UnexpectedEnd", text: "x</b>", err: "Unexpected end tag at byte offset 1"},
		{name: "SpanWithoutSpoiler", text: "<span>x</span>", err: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{name: "BareLessThan", text: "1 < 2", err: `Unsupported start tag "" at byte offset 2`},
		{name: "Spoiler", text: `<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler>`, plain: "s t"},
		{name: "Link", text: `<a href='https://ferry.example/?a=1&amp;b=2'>read</a>`, plain: "read"},
		{name: "Pre", text: `<pre><code class="language-go">x := 1</code></pre>`, plain: "x := 1"},
		{name: "ExpandableQuote", text: "<blockquote expandable>q</blockquote>", plain: "q"},
		{name: "Entities", text: "a &amp; b &lt;c&gt; &#128512; &unknown; &", plain: "a & b <c> 😀 &unknown; &"},
		{name: "CaseInsensitiveTags", text: "<B>x</B>", plain: "x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupTelegram(t)
			ans := b.send(t, "@html", c.text)
			if c.err != "" {
				requireTGError(t, ans, 400, prefix+c.err)
				require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
				return
			}
			require.True(t, ans.OK, ans.Description)
			require.Equal(t, c.plain, ans.object(t)["text"])
		})
	}
	t.Run("OtherParseModesAreNotParsed", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		for _, mode := range []string{"", "MarkdownV2"} {
			ans := b.call(t, tgToken, "sendMessage", url.Values{"chat_id": {"@html"}, "text": {"<b>x"}, "parse_mode": {mode}})
			require.True(t, ans.OK, ans.Description)
		}
		ans := b.call(t, tgToken, "sendMessage", url.Values{"chat_id": {"@html"}, "text": {"x"}, "parse_mode": {"BBCode"}})
		requireTGError(t, ans, 400, "Bad Request: unsupported parse_mode")
	})
}

func TestTelegramRateLimit_TwentyPostsAMinutePerChat(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	for i := range 20 {
		require.True(t, b.send(t, "@busy", fmt.Sprint("post ", i)).OK)
		b.clock.Advance(time.Second)
	}
	ans := b.send(t, "@busy", "one too many")
	requireTGError(t, ans, 429, "Too Many Requests: retry after 40")
	require.Equal(t, json.Number("40"), ans.Parameters["retry_after"], "the first post leaves the minute in 40 s")
	require.True(t, b.send(t, "@quiet", "another channel").OK, "the limit is per channel")

	b.clock.Advance(39 * time.Second)
	ans = b.send(t, "@busy", "still too early")
	requireTGError(t, ans, 429, "Too Many Requests: retry after 1")
	b.clock.Advance(time.Second)
	require.True(t, b.send(t, "@busy", "on time").OK)
	require.Len(t, b.sb.Posts(ferry.Telegram, "@busy"), 21)

	for range 19 { // the window slides: one slot frees each second
		b.clock.Advance(time.Second)
		require.True(t, b.send(t, "@busy", "sliding").OK)
	}
	// The window holds the posts of 60 s to 79 s; the oldest leaves it in 41 s.
	requireTGError(t, b.album(t, "@busy", "", 2), 429, "Too Many Requests: retry after 41")
	requireTGError(t, b.sendPhoto(t, "@busy", ""), 429, "Too Many Requests: retry after 41")
}

func TestTelegramRateLimit_ThirtyMessagesASecondPerBot(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	for i := range 30 {
		require.True(t, b.send(t, fmt.Sprintf("@chan%02d", i), "hi").OK)
	}
	ans := b.send(t, "@chan30", "hi")
	requireTGError(t, ans, 429, "Too Many Requests: retry after 1")
	require.Equal(t, json.Number("1"), ans.Parameters["retry_after"])
	for range 5 {
		requireTGError(t, b.send(t, "@late", "refused"), 429, "Too Many Requests: retry after 1")
	}
	b.clock.Advance(time.Second)
	for i := range 20 {
		require.True(t, b.send(t, "@late", "hi").OK, "refused messages took no slot of the channel (%d)", i)
	}
}

func TestTelegramTokens(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	for _, bad := range []string{"not-a-token", "123:short", ":AAF-sandbox_test_token_0123456789", "12a:AAF-sandbox_test_token_0123456789"} {
		requireTGError(t, b.call(t, bad, "getMe", nil), 401, "Unauthorized")
	}
	require.True(t, b.call(t, tgToken, "getMe", nil).OK)
	requireTGError(t, b.call(t, tgToken, "sendPost", url.Values{"chat_id": {"@x_chan"}}), 404, "Not Found")

	other := "987654321:AAF-another_sandbox_token_98765"
	b.sb.RevokeTelegramToken(tgToken)
	requireTGError(t, b.call(t, tgToken, "getMe", nil), 401, "Unauthorized")
	requireTGError(t, b.send(t, "@revoked", "after revocation"), 401, "Unauthorized")
	require.True(t, b.call(t, other, "getMe", nil).OK, "other bots keep working")
	require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
}

func TestTelegramChatNotFound(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	for _, chat := range []string{"@missing_channel", "@missing", "not-a-chat"} {
		requireTGError(t, b.send(t, chat, "hello"), 400, "Bad Request: chat not found")
		requireTGError(t, b.call(t, tgToken, "getChat", url.Values{"chat_id": {chat}}), 400, "Bad Request: chat not found")
		requireTGError(t, b.call(t, tgToken, "getChatMemberCount", url.Values{"chat_id": {chat}}), 400, "Bad Request: chat not found")
	}
	requireTGError(t, b.send(t, "", "hello"), 400, "Bad Request: chat_id is empty")
	require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
}

func TestTelegramDeleteMessage(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	id := b.send(t, "@deletes", "short-lived").messageID(t)
	keep := b.send(t, "@deletes", "stays").messageID(t)
	del := func(chat, id string) tgAnswer {
		return b.call(t, tgToken, "deleteMessage", url.Values{"chat_id": {chat}, "message_id": {id}})
	}
	requireTGError(t, del("@elsewhere", id), 400, "Bad Request: message to delete not found")
	ans := del("@deletes", id)
	require.True(t, ans.OK)
	require.Equal(t, true, ans.Result)
	requireTGError(t, del("@deletes", id), 400, "Bad Request: message to delete not found")
	requireTGError(t, del("@deletes", "999"), 400, "Bad Request: message to delete not found")

	posts := b.sb.Posts(ferry.Telegram, "@deletes")
	require.Len(t, posts, 2)
	require.Equal(t, id, posts[0].RemoteID)
	require.True(t, posts[0].Deleted)
	require.Equal(t, keep, posts[1].RemoteID)
	require.False(t, posts[1].Deleted)
}

func TestTelegramMemberCount_GrowsOverTime(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	read := func(chat string) int64 {
		n, err := b.call(t, tgToken, "getChatMemberCount", url.Values{"chat_id": {chat}}).Result.(json.Number).Int64()
		require.NoError(t, err)
		return n
	}
	start := read("@growing")
	require.Positive(t, start)
	require.Equal(t, start, read("@growing"), "readings at one moment agree")
	b.clock.Advance(90 * 24 * time.Hour)
	later := read("@growing")
	require.Greater(t, later, start, "channels gain subscribers over months")
	require.Less(t, later, start*2, "but not absurdly")
	require.NotEqual(t, read("@growing"), read("@another_channel"), "channels differ")
}

func TestTelegramParams_QueryAndJSON(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/telegram/bot"+tgToken+"/sendMessage?"+url.Values{"chat_id": {"@params"}, "text": {"by query"}}.Encode(), nil)
	require.NoError(t, err)
	require.True(t, b.do(t, "sendMessage", req).OK)

	req, err = http.NewRequest(http.MethodPost, b.srv.URL+"/telegram/bot"+tgToken+"/sendMessage", strings.NewReader(`{"chat_id":"@params","text":"<i>by JSON</i>","parse_mode":"HTML"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	require.Equal(t, "by JSON", b.do(t, "sendMessage", req).object(t)["text"])

	req, err = http.NewRequest(http.MethodPost, b.srv.URL+"/telegram/bot"+tgToken+"/sendMessage", strings.NewReader(`{"chat_id":`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	ans := b.do(t, "sendMessage", req)
	require.Equal(t, 400, ans.ErrorCode)
	require.Contains(t, ans.Description, "Bad Request: can't parse JSON")
	require.Len(t, b.sb.Posts(ferry.Telegram, "@params"), 2)
}

// putFaults configures faults through the sandbox's HTTP API.
func (b *tgBundle) putFaults(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, b.srv.URL+"/api/faults", strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestTelegramFaults(t *testing.T) {
	t.Parallel()
	t.Run("ServerError", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		status, _ := b.putFaults(t, `{"platform":"telegram","error_rate":1}`)
		require.Equal(t, http.StatusOK, status)
		requireTGError(t, b.send(t, "@faulty", "x"), 500, "Internal Server Error")
		require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
		reqs := b.sb.Requests(ferry.Telegram)
		require.Len(t, reqs, 1)
		require.Equal(t, Request{Platform: ferry.Telegram, Target: "@faulty", Op: "sendMessage", At: b.clock.Now(), Fault: "error"}, reqs[0])
	})
	t.Run("RateLimited", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		status, _ := b.putFaults(t, `{"platform":"telegram","rate_limit_rate":1,"retry_after_seconds":42}`)
		require.Equal(t, http.StatusOK, status)
		ans := b.send(t, "@faulty", "x")
		requireTGError(t, ans, 429, "Too Many Requests: retry after 42")
		require.Equal(t, json.Number("42"), ans.Parameters["retry_after"])
		require.Empty(t, b.sb.Posts(ferry.Telegram, ""))
		reqs := b.sb.Requests(ferry.Telegram)
		require.Len(t, reqs, 1)
		require.Equal(t, "rate_limit", reqs[0].Fault)
		require.Equal(t, 42*time.Second, reqs[0].RetryAfter)
	})
	t.Run("DroppedResponse", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Telegram, DropResponseRate: 1}))
		resp, err := http.PostForm(b.srv.URL+"/telegram/bot"+tgToken+"/sendMessage", url.Values{"chat_id": {"@faulty"}, "text": {"lost answer"}})
		if err == nil {
			resp.Body.Close()
		}
		require.Error(t, err, "the client sees a broken connection")
		posts := b.sb.Posts(ferry.Telegram, "@faulty")
		require.Len(t, posts, 1, "but the post went out")
		require.Equal(t, "lost answer", posts[0].Text)
		require.Equal(t, "drop", b.sb.Requests(ferry.Telegram)[0].Fault)
	})
	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Telegram, TimeoutRate: 1}))
		client := &http.Client{Timeout: 200 * time.Millisecond}
		start := time.Now()
		resp, err := client.PostForm(b.srv.URL+"/telegram/bot"+tgToken+"/sendMessage", url.Values{"chat_id": {"@faulty"}, "text": {"never"}})
		if err == nil {
			resp.Body.Close()
		}
		require.Error(t, err)
		require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
		require.Empty(t, b.sb.Posts(ferry.Telegram, ""), "a timed-out request records nothing")
		require.Equal(t, "timeout", b.sb.Requests(ferry.Telegram)[0].Fault)
	})
	t.Run("Latency", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Telegram, LatencyMS: 150}))
		start := time.Now()
		require.True(t, b.send(t, "@slow", "eventually").OK)
		require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	})
	t.Run("RatesMix", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Telegram, ErrorRate: 0.3, RateLimitRate: 0.2}))
		counts := map[int]int{}
		for i := range 200 {
			ans := b.call(t, tgToken, "getChat", url.Values{"chat_id": {fmt.Sprintf("@mix%03d", i)}})
			counts[ans.status]++
		}
		// 200 draws: about 60 errors, 40 rate limits, 100 answers.
		require.InDelta(t, 60, counts[500], 25)
		require.InDelta(t, 40, counts[429], 20)
		require.InDelta(t, 100, counts[200], 30)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Telegram}))
		require.True(t, b.call(t, tgToken, "getMe", nil).OK, "clearing the faults restores service")
	})
	t.Run("OnlyTheConfiguredPlatform", func(t *testing.T) {
		t.Parallel()
		b := setupTelegram(t)
		require.NoError(t, b.sb.SetFaults(Faults{Platform: ferry.Weibo, ErrorRate: 1}))
		require.True(t, b.send(t, "@unaffected", "x").OK)
	})
}

func TestFaultsAPI_RejectsInvalidConfigurations(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	for _, c := range []struct{ name, body, want string }{
		{"Malformed", `{"platform":`, "Malformed fault configuration"},
		{"UnknownField", `{"platform":"telegram","error_rat":0.5}`, `unknown field "error_rat"`},
		{"WrongType", `{"platform":"telegram","error_rate":"half"}`, "Malformed fault configuration"},
		{"UnknownPlatform", `{"platform":"myspace","error_rate":0.5}`, `unknown platform "myspace"`},
		{"MissingPlatform", `{"error_rate":0.5}`, `unknown platform ""`},
		{"RateAboveOne", `{"platform":"telegram","error_rate":1.5}`, "error_rate must be between 0 and 1"},
		{"NegativeRate", `{"platform":"telegram","timeout_rate":-0.1}`, "timeout_rate must be between 0 and 1"},
		{"DropRate", `{"platform":"telegram","drop_response_rate":2}`, "drop_response_rate must be between 0 and 1"},
		{"RateLimitRate", `{"platform":"telegram","rate_limit_rate":7}`, "rate_limit_rate must be between 0 and 1"},
		{"Latency", `{"platform":"telegram","latency_ms":60001}`, "latency_ms must be between 0 and 60000"},
		{"NegativeLatency", `{"platform":"telegram","latency_ms":-1}`, "latency_ms must be between 0 and 60000"},
		{"RetryAfter", `{"platform":"telegram","retry_after_seconds":3601}`, "retry_after_seconds must be between 0 and 3600"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out := b.putFaults(t, c.body)
			require.Equal(t, http.StatusBadRequest, status)
			e := out["error"].(map[string]any)
			require.Equal(t, "invalid", e["code"])
			require.Contains(t, e["message"], c.want)
		})
	}
	resp, err := http.Get(b.srv.URL + "/api/faults")
	require.NoError(t, err)
	defer resp.Body.Close()
	var faults []Faults
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&faults))
	require.Empty(t, faults, "no invalid configuration was stored")

	status, out := b.putFaults(t, `{"platform":"telegram","error_rate":0.25,"latency_ms":5,"retry_after_seconds":3}`)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0.25, out["error_rate"])
	resp2, err := http.Get(b.srv.URL + "/api/faults")
	require.NoError(t, err)
	defer resp2.Body.Close()
	require.NoError(t, json.NewDecoder(resp2.Body).Decode(&faults))
	require.Equal(t, []Faults{{Platform: ferry.Telegram, ErrorRate: 0.25, LatencyMS: 5, RetryAfterSeconds: 3}}, faults)
}

func TestPostsAPI_Filters(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	b.send(t, "@alpha", "one")
	b.clock.Advance(time.Minute)
	b.sendPhoto(t, "@beta", "two")
	b.clock.Advance(time.Minute)
	b.send(t, "@alpha", "three")

	list := func(q url.Values) []Post {
		resp, err := http.Get(b.srv.URL + "/api/posts?" + q.Encode())
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NotEqual(t, "null\n", string(raw), "an empty list is [], not null")
		var posts []Post
		require.NoError(t, json.Unmarshal(raw, &posts))
		return posts
	}
	texts := func(posts []Post) []string {
		var out []string
		for _, p := range posts {
			out = append(out, p.Text)
		}
		return out
	}
	require.Equal(t, []string{"one", "two", "three"}, texts(list(nil)), "oldest first")
	require.Equal(t, []string{"one", "two", "three"}, texts(list(url.Values{"platform": {"telegram"}})))
	require.Equal(t, []string{"one", "three"}, texts(list(url.Values{"platform": {"telegram"}, "target": {"@alpha"}})))
	require.Equal(t, []string{"two"}, texts(list(url.Values{"target": {"@beta"}})))
	require.Empty(t, list(url.Values{"platform": {"weibo"}}))
	require.Empty(t, list(url.Values{"target": {"@nobody"}}))

	beta := list(url.Values{"target": {"@beta"}})[0]
	require.Equal(t, ferry.Telegram, beta.Platform)
	require.Equal(t, "1", beta.RemoteID)
	require.Len(t, beta.Media, 1)
	require.Equal(t, b.clock.Now().Add(-time.Minute), beta.ReceivedAt)

	req, err := http.NewRequest(http.MethodDelete, b.srv.URL+"/api/posts", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Empty(t, list(nil))
}

// Telegram deletes an album message by message: the sandbox keeps the
// album up until every one of its messages is deleted, and a message
// deleted twice is "not found" the second time.
func TestTelegramDeleteMessage_AnAlbumGoesMessageByMessage(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	album := b.album(t, "@ferry_demo", "three", 3)
	msgs, ok := album.Result.([]any)
	require.True(t, ok)
	require.Len(t, msgs, 3)
	var ids []string
	for _, m := range msgs {
		ids = append(ids, fmt.Sprint(m.(map[string]any)["message_id"]))
	}
	post := func() Post {
		for _, p := range b.sb.Posts(ferry.Telegram, "") {
			if p.RemoteID == ids[0] {
				return p
			}
		}
		t.Fatal("the album is not recorded")
		return Post{}
	}
	require.Equal(t, ids, post().MessageIDs)
	del := func(id string) tgAnswer {
		return b.call(t, tgToken, "deleteMessage", url.Values{"chat_id": {"@ferry_demo"}, "message_id": {id}})
	}
	require.Equal(t, true, del(ids[0]).Result)
	require.False(t, post().Deleted, "deleting the first message leaves the other two up")
	again := del(ids[0])
	require.False(t, again.OK)
	require.Equal(t, "Bad Request: message to delete not found", again.Description)
	require.Equal(t, true, del(ids[1]).Result)
	require.Equal(t, true, del(ids[2]).Result)
	require.True(t, post().Deleted)
	require.Equal(t, ids, post().DeletedIDs)
}

// deleteMessages deletes several messages at once, skipping those it cannot
// find (Bot API): one call takes a whole album down, and a repeat is true.
func TestTelegramDeleteMessages_TakesAWholeAlbumAtOnce(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t)
	album := b.album(t, "@ferry_demo", "three", 3)
	msgs, ok := album.Result.([]any)
	require.True(t, ok)
	var ids []string
	for _, m := range msgs {
		ids = append(ids, fmt.Sprint(m.(map[string]any)["message_id"]))
	}
	other := b.album(t, "@ferry_demo", "other", 2)
	post := func(first string) Post {
		for _, p := range b.sb.Posts(ferry.Telegram, "") {
			if p.RemoteID == first {
				return p
			}
		}
		t.Fatal("the album is not recorded")
		return Post{}
	}
	otherFirst := fmt.Sprint(other.Result.([]any)[0].(map[string]any)["message_id"])
	del := func(ids string) tgAnswer {
		return b.call(t, tgToken, "deleteMessages", url.Values{"chat_id": {"@ferry_demo"}, "message_ids": {ids}})
	}
	require.Equal(t, true, del("["+strings.Join(ids, ",")+", 999999]").Result, "an unknown id is skipped")
	require.True(t, post(ids[0]).Deleted)
	require.Equal(t, ids, post(ids[0]).DeletedIDs)
	require.False(t, post(otherFirst).Deleted, "another album stays")
	require.Equal(t, true, del("["+strings.Join(ids, ",")+"]").Result, "already gone: skipped")
	for _, bad := range []string{"[]", "1,2", `["a"]`} {
		require.False(t, del(bad).OK, bad)
	}
}
