package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
)

// JPEG quality steps: start where artefacts are invisible and stop before
// they become obvious on a phone screen.
const (
	maxQuality  = 90
	minQuality  = 60
	qualityStep = 5
)

// Size is a width and height in pixels.
type Size struct {
	Width, Height int
}

// Spec describes the images a platform accepts and how Fit should produce
// one. Zero fields impose no limit.
type Spec struct {
	// Name labels the spec in error messages.
	Name string
	// MinAspect and MaxAspect bound width/height. An image outside the
	// range is cropped to the nearer bound; one inside keeps its shape.
	MinAspect, MaxAspect float64
	// Preferred, when set, asks for exactly its aspect ratio and at most its
	// size: every image is cropped to Width:Height and scaled down to fit.
	// It takes precedence over MinAspect and MaxAspect, which, if set, must
	// admit it.
	Preferred Size
	// MaxWidth and MaxHeight bound the output dimensions.
	MaxWidth, MaxHeight int
	// MaxSideSum bounds width+height (Telegram's rule for photos).
	MaxSideSum int
	// MinWidth is the narrowest output; smaller images are scaled up to it
	// because the platform would reject them otherwise.
	MinWidth int
	// Format is the output MIME type; only MIMEJPEG (or "", meaning JPEG)
	// is supported, as every target platform accepts it.
	Format string
	// MaxBytes bounds the encoded output.
	MaxBytes int64
}

// Validate reports whether s is self-consistent. Fit calls it; it is exported
// so that specs loaded from configuration can be rejected at start-up.
func (s Spec) Validate() error {
	invalid := func(format string, args ...any) error {
		return newError(CodeInvalidSpec, fmt.Sprintf("spec %q: ", s.Name)+fmt.Sprintf(format, args...), nil)
	}
	for _, a := range []float64{s.MinAspect, s.MaxAspect} {
		if a < 0 || math.IsNaN(a) || math.IsInf(a, 0) {
			return invalid("aspect bound %v is not a positive finite number", a)
		}
	}
	if s.MinAspect > 0 && s.MaxAspect > 0 && s.MinAspect > s.MaxAspect {
		return invalid("min aspect %v exceeds max aspect %v", s.MinAspect, s.MaxAspect)
	}
	if s.Preferred.Width < 0 || s.Preferred.Height < 0 || (s.Preferred.Width == 0) != (s.Preferred.Height == 0) {
		return invalid("preferred size %dx%d needs both dimensions", s.Preferred.Width, s.Preferred.Height)
	}
	if s.Preferred.Width > 0 {
		if a := aspect(s.Preferred.Width, s.Preferred.Height); !inRange(a, s.MinAspect, s.MaxAspect) {
			return invalid("preferred ratio %v lies outside [%v, %v]", a, s.MinAspect, s.MaxAspect)
		}
	}
	if s.MaxWidth < 0 || s.MaxHeight < 0 || s.MaxSideSum < 0 || s.MinWidth < 0 || s.MaxBytes < 0 {
		return invalid("limits must not be negative")
	}
	if s.MaxWidth > 0 && s.MinWidth > s.MaxWidth {
		return invalid("min width %d exceeds max width %d", s.MinWidth, s.MaxWidth)
	}
	if s.Format != "" && s.Format != MIMEJPEG {
		return invalid("output format %q is not supported", s.Format)
	}
	return nil
}

// Point is a focal point in normalised coordinates of the upright image:
// (0,0) is the top-left corner and (1,1) the bottom-right. The zero value
// means the centre, which is what a crop without a chosen subject should
// keep; coordinates outside [0,1] are clamped.
type Point struct {
	X, Y float64
}

func (p Point) resolve() (x, y float64) {
	if p == (Point{}) {
		return 0.5, 0.5
	}
	return clampUnit(p.X), clampUnit(p.Y)
}

func clampUnit(v float64) float64 {
	if math.IsNaN(v) {
		return 0.5
	}
	return min(max(v, 0), 1)
}

// Fitted is an image produced by Fit.
type Fitted struct {
	// Data is the encoded image.
	Data []byte
	// MIME is the type of Data.
	MIME string
	// Width and Height are the output dimensions.
	Width, Height int
	// Quality is the JPEG quality the output was encoded at.
	Quality int
	// Crop is the region of the upright original that the output shows,
	// for previews that let people adjust it.
	Crop image.Rectangle
}

