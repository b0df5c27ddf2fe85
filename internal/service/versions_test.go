package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// TestVersions_EverySaveIsKeptWithWhoAndWhen: creating, editing the story,
// editing a variant by hand and rescheduling make the versions one expects
// (a reschedule alone makes none), each by its author; any two compare
// character by character in Chinese and word by word in English.
func TestVersions_EverySaveIsKeptWithWhoAndWhen(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		f := withAccounts(t, b)
		in := f.input(nil)
		in.Title, in.Body = "夜航", "今晚九點尾班船開出。"
		created, err := f.svc.CreateStory(ctx, f.editor(), in)
		require.NoError(t, err)
		id := created.ID

		body := "今晚十點尾班船開出。"
		_, err = f.svc.UpdateStory(ctx, f.editor(), id, service.StoryPatch{Body: &body})
		require.NoError(t, err)
		text := "Last boat at ten, see you on the pier."
		_, err = f.svc.EditVariant(ctx, f.editor(), id, f.tg.ID, service.VariantEdit{Text: &text})
		require.NoError(t, err)
		at := b.now.Add(48 * time.Hour)
		_, err = f.svc.ScheduleStory(ctx, f.editor(), id, service.ScheduleInput{At: at})
		require.NoError(t, err)

		hs, err := f.svc.Versions(ctx, f.as[ferry.RoleViewer], id)
		require.NoError(t, err)
		require.Len(t, hs, 3, "the story and its two variants")
		require.Nil(t, hs[0].Account)
		require.Len(t, hs[0].Versions, 2, "created, then edited; the reschedule made none")
		require.Equal(t, "user:"+f.editor().UserID, hs[0].Versions[1].Author)
		require.Equal(t, []int{1, 2}, []int{hs[0].Versions[0].N, hs[0].Versions[1].N})
		byAccount := map[string]service.VersionHistory{}
		for _, h := range hs[1:] {
			byAccount[h.Account.ID] = h
		}
		tg := byAccount[f.tg.ID].Versions
		require.Len(t, tg, 3, "generated, regenerated after the story's edit, edited by hand")
		require.True(t, tg[2].Edited)
		require.Len(t, byAccount[f.fb.ID].Versions, 2)

		d, err := f.svc.DiffVersions(ctx, f.as[ferry.RoleViewer], id, "", "", "")
		require.NoError(t, err)
		require.Equal(t, 1, d.From.N)
		require.Equal(t, 2, d.To.N)
		require.Equal(t, []ferry.TextEdit{{Op: "equal", Text: "今晚"}, {Op: "delete", Text: "九"}, {Op: "insert", Text: "十"}, {Op: "equal", Text: "點尾班船開出。"}}, d.Text)
		require.Equal(t, []ferry.TextEdit{{Op: "equal", Text: "夜航"}}, d.Title)

		d, err = f.svc.DiffVersions(ctx, f.as[ferry.RoleViewer], id, f.tg.ID, "2", "3")
		require.NoError(t, err)
		require.Contains(t, d.Text, ferry.TextEdit{Op: "insert", Text: "Last boat at ten, see you on the pier."})

		_, err = f.svc.DiffVersions(ctx, f.as[ferry.RoleViewer], id, "", "1", "9")
		fe := requireCode(t, ferry.EINVALID, err)
		require.Equal(t, map[string]string{"to": "must be a version number from 1 to 2"}, fe.Details)
		_, err = f.svc.DiffVersions(ctx, f.as[ferry.RoleViewer], id, "acct_nope", "", "")
		requireCode(t, ferry.ENOTFOUND, err)
		_, err = f.svc.Versions(ctx, f.as[ferry.RoleViewer], "sto_nope")
		requireCode(t, ferry.ENOTFOUND, err)
	})
}
