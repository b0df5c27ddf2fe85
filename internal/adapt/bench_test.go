package adapt_test

import (
	"os"
	"testing"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/refdata"
)

// BenchmarkAdapt adapts a 2,000-character Hong Kong Chinese story (the
// opening of OpenCC's golden US Constitution in Hong Kong script) with a
// title, tags, a link, a mention and a workspace glossary for five targets
// without media: Weibo and Xiaohongshu (converted to Simplified), Instagram,
// Telegram and Facebook (as written). One op is the whole story for all
// five.
func BenchmarkAdapt(b *testing.B) {
	data, err := os.ReadFile(refdata.Path(b, "opencc", "golden", "us_constitution_zhs.s2hk.txt"))
	if err != nil {
		b.Fatal(err)
	}
	runes := []rune(string(data))
	if len(runes) < 2000 {
		b.Fatalf("the golden text has %d characters, want 2000", len(runes))
	}
	body := "多謝@{chan}。" + string(runes[:2000-8])
	g, err := script.NewGlossary([]string{"美利堅合眾國"}, []script.Phrase{{From: "國會", To: "国会(议会)", Scripts: []script.Script{script.Simplified}}})
	if err != nil {
		b.Fatal(err)
	}
	env := adapt.Env{Glossary: g, People: map[string]adapt.Person{"chan": {Key: "chan", Name: "陳大文", Handles: map[ferry.Platform]string{ferry.Weibo: "陈大文", ferry.Instagram: "chantaiman"}}}}
	story := adapt.Story{Title: "美利堅合眾國憲法", Body: body, Tags: []string{"憲法", "歷史", "Constitution"}, Links: []string{"https://example.gov.hk/constitution"}}
	targets := []adapt.Target{
		{AccountID: "acc_w", Platform: ferry.Weibo, LinkURL: weiboLink},
		{AccountID: "acc_x", Platform: ferry.Xiaohongshu},
		{AccountID: "acc_i", Platform: ferry.Instagram},
		{AccountID: "acc_t", Platform: ferry.Telegram},
		{AccountID: "acc_f", Platform: ferry.Facebook},
	}
	a := adapt.New(script.NewConverter())
	a.Adapt(story, targets, env) // loads the dictionaries outside the timing
	b.ReportAllocs()
	for b.Loop() {
		a.Adapt(story, targets, env)
	}
}
