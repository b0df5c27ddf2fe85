package script

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func FuzzConvert(f *testing.F) {
	for _, seed := range []string{
		"",
		"Ferry 1.0 ships on 2026-08-06!",
		"干隆皇帝的头发很干燥。",
		"乾隆皇帝的頭髮很乾燥。",
		"\uF900\U0002F800 \U00023A3C𣨼",
		"汉\xff字\xe5\x8f",
		"发哥的软件",
		"#话题# @用户 https://example.com/路径?q=软件 😀",
	} {
		f.Add(seed)
	}
	conv := NewConverter()
	g, err := NewGlossary([]string{"发哥", "a"}, []Phrase{
		{From: "软件", To: "軟體", Scripts: []Script{Taiwan}},
		{From: "ab", To: "AB"},
	})
	if err != nil {
		f.Fatal(err)
	}
	cfgs := append(sortedConfigs(), None)
	f.Fuzz(func(t *testing.T, text string) {
		ascii := isASCII(text)
		for _, cfg := range cfgs {
			out, err := conv.Convert(cfg, text)
			if err != nil {
				t.Fatalf("%s: %v", cfg, err)
			}
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: invalid UTF-8", cfg, text, out)
			}
			if ascii && out != text {
				t.Fatalf("%s changed ASCII %q to %q", cfg, text, out)
			}
			with, err := conv.ConvertWith(cfg, text, g)
			if err != nil {
				t.Fatalf("%s with glossary: %v", cfg, err)
			}
			if !utf8.ValidString(with) {
				t.Fatalf("%s(%q) with glossary = %q: invalid UTF-8", cfg, text, with)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func sortedConfigs() []Config {
	var cfgs []Config
	for c := range specs {
		cfgs = append(cfgs, c)
	}
	slices.Sort(cfgs)
	return cfgs
}
