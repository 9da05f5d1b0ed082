package tabular

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/width"
)

// Writer is what both NewCSVWriter and NewXLSXWriter return: rows go in
// one at a time, the first being the header; Close finishes the file.
type Writer interface {
	WriteRow(cells []string) error
	Close() error
}

var errWriterClosed = errors.New("tabular: writer is closed")

// CSVWriter writes a CSV the way Excel in Japan writes and reads one:
// fields separated by commas, records ended by CRLF, a field quoted (with
// its quotes doubled) when it holds a comma, a quote or a line break, and
// a line break inside a cell kept as it is.
//
// A cell that a spreadsheet would run as a formula (one starting with
// = + - @, tab or CR, or the full-width ＝ ＋ － ＠; not a plain negative
// number like "-12") is written with a "'" before it, and so is a cell
// that already starts with "'"; Options.UnescapeFormula takes exactly that
// "'" off again on import.
//
// In Shift_JIS, characters CP932 lacks are first mapped to their usual
// CP932 look-alikes (〜→～, −→－, ‖→∥, ¢→￠, £→￡, ¬→￢, —→―, ¥→￥), as
// Windows does; any other (an emoji, a character outside JIS such as 𠮷)
// is written as "?" and counted by Replaced, so the export never fails
// half-way on one character: warn the user to choose UTF-8 when Replaced
// is not 0. Where CP932 has one character twice (NEC and IBM extensions),
// the code Windows writes is used (髙 → FB FC).
type CSVWriter struct {
	bw       *bufio.Writer
	enc      Encoding
	buf      []byte
	replaced int
	err      error
	closed   bool
}

// NewCSVWriter starts a CSV in the given encoding: UTF8BOM (what Excel
// needs to open UTF-8 without garbling), UTF8 or ShiftJIS. Nothing is
// written to w before the first row or Close; w is not closed by Close.
func NewCSVWriter(w io.Writer, enc Encoding) (*CSVWriter, error) {
	switch enc {
	case UTF8, UTF8BOM, ShiftJIS:
	default:
		return nil, fmt.Errorf("tabular: unknown encoding %d", enc)
	}
	c := &CSVWriter{bw: bufio.NewWriterSize(w, 64<<10), enc: enc}
	if enc == UTF8BOM {
		_, _ = c.bw.Write(utf8BOM)
	}
	return c, nil
}

// WriteRow writes one record. Output is buffered; an error of the
// underlying writer may show only on a later call or on Close.
func (c *CSVWriter) WriteRow(cells []string) error {
	if c.closed {
		return errWriterClosed
	}
	if c.err != nil {
		return c.err
	}
	buf := c.buf[:0]
	for i, cell := range cells {
		if i > 0 {
			buf = append(buf, ',')
		}
		cell = escapeFormula(cell)
		quote := strings.ContainsAny(cell, ",\"\r\n")
		if quote {
			buf = append(buf, '"')
		}
		buf = c.appendText(buf, cell)
		if quote {
			buf = append(buf, '"')
		}
	}
	buf = append(buf, '\r', '\n')
	c.buf = buf
	if _, err := c.bw.Write(buf); err != nil {
		c.err = err
	}
	return c.err
}

// appendText appends s in the writer's encoding, doubling quotes.
func (c *CSVWriter) appendText(buf []byte, s string) []byte {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == '"' {
				buf = append(buf, '"')
			}
			buf = append(buf, b)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if c.enc != ShiftJIS {
			buf = utf8.AppendRune(buf, r) // invalid UTF-8 becomes U+FFFD
			continue
		}
		if code, ok := encodeCP932(r); ok {
			if code > 0xFF {
				buf = append(buf, byte(code>>8))
			}
			buf = append(buf, byte(code))
			continue
		}
		buf = append(buf, '?')
		c.replaced++
	}
	return buf
}

// Replaced returns how many characters a Shift_JIS CSV has had to write
// as "?" so far.
func (c *CSVWriter) Replaced() int { return c.replaced }

// Flush writes out what is buffered, for a caller streaming a response
// that wants the rows so far to go out now.
func (c *CSVWriter) Flush() error {
	if c.err == nil {
		c.err = c.bw.Flush()
	}
	return c.err
}

