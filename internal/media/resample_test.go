package media

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
)

// reference scales with golang.org/x/image/draw's Catmull-Rom, the filter
// resize implements in fixed point.
func reference(src *image.RGBA, r image.Rectangle, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Rect, src, r, draw.Src, nil)
	return dst
}

func TestResize_MatchesXImageCatmullRom(t *testing.T) {
	t.Parallel()
	src := photo(600, 400, 21)
	fillRect(src, image.Rect(100, 100, 180, 160), red) // hard edges ring
	tests := []struct {
		name string
		r    image.Rectangle
		w, h int
	}{
		{"Shrink2.7x", src.Rect, 222, 148},
		{"Shrink1.3x", src.Rect, 460, 307},
		{"Shrink7xCrop", image.Rect(50, 20, 470, 370), 60, 50},
		{"Enlarge1.6x", image.Rect(0, 0, 200, 150), 320, 240},
		{"SameSize", image.Rect(10, 10, 110, 60), 100, 50},
		{"Anisotropic", src.Rect, 300, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := resize(src, tt.r, tt.w, tt.h)
			want := reference(src, tt.r, tt.w, tt.h)
			require.Equal(t, want.Rect, got.Rect)
			var sum, worst int
			for i := range got.Pix {
				d := int(got.Pix[i]) - int(want.Pix[i])
				sum += max(d, -d)
				worst = max(worst, d, -d)
			}
			mean := float64(sum) / float64(len(got.Pix))
			t.Logf("mean %.3f, worst %d", mean, worst)
			require.Less(t, mean, 0.25, "mean channel difference")
			require.LessOrEqual(t, worst, 1, "largest channel difference: rounding only")
		})
	}
}

func TestResize_KeepsFlatColourExact(t *testing.T) {
	t.Parallel()
	c := color.RGBA{R: 17, G: 140, B: 251, A: 255}
	for _, size := range []image.Point{{7, 3}, {100, 100}, {333, 1}, {1, 1}, {900, 700}} {
		got := resize(solid(400, 300, c), image.Rect(0, 0, 400, 300), size.X, size.Y)
		off := 0
		for i := 0; i < len(got.Pix); i += 4 {
			if (color.RGBA{got.Pix[i], got.Pix[i+1], got.Pix[i+2], got.Pix[i+3]}) != c {
				off++
			}
		}
		require.Zero(t, off, "pixels off colour at size %v", size)
	}
}

func BenchmarkResize(b *testing.B) {
	// A 4000×3000 camera frame cropped to 4:5 and shrunk to Instagram's
	// 1440 px width, decoded as JPEG decoders deliver it.
	src := decodeJPEG(b, encJPEG(b, photo(4000, 3000, 5))).(*image.YCbCr)
	r := image.Rect(800, 0, 3200, 3000)
	b.Run("Ferry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resize(src, r, 1440, 1800)
		}
	})
	b.Run("XImageCatmullRom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := image.NewRGBA(image.Rect(0, 0, 1440, 1800))
			draw.CatmullRom.Scale(dst, dst.Rect, src, r, draw.Src, nil)
		}
	})
}
