package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Row is one data row of a table.
type Row struct {
	// Number is the row's number as Excel shows it (1-based, counting the
	// header, blank rows and the rows before the header). In a CSV a cell
	// with line breaks inside quotes does not start a new row, as in Excel.
	Number int
	// Cells has exactly as many cells as the header: a shorter row is
	// padded with "". Cells are as in the file, not trimmed.
	Cells []string
}

// Reader reads the rows of a table one at a time. It is not safe for
// concurrent use.
type Reader struct {
	src    source
	opts   Options
	format Format
	header []string
	rows   int   // data rows returned so far
	err    error // sticky: the error every later Next returns
}

// source yields the rows of a file as they are in it.
type source interface {
	// next returns the cells of the next row in the file and its number as
	// Excel shows it, io.EOF after the last row, or an error (*Error for
	// problems with the data).
	next() (cells []string, number int, err error)
	// encoding tells, for a CSV, what it has turned out to be so far.
	encoding() Encoding
	close() error
}

// Magic numbers at the start of files Open recognises.
var (
	zipMagic   = []byte("PK\x03\x04")
	oleMagic   = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // .xls, or an encrypted .xlsx
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// Open starts reading a table from r. The format is told from the content:
// a zip (XLSX) or text (CSV), and for a CSV its encoding (UTF-8 with or
// without BOM, or Shift_JIS/CP932). name (the uploaded file's name) is only
// a hint for a clearer error: a ".xlsx" that is not a zip is reported as a
// broken workbook rather than as undecodable text. size is the file's size
// if known (0 or negative for unknown): a file stated to be larger than
// opts.MaxBytes is refused before anything is read, and whatever the stated
// size, reading stops with tabular.too_large past opts.MaxBytes. Whether a
// file is empty is told from the content, not from size.
//
// Open reads up to the header row, which Header returns. Close the Reader
// when done: an XLSX may have unpacked temporary files.
func Open(r io.Reader, name string, size int64, opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	if size > opts.MaxBytes {
		return nil, &Error{Key: KeyTooLarge, Args: []any{sizeText(opts.MaxBytes)}}
	}
	lr := &limitReader{r: r, left: opts.MaxBytes, max: opts.MaxBytes}
	br := bufio.NewReaderSize(lr, 64<<10)
	head, err := br.Peek(8)
	if err != nil && err != io.EOF {
		return nil, asDataError(err)
	}
	if len(head) == 0 {
		return nil, &Error{Key: KeyEmptyFile}
	}
	ext := strings.ToLower(filepath.Ext(name))
	var rd *Reader
	switch {
	case bytes.HasPrefix(head, zipMagic):
		src, err := openXLSX(br, opts)
		if err != nil {
			return nil, err
		}
		rd = &Reader{src: src, opts: opts, format: XLSX}
	case bytes.HasPrefix(head, oleMagic):
		return nil, &Error{Key: KeyOldExcel}
	case ext == ".xlsx" || ext == ".xlsm":
		return nil, &Error{Key: KeyMalformedXLSX}
	case bytes.HasPrefix(head, utf16LEBOM) || bytes.HasPrefix(head, utf16BEBOM):
		return nil, &Error{Key: KeyUTF16}
	default:
		cs, err := openCSV(br, opts)
		if err != nil {
			return nil, err
		}
		rd = &Reader{src: cs, opts: opts, format: CSV}
	}
	if err := rd.readHeader(); err != nil {
		_ = rd.src.close()
		return nil, err
	}
	return rd, nil
}

// Format tells whether the file is a CSV or an XLSX.
func (r *Reader) Format() Format { return r.format }

// Encoding tells the encoding of a CSV as far as it has been read: a file
// that has been pure ASCII so far is UTF8. It is 0 for an XLSX.
func (r *Reader) Encoding() Encoding { return r.src.encoding() }

// Header returns the header: the cells of the first row that is not blank,
// trimmed of spaces (full-width ones too) and of a byte order mark, with
// empty cells at its end dropped.
func (r *Reader) Header() []string {
	return append([]string(nil), r.header...)
}

// Next returns the next data row, skipping blank rows (rows whose cells are
// all empty or spaces), or io.EOF after the last. Blank cells at the end of
// a row are dropped and the row padded with "" to the header's width; a row
// with more non-blank cells than the header is an error
// (tabular.extra_cells). For errors about one row (see
// (*Error).Recoverable) the returned Row has that row's Number and Next may
// be called again to go on; any other error ends the reading.
func (r *Reader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	for {
		cells, num, err := r.src.next()
		if err != nil {
			if err != io.EOF {
				err = asDataError(err)
			}
			r.fail(err)
			return Row{}, err
		}
		if blank(cells) {
			continue
		}
		r.rows++
		if r.rows > r.opts.MaxRows {
			err := &Error{Row: num, Key: KeyTooManyRows, Args: []any{r.opts.MaxRows}}
			r.fail(err)
			return Row{}, err
		}
		cells, err = r.check(cells, num)
		if err != nil {
			return Row{Number: num}, err
		}
		if len(cells) > len(r.header) {
			return Row{Number: num}, &Error{Row: num, Key: KeyExtraCells, Args: []any{num, len(r.header), len(cells)}}
		}
		for len(cells) < len(r.header) {
			cells = append(cells, "")
		}
		return Row{Number: num, Cells: cells}, nil
	}
}

// Close releases the Reader's resources (temporary files of an XLSX). It
// does not close the io.Reader given to Open. It is safe to call twice.
func (r *Reader) Close() error {
	if r.src == nil {
		return nil
	}
	err := r.src.close()
	r.src = closedSource{enc: r.src.encoding()}
	if r.err == nil {
		r.err = errClosed
	}
	return err
}

var errClosed = errors.New("tabular: reader is closed")

type closedSource struct{ enc Encoding }

func (closedSource) next() ([]string, int, error) { return nil, 0, errClosed }
func (c closedSource) encoding() Encoding         { return c.enc }
func (closedSource) close() error                 { return nil }

// fail makes err sticky and releases the source once the end is reached.
func (r *Reader) fail(err error) {
	r.err = err
	_ = r.src.close()
}

func (r *Reader) readHeader() error {
	for {
		cells, num, err := r.src.next()
		if err == io.EOF {
			return &Error{Key: KeyNoHeader}
		}
		if err != nil {
			return asDataError(err)
		}
		if blank(cells) {
			continue
		}
		for i, c := range cells {
			cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\uFEFF", ""))
		}
		cells, err = r.check(cells, num)
		if err != nil {
			return err
		}
		for i, c := range cells {
			if c == "" {
				return &Error{Row: num, Column: i + 1, Key: KeyEmptyHeader, Args: []any{num, ColumnName(i)}}
			}
		}
		r.header = cells
		return nil
	}
}

// check applies what every row goes through: the formula unescaping the
// caller asked for, encoding, trailing empty cells, and the limits.
func (r *Reader) check(cells []string, num int) ([]string, error) {
	enc := r.src.encoding()
	for i, c := range cells {
		bad := false
		switch enc {
		case ShiftJIS:
			// The decoder puts U+FFFD for bytes that are no CP932
			// character (a user-defined character, 外字, or a file
			// mixing encodings); U+FFFD itself is not in CP932.
			bad = strings.ContainsRune(c, utf8.RuneError)
		default:
			bad = !utf8.ValidString(c)
		}
		if bad {
			return nil, &Error{Row: num, Column: i + 1, Key: KeyEncodingRow, Args: []any{num, ColumnName(i)}}
		}
		if r.format == CSV && r.opts.UnescapeFormula {
			cells[i] = unescapeFormula(c)
		}
	}
	n := len(cells)
	for n > 0 && blankCell(cells[n-1]) {
		n--
	}
	cells = cells[:n]
	if n > r.opts.MaxCells {
		return nil, &Error{Row: num, Key: KeyTooManyCells, Args: []any{num, r.opts.MaxCells}}
	}
	for i, c := range cells {
		if len(c) > r.opts.MaxCellBytes {
			return nil, &Error{Row: num, Column: i + 1, Key: KeyCellTooLong,
				Args: []any{num, ColumnName(i), sizeText(int64(r.opts.MaxCellBytes))}}
		}
	}
	return cells, nil
}

// blank reports whether a row has nothing but blank cells.
func blank(cells []string) bool {
	for _, c := range cells {
		if !blankCell(c) {
			return false
		}
	}
	return true
}

// blankCell reports whether a cell holds nothing but white space (full-width
// spaces too) and byte order marks.
func blankCell(c string) bool {
	return strings.TrimFunc(c, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }) == ""
}

// asDataError passes *Error through and turns anything else into an I/O
// error for the caller, keeping it as it is.
func asDataError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return err
}

// limitReader fails with tabular.too_large once more than max bytes have
// been read.
type limitReader struct {
	r         io.Reader
	left, max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &Error{Key: KeyTooLarge, Args: []any{sizeText(l.max)}}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &Error{Key: KeyTooLarge, Args: []any{sizeText(l.max)}}
	}
	return n, err
}
