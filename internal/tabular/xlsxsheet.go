package tabular

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// xlsxMaxSharedStringBytes bounds the text of the shared-string table,
// which is held in memory while the sheet is read (xlsxMaxSharedStrings
// bounds its entries): 64 MiB is 100,000 rows of some 670 bytes of
// distinct text each, many times what a register holds.
const xlsxMaxSharedStringBytes = 64 << 20

// sstChunk is the size of the strings the shared strings are packed in:
// one allocation per MiB of text rather than one per string.
const sstChunk = 1 << 20

// cellLimit is the most bytes of a value kept: a longer one is cut to a
// little over it, enough for the Reader to report it as too long.
func cellLimit(opts Options) int { return opts.MaxCellBytes }

// rawLimit is the most bytes kept of text that _xHHHH_ escapes may still
// shorten, seven bytes to one.
func rawLimit(limit int) int { return 8 * (limit + 8) }

// sstLimits bound the shared-string table: its entries and their bytes.
type sstLimits struct{ count, bytes int }

// loadSharedStrings reads the shared-string table into memory, each entry
// cut at limit as cells are.
func loadSharedStrings(book *xlsxBook, limit int, lim sstLimits) ([]string, error) {
	if book.part(book.sstPart) == nil {
		return nil, nil
	}
	x, c, err := book.openPart(book.sstPart)
	if err != nil {
		return nil, malformedXLSX(0, err)
	}
	defer c.Close()
	var (
		items   []string
		chunk   []byte
		pending []int // start and end in chunk of the entries not yet in items
		total   int
		rich    = newRichText(limit)
		depth   = 0
	)
	flush := func() {
		s := string(chunk)
		for i := 0; i < len(pending); i += 2 {
			items = append(items, s[pending[i]:pending[i+1]])
		}
		chunk, pending = chunk[:0], pending[:0]
	}
	for {
		tok, err := x.next()
		if err != nil {
			return nil, malformedXLSX(0, fmt.Errorf("%s: %w", book.sstPart, err))
		}
		switch tok {
		case xmlEOF:
			flush()
			return items, nil
		case xmlEnd:
			depth--
			continue
		}
		depth++
		switch {
		case depth == 1 && items == nil:
			// Room for the entries the table says it has, within
			// what its size allows (<si/> is 5 bytes) and the limit.
			if v, ok := attrValue(x.attrs, "uniqueCount"); ok {
				n, _ := strconv.Atoi(string(v))
				n = min(n, lim.count, int(min(book.part(book.sstPart).UncompressedSize64/5, 1<<40)))
				items = make([]string, 0, max(n, 0))
			}
			if x.empty {
				depth--
			}
		case depth == 2 && string(x.name) == "si":
			v, err := rich.read(x)
			if err != nil {
				return nil, malformedXLSX(0, fmt.Errorf("%s: %w", book.sstPart, err))
			}
			if len(items)+len(pending)/2 >= lim.count {
				return nil, &Error{Key: KeyTooManyStrings, Args: []any{lim.count}}
			}
			if total += len(v); total > lim.bytes {
				return nil, &Error{Key: KeyTooLargeUnzip, Args: []any{sizeText(int64(lim.bytes))}}
			}
			if len(chunk)+len(v) > cap(chunk) {
				flush()
				if len(v) > cap(chunk) {
					// The text is no longer than the part.
					size := int(min(book.part(book.sstPart).UncompressedSize64, sstChunk))
					chunk = make([]byte, 0, size+len(v))
				}
			}
			pending = append(pending, len(chunk), len(chunk)+len(v))
			chunk = append(chunk, v...)
			depth--
		case depth >= 2:
			if err := x.skip(); err != nil {
				return nil, malformedXLSX(0, fmt.Errorf("%s: %w", book.sstPart, err))
			}
			depth--
		case x.empty:
			depth--
		}
	}
}

// richText reads the text of a shared string (si) or an inline string
// (is): its t, then the t of each rich-text run (r) after it; phonetic
// readings (rPh, the furigana Japanese Excel adds) are not part of the
// text. Like excelize it then undoes _xHHHH_ escapes.
type richText struct {
	limit             int
	direct, run, runs textBuf
	out               textBuf
}

func newRichText(limit int) *richText { return &richText{limit: limit} }

