package httpd

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBadJSONText_NamesTheFieldWithNULOrInvalidUTF8(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body, field string
		ok          bool
	}{
		{`{"title":"a b","tags":["x"]}`, "", true},
		{`{"title":"caf\u00e9 \ufffd"}`, "", true}, // a real U+FFFD is text
		{`{"title":"a\\u0000b"}`, "", true},        // an escaped backslash, not a NUL
		{`{"title":"a\u0000b"}`, "title", false},
		{"{\"title\":\"a\xffb\"}", "title", false},
		{"{\"title\":\"ok\",\"body\":\"\xc3\"}", "body", false},
		{`{"settings":{"operators":["a@b.example","x\u0000"]}}`, "settings.operators[1]", false},
		{`{"rows":[{"a":1},{"a":"\u0000"}]}`, "rows[1].a", false},
		{`{"a\u0000":1}`, `"a\x00"`, false},
		{"{\"settings\":{\"k\xff\":1}}", `settings."k\ufffd"`, false},
		{`"\u0000"`, "", false},
		{`{"title":"\u0000`, "", true}, // malformed: left to the decoder
	} {
		field, ok := BadJSONText([]byte(tc.body))
		require.Equal(t, tc.ok, ok, tc.body)
		require.Equal(t, tc.field, field, tc.body)
	}
}

func TestBadValue_NamesTheParameter(t *testing.T) {
	t.Parallel()
	require.Equal(t, "", BadValue(url.Values{"q": {"café"}}))
	require.Equal(t, "q", BadValue(url.Values{"q": {"a\x00"}, "state": {"draft"}}))
	require.Equal(t, "cursor", BadValue(url.Values{"cursor": {"ok", "\xff\xfe"}}))
	require.Equal(t, `"\xff"`, BadValue(url.Values{"\xff": {"x"}}))
	require.False(t, CleanText("sty_\xff"))
	require.True(t, CleanText("故事"))
}
