// Package tabular owns reading and writing tables from and to the files
// offices exchange: CSV in UTF-8 (with or without BOM) or Shift_JIS/CP932,
// and XLSX. Domain packages map columns to fields; this package knows
// nothing of assets.
//
// Reading streams: Open looks at the content (not the file name) to tell
// XLSX from CSV and, for CSV, UTF-8 from Shift_JIS; Next then returns one
// row at a time, so memory stays the same whether a file has a hundred rows
// or a hundred thousand. Every problem with the data is an *Error carrying
// a message key (tabular.*) and the row and column as Excel shows them.
//
// Writing streams too: NewCSVWriter and NewXLSXWriter take rows one at a
// time and neutralise cells that a spreadsheet would run as a formula.
package tabular

import "strings"

// Format is the kind of file a Reader reads.
type Format int

const (
	CSV Format = iota + 1
	XLSX
)

func (f Format) String() string {
	switch f {
	case CSV:
		return "CSV"
	case XLSX:
		return "XLSX"
	}
	return ""
}

// Encoding is the character encoding of a CSV file.
type Encoding int

const (
	// UTF8 is UTF-8 without a byte order mark.
	UTF8 Encoding = iota + 1
	// UTF8BOM is UTF-8 with a byte order mark, what Excel writes for
	// "CSV UTF-8" and what it needs to open a UTF-8 CSV without garbling.
	UTF8BOM
	// ShiftJIS is Windows code page 932 (Shift_JIS with the NEC and IBM
	// extensions: ①, Ⅰ, ㈱, 髙, 﨑, …), what Excel in Japan writes for
	// plain "CSV".
	ShiftJIS
)

func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "UTF-8"
	case UTF8BOM:
		return "UTF-8 (BOM)"
	case ShiftJIS:
		return "Shift_JIS"
	}
	return ""
}

// Options limit what a Reader accepts. A zero field takes its default.
type Options struct {
	// MaxBytes is the largest file accepted (default 50 MiB). A file
	// whose stated size is larger is refused before anything is read;
	// one that turns out larger while reading fails with tabular.too_large.
	MaxBytes int64
	// MaxRows is the most data rows (not counting the header and blank
	// rows) accepted (default 200,000).
	MaxRows int
	// MaxCells is the most cells in a row, not counting empty cells at its
	// end (default 200).
	MaxCells int
	// MaxCellBytes is the longest cell in bytes of UTF-8 (default 32 KiB,
	// about 10,000 Japanese characters).
	MaxCellBytes int
	// Sheet is the worksheet of an XLSX file to read; by default the first
	// visible one.
	Sheet string
	// UnescapeFormula undoes, in CSV files, the "'" that NewCSVWriter puts
	// before a cell starting with = + - @ tab CR (or their full-width
	// forms) or "'", so a file exported by this package re-imports to the
	// same values. A "'" before anything else is kept: it was the user's.
	UnescapeFormula bool
}

const (
	defaultMaxBytes     = 50 << 20
	defaultMaxRows      = 200_000
	defaultMaxCells     = 200
	defaultMaxCellBytes = 32 << 10

	// xlsxMaxUnzipped bounds what an XLSX may unpack to (zip bombs).
	// Worksheets and the shared-string table larger than xlsxInMemory
	// are unpacked to temporary files, not memory.
	xlsxMaxUnzipped = 1 << 30
	// xlsxInMemory is the largest worksheet or shared-string table kept
	// in memory; larger ones are streamed from a temporary file.
	xlsxInMemory = 1 << 20
	// xlsxMaxInMemoryTotal bounds the parts other than worksheets and
	// shared strings (styles, drawings, pictures, …), which the XLSX
	// library always unpacks into memory.
	xlsxMaxInMemoryTotal = 64 << 20
	// xlsxMaxSharedStrings bounds the entries of a shared-string table
	// that excelize indexes in memory (about 30 bytes each): 2,000,000 is
	// 100,000 rows of 20 distinct texts, some 60 MB at most.
	xlsxMaxSharedStrings = 2_000_000
	// xlsxMaxParts bounds the number of files in the zip.
	xlsxMaxParts = 10_000
	// xlsxSpill is the size up to which an XLSX is held in memory while it
	// is opened; a larger one is copied to a temporary file first.
	xlsxSpill = 8 << 20
)

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = defaultMaxRows
	}
	if o.MaxCells <= 0 {
		o.MaxCells = defaultMaxCells
	}
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = defaultMaxCellBytes
	}
	return o
}

// formulaStart reports whether a spreadsheet would read a cell starting
// like s as a formula (or a DDE command): = + - @, tab or CR, and the
// full-width = + - @ that Japanese Excel also accepts when typed. A plain
// negative number ("-12", "-0.5") is not neutralised: Excel reads it as the
// number it is.
func formulaStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return true
	case '-':
		return !isPlainNegative(s)
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isPlainNegative reports whether s is "-" followed by digits with at most
// one decimal point between digits.
func isPlainNegative(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	digits, dot := 0, false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// escapeFormula returns the cell as the CSV writer writes it: with a "'"
// before a formula-looking start, and before a leading "'" too, so that
// unescapeFormula gives back exactly what was written.
func escapeFormula(s string) string {
	if formulaStart(s) || strings.HasPrefix(s, "'") {
		return "'" + s
	}
	return s
}

// unescapeFormula undoes escapeFormula; a "'" followed by anything else is
// the user's own and stays.
func unescapeFormula(s string) string {
	if len(s) >= 2 && s[0] == '\'' && (s[1] == '\'' || formulaStart(s[1:])) {
		return s[1:]
	}
	return s
}
