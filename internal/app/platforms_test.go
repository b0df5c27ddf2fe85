package app_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func jpegBytes(t *testing.T, w, h int, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{shade, uint8(x), uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, nil))
	return buf.Bytes()
}

// TestAPI_OneStoryReachesEveryDemoPlatform sends a text story and a story
// with one and with three photos to the demo accounts of every platform
// with an API, each through its sandbox.
func TestAPI_OneStoryReachesEveryDemoPlatform(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	var media []string
	for i := range 3 {
		var m struct{ ID string }
		require.Equal(t, 201, b.upload(t, jpegBytes(t, 400, 500, uint8(40*i)), &m))
		media = append(media, m.ID)
	}
	targets := map[ferry.Platform]string{}
	for _, p := range []ferry.Platform{ferry.Telegram, ferry.Weibo, ferry.Facebook, ferry.Instagram} {
		targets[p] = b.accountID(t, p)
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	cases := []struct {
		name   string
		media  []string
		skip   ferry.Platform // a platform that refuses this form
		expect map[ferry.Platform]int
	}{
		{"Text", nil, ferry.Instagram, map[ferry.Platform]int{ferry.Telegram: 0, ferry.Weibo: 0, ferry.Facebook: 0}},
		{"OnePhoto", media[:1], "", map[ferry.Platform]int{ferry.Telegram: 1, ferry.Weibo: 1, ferry.Facebook: 1, ferry.Instagram: 1}},
		{"ThreePhotos", media, ferry.Weibo, map[ferry.Platform]int{ferry.Telegram: 3, ferry.Facebook: 3, ferry.Instagram: 3}},
	}
	for _, c := range cases {
		var ids []string
		for p, acc := range targets {
			if p == c.skip {
				continue
			}
			var s story
			require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": c.name, "body": "to " + string(p), "media_ids": c.media, "targets": []string{acc}, "scheduled_at": now}, &s))
			ids = append(ids, s.ID)
		}
		stories := b.settle(t, ids, 30*time.Second)
		for _, s := range stories {
			require.Equal(t, "published", s.Publications[0].State, "%s: %+v", c.name, s.Publications[0])
			require.NotEmpty(t, s.Publications[0].RemoteID)
		}
	}
	for _, p := range []ferry.Platform{ferry.Telegram, ferry.Weibo, ferry.Facebook, ferry.Instagram} {
		posts := b.m.Sandbox.Posts(p, "")
		var got []int
		for _, post := range posts {
			got = append(got, len(post.Media))
		}
		var want []int
		for _, c := range cases {
			if n, ok := c.expect[p]; ok {
				want = append(want, n)
			}
		}
		require.ElementsMatch(t, want, got, "%s received each form once", p)
	}
}

// TestAPI_AltTextReachesFacebookAndInstagram describes one image, marks
// one decorative and leaves one undescribed, then sends them alone and as
// an album to Facebook and Instagram through the sandbox: each platform
// receives the described image's alt text (on the copy fitted for it too)
// and nothing for the other two; Telegram, whose Bot API takes none, gets
// the images without.
func TestAPI_AltTextReachesFacebookAndInstagram(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	var media []string
	for i := range 3 {
		var m struct{ ID string }
		// 2:1 is wider than Instagram takes: it gets copies cropped to fit.
		require.Equal(t, 201, b.upload(t, jpegBytes(t, 1000, 500, uint8(60*i)), &m))
		media = append(media, m.ID)
	}
	var m struct {
		AltText    string `json:"alt_text"`
		Decorative bool   `json:"decorative"`
	}
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/media/"+media[0]+"/alt", map[string]any{"alt_text": "  Two ferries cross the harbour at dusk  "}, &m))
	require.Equal(t, "Two ferries cross the harbour at dusk", m.AltText)
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/media/"+media[1]+"/alt", map[string]any{"alt_text": "ignored", "decorative": true}, &m))
	require.Equal(t, "", m.AltText)
	require.True(t, m.Decorative)

	now := time.Now().UTC().Format(time.RFC3339Nano)
	var ids []string
	for _, p := range []ferry.Platform{ferry.Facebook, ferry.Instagram, ferry.Telegram} {
		for _, ms := range [][]string{media[:1], media} {
			var s story
			require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Harbour", "body": fmt.Sprintf("%d photos to %s", len(ms), p), "media_ids": ms,
				"targets": []string{b.accountID(t, p)}, "scheduled_at": now}, &s))
			ids = append(ids, s.ID)
		}
	}
	for _, s := range b.settle(t, ids, 30*time.Second) {
		require.Equal(t, "published", s.Publications[0].State, "%+v", s.Publications[0])
	}
	for _, p := range []ferry.Platform{ferry.Facebook, ferry.Instagram} {
		var got [][]string
		for _, post := range b.m.Sandbox.Posts(p, "") {
			got = append(got, post.AltText)
		}
		require.ElementsMatch(t, [][]string{{"Two ferries cross the harbour at dusk"}, {"Two ferries cross the harbour at dusk", "", ""}}, got, p)
	}
	for _, post := range b.m.Sandbox.Posts(ferry.Telegram, "") {
		require.Nil(t, post.AltText, "Telegram takes no alt text")
	}
}
