package count

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLength_FitsAndOver(t *testing.T) {
	t.Parallel()
	require.True(t, Length{Used: 140, Limit: 140}.Fits())
	require.Zero(t, Length{Used: 140, Limit: 140}.Over())
	require.False(t, Length{Used: 143, Limit: 140}.Fits())
	require.Equal(t, 3, Length{Used: 143, Limit: 140}.Over())
}

func TestEmojiLen_Sequences(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       int
	}{
		{"Pictograph", "😷x", 1},
		{"TextDefaultPictograph", "☺x", 1},
		{"VariationSelector", "☺\ufe0fx", 2},
		{"SkinTone", "🙋🏽x", 2},
		{"ZWJFamily", "👨\u200d👩\u200d👧\u200d👦x", 7},
		{"ZWJWithToneAndSelector", "🧑🏽\u200d❤\ufe0f\u200d🧑🏻", 8},
		{"DanglingZWJStops", "👨\u200dx", 1},
		{"Keycap", "1⃣", 2},
		{"KeycapWithSelector", "#\ufe0f⃣", 3},
		{"DigitAlone", "1x", 0},
		{"Flag", "🇨🇳🇭🇰", 2},
		{"LoneRegionalIndicator", "🇨x", 1},
		{"SubdivisionFlag", "🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F", 7},
		{"CopyrightIsText", "©x", 0},
		{"CopyrightAsEmoji", "©\ufe0f", 2},
		{"Letter", "a", 0},
		{"CJK", "中", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, emojiLen([]rune(tc.text), 0))
		})
	}
}

func TestPunycodeLen_MatchesEncodings(t *testing.T) {
	t.Parallel()
	for label, encoded := range map[string]string{
		"example": "example",
		"💩":       "xn--ls8h",
		"みんな":     "xn--q9jyb4c",
		"پاکستان": "xn--mgbai9azgqp6j",
		"bücher":  "xn--bcher-kva",
		"中国":      "xn--fiqs8s",
		// Not valid Punycode after its "xn--": twitter-text encodes the whole label.
		"xn--はじめよう": "xn--xn---j63c3d2gufpc",
		// U+FFFD encodes like any other code point (idna refuses it from Unicode 16 on).
		"a\uFFFD": "xn--a-q10i",
	} {
		require.Equal(t, len(encoded), punycodeLen([]rune(label)), label)
	}
	require.Greater(t, punycodeLen([]rune(strings.Repeat("あ", 64))), maxDomainLabel)
}

func TestExtractURLs_UnicodeLabelUpTo63EncodedCharacters(t *testing.T) {
	t.Parallel()
	// 57 "あ" encode to 63 characters ("xn--l8jaaa…"), 58 to 64.
	fits := "http://" + strings.Repeat("あ", 57) + ".com/"
	require.Equal(t, []string{fits}, texts(ExtractURLs(fits)))
	require.Empty(t, ExtractURLs("http://"+strings.Repeat("あ", 58)+".com/"))
}

func TestExtractMentionsOrLists_Lengths(t *testing.T) {
	t.Parallel()
	name25 := strings.Repeat("a", 25)
	got := ExtractMentionsOrLists("@" + name25)
	require.Equal(t, []Entity{{Kind: EntityMention, Text: name25[:20], Start: 0, End: 21}}, got)

	slug := "l" + strings.Repeat("x", 30)
	got = ExtractMentionsOrLists("hi ＠user/" + slug)
	require.Equal(t, []Entity{{Kind: EntityMention, Text: "user", ListSlug: "/" + slug[:25], Start: 3, End: 34}}, got)
	require.Empty(t, ExtractMentions("hi @user/"+slug))
}

func TestKnownTLDs(t *testing.T) {
	t.Parallel()
	for _, tld := range []string{"com", "COM", "cn", "中国", "香港", "みんな"} {
		require.True(t, isTLD([]rune(tld)), tld)
	}
	for _, tld := range []string{"", "bz2", "localhost", "comm"} {
		require.False(t, isTLD([]rune(tld)), tld)
	}
}
