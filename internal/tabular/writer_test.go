package tabular

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

// roundTrip is a table with the cells that are hard to get back the same:
// formula-looking cells, quotes, commas, line breaks, leading "'",
// surrounding spaces, CP932 extensions, half-width kana, excelize's own
// escape syntax.
var roundTrip = [][]string{
	{"名称", "所属", "備考", "式", "引用"},
	{"=1+1", "+81-3-1234-5678", "-5", "-1+2", "@SUM(A1)"},
	{"\tTAB", "\rCR", "'quoted", "''two", "'=already"},
	{"＝全角", "－全角マイナス", "a,b", `say "hi"`, "line1\nline2"},
	{"  spaces  ", "", "総務課①②髙﨑㈱Ⅳ～", "_x0041_", "ｶﾞｯｺｳ"},
	{"-0.5", "-", "=", "'", "100"},
	{"情報政策課", "=HYPERLINK(\"http://example.com\",\"x\")", "=cmd|' /C calc'!A0", "0123", "1/2"},
}

func writeAll(t testing.TB, w Writer, rows [][]string) {
	t.Helper()
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		newW    func(io.Writer) (Writer, error)
		format  Format
		enc     Encoding
		opts    Options
		escaped bool // cells come back with the writer's "'"
	}{
		{"CSV UTF-8 BOM", func(w io.Writer) (Writer, error) { return NewCSVWriter(w, UTF8BOM) }, CSV, UTF8BOM, Options{UnescapeFormula: true}, false},
		{"CSV UTF-8", func(w io.Writer) (Writer, error) { return NewCSVWriter(w, UTF8) }, CSV, UTF8, Options{UnescapeFormula: true}, false},
		{"CSV Shift_JIS", func(w io.Writer) (Writer, error) { return NewCSVWriter(w, ShiftJIS) }, CSV, ShiftJIS, Options{UnescapeFormula: true}, false},
		{"CSV without UnescapeFormula", func(w io.Writer) (Writer, error) { return NewCSVWriter(w, UTF8BOM) }, CSV, UTF8BOM, Options{}, true},
		{"XLSX", func(w io.Writer) (Writer, error) { return NewXLSXWriter(w, "台帳") }, XLSX, 0, Options{}, false},
		{"XLSX, UnescapeFormula has nothing to undo", func(w io.Writer) (Writer, error) { return NewXLSXWriter(w, "") }, XLSX, 0, Options{UnescapeFormula: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			w, err := tt.newW(&buf)
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, roundTrip)
			got, err := readAll(t, buf.Bytes(), "export", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.format != tt.format || got.enc != tt.enc {
				t.Errorf("read as %v %v, want %v %v", got.format, got.enc, tt.format, tt.enc)
			}
			if !slices.Equal(got.header, roundTrip[0]) {
				t.Errorf("header %q", got.header)
			}
			if len(got.rows) != len(roundTrip)-1 {
				t.Fatalf("%d rows", len(got.rows))
			}
			for i, want := range roundTrip[1:] {
				if tt.escaped {
					want = slices.Clone(want)
					for j := range want {
						want[j] = escapeFormula(want[j])
					}
				}
				if row := got.rows[i]; row.Number != i+2 || !slices.Equal(row.Cells, want) {
					t.Errorf("row %d: %q\nwant     %q", row.Number, row.Cells, want)
				}
			}
		})
	}
}

func TestCSVWriterBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		enc      Encoding
		rows     [][]string
		want     []byte
		replaced int
	}{
		{
			name: "UTF-8 BOM, CRLF, Excel quoting, formulas neutralised",
			enc:  UTF8BOM,
			rows: [][]string{{"名称", "備考"}, {"=1+1", "a,\"b\"\nc"}, {"-12", "@x"}, {}},
			want: []byte("\uFEFF名称,備考\r\n'=1+1,\"a,\"\"b\"\"\nc\"\r\n-12,'@x\r\n\r\n"),
		},
		{
			name: "UTF-8 without BOM; invalid UTF-8 becomes U+FFFD",
			enc:  UTF8,
			rows: [][]string{{"a\xffb"}},
			want: []byte("a\uFFFDb\r\n"),
		},
		{
			name: "Shift_JIS as Windows writes it",
			enc:  ShiftJIS,
			rows: [][]string{{"髙", "①", "Ⅰ", "￢", "∵", "ⅰ", "纊", "ｱ", "表"}},
			want: []byte{
				0xFB, 0xFC, ',', 0x87, 0x40, ',', 0x87, 0x54, ',', 0x81, 0xCA, ',', 0x81, 0xE6, ',',
				0xFA, 0x40, ',', 0xFA, 0x5C, ',', 0xB1, ',', 0x95, 0x5C, '\r', '\n'},
		},
		{
			name: "Shift_JIS: look-alikes for what CP932 lacks, ? for the rest",
			enc:  ShiftJIS,
			rows: [][]string{{"〜−‖¢£¬—¥", "😀𠮷", "\xff"}},
			want: []byte{
				0x81, 0x60, 0x81, 0x7C, 0x81, 0x61, 0x81, 0x91, 0x81, 0x92, 0x81, 0xCA, 0x81, 0x5C, 0x81, 0x8F, ',',
				'?', '?', ',', '?', '\r', '\n'},
			replaced: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			w, err := NewCSVWriter(&buf, tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, tt.rows)
			if !bytes.Equal(buf.Bytes(), tt.want) {
				t.Errorf("got  % X\nwant % X", buf.Bytes(), tt.want)
			}
			if w.Replaced() != tt.replaced {
				t.Errorf("Replaced() = %d, want %d", w.Replaced(), tt.replaced)
			}
		})
	}
	t.Run("unknown encoding", func(t *testing.T) {
		t.Parallel()
		if _, err := NewCSVWriter(io.Discard, 0); err == nil {
			t.Error("no error")
		}
	})
	t.Run("writer errors are kept and returned", func(t *testing.T) {
		t.Parallel()
		w, _ := NewCSVWriter(failWriter{}, UTF8)
		var err error
		for i := 0; i < 10_000 && err == nil; i++ {
			err = w.WriteRow([]string{strings.Repeat("x", 100)})
		}
		if !errors.Is(err, errFail) {
			t.Errorf("WriteRow: %v", err)
		}
		if err := w.Close(); !errors.Is(err, errFail) {
			t.Errorf("Close: %v", err)
		}
		if err := w.WriteRow(nil); !errors.Is(err, errWriterClosed) {
			t.Errorf("after Close: %v", err)
		}
	})
}

var errFail = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

// TestCP932Table checks the encoder table against x/text's decoder, which
// the Reader uses: every code decodes to its character, and every
// character x/text can encode is in the table.
func TestCP932Table(t *testing.T) {
	t.Parallel()
	tab := cp932Table()
	if len(tab) < 7000 {
		t.Fatalf("only %d characters", len(tab))
	}
	dec := japanese.ShiftJIS.NewDecoder()
	enc := japanese.ShiftJIS.NewEncoder()
	for r, code := range tab {
		b := []byte{byte(code)}
		if code > 0xFF {
			b = []byte{byte(code >> 8), byte(code)}
		}
		got, err := dec.Bytes(b)
		if err != nil || string(got) != string(r) {
			t.Errorf("%U → % X → %q", r, b, got)
		}
	}
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if _, err := enc.Bytes([]byte(string(r))); err != nil {
			continue
		}
		if _, ok := tab[r]; !ok && r != 0x80 {
			t.Errorf("%U %q is in CP932 but not in the table", r, r)
		}
	}
}

