package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	red   = color.RGBA{R: 230, G: 20, B: 20, A: 255}
	blue  = color.RGBA{R: 20, G: 20, B: 230, A: 255}
	grey  = color.RGBA{R: 128, G: 128, B: 128, A: 255}
	black = color.RGBA{A: 255}
)

// platformSpecs returns every platform's spec plus synthetic ones that
// exercise combinations no platform uses today.
func platformSpecs(t testing.TB) []Spec {
	t.Helper()
	var specs []Spec
	for _, p := range Platforms() {
		r, ok := RulesFor(p)
		require.True(t, ok, p)
		specs = append(specs, r.Spec)
	}
	return append(specs,
		Spec{Name: "unbounded"},
		Spec{Name: "square-min-width", Preferred: Size{Width: 500, Height: 500}, MinWidth: 300},
		Spec{Name: "exact-range", MinAspect: 1.5, MaxAspect: 1.5, MaxWidth: 1000},
		Spec{Name: "portrait-sum", MinAspect: 0.5, MaxAspect: 0.9, MaxSideSum: 2000, MinWidth: 100},
	)
}

// sourceShapes returns hand-picked and random upright source sizes.
func sourceShapes() []image.Point {
	shapes := []image.Point{
		{1, 1}, {2, 3}, {3, 4}, {5, 7}, {7, 5}, {4, 3},
		{1080, 1440}, {1440, 1080}, {1080, 1080}, {320, 400}, {319, 1000},
		{100, 3000}, {3000, 100}, {1, 5000}, {5000, 1}, {10000, 10}, {10, 10000},
		{4000, 3000}, {3000, 4000}, {6000, 6000}, {8192, 6144}, {12000, 900},
	}
	rng := rand.New(rand.NewPCG(42, 7))
	for range 2000 {
		// Log-uniform sides cover tiny, ordinary and huge alike.
		side := func() int { return max(1, int(math.Exp(rng.Float64()*math.Log(12000)))) }
		shapes = append(shapes, image.Pt(side(), side()))
	}
	return shapes
}

// requireOutputSatisfies checks an output size against spec directly from
// the spec's fields, independently of Spec.admits.
func requireOutputSatisfies(t testing.TB, spec Spec, w, h int, msg string) {
	t.Helper()
	require.Positive(t, w, msg)
	require.Positive(t, h, msg)
	a := float64(w) / float64(h)
	if spec.MinAspect > 0 {
		require.GreaterOrEqual(t, a, spec.MinAspect, msg)
	}
	if spec.MaxAspect > 0 {
		require.LessOrEqual(t, a, spec.MaxAspect, msg)
	}
	if spec.Preferred.Width > 0 {
		require.Equal(t, w*spec.Preferred.Height, h*spec.Preferred.Width, "%s: not %d:%d", msg, spec.Preferred.Width, spec.Preferred.Height)
		require.LessOrEqual(t, w, max(spec.Preferred.Width, spec.MinWidth+spec.Preferred.Width), msg)
	}
	if spec.MaxWidth > 0 {
		require.LessOrEqual(t, w, spec.MaxWidth, msg)
	}
	if spec.MaxHeight > 0 {
		require.LessOrEqual(t, h, spec.MaxHeight, msg)
	}
	if spec.MaxSideSum > 0 {
		require.LessOrEqual(t, w+h, spec.MaxSideSum, msg)
	}
	require.GreaterOrEqual(t, w, spec.MinWidth, msg)
}

