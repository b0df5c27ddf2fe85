package metrics

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Limits on imported tables: an export of a creator's notes is a few
// hundred rows.
const (
	MaxTableRows    = 20_000
	MaxTableColumns = 200
)

// ErrNotTable is returned for a file that is neither CSV nor XLSX.
var ErrNotTable = errors.New("the file is neither CSV nor XLSX")

// ReadTable returns the rows of the first sheet of an XLSX workbook or of
// a CSV file (UTF-8 with or without BOM, UTF-16 with BOM, or GB18030 as
// Excel saves it on Chinese systems; comma, semicolon or tab separated).
// The kind is decided by the content, not the name.
func ReadTable(data []byte) ([][]string, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data)
	}
	return readCSV(data)
}

func readCSV(data []byte) ([][]string, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if strings.ContainsRune(text, 0) {
		return nil, ErrNotTable
	}
	firstLine, _, _ := strings.Cut(text, "\n")
	sep := ','
	for _, c := range []rune{'\t', ';'} {
		if strings.Count(firstLine, string(c)) > strings.Count(firstLine, string(sep)) {
			sep = c
		}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV: %w", err)
		}
		if len(rows) == MaxTableRows {
			return nil, fmt.Errorf("the table has more than %d rows", MaxTableRows)
		}
		if len(rec) > MaxTableColumns {
			rec = rec[:MaxTableColumns]
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// decodeText turns a CSV file's bytes into text.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, _, err := transform.Bytes(unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder(), data)
		if err != nil {
			return "", ErrNotTable
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil || !utf8.Valid(out) {
		return "", ErrNotTable
	}
	return string(out), nil
}
