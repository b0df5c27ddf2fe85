package metrics_test

import (
	"archive/zip"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/ferry-social/ferry/internal/metrics"
)

const exportCSV = "笔记标题,发布时间,观看量,点赞,评论,收藏,分享,涨粉\n" +
	"中秋快樂,2026-09-25 20:00,1.2万,\"1,234\",35,3.4w,10万+,12\n"

func TestReadTable_ReadsCSVInTheEncodingsExcelWrites(t *testing.T) {
	t.Parallel()
	want := [][]string{
		{"笔记标题", "发布时间", "观看量", "点赞", "评论", "收藏", "分享", "涨粉"},
		{"中秋快樂", "2026-09-25 20:00", "1.2万", "1,234", "35", "3.4w", "10万+", "12"},
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(exportCSV)
	require.NoError(t, err)
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(exportCSV)
	require.NoError(t, err)
	tabbed := "笔记标题\t发布时间\t观看量\t点赞\t评论\t收藏\t分享\t涨粉\n中秋快樂\t2026-09-25 20:00\t1.2万\t1,234\t35\t3.4w\t10万+\t12\n"
	for name, data := range map[string]string{
		"UTF8":         exportCSV,
		"UTF8WithBOM":  "\ufeff" + exportCSV,
		"GB18030":      gb,
		"UTF16WithBOM": utf16,
		"TabSeparated": tabbed,
		"CRLF":         "笔记标题,发布时间,观看量,点赞,评论,收藏,分享,涨粉\r\n中秋快樂,2026-09-25 20:00,1.2万,\"1,234\",35,3.4w,10万+,12\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := metrics.ReadTable([]byte(data))
			require.NoError(t, err)
			require.Equal(t, want, rows)
		})
	}
}

func TestReadTable_RefusesWhatIsNotATable(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
	_, err := metrics.ReadTable(png)
	require.ErrorIs(t, err, metrics.ErrNotTable)
	_, err = metrics.ReadTable([]byte("PK\x03\x04 not really a zip"))
	require.ErrorIs(t, err, metrics.ErrNotTable)
	// A zip that is not a workbook.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("hello.txt")
	_, _ = w.Write([]byte("hi"))
	require.NoError(t, zw.Close())
	_, err = metrics.ReadTable(buf.Bytes())
	require.ErrorIs(t, err, metrics.ErrNotTable)
	// A workbook whose sheet is broken.
	_, err = metrics.ReadTable(workbook(t, map[string]string{"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row r="A"><c r="1A" t="s"><v>7</v></c></row></sheetData></worksheet>`}))
	require.ErrorContains(t, err, "XLSX")
	// A part that unpacks past the bound is refused before it is read.
	_, err = metrics.ReadTable(workbook(t, map[string]string{"xl/worksheets/sheet2.xml": strings.Repeat(" ", 65<<20)}))
	require.ErrorContains(t, err, "larger than")
}

// TestReadTable_ReadsAnXLSXWrittenByAnotherProgram reads a fixture written
// by openpyxl 3.0.9 (inline strings, a merged title row, date cells with a
// date format, a blank row).
func TestReadTable_ReadsAnXLSXWrittenByAnotherProgram(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/xhs_export.xlsx")
	require.NoError(t, err)
	rows, err := metrics.ReadTable(data)
	require.NoError(t, err)
	require.Len(t, rows, 6)
	require.Equal(t, "笔记数据 2026-09-01 至 2026-09-30", rows[0][0])
	require.Equal(t, []string{"笔记标题", "首次发布时间", "体裁", "观看量", "点赞", "评论", "收藏", "涨粉", "分享", "笔记链接"}, rows[1])
	require.Equal(t, "中秋快樂 月餅分享", rows[2][0])
	require.Equal(t, "12000", rows[2][3])
	require.Equal(t, "1.2万", rows[2][4])
	require.Empty(t, rows[4])
	ts, _, err := metrics.ParseExportTime(rows[2][1])
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 9, 25, 20, 0, 0, 0, metrics.China).Unix(), ts.Unix())
}

// TestReadTable_ReadsSharedStringsAndSparseCells reads a workbook as Excel
// writes it: shared strings (one in rich-text runs with a phonetic guide),
// cells left out, a row left out, booleans, a formula's cached value.
func TestReadTable_ReadsSharedStringsAndSparseCells(t *testing.T) {
	t.Parallel()
	data := workbook(t, map[string]string{
		"xl/sharedStrings.xml": `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">` +
			`<si><t>笔记标题</t></si><si><t xml:space="preserve">点赞 </t></si>` +
			`<si><r><rPr><b/></rPr><t>中秋</t></r><r><t>快樂</t></r><rPh sb="0" eb="1"><t>ちゅうしゅう</t></rPh></si></sst>`,
		"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>` +
			`<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="b"><v>1</v></c><c r="C3"><f>SUM(1,2)</f><v>3</v></c><c r="D3" t="e"><v>#N/A</v></c></row>` +
			`</sheetData></worksheet>`,
	})
	rows, err := metrics.ReadTable(data)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"笔记标题", "", "点赞 "}, nil, {"中秋快樂", "TRUE", "3", ""}}, rows)
}

// workbook writes a minimal XLSX whose parts default to one empty sheet.
func workbook(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	all := map[string]string{
		"_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"xl/workbook.xml": `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`,
	}
	for k, v := range parts {
		all[k] = v
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range all {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
