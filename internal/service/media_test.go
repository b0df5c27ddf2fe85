package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

func TestMediaLibrary_ListsUploadsWithDescriptionsAndWhereTheyAreUsed(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		lantern, pier := f.image(t, 64, 48, 1), f.image(t, 48, 64, 2)
		in := f.input(nil)
		in.MediaIDs = []string{lantern.ID}
		used, err := f.svc.CreateStory(ctx, f.editor(), in)
		require.NoError(t, err)

		_, err = f.svc.DescribeMedia(ctx, f.as[ferry.RoleViewer], lantern.ID, service.MediaDescription{AltText: "x"})
		requireCode(t, ferry.EFORBIDDEN, err)
		_, err = f.svc.DescribeMedia(ctx, f.editor(), lantern.ID, service.MediaDescription{AltText: strings.Repeat("長", 1001), Tags: []string{"two words"}})
		fe := requireCode(t, ferry.EINVALID, err)
		require.Equal(t, map[string]string{"alt_text": "too_long", "tags": "invalid"}, fe.Details)

		got, err := f.svc.DescribeMedia(ctx, f.editor(), lantern.ID, service.MediaDescription{AltText: " 維港上空的中秋燈籠 ", Tags: []string{"#中秋", "harbour", "中秋", " "}})
		require.NoError(t, err)
		require.Equal(t, "維港上空的中秋燈籠", got.AltText)
		require.Equal(t, []string{"harbour", "中秋"}, got.Tags)
		_, err = f.svc.DescribeMedia(ctx, f.editor(), pier.ID, service.MediaDescription{Tags: []string{"Harbour"}})
		require.NoError(t, err)

		all, err := f.svc.MediaLibrary(ctx, f.as[ferry.RoleViewer], ferry.MediaFilter{})
		require.NoError(t, err)
		require.Len(t, all.Items, 2)
		require.Equal(t, []string{"Harbour", "harbour", "中秋"}, all.Tags)
		byID := map[string]*service.MediaItem{}
		for _, it := range all.Items {
			byID[it.ID] = it
		}
		require.Equal(t, []service.StoryRef{{ID: used.ID, Title: "Night ferry"}}, byID[lantern.ID].UsedBy)
		require.Empty(t, byID[pier.ID].UsedBy)
		require.Equal(t, "維港上空的中秋燈籠", byID[lantern.ID].AltText)

		search, err := f.svc.MediaLibrary(ctx, f.editor(), ferry.MediaFilter{Query: "燈籠"})
		require.NoError(t, err)
		require.Len(t, search.Items, 1)
		require.Equal(t, lantern.ID, search.Items[0].ID)
		caseless, err := f.svc.MediaLibrary(ctx, f.editor(), ferry.MediaFilter{Query: "HARB"})
		require.NoError(t, err)
		require.Len(t, caseless.Items, 2, "a tag matches in part, ignoring case")
		tagged, err := f.svc.MediaLibrary(ctx, f.editor(), ferry.MediaFilter{Tag: "Harbour"})
		require.NoError(t, err)
		require.Len(t, tagged.Items, 1)
		require.Equal(t, pier.ID, tagged.Items[0].ID)

		first, err := f.svc.MediaLibrary(ctx, f.editor(), ferry.MediaFilter{Limit: 1})
		require.NoError(t, err)
		require.Len(t, first.Items, 1)
		require.NotEmpty(t, first.Next)
		second, err := f.svc.MediaLibrary(ctx, f.editor(), ferry.MediaFilter{Limit: 1, Cursor: first.Next})
		require.NoError(t, err)
		require.Len(t, second.Items, 1)
		require.NotEqual(t, first.Items[0].ID, second.Items[0].ID)
		require.Empty(t, second.Next)
	})
}
