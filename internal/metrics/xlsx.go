package metrics

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// maxXLSXPart bounds how much of one part of a workbook is read once
// decompressed, so that a small zip cannot expand without limit.
const maxXLSXPart = 64 << 20

// readXLSX returns the cell values of the first worksheet of an Office
// Open XML workbook, as text: shared and inline strings, numbers as
// written (dates stay Excel serial numbers), booleans as TRUE/FALSE.
// Formulas give their cached value. Nothing else of the format is needed to
// read an export.
func readXLSX(data []byte) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, ErrNotTable
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
	}
	sheet, err := firstSheetPath(files)
	if err != nil {
		return nil, err
	}
	var shared []string
	if f, ok := files["xl/sharedStrings.xml"]; ok {
		if shared, err = readSharedStrings(f); err != nil {
			return nil, fmt.Errorf("XLSX shared strings: %w", err)
		}
	}
	f, ok := files[sheet]
	if !ok {
		return nil, fmt.Errorf("XLSX: the workbook names a sheet %s it does not contain", sheet)
	}
	rows, err := readSheet(f, shared)
	if err != nil {
		return nil, fmt.Errorf("XLSX sheet: %w", err)
	}
	return rows, nil
}

// firstSheetPath finds the first sheet of the workbook through its
// relationships, falling back to the usual name.
func firstSheetPath(files map[string]*zip.File) (string, error) {
	wb, ok := files["xl/workbook.xml"]
	if !ok {
		return "", ErrNotTable
	}
	var book struct {
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodeXMLPart(wb, &book); err != nil {
		return "", fmt.Errorf("XLSX workbook: %w", err)
	}
	if len(book.Sheets) == 0 {
		return "", errors.New("XLSX: the workbook has no sheet")
	}
	rels, ok := files["xl/_rels/workbook.xml.rels"]
	if !ok {
		return "xl/worksheets/sheet1.xml", nil
	}
	var rel struct {
		List []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodeXMLPart(rels, &rel); err != nil {
		return "", fmt.Errorf("XLSX relationships: %w", err)
	}
	for _, r := range rel.List {
		if r.ID == book.Sheets[0].RID {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join("xl", r.Target), nil
		}
	}
	return "xl/worksheets/sheet1.xml", nil
}

func openPart(f *zip.File) (io.ReadCloser, error) {
	if f.UncompressedSize64 > maxXLSXPart {
		return nil, fmt.Errorf("%s is larger than %d bytes", f.Name, maxXLSXPart)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, maxXLSXPart), rc}, nil
}

func decodeXMLPart(f *zip.File, v any) error {
	rc, err := openPart(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// readSharedStrings reads the shared string table: each <si> is one
// string, the concatenation of its <t> elements (rich text runs), leaving
// out phonetic guides (<rPh>).
func readSharedStrings(f *zip.File) ([]string, error) {
	rc, err := openPart(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	var out []string
	var cur strings.Builder
	inSI, inT, skip := false, false, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "rPh":
				skip++
			case "t":
				inT = inSI && skip == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if len(out) == MaxTableRows*MaxTableColumns {
					return nil, errors.New("too many strings")
				}
				out = append(out, cur.String())
			case "rPh":
				skip--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				cur.Write(t)
			}
		}
	}
}

// xlsxCell is one <c> of a sheet.
type xlsxCell struct {
	Ref    string `xml:"r,attr"`
	Type   string `xml:"t,attr"`
	Value  string `xml:"v"`
	Inline struct {
		Text string `xml:"t"`
		Runs []struct {
			Text string `xml:"t"`
		} `xml:"r"`
	} `xml:"is"`
}

// readSheet reads <sheetData>, row by row, placing each cell by its
// reference (cells may be left out) or, without one, after the previous.
func readSheet(f *zip.File, shared []string) ([][]string, error) {
	rc, err := openPart(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	var rows [][]string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "row" {
			continue
		}
		var row struct {
			Ref   string     `xml:"r,attr"`
			Cells []xlsxCell `xml:"c"`
		}
		if err := dec.DecodeElement(&row, &start); err != nil {
			return nil, err
		}
		// Rows may be left out too: keep row numbers true to the sheet.
		if n, err := strconv.Atoi(row.Ref); err == nil && n > len(rows)+1 && n <= MaxTableRows {
			for len(rows) < n-1 {
				rows = append(rows, nil)
			}
		}
		if len(rows) == MaxTableRows {
			return nil, fmt.Errorf("the table has more than %d rows", MaxTableRows)
		}
		var rec []string
		for _, c := range row.Cells {
			col := len(rec)
			if c.Ref != "" {
				if col, err = columnIndex(c.Ref); err != nil {
					return nil, err
				}
			}
			if col >= MaxTableColumns {
				continue
			}
			v, err := cellValue(c, shared)
			if err != nil {
				return nil, fmt.Errorf("cell %s: %w", c.Ref, err)
			}
			for len(rec) <= col {
				rec = append(rec, "")
			}
			rec[col] = v
		}
		rows = append(rows, rec)
	}
}

func cellValue(c xlsxCell, shared []string) (string, error) {
	switch c.Type {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(c.Value))
		if err != nil || i < 0 || i >= len(shared) {
			return "", fmt.Errorf("shared string %q does not exist", c.Value)
		}
		return shared[i], nil
	case "inlineStr":
		if len(c.Inline.Runs) == 0 {
			return c.Inline.Text, nil
		}
		var b strings.Builder
		for _, r := range c.Inline.Runs {
			b.WriteString(r.Text)
		}
		return b.String(), nil
	case "b":
		if strings.TrimSpace(c.Value) == "1" {
			return "TRUE", nil
		}
		return "FALSE", nil
	case "e":
		return "", nil // #N/A and friends: no value
	}
	return c.Value, nil // n, str (a formula's text), d (ISO 8601)
}

// columnIndex returns the zero-based column of a reference such as "AB12".
func columnIndex(ref string) (int, error) {
	col := 0
	n := 0
	for _, r := range ref {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r < 'A' || r > 'Z' {
			break
		}
		col = col*26 + int(r-'A') + 1
		n++
		if n > 3 {
			return 0, fmt.Errorf("cell reference %q is not valid", ref)
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("cell reference %q is not valid", ref)
	}
	return col - 1, nil
}
