package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/store"
	"github.com/ferry-social/ferry/internal/testdb"
)

// TestStore_Tailoring runs the tailoring half of the store suite (stories'
// tags and script, variants, fitted media, glossary, directory, templates)
// against every backend.
func TestStore_Tailoring(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tailoringSuite(t, b)
		})
	}
}

func tailoringSuite(t *testing.T, b testdb.Backend) {
	ctx := context.Background()

	t.Run("StoryKeepsTagsLinksAndScript", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		s := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "中秋", Body: "b", CreatedBy: bu.usr.ID}
		require.NoError(t, bu.db.Write().CreateStory(ctx, s))
		got, err := bu.db.Read().Story(ctx, bu.ws.ID, s.ID)
		require.NoError(t, err)
		require.Equal(t, "hk", got.SourceScript, "a story is Hong Kong Chinese unless it says")
		require.Equal(t, []string{}, got.Tags)

		got.Tags, got.Links, got.SourceScript = []string{"中秋節", "月餅"}, []string{"https://example.org/a"}, "tw"
		require.NoError(t, bu.db.Write().UpdateStory(ctx, got))
		again, err := bu.db.Read().Story(ctx, bu.ws.ID, s.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"中秋節", "月餅"}, again.Tags)
		require.Equal(t, []string{"https://example.org/a"}, again.Links)
		require.Equal(t, "tw", again.SourceScript)
	})

	t.Run("VariantRoundTripsAndListsByAccount", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		var accts []*ferry.Account
		for i, ext := range []string{"@first", "@second"} {
			bu.db.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC) }
			a := &ferry.Account{WorkspaceID: bu.ws.ID, Platform: ferry.Telegram, ExternalID: ext, Credentials: map[string]string{}}
			require.NoError(t, bu.db.Write().CreateAccount(ctx, a))
			accts = append(accts, a)
		}
		q := bu.db.Write()
		s := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "t", Body: "b", CreatedBy: bu.usr.ID}
		require.NoError(t, q.CreateStory(ctx, s))
		v := ferry.Variant{
			StoryID: s.ID, AccountID: accts[1].ID, Platform: ferry.Telegram, Title: "", Text: "<b>t</b>", Hashtags: []string{"#t"},
			MediaIDs: []string{"med_fit"}, Media: []ferry.VariantMedia{{SourceID: "med_src", MediaID: "med_fit", Spec: "telegram", Focal: &ferry.Focal{X: 0.25, Y: 0.75}, Width: 40, Height: 30}},
			Script: "hk", Length: ferry.TextLength{Used: 1, Limit: 4096, Unit: "utf16"},
			Problems: []ferry.Problem{{Code: "text_too_long", Severity: ferry.SeverityError, Message: "m", MessageZH: "訊息", Field: "text", Span: &[2]int{3, 9}}},
			Edited:   true, Stale: true, Base: ferry.VariantBase{Text: "old"},
			Diff: ferry.VariantDiff{Text: []ferry.TextEdit{{Op: "delete", Text: "old"}, {Op: "insert", Text: "new"}}},
		}
		require.NoError(t, q.PutVariant(ctx, v))
		require.NoError(t, q.PutVariant(ctx, ferry.Variant{StoryID: s.ID, AccountID: accts[0].ID, Platform: ferry.Telegram, Text: "x"}))

		got, err := bu.db.Read().Variant(ctx, s.ID, accts[1].ID)
		require.NoError(t, err)
		require.False(t, got.UpdatedAt.IsZero())
		got.UpdatedAt = v.UpdatedAt
		require.Equal(t, v, *got)

		list, err := bu.db.Read().Variants(ctx, s.ID)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, accts[0].ID, list[0].AccountID, "in the order accounts were connected")
		require.Equal(t, []ferry.Problem{}, list[0].Problems)
		require.Equal(t, []string{}, list[0].MediaIDs)

		v.Text, v.Edited, v.Stale = "replaced", false, false
		require.NoError(t, q.PutVariant(ctx, v))
		got, err = bu.db.Read().Variant(ctx, s.ID, accts[1].ID)
		require.NoError(t, err)
		require.Equal(t, "replaced", got.Text)
		require.False(t, got.Edited)
		_, err = bu.db.Read().Variant(ctx, s.ID, "acc_nope")
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
	})

	t.Run("FittedCopiesKeepTheOriginalAndShareIdenticalBytes", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		orig := &ferry.Media{WorkspaceID: bu.ws.ID, SHA256: "aaaa", Mime: "image/png", Width: 400, Height: 300, Bytes: 1000}
		require.NoError(t, q.CreateMedia(ctx, orig))
		_, err := q.FittedMedia(ctx, bu.ws.ID, orig.ID, "instagram@0.500,0.500")
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))

		fit := &ferry.Media{WorkspaceID: bu.ws.ID, SHA256: "bbbb", Mime: "image/jpeg", Width: 320, Height: 300, Bytes: 500}
		got, err := q.CreateFittedMedia(ctx, orig.ID, "instagram@0.500,0.500", fit)
		require.NoError(t, err)
		require.NotEqual(t, orig.ID, got.ID)
		require.Equal(t, orig.ID, got.ParentID)
		require.Equal(t, "image/jpeg", got.Mime)

		// Another focal point that crops the same way gives the same bytes:
		// one copy, two keys.
		same := &ferry.Media{WorkspaceID: bu.ws.ID, SHA256: "bbbb", Mime: "image/jpeg", Width: 320, Height: 300, Bytes: 500}
		got2, err := q.CreateFittedMedia(ctx, orig.ID, "instagram@0.400,0.500", same)
		require.NoError(t, err)
		require.Equal(t, got.ID, got2.ID)
		found, err := q.FittedMedia(ctx, bu.ws.ID, orig.ID, "instagram@0.400,0.500")
		require.NoError(t, err)
		require.Equal(t, got.ID, found.ID)

		// A second writer for a key already recorded gets the first copy.
		other := &ferry.Media{WorkspaceID: bu.ws.ID, SHA256: "cccc", Mime: "image/jpeg", Width: 320, Height: 300, Bytes: 501}
		got3, err := q.CreateFittedMedia(ctx, orig.ID, "instagram@0.500,0.500", other)
		require.NoError(t, err)
		require.Equal(t, got.ID, got3.ID)

		kept, err := q.Media(ctx, bu.ws.ID, orig.ID)
		require.NoError(t, err)
		require.Equal(t, "aaaa", kept.SHA256)
		require.Empty(t, kept.ParentID)
		_, err = q.FittedMedia(ctx, "ws_other", orig.ID, "instagram@0.500,0.500")
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "fitted media are scoped to their workspace")
	})

	t.Run("FocalPointAndTheStoriesThatUseAnImage", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		m := &ferry.Media{WorkspaceID: bu.ws.ID, SHA256: "dddd", Mime: "image/png", Width: 10, Height: 10, Bytes: 10}
		require.NoError(t, q.CreateMedia(ctx, m))
		require.Nil(t, m.Focal)
		require.NoError(t, q.SetMediaFocal(ctx, bu.ws.ID, m.ID, &ferry.Focal{X: 0.2, Y: 0.9}))
		got, err := q.Media(ctx, bu.ws.ID, m.ID)
		require.NoError(t, err)
		require.Equal(t, &ferry.Focal{X: 0.2, Y: 0.9}, got.Focal)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(q.SetMediaFocal(ctx, "ws_other", m.ID, nil)))

		with := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "with", MediaIDs: []string{"med_other", m.ID}, CreatedBy: bu.usr.ID}
		without := &ferry.Story{WorkspaceID: bu.ws.ID, Title: "without", MediaIDs: []string{"med_other"}, CreatedBy: bu.usr.ID}
		require.NoError(t, q.CreateStory(ctx, with))
		require.NoError(t, q.CreateStory(ctx, without))
		stories, err := q.StoriesWithMedia(ctx, bu.ws.ID, m.ID)
		require.NoError(t, err)
		require.Equal(t, []string{with.ID}, storyIDs(stories))
	})

	t.Run("GlossaryIsReplacedWhole", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		terms := []ferry.GlossaryTerm{
			{Term: "发哥", Protect: true},
			{Term: "软件", Replacement: "軟件", Scripts: []string{"hk"}},
			{Term: "软件", Replacement: "軟體", Scripts: []string{"tw"}},
		}
		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error { return tx.ReplaceGlossary(ctx, bu.ws.ID, terms) }))
		got, err := bu.db.Read().Glossary(ctx, bu.ws.ID)
		require.NoError(t, err)
		terms[0].Scripts = []string{}
		require.Equal(t, terms, got)
		require.NoError(t, bu.db.InTx(ctx, func(tx *store.Tx) error { return tx.ReplaceGlossary(ctx, bu.ws.ID, terms[:1]) }))
		got, err = bu.db.Read().Glossary(ctx, bu.ws.ID)
		require.NoError(t, err)
		require.Equal(t, terms[:1], got)
	})

	t.Run("PeopleDirectoryUpsertsByKey", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		p := &ferry.DirectoryPerson{Key: "chan", Name: "陳大文", Handles: map[ferry.Platform]string{ferry.Weibo: "陈大文", ferry.Instagram: "chantaiman"}}
		require.NoError(t, q.PutPerson(ctx, bu.ws.ID, p))
		require.NoError(t, q.PutPerson(ctx, bu.ws.ID, &ferry.DirectoryPerson{Key: "au", Name: "區"}))
		p.Handles[ferry.Telegram] = "chan_tg"
		require.NoError(t, q.PutPerson(ctx, bu.ws.ID, p))
		people, err := q.People(ctx, bu.ws.ID)
		require.NoError(t, err)
		require.Len(t, people, 2)
		require.Equal(t, "au", people[0].Key)
		require.Equal(t, map[ferry.Platform]string{}, people[0].Handles)
		require.Equal(t, "chan_tg", people[1].Handles[ferry.Telegram])
		require.NoError(t, q.DeletePerson(ctx, bu.ws.ID, "au"))
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(q.DeletePerson(ctx, bu.ws.ID, "au")))
	})

	t.Run("TemplatesOverrideByPlatform", func(t *testing.T) {
		t.Parallel()
		bu := setup(t, b)
		q := bu.db.Write()
		require.NoError(t, q.PutTemplate(ctx, bu.ws.ID, &ferry.Template{Platform: ferry.Weibo, Source: "{{body}} {{link}}"}))
		require.NoError(t, q.PutTemplate(ctx, bu.ws.ID, &ferry.Template{Platform: ferry.Weibo, Source: "{{title}}：{{body}} {{link}}"}))
		ts, err := q.Templates(ctx, bu.ws.ID)
		require.NoError(t, err)
		require.Len(t, ts, 1)
		require.Equal(t, "{{title}}：{{body}} {{link}}", ts[ferry.Weibo].Source)
		had, err := q.DeleteTemplate(ctx, bu.ws.ID, ferry.Weibo)
		require.NoError(t, err)
		require.True(t, had)
		had, err = q.DeleteTemplate(ctx, bu.ws.ID, ferry.Weibo)
		require.NoError(t, err)
		require.False(t, had)
	})
}
