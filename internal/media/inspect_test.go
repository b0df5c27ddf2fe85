package media

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"image/color"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// lossyWebP1x1 is the 1×1 lossy (VP8) WebP that browsers' feature tests use.
const lossyWebP1x1 = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"

func TestInspect_DetectsFormatFromContent(t *testing.T) {
	t.Parallel()
	img := photo(64, 48, 1)
	lossy, err := base64.StdEncoding.DecodeString(lossyWebP1x1)
	require.NoError(t, err)

	tests := []struct {
		name          string
		data          []byte
		mime          string
		width, height int
	}{
		{"JPEG", encJPEG(t, img), MIMEJPEG, 64, 48},
		{"PNG", encPNG(t, img), MIMEPNG, 64, 48},
		{"GIF", encGIF(t, img), MIMEGIF, 64, 48},
		{"WebPLossless", losslessWebP(64, 48, color.NRGBA{R: 9, G: 99, B: 199, A: 255}), MIMEWebP, 64, 48},
		{"WebPLossy", lossy, MIMEWebP, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := Inspect(bytes.NewReader(tt.data), Limits{})
			require.NoError(t, err)
			require.Equal(t, Info{
				MIME: tt.mime, Width: tt.width, Height: tt.height, Orientation: 1, Size: int64(len(tt.data)),
			}, info)
		})
	}
}

func TestInspect_ReportsUprightSizeOfRotatedJPEG(t *testing.T) {
	t.Parallel()
	jpg := encJPEG(t, photo(80, 40, 2))
	for o := uint16(1); o <= 8; o++ {
		info, err := Inspect(bytes.NewReader(withEXIF(jpg, o, binary.BigEndian)), Limits{})
		require.NoError(t, err)
		require.Equal(t, int(o), info.Orientation)
		if o >= 5 {
			require.Equal(t, [2]int{40, 80}, [2]int{info.Width, info.Height}, "orientation %d", o)
		} else {
			require.Equal(t, [2]int{80, 40}, [2]int{info.Width, info.Height}, "orientation %d", o)
		}
	}
}

func TestInspect_RejectsNonImages(t *testing.T) {
	t.Parallel()
	img := photo(64, 48, 3)
	jpg, png, gif := encJPEG(t, img), encPNG(t, img), encGIF(t, img)
	webp := losslessWebP(64, 48, color.NRGBA{A: 255})

	tests := []struct {
		name string
		data []byte
	}{
		{"Empty", nil},
		{"PDF", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")},
		{"Text", []byte("just some words, no pixels")},
		{"HTML", []byte("<!doctype html><img src=x>")},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)},
		{"BMP", append([]byte("BM"), make([]byte, 60)...)},
		{"JPEGSignatureOnly", []byte{0xFF, 0xD8, 0xFF, 0xE0}},
		{"TruncatedJPEG", jpg[:len(jpg)/2]},
		{"TruncatedPNG", png[:len(png)/2]},
		{"TruncatedGIF", gif[:len(gif)/2]},
		{"TruncatedWebP", webp[:len(webp)-6]},
		{"PNGWithZeroWidth", pngHeader(0, 10)},
		{"GIFWithZeroScreen", gifScreen(0, 0)},
		{"JPEGWithZeroHeight", jpegClaiming(t, 8, 0)},
		{"JPEGHeaderLargerThanData", jpegClaiming(t, 2000, 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Inspect(bytes.NewReader(tt.data), Limits{})
			require.ErrorIs(t, err, ErrUnsupportedMediaType)
			require.Equal(t, CodeUnsupportedMediaType, ErrorCode(err))
		})
	}
}

func TestInspect_RejectsDecompressionBombsFromHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
	}{
		{"PNG100000x100000", pngHeader(100000, 100000)},
		{"GIFHugeLogicalScreen", gifScreen(65535, 65535)},
		{"JPEG65500x65500", jpegClaiming(t, 65500, 65500)},
		// 268 megapixels of one colour in a few dozen bytes.
		{"WebP16384x16384", losslessWebP(16384, 16384, color.NRGBA{A: 255})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Less(t, len(tt.data), 1024, "a bomb is small on disk")
			_, err := Inspect(bytes.NewReader(tt.data), Limits{})
			require.ErrorIs(t, err, ErrImageTooLarge)
			require.Equal(t, CodeImageTooLarge, ErrorCode(err))
		})
	}
}

func TestInspect_MaxPixelsIsInclusive(t *testing.T) {
	t.Parallel()
	data := encPNG(t, photo(100, 100, 4))

	_, err := Inspect(bytes.NewReader(data), Limits{MaxPixels: 10_000})
	require.NoError(t, err)

	_, err = Inspect(bytes.NewReader(data), Limits{MaxPixels: 9_999})
	require.ErrorIs(t, err, ErrImageTooLarge)
}

func TestInspect_MaxBytes(t *testing.T) {
	t.Parallel()
	data := encPNG(t, photo(50, 50, 5))
	n := int64(len(data))

	t.Run("ExactlyAtLimit", func(t *testing.T) {
		t.Parallel()
		info, err := Inspect(bytes.NewReader(data), Limits{MaxBytes: n})
		require.NoError(t, err)
		require.Equal(t, n, info.Size)
	})
	t.Run("OneByteOver", func(t *testing.T) {
		t.Parallel()
		_, err := Inspect(bytes.NewReader(data), Limits{MaxBytes: n - 1})
		require.ErrorIs(t, err, ErrMediaTooLarge)
		require.Equal(t, CodeMediaTooLarge, ErrorCode(err))
	})
	t.Run("ReadsAtMostOneByteMore", func(t *testing.T) {
		t.Parallel()
		r := &countingReader{r: endless{}}
		_, err := Inspect(r, Limits{MaxBytes: 4096})
		require.ErrorIs(t, err, ErrMediaTooLarge)
		require.Equal(t, int64(4097), r.n)
	})
}

func TestInspect_ReaderErrorIsWrappedWithoutCode(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	_, err := Inspect(io.MultiReader(bytes.NewReader(pngSignature), errReader{boom}), Limits{})
	require.ErrorIs(t, err, boom)
	require.Empty(t, ErrorCode(err))
}

func FuzzInspect(f *testing.F) {
	img := photo(24, 16, 6)
	for _, seed := range [][]byte{
		encJPEG(f, img),
		withEXIF(encJPEG(f, img), 6, binary.LittleEndian),
		encPNG(f, img),
		encGIF(f, img),
		losslessWebP(5, 3, color.NRGBA{R: 1, G: 2, B: 3, A: 4}),
		pngHeader(100000, 100000),
		gifScreen(65535, 65535),
		[]byte("%PDF-1.4"),
		[]byte("RIFF\x00\x00\x00\x00WEBPVP8X"),
	} {
		f.Add(seed)
	}
	lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Inspect(bytes.NewReader(data), lim)
		if err != nil {
			// The reader cannot fail, so every rejection must carry a code.
			require.NotEmpty(t, ErrorCode(err), "uncoded error: %v", err)
			return
		}
		require.NotEmpty(t, info.MIME)
		require.Positive(t, info.Width)
		require.Positive(t, info.Height)
		require.LessOrEqual(t, int64(info.Width)*int64(info.Height), lim.MaxPixels)
		require.GreaterOrEqual(t, info.Orientation, 1)
		require.LessOrEqual(t, info.Orientation, 8)
	})
}

// endless is an infinite stream of zero bytes.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func BenchmarkInspect(b *testing.B) {
	src := encJPEG(b, photo(4000, 3000, 99))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Inspect(bytes.NewReader(src), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
