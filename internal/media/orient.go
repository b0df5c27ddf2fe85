package media

import "image"

// Orientation values follow EXIF: each names where the stored image's first
// row and first column appear when the picture is viewed upright.
//
//	1 row 0 at top,    column 0 at left   (as stored)
//	2 row 0 at top,    column 0 at right  (mirrored)
//	3 row 0 at bottom, column 0 at right  (rotated 180°)
//	4 row 0 at bottom, column 0 at left   (flipped)
//	5 row 0 at left,   column 0 at top    (transposed)
//	6 row 0 at right,  column 0 at top    (needs 90° clockwise)
//	7 row 0 at right,  column 0 at bottom (transversed)
//	8 row 0 at left,   column 0 at bottom (needs 90° counter-clockwise)

// swapsAxes reports whether orientation o turns the picture on its side.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }

// storedRect maps r, given in upright coordinates, to the stored image's
// coordinates, where the stored image is w×h. The mapped rectangle covers
// exactly the same pixels.
func storedRect(r image.Rectangle, o, w, h int) image.Rectangle {
	switch o {
	case 2:
		return image.Rect(w-r.Max.X, r.Min.Y, w-r.Min.X, r.Max.Y)
	case 3:
		return image.Rect(w-r.Max.X, h-r.Max.Y, w-r.Min.X, h-r.Min.Y)
	case 4:
		return image.Rect(r.Min.X, h-r.Max.Y, r.Max.X, h-r.Min.Y)
	case 5:
		return image.Rect(r.Min.Y, r.Min.X, r.Max.Y, r.Max.X)
	case 6:
		return image.Rect(r.Min.Y, h-r.Max.X, r.Max.Y, h-r.Min.X)
	case 7:
		return image.Rect(w-r.Max.Y, h-r.Max.X, w-r.Min.Y, h-r.Min.X)
	case 8:
		return image.Rect(w-r.Max.Y, r.Min.X, w-r.Min.Y, r.Max.X)
	}
	return r
}

// upright returns src (stored with orientation o) as it should be viewed.
// It works on the small, already scaled image: scaling commutes with flips
// and quarter turns, and turning the output is far cheaper than turning a
// camera original.
func upright(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := sw, sh
	if swapsAxes(o) {
		dw, dh = sh, sw
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = sw-1-x, y
			case 3:
				sx, sy = sw-1-x, sh-1-y
			case 4:
				sx, sy = x, sh-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, sh-1-x
			case 7:
				sx, sy = sw-1-y, sh-1-x
			case 8:
				sx, sy = sw-1-y, x
			}
			i := src.PixOffset(src.Rect.Min.X+sx, src.Rect.Min.Y+sy)
			copy(row[4*x:4*x+4], src.Pix[i:i+4])
		}
	}
	return dst
}
