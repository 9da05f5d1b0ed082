package tabular

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// sstXLSX writes, without excelize, a workbook stored the way Excel stores
// one: every text in the shared-string table, cells referring to it by
// index. It has the large test table's header and n of its rows.
func sstXLSX(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台帳" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	var strs []string
	for r := 0; r <= n; r++ {
		cells := bigHeader
		if r > 0 {
			cells = bigRow(r)
		}
		fmt.Fprintf(w, `<row r="%d">`, r+1)
		for c, v := range cells {
			fmt.Fprintf(w, `<c r="%s%d" t="s"><v>%d</v></c>`, ColumnName(c), r+1, len(strs))
			strs = append(strs, v)
		}
		io.WriteString(w, `</row>`)
	}
	io.WriteString(w, `</sheetData></worksheet>`)
	w, _ = zw.Create("xl/sharedStrings.xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(strs), len(strs))
	for _, s := range strs {
		io.WriteString(w, `<si><t>`)
		xmlEscape(w, s)
		io.WriteString(w, `</t></si>`)
	}
	io.WriteString(w, `</sst>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xmlEscape(w io.Writer, s string) {
	for _, r := range s {
		switch r {
		case '<':
			io.WriteString(w, "&lt;")
		case '>':
			io.WriteString(w, "&gt;")
		case '&':
			io.WriteString(w, "&amp;")
		case '"':
			io.WriteString(w, "&quot;")
		default:
			io.WriteString(w, string(r))
		}
	}
}

func TestReadXLSXSharedStrings(t *testing.T) {
	t.Parallel()
	// 1,000 rows keep the shared-string table under xlsxInMemory; 5,000
	// put it over, which excelize read through a temporary file.
	for _, n := range []int{1000, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			got, err := readAll(t, sstXLSX(t, n), "", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.header, bigHeader) || len(got.rows) != n {
				t.Fatalf("header %q, %d rows", got.header, len(got.rows))
			}
			for i, row := range got.rows {
				if want := bigRow(i + 1); row.Number != i+2 || !slices.Equal(row.Cells, want) {
					t.Fatalf("row %d: %q, want %q", row.Number, row.Cells, want)
				}
			}
		})
	}
}

// sstOnly is a zip whose shared-string table has n entries; the table is
// read (and its limits checked) before the rest, so nothing else is
// needed.
func sstOnly(t testing.TB, n int, si string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/sharedStrings.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	chunk := strings.Repeat(si, 1000)
	for i := 0; i < n; i += 1000 {
		io.WriteString(w, chunk[:len(si)*min(1000, n-i)])
	}
	io.WriteString(w, `</sst>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTooManySharedStrings(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large file")
	}
	data := sstOnly(t, xlsxMaxSharedStrings+1, "<si><t>x</t></si>")
	_, err := readAll(t, data, "", Options{})
	checkError(t, err, KeyTooManyStrings, 0, 0, []any{xlsxMaxSharedStrings})
}

func TestLoadSharedStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		si   string
		n    int
		want string
	}{
		{"<si><t>x</t></si>", 100_000, "x"},
		{`<x:si><x:t xml:space="preserve"> y </x:t></x:si>`, 70_000, " y "},
		{"<si/>", 80_000, ""},
		{"<si>\n<r><t>a</t></r><r><t>b</t></r></si><sitting/>", 50_000, "ab"},
		{`<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>`, 1000, "漢字"},
	}
	for _, tt := range tests {
		data := sstOnly(t, tt.n, tt.si)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		book := &xlsxBook{zr: zr, sstPart: "xl/sharedStrings.xml"}
		book.index()
		got, err := loadSharedStrings(book, defaultMaxCellBytes, sstLimits{1 << 30, 1 << 30})
		if err != nil || len(got) != tt.n {
			t.Errorf("%q × %d: %d, %v", tt.si, tt.n, len(got), err)
			continue
		}
		for i, s := range got {
			if s != tt.want {
				t.Errorf("%q: entry %d is %q, want %q", tt.si, i, s, tt.want)
				break
			}
		}
	}
}

