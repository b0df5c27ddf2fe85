package count

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseTelegramHTML_Text(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, html, text string
		utf16            int
	}{
		{"Plain", "Hello, world", "Hello, world", 12},
		{"NamedEntities", "&lt;b&gt; &amp; &quot;q&quot;", `<b> & "q"`, 9},
		{"NumericEntities", "&#65;&#x42;&#x1F600;", "AB😀", 4},
		{"SemicolonIsOptional", "&lt3 &amp", "<3 &", 4},
		{"UnknownEntityStaysText", "&nbsp;&copy; & &#0; &#xZZ;", "&nbsp;&copy; & &#0; &#xZZ;", 26},
		{"UppercaseHexMarkerIsNotNumeric", "&#X41;", "&#X41;", 6},
		{"TagsVanish", "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code>", "bold it u s c", 13},
		{"TagNamesIgnoreCase", "<B>x</B><STRONG>y</strong>", "xy", 2},
		{"EmptyEndTagClosesInnermost", "<b><i>x</></>", "x", 1},
		{"EndTagMayHaveSpace", "<b>x</b >", "x", 1},
		{"AttributesParse", `<a href="https://x.com/?a=1&amp;b=2" target=blank data-x='y'>l</a>`, "l", 1},
		{"AstralCharsCountTwo", "<b>😀</b>中", "😀中", 3},
		{"CarriageReturnsAreDropped", "a\r\nb", "a\r\nb", 3},
		{"LineSeparatorIsDropped", "a\u2028b", "a\u2028b", 2},
		{"Empty", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTelegramHTML(tc.html)
			require.NoError(t, err)
			require.Equal(t, tc.text, got.Text)
			require.Equal(t, tc.utf16, got.UTF16Len)
		})
	}
}

func TestParseTelegramHTML_Entities(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		html string
		want []TelegramEntity
	}{
		{"Bold", "a<b>bc</b>", []TelegramEntity{{Type: TelegramBold, Offset: 1, Length: 2}}},
		{"OffsetsInUTF16", "😀<i>x</i>", []TelegramEntity{{Type: TelegramItalic, Offset: 2, Length: 1}}},
		{"Link", `<a href="https://t.me/x">go</a>`, []TelegramEntity{{Type: TelegramTextLink, Length: 2, URL: "https://t.me/x"}}},
		{"LinkWithoutHrefUsesText", `<a>https://t.me</a>`, []TelegramEntity{{Type: TelegramTextLink, Length: 12, URL: "https://t.me"}}},
		{"PreWithLanguage", `<pre><code class="language-go">x := 1</code></pre>`,
			[]TelegramEntity{{Type: TelegramPre, Length: 6, Language: "go"}}},
		{"CodeDropsLanguage", `<code class="language-go">x</code>`, []TelegramEntity{{Type: TelegramCode, Length: 1}}},
		{"Spoilers", `<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>`,
			[]TelegramEntity{{Type: TelegramSpoiler, Length: 1}, {Type: TelegramSpoiler, Offset: 1, Length: 1}}},
		{"ExpandableBlockquote", `<blockquote expandable>q</blockquote>`,
			[]TelegramEntity{{Type: TelegramExpandableBlockquote, Length: 1}}},
		{"CustomEmoji", `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`,
			[]TelegramEntity{{Type: TelegramCustomEmoji, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{"EmptyTagMakesNoEntity", "<b></b>x", nil},
		{"NestedSortedOuterFirst", "<b><i>x</i>y</b>",
			[]TelegramEntity{{Type: TelegramBold, Length: 2}, {Type: TelegramItalic, Length: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTelegramHTML(tc.html)
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Entities)
		})
	}
}

func TestParseTelegramHTML_RejectsWhatTheBotAPIRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, html, msg string
		offset          int
	}{
		{"UnknownTag", "<p>x</p>", `Unsupported start tag "p" at byte offset 0`, 0},
		{"BareLessThan", "a < b", `Unsupported start tag "" at byte offset 2`, 2},
		{"SelfClosing", "<br/>", `Unsupported start tag "br/" at byte offset 0`, 0},
		{"Unclosed", "<b>bold", `Can't find end tag corresponding to start tag "b"`, -1},
		{"UnclosedStartTag", "x <b", "Unclosed start tag at byte offset 2", 2},
		{"UnclosedAttributeValue", `<a href="x`, "Unclosed start tag at byte offset 0", 0},
		{"AttributeWithoutValue", `<a href`, `Unclosed start tag "a" at byte offset 0`, 0},
		{"UnderscoreInNameToken", `<a target=_blank>x</a>`, "Unexpected end of name token at byte offset 10", 10},
		{"StrayEndTag", "x</b>", "Unexpected end tag at byte offset 1", 1},
		{"MismatchedEndTag", "<b>x</i>", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`, 4},
		{"UnclosedEndTag", "<b>x</b", "Unclosed end tag at byte offset 4", 4},
		{"SpanWithoutSpoilerClass", "<span>x</span>", `Tag "span" must have class "tg-spoiler" at byte offset 0`, 0},
		{"EmptyAttributeName", `<a href="x"/>y</a>`, `Empty attribute name in the tag "a" at byte offset 0`, 0},
		{"BadNameToken", `<a href=x/y>z</a>`, "Unexpected end of name token at byte offset 8", 8},
		{"BadCustomEmojiID", `<tg-emoji emoji-id="abc">x</tg-emoji>`, "Invalid custom emoji identifier specified", -1},
		{"LoneSurrogate", "&#xD83D;", "Text contains invalid Unicode characters after decoding HTML entities, " +
			"check for unmatched surrogate code units", -1},
		{"InvalidUTF8", "\xff", "strings must be encoded in UTF-8", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseTelegramHTML(tc.html)
			var htmlErr *TelegramHTMLError
			require.ErrorAs(t, err, &htmlErr)
			require.Equal(t, tc.msg, htmlErr.Msg)
			require.Equal(t, tc.offset, htmlErr.Offset)
			require.Equal(t, "can't parse entities: "+tc.msg, err.Error())
		})
	}
}

func TestEscapeHTML_RoundTrips(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"a < b && c > d", `say "hi"`, "&lt; is written &amp;lt;", "<b>not bold</b>", "纯文本😀"} {
		got, err := ParseTelegramHTML(EscapeHTML(s))
		require.NoError(t, err)
		require.Equal(t, s, got.Text)
		require.Empty(t, got.Entities)
	}
	require.Equal(t, "&lt;b&gt; &amp; &quot;", EscapeHTML(`<b> & "`))
}

func TestTelegramRules(t *testing.T) {
	t.Parallel()
	require.Equal(t, Length{Used: 4096, Limit: 4096, Unit: UnitUTF16}, TelegramMessage().Count(strings.Repeat("字", 4096)))
	require.False(t, TelegramCaption().Count(strings.Repeat("😀", 513)).Fits())
	require.Equal(t, 2, TelegramCaption().Count(strings.Repeat("😀", 513)).Over())
	require.Equal(t, 1, TelegramCaption().Count("\r\n").Used)

	span, over := TelegramCaption().Overflow(strings.Repeat("😀", 513))
	require.True(t, over)
	require.Equal(t, Span{RuneStart: 512, RuneEnd: 513, ByteStart: 2048, ByteEnd: 2052}, span)
}
