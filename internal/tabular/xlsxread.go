package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// An XLSX is read with a streaming reader of its own (xlsxsheet.go) rather
// than excelize's row iterator, which decodes the worksheet XML with
// encoding/xml at some 20,000 rows a second (7,500 with shared strings):
// too slow for the 10 s budget of a 100,000-row import. Values still read
// as they did through excelize, Excel in Japan's way: the cell's number
// format decides how a number shows (excelize still renders the formats
// other than General, see xlsxstyle.go).

// xlsxBook is an opened workbook package: the zip and where its parts are.
type xlsxBook struct {
	zr    *zip.Reader
	parts map[string]*zip.File // by name as in the zip, "/" separated
	lower map[string]*zip.File // by lower-case name: part names ignore case
	tmp   *os.File             // the upload spilled to disk, removed on close

	sheetPart  string // the worksheet to read
	sstPart    string // the shared-string table, if any
	stylesPart string // styles, if any
	date1904   string // workbookPr's date1904 attribute as written
	hasDate    bool   // whether there is one
}

// Relationship types, by the ending that the transitional and the strict
// OOXML namespaces share.
const (
	relOfficeDocument = "/officeDocument"
	relWorksheet      = "/worksheet"
	relSharedStrings  = "/sharedStrings"
	relStyles         = "/styles"
)

// Content types that mark the workbook part, for a package without a
// relationship to it.
var workbookContentTypes = []string{
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
	"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
	"application/vnd.ms-excel.template.macroEnabled.main+xml",
}

// openXLSX opens the workbook and reads up to the first row of the sheet.
// The zip is checked first against zip bombs: the sizes its directory
// declares (which archive/zip then enforces while unpacking) must stay
// within xlsxMaxUnzipped in all, and the parts other than worksheets and
// the shared-string table within xlsxMaxInMemoryTotal. The shared strings
// are then held in memory, within xlsxMaxSharedStrings entries and
// xlsxMaxSharedStringBytes; the worksheet is streamed, never held.
//
// A workbook up to xlsxSpill is held in memory while it is read; a larger
// one is copied to a temporary file first, so memory does not grow with
// the file either way.
func openXLSX(br *bufio.Reader, opts Options) (src source, err error) {
	data, err := io.ReadAll(io.LimitReader(br, xlsxSpill+1))
	if err != nil {
		return nil, asDataError(err)
	}
	book := &xlsxBook{}
	defer func() {
		if err != nil {
			book.close()
		}
	}()
	if len(data) <= xlsxSpill {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, malformedXLSX(0, err)
		}
		book.zr = zr
	} else if err := book.spill(data, br); err != nil {
		return nil, err
	}
	if err := checkZip(book.zr); err != nil {
		return nil, err
	}
	book.index()
	// The shared strings are looked for (by their usual name) even when
	// the workbook part cannot be found, so that a bomb of strings is
	// reported as such.
	wbErr := book.findParts(opts.Sheet)
	var e *Error
	if errors.As(wbErr, &e) {
		return nil, e
	}
	sst, err := loadSharedStrings(book, cellLimit(opts), sstLimits{xlsxMaxSharedStrings, xlsxMaxSharedStringBytes})
	if err != nil {
		return nil, err
	}
	if wbErr != nil {
		return nil, malformedXLSX(0, wbErr)
	}
	styles, err := loadStyles(book)
	if err != nil {
		return nil, malformedXLSX(0, err)
	}
	s, err := newXLSXSource(book, sst, styles, cellLimit(opts))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// spill copies a workbook larger than xlsxSpill (its first bytes already
// in head) to a temporary file that the zip is then read from.
func (b *xlsxBook) spill(head []byte, rest io.Reader) error {
	tmp, err := os.CreateTemp("", "tabular-*.xlsx")
	if err != nil {
		return fmt.Errorf("tabular: spilling the workbook: %w", err)
	}
	b.tmp = tmp
	if _, err := tmp.Write(head); err != nil {
		return fmt.Errorf("tabular: spilling the workbook: %w", err)
	}
	n, err := io.Copy(tmp, rest)
	if err != nil {
		// The upload's own error (or tabular.too_large), as it is.
		return asDataError(err)
	}
	zr, err := zip.NewReader(tmp, int64(len(head))+n)
	if err != nil {
		return malformedXLSX(0, err)
	}
	b.zr = zr
	return nil
}

