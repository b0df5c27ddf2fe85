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

func TestPickMedia_AttachesLibraryImagesOfTheWorkspaceOnlyWithinTheStoryLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *testBundle) {
		f := withAccounts(t, b)
		ctx := context.Background()
		lantern, pier := f.image(t, 64, 48, 1), f.image(t, 48, 64, 2)
		_, err := f.svc.SetMediaAlt(ctx, f.editor(), lantern.ID, "維港上空的中秋燈籠", false)
		require.NoError(t, err)

		got, err := f.svc.PickMedia(ctx, f.editor(), []string{pier.ID}, []string{lantern.ID, pier.ID, lantern.ID})
		require.NoError(t, err)
		require.Equal(t, []string{pier.ID, lantern.ID}, got, "after the attached ones, each once")

		_, err = f.svc.PickMedia(ctx, f.as[ferry.RoleViewer], nil, []string{lantern.ID})
		requireCode(t, ferry.EFORBIDDEN, err)
		fe := requireCode(t, ferry.EINVALID, func() error { _, err := f.svc.PickMedia(ctx, f.editor(), nil, nil); return err }())
		require.Equal(t, map[string]string{"pick": "required"}, fe.Details)
		_, err = f.svc.PickMedia(ctx, f.editor(), nil, []string{"med_nope"})
		requireCode(t, ferry.ENOTFOUND, err)

		// Another workspace's image is not found, even by its owner's id.
		other := &ferry.Workspace{Name: "Other"}
		require.NoError(t, f.db.Write().CreateWorkspace(ctx, other))
		theirs := &ferry.Media{WorkspaceID: other.ID, SHA256: lantern.SHA256, Mime: "image/jpeg", Width: 64, Height: 48, Bytes: lantern.Bytes}
		require.NoError(t, f.db.Write().CreateMedia(ctx, theirs))
		_, err = f.svc.PickMedia(ctx, f.editor(), nil, []string{theirs.ID})
		requireCode(t, ferry.ENOTFOUND, err)

		full := make([]string, 19)
		for i := range full {
			full[i] = f.image(t, 8, 8, uint8(10+i)).ID
		}
		got, err = f.svc.PickMedia(ctx, f.editor(), full, []string{lantern.ID})
		require.NoError(t, err)
		require.Len(t, got, 20, "up to the story's limit")
		fe = requireCode(t, ferry.EINVALID, func() error {
			_, err := f.svc.PickMedia(ctx, f.editor(), full, []string{lantern.ID, pier.ID})
			return err
		}())
		require.Equal(t, map[string]string{"pick": "too_many"}, fe.Details)

		// Saved, the reused image counts both stories where it is used.
		in := f.input(nil)
		in.MediaIDs = []string{lantern.ID}
		first, err := f.svc.CreateStory(ctx, f.editor(), in)
		require.NoError(t, err)
		in.MediaIDs, err = f.svc.PickMedia(ctx, f.editor(), nil, []string{lantern.ID})
		require.NoError(t, err)
		in.Title = "Lanterns again"
		second, err := f.svc.CreateStory(ctx, f.editor(), in)
		require.NoError(t, err)
		lib, err := f.svc.MediaLibrary(ctx, f.editor(), ferry.MediaFilter{Query: "燈籠"})
		require.NoError(t, err)
		require.Len(t, lib.Items, 1)
		require.ElementsMatch(t, []service.StoryRef{{ID: first.ID, Title: "Night ferry"}, {ID: second.ID, Title: "Lanterns again"}}, lib.Items[0].UsedBy)
		require.Equal(t, "維港上空的中秋燈籠", lib.Items[0].AltText, "the library's alt text is kept")
	})
}
