package evidence

import (
	"archive/zip"
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// Content types this package accepts; anything else is refused.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeCSV  = "text/csv"
	TypeText = "text/plain"
)

// Reasons a file is refused, as message keys.
const (
	RefusedEmpty      = "evidence.refused.empty"
	RefusedTooLarge   = "evidence.refused.too_large"
	RefusedExecutable = "evidence.refused.executable"
	RefusedHTML       = "evidence.refused.html"
	RefusedSVGScript  = "evidence.refused.svg_script"
	RefusedMacro      = "evidence.refused.macro"
	RefusedUnknown    = "evidence.refused.unknown"
	RefusedByScan     = "evidence.refused.scan"
)

// Detect works out a file's type from its content alone — the name is
// never consulted — and returns the content type to store, or the message
// key of the reason it is refused. Accepted: PDF, PNG, JPEG, XLSX and
// DOCX (a zip with the parts of one; macro-enabled workbooks refused),
// and text (UTF-8 or Shift_JIS), as CSV when it looks like one. Refused:
// executables and scripts, HTML, SVG (with script: a reason of its own)
// and anything not recognised.
func Detect(data []byte) (contentType, refusal string) {
	if len(data) == 0 {
		return "", RefusedEmpty
	}
	if isExecutable(data) {
		return "", RefusedExecutable
	}
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF, ""
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, ""
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, ""
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return detectOOXML(data)
	}
	sniffed := http.DetectContentType(data)
	switch {
	case strings.HasPrefix(sniffed, "text/html"):
		return "", RefusedHTML
	case strings.HasPrefix(sniffed, "text/plain"), strings.HasPrefix(sniffed, "text/xml"):
		return detectText(data)
	}
	return "", RefusedUnknown
}

// isExecutable recognises native executables and scripts run by an
// interpreter line.
func isExecutable(data []byte) bool {
	for _, magic := range [][]byte{
		[]byte("MZ"),             // Windows PE, DOS
		[]byte("\x7fELF"),        // Linux, BSD
		{0xFE, 0xED, 0xFA, 0xCE}, // Mach-O 32
		{0xFE, 0xED, 0xFA, 0xCF}, // Mach-O 64
		{0xCE, 0xFA, 0xED, 0xFE}, // Mach-O 32, little-endian
		{0xCF, 0xFA, 0xED, 0xFE}, // Mach-O 64, little-endian
		{0xCA, 0xFE, 0xBA, 0xBE}, // Mach-O universal, Java class
		[]byte("#!"),             // scripts
		[]byte("\x00asm"),        // WebAssembly
		{0xD0, 0xCF, 0x11, 0xE0}, // OLE2 (old Office, MSI): refused as executable-capable
	} {
		if bytes.HasPrefix(data, magic) {
			return true
		}
	}
	return false
}

// detectOOXML accepts a zip that is an Excel workbook or a Word document.
func detectOOXML(data []byte) (string, string) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", RefusedUnknown
	}
	has := map[string]bool{}
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		has[name] = true
		if strings.HasSuffix(name, "vbaproject.bin") {
			return "", RefusedMacro
		}
		if strings.HasSuffix(name, ".exe") || strings.HasSuffix(name, ".dll") || strings.HasSuffix(name, ".js") ||
			strings.HasSuffix(name, ".vbs") || strings.HasSuffix(name, ".bat") || strings.HasSuffix(name, ".ps1") {
			return "", RefusedExecutable
		}
	}
	if !has["[content_types].xml"] {
		return "", RefusedUnknown
	}
	switch {
	case has["xl/workbook.xml"]:
		return TypeXLSX, ""
	case has["word/document.xml"]:
		return TypeDOCX, ""
	}
	return "", RefusedUnknown
}

// textBinary reports whether a byte never appears in text.
func textBinary(b byte) bool {
	return b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != 0x0C && b != 0x1B
}

// detectText accepts UTF-8 or Shift_JIS text that is not HTML, SVG or a
// script, as CSV when its first lines have the same number of commas.
func detectText(data []byte) (string, string) {
	for _, b := range data {
		if textBinary(b) {
			return "", RefusedUnknown
		}
	}
	text := data
	charset := "utf-8"
	if bytes.HasPrefix(text, []byte("\xEF\xBB\xBF")) {
		text = text[3:]
	}
	if !utf8.Valid(text) {
		dec, err := japanese.ShiftJIS.NewDecoder().Bytes(text)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			return "", RefusedUnknown
		}
		text, charset = dec, "shift_jis"
	}
	lower := strings.ToLower(string(text))
	trimmed := strings.TrimSpace(lower)
	if strings.HasPrefix(trimmed, "<?xml") || strings.HasPrefix(trimmed, "<svg") || strings.Contains(lower, "<svg") {
		if svgScript(lower) {
			return "", RefusedSVGScript
		}
		// SVG and other XML are not among the accepted types.
		return "", RefusedUnknown
	}
	for _, tag := range []string{"<html", "<!doctype html", "<script", "<iframe", "<body", "<head", "<object", "<embed"} {
		if strings.Contains(lower, tag) {
			return "", RefusedHTML
		}
	}
	if looksLikeCSV(string(text)) {
		return TypeCSV + "; charset=" + charset, ""
	}
	return TypeText + "; charset=" + charset, ""
}

// svgScript reports whether SVG text can run script.
func svgScript(lower string) bool {
	if strings.Contains(lower, "<script") || strings.Contains(lower, "javascript:") || strings.Contains(lower, "<foreignobject") {
		return true
	}
	// Event handler attributes: on…= inside a tag.
	for i := 0; i < len(lower); i++ {
		if lower[i] != '<' {
			continue
		}
		end := strings.IndexByte(lower[i:], '>')
		if end < 0 {
			end = len(lower) - i
		}
		tag := lower[i : i+end]
		for _, f := range strings.FieldsFunc(tag, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '/' }) {
			if strings.HasPrefix(f, "on") && strings.Contains(f, "=") {
				return true
			}
		}
		// Go on after the tag: each byte is looked at a bounded number of
		// times, whatever the text.
		i += end
	}
	return false
}

// looksLikeCSV reports whether the first lines of a text have the same
// positive number of commas (outside quotes).
func looksLikeCSV(text string) bool {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	want, seen := -1, 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n, quoted := 0, false
		for _, r := range l {
			switch {
			case r == '"':
				quoted = !quoted
			case r == ',' && !quoted:
				n++
			}
		}
		if quoted {
			// A quoted field across lines: give up counting, judge by what was seen.
			break
		}
		if want == -1 {
			want = n
		} else if n != want {
			return false
		}
		seen++
		if seen == 20 {
			break
		}
	}
	return want > 0 && seen >= 1
}
