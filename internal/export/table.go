// Package export writes tables as CSV (UTF-8 with a byte-order mark, so
// that Excel opens Chinese text correctly) or XLSX (through excelize's
// stream writer), row by row: an export over years of readings never holds
// the whole file in memory.
package export

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// Format is a file format of an export.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	// JSONL is JSON Lines: one JSON object per row, keyed by the header
	// row's names, in the header's order.
	JSONL Format = "jsonl"
)

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case JSONL:
		return "application/jsonl; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// Table receives a header, then rows; Close finishes the file. Cells are
// strings, int64 or *int64 (nil: empty), time.Time or *time.Time, or
// json.RawMessage (a JSON value: nested in JSON Lines, its text elsewhere).
type Table interface {
	Row(cells ...any) error
	Close() error
}

// New starts a table of the format written to w.
func New(f Format, w io.Writer, loc *time.Location) (Table, error) {
	switch f {
	case CSV:
		bw := bufio.NewWriterSize(w, 32<<10)
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			return nil, err
		}
		return &csvTable{bw: bw, cw: csv.NewWriter(bw), loc: loc}, nil
	case XLSX:
		book := excelize.NewFile()
		// excelize's Write builds the zip in a bytes.Buffer it then copies
		// out; this zip writer ignores that buffer and writes straight to w,
		// so the workbook is never held whole in memory.
		book.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
		sw, err := book.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, err
		}
		return &xlsxTable{w: w, book: book, sw: sw, loc: loc}, nil
	case JSONL:
		return &jsonlTable{bw: bufio.NewWriterSize(w, 32<<10), loc: loc}, nil
	}
	return nil, fmt.Errorf("export: unknown format %q", f)
}

type csvTable struct {
	bw   *bufio.Writer
	cw   *csv.Writer
	loc  *time.Location
	rows int
}

func (t *csvTable) Row(cells ...any) error {
	rec := make([]string, len(cells))
	for i, c := range cells {
		rec[i] = text(c, t.loc)
	}
	if err := t.cw.Write(rec); err != nil {
		return err
	}
	// csv.Writer writes into the bufio.Writer, which writes on to the
	// response once full: nothing accumulates.
	t.rows++
	return nil
}

func (t *csvTable) Close() error {
	t.cw.Flush()
	if err := t.cw.Error(); err != nil {
		return err
	}
	return t.bw.Flush()
}

type xlsxTable struct {
	w    io.Writer
	book *excelize.File
	sw   *excelize.StreamWriter
	loc  *time.Location
	row  int
}

func (t *xlsxTable) Row(cells ...any) error {
	t.row++
	vals := make([]any, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case int64:
			vals[i] = v
		case *int64:
			if v != nil {
				vals[i] = *v
			}
		default:
			vals[i] = text(c, t.loc)
		}
	}
	ref, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	return t.sw.SetRow(ref, vals)
}

// Close writes the workbook. The stream writer keeps rows past its
// 16 MiB in-memory buffer in a temporary file, and the zip is written
// straight to the response.
func (t *xlsxTable) Close() error {
	defer t.book.Close()
	if err := t.sw.Flush(); err != nil {
		return err
	}
	return t.book.Write(t.w)
}

// text renders a cell as CSV text; times in loc, RFC 3339.
func text(c any, loc *time.Location) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case *int64:
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.In(loc).Format(time.RFC3339)
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.In(loc).Format(time.RFC3339)
	case json.RawMessage:
		return string(v)
	}
	return fmt.Sprint(c)
}

type jsonlTable struct {
	bw     *bufio.Writer
	loc    *time.Location
	header []string
}

// Row takes the header first, then writes each row as one line.
func (t *jsonlTable) Row(cells ...any) error {
	if t.header == nil {
		for _, c := range cells {
			t.header = append(t.header, text(c, t.loc))
		}
		return nil
	}
	t.bw.WriteByte('{')
	for i, c := range cells {
		if i > 0 {
			t.bw.WriteByte(',')
		}
		key, _ := json.Marshal(t.header[i])
		t.bw.Write(key)
		t.bw.WriteByte(':')
		var val []byte
		var err error
		switch v := c.(type) {
		case nil:
			val = []byte("null")
		case json.RawMessage:
			val = v
		case int64:
			val = strconv.AppendInt(nil, v, 10)
		case *int64:
			if v == nil {
				val = []byte("null")
			} else {
				val = strconv.AppendInt(nil, *v, 10)
			}
		case *time.Time:
			if v == nil {
				val = []byte("null")
				break
			}
			val, err = json.Marshal(text(c, t.loc))
		default:
			val, err = json.Marshal(text(c, t.loc))
		}
		if err != nil {
			return err
		}
		t.bw.Write(val)
	}
	// A write error sticks: the next row after a dead client fails.
	_, err := t.bw.WriteString("}\n")
	return err
}

func (t *jsonlTable) Close() error { return t.bw.Flush() }

// Serve streams an export already checked by the service as a download
// named name.f. Once the first bytes are out an error can no longer become
// a status: it is logged, and the file ends short.
func Serve(w http.ResponseWriter, r *http.Request, name string, loc *time.Location, f Format, writeTo func(context.Context, Table) error, logf func(ctx context.Context, msg string, args ...any)) error {
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, f))
	w.Header().Set("Cache-Control", "no-store")
	t, err := New(f, w, loc)
	if err != nil {
		return err
	}
	if err := writeTo(r.Context(), t); err != nil {
		logf(r.Context(), "export stopped", "export", name, "err", err)
		return nil
	}
	if err := t.Close(); err != nil {
		logf(r.Context(), "export stopped", "export", name, "err", err)
	}
	return nil
}
