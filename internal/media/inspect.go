package media

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/webp"
)

// MIME types of the formats this package reads and writes.
const (
	MIMEJPEG = "image/jpeg"
	MIMEPNG  = "image/png"
	MIMEGIF  = "image/gif"
	MIMEWebP = "image/webp"
)

// Default limits applied where a Limits field is zero.
const (
	// DefaultMaxBytes bounds an upload. It is well above what any target
	// platform accepts (Telegram's 10 MB is the largest) because originals
	// are kept and fitted copies are made from them.
	DefaultMaxBytes = 50 << 20
	// DefaultMaxPixels bounds decoded size: 50 megapixels is above every
	// current phone camera yet keeps a decoded image to a few hundred MB.
	DefaultMaxPixels = 50_000_000
)

// Limits bounds what Inspect and Fit accept. A zero field takes its default.
type Limits struct {
	// MaxBytes is the largest accepted input in bytes.
	MaxBytes int64
	// MaxPixels is the largest accepted width×height, checked against the
	// header before any pixel is decoded, so decompression bombs cost nothing.
	MaxPixels int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// Info describes an accepted image.
type Info struct {
	// MIME is the detected type, one of the MIME* constants.
	MIME string
	// Width and Height are the dimensions as displayed, that is after the
	// EXIF orientation has been applied (a portrait phone photo stored
	// sideways reports a height greater than its width).
	Width, Height int
	// Orientation is the EXIF orientation tag (1–8); 1 when absent.
	Orientation int
	// Size is the length of the file in bytes.
	Size int64
}

// Inspect reads one image from r, identifies its format from its content and
// checks it against lim. It reads at most lim.MaxBytes+1 bytes. The whole
// image is decoded (so truncated and corrupt files are rejected), but only
// after its header has passed the pixel limit.
//
// Failures are *Error values with code CodeMediaTooLarge (too many bytes),
// CodeImageTooLarge (too many pixels) or CodeUnsupportedMediaType; errors
// from r itself are returned wrapped and carry no code.
func Inspect(r io.Reader, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	readLimit := lim.MaxBytes
	if readLimit < math.MaxInt64 {
		readLimit++ // one more byte tells "exactly MaxBytes" from "more"
	}
	data, err := io.ReadAll(io.LimitReader(r, readLimit))
	if err != nil {
		return Info{}, fmt.Errorf("media: read: %w", err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return Info{}, newError(CodeMediaTooLarge,
			fmt.Sprintf("file exceeds %d bytes", lim.MaxBytes), nil)
	}
	release, err := holdPixels(data, lim)
	if err != nil {
		return Info{}, err
	}
	defer release()
	_, info, err := decode(data, lim)
	return info, err
}

// format is one readable image format.
type format struct {
	mime         string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
	jpegSOI      = []byte{0xFF, 0xD8, 0xFF}
)

// sniff identifies the format from magic bytes. It is stricter than
// image.Decode's registry (which is process-global and open to any
// imported decoder) and never consults a file name.
func sniff(data []byte) (format, bool) {
	switch {
	case bytes.HasPrefix(data, jpegSOI):
		return format{MIMEJPEG, jpeg.DecodeConfig, jpeg.Decode}, true
	case bytes.HasPrefix(data, pngSignature):
		return format{MIMEPNG, png.DecodeConfig, png.Decode}, true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		// gif.Decode stops after the first frame, which bounds the work an
		// animation with thousands of frames can cause.
		return format{MIMEGIF, gif.DecodeConfig, gif.Decode}, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return format{MIMEWebP, webp.DecodeConfig, webp.Decode}, true
	}
	return format{}, false
}

// holdPixels checks data's header against the pixel limit (as decode
// does), then takes its pixels from the process-wide decode budget,
// waiting for them if other images are being decoded: a decoded image takes
// memory in proportion to its pixels, and the budget bounds all of them
// together. The caller decodes, uses the image, and then releases.
func holdPixels(data []byte, lim Limits) (release func(), err error) {
	f, ok := sniff(data)
	if !ok {
		return nil, newError(CodeUnsupportedMediaType, "not a JPEG, PNG, GIF or WebP image", nil)
	}
	cfg, err := f.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, newError(CodeUnsupportedMediaType, "unreadable "+f.mime+" header", err)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 || px > lim.MaxPixels {
		return func() {}, nil // decode refuses it with the reason
	}
	return decodeBudget.acquire(px), nil
}

// decode checks data against the pixel limit using the header alone, then
// decodes it; hold its pixels first (holdPixels). The returned image has bounds (0,0)-(w,h) in stored
// (not yet oriented) coordinates.
func decode(data []byte, lim Limits) (image.Image, Info, error) {
	f, ok := sniff(data)
	if !ok {
		return nil, Info{}, newError(CodeUnsupportedMediaType,
			"not a JPEG, PNG, GIF or WebP image", nil)
	}
	cfg, err := f.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, Info{}, newError(CodeUnsupportedMediaType, "unreadable "+f.mime+" header", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, Info{}, newError(CodeUnsupportedMediaType,
			fmt.Sprintf("image has no pixels (%d×%d)", cfg.Width, cfg.Height), nil)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.MaxPixels {
		return nil, Info{}, newError(CodeImageTooLarge,
			fmt.Sprintf("%d×%d is %d pixels, limit %d", cfg.Width, cfg.Height, px, lim.MaxPixels), nil)
	}
	img, err := f.decode(bytes.NewReader(data))
	if err != nil {
		return nil, Info{}, newError(CodeUnsupportedMediaType, "corrupt or truncated "+f.mime, err)
	}
	full := image.Rect(0, 0, cfg.Width, cfg.Height)
	if b := img.Bounds(); b != full {
		// A GIF's first frame may cover only part of its logical screen;
		// give it the full canvas so the picture keeps its layout.
		if !b.In(full) {
			return nil, Info{}, newError(CodeUnsupportedMediaType, "frame lies outside the image", nil)
		}
		canvas := image.NewNRGBA(full)
		draw.Draw(canvas, b, img, b.Min, draw.Src)
		img = canvas
	}

	info := Info{MIME: f.mime, Width: cfg.Width, Height: cfg.Height, Orientation: 1, Size: int64(len(data))}
	if f.mime == MIMEJPEG {
		info.Orientation = jpegOrientation(data)
		if info.Orientation >= 5 {
			info.Width, info.Height = info.Height, info.Width
		}
	}
	return img, info, nil
}
