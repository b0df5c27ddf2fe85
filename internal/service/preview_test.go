package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

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

// TestRequireAltText_AnImageWithoutIsAnErrorThatBlocksSchedulingNotDrafts
// turns on the workspace's "images must have alt text": an image with
// neither alt text nor the decorative mark is then an error in the preview,
// a draft still saves, and scheduling and publishing now are refused naming
// the image, until it is described or marked decorative.
func TestRequireAltText_AnImageWithoutIsAnErrorThatBlocksSchedulingNotDrafts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be testdb.Backend) {
		b := setup(t, be)
		ctx := context.Background()
		tg := b.account(t, ferry.Telegram, "harbour", nil)
		described, bare := b.image(t, 800, 600, 3), b.image(t, 800, 600, 9)
		_, err := b.svc.SetMediaAlt(ctx, b.editor(), described.ID, "Red lanterns", false)
		require.NoError(t, err)
		media := []string{described.ID, bare.ID}

		ws, err := b.svc.Workspace(ctx, b.as[ferry.RoleViewer])
		require.NoError(t, err)
		require.False(t, ws.RequireAltText, "off by default")
		on := true
		_, err = b.svc.PatchWorkspace(ctx, b.editor(), service.WorkspacePatch{RequireAltText: &on})
		require.True(t, ferry.IsCode(err, ferry.EFORBIDDEN), "admins only")
		at := b.now.Add(time.Hour)
		off, err := b.svc.CreateStory(ctx, b.editor(), service.StoryInput{Body: "Lanterns tonight.", MediaIDs: media, Targets: []string{tg.ID}, ScheduledAt: &at})
		require.NoError(t, err, "off: a warning does not block")

		ws, err = b.svc.PatchWorkspace(ctx, b.as[ferry.RoleAdmin], service.WorkspacePatch{RequireAltText: &on})
		require.NoError(t, err)
		require.True(t, ws.RequireAltText)
		ws, err = b.svc.Workspace(ctx, b.as[ferry.RoleViewer])
		require.NoError(t, err)
		require.True(t, ws.RequireAltText, "stored")
		require.Equal(t, "Harbour News", ws.Name, "the rest is kept")

		pv, err := b.svc.Preview(ctx, b.editor(), service.PreviewInput{Body: "Lanterns tonight.", MediaIDs: media, Targets: []string{tg.ID}})
		require.NoError(t, err)
		var alts []ferry.Problem
		for _, p := range pv.Variants[0].Problems {
			if p.Code == service.CodeAltRequired || p.Code == service.CodeAltMissing {
				alts = append(alts, p)
			}
		}
		require.Len(t, alts, 1)
		require.Equal(t, service.CodeAltRequired, alts[0].Code)
		require.Equal(t, ferry.SeverityError, alts[0].Severity)
		require.Contains(t, alts[0].Message, "Image 2")

		draft, err := b.svc.CreateStory(ctx, b.editor(), service.StoryInput{Body: "Lanterns tonight.", MediaIDs: media, Targets: []string{tg.ID}})
		require.NoError(t, err, "a draft may be saved")
		b.sched.Take()
		blocked := func(err error) {
			t.Helper()
			fe := requireCode(t, ferry.EUNPROCESSABLE, err)
			problems := fe.Details.(map[string]any)["problems"].(map[string][]ferry.Problem)
			require.Len(t, problems[tg.ID], 1)
			require.Equal(t, service.CodeAltRequired, problems[tg.ID][0].Code)
			require.Contains(t, problems[tg.ID][0].Message, "Image 2")
			require.Empty(t, b.sched.Take(), "nothing scheduled")
		}
		_, err = b.svc.ScheduleStory(ctx, b.editor(), draft.ID, service.ScheduleInput{At: at})
		blocked(err)
		_, err = b.svc.PublishStoryNow(ctx, b.editor(), draft.ID, service.PublishInput{})
		blocked(err)
		_, err = b.svc.CreateStory(ctx, b.editor(), service.StoryInput{Body: "Again.", MediaIDs: media, Targets: []string{tg.ID}, ScheduledAt: &at})
		blocked(err)
		later := "Lanterns tonight, 8 pm."
		_, err = b.svc.UpdateStory(ctx, b.editor(), off.ID, service.StoryPatch{Body: &later})
		blocked(err)
		st, err := b.svc.Story(ctx, b.editor(), draft.ID)
		require.NoError(t, err)
		require.Equal(t, ferry.StateDraft, st.Publications[0].State)

		_, err = b.svc.SetMediaAlt(ctx, b.editor(), bare.ID, "", true)
		require.NoError(t, err)
		_, err = b.svc.ScheduleStory(ctx, b.editor(), draft.ID, service.ScheduleInput{At: at})
		require.NoError(t, err, "a decorative image needs none")
		require.NotEmpty(t, b.sched.Take())
	})
}