// Close writes out what is buffered. It does not close the io.Writer.
func (c *CSVWriter) Close() error {
	if c.closed {
		return c.err
	}
	c.closed = true
	if c.err != nil {
		return c.err
	}
	c.err = c.bw.Flush()
	return c.err
}

// cp932Fallback maps characters CP932 lacks to the CP932 character that
// stands for them in Japanese text (the JIS X 0208 vs Windows mapping
// differences).
var cp932Fallback = map[rune]rune{
	'\u301C': '\uFF5E', // WAVE DASH → FULLWIDTH TILDE
	'\u2016': '\u2225', // DOUBLE VERTICAL LINE → PARALLEL TO
	'\u2212': '\uFF0D', // MINUS SIGN → FULLWIDTH HYPHEN-MINUS
	'\u00A2': '\uFFE0', // ¢ → ￠
	'\u00A3': '\uFFE1', // £ → ￡
	'\u00AC': '\uFFE2', // ¬ → ￢
	'\u2014': '\u2015', // EM DASH → HORIZONTAL BAR
	'\u00A5': '\uFFE5', // ¥ → ￥
	'\u00A6': '\uFFE4', // ¦ → ￤
}

// encodeCP932 returns the CP932 code of a non-ASCII rune (one byte for
// half-width katakana, two otherwise).
func encodeCP932(r rune) (uint16, bool) {
	t := cp932Table()
	if code, ok := t[r]; ok {
		return code, true
	}
	if f, ok := cp932Fallback[r]; ok {
		code, ok := t[f]
		return code, ok
	}
	return 0, false
}

// cp932Table maps every non-ASCII character of CP932 to its code, built
// once from x/text's decoder (the same table the Reader decodes with).
// Rows are taken in the order Windows prefers when a character has two
// codes: JIS X 0208, then NEC row 13, then the IBM extensions, then the
// NEC-selected IBM extensions.
var cp932Table = sync.OnceValue(func() map[rune]uint16 {
	m := make(map[rune]uint16, 8000)
	for b := 0xA1; b <= 0xDF; b++ { // half-width katakana
		m[rune(0xFF61+b-0xA1)] = uint16(b)
	}
	var leads []int
	for l := 0x81; l <= 0x84; l++ {
		leads = append(leads, l)
	}
	for l := 0x88; l <= 0x9F; l++ {
		leads = append(leads, l)
	}
	for l := 0xE0; l <= 0xEA; l++ {
		leads = append(leads, l)
	}
	leads = append(leads, 0x87, 0xFA, 0xFB, 0xFC, 0xED, 0xEE)
	dec := japanese.ShiftJIS.NewDecoder()
	var src [2]byte
	var dst [8]byte
	for _, l := range leads {
		for t := 0x40; t <= 0xFC; t++ {
			if t == 0x7F {
				continue
			}
			src[0], src[1] = byte(l), byte(t)
			dec.Reset()
			n, _, err := dec.Transform(dst[:], src[:], true)
			if err != nil {
				continue
			}
			r, size := utf8.DecodeRune(dst[:n])
			if r == utf8.RuneError || size != n || r < utf8.RuneSelf {
				continue
			}
			if _, ok := m[r]; !ok {
				m[r] = uint16(l)<<8 | uint16(t)
			}
		}
	}
	return m
})

// Limits of an Excel worksheet.
const (
	xlsxMaxRows      = 1_048_576
	xlsxMaxCols      = 16_384
	xlsxMaxCellChars = 32_767 // in UTF-16 code units
)

// XLSXWriter writes a one-sheet workbook through excelize's StreamWriter:
// rows go to a temporary file past 16 MiB, not to memory. Every cell is a
// plain string cell formatted as text (number format "@"), never a formula,
// so a cell starting with "=" stays the text it is even when edited in
// Excel. The first row is the header: bold on a light fill, frozen so it
// stays in view. Column widths are sized from the first rows (up to
// widthSample), counting a full-width character as two.
type XLSXWriter struct {
	w       io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	header  int // style of the header row
	text    int // style of the other rows
	pending [][]string
	rows    int // rows taken so far
	started bool
	vals    []any
	err     error
	closed  bool
}

// widthSample is how many rows (the header included) the column widths
// are taken from.
const widthSample = 100

