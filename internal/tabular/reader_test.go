package tabular

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/i18n"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

// sjis encodes s in Shift_JIS (CP932) with x/text's encoder, as a test
// fixture would be made by Excel.
func sjis(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

type table struct {
	header []string
	rows   []Row
	format Format
	enc    Encoding
}

// readAll opens data and reads every row; it stops at the first error.
func readAll(t testing.TB, data []byte, name string, opts Options) (table, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data), name, int64(len(data)), opts)
	if err != nil {
		return table{}, err
	}
	defer r.Close()
	tb := table{header: r.Header(), format: r.Format()}
	for {
		row, err := r.Next()
		if err == io.EOF {
			tb.enc = r.Encoding()
			return tb, nil
		}
		if err != nil {
			return tb, err
		}
		tb.rows = append(tb.rows, row)
	}
}

func rows(nums []int, cells ...[]string) []Row {
	out := make([]Row, len(cells))
	for i := range cells {
		out[i] = Row{Number: nums[i], Cells: cells[i]}
	}
	return out
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestReadCSV(t *testing.T) {
	t.Parallel()
	hdr := []string{"名称", "所属", "備考"}
	tests := []struct {
		name string
		data []byte
		opts Options
		want table
	}{
		{
			name: "UTF-8 without BOM",
			data: []byte("名称,所属,備考\n情報端末,総務課,①②\n"),
			want: table{header: hdr, rows: rows([]int{2}, []string{"情報端末", "総務課", "①②"}), format: CSV, enc: UTF8},
		},
		{
			name: "UTF-8 with BOM and CRLF",
			data: []byte("\uFEFF名称,所属,備考\r\n情報端末,情報政策課,髙橋\r\n"),
			want: table{header: hdr, rows: rows([]int{2}, []string{"情報端末", "情報政策課", "髙橋"}), format: CSV, enc: UTF8BOM},
		},
		{
			name: "Shift_JIS with CP932 extensions, CRLF",
			data: sjis(t, "名称,所属,備考\r\n情報端末,総務課,①②髙﨑㈱Ⅳ～\r\nｻｰﾊﾞ,情報政策課,\r\n"),
			want: table{header: hdr, rows: rows([]int{2, 3},
				[]string{"情報端末", "総務課", "①②髙﨑㈱Ⅳ～"},
				[]string{"ｻｰﾊﾞ", "情報政策課", ""}), format: CSV, enc: ShiftJIS},
		},
		{
			name: "Shift_JIS with 髙 in the IBM row Windows writes (FB FC)",
			data: cat(sjis(t, "名称,所属,備考\r\n"), []byte{0xFB, 0xFC}, sjis(t, "橋,総務課,x\r\n")),
			want: table{header: hdr, rows: rows([]int{2}, []string{"髙橋", "総務課", "x"}), format: CSV, enc: ShiftJIS},
		},
		{
			name: "ASCII header, Shift_JIS further down",
			data: cat([]byte("name,dept,note\r\n"+strings.Repeat("pc,it,x\r\n", 1000)), sjis(t, "端末,総務課,y\r\n")),
			want: func() table {
				var rs []Row
				for i := range 1000 {
					rs = append(rs, Row{Number: i + 2, Cells: []string{"pc", "it", "x"}})
				}
				rs = append(rs, Row{Number: 1002, Cells: []string{"端末", "総務課", "y"}})
				return table{header: []string{"name", "dept", "note"}, rows: rs, format: CSV, enc: ShiftJIS}
			}(),
		},
		{
			name: "quoted line breaks, quotes and commas as Excel writes them",
			data: []byte("名称,所属,備考\r\n\"端末\r\n2台目\",\"総務課, 庶務係\",\"「\"\"至急\"\"」\"\r\n次,行,です\r\n"),
			want: table{header: hdr, rows: rows([]int{2, 3},
				[]string{"端末\n2台目", "総務課, 庶務係", "「\"至急\"」"},
				[]string{"次", "行", "です"}), format: CSV, enc: UTF8},
		},
		{
			name: "rows numbered as in Excel: title and blank lines, blank rows skipped",
			data: []byte("\n\n名称,所属,備考\n\nA,B,C\n,,\n  ,　,\nD,E,F"),
			want: table{header: hdr, rows: rows([]int{5, 8}, []string{"A", "B", "C"}, []string{"D", "E", "F"}), format: CSV, enc: UTF8},
		},
		{
			name: "ragged rows padded, empty cells past the header dropped",
			data: []byte("名称,所属,備考,,,\nA\nB,C\nD,E,F,,,,,,\n"),
			want: table{header: hdr, rows: rows([]int{2, 3, 4},
				[]string{"A", "", ""}, []string{"B", "C", ""}, []string{"D", "E", "F"}), format: CSV, enc: UTF8},
		},
		{
			name: "header trimmed of spaces, full-width spaces and a second BOM; cells not trimmed",
			data: []byte("\uFEFF\uFEFF 名称 ,\u3000所属\u3000,備考\n a , b ,c\n"),
			want: table{header: hdr, rows: rows([]int{2}, []string{" a ", " b ", "c"}), format: CSV, enc: UTF8BOM},
		},
		{
			name: "formula escapes kept without UnescapeFormula",
			data: []byte("名称,所属,備考\n'=1+1,'-x,''a\n"),
			want: table{header: hdr, rows: rows([]int{2}, []string{"'=1+1", "'-x", "''a"}), format: CSV, enc: UTF8},
		},
		{
			name: "formula escapes undone with UnescapeFormula; the user's own ' kept",
			data: []byte("名称,所属,備考\n'=1+1,'@x,''a\n'abc,'-5,'０１\n"),
			opts: Options{UnescapeFormula: true},
			want: table{header: hdr, rows: rows([]int{2, 3},
				[]string{"=1+1", "@x", "'a"}, []string{"'abc", "'-5", "'０１"}), format: CSV, enc: UTF8},
		},
		{
			name: "no final line break, a lone CR in a cell",
			data: []byte("名称,所属,備考\r\nA,\"B\rC\",D"),
			want: table{header: hdr, rows: rows([]int{2}, []string{"A", "B\rC", "D"}), format: CSV, enc: UTF8},
		},
		{
			name: "blank cells at the end dropped, spaces and BOMs count as blank",
			data: []byte("\uFEFF\uFEFF\n\uFEFF,\u3000\na,b, \n1,2,\u3000,\uFEFF\n1, ,\n"),
			want: table{header: []string{"a", "b"}, rows: rows([]int{4, 5}, []string{"1", "2"}, []string{"1", ""}), format: CSV, enc: UTF8BOM},
		},
		{
			name: "header only",
			data: []byte("名称,所属,備考\r\n"),
			want: table{header: hdr, format: CSV, enc: UTF8},
		},
		{
			name: "the name does not decide: a CSV called .xlsx.csv, content decides",
			data: []byte("a,b\n1,2\n"),
			want: table{header: []string{"a", "b"}, rows: rows([]int{2}, []string{"1", "2"}), format: CSV, enc: UTF8},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(t, tt.data, "register.csv", tt.opts)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !slices.Equal(got.header, tt.want.header) {
				t.Errorf("header %q, want %q", got.header, tt.want.header)
			}
			if got.format != tt.want.format || got.enc != tt.want.enc {
				t.Errorf("format %v %v, want %v %v", got.format, got.enc, tt.want.format, tt.want.enc)
			}
			if len(got.rows) != len(tt.want.rows) {
				t.Fatalf("%d rows, want %d: %v", len(got.rows), len(tt.want.rows), got.rows)
			}
			for i := range got.rows {
				g, w := got.rows[i], tt.want.rows[i]
				if g.Number != w.Number || !slices.Equal(g.Cells, w.Cells) {
					t.Errorf("row %d: %d %q, want %d %q", i, g.Number, g.Cells, w.Number, w.Cells)
				}
			}
		})
	}
}

