package tabular

import (
	"fmt"
	"strconv"
	"strings"
)

// Message keys of the errors this package returns. Their texts are in
// internal/i18n/catalog/{ja,en}.tabular.json; an Error's Args fill the
// text's verbs in order, so a caller shows it with catalog.T(lang, e.Key,
// e.Args...).
const (
	KeyEmptyFile      = "tabular.empty_file"           // the file has 0 bytes
	KeyTooLarge       = "tabular.too_large"            // %s: the limit ("50 MB")
	KeyTooLargeUnzip  = "tabular.too_large_unzip"      // %s: the limit; an xlsx that unpacks to too much
	KeyTooManyStrings = "tabular.too_many_strings"     // %d: the limit of distinct texts in an xlsx
	KeyEncoding       = "tabular.encoding"             // neither UTF-8 nor Shift_JIS, or not text at all
	KeyEncodingRow    = "tabular.encoding_row"         // %d row, %s column: a cell that does not decode
	KeyUTF16          = "tabular.utf16"                // Excel's "Unicode text" (UTF-16)
	KeyOldExcel       = "tabular.old_excel"            // .xls (BIFF) or a password-protected workbook
	KeyTooManyCells   = "tabular.too_many_cells"       // %d row, %d limit
	KeyExtraCells     = "tabular.extra_cells"          // %d row, %d header columns, %d row columns
	KeyTooManyRows    = "tabular.too_many_rows"        // %d limit
	KeyCellTooLong    = "tabular.cell_too_long"        // %d row, %s column, %s limit ("32 KB")
	KeyRowTooLong     = "tabular.row_too_long"         // %d row
	KeyMalformedCSV   = "tabular.malformed_csv"        // %d row
	KeyMalformedXLSX  = "tabular.malformed_xlsx"       // the workbook cannot be read
	KeyNoSheet        = "tabular.no_sheet"             // %s: the sheet asked for
	KeyNoHeader       = "tabular.no_header"            // nothing but blank rows
	KeyEmptyHeader    = "tabular.empty_header"         // %d row, %s column: a blank header cell between named ones
	KeyDuplicateHdr   = "tabular.duplicate_header"     // %s header text, %s column, %s other column
	KeyMissingColumns = "tabular.missing_columns"      // %s: the required columns, joined with ", "
	KeyUnknownColumns = "tabular.unknown_columns"      // %s: for callers warning of ignored columns
	KeyWriteCell      = "tabular.write_cell_too_long"  // %d row, %s column: longer than Excel's 32,767 characters
	KeyWriteTooMany   = "tabular.write_too_many_rows"  // %d limit: more rows than a worksheet holds
	KeyWriteTooWide   = "tabular.write_too_many_cells" // %d row, %d limit: more columns than a worksheet holds
)

// Error is the one error type Open, Next, MapHeader and the writers return
// for problems with the data: a message key with its arguments, and where
// in the table the problem is. Row and Column are 1-based as a person sees
// them in Excel (row 3, column C = 3); 0 means "not about one row" or "not
// about one column". Failures of the underlying reader or writer (a broken
// connection, a full disk) are returned as they are, not as *Error.
type Error struct {
	Row, Column int
	Key         string
	Args        []any

	err error // the cause, for logs; may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Key)
	if e.Row > 0 {
		b.WriteString(" row ")
		b.WriteString(strconv.Itoa(e.Row))
	}
	if e.Column > 0 {
		b.WriteString(" column ")
		b.WriteString(ColumnName(e.Column - 1))
	}
	if len(e.Args) > 0 {
		fmt.Fprintf(&b, " %v", e.Args)
	}
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.err }

// Recoverable reports whether the reader can go on after this error: a
// problem confined to one row (too many cells, a cell too long, a cell
// that does not decode). Next may then be called again for the following
// rows, so an import can list every bad row at once. After any other error
// Next keeps returning it.
func (e *Error) Recoverable() bool {
	switch e.Key {
	case KeyTooManyCells, KeyExtraCells, KeyCellTooLong, KeyEncodingRow:
		return true
	}
	return false
}

// ColumnName returns Excel's name of the column with 0-based index i:
// 0 → "A", 25 → "Z", 26 → "AA". A negative i gives "".
func ColumnName(i int) string {
	if i < 0 {
		return ""
	}
	var buf [8]byte
	n := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		buf[n] = byte('A' + (i-1)%26)
	}
	return string(buf[n:])
}

// sizeText formats a byte limit for a message: "50 MB", "32 KB", "100 bytes".
// MB and KB are binary (1 MB = 1,048,576 bytes), as Windows shows them.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
