package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func pngBytes(t testing.TB, seed uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{R: uint8(x) * seed, G: uint8(y), B: seed, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// upload sends the library's upload form with files (name → content).
func (b *browser) upload(site, csrf string, files map[string][]byte) page {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		require.NoError(b.tb.t, mw.WriteField("csrf", csrf))
	}
	for name, content := range files {
		w, err := mw.CreateFormFile("files", name)
		require.NoError(b.tb.t, err)
		_, _ = w.Write(content)
	}
	require.NoError(b.tb.t, mw.Close())
	req, err := http.NewRequest("POST", b.tb.srv.URL+"/media", &body)
	require.NoError(b.tb.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", site)
	return b.do(req)
}

func TestMedia_UploadDescribeAndSetTheFocalPointThroughForms(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			tb.withUploads()
			owner := tb.setUp()
			br := tb.signedIn("ada@example.org", "en")
			csrf := br.csrf()
			library := func() []*ferry.Media {
				lib, err := tb.svc.MediaLibrary(context.Background(), owner, ferry.MediaFilter{})
				require.NoError(t, err)
				out := []*ferry.Media{}
				for _, it := range lib.Items {
					out = append(out, it.Media)
				}
				return out
			}

			empty := br.get("/media")
			require.Equal(t, 200, empty.status)
			require.Contains(t, text(empty.body), "No image uploaded yet.")
			require.Contains(t, empty.body, `href="/media" aria-current="page">Media</a>`)

			require.Equal(t, http.StatusForbidden, br.upload("same-origin", "", map[string][]byte{"a.png": pngBytes(t, 1)}).status)
			require.Equal(t, http.StatusForbidden, br.upload("cross-site", csrf, map[string][]byte{"a.png": pngBytes(t, 1)}).status)
			require.Empty(t, library())
			notImage := br.upload("same-origin", csrf, map[string][]byte{"notes.txt": []byte("hello")})
			require.Equal(t, http.StatusBadRequest, notImage.status)
			require.Contains(t, text(notImage.body), "notes.txt is not an image Ferry can use")
			none := br.upload("same-origin", csrf, nil)
			require.Equal(t, http.StatusBadRequest, none.status)
			require.Contains(t, text(none.body), "Choose at least one image.")

			up := br.upload("same-origin", csrf, map[string][]byte{"a.png": pngBytes(t, 1), "b.png": pngBytes(t, 2)})
			require.Equal(t, http.StatusSeeOther, up.status)
			require.Equal(t, "/media?done=uploaded&n=2", up.location)
			require.Contains(t, text(br.get(up.location).body), "2 images uploaded.")
			items := library()
			require.Len(t, items, 2)
			m := items[0]

			// Where it is used.
			st := &ferry.Story{WorkspaceID: owner.WorkspaceID, Title: "中秋燈會", Body: "燈籠", MediaIDs: []string{m.ID}, CreatedBy: owner.UserID}
			require.NoError(t, tb.svc.DB.Write().CreateStory(context.Background(), st))
			list := br.get("/media")
			require.Contains(t, list.body, `src="/media/`+m.SHA256+`"`)
			require.Contains(t, list.body, `<a href="/stories/`+st.ID+`">中秋燈會</a>`)
			require.Contains(t, text(list.body), "No alt text yet")

			bad := br.post("/media/"+m.ID+"/describe", "same-origin", url.Values{"csrf": {csrf}, "alt_text": {"Lanterns"}, "tags": {"moon#cake"}})
			require.Equal(t, http.StatusBadRequest, bad.status)
			require.Contains(t, bad.body, `value="moon#cake"`)
			require.Contains(t, bad.body, `>Lanterns</textarea>`)
			require.Contains(t, text(bad.body), "A tag cannot contain spaces, commas or #.")
			require.Empty(t, library()[0].AltText, "nothing half-saved")

			ok := br.post("/media/"+m.ID+"/describe", "same-origin", url.Values{"csrf": {csrf}, "alt_text": {"Lanterns over the harbour"}, "tags": {"中秋，harbour #lantern"}})
			require.Equal(t, http.StatusSeeOther, ok.status)
			found := br.get("/media?q=lantern")
			require.Contains(t, found.body, `alt="Lanterns over the harbour"`)
			require.Contains(t, found.body, `href="/media?tag=%e4%b8%ad%e7%a7%8b"`)
			require.NotContains(t, found.body, library()[1].SHA256, "the other image does not match")
			tagged := br.get("/media?tag=harbour")
			require.Contains(t, tagged.body, m.SHA256)

			badFocal := br.post("/media/"+m.ID+"/focal", "same-origin", url.Values{"csrf": {csrf}, "x": {"150"}, "y": {"20"}})
			require.Equal(t, http.StatusBadRequest, badFocal.status)
			require.Contains(t, badFocal.body, `value="150" aria-invalid="true"`)
			require.Nil(t, library()[0].Focal)
			focal := br.post("/media/"+m.ID+"/focal", "same-origin", url.Values{"csrf": {csrf}, "x": {"25"}, "y": {"75.5"}})
			require.Equal(t, http.StatusSeeOther, focal.status)
			require.Equal(t, &ferry.Focal{X: .25, Y: .755}, library()[0].Focal)
			require.Contains(t, br.get("/media").body, `data-x="25" data-y="75.5"`)
		})
	}
}

func TestMedia_AViewerBrowsesButCannotChangeAnything(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, b)
			tb.withUploads()
			owner := tb.setUp()
			ctx := context.Background()
			m, err := tb.svc.UploadMedia(ctx, owner, bytes.NewReader(pngBytes(t, 3)))
			require.NoError(t, err)
			tb.person(owner, "vic@example.org", ferry.RoleViewer)
			br := tb.signedIn("vic@example.org", "en")

			page := br.get("/media")
			require.Equal(t, 200, page.status)
			require.Contains(t, page.body, m.SHA256)
			require.NotContains(t, page.body, `enctype="multipart/form-data"`)
			require.NotContains(t, page.body, `/describe"`)
			require.Contains(t, text(page.body), "Only editors, admins and owners can upload and describe images")
			csrf := br.csrf()
			require.Equal(t, http.StatusForbidden, br.post("/media/"+m.ID+"/describe", "same-origin", url.Values{"csrf": {csrf}, "alt_text": {"x"}}).status)
			require.Equal(t, http.StatusForbidden, br.upload("same-origin", csrf, map[string][]byte{"a.png": pngBytes(t, 4)}).status)
		})
	}
}
