package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxSource reads one worksheet through excelize's streaming row iterator,
// which decodes the worksheet XML a row at a time.
type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	num  int // Excel row number of the last row returned
	done bool
}

// openXLSX opens the workbook. The zip is checked first against zip bombs:
// the sizes its directory declares (which archive/zip then enforces while
// unpacking) must stay within xlsxMaxUnzipped in all, and the parts that
// excelize keeps in memory within xlsxMaxInMemoryTotal. Worksheets and the
// shared-string table over xlsxInMemory are unpacked to temporary files and
// streamed from there; excelize then indexes the shared strings (about 30
// bytes of memory each, however long), so their number is capped at
// xlsxMaxSharedStrings.
//
// excelize.OpenReader reads its whole input into memory, so a workbook up
// to xlsxSpill is opened that way and a larger one is first copied to a
// temporary file and opened from there: either way memory does not grow
// with the file.
func openXLSX(br *bufio.Reader, opts Options) (src source, err error) {
	data, err := io.ReadAll(io.LimitReader(br, xlsxSpill+1))
	if err != nil {
		return nil, asDataError(err)
	}
	exo := excelize.Options{
		UnzipSizeLimit:    xlsxMaxUnzipped,
		UnzipXMLSizeLimit: xlsxInMemory,
		// Dates as Japanese Excel shows them: the built-in short date
		// (format 14) is 2025/4/1, not the US 04-01-25.
		CultureInfo:      excelize.CultureNameJaJP,
		ShortDatePattern: "yyyy/m/d",
	}
	var f *excelize.File
	if len(data) <= xlsxSpill {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, malformedXLSX(0, err)
		}
		if err := checkZip(zr); err != nil {
			return nil, err
		}
		err = safely(func() (err error) {
			f, err = excelize.OpenReader(bytes.NewReader(data), exo)
			return err
		})
		if err != nil {
			return nil, xlsxOpenError(f, err)
		}
	} else {
		f, err = openXLSXFile(data, br, exo)
		if err != nil {
			return nil, err
		}
	}
	data = nil
	s := &xlsxSource{f: f}
	defer func() {
		if err != nil {
			_ = s.close()
		}
	}()
	sheet, err := pickSheet(f, opts.Sheet)
	if err != nil {
		return nil, err
	}
	err = safely(func() (err error) {
		s.rows, err = f.Rows(sheet)
		return err
	})
	if err != nil {
		return nil, malformedXLSX(0, err)
	}
	return s, nil
}

