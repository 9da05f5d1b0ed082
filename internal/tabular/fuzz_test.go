package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"unicode/utf8"
)

// fuzzOpts keeps each fuzz input cheap while still reaching every limit.
var fuzzOpts = Options{MaxBytes: 1 << 20, MaxRows: 500, MaxCells: 40, MaxCellBytes: 512, UnescapeFormula: true}

// fuzzRead reads data to the end and checks what must always hold: no
// panic, every error an *Error, rows as wide as the header, text valid.
func fuzzRead(t *testing.T, data []byte, name string) {
	r, err := Open(bytes.NewReader(data), name, int64(len(data)), fuzzOpts)
	if err != nil {
		mustBeDataError(t, err)
		return
	}
	defer r.Close()
	header := r.Header()
	if len(header) == 0 {
		t.Fatal("no header and no error")
	}
	for i, h := range header {
		if h == "" || !utf8.ValidString(h) {
			t.Fatalf("header cell %d is %q", i, h)
		}
	}
	last := 0
	for range fuzzOpts.MaxRows + 10 {
		row, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			e := mustBeDataError(t, err)
			if !e.Recoverable() {
				if _, again := r.Next(); again != err {
					t.Fatalf("error not sticky: %v, then %v", err, again)
				}
				return
			}
			continue
		}
		if len(row.Cells) != len(header) {
			t.Fatalf("row %d has %d cells, header %d", row.Number, len(row.Cells), len(header))
		}
		if row.Number <= last {
			t.Fatalf("row %d after row %d", row.Number, last)
		}
		last = row.Number
		for _, c := range row.Cells {
			if !utf8.ValidString(c) || len(c) > fuzzOpts.MaxCellBytes {
				t.Fatalf("row %d: cell %q", row.Number, c)
			}
		}
	}
	t.Fatalf("more than MaxRows rows")
}

func mustBeDataError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Key == "" {
		t.Fatalf("error without a key: %v", e)
	}
	checkText(t, e)
	return e
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range csvSeeds(f) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, "upload.csv")
	})
}

// FuzzReadXLSX reads its input as a workbook when it is a zip ("PK"). Byte
// mutations of a zip mostly stop at the zip layer, so any other input is
// taken as the XML of a worksheet and, after a NUL byte, of a shared-string
// table and, after another, of the styles, and put in a valid workbook:
// that reaches the XML tokenizer, the row and cell rules, and the number
// formats.
func FuzzReadXLSX(f *testing.F) {
	for _, s := range xlsxSeeds(f) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("PK")) {
			sheet, rest, _ := bytes.Cut(data, []byte{0})
			sst, styles, _ := bytes.Cut(rest, []byte{0})
			data = workbookWith(t, sheet, sst, styles)
		}
		fuzzRead(t, data, "upload.xlsx")
	})
}

// workbookOf puts a worksheet's XML, and a shared-string table's if not
// empty, in a minimal workbook.
func workbookOf(t testing.TB, sheet, sst []byte) []byte {
	return workbookWith(t, sheet, sst, nil)
}

// workbookWith is workbookOf with styles too, if not empty.
func workbookWith(t testing.TB, sheet, sst, styles []byte) []byte {
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台帳" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": string(sheet),
	}
	if len(sst) > 0 {
		files["xl/sharedStrings.xml"] = string(sst)
	}
	if len(styles) > 0 {
		files["xl/styles.xml"] = string(styles)
	}
	return zipOf(t, files)
}

