package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/xuri/excelize/v2"
)

// numbered is a row as a source gives it, trailing empty cells dropped.
type numbered struct {
	num   int
	cells []string
}

func trimRow(cells []string) []string {
	n := len(cells)
	for n > 0 && cells[n-1] == "" {
		n--
	}
	return cells[:n]
}

// excelizeRows reads the first visible sheet the way this package did
// before it had its own reader: excelize's row iterator, with the same
// options. It is the reference the new reader must agree with on files
// that are well formed.
func excelizeRows(t testing.TB, data []byte) []numbered {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelizeOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := ""
	for _, name := range f.GetSheetList() {
		if v, _ := f.GetSheetVisible(name); v {
			sheet = name
			break
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []numbered
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			t.Fatalf("excelize, row %d: %v", n, err)
		}
		if cells = trimRow(cells); len(cells) > 0 {
			out = append(out, numbered{n, cells})
		}
	}
	return out
}

// sourceRows reads a workbook with the new reader, below the Reader (no
// header, no blank rows dropped but empty ones).
func sourceRows(t testing.TB, data []byte) []numbered {
	t.Helper()
	src, err := openXLSX(bufio.NewReader(bytes.NewReader(data)), Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	return drain(t, src)
}

func drain(t testing.TB, src source) []numbered {
	t.Helper()
	var out []numbered
	for {
		cells, num, err := src.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if cells = trimRow(cells); len(cells) > 0 {
			out = append(out, numbered{num, cells})
		}
	}
}

func sameRows(t testing.TB, got, want []numbered) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w numbered
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g.num != w.num || !slices.Equal(g.cells, w.cells) {
			t.Errorf("row %d:\n got %d %q\nwant %d %q", i, g.num, g.cells, w.num, w.cells)
		}
	}
}

// formatCodes are number formats a register may have, and some that
// only a formatting engine would get right.
var formatCodes = []string{
	"yyyy/mm/dd", `yyyy"年"m"月"d"日"`, `[$-411]ggge"年"m"月"d"日"`, "[$-ja-JP]ge.m.d",
	"m/d", "h:mm", "yyyy/m/d h:mm", "[h]:mm:ss", "mm:ss.0", "aaa", "dddd", "yyyy-mm-dd hh:mm:ss",
	"#,##0", "0.00", "0%", "0.00E+00", "#,##0;[Red]-#,##0", `"¥"#,##0`, "# ?/?", "000000",
	"@", `@"様"`, `0;-0;"ゼロ";@"です"`, `_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)`,
	"General", `0.0,,"百万"`, `[<1000]0;#,##0`, `;;;`, `"固定"`,
}