// openXLSXFile copies a workbook larger than xlsxSpill (its first bytes
// already in head) to a temporary file and opens it from there. The file
// is removed once opened: excelize has unpacked what it needs by then.
func openXLSXFile(head []byte, rest io.Reader, exo excelize.Options) (f *excelize.File, err error) {
	tmp, err := os.CreateTemp("", "tabular-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	if _, err := tmp.Write(head); err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	n, err := io.Copy(tmp, rest)
	if err != nil {
		return nil, asDataError(err)
	}
	zr, err := zip.NewReader(tmp, int64(len(head))+n)
	if err != nil {
		return nil, malformedXLSX(0, err)
	}
	if err := checkZip(zr); err != nil {
		return nil, err
	}
	err = safely(func() (err error) {
		f, err = excelize.OpenFile(tmp.Name(), exo)
		return err
	})
	if err != nil {
		return nil, xlsxOpenError(f, err)
	}
	return f, nil
}

// checkZip refuses a zip that would unpack to too much, or whose
// shared-string table would cost too much memory to index.
func checkZip(zr *zip.Reader) error {
	if len(zr.File) > xlsxMaxParts {
		return malformedXLSX(0, fmt.Errorf("%d files in the zip", len(zr.File)))
	}
	var total, inMemory uint64
	var sst *zip.File
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		total += size
		if total > xlsxMaxUnzipped || size > xlsxMaxUnzipped {
			return &Error{Key: KeyTooLargeUnzip, Args: []any{sizeText(xlsxMaxUnzipped)}}
		}
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		if name == "xl/sharedstrings.xml" {
			sst = zf
		}
		streamed := size > xlsxInMemory &&
			(strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml")
		if !streamed {
			inMemory += size
			if inMemory > xlsxMaxInMemoryTotal {
				return &Error{Key: KeyTooLargeUnzip, Args: []any{sizeText(xlsxMaxInMemoryTotal)}}
			}
		}
	}
	if sst != nil && sst.UncompressedSize64 > xlsxInMemory {
		n, err := countSharedStrings(sst, xlsxMaxSharedStrings)
		if err != nil {
			return malformedXLSX(0, err)
		}
		if n > xlsxMaxSharedStrings {
			return &Error{Key: KeyTooManyStrings, Args: []any{xlsxMaxSharedStrings}}
		}
	}
	return nil
}

// countSharedStrings counts the <si> elements of a shared-string table,
// stopping past limit. It looks for the tag names only, without parsing
// the XML, so it costs no memory and little time.
func countSharedStrings(zf *zip.File, limit int) (int, error) {
	rc, err := zf.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	n := 0
	for n <= limit {
		if _, err := br.ReadSlice('<'); err != nil {
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		name, _ := br.Peek(32)
		end := bytes.IndexAny(name, " >/\t\r\n")
		if end <= 0 {
			continue // a closing tag, or a name too long to be si
		}
		tag := name[:end]
		if i := bytes.LastIndexByte(tag, ':'); i >= 0 {
			tag = tag[i+1:]
		}
		if string(tag) == "si" {
			n++
		}
	}
	return n, nil
}

// xlsxOpenError closes what excelize may have half opened and reports err.
func xlsxOpenError(f *excelize.File, err error) error {
	if f != nil {
		_ = f.Close()
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if strings.Contains(err.Error(), "unzip size") {
		return &Error{Key: KeyTooLargeUnzip, Args: []any{sizeText(xlsxMaxUnzipped)}, err: err}
	}
	return malformedXLSX(0, err)
}

// pickSheet returns the sheet asked for, or the first visible one.
func pickSheet(f *excelize.File, want string) (string, error) {
	var list []string
	err := safely(func() error {
		list = f.GetSheetList()
		return nil
	})
	if err != nil {
		return "", malformedXLSX(0, err)
	}
	if want != "" {
		for _, name := range list {
			if name == want {
				return name, nil
			}
		}
		for _, name := range list {
			if strings.EqualFold(name, want) {
				return name, nil
			}
		}
		return "", &Error{Key: KeyNoSheet, Args: []any{want}}
	}
	for _, name := range list {
		visible := false
		_ = safely(func() (err error) {
			visible, err = f.GetSheetVisible(name)
			return err
		})
		if visible {
			return name, nil
		}
	}
	if len(list) > 0 {
		return list[0], nil
	}
	return "", malformedXLSX(0, errors.New("no worksheet"))
}

func (s *xlsxSource) next() (cells []string, num int, err error) {
	if s.done {
		return nil, 0, io.EOF
	}
	more := false
	err = safely(func() error {
		if more = s.rows.Next(); !more {
			return s.rows.Error()
		}
		s.num++
		var cerr error
		cells, cerr = s.rows.Columns()
		return cerr
	})
	if err != nil {
		s.done = true
		return nil, 0, malformedXLSX(s.num, err)
	}
	if !more {
		s.done = true
		return nil, 0, io.EOF
	}
	return cells, s.num, nil
}

func (s *xlsxSource) encoding() Encoding { return 0 }

func (s *xlsxSource) close() error {
	var err error
	if s.rows != nil {
		_ = safely(s.rows.Close)
		s.rows = nil
	}
	if s.f != nil {
		err = safely(s.f.Close)
		s.f = nil
	}
	s.done = true
	return err
}

func malformedXLSX(row int, cause error) *Error {
	return &Error{Row: row, Key: KeyMalformedXLSX, err: cause}
}

// safely runs fn, turning a panic inside excelize on a crafted file into
// an error.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}