// read reads the element whose start tag x has just returned; the text
// returned is valid until the next call.
func (r *richText) read(x *xmlScanner) ([]byte, error) {
	raw := rawLimit(r.limit)
	r.direct.reset(r.direct.b[:0], raw)
	r.runs.reset(r.runs.b[:0], raw)
	if x.empty {
		return nil, nil
	}
	for {
		tok, err := x.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case xmlEOF:
			return nil, errXMLEOF
		case xmlEnd:
			return r.value(), nil
		}
		switch string(x.name) {
		case "t":
			// A second t replaces the first, as encoding/xml decoding
			// into excelize's struct did.
			r.direct.reset(r.direct.b[:0], raw)
			err = x.text(&r.direct)
		case "r":
			err = r.readRun(x, raw)
		default:
			err = x.skip()
		}
		if err != nil {
			return nil, err
		}
	}
}

func (r *richText) readRun(x *xmlScanner, raw int) error {
	r.run.reset(r.run.b[:0], raw)
	if x.empty {
		return nil
	}
	for {
		tok, err := x.next()
		if err != nil {
			return err
		}
		switch tok {
		case xmlEOF:
			return errXMLEOF
		case xmlEnd:
			r.runs.add(r.run.value())
			return nil
		}
		if string(x.name) == "t" {
			r.run.reset(r.run.b[:0], raw)
			err = x.text(&r.run)
		} else {
			err = x.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (r *richText) value() []byte {
	v := r.direct.value()
	if runs := r.runs.value(); len(runs) > 0 {
		r.direct.b = append(r.direct.b, runs...)
		v = r.direct.b[r.direct.base:]
	}
	v = bstrUnmarshal(v)
	if len(v) <= r.limit && !r.direct.over && !r.runs.over {
		return v
	}
	r.out.reset(r.out.b[:0], r.limit)
	r.out.over, r.out.nonBlank = false, 0
	r.out.add(v)
	if r.direct.over && r.out.nonBlank == 0 {
		r.out.nonBlank = r.direct.nonBlank
	}
	if r.runs.over && r.out.nonBlank == 0 {
		r.out.nonBlank = r.runs.nonBlank
	}
	r.out.over = r.out.over || r.direct.over || r.runs.over
	return r.out.value()
}

// Cell types (the t attribute) that read differently.
const (
	cellNumber  = iota // n, e, none, or anything unknown: a number if it is one
	cellShared         // s
	cellInline         // inlineStr
	cellFormula        // str: a formula's text result, shown as it is
	cellBool           // b
	cellDate           // d: ISO 8601
)

// xlsxSource streams the rows of one worksheet.
type xlsxSource struct {
	book   *xlsxBook
	x      *xmlScanner
	part   io.Closer
	sst    []string
	styles *xlsxStyles
	limit  int
	num    int // the number of the last row read
	done   bool

	v     textBuf
	rich  *richText
	row   []byte    // the values of the row being read that are not strings yet
	cells []cellVal // where each value of the row goes
}

// cellVal is one non-empty value of a row: a string, or row[start:end].
type cellVal struct {
	idx        int
	s          string
	start, end int
	isStr      bool
}

// newXLSXSource opens the worksheet and reads up to its sheetData.
func newXLSXSource(book *xlsxBook, sst []string, styles *xlsxStyles, limit int) (*xlsxSource, error) {
	x, c, err := book.openPart(book.sheetPart)
	if err != nil {
		return nil, malformedXLSX(0, err)
	}
	s := &xlsxSource{book: book, x: x, part: c, sst: sst, styles: styles, limit: limit, rich: newRichText(limit)}
	for {
		tok, err := x.next()
		if err != nil {
			_ = s.close()
			return nil, malformedXLSX(0, fmt.Errorf("%s: %w", book.sheetPart, err))
		}
		if tok == xmlEOF {
			s.done = true // no sheetData: no rows
			return s, nil
		}
		if tok == xmlStart && string(x.name) == "sheetData" {
			s.done = x.empty
			return s, nil
		}
	}
}

func (s *xlsxSource) next() (cells []string, num int, err error) {
	if s.done {
		return nil, 0, io.EOF
	}
	for {
		tok, err := s.x.next()
		if err != nil {
			return s.fail(s.num+1, err)
		}
		switch tok {
		case xmlEOF:
			return s.fail(s.num+1, errXMLEOF)
		case xmlEnd: // of sheetData
			s.done = true
			return nil, 0, io.EOF
		}
		if string(s.x.name) == "row" {
			return s.readRow()
		}
		if err := s.x.skip(); err != nil {
			return s.fail(s.num+1, err)
		}
	}
}

func (s *xlsxSource) fail(row int, err error) ([]string, int, error) {
	s.done = true
	return nil, 0, malformedXLSX(row, fmt.Errorf("%s: %w", s.book.sheetPart, err))
}

// readRow reads a row element. Its number is its r, or one more than the
// last row's when r is missing or not past it (a file with rows out of
// order is not Excel's), so numbers always increase.
func (s *xlsxSource) readRow() ([]string, int, error) {
	x := s.x
	num := s.num + 1
	v, ok, err := findAttr(x.attrs, "r")
	if err != nil {
		return s.fail(num, err)
	}
	if ok {
		r, err := strconv.Atoi(string(v))
		if err != nil || r < 0 || r > xlsxMaxRows {
			return s.fail(num, fmt.Errorf("row number %q", v))
		}
		num = max(num, r)
	}
	if num > xlsxMaxRows {
		return s.fail(num, fmt.Errorf("row %d past the last row of a worksheet", num))
	}
	s.num = num
	if x.empty {
		return nil, num, nil
	}
	s.row, s.cells = s.row[:0], s.cells[:0]
	n, col := 0, 0 // cells so far; column of the last cell
	for {
		tok, err := x.next()
		if err != nil {
			return s.fail(num, err)
		}
		switch tok {
		case xmlEOF:
			return s.fail(num, errXMLEOF)
		case xmlEnd:
			return s.rowCells(n), num, nil
		}
		if string(x.name) != "c" {
			if err := x.skip(); err != nil {
				return s.fail(num, err)
			}
			continue
		}
		col++
		cv, keep, err := s.readCell(&col)
		if err != nil {
			return s.fail(num, err)
		}
		if keep {
			// As excelize: a cell goes in its column, after blank
			// ones; one whose column is already taken (cells out of
			// order) goes at the end.
			cv.idx = max(n, col-1)
			n = cv.idx + 1
			s.cells = append(s.cells, cv)
		}
	}
}

// rowCells makes the row's cells: one string holds all the values that
// are not strings already.
func (s *xlsxSource) rowCells(n int) []string {
	if n == 0 {
		return nil
	}
	all := string(s.row)
	out := make([]string, n)
	for _, c := range s.cells {
		if c.isStr {
			out[c.idx] = c.s
		} else {
			out[c.idx] = all[c.start:c.end]
		}
	}
	return out
}

// readCell reads a c element. col is its column by count, which an r
// attribute overrides. keep is false for a cell with no value (and no
// formula), which excelize left out.
func (s *xlsxSource) readCell(col *int) (cv cellVal, keep bool, err error) {
	x := s.x
	typ, style := cellNumber, 0
	for a := x.attrs; ; {
		name, value, rest, ok, err := nextAttr(a)
		if err != nil {
			return cv, false, err
		}
		if !ok {
			break
		}
		a = rest
		switch string(name) {
		case "r":
			c, err := cellColumn(value)
			if err != nil {
				return cv, false, err
			}
			*col = c
		case "s":
			v, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil {
				return cv, false, fmt.Errorf("cell style %q", value)
			}
			// Out of range is a style that does not exist: no format.
			style = int(max(min(v, 1<<31), -1))
		case "t":
			typ = cellType(value)
		}
	}
	hasV, hasIS, hasF := false, false, false
	var is []byte
	s.v.reset(s.v.b[:0], s.limit)
	if !x.empty {
	children:
		for {
			tok, err := x.next()
			if err != nil {
				return cv, false, err
			}
			switch tok {
			case xmlEOF:
				return cv, false, errXMLEOF
			case xmlEnd:
				break children
			}
			switch string(x.name) {
			case "v":
				s.v.reset(s.v.b[:0], s.limit)
				err = x.text(&s.v)
				hasV = true
			case "is":
				is, err = s.rich.read(x)
				hasIS = true
			case "f":
				hasF = true
				err = x.skip()
			default:
				err = x.skip()
			}
			if err != nil {
				return cv, false, err
			}
		}
	}
	var v []byte
	if hasV {
		v = s.v.value()
	}
	start := len(s.row)
	switch typ {
	case cellBool:
		switch string(v) {
		case "1":
			cv = strCell("TRUE")
		case "0":
			cv = strCell("FALSE")
		default:
			cv = s.textCell(style, v)
		}
	case cellDate:
		d := dateSerial(string(v))
		if isNum, _, _ := isNumeric(d); isNum {
			s.row = append(s.row, d...)
			cv = s.numberCell(style, start)
		} else {
			cv = s.textCell(style, []byte(d))
		}
	case cellShared:
		if len(v) == 0 {
			cv = s.textCell(style, nil)
			break
		}
		i, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil || i < 0 || i >= len(s.sst) {
			return cv, false, fmt.Errorf("shared string %q of %d", v, len(s.sst))
		}
		cv = strCell(s.sst[i])
		if !s.styles.plainText(style) {
			cv = strCell(s.styles.text(style, cv.s))
		}
	case cellFormula:
		s.row = append(s.row, v...)
		cv = cellVal{start: start, end: len(s.row)}
	case cellInline:
		if hasIS {
			v = is
		}
		cv = s.textCell(style, v)
	default:
		if canon, ok := appendNumber(s.row, v); ok {
			s.row = canon
			cv = s.numberCell(style, start)
		} else {
			cv = s.textCell(style, v)
		}
	}
	empty := cv.isStr && cv.s == "" || !cv.isStr && cv.start == cv.end
	return cv, !empty || hasF, nil
}

func strCell(s string) cellVal { return cellVal{s: s, isStr: true} }

// textCell is a text value in a style, kept in the row's bytes when the
// style leaves text as it is.
func (s *xlsxSource) textCell(style int, v []byte) cellVal {
	if !s.styles.plainText(style) {
		return strCell(s.styles.text(style, string(v)))
	}
	start := len(s.row)
	s.row = append(s.row, v...)
	return cellVal{start: start, end: len(s.row)}
}

// numberCell is a number in a style, its canonical form at row[start:];
// it stays there when the style shows it as it is.
func (s *xlsxSource) numberCell(style int, start int) cellVal {
	st := s.styles
	if st == nil || style <= 0 || style >= len(st.xfs) || st.xfs[style].num == numRaw {
		return cellVal{start: start, end: len(s.row)}
	}
	out := st.number(style, string(s.row[start:]))
	s.row = s.row[:start]
	return strCell(out)
}

func cellType(t []byte) int {
	switch string(t) {
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	case "str":
		return cellFormula
	case "b":
		return cellBool
	case "d":
		return cellDate
	}
	return cellNumber
}

// cellColumn returns the column of a cell reference ("B3" is 2) as
// excelize's CellNameToCoordinates read it: letters (and $) then a row
// number from 1 to the last row of a worksheet, the column within the
// worksheet's 16,384.
func cellColumn(ref []byte) (int, error) {
	// Nearly every reference is letters then digits ("AB12").
	col, i := 0, 0
	for ; i < len(ref) && i < 4 && 'A' <= ref[i] && ref[i] <= 'Z'; i++ {
		col = col*26 + int(ref[i]-'A'+1)
	}
	row, j := 0, i
	for ; j < len(ref) && j < i+8 && '0' <= ref[j] && ref[j] <= '9'; j++ {
		row = row*10 + int(ref[j]-'0')
	}
	if i > 0 && j > i && j == len(ref) && col <= xlsxMaxCols && row >= 1 && row <= xlsxMaxRows {
		return col, nil
	}
	return cellColumnSlow(ref)
}

// cellColumnSlow is cellColumn for the rest: lower case, $, a sign.
func cellColumnSlow(ref []byte) (int, error) {
	isAlpha := func(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '$' }
	if len(ref) == 0 || !isAlpha(ref[0]) {
		return 0, fmt.Errorf("cell reference %q", ref)
	}
	last := bytes.LastIndexFunc(ref, func(r rune) bool { return r < 0x80 && isAlpha(byte(r)) })
	if last >= len(ref)-1 {
		return 0, fmt.Errorf("cell reference %q", ref)
	}
	row, err := strconv.Atoi(string(ref[last+1:]))
	if err != nil || row <= 0 {
		return 0, fmt.Errorf("cell reference %q", ref)
	}
	if row > xlsxMaxRows {
		return 0, fmt.Errorf("cell reference %q past the last row", ref)
	}
	col := 0
	for _, c := range ref[:last+1] {
		switch {
		case c == '$':
			continue
		case 'A' <= c && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case 'a' <= c && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			return 0, fmt.Errorf("cell reference %q", ref)
		}
		if col > xlsxMaxCols {
			return 0, fmt.Errorf("cell reference %q past the last column", ref)
		}
	}
	if col == 0 {
		return 0, fmt.Errorf("cell reference %q", ref)
	}
	return col, nil
}

func (s *xlsxSource) encoding() Encoding { return 0 }

func (s *xlsxSource) close() error {
	var err error
	if s.part != nil {
		err = s.part.Close()
		s.part = nil
	}
	s.styles.close()
	s.book.close()
	s.done = true
	s.sst = nil
	return err
}