func TestPlan_PropertiesHoldForManyShapes(t *testing.T) {
	t.Parallel()
	for i, spec := range platformSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(i))) // one per subtest: they run in parallel
			for _, src := range sourceShapes() {
				focal := Point{X: rng.Float64(), Y: rng.Float64()}
				crop, out, err := plan(src, spec, focal)
				msg := fmt.Sprintf("%s: %dx%d focal %.2f,%.2f", spec.Name, src.X, src.Y, focal.X, focal.Y)
				if err != nil {
					// Only sources a few pixels across, or slivers that
					// scaling would squeeze below a pixel, may fail.
					require.ErrorIs(t, err, ErrUnfittable, msg)
					a := aspect(src.X, src.Y)
					require.True(t, min(src.X, src.Y) < 4 || max(a, 1/a) > 1000, msg)
					continue
				}

				requireOutputSatisfies(t, spec, out.X, out.Y, msg)

				// The crop lies inside the source.
				require.False(t, crop.Empty(), msg)
				require.True(t, crop.In(image.Rectangle{Max: src}), msg)

				// The output shows the crop undistorted (to a pixel of
				// rounding), unless scaling squeezed a side to one pixel.
				ac, ao := aspect(crop.Dx(), crop.Dy()), aspect(out.X, out.Y)
				if out.X > 1 && out.Y > 1 {
					require.InDelta(t, 1, ao/ac, 2.0/float64(out.X)+2.0/float64(out.Y)+1e-9, msg)
				}

				// The crop keeps as much of the picture as the ratio allows.
				if spec.Preferred.Width > 0 {
					g := gcd(spec.Preferred.Width, spec.Preferred.Height)
					rw, rh := spec.Preferred.Width/g, spec.Preferred.Height/g
					require.True(t, crop.Dx()+rw > src.X || crop.Dy()+rh > src.Y, msg)
				} else {
					if inRange(aspect(src.X, src.Y), spec.MinAspect, spec.MaxAspect) {
						require.Equal(t, src, crop.Size(), msg)
					}
					// An exact ratio may need a smaller crop to land on whole pixels.
					exact := spec.MinAspect > 0 && spec.MinAspect == spec.MaxAspect
					require.True(t, exact || crop.Dx() == src.X || crop.Dy() == src.Y, msg)
				}

				// No upscaling, except to reach the minimum width.
				if out.X > crop.Dx() {
					require.Positive(t, spec.MinWidth, msg)
					require.Less(t, out.X, spec.MinWidth+out.X/gcd(out.X, out.Y)+1, msg)
				}

				// The crop is centred on the focal point unless an edge stops it.
				cx := float64(crop.Min.X+crop.Max.X) / 2
				cy := float64(crop.Min.Y+crop.Max.Y) / 2
				require.True(t, math.Abs(cx-focal.X*float64(src.X)) <= 1 || crop.Min.X == 0 || crop.Max.X == src.X, msg)
				require.True(t, math.Abs(cy-focal.Y*float64(src.Y)) <= 1 || crop.Min.Y == 0 || crop.Max.Y == src.Y, msg)
			}
		})
	}
}

func TestPlan_KeepsConformingImagesAsTheyAre(t *testing.T) {
	t.Parallel()
	ig, _ := RulesFor(Instagram)
	for _, size := range []image.Point{{1080, 1080}, {1080, 1350}, {1440, 754}, {320, 400}} {
		crop, out, err := plan(size, ig.Spec, Point{})
		require.NoError(t, err)
		require.Equal(t, image.Rectangle{Max: size}, crop)
		require.Equal(t, size, out)
	}
}

func TestFit_OutputsSatisfyEveryPlatform(t *testing.T) {
	t.Parallel()
	shapes := []struct {
		name string
		size image.Point
	}{
		{"Tall", image.Pt(300, 2400)},
		{"Wide", image.Pt(2400, 300)},
		{"Panorama", image.Pt(2500, 100)},
		{"Tiny", image.Pt(5, 7)},
		{"Square", image.Pt(900, 900)},
		{"LargeLandscape", image.Pt(2100, 1400)}, // beyond every MaxWidth but Telegram's
	}
	for _, shape := range shapes {
		src := encJPEG(t, photo(shape.size.X, shape.size.Y, 9))
		t.Run(shape.name, func(t *testing.T) {
			t.Parallel()
			for _, spec := range platformSpecs(t) {
				fitted, err := Fit(src, spec, Point{})
				require.NoError(t, err, spec.Name)
				msg := fmt.Sprintf("%s %s", shape.name, spec.Name)

				require.Equal(t, MIMEJPEG, fitted.MIME)
				got := decodeJPEG(t, fitted.Data).Bounds().Size()
				require.Equal(t, image.Pt(fitted.Width, fitted.Height), got, msg)
				requireOutputSatisfies(t, spec, got.X, got.Y, msg)
				if spec.MaxBytes > 0 {
					require.LessOrEqual(t, int64(len(fitted.Data)), spec.MaxBytes, msg)
				}
				require.True(t, fitted.Crop.In(image.Rectangle{Max: shape.size}), msg)
			}
		})
	}
}

