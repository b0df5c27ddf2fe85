package media

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers the EXIF scan cares about.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP1 = 0xE1
	markerTEM  = 0x01
	markerRST0 = 0xD0
	markerRST7 = 0xD7
)

const (
	tagOrientation = 0x0112
	tiffTypeShort  = 3
)

var exifHeader = []byte("Exif\x00\x00")

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG, or 1 when
// the file has none or it is malformed. Only IFD0 of the first APP1 "Exif"
// segment before the first scan is read: that is where cameras write the
// tag, and looking no further keeps this a bounded, allocation-free scan of
// untrusted bytes.
func jpegOrientation(data []byte) int {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return 1
	}
	for i := 2; i+2 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		i += 2
		switch {
		case marker == 0xFF:
			i-- // fill byte: the next 0xFF starts the marker
			continue
		case marker == markerSOI, marker == markerTEM, marker >= markerRST0 && marker <= markerRST7:
			continue // markers without a length
		case marker == markerSOS, marker == markerEOI:
			return 1
		}
		if i+2 > len(data) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return 1
		}
		seg := data[i+2 : i+n]
		if marker == markerAPP1 && bytes.HasPrefix(seg, exifHeader) {
			if o, ok := tiffOrientation(seg[len(exifHeader):]); ok {
				return o
			}
			return 1
		}
		i += n
	}
	return 1
}

// tiffOrientation reads the orientation tag from IFD0 of a TIFF structure,
// the container EXIF uses. It reports false when the tag is absent, has the
// wrong type or is out of range.
func tiffOrientation(t []byte) (int, bool) {
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, false
	}
	ifd := uint64(bo.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return 0, false
	}
	count := uint64(bo.Uint16(t[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 0, false
		}
		if bo.Uint16(t[e:]) != tagOrientation {
			continue
		}
		// A SHORT value of count 1 sits left-justified in the 4-byte
		// value field, so it is the first two bytes in either byte order.
		if bo.Uint16(t[e+2:]) != tiffTypeShort || bo.Uint32(t[e+4:]) < 1 {
			return 0, false
		}
		v := int(bo.Uint16(t[e+8:]))
		if v < 1 || v > 8 {
			return 0, false
		}
		return v, true
	}
	return 0, false
}