// errorReader fails the test if Open reads at all.
type errorReader struct{ t *testing.T }

func (e errorReader) Read([]byte) (int, error) {
	e.t.Error("the file was read")
	return 0, io.EOF
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	zipJunk := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xAB}, 100)...)
	tests := []struct {
		name     string
		data     []byte
		fileName string
		size     int64 // 0: len(data)
		opts     Options
		key      string
		row, col int
		args     []any
	}{
		{name: "0 bytes", data: nil, key: KeyEmptyFile},
		{name: "0 bytes, size unknown", data: nil, size: -1, key: KeyEmptyFile},
		{name: "stated size over MaxBytes", data: []byte("a,b\n"), size: 51 << 20, key: KeyTooLarge, args: []any{"50 MB"}},
		{name: "content over MaxBytes, size unknown", data: []byte("a,b\n1,2\n3,4\n"), size: -1, opts: Options{MaxBytes: 8}, key: KeyTooLarge, args: []any{"8 bytes"}},
		{name: "content over MaxBytes, size understated", data: bytes.Repeat([]byte("a,b\n"), 1000), size: 10, opts: Options{MaxBytes: 1 << 10}, key: KeyTooLarge, args: []any{"1 KB"}},
		{name: "binary", data: []byte("GIF89a\x00\x01\x02"), key: KeyEncoding},
		{name: "neither UTF-8 nor Shift_JIS", data: []byte("\x85\x40\x85\x41,x\n"), key: KeyEncoding, row: 1},
		{name: "Shift_JIS with control codes is not text", data: []byte("\x82\xa0\x01\x02\x03,\x04\n"), key: KeyEncoding, row: 1},
		{name: "UTF-16 with BOM", data: []byte("\xFF\xFEa\x00,\x00b\x00"), key: KeyUTF16},
		{name: "UTF-16 without BOM", data: []byte("a\x00,\x00b\x00\r\x00\n\x00"), key: KeyEncoding},
		{name: "old Excel", data: append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), key: KeyOldExcel},
		{name: "named .xlsx but text", data: []byte("a,b\n"), fileName: "台帳.XLSX", key: KeyMalformedXLSX},
		{name: "zip magic, junk", data: zipJunk, key: KeyMalformedXLSX},
		{name: "only blank lines", data: []byte("\r\n\r\n,,\r\n"), key: KeyNoHeader},
		{name: "only a BOM", data: []byte("\uFEFF"), key: KeyNoHeader},
		{name: "blank header cell between named ones", data: []byte("\n名称,,備考\n"), key: KeyEmptyHeader, row: 2, col: 2, args: []any{2, "B"}},
		{name: "header too wide", data: []byte("a,b,c,d\n"), opts: Options{MaxCells: 3}, key: KeyTooManyCells, row: 1, args: []any{1, 3}},
		{name: "header cell too long", data: []byte("a,bbbbb\n"), opts: Options{MaxCellBytes: 4}, key: KeyCellTooLong, row: 1, col: 2, args: []any{1, "B", "4 bytes"}},
		{name: "bare quote in header", data: []byte("a,b\"c\n"), key: KeyMalformedCSV, row: 1, args: []any{1}},
		{name: "no such sheet", data: smallXLSX(t), opts: Options{Sheet: "台帳2"}, key: KeyNoSheet, args: []any{"台帳2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			size := tt.size
			if size == 0 {
				size = int64(len(tt.data))
			}
			name := tt.fileName
			if name == "" {
				name = "upload"
			}
			r, err := Open(bytes.NewReader(tt.data), name, size, tt.opts)
			if err == nil {
				// Some limits only show once the rows are read.
				for err == nil {
					_, err = r.Next()
				}
				r.Close()
			}
			if err == io.EOF {
				t.Fatalf("no error, want %s", tt.key)
			}
			checkError(t, err, tt.key, tt.row, tt.col, tt.args)
		})
	}
	t.Run("size over MaxBytes is refused unread", func(t *testing.T) {
		t.Parallel()
		_, err := Open(errorReader{t}, "a.csv", 100<<20, Options{})
		checkError(t, err, KeyTooLarge, 0, 0, []any{"50 MB"})
	})
}

