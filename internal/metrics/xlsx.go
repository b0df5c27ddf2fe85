package metrics

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxXLSXPart bounds how much of one part of a workbook is read once
// decompressed, so that a small zip cannot expand without limit; maxXLSX
// bounds the whole workbook decompressed.
const (
	maxXLSXPart = 64 << 20
	maxXLSX     = 256 << 20
)

// readXLSX returns the cell values of the first worksheet of an Office
// Open XML workbook, as text, read through excelize: shared and inline
// strings, numbers as written (dates stay Excel serial numbers), booleans as
// TRUE/FALSE, formulas as their cached value.
func readXLSX(data []byte) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, ErrNotTable
	}
	var total uint64
	hasBook := false
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, "/")
		if name == "xl/workbook.xml" {
			hasBook = true
		}
		if f.UncompressedSize64 > maxXLSXPart {
			return nil, fmt.Errorf("XLSX: %s is larger than %d bytes", name, maxXLSXPart)
		}
		total += f.UncompressedSize64
	}
	if !hasBook {
		return nil, ErrNotTable
	}
	if total > maxXLSX {
		return nil, fmt.Errorf("XLSX: the workbook is larger than %d bytes unpacked", maxXLSX)
	}
	book, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    maxXLSX,
		UnzipXMLSizeLimit: maxXLSXPart,
	})
	if err != nil {
		return nil, fmt.Errorf("XLSX: %w", err)
	}
	defer book.Close()
	sheets := book.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("XLSX: the workbook has no sheet")
	}
	sheet := sheets[0]
	it, err := book.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("XLSX sheet: %w", err)
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		if len(rows) >= MaxTableRows {
			return nil, fmt.Errorf("XLSX: more than %d rows", MaxTableRows)
		}
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("XLSX sheet: %w", err)
		}
		if len(cols) > MaxTableColumns {
			return nil, fmt.Errorf("XLSX: more than %d columns", MaxTableColumns)
		}
		rows = append(rows, cols)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("XLSX sheet: %w", err)
	}
	// Trailing rows that hold nothing are not part of the table.
	for len(rows) > 0 && len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return booleansAsText(book, sheet, rows), nil
}

// booleansAsText writes boolean cells as TRUE/FALSE, as Excel shows them,
// where excelize's raw value is 1/0, and error cells (#N/A) as empty.
func booleansAsText(book *excelize.File, sheet string, rows [][]string) [][]string {
	for r, row := range rows {
		for c, v := range row {
			if v != "0" && v != "1" && !strings.HasPrefix(v, "#") {
				continue
			}
			ref, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				continue
			}
			switch kind, _ := book.GetCellType(sheet, ref); kind {
			case excelize.CellTypeBool:
				row[c] = map[string]string{"0": "FALSE", "1": "TRUE"}[v]
			case excelize.CellTypeError:
				row[c] = "" // an error cell (#N/A) holds no value
			}
		}
	}
	return rows
}
