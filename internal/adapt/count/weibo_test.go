package count

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type weiboVector struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Input    string `json:"input"`
	Expected any    `json:"expected"`
}

func TestWeibo_ReferenceVectors(t *testing.T) {
	t.Parallel()
	vectors := readJSONL[weiboVector](t, "weibo", "weibo_length_vectors.jsonl")
	kinds := map[string]int{}
	for _, v := range vectors {
		kinds[v.Kind]++
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			switch v.Kind {
			case "length":
				got := Weibo().Count(v.Text)
				require.Equal(t, int(v.Expected.(float64)), got.Used, "text %q", v.Text)
				require.Equal(t, UnitWeiboChar, got.Unit)
			case "mid_to_base62":
				code, err := MidToCode(v.Input)
				require.NoError(t, err)
				require.Equal(t, v.Expected, code)
				mid, err := CodeToMid(code)
				require.NoError(t, err)
				require.Equal(t, v.Input, mid)
			default:
				t.Fatalf("unknown vector kind %q", v.Kind)
			}
		})
	}
	require.Equal(t, map[string]int{"length": 10, "mid_to_base62": 3}, kinds)
}

func TestWeibo_URLRule(t *testing.T) {
	t.Parallel()
	long := "http://example.com/" + strings.Repeat("a", 200) // 219 bytes
	for _, tc := range []struct {
		name string
		text string
		want int
	}{
		{"PlainLinkIsTwentyBytes", "http://example.com/a/very/long/path/that/would/otherwise/count", 10},
		{"HTTPSLinkIsTwentyBytes", "https://example.com/path", 10},
		{"LinkAfterCJK", "看这里http://example.com", 3 + 10},
		{"LinkOver140BytesCountsTheExcess", long, 50}, // ceil((219 - 140 + 20) / 2)
		{"ShortWeiboLinkCountsItself", "http://weibo.com/123", 10},
		{"LongerWeiboLinkIsTwentyBytes", "http://weibo.com/" + strings.Repeat("1", 30), 10},
		{"TcnLinkCountsItsCharacters", "http://t.cn/A6abcdEF", 10},
		{"WithoutDotIsText", "http://localhost", 8},
		{"UppercaseSchemeIsText", "HTTP://EXAMPLE.COM", 9},
		{"CRLFCountsAsLF", "a\r\nb", 2},
		{"LoneCRCounts", "a\rb", 2},
		{"Latin1IsOneByte", "éé", 1},
		{"EmojiIsTwoUnits", "😀", 2},
		{"Empty", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Weibo().Count(tc.text).Used, "text %q", tc.text)
		})
	}
}

func TestXiaohongshu_CountsLinksAsText(t *testing.T) {
	t.Parallel()
	text := "标题http://example.com/abc"
	require.Equal(t, 2+11, XiaohongshuTitle().Count(text).Used) // 4 + 22 bytes
	require.Equal(t, 2+10, Weibo().Count(text).Used)
	require.Equal(t, Length{Used: 3, Limit: 1000, Unit: UnitWeiboChar}, XiaohongshuBody().Count("小红书"))
}

func TestWeibo_Overflow(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("字", 140) + "多余"
	span, over := Weibo().Overflow(text)
	require.True(t, over)
	require.Equal(t, Span{RuneStart: 140, RuneEnd: 142, ByteStart: 420, ByteEnd: 426}, span)

	// 279 ASCII bytes fit in 140 characters; the 281st byte is the first too many.
	ascii := strings.Repeat("a", 285)
	span, over = Weibo().Overflow(ascii)
	require.True(t, over)
	require.Equal(t, 280, span.RuneStart)

	// A link that crosses the limit overflows from its first character.
	linked := strings.Repeat("字", 135) + "http://example.com/x"
	span, over = Weibo().Overflow(linked)
	require.True(t, over)
	require.Equal(t, 135, span.RuneStart)

	_, over = Weibo().Overflow(strings.Repeat("字", 140))
	require.False(t, over)
}

func TestMidToCode_RoundTrips(t *testing.T) {
	t.Parallel()
	for _, mid := range []string{"0", "5", "61", "62", "1000000", "10000001", "3591268992667779", "4990000000000007"} {
		code, err := MidToCode(mid)
		require.NoError(t, err)
		back, err := CodeToMid(code)
		require.NoError(t, err)
		require.Equal(t, mid, back, "code %q", code)
	}
	// A group of zeros inside the mid still takes four code digits.
	code, err := MidToCode("10000001")
	require.NoError(t, err)
	require.Equal(t, "10001", code)
}

func TestMidToCode_RejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, mid := range []string{"", "12a", "-1", " 1"} {
		_, err := MidToCode(mid)
		require.ErrorIs(t, err, ErrBadMid, "mid %q", mid)
	}
	for _, code := range []string{"", "zz-z", "ZZZZ"} {
		_, err := CodeToMid(code)
		require.ErrorIs(t, err, ErrBadMid, "code %q", code)
	}
}