func checkError(t *testing.T, err error, key string, row, col int, args []any) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *Error %s", err, err, key)
	}
	if e.Key != key || e.Row != row || e.Column != col {
		t.Errorf("error %s row %d column %d, want %s row %d column %d (%v)", e.Key, e.Row, e.Column, key, row, col, e)
	}
	if args != nil && !slices.Equal(e.Args, args) {
		t.Errorf("args %#v, want %#v", e.Args, args)
	}
	checkText(t, e)
}

var catalog = sync.OnceValues(i18n.Load)

// checkText checks that the error reads well in every language: its key is
// in the catalogue and its Args fill the text's verbs exactly.
func checkText(t testing.TB, e *Error) {
	t.Helper()
	c, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		if !c.Has(lang, e.Key) {
			t.Errorf("%s.tabular.json lacks %q", lang, e.Key)
			continue
		}
		if s := c.T(lang, e.Key, e.Args...); strings.Contains(s, "%!") {
			t.Errorf("%s: %s with %v reads %q", lang, e.Key, e.Args, s)
		}
	}
}

func TestCatalogueHasEveryKey(t *testing.T) {
	t.Parallel()
	keys := []string{KeyEmptyFile, KeyTooLarge, KeyTooLargeUnzip, KeyTooManyStrings, KeyEncoding,
		KeyEncodingRow, KeyUTF16, KeyOldExcel, KeyTooManyCells, KeyExtraCells, KeyTooManyRows,
		KeyCellTooLong, KeyRowTooLong, KeyMalformedCSV, KeyMalformedXLSX, KeyNoSheet, KeyNoHeader,
		KeyEmptyHeader, KeyDuplicateHdr, KeyMissingColumns, KeyUnknownColumns, KeyWriteCell,
		KeyWriteTooMany, KeyWriteTooWide}
	c, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !c.Has(lang, k) {
				t.Errorf("%s.tabular.json lacks %q", lang, k)
			}
		}
	}
	got := 0
	for _, k := range c.Keys("ja") {
		if strings.HasPrefix(k, "tabular.") {
			got++
		}
	}
	if got != len(keys) {
		t.Errorf("the catalogue has %d tabular keys, the package %d", got, len(keys))
	}
	// A sample rendered in Japanese, as a person would read it.
	if got, want := c.T("ja", KeyExtraCells, 3, 5, 7), "3行目: 列の数が見出しより多くなっています（見出しは5列、この行は7列）。"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestNextErrors covers errors after the header: those confined to a row