// Fit produces a copy of the image in src that the platform described by
// spec accepts: upright per EXIF orientation, cropped around focal to the
// nearest allowed aspect ratio, scaled (down, or up only to reach MinWidth),
// with transparency flattened onto white, and encoded as JPEG at the highest
// quality step that fits MaxBytes. An animated GIF contributes its first
// frame. src is never modified, and DefaultLimits().MaxPixels guards against
// decompression bombs.
//
// Failures are *Error values: CodeInvalidSpec; CodeUnsupportedMediaType or
// CodeImageTooLarge for the input, as in Inspect; CodeUnfittable when no
// crop and size satisfy spec; and CodeMediaTooLarge when even the lowest
// quality step exceeds MaxBytes.
func Fit(src []byte, spec Spec, focal Point) (Fitted, error) {
	if err := spec.Validate(); err != nil {
		return Fitted{}, err
	}
	release, err := holdPixels(src, Limits{MaxPixels: DefaultMaxPixels})
	if err != nil {
		return Fitted{}, err
	}
	defer release()
	img, info, err := decode(src, Limits{MaxPixels: DefaultMaxPixels})
	if err != nil {
		return Fitted{}, err
	}
	crop, out, err := plan(image.Pt(info.Width, info.Height), spec, focal)
	if err != nil {
		return Fitted{}, err
	}
	stored := img.Bounds().Size()
	pixels := render(img, storedRect(crop, info.Orientation, stored.X, stored.Y), out, info.Orientation)
	data, quality, err := encodeJPEG(pixels, spec.MaxBytes)
	if err != nil {
		return Fitted{}, err
	}
	return Fitted{
		Data:    data,
		MIME:    MIMEJPEG,
		Width:   out.X,
		Height:  out.Y,
		Quality: quality,
		Crop:    crop,
	}, nil
}

// plan chooses the crop of an upright w×h image and the output size. It is
// pure geometry, kept apart from pixels so its properties can be tested on
// thousands of shapes cheaply.
func plan(src image.Point, spec Spec, focal Point) (crop image.Rectangle, out image.Point, err error) {
	var cw, ch int
	if spec.Preferred.Width > 0 {
		cw, ch, out, err = planPreferred(src, spec)
	} else {
		cw, ch, out, err = planRange(src, spec)
	}
	if err != nil {
		return image.Rectangle{}, image.Point{}, err
	}
	if err := spec.admits(out); err != nil {
		return image.Rectangle{}, image.Point{}, err
	}
	fx, fy := focal.resolve()
	x0 := place(src.X, cw, fx)
	y0 := place(src.Y, ch, fy)
	return image.Rect(x0, y0, x0+cw, y0+ch), out, nil
}

// planPreferred crops to exactly the preferred ratio by working in whole
// units of the reduced ratio (3×4 for 1080×1440), so no rounding creeps in.
func planPreferred(src image.Point, spec Spec) (cw, ch int, out image.Point, err error) {
	g := gcd(spec.Preferred.Width, spec.Preferred.Height)
	rw, rh := spec.Preferred.Width/g, spec.Preferred.Height/g
	k := min(src.X/rw, src.Y/rh)
	if k == 0 {
		return 0, 0, image.Point{}, newError(CodeUnfittable, fmt.Sprintf(
			"%s: a %dx%d image is too small to crop to %d:%d", spec.Name, src.X, src.Y, rw, rh), nil)
	}
	m := min(k, spec.Preferred.Width/rw)
	if spec.MaxWidth > 0 {
		m = min(m, spec.MaxWidth/rw)
	}
	if spec.MaxHeight > 0 {
		m = min(m, spec.MaxHeight/rh)
	}
	if spec.MaxSideSum > 0 {
		m = min(m, spec.MaxSideSum/(rw+rh))
	}
	if spec.MinWidth > 0 && m*rw < spec.MinWidth {
		m = (spec.MinWidth + rw - 1) / rw
	}
	return k * rw, k * rh, image.Pt(m*rw, m*rh), nil
}

