package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// photo returns a w×h opaque image with smooth gradients and mild noise,
// which compresses roughly like a photograph.
func photo(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(16))
			img.SetRGBA(x, y, color.RGBA{
				R: uint8(x*200/max(w, 1)) + n,
				G: uint8(y*200/max(h, 1)) + n,
				B: uint8((x+y)*100/max(w+h, 1)) + 60,
				A: 255,
			})
		}
	}
	return img
}

// noise returns an image of uniform random pixels: the worst case for JPEG
// size, used to force quality stepping.
func noise(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// solid returns a w×h image of one colour.
func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

// fillRect paints r of img with c.
func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func encJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}))
	return buf.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func encGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gif.Encode(&buf, img, nil))
	return buf.Bytes()
}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// withEXIF inserts an APP1 Exif segment carrying orientation o right after
// the SOI marker of a JPEG.
func withEXIF(jpg []byte, o uint16, bo byteOrder) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, exifSegment(o, bo)...)
	return append(out, jpg[2:]...)
}

// exifSegment returns an APP1 Exif segment whose IFD0 holds orientation o,
// in the given TIFF byte order. A decoy tag precedes the orientation so the
// reader must walk the IFD.
func exifSegment(o uint16, bo byteOrder) []byte {
	tiff := make([]byte, 0, 64)
	if bo == binary.LittleEndian {
		tiff = append(tiff, 'I', 'I')
	} else {
		tiff = append(tiff, 'M', 'M')
	}
	tiff = bo.AppendUint16(tiff, 42)
	tiff = bo.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = bo.AppendUint16(tiff, 2) // two entries
	// 0x010F Make, ASCII, count 4, "Fry\0" inline.
	tiff = bo.AppendUint16(tiff, 0x010F)
	tiff = bo.AppendUint16(tiff, 2)
	tiff = bo.AppendUint32(tiff, 4)
	tiff = append(tiff, 'F', 'r', 'y', 0)
	// 0x0112 Orientation, SHORT, count 1, value left-justified.
	tiff = bo.AppendUint16(tiff, 0x0112)
	tiff = bo.AppendUint16(tiff, 3)
	tiff = bo.AppendUint32(tiff, 1)
	tiff = bo.AppendUint16(tiff, o)
	tiff = bo.AppendUint16(tiff, 0)
	tiff = bo.AppendUint32(tiff, 0) // no next IFD

	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	return append(seg, payload...)
}

// pngHeader returns a PNG whose IHDR claims w×h with a correct CRC and a
// tiny IDAT: what a decompression bomb looks like to a header check.
func pngHeader(w, h uint32) []byte {
	chunk := func(out []byte, typ string, data []byte) []byte {
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		body := append([]byte(typ), data...)
		out = append(out, body...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, deflate, no filter, no interlace
	out := append([]byte{}, pngSignature...)
	out = chunk(out, "IHDR", ihdr)
	out = chunk(out, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	return chunk(out, "IEND", nil)
}

// gifScreen returns a GIF89a whose logical screen is w×h and whose only
// frame is one pixel: the classic GIF bomb shape.
func gifScreen(w, h uint16) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0x80, 0, 0)             // global colour table of 2 entries
	out = append(out, 0, 0, 0, 255, 255, 255) // black, white
	out = append(out, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0)
	out = append(out, 2, 2, 0x4C, 0x01, 0) // LZW min code size 2, one data block
	return append(out, 0x3B)
}

// jpegClaiming returns a valid JPEG whose SOF0 header is rewritten to claim
// w×h, so its header lies about the pixels that follow.
func jpegClaiming(t testing.TB, w, h uint16) []byte {
	t.Helper()
	jpg := encJPEG(t, solid(8, 8, color.RGBA{R: 255, A: 255}))
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	require.Positive(t, i, "encoder wrote no SOF0")
	out := bytes.Clone(jpg)
	binary.BigEndian.PutUint16(out[i+5:], h)
	binary.BigEndian.PutUint16(out[i+7:], w)
	return out
}

// bitWriter writes the least-significant-bit-first stream VP8L uses.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nBits uint
}

func (b *bitWriter) write(v uint64, n uint) {
	b.acc |= v << b.nBits
	b.nBits += n
	for b.nBits >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nBits -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.nBits > 0 {
		b.buf = append(b.buf, byte(b.acc))
	}
	return b.buf
}

// losslessWebP returns a w×h single-colour lossless WebP (VP8L) in a few
// dozen bytes: every prefix code has one symbol, so pixels cost no bits.
// That makes it both a tiny valid WebP and a perfect decompression bomb.
func losslessWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha hint
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint64(sym), 8)
	}
	vp8l := bw.bytes()
	out := []byte("RIFF")
	padded := len(vp8l) + len(vp8l)%2
	out = binary.LittleEndian.AppendUint32(out, uint32(4+8+padded))
	out = append(out, "WEBPVP8L"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(vp8l)))
	out = append(out, vp8l...)
	if len(vp8l)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// decodeJPEG decodes a fitted output, failing the test if it is not a JPEG.
func decodeJPEG(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	return img
}

// meanColour averages r of img to 8-bit channels.
func meanColour(img image.Image, r image.Rectangle) (red, green, blue int) {
	var sr, sg, sb, n int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			sr += int(cr >> 8)
			sg += int(cg >> 8)
			sb += int(cb >> 8)
			n++
		}
	}
	return sr / n, sg / n, sb / n
}