// formatsXLSX is a workbook with every built-in and the formatCodes
// applied to numbers, dates, text and booleans, made the ordinary way.
func formatsXLSX(t testing.TB, date1904 bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if date1904 {
		must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	}
	values := []any{0, 1, -1, 1234.5678, -1234.5678, 0.5, 45748, 45748.75, 1234567890123, 0.000123,
		1e20, 12345678901234567, "text", "", true, false, "_x0041_"}
	header := []any{"style"}
	for i := range values {
		header = append(header, "v"+strconv.Itoa(i))
	}
	must(f.SetSheetRow("Sheet1", "A1", &header))
	row := 2
	put := func(label string, style int) {
		must(f.SetCellValue("Sheet1", "A"+strconv.Itoa(row), label))
		for i, v := range values {
			cell, _ := excelize.CoordinatesToCellName(i+2, row)
			must(f.SetCellValue("Sheet1", cell, v))
			must(f.SetCellStyle("Sheet1", cell, cell, style))
		}
		row++
	}
	for id := 0; id <= 81; id++ {
		style, err := f.NewStyle(&excelize.Style{NumFmt: id})
		if err != nil {
			continue
		}
		put("builtin "+strconv.Itoa(id), style)
	}
	for _, code := range formatCodes {
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		must(err)
		put(code, style)
	}
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// edgeSheet is worksheet XML with what a tokenizer and the value rules
// must get right, all of it well formed (excelize gives up silently on
// XML errors, so only well-formed input can be compared).
const edgeSheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- a comment with <tags> & > - inside -->
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetPr/><x:dimension ref="A1:H9"/>
<x:sheetData>
<x:row r="1" spans="1:8"><x:c r="A1" t="inlineStr"><x:is><x:t>名称</x:t></x:is></x:c><x:c r="B1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="s"><x:v> 1 </x:v></x:c><x:c r="D1" t="inlineStr"><x:is><x:t>d</x:t></x:is></x:c></x:row>
<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t xml:space="preserve">  spaced  </x:t></x:is></x:c><x:c r="C2" t="inlineStr"><x:is><x:r><x:rPr><x:b/></x:rPr><x:t>rich</x:t></x:r><x:r><x:t xml:space="preserve"> text</x:t></x:r></x:is></x:c></x:row>
<x:row r="4"><x:c r="A4" t="b"><x:v>1</x:v></x:c><x:c r="B4" t="b"><x:v>0</x:v></x:c><x:c r="C4" t="e"><x:v>#N/A</x:v></x:c><x:c r="D4" t="str"><x:f>A1&amp;"x"</x:f><x:v>名称x</x:v></x:c><x:c r="E4" t="d"><x:v>2025-04-01T00:00:00Z</x:v></x:c><x:c r="F4" t="d" s="1"><x:v>2025-04-01T12:00:00Z</x:v></x:c></x:row>
<x:row><x:c t="n"><x:v>1.50</x:v></x:c><x:c><x:v>1E3</x:v></x:c><x:c><x:v>007</x:v></x:c><x:c><x:v>-0.25</x:v></x:c><x:c><x:v>12345678901234567</x:v></x:c><x:c s="2"><x:v>123456789012</x:v></x:c><x:c s="2"><x:v>12345678901</x:v></x:c><x:c s="1"><x:v>45748</x:v></x:c></x:row>
<x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:t>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#x3042;&#12354;</x:t></x:is></x:c><x:c r="B7" t="inlineStr"><x:is><x:t>line1&#13;&#10;line2
line3</x:t></x:is></x:c><x:c r="C7" t="inlineStr"><x:is><x:t><![CDATA[<raw> & ]]>text</x:t></x:is></x:c><x:c r="D7" t="inlineStr"><x:is><x:t>_x000D_x_x005F_x0041_ _xD800_</x:t></x:is></x:c><x:c r="E7" t="s"><x:v>2</x:v></x:c><x:c r="F7" t="s"><x:v>3</x:v></x:c><x:c r="G7" s="3" t="inlineStr"><x:is><x:t>名</x:t></x:is></x:c><x:c r="H7" s="3"/></x:row>
<x:row r="8" ht="30" customHeight="1"><x:c r="A8" s="4"><x:v>3.14159</x:v></x:c><x:c r="B8" s="5"><x:v>1234.5</x:v></x:c><x:c r="C8" s="99"><x:v>2.5</x:v></x:c><x:c r="D8" s="6"><x:v>42</x:v></x:c><x:c r="E8"><x:f>SUM(A8:B8)</x:f></x:c><x:c r="F8" t="unknown"><x:v>9</x:v></x:c><x:c r="G8" t="inlineStr"><x:v>v-only</x:v></x:c></x:row>
<x:row r="9"><x:c r="c9" t="inlineStr"><x:is><x:t>lower-case ref</x:t></x:is></x:c><x:c r="$E$9" t="inlineStr"><x:is><x:t>absolute ref</x:t></x:is></x:c></x:row>
</x:sheetData><x:mergeCells count="0"/></x:worksheet>`

const edgeSST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4"><si><t>所属</t></si><si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh><phoneticPr fontId="1"/></si><si><r><t>a</t></r><r><rPr><i/></rPr><t>b</t></r></si><si><t xml:space="preserve">
two
lines </t></si></sst>`

const edgeStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main"><numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="@&quot;様&quot;"/><numFmt numFmtId="166" formatCode="0.0" x16r2:formatCode16="0.000"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="7"><xf numFmtId="0" fontId="0"/><xf numFmtId="14"/><xf/><xf numFmtId="165"/><xf numFmtId="164"/><xf numFmtId="3"/><xf numFmtId="166"/></cellXfs></styleSheet>`

// edgeXLSX is a workbook around edgeSheet, its worksheet part not named
// sheet1.xml and listed after a hidden sheet.
func edgeXLSX(t testing.TB) []byte {
	return zipOf(t, map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="隠し" sheetId="1" state="hidden" r:id="rId1"/><sheet name="台帳" sheetId="2" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>hidden</t></is></c></row></sheetData></worksheet>`,
		"xl/worksheets/data.xml":     edgeSheet,
		"xl/sharedStrings.xml":       edgeSST,
		"xl/styles.xml":              edgeStyles,
	})
}

// TestReadXLSXAsExcelize reads workbooks with both readers: the new one
// must show every cell as excelize did.
func TestReadXLSXAsExcelize(t *testing.T) {
	t.Parallel()
	var ours bytes.Buffer
	w, _ := NewXLSXWriter(&ours, "台帳")
	writeAll(t, w, roundTrip)
	tests := []struct {
		name string
		data []byte
	}{
		{"excelize, shared strings and styles", smallXLSX(t)},
		{"Excel-style shared strings", sstXLSX(t, 50)},
		{"our writer", ours.Bytes()},
		{"number formats", formatsXLSX(t, false)},
		{"number formats, 1904 dates", formatsXLSX(t, true)},
		{"edge cases", edgeXLSX(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := excelizeRows(t, tt.data)
			if len(want) == 0 {
				t.Fatal("excelize read nothing")
			}
			sameRows(t, sourceRows(t, tt.data), want)
		})
	}
}

// TestReadXLSXCells pins what the cells of edgeSheet read as, so that the
// rules do not rest on excelize alone.
func TestReadXLSXCells(t *testing.T) {
	t.Parallel()
	want := []numbered{
		// A leading space in a shared-string index is allowed.
		{1, []string{"名称", "所属", "漢字", "d"}},
		// A cell missing between two (A2, C2) is empty; rich text runs
		// are joined.
		{2, []string{"  spaced  ", "", "rich text"}},
		// Row 3 is missing: numbers follow the r attributes. t="d" is an
		// ISO 8601 date (a serial number unless formatted).
		{4, []string{"TRUE", "FALSE", "#N/A", "名称x", "45748", "2025/4/1"}},
		// A row without r follows the last; numbers canonical, in a
		// General style up to 11 digits.
		{5, []string{"1.5", "1000", "7", "-0.25", "1.23456789012346E+16", "1.23456789E+11", "12345678901", "2025/4/1"}},
		// Entities, character references (CR kept, raw line ends
		// normalised), CDATA, _xHHHH_ escapes, phonetic readings left
		// out, a text format, an empty cell in a text format.
		{7, []string{`<a> & "b" 'c' ああ`, "line1\r\nline2\nline3", "<raw> & text", "\rx_x0041_ ", "ab", "\ntwo\nlines ", "名様", "様"}},
		// A custom date format, a built-in number format, a style that
		// does not exist, formatCode16 over formatCode, a formula without
		// a cached value, an unknown type, an inline string without is.
		{8, []string{"1900年1月3日", "1,235", "2.5", "42.000", "", "9", "v-only"}},
		// References in lower case and with $.
		{9, []string{"", "", "lower-case ref", "", "absolute ref"}},
	}
	sameRows(t, sourceRows(t, edgeXLSX(t)), want)
}

// sheetOf reads worksheet XML (no workbook around it) through the sheet
// reader with src wrapped by wrap, for the tokenizer's buffer edges.
func sheetOf(t testing.TB, sheet string, sst []string, wrap func(io.Reader) io.Reader) ([]numbered, error) {
	t.Helper()
	x, err := newXMLScanner(wrap(strings.NewReader(sheet)))
	if err != nil {
		return nil, err
	}
	s := &xlsxSource{book: &xlsxBook{sheetPart: "sheet.xml"}, x: x, sst: sst, limit: defaultMaxCellBytes, rich: newRichText(defaultMaxCellBytes)}
	for {
		tok, err := x.next()
		if err != nil {
			return nil, err
		}
		if tok == xmlEOF {
			return nil, nil
		}
		if tok == xmlStart && string(x.name) == "sheetData" {
			break
		}
	}
	var out []numbered
	for {
		cells, num, err := s.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if cells = trimRow(cells); len(cells) > 0 {
			out = append(out, numbered{num, cells})
		}
	}
}

// TestXMLScannerReadSizes reads the same XML with reads of every size
// down to one byte: entities, CR LF, CDATA, comments and tags cut between
// two reads must read the same.
func TestXMLScannerReadSizes(t *testing.T) {
	t.Parallel()
	sst := []string{"所属", "漢字", "ab", "\ntwo\nlines "}
	sheet := edgeSheet + "<!-- trailing -->"
	want, err := sheetOf(t, sheet, sst, func(r io.Reader) io.Reader { return r })
	if err != nil {
		t.Fatal(err)
	}
	wraps := map[string]func(io.Reader) io.Reader{
		"one byte":   iotest.OneByteReader,
		"half":       iotest.HalfReader,
		"data + EOF": iotest.DataErrReader,
		"7 bytes":    func(r io.Reader) io.Reader { return &chunkReader{r: r, n: 7} },
		"13 bytes":   func(r io.Reader) io.Reader { return &chunkReader{r: r, n: 13} },
	}
	for name, wrap := range wraps {
		got, err := sheetOf(t, sheet, sst, wrap)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
}

type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

func TestXMLScannerMarkup(t *testing.T) {
	t.Parallel()
	wrap := func(r io.Reader) io.Reader { return r }
	tests := []struct {
		name  string
		sheet string
		want  string // fmt of the rows, or "error"
	}{
		{"> and quotes in attribute values",
			`<worksheet><sheetData><row r='2' x="a>b" y='c"d>'><c r="B2" t='inlineStr' z=">"><is><t>v</t></is></c></row></sheetData></worksheet>`,
			`[{2 [ v]}]`},
		{"DOCTYPE with an internal subset, processing instructions, comments",
			`<?xml version="1.0"?><!DOCTYPE worksheet [<!ELEMENT worksheet ANY><!-- ]> -->]><?pi x > y?><worksheet><!-- <row r="1"> --><sheetData><row><c t="inlineStr"><is><t>a<!-- x -->b<?p?>c</t></is></c></row></sheetData></worksheet>`,
			`[{1 [abc]}]`},
		{"a byte order mark and spaces in tags",
			"\uFEFF<worksheet ><sheetData\n><row\tr = \"3\" ><c t=\"inlineStr\" ><is ><t >x</t ></is ></c ></row ></sheetData ></worksheet >",
			`[{3 [x]}]`},
		{"text in nested elements of a value is skipped",
			`<worksheet><sheetData><row><c><v>1<x>2</x>3</v></c></row></sheetData></worksheet>`,
			`[{1 [13]}]`},
		{"declared Shift_JIS",
			"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><worksheet><sheetData><row><c t=\"inlineStr\"><is><t>\x8a\xbf\x8e\x9a</t></is></c></row></sheetData></worksheet>",
			`[{1 [漢字]}]`},
		{"no sheetData", `<worksheet/>`, `[]`},
		{"rows out of order keep increasing", `<worksheet><sheetData><row r="5"><c><v>1</v></c></row><row r="3"><c><v>2</v></c></row><row><c><v>3</v></c></row></sheetData></worksheet>`,
			`[{5 [1]} {6 [2]} {7 [3]}]`},
		{"unknown entity", `<worksheet><sheetData><row><c t="inlineStr"><is><t>&nbsp;</t></is></c></row></sheetData></worksheet>`, "error"},
		{"character reference to a control character", `<worksheet><sheetData><row><c t="inlineStr"><is><t>&#1;</t></is></c></row></sheetData></worksheet>`, "error"},
		{"unclosed", `<worksheet><sheetData><row><c t="inlineStr"><is><t>x`, "error"},
		{"bad cell reference", `<worksheet><sheetData><row><c r="1A"><v>1</v></c></row></sheetData></worksheet>`, "error"},
		{"column past XFD", `<worksheet><sheetData><row><c r="XFE1"><v>1</v></c></row></sheetData></worksheet>`, "error"},
		{"row past the last", `<worksheet><sheetData><row r="1048577"/></sheetData></worksheet>`, "error"},
		{"shared string that does not exist", `<worksheet><sheetData><row><c t="s"><v>4</v></c></row></sheetData></worksheet>`, "error"},
		{"style that is no number", `<worksheet><sheetData><row><c s="x"><v>1</v></c></row></sheetData></worksheet>`, "error"},
		{"attribute without a value", `<worksheet><sheetData><row r><c><v>1</v></c></row></sheetData></worksheet>`, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := sheetOf(t, tt.sheet, []string{"a", "b"}, wrap)
			if tt.want == "error" {
				if err == nil {
					t.Errorf("no error, read %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got); s != tt.want && !(tt.want == "[]" && got == nil) {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}

// TestXLSXRowErrors checks that a broken worksheet is reported with the
// row it breaks in, not read as if it ended there.
func TestXLSXRowErrors(t *testing.T) {
	t.Parallel()
	sheet := func(rows string) []byte {
		return workbookOf(t, []byte(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>名称</t></is></c></row>`+rows), nil)
	}
	tests := []struct {
		name string
		data []byte
		row  int
	}{
		{"cut off inside a row", sheet(`<row r="2"><c t="inlineStr"><is><t>a</t></is></c></row><row r="3"><c t="inlineStr"><is><t>b`), 3},
		{"cut off between rows", sheet(`<row r="2"><c t="inlineStr"><is><t>a</t></is></c></row>`), 3},
		{"a bad entity", sheet(`<row r="2"><c t="inlineStr"><is><t>a</t></is></c></row><row r="7"><c t="inlineStr"><is><t>&bad;</t></is></c></row></sheetData></worksheet>`), 7},
		{"a bad shared string", sheet(`<row r="2"><c t="s"><v>x</v></c></row></sheetData></worksheet>`), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(bytes.NewReader(tt.data), "a.xlsx", int64(len(tt.data)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for err == nil {
				_, err = r.Next()
			}
			checkError(t, err, KeyMalformedXLSX, tt.row, 0, nil)
		})
	}
}

// TestXLSXLongCells checks that a value far longer than MaxCellBytes is
// not held whole, yet still reported as too long, and a blank one still
// taken as blank.
func TestXLSXLongCells(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("あ", 200_000)
	blank := strings.Repeat(" ", 600_000)
	escaped := strings.Repeat("_x0041_", 100_000) // 100,000 A once unescaped
	rows := `<row r="2"><c t="inlineStr"><is><t>` + long + `</t></is></c></row>` +
		`<row r="3"><c t="inlineStr"><is><t>` + blank + `x</t></is></c></row>` +
		`<row r="4"><c t="inlineStr"><is><t>` + blank + `</t></is></c></row>` +
		`<row r="5"><c t="inlineStr"><is><t>` + escaped + `</t></is></c></row>` +
		`<row r="6"><c t="s"><v>0</v></c></row>` +
		`<row r="7"><c><v>` + strings.Repeat("1", 100_000) + `</v></c></row>` +
		`<row r="8"><c t="inlineStr"><is><t>` + blank + `</t></is></c><c t="inlineStr"><is><t>ok</t></is></c></row>`
	data := workbookOf(t, []byte(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>`+rows+`</sheetData></worksheet>`),
		[]byte(`<sst><si><t>`+long+`</t></si></sst>`))
	r, err := Open(bytes.NewReader(data), "a.xlsx", int64(len(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Row 4, one long blank cell, is a blank row; in row 8 the long
	// blank cell is not at the end, so it is too long.
	for _, row := range []int{2, 3, 5, 6, 7, 8} {
		_, err := r.Next()
		checkError(t, err, KeyCellTooLong, row, 1, nil)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last row: %v", err)
	}
}

func TestBstrUnmarshal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":                "plain",
		"_x000D_":              "\r",
		"a_x0041_b":            "aAb",
		"_x005F_x0041_":        "_x0041_",
		"_x005f_":              "_",
		"_xD800_x":             "x",
		"_x00_":                "_x00_",
		"__x0041_":             "_A",
		"_x0041":               "_x0041",
		"_x_x0042_":            "_xB",
		"_x3042__x3044_":       "あい",
		"_x005F_x005F_x0041__": "_x005FA_",
	} {
		if got := string(bstrUnmarshal([]byte(in))); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestCellColumn(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string]int{
		"A1": 1, "Z9": 26, "AA10": 27, "XFD1048576": 16384, "b2": 2, "$C$3": 3, "a$A1": 27,
		"A+1": 1, "A": -1, "1A": -1, "XFE1": -1, "A0": -1, "A1048577": -1, "A-1": -1, "": -1, "A1B": -1,
	} {
		got, err := cellColumn([]byte(ref))
		if err != nil {
			got = -1
		}
		if got != want {
			t.Errorf("%q: %d (%v), want %d", ref, got, err, want)
		}
		// The same as excelize.
		if col, _, err := excelize.CellNameToCoordinates(ref); (err == nil) != (want > 0) || err == nil && col != want {
			t.Errorf("%q: excelize says %d, %v", ref, col, err)
		}
	}
}

// BenchmarkReadSheetXML reads worksheet XML already unpacked: the
// tokenizer and the cell rules without the zip's inflating.
func BenchmarkReadSheetXML(b *testing.B) {
	var buf bytes.Buffer
	w, _ := NewXLSXWriter(&buf, "")
	_ = w.WriteRow(bigHeader)
	const n = 20_000
	for i := 1; i <= n; i++ {
		_ = w.WriteRow(bigRow(i))
	}
	_ = w.Close()
	sheet := string(partOf(b, buf.Bytes(), "xl/worksheets/sheet1.xml"))
	b.SetBytes(int64(len(sheet)))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := sheetOf(b, sheet, nil, func(r io.Reader) io.Reader { return r })
		if err != nil || len(rows) != n+1 {
			b.Fatal(len(rows), err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
}

// stylesOf loads styles.xml on its own.
func stylesOf(t testing.TB, stylesXML string) *xlsxStyles {
	t.Helper()
	data := zipOf(t, map[string]string{"xl/styles.xml": stylesXML})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	book := &xlsxBook{zr: zr, stylesPart: "xl/styles.xml"}
	book.index()
	st, err := loadStyles(book)
	if err != nil || st == nil {
		t.Fatal(st, err)
	}
	return st
}

// TestFixedNumberAsExcelize compares the four number formats rendered
// here with excelize's rendering of them, for numbers of every size,
// halves (where rounding differs between ways of rounding) included.
func TestFixedNumberAsExcelize(t *testing.T) {
	t.Parallel()
	st := stylesOf(t, `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="164" formatCode="#,##0"/><numFmt numFmtId="165" formatCode="0.00"/></numFmts><cellXfs><xf/><xf numFmtId="1"/><xf numFmtId="2"/><xf numFmtId="3"/><xf numFmtId="4"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>`)
	defer st.close()
	for s := 1; s <= 6; s++ {
		if st.xfs[s].num != numFixed {
			t.Fatalf("style %d is not rendered here", s)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var values []string
	for _, v := range []float64{0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 0.005, 0.015, 1.005, 1.125, 999.995, 999999.5, -0.4, -0.004,
		1234.5678, 99999999999999, 1e13 + 0.5, 123456789012.345, 0.1 + 0.2, 1e-10, -1e-10, 45748.75} {
		values = append(values, strconv.FormatFloat(v, 'f', -1, 64))
	}
	for range 3000 {
		mag := math.Pow(10, float64(rng.IntN(18)-4))
		v := (rng.Float64() - 0.3) * mag
		if rng.IntN(4) == 0 {
			v = math.Round(v*200) / 200 // halves of cents
		}
		values = append(values, strconv.FormatFloat(v, 'f', -1, 64))
	}
	for _, v := range values {
		canon, ok := appendNumber(nil, []byte(v))
		if !ok {
			t.Fatalf("%q is no number", v)
		}
		for s := 1; s <= 6; s++ {
			want, ok := st.format(s, string(canon))
			if !ok {
				t.Fatalf("excelize cannot format %q", canon)
			}
			if got := st.number(s, string(canon)); got != want {
				t.Errorf("%q in %d: %q, excelize %q", canon, s, got, want)
			}
		}
	}
}

// TestXLSXBrokenStyles: a workbook whose styles do not parse reads with
// its values as written (excelize refused it whole).
func TestXLSXBrokenStyles(t *testing.T) {
	t.Parallel()
	sheet := []byte(`<worksheet><sheetData><row><c t="inlineStr"><is><t>日付</t></is></c></row><row><c s="1"><v>45748</v></c></row></sheetData></worksheet>`)
	for _, styles := range []string{"not xml <", `<styleSheet><cellXfs><xf/><xf numFmtId="x"/></cellXfs></styleSheet>`} {
		got, err := readAll(t, workbookWith(t, sheet, nil, []byte(styles)), "", Options{})
		if err != nil || len(got.rows) != 1 || got.rows[0].Cells[0] != "45748" {
			t.Errorf("%s: %v, %v", styles, got.rows, err)
		}
	}
}
