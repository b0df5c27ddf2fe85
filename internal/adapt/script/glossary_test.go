package script

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConvertWith_ProtectedTermsSurvive(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	// OpenCC would convert every one of these terms.
	g, err := NewGlossary([]string{"发哥", "头条号", "頭條號"}, nil)
	require.NoError(t, err)

	for _, tc := range []struct {
		cfg        Config
		text, want string
	}{
		{S2HK, "发哥开了头条号。", "发哥開了头条号。"},
		{S2TWP, "发哥的头条号发布了新视频", "发哥的头条号釋出了新影片"},
		{T2S, "乾隆皇帝的頭條號", "乾隆皇帝的頭條號"},
	} {
		plain, err := conv.Convert(tc.cfg, tc.text)
		require.NoError(t, err)
		require.NotEqual(t, tc.want, plain, "OpenCC alone must change the protected terms for this test to mean anything")

		got, err := conv.ConvertWith(tc.cfg, tc.text, g)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "%s %s", tc.cfg, tc.text)
	}
}

func TestConvertWith_PhrasesPerAudience(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	g, err := NewGlossary(nil, []Phrase{
		{From: "渡船", To: "Ferry"},
		{From: "软件", To: "軟件", Scripts: []Script{HongKong}},
		{From: "软件", To: "軟體", Scripts: []Script{Taiwan}},
	})
	require.NoError(t, err)

	for _, tc := range []struct {
		cfg        Config
		text, want string
	}{
		{S2HKP, "渡船软件发布了", "Ferry軟件發佈了"},
		{S2TWP, "渡船软件发布了", "Ferry軟體釋出了"},
		// No translation for standard Traditional: OpenCC converts 软件.
		{S2T, "渡船软件发布了", "Ferry軟件發佈了"},
		// Nothing is converted or replaced when the audience reads the
		// source script.
		{None, "渡船软件发布了", "渡船软件发布了"},
	} {
		got, err := conv.ConvertWith(tc.cfg, tc.text, g)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "%s", tc.cfg)
	}
}

func TestConvertWith_LongestTermWins(t *testing.T) {
	t.Parallel()

	g, err := NewGlossary([]string{"小米"}, []Phrase{{From: "小米手机", To: "Xiaomi 手機"}})
	require.NoError(t, err)
	got, err := NewConverter().ConvertWith(S2T, "小米手机和小米汽车", g)
	require.NoError(t, err)
	require.Equal(t, "Xiaomi 手機和小米汽車", got)
}

func TestConvertWith_PhraseForAnotherAudienceDoesNotShadow(t *testing.T) {
	t.Parallel()

	// The Taiwan-only phrase does not apply to Hong Kong, so the shorter
	// protected term inside it is what matches there.
	g, err := NewGlossary([]string{"鸿蒙"}, []Phrase{{From: "鸿蒙系统", To: "HarmonyOS", Scripts: []Script{Taiwan}}})
	require.NoError(t, err)
	conv := NewConverter()

	got, err := conv.ConvertWith(S2HK, "鸿蒙系统更新", g)
	require.NoError(t, err)
	require.Equal(t, "鸿蒙系統更新", got)

	got, err = conv.ConvertWith(S2TWP, "鸿蒙系统更新", g)
	require.NoError(t, err)
	require.Equal(t, "HarmonyOS更新", got)
}

func TestConvertWith_NilGlossaryIsConvert(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	want, err := conv.Convert(S2TW, "软件发布")
	require.NoError(t, err)
	got, err := conv.ConvertWith(S2TW, "软件发布", nil)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestConvertWith_ConcurrentUse(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	g, err := NewGlossary([]string{"发哥"}, []Phrase{{From: "软件", To: "軟體", Scripts: []Script{Taiwan}}})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			cfg := []Config{S2TWP, S2HK}[i%2]
			want := map[Config]string{S2TWP: "发哥的軟體", S2HK: "发哥的軟件"}[cfg]
			for range 50 {
				got, err := conv.ConvertWith(cfg, "发哥的软件", g)
				if err != nil || got != want {
					t.Errorf("%s: got %q, %v; want %q", cfg, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNewGlossary_RejectsAmbiguousTerms(t *testing.T) {
	t.Parallel()

	for name, tc := range map[string]struct {
		protected []string
		phrases   []Phrase
		want      string
	}{
		"EmptyTerm":            {protected: []string{""}, want: "empty"},
		"InvalidUTF8":          {protected: []string{"\xff"}, want: "not valid UTF-8"},
		"ProtectedTranslated":  {protected: []string{"发哥"}, phrases: []Phrase{{From: "发哥", To: "發哥"}}, want: "both protected and translated"},
		"TwoTranslations":      {phrases: []Phrase{{From: "软件", To: "a"}, {From: "软件", To: "b"}}, want: "translated twice"},
		"TwoForOneScript":      {phrases: []Phrase{{From: "软件", To: "a", Scripts: []Script{Taiwan}}, {From: "软件", To: "b", Scripts: []Script{Taiwan}}}, want: `twice for "tw"`},
		"UnknownScript":        {phrases: []Phrase{{From: "软件", To: "a", Scripts: []Script{"jp"}}}, want: "unknown audience script"},
		"SourceIsNoAudience":   {phrases: []Phrase{{From: "软件", To: "a", Scripts: []Script{Source}}}, want: "unknown audience script"},
		"InvalidUTF8Translate": {phrases: []Phrase{{From: "软件", To: "\xff"}}, want: "not valid UTF-8"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := NewGlossary(tc.protected, tc.phrases)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