// partOf returns a part of a zip, for seeds.
func partOf(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

type seed struct {
	name string
	data []byte
}

func csvSeeds(t testing.TB) []seed {
	var buf bytes.Buffer
	w, _ := NewCSVWriter(&buf, ShiftJIS)
	for _, r := range roundTrip {
		_ = w.WriteRow(r)
	}
	_ = w.Close()
	return []seed{
		{"utf8", []byte("名称,所属,備考\n情報端末,総務課,①②\n")},
		{"utf8-bom-crlf", []byte("\uFEFF名称,所属\r\n端末,情報政策課\r\n")},
		{"sjis", sjis(t, "名称,所属,備考\r\n情報端末,総務課,①②髙﨑\r\nｻｰﾊﾞ,情報政策課,\r\n")},
		{"sjis-export", buf.Bytes()},
		{"quoted", []byte("a,b\r\n\"x\r\ny\",\"say \"\"hi\"\"\"\r\n'=1,2\r\n")},
		{"ragged", []byte("\n\na,b,c,,\n1\n1,2,3,4\n,,\n")},
		{"bare-quote", []byte("a,b\nx\"y,1\n")},
		{"unclosed", []byte("a,b\n\"x,1\n2,3\n")},
		{"mixed", cat([]byte("名称,所属\n端末,総務課\n"), sjis(t, "端末,総務課"), []byte("\n"))},
		{"gaiji", cat(sjis(t, "名称\r\n"), []byte{0xF0, 0x40, '\r', '\n'})},
		{"utf16", []byte("\xFF\xFEa\x00,\x00b\x00")},
		{"empty", nil},
	}
}

func xlsxSeeds(t testing.TB) []seed {
	small := smallXLSX(t)
	sst := sstXLSX(t, 3)
	var buf bytes.Buffer
	w, _ := NewXLSXWriter(&buf, "台帳")
	for _, r := range roundTrip {
		_ = w.WriteRow(r)
	}
	_ = w.Close()
	ours := buf.Bytes()
	corrupt := func(b []byte, from, to int) []byte {
		b = bytes.Clone(b)
		for i := from; i < to && i < len(b); i++ {
			b[i] ^= 0xA5
		}
		return b
	}
	return []seed{
		{"excelize", small},
		{"ours", ours},
		{"shared-strings", sst},
		{"truncated-half", small[:len(small)/2]},
		{"truncated-end", small[:len(small)-10]},
		{"truncated-head", small[:30]},
		{"corrupt-data", corrupt(small, len(small)/3, len(small)/3+64)},
		{"corrupt-directory", corrupt(ours, len(ours)-200, len(ours)-150)},
		{"not-a-workbook", zipOf(t, map[string]string{"a.txt": "hello"})},
		{"magic-only", []byte("PK\x03\x04")},
		// Worksheet XML (and shared strings after a NUL) for the
		// wrapping mode.
		{"xml-ours", partOf(t, ours, "xl/worksheets/sheet1.xml")},
		{"xml-excelize", cat(partOf(t, small, "xl/worksheets/sheet1.xml"), []byte{0}, partOf(t, small, "xl/sharedStrings.xml"))},
		{"xml-shared", cat(partOf(t, sst, "xl/worksheets/sheet1.xml"), []byte{0}, partOf(t, sst, "xl/sharedStrings.xml"))},
		{"xml-odd", []byte(`<worksheet><sheetData><row r="3"><c r="B3" t="inlineStr"><is><t>x</t></is></c><c r="A3" t="s"><v>7</v></c></row><row r="2"><c r="XFD2" t="b"><v>1</v></c><c t="d"><v>2025-04-01</v></c><c s="9"><v>45000</v></c></row><row r="1048577"/></sheetData></worksheet>`)},
		// The tokenizer's edge cases: sheet, shared strings and styles
		// of a workbook with every kind of cell and markup.
		{"xml-edge", cat([]byte(edgeSheet), []byte{0}, []byte(edgeSST), []byte{0}, []byte(edgeStyles))},
		{"xml-markup", []byte("\uFEFF<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY e \"]>\">]><?pi > ?><w:worksheet xmlns:w=\"x\"><!-- <row> --><w:sheetData><w:row r='1' a=\"x>y\"><w:c t=\"inlineStr\"><w:is><w:t>a<!--c-->b<![CDATA[<c>]]>&amp;&#x41;&#66;\r\n</w:t></w:is></w:c></w:row ><w:row/><w:row r=\"9\"><w:c r=\"$b$9\" t=\"s\"><w:v> 0 </w:v></w:c></w:row></w:sheetData></w:worksheet>\x00<sst><si><t>s</t><rPh><t>r</t></rPh></si></sst>")},
		{"xml-shift-jis", []byte("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><worksheet><sheetData><row><c t=\"inlineStr\"><is><t>\x8a\xbf\x8e\x9a</t></is></c></row></sheetData></worksheet>")},
		{"xml-broken", []byte(`<worksheet><sheetData><row><c t="inlineStr"><is><t>ok</t></is></c></row><row r="2"><c t="inlineStr"><is><t>&bogus; &#0; &#xD800;</t></is></c></row><row r="x"><c r="A0"/></row><row><c t="s"><v>-1</v></c><c s="99999999999999999999"><v>1</v></c><c r='A1' t="inlineStr"><is><t>unclosed`)},
		{"xml-formats", cat([]byte(`<worksheet><sheetData><row><c t="inlineStr"><is><t>h</t></is></c><c><v>1</v></c></row><row><c s="1"><v>45748.5</v></c><c s="2"><v>-1234.565</v></c><c s="3"><v>1e300</v></c><c s="4" t="inlineStr"><is><t>t</t></is></c><c s="5"><v>NaN</v></c><c s="6" t="d"><v>2025-04-01T12:00:00Z</v></c><c s="7"><v>123456789012</v></c></row></sheetData></worksheet>`), []byte{0, 0},
			[]byte(`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="164" formatCode="[$-411]ggge&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="0;-0;&quot;ゼロ&quot;;@&quot;様&quot;"/></numFmts><cellXfs><xf/><xf numFmtId="164"/><xf numFmtId="4"/><xf numFmtId="11"/><xf numFmtId="165"/><xf numFmtId="3"/><xf numFmtId="22"/><xf numFmtId="0"/></cellXfs></styleSheet>`))},
	}
}

// TestWriteFuzzSeeds writes the seed corpora under testdata/fuzz, which
// `go test` runs as ordinary test cases. Run it after changing the seeds:
//
//	TABULAR_WRITE_SEEDS=1 go test -run TestWriteFuzzSeeds ./internal/tabular
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TABULAR_WRITE_SEEDS") == "" {
		t.Skip("set TABULAR_WRITE_SEEDS=1 to rewrite testdata/fuzz")
	}
	for fuzzer, seeds := range map[string][]seed{"FuzzReadCSV": csvSeeds(t), "FuzzReadXLSX": xlsxSeeds(t)} {
		dir := filepath.Join("testdata", "fuzz", fuzzer)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(s.data)))
			if err := os.WriteFile(filepath.Join(dir, "seed-"+s.name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
