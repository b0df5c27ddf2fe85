package botapitest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T) *Spec {
	t.Helper()
	s, err := Load(refdata.Path(t, "telegram", "api.json"))
	require.NoError(t, err)
	return s
}

func formRequest(path string, v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

type part struct{ name, filename, value string }

func multipartRequest(t *testing.T, path string, parts ...part) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" {
			require.NoError(t, mw.WriteField(p.name, p.value))
			continue
		}
		w, err := mw.CreateFormFile(p.name, p.filename)
		require.NoError(t, err)
		_, err = w.Write([]byte(p.value))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	r := httptest.NewRequest(http.MethodPost, path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestCheckRequest_AcceptsConformingRequests(t *testing.T) {
	t.Parallel()
	s := load(t)
	for name, r := range map[string]*http.Request{
		"Text":        formRequest("/bot1:x/sendMessage", url.Values{"chat_id": {"@c"}, "text": {"hi"}, "parse_mode": {"HTML"}, "disable_notification": {"true"}}),
		"NumericChat": formRequest("/bot1:x/getChatMember", url.Values{"chat_id": {"-1001"}, "user_id": {"42"}}),
		"GetMe":       formRequest("/bot1:x/getMe", url.Values{}),
		"PhotoUpload": multipartRequest(t, "/bot1:x/sendPhoto", part{name: "chat_id", value: "@c"}, part{name: "photo", filename: "a.jpg", value: "jpeg"}),
		"PhotoByURL":  formRequest("/bot1:x/sendPhoto", url.Values{"chat_id": {"@c"}, "photo": {"https://example.com/a.jpg"}}),
		"Album": multipartRequest(t, "/bot1:x/sendMediaGroup", part{name: "chat_id", value: "@c"},
			part{name: "media", value: `[{"type":"photo","media":"attach://a","caption":"x","parse_mode":"HTML"},{"type":"photo","media":"attach://b","has_spoiler":true}]`},
			part{name: "a", filename: "a.jpg", value: "1"}, part{name: "b", filename: "b.jpg", value: "2"}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := s.CheckRequest(r)
			require.NoError(t, err)
		})
	}
}