func (b *xlsxBook) close() {
	if b.tmp != nil {
		_ = b.tmp.Close()
		_ = os.Remove(b.tmp.Name())
		b.tmp = nil
	}
	b.zr = nil
}

// checkZip refuses a zip that would unpack to too much.
func checkZip(zr *zip.Reader) error {
	if len(zr.File) > xlsxMaxParts {
		return malformedXLSX(0, fmt.Errorf("%d files in the zip", len(zr.File)))
	}
	var total, inMemory uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		total += size
		if total > xlsxMaxUnzipped || size > xlsxMaxUnzipped {
			return &Error{Key: KeyTooLargeUnzip, Args: []any{sizeText(xlsxMaxUnzipped)}}
		}
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		streamed := size > xlsxInMemory &&
			(strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml")
		if !streamed {
			inMemory += size
			if inMemory > xlsxMaxInMemoryTotal {
				return &Error{Key: KeyTooLargeUnzip, Args: []any{sizeText(xlsxMaxInMemoryTotal)}}
			}
		}
	}
	return nil
}

func (b *xlsxBook) index() {
	b.parts = make(map[string]*zip.File, len(b.zr.File))
	b.lower = make(map[string]*zip.File, len(b.zr.File))
	for _, zf := range b.zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(zf.Name, `\`, "/"), "/")
		if _, dup := b.parts[name]; !dup {
			b.parts[name] = zf
		}
		if _, dup := b.lower[strings.ToLower(name)]; !dup {
			b.lower[strings.ToLower(name)] = zf
		}
	}
}

// part returns the zip entry of a part name ("xl/workbook.xml"), or nil.
func (b *xlsxBook) part(name string) *zip.File {
	if zf := b.parts[name]; zf != nil {
		return zf
	}
	return b.lower[strings.ToLower(name)]
}

// openPart opens a part for reading, with a tokenizer on it.
func (b *xlsxBook) openPart(name string) (*xmlScanner, io.Closer, error) {
	zf := b.part(name)
	if zf == nil {
		return nil, nil, fmt.Errorf("no part %s", name)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	x, err := newXMLScannerSize(rc, zf.UncompressedSize64)
	if err != nil {
		_ = rc.Close()
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return x, rc, nil
}

// resolve turns a relationship's target into a part name: relative to the
// folder of the part the relationships belong to, or from the package
// root when it starts with /.
func resolve(from, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join(path.Dir(from), target), "/")
}

// relsOf returns the part name of the relationships of a part:
// xl/workbook.xml → xl/_rels/workbook.xml.rels.
func relsOf(part string) string {
	dir, file := path.Split(part)
	return dir + "_rels/" + file + ".rels"
}

type relationship struct{ id, typ, target string }

// readRels reads a relationships part; a missing one has none.
func (b *xlsxBook) readRels(name string) ([]relationship, error) {
	if b.part(name) == nil {
		return nil, nil
	}
	var rels []relationship
	err := b.walk(name, func(x *xmlScanner, depth int) error {
		if depth != 2 || string(x.name) != "Relationship" {
			return nil
		}
		a, err := x.attrMap()
		if err != nil {
			return err
		}
		if a["TargetMode"] != "External" {
			rels = append(rels, relationship{id: a["Id"], typ: a["Type"], target: a["Target"]})
		}
		return nil
	})
	return rels, err
}

// walk calls fn for every start tag of a small part with its depth (the
// root element is 1).
func (b *xlsxBook) walk(name string, fn func(x *xmlScanner, depth int) error) error {
	x, c, err := b.openPart(name)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := walkXML(x, fn); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func walkXML(x *xmlScanner, fn func(x *xmlScanner, depth int) error) error {
	depth := 0
	for {
		tok, err := x.next()
		if err != nil {
			return err
		}
		switch tok {
		case xmlEOF:
			return nil
		case xmlStart:
			depth++
			if err := fn(x, depth); err != nil {
				return err
			}
			if x.empty {
				depth--
			}
		case xmlEnd:
			depth--
		}
	}
}

// workbookPart finds the workbook: the package's officeDocument
// relationship, else the part [Content_Types].xml says is a workbook,
// else where Excel puts it.
func (b *xlsxBook) workbookPart() (string, error) {
	rels, err := b.readRels("_rels/.rels")
	if err != nil {
		return "", err
	}
	for _, r := range rels {
		if strings.HasSuffix(r.typ, relOfficeDocument) {
			if name := resolve("", r.target); b.part(name) != nil {
				return name, nil
			}
		}
	}
	const types = "[Content_Types].xml"
	found := ""
	if b.part(types) != nil {
		err := b.walk(types, func(x *xmlScanner, depth int) error {
			if depth != 2 || string(x.name) != "Override" || found != "" {
				return nil
			}
			a, err := x.attrMap()
			if err != nil {
				return err
			}
			for _, ct := range workbookContentTypes {
				if strings.EqualFold(strings.TrimSpace(a["ContentType"]), ct) {
					found = resolve("", a["PartName"])
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		if found != "" && b.part(found) != nil {
			return found, nil
		}
	}
	if b.part("xl/workbook.xml") != nil {
		return "xl/workbook.xml", nil
	}
	return "", errors.New("no workbook part")
}

type sheetEntry struct {
	name, state string
	part        string // the part its relationship points to
	worksheet   bool   // a worksheet, not a chart sheet or a macro sheet
}

// findParts reads the workbook and its relationships to find the sheet to
// read (by name, or the first visible one), the shared strings and the
// styles. When the workbook cannot be found it still sets the shared
// strings and styles to their usual names.
func (b *xlsxBook) findParts(want string) error {
	b.sstPart, b.stylesPart = "xl/sharedStrings.xml", "xl/styles.xml"
	wb, err := b.workbookPart()
	if err != nil {
		return err
	}
	rels, err := b.readRels(relsOf(wb))
	if err != nil {
		return err
	}
	byID := make(map[string]relationship, len(rels))
	for _, r := range rels {
		byID[r.id] = r
		switch {
		case strings.HasSuffix(r.typ, relSharedStrings):
			b.sstPart = resolve(wb, r.target)
		case strings.HasSuffix(r.typ, relStyles):
			b.stylesPart = resolve(wb, r.target)
		}
	}
	var sheets []sheetEntry
	err = b.walk(wb, func(x *xmlScanner, depth int) error {
		switch {
		case depth == 3 && string(x.name) == "sheet":
			a, err := x.attrMap()
			if err != nil {
				return err
			}
			r, ok := byID[a["id"]]
			sheets = append(sheets, sheetEntry{name: a["name"], state: a["state"],
				part:      resolve(wb, r.target),
				worksheet: ok && strings.HasSuffix(r.typ, relWorksheet)})
		case depth == 2 && string(x.name) == "workbookPr":
			a, err := x.attrMap()
			if err != nil {
				return err
			}
			b.date1904, b.hasDate = a["date1904"]
		}
		return nil
	})
	if err != nil {
		return err
	}
	sheet, err := pickSheet(sheets, want)
	if err != nil {
		return err
	}
	if !sheet.worksheet {
		return fmt.Errorf("sheet %q is not a worksheet", sheet.name)
	}
	if b.part(sheet.part) == nil {
		return fmt.Errorf("sheet %q: no part %s", sheet.name, sheet.part)
	}
	b.sheetPart = sheet.part
	return nil
}

// pickSheet returns the sheet asked for (by name, then ignoring case), or
// the first visible worksheet (a chart sheet has no rows), or the first
// worksheet.
func pickSheet(sheets []sheetEntry, want string) (sheetEntry, error) {
	if want != "" {
		for _, s := range sheets {
			if s.name == want {
				return s, nil
			}
		}
		for _, s := range sheets {
			if strings.EqualFold(s.name, want) {
				return s, nil
			}
		}
		return sheetEntry{}, &Error{Key: KeyNoSheet, Args: []any{want}}
	}
	for _, s := range sheets {
		if s.worksheet && (s.state == "" || s.state == "visible") {
			return s, nil
		}
	}
	for _, s := range sheets {
		if s.worksheet {
			return s, nil
		}
	}
	return sheetEntry{}, errors.New("no worksheet")
}

func malformedXLSX(row int, cause error) *Error {
	return &Error{Row: row, Key: KeyMalformedXLSX, err: cause}
}

// safely runs fn, turning a panic inside excelize, which still formats
// numbers, on a crafted file into an error.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}