func TestXLSXWriter(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, "資産台帳")
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, [][]string{
		{"名称", "備考", "ID"},
		{"=1+1", "情報政策課の共用ノートパソコン（予備機）", "A-1"},
		{"@x", "", "+1"},
	})
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"資産台帳"}) {
		t.Fatalf("sheets %q", got)
	}
	const s = "資産台帳"
	for _, cell := range []string{"A2", "A3", "C3"} {
		if fm, _ := f.GetCellFormula(s, cell); fm != "" {
			t.Errorf("%s has formula %q", cell, fm)
		}
		if typ, _ := f.GetCellType(s, cell); typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v", cell, typ)
		}
		st, _ := f.GetCellStyle(s, cell)
		style, _ := f.GetStyle(st)
		if style == nil || style.NumFmt != 49 {
			t.Errorf("%s is not formatted as text: %+v", cell, style)
		}
	}
	if v, _ := f.GetCellValue(s, "A2"); v != "=1+1" {
		t.Errorf("A2 = %q", v)
	}
	st, _ := f.GetCellStyle(s, "B1")
	style, _ := f.GetStyle(st)
	if style == nil || style.Font == nil || !style.Font.Bold {
		t.Errorf("header not bold: %+v", style)
	}
	panes, err := f.GetPanes(s)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v %v", panes, err)
	}
	wa, _ := f.GetColWidth(s, "A")
	wb, _ := f.GetColWidth(s, "B")
	wc, _ := f.GetColWidth(s, "C")
	if wa != 8 || wb != 42 || wc != 8 {
		t.Errorf("widths %v %v %v, want 8 42 8", wa, wb, wc)
	}
}

// Characters XML 1.0 cannot hold become U+FFFD rather than a file Excel
// refuses to open; a CSV keeps them.
func TestControlCharacters(t *testing.T) {
	t.Parallel()
	rows := [][]string{{"名称"}, {"a\x01b\x1fc"}}
	var x, c bytes.Buffer
	xw, _ := NewXLSXWriter(&x, "")
	writeAll(t, xw, rows)
	cw, _ := NewCSVWriter(&c, UTF8BOM)
	writeAll(t, cw, rows)
	for _, tt := range []struct {
		data []byte
		want string
	}{{x.Bytes(), "a\uFFFDb\uFFFDc"}, {c.Bytes(), "a\x01b\x1fc"}} {
		got, err := readAll(t, tt.data, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.rows) != 1 || got.rows[0].Cells[0] != tt.want {
			t.Errorf("%v: %v, want %q", got.format, got.rows, tt.want)
		}
	}
}

func TestXLSXWriterLimits(t *testing.T) {
	t.Parallel()
	t.Run("cell longer than Excel allows", func(t *testing.T) {
		t.Parallel()
		w, _ := NewXLSXWriter(io.Discard, "")
		defer w.Close()
		if err := w.WriteRow([]string{"a", strings.Repeat("あ", 32767)}); err != nil {
			t.Fatal(err)
		}
		err := w.WriteRow([]string{"a", strings.Repeat("あ", 32766) + "😀"})
		checkError(t, err, KeyWriteCell, 2, 2, []any{2, "B"})
	})
	t.Run("row wider than a sheet", func(t *testing.T) {
		t.Parallel()
		w, _ := NewXLSXWriter(io.Discard, "")
		defer w.Close()
		err := w.WriteRow(make([]string, xlsxMaxCols+1))
		checkError(t, err, KeyWriteTooWide, 1, 0, []any{1, xlsxMaxCols})
	})
	t.Run("more rows than a sheet", func(t *testing.T) {
		t.Parallel()
		w, _ := NewXLSXWriter(io.Discard, "")
		defer w.Close()
		w.rows = xlsxMaxRows // as if that many had been written
		err := w.WriteRow([]string{"x"})
		checkError(t, err, KeyWriteTooMany, xlsxMaxRows+1, 0, []any{xlsxMaxRows})
	})
	t.Run("bad sheet name", func(t *testing.T) {
		t.Parallel()
		if _, err := NewXLSXWriter(io.Discard, "a/b"); err == nil {
			t.Error("no error")
		}
	})
	t.Run("empty workbook is still a workbook", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		w, _ := NewXLSXWriter(&buf, "")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := readAll(t, buf.Bytes(), "", Options{})
		checkError(t, err, KeyNoHeader, 0, 0, nil)
	})
	t.Run("write error surfaces on Close", func(t *testing.T) {
		t.Parallel()
		w, _ := NewXLSXWriter(failWriter{}, "")
		if err := w.WriteRow([]string{"a"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); !errors.Is(err, errFail) {
			t.Errorf("Close: %v", err)
		}
	})
}

func TestDisplayWidth(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "abc": 3, "総務課": 6, "ｿｳﾑ": 3, "①○": 4, "ab\n総務課ab": 8} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}
