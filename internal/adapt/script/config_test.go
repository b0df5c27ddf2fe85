package script

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestConfigFor(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		from, to Script
		want     Config
		ok       bool
	}{
		{Simplified, Traditional, S2T, true},
		{Simplified, HongKong, S2HKP, true},
		{Simplified, Taiwan, S2TWP, true},
		{Traditional, Simplified, T2S, true},
		{Traditional, HongKong, T2HK, true},
		{Traditional, Taiwan, T2TW, true},
		{HongKong, Simplified, HK2SP, true},
		{HongKong, Traditional, HK2T, true},
		{HongKong, Taiwan, HK2TW, true},
		{Taiwan, Simplified, TW2SP, true},
		{Taiwan, Traditional, TW2T, true},
		{Taiwan, HongKong, TW2HK, true},
		{Simplified, Simplified, None, true},
		{Taiwan, Source, None, true},
		{Source, Taiwan, "", false},
		{"jp", Simplified, "", false},
		{Simplified, "mo", "", false},
	} {
		got, ok := ConfigFor(tc.from, tc.to)
		require.Equal(t, tc.ok, ok, "%s→%s", tc.from, tc.to)
		require.Equal(t, tc.want, got, "%s→%s", tc.from, tc.to)
		if ok && got != None {
			require.Equal(t, tc.to, got.Target(), "%s→%s", tc.from, tc.to)
		}
	}
}

func TestConvert_EveryConfig(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	// One sentence per source script that every conversion from it changes.
	source := map[string]string{
		"s":  "他着急地说：里面的软件为什么在台湾发布了？",
		"t":  "他着急地說：裏面的軟件爲什麼在臺灣發佈了？",
		"hk": "他着急地說：裏面的軟件為甚麼在台灣發佈了？",
		"tw": "他著急地說：裡面的軟體為什麼在臺灣發布了？",
	}
	for cfg := range specs {
		t.Run(string(cfg), func(t *testing.T) {
			t.Parallel()
			from, _, _ := strings.Cut(string(cfg), "2")
			in := source[from]
			require.NotEmpty(t, in, "no sample for %s", from)
			got, err := conv.Convert(cfg, in)
			require.NoError(t, err)
			require.NotEqual(t, in, got)
			require.Equal(t, utf8.RuneCountInString(in), utf8.RuneCountInString(got), "%s: %s", cfg, got)
		})
	}
}

func TestConvert_Errors(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	_, err := conv.Convert("s2jp", "汉字")
	require.ErrorIs(t, err, ErrUnknownConfig)
	_, err = conv.ConvertWith("", "汉字", nil)
	require.ErrorIs(t, err, ErrUnknownConfig)
}

func TestConvert_NoneAndInvalidUTF8(t *testing.T) {
	t.Parallel()

	conv := NewConverter()
	got, err := conv.Convert(None, "汉字")
	require.NoError(t, err)
	require.Equal(t, "汉字", got)

	got, err = conv.Convert(S2T, "汉\xff字")
	require.NoError(t, err)
	require.Equal(t, "漢\uFFFD字", got)
}