// let reading go on, the others stick.
func TestNextErrors(t *testing.T) {
	t.Parallel()
	type step struct {
		num  int    // row number returned
		key  string // "" for a row, "EOF" for the end
		col  int
		args []any
	}
	tests := []struct {
		name  string
		data  []byte
		opts  Options
		steps []step
	}{
		{
			name: "more cells than the header, then a good row",
			data: []byte("a,b\n1,2,3\n4,5\n"),
			steps: []step{
				{num: 2, key: KeyExtraCells, args: []any{2, 2, 3}},
				{num: 3},
				{key: "EOF"},
			},
		},
		{
			name: "too many cells counts only up to the last non-empty one",
			data: []byte("a,b,c\n1,2,3,4\n1,2,3,,,,,,,,\n"),
			opts: Options{MaxCells: 3},
			steps: []step{
				{num: 2, key: KeyTooManyCells, args: []any{2, 3}},
				{num: 3},
				{key: "EOF"},
			},
		},
		{
			name: "cell too long",
			data: []byte("a,b\nok,toolong\nok,ok\n"),
			opts: Options{MaxCellBytes: 4},
			steps: []step{
				{num: 2, key: KeyCellTooLong, col: 2, args: []any{2, "B", "4 bytes"}},
				{num: 3},
				{key: "EOF"},
			},
		},
		{
			name: "too many rows is final; blank rows do not count",
			data: []byte("a\n1\n\n,\n2\n3\n4\n"),
			opts: Options{MaxRows: 2},
			steps: []step{
				{num: 2}, {num: 5},
				{key: KeyTooManyRows, num: 6, args: []any{2}},
				{key: KeyTooManyRows, num: 6, args: []any{2}},
			},
		},
		{
			name: "UTF-8 file with a stray Shift_JIS cell",
			data: cat([]byte("名称,所属\n端末,総務課\n"), sjis(t, "端末,総務課"), []byte("\nA,B\n")),
			steps: []step{
				{num: 2},
				{num: 3, key: KeyEncodingRow, col: 1, args: []any{3, "A"}},
				{num: 4},
				{key: "EOF"},
			},
		},
		{
			name: "Shift_JIS file with a user-defined character (外字, F040)",
			data: cat(sjis(t, "名称,所属\r\n端末,総務課\r\n端末,"), []byte{0xF0, 0x40}, []byte("\r\nA,B\r\n")),
			steps: []step{
				{num: 2},
				{num: 3, key: KeyEncodingRow, col: 2, args: []any{3, "B"}},
				{num: 4},
				{key: "EOF"},
			},
		},
		{
			name: "encoding undecidable further down",
			data: []byte("a,b\n1,2\n\x85\x40\x85\x40,x\n"),
			steps: []step{
				{num: 2},
				{num: 3, key: KeyEncoding},
				{num: 3, key: KeyEncoding},
			},
		},
		{
			name: "bare quote is final, row as in Excel",
			data: []byte("a,b\n\"x\ny\",1\n\nab\"c,2\n3,4\n"),
			steps: []step{
				{num: 2},
				{num: 4, key: KeyMalformedCSV, args: []any{4}},
				{num: 4, key: KeyMalformedCSV, args: []any{4}},
			},
		},
		{
			name: "unclosed quote reaching the end",
			data: []byte("a,b\n1,\"2\n3,4\n"),
			steps: []step{
				{num: 2, key: KeyMalformedCSV, args: []any{2}},
			},
		},
		{
			name: "unclosed quote swallowing the file stops at the record limit",
			data: cat([]byte("a,b\n1,\"2\n"), bytes.Repeat([]byte("3,4\n"), 400_000)),
			opts: Options{MaxCells: 2, MaxCellBytes: 10},
			steps: []step{
				{num: 2, key: KeyRowTooLong, args: []any{2}},
			},
		},
		{
			name: "a single huge line stops at the record limit",
			data: cat([]byte("a,b\n"), bytes.Repeat([]byte("x"), 3<<20), []byte("\n")),
			opts: Options{MaxCells: 2, MaxCellBytes: 10},
			steps: []step{
				{num: 2, key: KeyRowTooLong, args: []any{2}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(bytes.NewReader(tt.data), "x.csv", -1, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i, s := range tt.steps {
				row, err := r.Next()
				switch s.key {
				case "":
					if err != nil || row.Number != s.num {
						t.Fatalf("step %d: row %d, %v; want row %d", i, row.Number, err, s.num)
					}
				case "EOF":
					if err != io.EOF {
						t.Fatalf("step %d: %v, want EOF", i, err)
					}
				default:
					checkError(t, err, s.key, s.num, s.col, s.args)
					var e *Error
					if errors.As(err, &e) && e.Recoverable() && row.Number != s.num {
						t.Errorf("step %d: recoverable error with row %d, want %d", i, row.Number, s.num)
					}
				}
			}
		})
	}
	t.Run("too large while reading rows", func(t *testing.T) {
		t.Parallel()
		data := cat([]byte("a,b\n"), bytes.Repeat([]byte("1,2\n"), 300))
		r, err := Open(bytes.NewReader(data), "x.csv", -1, Options{MaxBytes: 1000})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var last error
		for range 400 {
			if _, last = r.Next(); last != nil {
				break
			}
		}
		checkError(t, last, KeyTooLarge, 0, 0, []any{"1000 bytes"})
	})
}

// smallXLSX is a workbook made by excelize the ordinary (non-streaming)
// way, as Excel stores one: shared strings, styles, a date, a number with a
// format, a formula with its cached value, a merged cell, blank rows; and a
// second sheet.
func smallXLSX(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "台帳"))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	money, err := f.NewStyle(&excelize.Style{NumFmt: 3})
	must(err)
	must(f.SetSheetRow("台帳", "A2", &[]any{"名称", " 所属 ", "取得日", "金額", "備考"}))
	must(f.SetSheetRow("台帳", "A3", &[]any{"ノートPC", "総務課", time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), 123456, "①髙"}))
	must(f.SetCellStyle("台帳", "C3", "C3", date))
	must(f.SetCellStyle("台帳", "D3", "D3", money))
	must(f.SetSheetRow("台帳", "A5", &[]any{"=SUM(1,2)", "情報政策課", nil, 0.5}))
	must(f.SetCellFormula("台帳", "E5", "D5*2"))
	must(f.MergeCell("台帳", "A6", "B6"))
	must(f.SetCellValue("台帳", "A6", "結合セル"))
	must(f.SetCellValue("台帳", "E6", "備考\n2行目"))
	_, err = f.NewSheet("別シート")
	must(err)
	must(f.SetSheetRow("別シート", "A1", &[]any{"x", "y"}))
	must(f.SetSheetRow("別シート", "A2", &[]any{"1", "2"}))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// rewriteXLSX opens data with excelize, applies fn and writes it again.