func TestFit_KeepsTheFocalPointInTheCrop(t *testing.T) {
	t.Parallel()
	xhs, _ := RulesFor(Xiaohongshu)
	ig, _ := RulesFor(Instagram)
	tg, _ := RulesFor(Telegram)

	tests := []struct {
		name  string
		size  image.Point
		mark  image.Rectangle
		focal Point
		spec  Spec
	}{
		// A 2:1 landscape cropped to 3:4 keeps only 37.5% of its width.
		{"LeftSubjectInLandscape", image.Pt(1600, 800), image.Rect(150, 360, 230, 440), Point{X: 0.12, Y: 0.5}, xhs.Spec},
		{"RightSubjectInLandscape", image.Pt(1600, 800), image.Rect(1380, 100, 1460, 180), Point{X: 0.89, Y: 0.17}, xhs.Spec},
		// A 1:3 portrait cropped to Instagram's 4:5 keeps 42% of its height.
		{"LowSubjectInPortrait", image.Pt(800, 2400), image.Rect(360, 2120, 440, 2200), Point{X: 0.5, Y: 0.9}, ig.Spec},
		{"HighSubjectInPortrait", image.Pt(800, 2400), image.Rect(360, 200, 440, 280), Point{X: 0.5, Y: 0.1}, ig.Spec},
		// A 40:1 strip cropped to Telegram's 20:1.
		{"SubjectAtStripEnd", image.Pt(4000, 100), image.Rect(3800, 30, 3840, 70), Point{X: 0.955, Y: 0.5}, tg.Spec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := solid(tt.size.X, tt.size.Y, grey)
			fillRect(img, tt.mark, red)
			src := encJPEG(t, img)

			fitted, err := Fit(src, tt.spec, tt.focal)
			require.NoError(t, err)
			require.True(t, tt.mark.In(fitted.Crop), "mark %v outside crop %v", tt.mark, fitted.Crop)
			require.Greater(t, redShare(decodeJPEG(t, fitted.Data)), 0.001)

			// The centred crop of the same picture loses the mark, so the
			// focal point is what kept it.
			centred, err := Fit(src, tt.spec, Point{})
			require.NoError(t, err)
			require.False(t, tt.mark.Overlaps(centred.Crop), "centred crop %v still holds %v", centred.Crop, tt.mark)
			require.Zero(t, redShare(decodeJPEG(t, centred.Data)))
		})
	}
}

