package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// csvSource reads a CSV through encoding/csv, with the encoding told from
// the content.
type csvSource struct {
	cr      *csv.Reader
	dec     *decodingReader
	guard   *recordGuard
	row     int // Excel row number of the last record
	endLine int // physical line on which the last record ended
}

func openCSV(br *bufio.Reader, opts Options) (*csvSource, error) {
	head, _ := br.Peek(4096)
	if looksBinary(head) {
		return nil, &Error{Key: KeyEncoding}
	}
	dec := &decodingReader{br: br}
	if bytes.HasPrefix(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		dec.enc = UTF8BOM
	}
	// A legitimate record is at most MaxCells cells of MaxCellBytes, each
	// quoted with every quote doubled, plus any number of empty cells at
	// its end (Excel exports its "used range"). Past that a record is
	// refused before encoding/csv buffers more of it.
	limit := int64(opts.MaxCells)*(2*int64(opts.MaxCellBytes)+3) + 1<<20
	guard := &recordGuard{r: dec, limit: limit}
	cr := csv.NewReader(guard)
	cr.LazyQuotes = false
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	return &csvSource{cr: cr, dec: dec, guard: guard}, nil
}

func (s *csvSource) encoding() Encoding {
	if s.dec.enc == 0 {
		return UTF8
	}
	return s.dec.enc
}

func (s *csvSource) close() error { return nil }

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && (pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote || pe.Err == csv.ErrFieldCount) {
			row := s.row + max(pe.StartLine-s.endLine, 1)
			return nil, 0, &Error{Row: row, Key: KeyMalformedCSV, Args: []any{row}, err: err}
		}
		var e *Error
		if errors.As(err, &e) {
			// The guard or the decoder stopped inside the record after the
			// last one read; blank lines before it are not known.
			switch e.Key {
			case KeyRowTooLong:
				row := s.row + 1
				return nil, 0, &Error{Row: row, Key: KeyRowTooLong, Args: []any{row}}
			case KeyEncoding:
				return nil, 0, &Error{Row: s.row + 1, Key: KeyEncoding}
			}
			return nil, 0, e
		}
		return nil, 0, err
	}
	s.guard.reset()
	start, _ := s.cr.FieldPos(0)
	last := len(rec) - 1
	lastLine, _ := s.cr.FieldPos(last)
	s.row += max(start-s.endLine, 1)
	s.endLine = lastLine + strings.Count(rec[last], "\n")
	return rec, s.row, nil
}

// looksBinary reports whether the start of a file cannot be CSV text: a NUL
// byte (UTF-16 without a BOM, or a binary file).
func looksBinary(head []byte) bool {
	return bytes.IndexByte(head, 0) >= 0
}

// recordGuard stops a single CSV record from growing without bound:
// encoding/csv keeps a whole record (and a whole line) in memory, so one
// 50 MB line would cost 50 MB or more. The count is reset after each
// record; encoding/csv reads ahead by at most its 4 KiB buffer, which the
// limit allows for.
type recordGuard struct {
	r     io.Reader
	n     int64
	limit int64
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.n > g.limit {
		return 0, &Error{Key: KeyRowTooLong}
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

func (g *recordGuard) reset() { g.n = 0 }

// sniffWindow is how much of a CSV, from its first non-ASCII byte, decides
// between UTF-8 and Shift_JIS.
const sniffWindow = 4096

// decodingReader yields a CSV's text as UTF-8. Until the first byte that
// is not ASCII it passes bytes through (ASCII is the same in both
// encodings); there it decides on the next sniffWindow bytes (see decide).
// Later bytes that do not fit the chosen encoding show up as invalid UTF-8
// or U+FFFD in a cell, which Reader.check reports with its row and column.
type decodingReader struct {
	br  *bufio.Reader
	enc Encoding // 0 until decided
	sj  io.Reader
}

func (d *decodingReader) Read(p []byte) (int, error) {
	switch d.enc {
	case UTF8, UTF8BOM:
		return d.br.Read(p)
	case ShiftJIS:
		return d.sj.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := d.br.Peek(1); err != nil {
		return 0, err
	}
	buf, _ := d.br.Peek(min(d.br.Buffered(), len(p)))
	i := 0
	for i < len(buf) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		n := copy(p, buf[:i])
		_, _ = d.br.Discard(n)
		return n, nil
	}
	if err := d.decide(); err != nil {
		return 0, err
	}
	return d.Read(p)
}

// decide chooses the encoding at the first non-ASCII byte, from the window
// w of sniffWindow bytes starting there:
//
//   - all of w is valid UTF-8: UTF-8;
//   - w starts with at least minUTF8Run multi-byte UTF-8 characters before
//     its first invalid byte: UTF-8 too, a UTF-8 file with a bad stretch
//     (Shift_JIS text almost never forms even one valid UTF-8 sequence);
//   - w decodes as CP932 with at most one character in ten a replacement
//     character (a user-defined character, 外字) or a control code:
//     Shift_JIS, the bad characters reported on their rows;
//   - otherwise the file is refused (tabular.encoding).
//
// The bias is to UTF-8 on purpose: UTF-8 chosen wrongly shows up as
// invalid bytes in cells, reported, whereas UTF-8 text decoded as CP932
// mostly gives valid-looking mojibake, which nothing would catch.
func (d *decodingReader) decide() error {
	w, err := d.br.Peek(sniffWindow)
	atEOF := err != nil // io.EOF, or an error the next read will repeat
	if run, ok := utf8Run(w, atEOF); ok || run >= minUTF8Run {
		d.enc = UTF8
		return nil
	}
	if !plausibleShiftJIS(w, atEOF) {
		return &Error{Key: KeyEncoding}
	}
	d.enc = ShiftJIS
	d.sj = transform.NewReader(d.br, japanese.ShiftJIS.NewDecoder())
	return nil
}

// minUTF8Run is how many multi-byte UTF-8 characters before the first
// invalid byte make a window UTF-8.
const minUTF8Run = 4

// utf8Run counts the multi-byte characters of w before its first invalid
// UTF-8 sequence, and reports whether w is valid UTF-8 throughout (a
// character cut off at its end is allowed when more follows).
func utf8Run(w []byte, atEOF bool) (run int, valid bool) {
	for len(w) > 0 {
		r, size := utf8.DecodeRune(w)
		if r == utf8.RuneError && size <= 1 {
			return run, !atEOF && len(w) < utf8.UTFMax && !utf8.FullRune(w)
		}
		if size > 1 {
			run++
		}
		w = w[size:]
	}
	return run, true
}

// plausibleShiftJIS reports whether w decodes as CP932 to text: at most
// one in ten of its non-ASCII characters and control codes (other than tab
// and line breaks) a replacement character or a control code.
func plausibleShiftJIS(w []byte, atEOF bool) bool {
	dst := make([]byte, 3*len(w)+16)
	n, _, err := japanese.ShiftJIS.NewDecoder().Transform(dst, w, atEOF)
	if err != nil && err != transform.ErrShortSrc {
		return false
	}
	chars, bad := 0, 0
	for _, r := range string(dst[:n]) {
		control := (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7F
		if r >= utf8.RuneSelf || control {
			chars++
		}
		if r == utf8.RuneError || control {
			bad++
		}
	}
	return chars > 0 && bad*10 <= chars
}
