package count

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckInstagramCaption(t *testing.T) {
	t.Parallel()
	caption := "Sunset 🌅 at the pier with @jane.doe and @bob_99. #sunset #2024 #日落 " +
		"mail me@example.com, see https://example.com/#anchor #"
	got := CheckInstagramCaption(caption)
	require.Equal(t, Length{Used: 3, Limit: 30, Unit: UnitItem}, got.Hashtags)
	require.Equal(t, Length{Used: 2, Limit: 20, Unit: UnitItem}, got.Mentions)
	require.Equal(t, utf16LenString(caption), got.Chars.Used)
	require.Equal(t, UnitUTF16, got.Chars.Unit)
	require.True(t, got.Fits())

	require.Equal(t, []string{"jane.doe", "bob_99"}, texts(ExtractInstagramMentions(caption)))
	require.Equal(t, []string{"sunset", "2024", "日落"}, texts(ExtractInstagramHashtags(caption)))
}

func TestCheckInstagramCaption_OverLimits(t *testing.T) {
	t.Parallel()
	var tags, mentions strings.Builder
	for i := range 31 {
		tags.WriteString(" #tag" + string(rune('a'+i%26)) + strings.Repeat("x", i/26))
	}
	for range 21 {
		mentions.WriteString(" @someone")
	}
	got := CheckInstagramCaption(tags.String() + mentions.String())
	require.Equal(t, 31, got.Hashtags.Used)
	require.Equal(t, 21, got.Mentions.Used)
	require.False(t, got.Fits())

	// An emoji outside the BMP counts two toward 2,200.
	require.Equal(t, 2200, InstagramCaption().Count(strings.Repeat("😀", 1100)).Used)
	require.Equal(t, 1, InstagramCaption().Count(strings.Repeat("😀", 1100)+"x").Over())
}

func TestExtractInstagramMentions_Usernames(t *testing.T) {
	t.Parallel()
	for text, want := range map[string][]string{
		"@a":                          {"a"},
		"hi @user.":                   {"user"},
		"x@y.com":                     {},
		"@" + strings.Repeat("a", 35): {strings.Repeat("a", 30)},
		"@@double":                    {"double"},
		"(@paren)":                    {"paren"},
		"@":                           {},
	} {
		require.Equal(t, want, texts(ExtractInstagramMentions(text)), "text %q", text)
	}
}

func TestFacebookPost_CountsCodePoints(t *testing.T) {
	t.Parallel()
	require.Equal(t, Length{Used: 3, Limit: 63206, Unit: UnitChar}, FacebookPost().Count("a😀字"))
	require.True(t, FacebookPost().Count(strings.Repeat("字", 63206)).Fits())
	span, over := FacebookPost().Overflow(strings.Repeat("a", 63207))
	require.True(t, over)
	require.Equal(t, 63206, span.RuneStart)
}
