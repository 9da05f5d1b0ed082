package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Cells show as excelize showed them, which is how Excel in Japan shows
// them for the common formats: a number in the General format as written
// (up to 11 digits; more become 1.23456789E+12), a date in the built-in
// short date format (14) as 2025/4/1, a custom format ("yyyy年m月d日",
// "#,##0") applied. Rendering number formats is a large piece of work
// (excelize's takes 8,000 lines) and the one place where reading has to
// agree with excelize for files to import as before, so numbers in a
// format other than General are handed to excelize: a one-cell workbook
// with the file's own styles, kept for the whole read. That costs some
// microseconds per number, once per distinct (style, value) thanks to a
// small cache. General numbers and text, nearly every cell of a register,
// never go there, nor amounts in the four plain built-in number formats
// (#,##0 and the like), which fixedNumber renders as excelize does.

// excelizeOptions are the options the workbook was read with through
// excelize: dates as Japanese Excel shows them, the built-in short date
// (format 14) as 2025/4/1, not the US 04-01-25.
func excelizeOptions() excelize.Options {
	return excelize.Options{
		UnzipSizeLimit:    xlsxMaxUnzipped,
		UnzipXMLSizeLimit: xlsxInMemory,
		CultureInfo:       excelize.CultureNameJaJP,
		ShortDatePattern:  "yyyy/m/d",
	}
}

// numKind tells how a number in a style shows.
type numKind uint8

const (
	numRaw      numKind = iota // as written (canonical form)
	numGeneral                 // General: up to 11 digits as written, else 10 significant digits
	numFixed                   // 0, 0.00, #,##0 or #,##0.00 (see fixedNumber)
	numExcelize                // another format: rendered by excelize
)

// xfStyle is what reading needs of one cell format (an xf of cellXfs).
type xfStyle struct {
	num numKind
	// For numFixed: decimals, and whether thousands are separated.
	decimals int
	comma    bool
	// text is how a text cell shows: nil for as it is; otherwise the
	// parts between which the text goes ("_(@_)" shows "x" as " x ").
	// A format with a text section is rare; it is worked out by
	// excelize on first use (textDone).
	text     []string
	textDone bool
}

// xlsxStyles holds the cell formats and, once a number needs it, the
// excelize workbook that renders them.
type xlsxStyles struct {
	xfs  []xfStyle
	book *xlsxBook
	data []byte // styles.xml, for excelize

	fmt      *excelize.File
	fmtErr   error          // the workbook could not be made: numbers show as written
	fmtCells map[int]string // style → the cell formatted with it
	cache    map[styledValue]string
}

type styledValue struct {
	style int
	value string
}

// fmtCacheSize bounds the cache of formatted numbers: enough for the
// dates of a register (a few thousand distinct days), small enough not to
// matter; it is emptied when full.
const fmtCacheSize = 1 << 14

// builtInNumFmt reports whether excelize knows the built-in number format
// id (with the Japanese culture): a style with an unknown id shows a
// number as written.
func builtInNumFmt(id int) bool {
	return (0 <= id && id <= 22) || (37 <= id && id <= 49) ||
		(27 <= id && id <= 36) || (50 <= id && id <= 62) || (67 <= id && id <= 81)
}

