package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestPreview_SourcesHoldTheTextBeforeConversionOnlyWhereItChanged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be testdb.Backend) {
		b := setup(t, be)
		xhs := b.account(t, ferry.Xiaohongshu, "海港小紅書", nil)
		tg := b.account(t, ferry.Telegram, "harbour", nil)
		in := service.PreviewInput{Title: "中秋節", Body: "歡迎大家一同賞月。", Targets: []string{xhs.ID, tg.ID}}
		plain, err := b.svc.Preview(context.Background(), b.editor(), in)
		require.NoError(t, err)
		require.Nil(t, plain.Sources, "only when asked for")

		in.Sources = true
		pv, err := b.svc.Preview(context.Background(), b.editor(), in)
		require.NoError(t, err)
		require.Len(t, pv.Sources, 2)
		require.Contains(t, pv.Variants[0].Text, "欢迎大家一同赏月", "Xiaohongshu reads Simplified")
		require.Contains(t, pv.Sources[0], "歡迎大家一同賞月", "its source is as written")
		require.Equal(t, strings.Count(pv.Variants[0].Text, "\n"), strings.Count(pv.Sources[0], "\n"), "the same layout, only the script differs")
		require.Empty(t, pv.Sources[1], "Telegram keeps the story's script")
	})
}

// BenchmarkPreview measures the preview the compose page asks for as the
// person types: a 2,000-character Hong Kong Chinese story with tags and a
// link, for one account of each platform, with the text before conversion
// (Sources) that marks the converted characters.
func BenchmarkPreview(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			bu := setup(b, be)
			var targets []string
			for _, p := range ferry.Platforms {
				targets = append(targets, bu.account(b, p, string(p), map[string]any{"link_url": "https://harbour.example/l"}).ID)
			}
			para := "今年中秋節，海港公園將舉行燈籠會，歡迎大家一同賞月。Lantern fair at Harbour Park. "
			body := strings.Repeat(para, 2000/len([]rune(para))+1)
			body = string([]rune(body)[:2000])
			in := service.PreviewInput{Title: "中秋節海港燈會", Body: body, Tags: []string{"中秋", "海港"}, Links: []string{"https://harbour.example/mid-autumn"},
				Targets: targets, Sources: true}
			ctx := context.Background()
			_, err := bu.svc.Preview(ctx, bu.editor(), in)
			require.NoError(b, err)
			b.ResetTimer()
			for b.Loop() {
				pv, err := bu.svc.Preview(ctx, bu.editor(), in)
				require.NoError(b, err)
				require.Len(b, pv.Variants, 5)
			}
		})
	}
}

func TestSetMediaAlt_AnImageWithoutAltTextIsAWarningUntilDescribedOrDecorative(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be testdb.Backend) {
		b := setup(t, be)
		ctx := context.Background()
		tg := b.account(t, ferry.Telegram, "harbour", nil)
		img := b.image(t, 800, 600, 7)
		in := service.PreviewInput{Body: "Lanterns tonight.", MediaIDs: []string{img.ID}, Targets: []string{tg.ID}}
		alts := func() []ferry.Problem {
			pv, err := b.svc.Preview(ctx, b.editor(), in)
			require.NoError(t, err)
			var out []ferry.Problem
			for _, p := range pv.Variants[0].Problems {
				if p.Code == service.CodeAltMissing {
					out = append(out, p)
				}
			}
			return out
		}
		missing := alts()
		require.Len(t, missing, 1)
		require.Equal(t, ferry.SeverityWarning, missing[0].Severity, "a warning: it does not block scheduling")
		require.Contains(t, missing[0].Message, "Image 1")

		_, err := b.svc.SetMediaAlt(ctx, b.as[ferry.RoleViewer], img.ID, "Lanterns", false)
		require.True(t, ferry.IsCode(err, ferry.EFORBIDDEN))
		m, err := b.svc.SetMediaAlt(ctx, b.editor(), img.ID, "  Red lanterns over the harbour at dusk  ", false)
		require.NoError(t, err)
		require.Equal(t, "Red lanterns over the harbour at dusk", m.AltText)
		require.Empty(t, alts())
		items, err := b.svc.MediaItems(ctx, b.editor(), []string{img.ID})
		require.NoError(t, err)
		require.Equal(t, "Red lanterns over the harbour at dusk", items[0].AltText, "stored")

		m, err = b.svc.SetMediaAlt(ctx, b.editor(), img.ID, "ignored", true)
		require.NoError(t, err)
		require.True(t, m.Decorative)
		require.Empty(t, m.AltText, "a decorative image carries no description")
		require.Empty(t, alts())
		_, err = b.svc.SetMediaAlt(ctx, b.editor(), img.ID, strings.Repeat("長", 1001), false)
		require.True(t, ferry.IsCode(err, ferry.EINVALID))
	})
}