// redShare is the fraction of img's pixels that are clearly red.
func redShare(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 170 && g>>8 < 90 && bl>>8 < 90 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

func TestFit_AppliesEXIFOrientation(t *testing.T) {
	t.Parallel()
	// The stored picture is 240×120 with its first row red and its first
	// column blue (below the red). EXIF says where that row and column
	// belong when the picture is viewed upright.
	const w, h, band = 240, 120, 24
	stored := solid(w, h, grey)
	fillRect(stored, image.Rect(0, 0, w, band), red)
	fillRect(stored, image.Rect(0, band, band, h), blue)
	jpg := encJPEG(t, stored)

	type edges struct{ row0, col0 string }
	want := map[uint16]edges{
		1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
		5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
	}
	for o := uint16(1); o <= 8; o++ {
		for _, bo := range []byteOrder{binary.BigEndian, binary.LittleEndian} {
			t.Run(fmt.Sprintf("Orientation%d%v", o, bo), func(t *testing.T) {
				t.Parallel()
				fitted, err := Fit(withEXIF(jpg, o, bo), Spec{Name: "plain"}, Point{})
				require.NoError(t, err)
				img := decodeJPEG(t, fitted.Data)
				size := img.Bounds().Size()
				if o >= 5 {
					require.Equal(t, image.Pt(h, w), size)
				} else {
					require.Equal(t, image.Pt(w, h), size)
				}
				require.Equal(t, "red", edgeColour(img, want[o].row0))
				require.Equal(t, "blue", edgeColour(img, want[o].col0))
			})
		}
	}
}

// edgeColour names the colour of the middle of one edge strip of img.
func edgeColour(img image.Image, edge string) string {
	s := img.Bounds().Size()
	const in = 16 // inside the 24-pixel band, clear of JPEG ringing
	var r image.Rectangle
	switch edge {
	case "top":
		r = image.Rect(s.X*2/5, 2, s.X*3/5, in)
	case "bottom":
		r = image.Rect(s.X*2/5, s.Y-in, s.X*3/5, s.Y-2)
	case "left":
		r = image.Rect(2, s.Y*2/5, in, s.Y*3/5)
	case "right":
		r = image.Rect(s.X-in, s.Y*2/5, s.X-2, s.Y*3/5)
	}
	cr, cg, cb := meanColour(img, r)
	switch {
	case cr > 180 && cg < 70 && cb < 70:
		return "red"
	case cb > 180 && cr < 70 && cg < 70:
		return "blue"
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", cr, cg, cb)
}

func TestFit_FlattensTransparencyOnWhite(t *testing.T) {
	t.Parallel()
	logo := image.NewNRGBA(image.Rect(0, 0, 100, 100)) // fully transparent
	for y := 30; y < 70; y++ {
		for x := 30; x < 70; x++ {
			logo.SetNRGBA(x, y, color.NRGBA{A: 255})
		}
	}
	for y := 0; y < 20; y++ {
		for x := 0; x < 100; x++ {
			logo.SetNRGBA(x, y, color.NRGBA{R: 255, A: 128}) // half-transparent red
		}
	}

	fitted, err := Fit(encPNG(t, logo), Spec{Name: "plain"}, Point{})
	require.NoError(t, err)
	img := decodeJPEG(t, fitted.Data)

	r, g, b := meanColour(img, image.Rect(5, 80, 25, 95))
	require.Greater(t, min(r, g, b), 245, "transparent area should be white")
	r, g, b = meanColour(img, image.Rect(40, 40, 60, 60))
	require.Less(t, max(r, g, b), 10, "opaque black stays black")
	r, g, b = meanColour(img, image.Rect(10, 5, 90, 15))
	require.Greater(t, r, 245, "half red over white is pink")
	require.InDelta(t, 127, g, 8)
	require.InDelta(t, 127, b, 8)
}

func TestFit_StepsQualityDownToMaxBytes(t *testing.T) {
	t.Parallel()
	src := encPNG(t, noise(400, 400, 11))

	best, err := Fit(src, Spec{Name: "unlimited"}, Point{})
	require.NoError(t, err)
	require.Equal(t, maxQuality, best.Quality)

	limit := int64(len(best.Data)) * 3 / 4
	stepped, err := Fit(src, Spec{Name: "limited", MaxBytes: limit}, Point{})
	require.NoError(t, err)
	require.Less(t, stepped.Quality, maxQuality)
	require.GreaterOrEqual(t, stepped.Quality, minQuality)
	require.LessOrEqual(t, int64(len(stepped.Data)), limit)

	// One step higher would not have fitted: the highest fitting quality won.
	above, err := Fit(src, Spec{Name: "at-size", MaxBytes: int64(len(stepped.Data)) + 1}, Point{})
	require.NoError(t, err)
	require.Equal(t, stepped.Quality, above.Quality)

	_, err = Fit(src, Spec{Name: "impossible", MaxBytes: 2_000}, Point{})
	require.ErrorIs(t, err, ErrMediaTooLarge)
	require.Equal(t, CodeMediaTooLarge, ErrorCode(err))
}

func TestFit_NeverModifiesTheOriginal(t *testing.T) {
	t.Parallel()
	src := withEXIF(encJPEG(t, photo(300, 200, 12)), 6, binary.BigEndian)
	orig := bytes.Clone(src)
	xhs, _ := RulesFor(Xiaohongshu)
	_, err := Fit(src, xhs.Spec, Point{X: 0.2, Y: 0.8})
	require.NoError(t, err)
	require.Equal(t, orig, src)
}

func TestFit_ReadsEveryInputFormat(t *testing.T) {
	t.Parallel()
	img := photo(120, 90, 13)
	ig, _ := RulesFor(Instagram)
	for name, src := range map[string][]byte{
		"JPEG": encJPEG(t, img),
		"PNG":  encPNG(t, img),
		"GIF":  encGIF(t, img),
		"WebP": losslessWebP(120, 90, color.NRGBA{R: 200, G: 100, B: 50, A: 255}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fitted, err := Fit(src, ig.Spec, Point{})
			require.NoError(t, err)
			require.Equal(t, MIMEJPEG, fitted.MIME)
			// Upscaled to Instagram's minimum width, 4:3 kept.
			require.Equal(t, image.Pt(320, 240), decodeJPEG(t, fitted.Data).Bounds().Size())
		})
	}
}

func TestFit_PlacesAGIFFrameOnItsLogicalScreen(t *testing.T) {
	t.Parallel()
	frame := image.NewPaletted(image.Rect(10, 10, 30, 30), color.Palette{black, color.White})
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, &gif.GIF{
		Image:  []*image.Paletted{frame},
		Delay:  []int{0},
		Config: image.Config{ColorModel: frame.Palette, Width: 40, Height: 40},
	}))

	fitted, err := Fit(buf.Bytes(), Spec{Name: "plain"}, Point{})
	require.NoError(t, err)
	img := decodeJPEG(t, fitted.Data)
	require.Equal(t, image.Pt(40, 40), img.Bounds().Size())
	r, g, b := meanColour(img, image.Rect(14, 14, 26, 26))
	require.Less(t, max(r, g, b), 20, "the frame is where the GIF put it")
	r, g, b = meanColour(img, image.Rect(33, 33, 39, 39))
	require.Greater(t, min(r, g, b), 235, "uncovered screen is transparent, so white")
}