// builtInCodes are the codes of the built-in formats that fixedNumber
// renders.
var builtInCodes = map[int]string{1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00"}

// fixedCodes are those codes, with one more than their decimals.
var fixedCodes = map[string]int{"0": 1, "0.00": 3, "#,##0": 1, "#,##0.00": 3}

// loadStyles reads the cell formats of styles.xml. A workbook without
// styles shows every value as written, and so does one whose styles do not
// parse (not XML, a numFmtId that is no number), which excelize refused
// whole: the data is all there, only how numbers look is lost. A part that
// does not unzip is an error.
func loadStyles(book *xlsxBook) (*xlsxStyles, error) {
	zf := book.part(book.stylesPart)
	if zf == nil {
		return nil, nil
	}
	data, err := readPart(zf, xlsxMaxInMemoryTotal)
	if err != nil {
		return nil, err
	}
	x, err := newXMLScannerSize(bytes.NewReader(data), uint64(len(data)))
	if err != nil {
		return nil, nil
	}
	var xfNumFmts []int
	custom := map[int]string{}
	bad := false
	inCellXfs, inNumFmts := false, false
	err = walkXML(x, func(x *xmlScanner, depth int) error {
		name := string(x.name)
		switch {
		case depth == 2:
			inCellXfs = name == "cellXfs" && !x.empty
			inNumFmts = name == "numFmts" && !x.empty
		case depth == 3 && inCellXfs && name == "xf":
			a, err := x.attrMap()
			if err != nil {
				return err
			}
			id := 0
			if v, ok := a["numFmtId"]; ok {
				if id, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
					bad = true
				}
			}
			xfNumFmts = append(xfNumFmts, id)
		case depth == 3 && inNumFmts && name == "numFmt":
			a, err := x.attrMap()
			if err != nil {
				return err
			}
			id := 0
			if v, ok := a["numFmtId"]; ok {
				if id, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
					bad = true
				}
			}
			code := a["formatCode"]
			if c16 := a["formatCode16"]; c16 != "" {
				code = c16
			}
			custom[id] = code
		}
		return nil
	})
	if err != nil {
		return nil, nil
	}
	if bad || len(xfNumFmts) == 0 {
		return nil, nil
	}
	needExcelize := false
	st := &xlsxStyles{xfs: make([]xfStyle, len(xfNumFmts)), book: book, data: data}
	for i, id := range xfNumFmts {
		xf := &st.xfs[i]
		code, isCustom := custom[id]
		if !isCustom {
			code = builtInCodes[id]
		}
		switch {
		case fixedCodes[code] != 0:
			xf.num, xf.decimals, xf.comma = numFixed, fixedCodes[code]-1, strings.HasPrefix(code, "#,")
		case isCustom:
			xf.num = numExcelize
		case id == 0:
			xf.num = numGeneral
		case builtInNumFmt(id):
			xf.num = numExcelize
		}
		// Only a format with a text section (one with @, or a fourth
		// section) shows text other than as it is; the built-in 41–44
		// have one.
		needText := (isCustom && strings.ContainsAny(code, "@;")) || (!isCustom && 37 <= id && id <= 44)
		xf.textDone = !needText
		needExcelize = needExcelize || needText || xf.num == numExcelize || xf.num == numFixed
	}
	if !needExcelize {
		st.data = nil
	}
	return st, nil
}

// number returns how the number v (canonical, see appendNumber) shows in
// style s.
func (st *xlsxStyles) number(s int, v string) string {
	if st == nil || s <= 0 || s >= len(st.xfs) {
		return v
	}
	switch xf := &st.xfs[s]; xf.num {
	case numGeneral:
		return generalNumber(v)
	case numFixed:
		if out, ok := fixedNumber(v, xf.decimals, xf.comma); ok {
			return out
		}
		return st.viaExcelize(s, v)
	case numExcelize:
		return st.viaExcelize(s, v)
	}
	return v
}

// text returns how the text v shows in style s.
func (st *xlsxStyles) text(s int, v string) string {
	if st.plainText(s) {
		return v
	}
	return strings.Join(st.xfs[s].text, v)
}

// plainText reports whether text shows as it is in style s.
func (st *xlsxStyles) plainText(s int) bool {
	if st == nil || s <= 0 || s >= len(st.xfs) {
		return true
	}
	xf := &st.xfs[s]
	if !xf.textDone {
		xf.textDone = true
		xf.text = st.textTemplate(s)
	}
	return xf.text == nil
}

// textPlaceholder stands for the text while excelize works out a text
// format: a private-use character no format holds.
const textPlaceholder = "\U0010FFFD"

// textTemplate works out how style s shows text by formatting a
// placeholder: excelize puts the text wherever the format has @.
func (st *xlsxStyles) textTemplate(s int) []string {
	out, ok := st.format(s, textPlaceholder)
	if !ok || out == textPlaceholder {
		return nil
	}
	return strings.Split(out, textPlaceholder)
}