// NewXLSXWriter starts a workbook with one sheet named sheet ("Sheet1" if
// empty; at most 31 characters, none of : \ / ? * [ ]). The workbook is
// written to w on Close; w is not closed.
func NewXLSXWriter(w io.Writer, sheet string) (*XLSXWriter, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	f := excelize.NewFile()
	x := &XLSXWriter{w: w, f: f}
	err := func() error {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
		var err error
		if x.header, err = f.NewStyle(&excelize.Style{
			Font:   &excelize.Font{Bold: true},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
			Border: []excelize.Border{{Type: "bottom", Color: "#8EA9DB", Style: 1}},
			NumFmt: 49,
		}); err != nil {
			return err
		}
		if x.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
			return err
		}
		x.sw, err = f.NewStreamWriter(sheet)
		return err
	}()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("tabular: sheet %q: %w", sheet, err)
	}
	return x, nil
}

// WriteRow adds a row. A row wider than a worksheet, a cell longer than
// Excel's 32,767 characters, or a row past the worksheet's 1,048,576 is an
// *Error naming it.
func (x *XLSXWriter) WriteRow(cells []string) error {
	if x.closed {
		return errWriterClosed
	}
	if x.err != nil {
		return x.err
	}
	num := x.rows + 1
	if num > xlsxMaxRows {
		return &Error{Row: num, Key: KeyWriteTooMany, Args: []any{xlsxMaxRows}}
	}
	if len(cells) > xlsxMaxCols {
		return &Error{Row: num, Key: KeyWriteTooWide, Args: []any{num, xlsxMaxCols}}
	}
	for i, c := range cells {
		if len(c) > xlsxMaxCellChars && utf16Len(c) > xlsxMaxCellChars {
			return &Error{Row: num, Column: i + 1, Key: KeyWriteCell, Args: []any{num, ColumnName(i)}}
		}
	}
	x.rows = num
	if !x.started {
		x.pending = append(x.pending, append([]string(nil), cells...))
		if len(x.pending) < widthSample {
			return nil
		}
		x.err = x.start()
		return x.err
	}
	x.err = x.setRow(num, cells)
	return x.err
}

// start sizes the columns from the rows kept so far, freezes the header
// and writes the kept rows.
func (x *XLSXWriter) start() error {
	x.started = true
	widths := []int{}
	for _, row := range x.pending {
		for i, c := range row {
			for len(widths) <= i {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for i, w := range widths {
		if err := x.sw.SetColWidth(i+1, i+1, float64(min(max(w+2, 8), 60))); err != nil {
			return err
		}
	}
	if len(widths) > 0 {
		if err := x.sw.SetColStyle(1, len(widths), x.text); err != nil {
			return err
		}
	}
	if len(x.pending) > 0 {
		err := x.sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		})
		if err != nil {
			return err
		}
	}
	for i, row := range x.pending {
		if err := x.setRow(i+1, row); err != nil {
			return err
		}
	}
	x.pending = nil
	return nil
}

func (x *XLSXWriter) setRow(num int, cells []string) error {
	vals := x.vals[:0]
	for _, c := range cells {
		switch {
		case c == "":
			vals = append(vals, nil)
		case num == 1:
			vals = append(vals, excelize.Cell{StyleID: x.header, Value: c})
		default:
			vals = append(vals, excelize.Cell{StyleID: x.text, Value: c})
		}
	}
	x.vals = vals
	return x.sw.SetRow("A"+strconv.Itoa(num), vals)
}

// Close writes the workbook to w and removes the temporary files.
func (x *XLSXWriter) Close() error {
	if x.closed {
		return x.err
	}
	x.closed = true
	defer func() { _ = x.f.Close() }()
	if x.err != nil {
		return x.err
	}
	if !x.started {
		if x.err = x.start(); x.err != nil {
			return x.err
		}
	}
	if x.err = x.sw.Flush(); x.err != nil {
		return x.err
	}
	x.err = x.f.Write(x.w)
	return x.err
}

// displayWidth is the widest line of s in half-width character cells:
// East Asian wide, full-width and ambiguous characters (which Japanese
// fonts draw wide: ○, ①, ■) count two.
func displayWidth(s string) int {
	widest := 0
	for line := range strings.SplitSeq(s, "\n") {
		n := 0
		for _, r := range line {
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth, width.EastAsianAmbiguous:
				n += 2
			default:
				n++
			}
		}
		widest = max(widest, n)
	}
	return widest
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