// planRange keeps the image's shape when it is within the aspect range and
// otherwise crops to the largest region within it, then scales to the size
// limits.
func planRange(src image.Point, spec Spec) (cw, ch int, out image.Point, err error) {
	lo, hi := spec.MinAspect, spec.MaxAspect
	unfit := func(why string) error {
		return newError(CodeUnfittable, fmt.Sprintf("%s: a %dx%d image %s", spec.Name, src.X, src.Y, why), nil)
	}

	// Crop to the largest region whose ratio is in range.
	cw, ch = src.X, src.Y
	found := true
	switch a := aspect(src.X, src.Y); {
	case lo > 0 && a < lo:
		cw, ch, found = cropTall(src, lo, hi)
	case hi > 0 && a > hi:
		cw, ch, found = cropWide(src, lo, hi)
	}
	if !found {
		return 0, 0, image.Point{}, unfit(fmt.Sprintf("cannot be cropped to a ratio in [%v, %v]", lo, hi))
	}

	// Scale down to the limits, or up to the minimum width.
	s := 1.0
	shrink := func(limit, v int) {
		if limit > 0 && float64(v)*s > float64(limit) {
			s = float64(limit) / float64(v)
		}
	}
	shrink(spec.MaxWidth, cw)
	shrink(spec.MaxHeight, ch)
	shrink(spec.MaxSideSum, cw+ch)
	target := aspect(cw, ch)
	heightLimit := func(w int) int {
		l := ch // never taller than the crop, except when upscaling
		if w > cw {
			l = math.MaxInt32
		}
		if spec.MaxHeight > 0 {
			l = min(l, spec.MaxHeight)
		}
		if spec.MaxSideSum > 0 {
			l = min(l, spec.MaxSideSum-w)
		}
		return l
	}
	// Rounding may put the exact scaled size a pixel outside the range, so
	// take the nearest width that admits a valid height and, for it, the
	// height closest to the crop's shape.
	pick := func(w int) (int, bool) {
		hmin, hmax := heights(w, lo, hi, heightLimit(w))
		ideal := float64(w) / target
		h := min(max(int(math.Round(ideal)), hmin), hmax)
		// More than a pixel from the ideal would distort the picture.
		return h, hmin <= hmax && math.Abs(float64(h)-ideal) <= 1
	}
	// The epsilon stops 1440/3000*3000 from flooring to 1439.
	if w := max(int(float64(cw)*s+1e-9), 1); w >= spec.MinWidth {
		for ; w >= max(spec.MinWidth, 1); w-- {
			if h, ok := pick(w); ok {
				return cw, ch, image.Pt(w, h), nil
			}
		}
	} else {
		upTo := spec.MaxWidth
		if upTo == 0 {
			upTo = 2*spec.MinWidth + 1000 // far beyond any exact ratio's step
		}
		for w := spec.MinWidth; w <= upTo; w++ {
			if h, ok := pick(w); ok {
				return cw, ch, image.Pt(w, h), nil
			}
		}
	}
	return 0, 0, image.Point{}, unfit("has no output size within the limits")
}

// cropTall crops an image narrower than lo: it keeps as much width as
// possible and the most height that width allows. Walking the width down a
// pixel at a time ends at once for any range wider than a pixel's worth of
// ratio, and within p steps for an exact ratio p:q.
func cropTall(src image.Point, lo, hi float64) (cw, ch int, ok bool) {
	for cw := src.X; cw >= 1; cw-- {
		if hmin, hmax := heights(cw, lo, hi, src.Y); hmin <= hmax {
			return cw, hmax, true
		}
	}
	return 0, 0, false
}

// cropWide is cropTall for an image wider than hi.
func cropWide(src image.Point, lo, hi float64) (cw, ch int, ok bool) {
	for ch := src.Y; ch >= 1; ch-- {
		if wmin, wmax := widths(ch, lo, hi, src.X); wmin <= wmax {
			return wmax, ch, true
		}
	}
	return 0, 0, false
}

// heights returns the range [hmin, hmax] of heights h ≤ limit for which
// lo ≤ w/h ≤ hi (a zero bound is open); hmin > hmax when there is none. The
// estimates are corrected by the exact float comparisons that admits uses,
// so a pixel of round-off can never slip through.
func heights(w int, lo, hi float64, limit int) (hmin, hmax int) {
	hmin, hmax = 1, limit
	if hi > 0 {
		hmin = max(int(math.Ceil(float64(w)/hi)), 1)
		for hmin > 1 && aspect(w, hmin-1) <= hi {
			hmin--
		}
		for aspect(w, hmin) > hi {
			hmin++
		}
	}
	if lo > 0 {
		if f := float64(w) / lo; f < float64(limit) {
			hmax = int(f)
		}
		for hmax < limit && aspect(w, hmax+1) >= lo {
			hmax++
		}
		for hmax >= 1 && aspect(w, hmax) < lo {
			hmax--
		}
	}
	return hmin, hmax
}