// viaExcelize formats a number in style s the way excelize did.
func (st *xlsxStyles) viaExcelize(s int, v string) string {
	key := styledValue{s, v}
	if out, ok := st.cache[key]; ok {
		return out
	}
	out, ok := st.format(s, v)
	if !ok {
		return v
	}
	if st.cache == nil || len(st.cache) >= fmtCacheSize {
		st.cache = make(map[styledValue]string)
	}
	st.cache[key] = out
	return out
}

// format asks excelize for the value v as a cell in style s shows. v is
// a number (stored as one) or, for a text format, the placeholder (stored
// as inline text). ok is false when excelize cannot (a style it does not
// have): the value then shows as written, as it did.
func (st *xlsxStyles) format(s int, v string) (out string, ok bool) {
	if st.fmt == nil && st.fmtErr == nil {
		st.fmt, st.fmtErr = st.formatter()
		st.fmtCells = map[int]string{}
	}
	if st.fmtErr != nil {
		return v, false
	}
	err := safely(func() error {
		cell, ok := st.fmtCells[s]
		if !ok {
			cell = "A" + strconv.Itoa(len(st.fmtCells)+1)
			if err := st.fmt.SetCellStyle("Sheet1", cell, cell, s); err != nil {
				return err
			}
			st.fmtCells[s] = cell
		}
		if err := st.fmt.SetCellDefault("Sheet1", cell, v); err != nil {
			return err
		}
		// An error with a value (styles excelize cannot parse) is
		// what reading through excelize showed too.
		out, _ = st.fmt.GetCellValue("Sheet1", cell)
		return nil
	})
	if err != nil {
		return v, false
	}
	return out, true
}

