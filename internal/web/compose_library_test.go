package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

var pickBox = regexp.MustCompile(`<input type="checkbox" id="pick-[^"]+" name="pick" value="([^"]+)"`)

// picks lists the library images a page's picker offers.
func picks(body string) []string {
	var out []string
	for _, m := range pickBox.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// attachedIDs lists the images a compose page carries, in order.
func attachedIDs(body string) []string {
	var out []string
	for _, m := range mediaInput.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// uploadPNG uploads a small image, different for each seed, and returns
// its id.
func (tb *testBundle) uploadPNG(p ferry.Principal, seed uint8) string {
	m, err := tb.svc.UploadMedia(context.Background(), p, bytes.NewReader(pngBytes(tb.t, seed)))
	require.NoError(tb.t, err)
	return m.ID
}

func TestCompose_LibraryPickerAttachesImagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			ctx := context.Background()
			_, tg := tb.composeAccounts(p)
			lantern, pier := tb.uploadJPEG(p), tb.uploadPNG(p, 1)
			_, err := tb.svc.DescribeMedia(ctx, p, lantern, service.MediaDescription{AltText: "Red lanterns over the harbour", Tags: []string{"中秋"}})
			require.NoError(t, err)
			_, err = tb.svc.UpdateMedia(ctx, p, lantern, service.MediaPatch{Focal: &ferry.Focal{X: .3, Y: .2}})
			require.NoError(t, err)
			earlier, err := tb.svc.CreateStory(ctx, p, service.StoryInput{Title: "Last year's fair", MediaIDs: []string{lantern}, Targets: []string{tg.ID}})
			require.NoError(t, err)
			br := tb.signedIn("ada@example.org", "en")
			csrf := br.csrf()

			page := br.get("/compose")
			require.Equal(t, 200, page.status)
			require.Contains(t, page.body, `<details class="picker" id="picker">`, "folded until asked")
			require.ElementsMatch(t, []string{lantern, pier}, picks(page.body))
			require.Contains(t, text(page.body), "Red lanterns over the harbour")
			require.Contains(t, text(page.body), "Used in 1 story")
			require.Contains(t, text(page.body), "Not used in any story yet")
			require.Contains(t, page.body, `src="/compose/media/`+lantern+`"`)

			// Searching keeps the typing and unfolds the picker.
			form := url.Values{"csrf": {csrf}, "title": {"Lantern fair"}, "targets": {tg.ID}, "library_q": {"LANTERN"}, "action": {"library"}}
			found := br.post("/compose", "same-origin", form)
			require.Equal(t, 200, found.status)
			require.Contains(t, found.body, `<details class="picker" id="picker" open>`)
			require.Equal(t, []string{lantern}, picks(found.body))
			require.Contains(t, found.body, `value="Lantern fair"`)
			byTag := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "library_tag": {"中秋"}, "action": {"library"}})
			require.Equal(t, []string{lantern}, picks(byTag.body))

			// Attached in the order ticked, after the images already there;
			// the library's alt text comes along, editable.
			third := tb.uploadPNG(p, 2)
			attach := url.Values{"csrf": {csrf}, "title": {"Lantern fair"}, "targets": {tg.ID}, "media": {third}, "pick": {pier, lantern}, "action": {"attach"}}
			done := br.post("/compose", "same-origin", attach)
			require.Equal(t, 200, done.status, text(done.body))
			require.Equal(t, []string{third, pier, lantern}, attachedIDs(done.body))
			require.Contains(t, text(done.body), "2 images from the library attached.")
			require.Contains(t, done.body, `name="alt.`+lantern+`" rows="2" maxlength="1000">Red lanterns over the harbour</textarea>`)
			require.Contains(t, done.body, `<details class="picker" id="picker">`, "folded again")
			require.Contains(t, done.body, `id="pick-`+lantern+`" name="pick" value="`+lantern+`" checked disabled`, "marked as in the story")
			require.Contains(t, text(done.body), "Already in this story")

			// Bad input: the form comes back with the error beside the picker.
			other := &ferry.Workspace{Name: "Other Newsroom"}
			require.NoError(t, tb.svc.DB.Write().CreateWorkspace(ctx, other))
			items, err := tb.svc.MediaItems(ctx, p, []string{pier})
			require.NoError(t, err)
			theirs := &ferry.Media{WorkspaceID: other.ID, SHA256: items[0].SHA256, Mime: "image/jpeg", Width: 1200, Height: 1600, Bytes: items[0].Bytes}
			require.NoError(t, tb.svc.DB.Write().CreateMedia(ctx, theirs))
			for name, id := range map[string]string{"unknown": "med_nope", "another workspace's": theirs.ID} {
				bad := url.Values{"csrf": {csrf}, "title": {"Lantern fair"}, "targets": {tg.ID}, "media": {third}, "pick": {pier, id}, "action": {"attach"}}
				refused := br.post("/compose", "same-origin", bad)
				require.Equal(t, http.StatusNotFound, refused.status, name)
				require.Contains(t, refused.body, `<p class="field-error" id="pick-error">That image is not in this workspace&#39;s media library.</p>`, name)
				require.Contains(t, refused.body, `<fieldset class="picker-set" aria-describedby="pick-error">`, name)
				require.Contains(t, refused.body, `<details class="picker" id="picker" open>`, name)
				require.Contains(t, refused.body, `value="Lantern fair"`, name)
				require.Equal(t, []string{third}, attachedIDs(refused.body), "%s: nothing attached", name)
				require.NotContains(t, refused.body, theirs.ID+`"`, "%s: nothing of the other workspace shown", name)
			}
			none := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "title": {"Lantern fair"}, "action": {"attach"}})
			require.Equal(t, http.StatusBadRequest, none.status)
			require.Contains(t, text(none.body), "Tick at least one image to attach.")

			many := []string{}
			for i := range 19 {
				many = append(many, tb.uploadPNG(p, uint8(i+3)))
			}
			tooMany := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "title": {"Lantern fair"}, "media": many, "pick": {lantern, pier}, "action": {"attach"}})
			require.Equal(t, http.StatusBadRequest, tooMany.status)
			require.Contains(t, text(tooMany.body), "A story can have at most 20 images")
			require.Equal(t, many, attachedIDs(tooMany.body), "the images as they were")
			require.Contains(t, tooMany.body, `value="Lantern fair"`)

			// The picker pages through a long library, keeping the ticks.
			first := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "action": {"library"}})
			require.Len(t, picks(first.body), 12)
			next := regexp.MustCompile(`name="library_cursor" value="([^"]+)"`).FindStringSubmatch(first.body)
			require.NotNil(t, next, "an older page")
			older := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "library_cursor": {next[1]}, "pick": {many[18]}})
			require.Equal(t, 200, older.status)
			require.Len(t, picks(older.body), 10)
			require.Contains(t, older.body, `<input type="hidden" name="pick" value="`+many[18]+`">`)
			require.Contains(t, text(older.body), "1 image chosen on another page.")

			// Saved, the reused images count where they are used.
			saved := br.post("/compose", "same-origin", url.Values{"csrf": {csrf}, "title": {"Lantern fair"}, "targets": {tg.ID}, "media": {pier, lantern}, "action": {"draft"}})
			require.Equal(t, http.StatusSeeOther, saved.status, text(saved.body))
			id := strings.TrimPrefix(strings.SplitN(saved.location, "?", 2)[0], "/stories/")
			lib, err := tb.svc.MediaLibrary(ctx, p, ferry.MediaFilter{Query: "red lanterns"})
			require.NoError(t, err)
			require.Len(t, lib.Items, 1)
			require.ElementsMatch(t, []service.StoryRef{{ID: earlier.ID, Title: "Last year's fair"}, {ID: id, Title: "Lantern fair"}}, lib.Items[0].UsedBy)
			require.Equal(t, "Red lanterns over the harbour", lib.Items[0].AltText)
			require.Equal(t, &ferry.Focal{X: .3, Y: .2}, lib.Items[0].Focal, "the focal point is the library's")
			mediaPage := br.get("/media?q=red")
			require.Contains(t, mediaPage.body, `<a href="/stories/`+id+`">Lantern fair</a>`)
			require.Contains(t, mediaPage.body, `<a href="/stories/`+earlier.ID+`">Last year&#39;s fair</a>`)
			edit := br.get("/stories/" + id + "/edit")
			require.Equal(t, []string{pier, lantern}, attachedIDs(edit.body))
		})
	}
}