// widths is heights with the roles of the sides exchanged: the range of
// widths w ≤ limit for which lo ≤ w/h ≤ hi.
func widths(h int, lo, hi float64, limit int) (wmin, wmax int) {
	wmin, wmax = 1, limit
	if lo > 0 {
		wmin = max(int(math.Ceil(float64(h)*lo)), 1)
		for wmin > 1 && aspect(wmin-1, h) >= lo {
			wmin--
		}
		for aspect(wmin, h) < lo {
			wmin++
		}
	}
	if hi > 0 {
		if f := float64(h) * hi; f < float64(limit) {
			wmax = int(f)
		}
		for wmax < limit && aspect(wmax+1, h) <= hi {
			wmax++
		}
		for wmax >= 1 && aspect(wmax, h) > hi {
			wmax--
		}
	}
	return wmin, wmax
}

// admits reports, as a CodeUnfittable error, whether an output of size out
// breaks any geometric limit of s.
func (s Spec) admits(out image.Point) error {
	unfit := func(why string) error {
		return newError(CodeUnfittable, fmt.Sprintf("%s: %dx%d output %s", s.Name, out.X, out.Y, why), nil)
	}
	switch a := aspect(out.X, out.Y); {
	case out.X < 1 || out.Y < 1:
		return unfit("is empty")
	case s.Preferred.Width > 0 && out.X*s.Preferred.Height != out.Y*s.Preferred.Width:
		return unfit(fmt.Sprintf("is not %d:%d", s.Preferred.Width, s.Preferred.Height))
	case !inRange(a, s.MinAspect, s.MaxAspect):
		return unfit(fmt.Sprintf("ratio %.4f is outside [%v, %v]", a, s.MinAspect, s.MaxAspect))
	case s.MaxWidth > 0 && out.X > s.MaxWidth:
		return unfit(fmt.Sprintf("is wider than %d", s.MaxWidth))
	case s.MaxHeight > 0 && out.Y > s.MaxHeight:
		return unfit(fmt.Sprintf("is taller than %d", s.MaxHeight))
	case s.MaxSideSum > 0 && out.X+out.Y > s.MaxSideSum:
		return unfit(fmt.Sprintf("has width+height over %d", s.MaxSideSum))
	case out.X < s.MinWidth:
		return unfit(fmt.Sprintf("is narrower than %d", s.MinWidth))
	}
	return nil
}

// render scales region r of the stored image to out (an upright size) and
// turns the result upright.
func render(img image.Image, r image.Rectangle, out image.Point, orientation int) *image.RGBA {
	size := out
	if swapsAxes(orientation) {
		size = image.Pt(out.Y, out.X)
	}
	return upright(resize(img, r, size.X, size.Y), orientation)
}

// encodeJPEG encodes img at falling quality until it fits maxBytes (0 means
// no limit) and reports the quality used.
func encodeJPEG(img *image.RGBA, maxBytes int64) ([]byte, int, error) {
	var buf bytes.Buffer
	for q := maxQuality; q >= minQuality; q -= qualityStep {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, 0, fmt.Errorf("media: encode jpeg: %w", err)
		}
		if maxBytes <= 0 || int64(buf.Len()) <= maxBytes {
			return buf.Bytes(), q, nil
		}
	}
	return nil, 0, newError(CodeMediaTooLarge, fmt.Sprintf("%dx%d JPEG is %d bytes at quality %d, limit %d",
		img.Rect.Dx(), img.Rect.Dy(), buf.Len(), minQuality, maxBytes), nil)
}

// place positions a window of size n within [0, length) so that it is
// centred on f×length where possible.
func place(length, n int, f float64) int {
	x := int(math.Round(f*float64(length) - float64(n)/2))
	return min(max(x, 0), length-n)
}

func aspect(w, h int) float64 { return float64(w) / float64(h) }

// inRange reports whether lo ≤ a ≤ hi, where a zero bound is open.
func inRange(a, lo, hi float64) bool {
	return (lo <= 0 || a >= lo) && (hi <= 0 || a <= hi)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
