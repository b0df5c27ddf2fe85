package media

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJPEGOrientation(t *testing.T) {
	t.Parallel()
	jpg := encJPEG(t, solid(16, 16, color.RGBA{G: 255, A: 255}))
	app0 := []byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	withAPP0 := func(b []byte) []byte {
		return append(append(append([]byte{}, b[:2]...), app0...), b[2:]...)
	}

	for o := uint16(1); o <= 8; o++ {
		for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
			require.Equal(t, int(o), jpegOrientation(withEXIF(jpg, o, bo)), "orientation %d, %v", o, bo)
		}
	}

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"NoEXIF", jpg, 1},
		{"AfterJFIFSegment", withAPP0(withEXIF(jpg, 6, binary.BigEndian)), 6},
		{"FillBytesBeforeMarker", append([]byte{0xFF, 0xD8, 0xFF, 0xFF}, withEXIF(jpg, 8, binary.BigEndian)[3:]...), 8},
		{"ValueZero", withEXIF(jpg, 0, binary.BigEndian), 1},
		{"ValueNine", withEXIF(jpg, 9, binary.LittleEndian), 1},
		{"TruncatedSegment", withEXIF(jpg, 6, binary.BigEndian)[:30], 1},
		{"NotJPEG", []byte("MM\x00*"), 1},
		{"Empty", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, jpegOrientation(tt.data))
		})
	}

	t.Run("WrongTagTypeIsIgnored", func(t *testing.T) {
		t.Parallel()
		data := withEXIF(jpg, 6, binary.BigEndian)
		// The orientation entry's type field follows its tag 0x0112.
		i := bytes.Index(data, []byte{0x01, 0x12, 0x00, 0x03})
		require.Positive(t, i)
		data[i+3] = 4 // LONG
		require.Equal(t, 1, jpegOrientation(data))
	})
	t.Run("ExifAfterScanIsIgnored", func(t *testing.T) {
		t.Parallel()
		data := append(bytes.Clone(jpg), exifSegment(6, binary.BigEndian)...)
		require.Equal(t, 1, jpegOrientation(data))
	})
}

func FuzzJPEGOrientation(f *testing.F) {
	jpg := encJPEG(f, solid(8, 8, color.RGBA{A: 255}))
	f.Add(withEXIF(jpg, 6, binary.BigEndian))
	f.Add(withEXIF(jpg, 3, binary.LittleEndian))
	f.Add(jpg)
	f.Fuzz(func(t *testing.T, data []byte) {
		o := jpegOrientation(data)
		require.GreaterOrEqual(t, o, 1)
		require.LessOrEqual(t, o, 8)
	})
}
