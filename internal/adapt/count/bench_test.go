package count

import (
	"strings"
	"testing"
)

// benchText is 2,000 characters of mixed Chinese and English with links, hashtags, mentions and emoji.
var benchText = func() string {
	const paragraph = "Ferry 把同一个故事发布到微博、小红书、Facebook、Instagram 和 Telegram。" +
		"Read the full story at https://example.com/stories/2024/ferry?id=42 #新闻 #ferry @ferry_app 😀👍🏽 " +
		"今天天气很好，我们在码头拍了照片。The quick brown fox jumps over the lazy dog. "
	runes := []rune(strings.Repeat(paragraph, 2000/len([]rune(paragraph))+1))
	return string(runes[:2000])
}()

func benchmarkRule(b *testing.B, r Rule) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		r.Count(benchText)
	}
}

func BenchmarkCount_Weibo(b *testing.B)           { benchmarkRule(b, Weibo()) }
func BenchmarkCount_XiaohongshuBody(b *testing.B) { benchmarkRule(b, XiaohongshuBody()) }
func BenchmarkCount_Telegram(b *testing.B)        { benchmarkRule(b, TelegramMessage()) }
func BenchmarkCount_Instagram(b *testing.B)       { benchmarkRule(b, InstagramCaption()) }
func BenchmarkCount_Facebook(b *testing.B)        { benchmarkRule(b, FacebookPost()) }
func BenchmarkCount_X(b *testing.B)               { benchmarkRule(b, X()) }

func BenchmarkOverflow_Weibo(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Weibo().Overflow(benchText)
	}
}

func BenchmarkParseX(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		ParseX(benchText, XConfigV3())
	}
}

func BenchmarkParseTelegramHTML(b *testing.B) {
	html := "<b>" + EscapeHTML(benchText) + "</b>"
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTelegramHTML(html); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckInstagramCaption(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		CheckInstagramCaption(benchText)
	}
}

func BenchmarkExtract(b *testing.B) {
	for _, bc := range []struct {
		name string
		fn   func(string) []Entity
	}{{"URLs", ExtractURLs}, {"Hashtags", ExtractHashtags}, {"Mentions", ExtractMentions}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(benchText)))
			b.ReportAllocs()
			for b.Loop() {
				bc.fn(benchText)
			}
		})
	}
}
