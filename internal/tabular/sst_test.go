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
	// 1,000 rows keep the shared-string table under xlsxInMemory, so
	// excelize parses it in memory; 5,000 put it over, so it goes through
	// a temporary file and excelize's index.
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

// sstOnly is a zip whose shared-string table has n entries; the check
// runs before excelize sees the rest, so nothing else is needed.
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

func TestCountSharedStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		si    string
		n     int
		limit int
		want  int
	}{
		{"<si><t>x</t></si>", 100_000, 1 << 30, 100_000},
		{`<x:si><x:t xml:space="preserve"> y </x:t></x:si>`, 70_000, 1 << 30, 70_000},
		{"<si/>", 80_000, 1 << 30, 80_000},
		{"<si>\n<r><t>a</t></r><r><t>b</t></r></si><sitting/>", 50_000, 1 << 30, 50_000},
		{"<si><t>x</t></si>", 100_000, 10, 11},
	}
	for _, tt := range tests {
		data := sstOnly(t, tt.n, tt.si)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := countSharedStrings(zr.File[0], tt.limit)
		if err != nil || got != tt.want {
			t.Errorf("%q × %d: %d, %v; want %d", tt.si, tt.n, got, err, tt.want)
		}
	}
}

func BenchmarkReadXLSX100kSharedStrings(b *testing.B) {
	benchRead(b, sstXLSX(b, bigRows))
}