// formatter makes the one-sheet workbook with the file's styles (and its
// 1904 date system, if it uses it) that format renders values in.
func (st *xlsxStyles) formatter() (*excelize.File, error) {
	pr := ""
	if st.book.hasDate {
		var b strings.Builder
		b.WriteString(`<workbookPr date1904="`)
		_ = xml.EscapeText(&b, []byte(st.book.date1904))
		b.WriteString(`"/>`)
		pr = b.String()
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` + pr + `<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`},
		{"xl/styles.xml", string(st.data)},
	} {
		w, err := zw.Create(p.name)
		if err == nil {
			_, err = io.WriteString(w, p.body)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	var f *excelize.File
	err := safely(func() (err error) {
		f, err = excelize.OpenReader(&buf, excelizeOptions())
		return err
	})
	return f, err
}

func (st *xlsxStyles) close() {
	if st != nil && st.fmt != nil {
		_ = safely(st.fmt.Close)
		st.fmt = nil
	}
}

// readPart reads a whole (small) part.
func readPart(zf *zip.File, limit int64) ([]byte, error) {
	if zf == nil {
		return nil, errors.New("no such part")
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s larger than %d bytes", zf.Name, limit)
	}
	return b, nil
}

// appendNumber appends the canonical form of a number cell's value, as
// excelize gave it: the shortest decimal that reads back as the same
// float64 ("1.50" is 1.5, "1E3" is 1000), or with 15 significant digits
// for a number that has more; ok is false for a value that is not a
// number (#N/A, text in a number cell), which then shows as written.
func appendNumber(dst, v []byte) (out []byte, ok bool) {
	if plainInteger(v) {
		return append(dst, v...), true
	}
	s := string(v)
	isNum, prec, f := isNumeric(s)
	if !isNum {
		return dst, false
	}
	if prec > 15 && !numWithinPrecision(s) {
		return strconv.AppendFloat(dst, f, 'G', 15, 64), true
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64), true
}

// plainInteger reports whether v is already canonical: up to 15 digits
// without a leading zero. Most numbers in a register are.
func plainInteger(v []byte) bool {
	if len(v) == 0 || len(v) > 15 || (v[0] == '0' && len(v) > 1) {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isNumeric is excelize's test for a number and its precision (digits
// written out in full, sign included).
func isNumeric(s string) (bool, int, float64) {
	if strings.Contains(s, "_") {
		return false, 0, 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false, 0, 0
	}
	full := strconv.FormatFloat(f, 'f', -1, 64)
	return true, len(full) - strings.Count(full, "."), f
}

// numWithinPrecision reports whether s is an integer whose digits past
// the 15th are zeros.
func numWithinPrecision(s string) bool {
	if strings.ContainsAny(s, ".Ee") {
		return false
	}
	s = strings.TrimLeft(s, "+-0")
	return len(strings.TrimRight(s, "0")) <= 15
}

// generalNumber is a number in the General format: as written up to 11
// digits, else with 10 significant digits (1.23456789E+12).
func generalNumber(v string) string {
	if plainInteger([]byte(v)) && len(v) <= 11 {
		return v
	}
	isNum, prec, f := isNumeric(v)
	if isNum && prec > 11 {
		return strconv.FormatFloat(f, 'G', 10, 64)
	}
	return v
}

// fixedNumber renders a number in 0, 0.00, #,##0 or #,##0.00 as
// excelize's engine does for these formats: a minus for a negative number
// (even one that rounds to 0, as Excel shows -0), rounded half away from
// zero, thousands separated by commas. ok is false for what takes
// excelize's other paths: more than 15 digits, infinities, NaN.
func fixedNumber(v string, decimals int, comma bool) (string, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1e14 {
		return "", false
	}
	ratio := math.Pow(10, float64(decimals))
	digits := strconv.AppendFloat(make([]byte, 0, 24), math.Abs(math.Round(f*ratio)/ratio), 'f', decimals, 64)
	out := make([]byte, 0, len(digits)+len(digits)/3+1)
	if f < 0 {
		out = append(out, '-')
	}
	n := bytes.IndexByte(digits, '.')
	if n < 0 {
		n = len(digits)
	}
	for i, c := range digits {
		if comma && i > 0 && i < n && (n-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out), true
}

// dateSerial converts a t="d" cell's ISO 8601 value to the serial number
// Excel stores dates as (1900 date system, as excelize did whatever the
// workbook's); a value that does not parse stays as it is.
func dateSerial(v string) string {
	layout := "20060102T150405.999"
	if strings.HasSuffix(v, "Z") {
		layout = "20060102T150405Z"
		if strings.Contains(v, "-") {
			layout = "2006-01-02T15:04:05Z"
		}
	} else if strings.Contains(v, "-") {
		layout = "2006-01-02 15:04:05Z"
	}
	t, err := time.Parse(layout, strings.ReplaceAll(v, ",", "."))
	if err != nil {
		return v
	}
	return strconv.FormatFloat(excelTime(t), 'G', 15, 64)
}

var (
	excelEpoch1900 = time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	// Excel counts a 29 February 1900 that never was (as Lotus 1-2-3
	// did), so dates from March 1900 are one more.
	excelLeapBug = time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
)

// excelTime is excelize's timeToExcelTime for the 1900 date system.
func excelTime(t time.Time) float64 {
	const day = 24 * time.Hour
	const step = 290 * 364 * day // within time.Duration's range
	if t.Before(excelEpoch1900) {
		return 0
	}
	tt, diff, result := t, t.Sub(excelEpoch1900), 0.0
	for diff >= step {
		result += float64(step / day)
		tt = tt.Add(-step)
		diff = tt.Sub(excelEpoch1900)
	}
	rem := diff % day
	result += float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	if t.After(excelLeapBug) {
		result++
	}
	if math.IsInf(result, 0) || math.IsNaN(result) {
		return 0
	}
	return result
}

// bstrUnmarshal undoes the escaping of characters XML cannot hold: _xHHHH_
// is the character U+HHHH (nothing for a lone surrogate), and _x005F_ an
// underscore, so that "_x005F_x0041_" is the text "_x0041_".
func bstrUnmarshal(s []byte) []byte {
	i := bytes.Index(s, []byte("_x"))
	if i < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i >= 0 {
		if i+7 <= len(s) && isHex4(s[i+2:i+6]) && s[i+6] == '_' {
			out = append(out, s[:i]...)
			r, _ := strconv.ParseUint(string(s[i+2:i+6]), 16, 32)
			if r == '_' {
				out = append(out, '_')
			} else if r < 0xD800 || r > 0xDFFF {
				out = append(out, string(rune(r))...)
			}
			s = s[i+7:]
			i = bytes.Index(s, []byte("_x"))
			continue
		}
		j := bytes.Index(s[i+1:], []byte("_x"))
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return append(out, s...)
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
