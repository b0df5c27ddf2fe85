package script

import (
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ferry-social/ferry/internal/adapt/script/internal/opencc"
	"github.com/ferry-social/ferry/internal/refdata"
)

// benchmarkInput returns about 100 KB of text in the given source script:
// OpenCC's golden United States Constitution, in Simplified or converted by
// OpenCC master.
func benchmarkInput(b *testing.B, from string) string {
	b.Helper()
	name := map[string]string{
		"s":  "us_constitution_zhs.txt",
		"t":  "us_constitution_zhs.s2t.txt",
		"hk": "us_constitution_zhs.s2hk.txt",
		"tw": "us_constitution_zhs.s2tw.txt",
	}[from]
	data, err := os.ReadFile(refdata.Path(b, "opencc", "golden", name))
	if err != nil {
		b.Fatal(err)
	}
	return strings.Repeat(string(data), 5)
}

func BenchmarkConvert(b *testing.B) {
	conv := NewConverter()
	if err := conv.Preload(); err != nil {
		b.Fatal(err)
	}
	for _, cfg := range sortedConfigs() {
		from, _, _ := strings.Cut(string(cfg), "2")
		text := benchmarkInput(b, from)
		b.Run(string(cfg), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if _, err := conv.Convert(cfg, text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConvertWith(b *testing.B) {
	conv := NewConverter()
	g, err := NewGlossary([]string{"美利坚合众国", "宪法"}, []Phrase{
		{From: "国会", To: "國會", Scripts: []Script{Taiwan}},
		{From: "总统", To: "總統"},
	})
	if err != nil {
		b.Fatal(err)
	}
	text := benchmarkInput(b, "s")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := conv.ConvertWith(S2TWP, text, g); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad measures loading the embedded dictionaries, and reports the
// live heap they hold once loaded.
func BenchmarkLoad(b *testing.B) {
	sub, err := fs.Sub(data, "dict")
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	var lib *opencc.Library
	for b.Loop() {
		b.StopTimer()
		lib = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		if lib, err = opencc.Load(sub); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "live-MiB")
	st := lib.Stats()
	b.ReportMetric(float64(st.Keys), "keys")
	b.ReportMetric(float64(st.TrieNodes), "trie-nodes")
	runtime.KeepAlive(lib)
}