func TestMedia_UseInANewStoryStartsComposeWithTheImage(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			p := tb.setUp()
			ctx := context.Background()
			lantern := tb.uploadJPEG(p)
			_, err := tb.svc.SetMediaAlt(ctx, p, lantern, "Red lanterns", false)
			require.NoError(t, err)
			br := tb.signedIn("ada@example.org", "en")

			lib := br.get("/media")
			require.Contains(t, lib.body, `<a class="button use" href="/compose?media=`+lantern+`">Use in a new story</a>`)
			page := br.get("/compose?media=" + lantern)
			require.Equal(t, 200, page.status)
			require.Equal(t, []string{lantern}, attachedIDs(page.body))
			require.Contains(t, page.body, `>Red lanterns</textarea>`)
			require.Contains(t, page.body, `action="/compose"`, "a new story")

			other := &ferry.Workspace{Name: "Other Newsroom"}
			require.NoError(t, tb.svc.DB.Write().CreateWorkspace(ctx, other))
			theirs := &ferry.Media{WorkspaceID: other.ID, SHA256: strings.Repeat("a", 64), Mime: "image/png", Width: 10, Height: 10, Bytes: 10}
			require.NoError(t, tb.svc.DB.Write().CreateMedia(ctx, theirs))
			refused := br.get("/compose?media=" + theirs.ID)
			require.Equal(t, http.StatusNotFound, refused.status)
			require.Contains(t, refused.body, `<p class="field-error" id="files-error">That image is not in this workspace&#39;s media library.</p>`)
			require.Empty(t, attachedIDs(refused.body))
			require.Equal(t, 200, br.get("/compose/library?library_q=red").status)
			require.Equal(t, []string{lantern}, picks(br.get("/compose/library?library_q=red").body))
			require.NotContains(t, br.get("/compose/library").body, theirs.ID)

			// Viewers browse the library but attach nothing.
			viewer := tb.member(p, "vic@example.org", ferry.RoleViewer)
			viewer.lang = "en"
			require.NotContains(t, viewer.get("/media").body, "Use in a new story")
			require.NotContains(t, viewer.get("/compose").body, `id="picker"`)
			require.Equal(t, http.StatusForbidden, viewer.get("/compose/library").status)
			vp := viewer.post("/compose", "same-origin", url.Values{"csrf": {viewer.csrf()}, "title": {"x"}, "pick": {lantern}, "action": {"attach"}})
			// Refused at the door (internal/authz: saving a story is for editors and above).
			require.Equal(t, http.StatusForbidden, vp.status)
			require.Contains(t, text(vp.body), "You are not allowed to do this.")
			require.Empty(t, attachedIDs(vp.body))
		})
	}
}