func TestCheckRequest_RejectsWhatTheAPIWouldNot(t *testing.T) {
	t.Parallel()
	s := load(t)
	for _, c := range []struct {
		name string
		r    *http.Request
		want string
	}{
		{"UnknownMethod", formRequest("/bot1:x/sendPost", url.Values{}), `method "sendPost" is not in the Bot API`},
		{"NotABotPath", formRequest("/api/sendMessage", url.Values{}), "does not start with /bot"},
		{"MissingRequired", formRequest("/bot1:x/sendMessage", url.Values{"chat_id": {"@c"}}), `required parameter "text" is missing`},
		{"UnknownParameter", formRequest("/bot1:x/sendMessage", url.Values{"chat_id": {"@c"}, "text": {"x"}, "title": {"t"}}), `unknown parameter "title"`},
		{"RepeatedParameter", formRequest("/bot1:x/sendMessage", url.Values{"chat_id": {"@c"}, "text": {"x", "y"}}), `"text" is sent more than once`},
		{"IntegerIsNotANumber", formRequest("/bot1:x/deleteMessage", url.Values{"chat_id": {"@c"}, "message_id": {"abc"}}), `"abc" is not an integer`},
		{"BooleanIsNotTrueOrFalse", formRequest("/bot1:x/sendMessage", url.Values{"chat_id": {"@c"}, "text": {"x"}, "disable_notification": {"yes"}}), `"yes" is not true or false`},
		{"MediaIsNotJSON", formRequest("/bot1:x/sendMediaGroup", url.Values{"chat_id": {"@c"}, "media": {"photo0,photo1"}}), "not JSON"},
		{"MediaItemHasUnknownField", formRequest("/bot1:x/sendMediaGroup", url.Values{"chat_id": {"@c"},
			"media": {`[{"type":"photo","media":"https://e/a.jpg","title":"x"},{"type":"photo","media":"https://e/b.jpg"}]`}}), `InputMediaPhoto has no field "title"`},
		{"MediaItemHasWrongType", formRequest("/bot1:x/sendMediaGroup", url.Values{"chat_id": {"@c"},
			"media": {`[{"type":"picture","media":"https://e/a.jpg"},{"type":"photo","media":"https://e/b.jpg"}]`}}), `InputMediaPhoto.type must be "photo", got picture`},
		{"MediaItemCaptionIsNotAString", formRequest("/bot1:x/sendMediaGroup", url.Values{"chat_id": {"@c"},
			"media": {`[{"type":"photo","media":"https://e/a.jpg","caption":7},{"type":"photo","media":"https://e/b.jpg"}]`}}), `caption: 7 is not a string`},
		{"MediaItemWithoutMedia", formRequest("/bot1:x/sendMediaGroup", url.Values{"chat_id": {"@c"},
			"media": {`[{"type":"photo"},{"type":"photo","media":"https://e/b.jpg"}]`}}), `InputMediaPhoto: required field "media" is missing`},
		{"AttachToAMissingPart", multipartRequest(t, "/bot1:x/sendMediaGroup", part{name: "chat_id", value: "@c"},
			part{name: "media", value: `[{"type":"photo","media":"attach://a"},{"type":"photo","media":"attach://b"}]`},
			part{name: "a", filename: "a.jpg", value: "1"}), `"attach://b" refers to no uploaded file part`},
		{"UnreferencedPart", multipartRequest(t, "/bot1:x/sendMediaGroup", part{name: "chat_id", value: "@c"},
			part{name: "media", value: `[{"type":"photo","media":"attach://a"},{"type":"photo","media":"attach://b"}]`},
			part{name: "a", filename: "a.jpg", value: "1"}, part{name: "b", filename: "b.jpg", value: "2"}, part{name: "c", filename: "c.jpg", value: "3"}),
			`file part "c" is neither a parameter nor referred to`},
		{"FileForAStringParameter", multipartRequest(t, "/bot1:x/sendPhoto", part{name: "chat_id", value: "@c"},
			part{name: "photo", filename: "a.jpg", value: "1"}, part{name: "caption", filename: "c.txt", value: "x"}),
			`"caption" is uploaded as a file but takes String`},
		{"PlainTextBody", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/bot1:x/getMe", strings.NewReader("hello"))
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), `content type "text/plain"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.CheckRequest(c.r)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestCheckResult(t *testing.T) {
	t.Parallel()
	s := load(t)
	decode := func(js string) any {
		v, err := Decode([]byte(js))
		require.NoError(t, err)
		return v
	}
	msg := `{"message_id":5,"date":1767225600,"chat":{"id":-1001,"type":"channel","title":"C"}}`
	require.NoError(t, s.CheckResult("sendMessage", decode(msg)))
	require.NoError(t, s.CheckResult("sendMediaGroup", decode("["+msg+","+msg+"]")))
	require.NoError(t, s.CheckResult("getChatMemberCount", decode("12")))
	require.NoError(t, s.CheckResult("deleteMessage", decode("true")))
	require.NoError(t, s.CheckResult("getChatMember", decode(`{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}}`)))

	require.ErrorContains(t, s.CheckResult("sendMessage", decode(`{"message_id":5,"chat":{"id":1,"type":"channel"}}`)), `required field "date" is missing`)
	require.ErrorContains(t, s.CheckResult("sendMessage", decode(`{"message_id":5,"date":1,"chat":{"id":1,"type":"blog"}}`)), "Chat.type must be one of private, group, supergroup, channel")
	require.ErrorContains(t, s.CheckResult("getChatMemberCount", decode("12.5")), "not an integer")
	require.ErrorContains(t, s.CheckResult("getChatMember", decode(`{"status":"boss","user":{"id":1,"is_bot":true,"first_name":"B"}}`)), "matches none of the subtypes of ChatMember")
}