func rewriteXLSX(t testing.TB, data []byte, fn func(*excelize.File) error) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := fn(f); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSX(t *testing.T) {
	t.Parallel()
	data := smallXLSX(t)
	register := table{
		format: XLSX,
		header: []string{"名称", "所属", "取得日", "金額", "備考"},
		rows: rows([]int{3, 5, 6},
			// Dates and numbers as Excel in Japan displays them; a text
			// that looks like a formula stays text; a formula cell
			// without a cached value (never opened in Excel) is empty.
			[]string{"ノートPC", "総務課", "2025/4/1", "123,456", "①髙"},
			[]string{"=SUM(1,2)", "情報政策課", "", "0.5", ""},
			[]string{"結合セル", "", "", "", "備考\n2行目"},
		),
	}
	other := table{format: XLSX, header: []string{"x", "y"}, rows: rows([]int{2}, []string{"1", "2"})}
	tests := []struct {
		name string
		data []byte
		opts Options
		want table
	}{
		{name: "first sheet", data: data, want: register},
		{name: "a sheet by name", data: data, opts: Options{Sheet: "別シート"}, want: other},
		{name: "a sheet by name, case aside", data: data, opts: Options{Sheet: "台帳"}, want: register},
		{name: "a hidden first sheet is passed over", data: rewriteXLSX(t, data, func(f *excelize.File) error {
			f.SetActiveSheet(1) // excelize will not hide the selected sheet
			return f.SetSheetVisible("台帳", false)
		}), want: other},
		{name: "sheet order decides, not the active sheet", data: rewriteXLSX(t, data, func(f *excelize.File) error {
			f.SetActiveSheet(1)
			return nil
		}), want: register},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The name says CSV: the content decides.
			got, err := readAll(t, tt.data, "台帳.csv", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.format != XLSX || got.enc != 0 {
				t.Errorf("format %v encoding %v", got.format, got.enc)
			}
			if !slices.Equal(got.header, tt.want.header) {
				t.Errorf("header %q, want %q", got.header, tt.want.header)
			}
			if len(got.rows) != len(tt.want.rows) {
				t.Fatalf("rows %v, want %v", got.rows, tt.want.rows)
			}
			for i, w := range tt.want.rows {
				if g := got.rows[i]; g.Number != w.Number || !slices.Equal(g.Cells, w.Cells) {
					t.Errorf("row %d: %d %q, want %d %q", i, g.Number, g.Cells, w.Number, w.Cells)
				}
			}
		})
	}
}

