// Package count measures text the way each platform counts it, so that Ferry can tell before publishing
// whether a text fits, and where it stops fitting.
//
// Each platform field has a Rule (Weibo, XiaohongshuTitle, XiaohongshuBody, TelegramMessage,
// TelegramCaption, InstagramCaption, FacebookPost, X) whose Count returns a Length{Used, Limit, Unit} and
// whose Overflow returns the Span from the first rune past the limit to the end of the text.
//
// How each platform counts, and the choices made where it is not documented:
//
//   - Weibo counts like Sina's web counter (as WeCase reproduces it): one byte per UTF-16 unit in
//     U+0000–U+00FF, two per other unit, then bytes/2 rounded up; "\r\n" counts as "\n". A link counts 20
//     bytes up to 140 bytes long and its excess beyond; weibo.com and weibo.cn links up to 41 bytes count
//     their length; t.cn links count as text. Sina's counter only knew http://; https:// links are counted
//     the same. WeCase's copy treats U+0080–U+00FF as two bytes; Ferry follows PLATFORMS.md, which counts
//     all of Latin-1 as one byte (no reference vector tells the two apart).
//   - Xiaohongshu titles and bodies count the same way without the link rule: links there are plain text.
//   - Telegram counts UTF-16 code units after entity parsing, less the characters TDLib drops ("\r",
//     U+2028–U+202E). ParseTelegramHTML follows TDLib's parse_html and reports the errors the Bot API would.
//     Telegram also trims leading and trailing whitespace, which the count keeps: it may exceed Telegram's
//     by that much, never fall short.
//   - Instagram counts UTF-16 code units (the unit of its JavaScript composer, and never less than code
//     points), and at most 30 hashtags and 20 mentions. Facebook counts code points.
//   - X weighs code points by twitter-text's configuration (v3: most scripts up to U+10FF and general
//     punctuation 1, everything else 2, each emoji sequence 2, each URL 23), after NFC normalisation.
//
// Extraction of URLs, hashtags and mentions (ExtractURLs, ExtractHashtags, ExtractMentions) follows
// twitter-text 3, whose conformance suite the tests run. Top-level domains come from the Public Suffix List
// (tlds.txt), so the TLDs ICANN has retired since twitter-text's list are not recognised. Emoji sequences
// are recognised by their structure (UTS #51) over the Extended_Pictographic property (emoji_table.go)
// rather than by twemoji's list.
package count