func TestFit_RejectsBadInput(t *testing.T) {
	t.Parallel()
	xhs, _ := RulesFor(Xiaohongshu)
	tests := []struct {
		name string
		src  []byte
		spec Spec
		want error
	}{
		{"PNGBomb", pngHeader(100000, 100000), xhs.Spec, ErrImageTooLarge},
		{"WebPBomb", losslessWebP(16384, 16384, color.NRGBA{A: 255}), xhs.Spec, ErrImageTooLarge},
		{"GIFBomb", gifScreen(65535, 65535), xhs.Spec, ErrImageTooLarge},
		{"Text", []byte("not an image"), xhs.Spec, ErrUnsupportedMediaType},
		{"TooSmallForRatio", encPNG(t, photo(2, 2, 1)), xhs.Spec, ErrUnfittable},
		{"MinWidthBeyondMaxHeight", encPNG(t, photo(10, 100, 1)),
			Spec{Name: "narrow", MinWidth: 50, MaxHeight: 100}, ErrUnfittable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Fit(tt.src, tt.spec, Point{})
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestSpec_Validate(t *testing.T) {
	t.Parallel()
	for _, spec := range platformSpecs(t) {
		require.NoError(t, spec.Validate(), spec.Name)
	}
	invalid := map[string]Spec{
		"NegativeAspect":          {MinAspect: -1},
		"NaNAspect":               {MaxAspect: math.NaN()},
		"InvertedRange":           {MinAspect: 2, MaxAspect: 1},
		"HalfPreferred":           {Preferred: Size{Width: 1080}},
		"PreferredOutsideRange":   {Preferred: Size{Width: 1080, Height: 1440}, MinAspect: 0.8},
		"NegativeLimit":           {MaxBytes: -1},
		"MinWidthAboveMaxWidth":   {MinWidth: 500, MaxWidth: 400},
		"UnsupportedOutputFormat": {Format: MIMEPNG},
	}
	for name, spec := range invalid {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := spec.Validate()
			require.ErrorIs(t, err, ErrInvalidSpec)
			_, err = Fit(encJPEG(t, photo(8, 8, 1)), spec, Point{})
			require.ErrorIs(t, err, ErrInvalidSpec)
		})
	}
}

func TestPoint_ZeroValueIsCentreAndOutOfRangeIsClamped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p    Point
		x, y float64
	}{
		{Point{}, 0.5, 0.5},
		{Point{X: 0.25, Y: 0.75}, 0.25, 0.75},
		{Point{X: -3, Y: 7}, 0, 1},
		{Point{X: math.NaN(), Y: 0}, 0.5, 0},
	} {
		x, y := tt.p.resolve()
		require.Equal(t, [2]float64{tt.x, tt.y}, [2]float64{x, y}, "%+v", tt.p)
	}
}

func BenchmarkFit(b *testing.B) {
	src := encJPEG(b, photo(4000, 3000, 99))
	for _, p := range []Platform{Xiaohongshu, Instagram} {
		rules, _ := RulesFor(p)
		b.Run(string(p), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Fit(src, rules.Spec, Point{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestFit_ShrinkingFineDetailAveragesIt(t *testing.T) {
	t.Parallel()
	// A one-pixel checkerboard shrunk fivefold must become flat grey: any
	// aliasing would show as light and dark patches.
	board := image.NewGray(image.Rect(0, 0, 1000, 1000))
	for y := range 1000 {
		for x := range 1000 {
			if (x+y)%2 == 0 {
				board.Pix[y*board.Stride+x] = 255
			}
		}
	}
	fitted, err := Fit(encPNG(t, board), Spec{Name: "small", MaxWidth: 200}, Point{})
	require.NoError(t, err)
	img := decodeJPEG(t, fitted.Data)
	require.Equal(t, image.Pt(200, 200), img.Bounds().Size())
	for y := 0; y < 200; y += 10 {
		for x := 0; x < 200; x += 10 {
			r, g, b := meanColour(img, image.Rect(x, y, x+10, y+10))
			require.InDelta(t, 128, r, 6, "patch at %d,%d", x, y)
			require.Equal(t, r, g)
			require.Equal(t, r, b)
		}
	}
}