// zipOf makes a zip of the given files.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombXLSX is smallXLSX with one more part whose directory entry claims it
// unpacks to size bytes; its data is a few bytes, which is enough since the
// claim alone must get the file refused.
func bombXLSX(t testing.TB, size uint64, name string) []byte {
	t.Helper()
	src := smallXLSX(t)
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, UncompressedSize64: size, CompressedSize64: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte{0x03, 0x00}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSXErrors(t *testing.T) {
	t.Parallel()
	data := smallXLSX(t)
	corrupt := bytes.Clone(data)
	for i := len(corrupt) / 4; i < len(corrupt)/2; i++ {
		corrupt[i] ^= 0x5A
	}
	tests := []struct {
		name string
		data []byte
		key  string
	}{
		{"truncated", data[:len(data)/2], KeyMalformedXLSX},
		{"corrupted", corrupt, KeyMalformedXLSX},
		{"zip without a workbook", zipOf(t, map[string]string{"a.txt": "hello"}), KeyMalformedXLSX},
		{"zip bomb: a part held in memory claiming more than its limit", bombXLSX(t, xlsxMaxInMemoryTotal+1, "xl/media/image1.png"), KeyTooLargeUnzip},
		{"zip bomb: a worksheet claiming more than the unzip limit", bombXLSX(t, xlsxMaxUnzipped+1, "xl/worksheets/sheet9.xml"), KeyTooLargeUnzip},
		{"zip bomb: a size that overflows", bombXLSX(t, 1<<63+5, "xl/worksheets/sheet9.xml"), KeyTooLargeUnzip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readAll(t, tt.data, "a.xlsx", Options{})
			checkError(t, err, tt.key, 0, 0, nil)
		})
	}
	t.Run("a worksheet lying about its size is cut off at the size it states", func(t *testing.T) {
		t.Parallel()
		// The directory says 10 bytes; the data inflates to far more.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		src, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		for _, f := range src.File {
			if f.Name == "xl/worksheets/sheet1.xml" {
				rc, _ := f.Open()
				body, _ := io.ReadAll(rc)
				rc.Close()
				var comp bytes.Buffer
				fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
				fw.Write(body)
				fw.Close()
				w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate,
					CRC32: f.CRC32, UncompressedSize64: 10, CompressedSize64: uint64(comp.Len())})
				if err != nil {
					t.Fatal(err)
				}
				w.Write(comp.Bytes())
				continue
			}
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		zw.Close()
		// archive/zip stops at the 10 bytes stated, so the sheet is cut
		// short rather than filling memory, and the file is reported as
		// broken (excelize dropped the error and read no rows).
		_, err := readAll(t, buf.Bytes(), "a.xlsx", Options{})
		checkError(t, err, KeyMalformedXLSX, 0, 0, nil)
	})
}