func BenchmarkReadXLSX100kSharedStrings(b *testing.B) {
	benchRead(b, sstXLSX(b, bigRows))
}

// styledXLSX is sstXLSX as Excel stores a register with dates and
// amounts: the date column (取得日) is a serial number in the built-in
// short date format, the quantity (数量) a number, and a ninth column an
// amount in #,##0, every one different.
func styledXLSX(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台帳" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)
	put("xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	var strs []string
	for r := 0; r <= n; r++ {
		cells := append(bigHeader, "金額")
		if r > 0 {
			cells = append(bigRow(r), strconv.Itoa(r*1234+56))
		}
		fmt.Fprintf(w, `<row r="%d">`, r+1)
		for c, v := range cells {
			ref := ColumnName(c) + strconv.Itoa(r+1)
			switch {
			case r > 0 && c == 4: // 2025/4/d as its serial number
				day, _ := strconv.Atoi(strings.TrimPrefix(v, "2025/4/"))
				fmt.Fprintf(w, `<c r="%s" s="1"><v>%d</v></c>`, ref, 45747+day)
			case r > 0 && c == 5:
				fmt.Fprintf(w, `<c r="%s"><v>%s</v></c>`, ref, v)
			case r > 0 && c == 8:
				fmt.Fprintf(w, `<c r="%s" s="2"><v>%s</v></c>`, ref, v)
			default:
				fmt.Fprintf(w, `<c r="%s" t="s"><v>%d</v></c>`, ref, len(strs))
				strs = append(strs, v)
			}
		}
		io.WriteString(w, `</row>`)
	}
	io.WriteString(w, `</sheetData></worksheet>`)
	w, _ = zw.Create("xl/sharedStrings.xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(strs), len(strs))
	for _, s := range strs {
		io.WriteString(w, `<si><t>`)
		xmlEscape(w, s)
		io.WriteString(w, `</t></si>`)
	}
	io.WriteString(w, `</sst>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSXStyled(t *testing.T) {
	t.Parallel()
	data := styledXLSX(t, 300)
	got, err := readAll(t, data, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range got.rows {
		want := append(bigRow(i+1), strconv.FormatFloat(float64((i+1)*1234+56), 'f', 0, 64))
		if n := (i+1)*1234 + 56; n >= 1000 {
			want[8] = fmt.Sprintf("%d,%03d", n/1000, n%1000)
		}
		if row.Number != i+2 || !slices.Equal(row.Cells, want) {
			t.Fatalf("row %d: %q, want %q", row.Number, row.Cells, want)
		}
	}
	sameRows(t, sourceRows(t, data), excelizeRows(t, data))
}

func BenchmarkReadXLSX100kStyled(b *testing.B) {
	benchRead(b, styledXLSX(b, bigRows))
}

func TestSharedStringLimits(t *testing.T) {
	t.Parallel()
	load := func(data []byte, limit int, lim sstLimits) ([]string, error) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		book := &xlsxBook{zr: zr, sstPart: "xl/sharedStrings.xml"}
		book.index()
		return loadSharedStrings(book, limit, lim)
	}
	data := sstOnly(t, 100, "<si><t>xxxxxxxxxx</t></si>")
	if got, err := load(data, 1<<10, sstLimits{100, 1000}); err != nil || len(got) != 100 {
		t.Errorf("at the limits: %d, %v", len(got), err)
	}
	_, err := load(data, 1<<10, sstLimits{99, 1 << 30})
	checkError(t, err, KeyTooManyStrings, 0, 0, []any{99})
	_, err = load(data, 1<<10, sstLimits{1 << 30, 999})
	checkError(t, err, KeyTooLargeUnzip, 0, 0, []any{"999 bytes"})
	// An entry longer than a cell may be is kept only up to a little
	// past that, enough to be reported as too long.
	got, err := load(sstOnly(t, 3, "<si><t>"+strings.Repeat("あ", 100)+"</t></si>"), 16, sstLimits{1 << 30, 1 << 30})
	if err != nil || len(got) != 3 || len(got[0]) <= 16 || len(got[0]) > 20 || !utf8.ValidString(got[0]) {
		t.Errorf("long entry: %q, %v", got, err)
	}
}
