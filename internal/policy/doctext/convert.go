package doctext

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// Limits of Convert. A policy document is a few hundred kilobytes at most;
// the limits only stop a file meant to exhaust memory.
const (
	MaxInput    = 20 << 20 // bytes of the uploaded file
	MaxUnpacked = 20 << 20 // bytes a .docx may unpack to (the parts read)
	MaxEntries  = 2000     // files in a .docx zip (Word writes a few dozen)
)

// magic numbers of files that are surely not documents Convert reads,
// whatever their name says.
var binaryMagic = [][]byte{
	{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, // OLE: .doc, .xls, a password-protected .docx
	[]byte("%PDF-"),
	{0x89, 'P', 'N', 'G'},
	{0xFF, 0xD8, 0xFF}, // JPEG
	[]byte("GIF8"),
	[]byte("{\\rtf"),
	{0x1F, 0x8B}, // gzip
	[]byte("7z\xBC\xAF\x27\x1C"),
	[]byte("Rar!"),
}

// Convert turns an uploaded file into a Markdown body. The content decides
// before the name: a zip holding word/document.xml is read as Word
// whatever it is called, and a PDF, image, old .doc or other binary is
// refused even when named .txt. Otherwise the name's extension decides:
//
//   - .md, .markdown: the text as it is (line ends made LF, a BOM dropped);
//   - .txt, .text or no extension: FromPlainText of the text;
//   - .docx: see fromDocx (a .docx that is not a zip is broken).
//
// Text may be UTF-8 (with or without BOM), UTF-16 with a BOM (Windows'
// "Unicode") or Shift_JIS as Japanese Windows writes it (CP932); see
// decodeText. Problems are *Error values matching ErrUnsupported,
// ErrEncoding, ErrBrokenDocx or ErrTooLarge, wrapped with the file name.
func Convert(name string, data []byte) (string, error) {
	md, err := convert(name, data)
	if err != nil {
		return "", fmt.Errorf("cannot convert %q: %w", name, err)
	}
	return md, nil
}

func convert(name string, data []byte) (string, error) {
	if len(data) > MaxInput {
		return "", problem(KeyTooLarge, nil, MaxInput>>20)
	}
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) {
		return fromDocx(data)
	}
	for _, m := range binaryMagic {
		if bytes.HasPrefix(data, m) {
			return "", problem(KeyUnsupported, fmt.Errorf("binary file (starts %q)", m))
		}
	}
	switch ext {
	case ".md", ".markdown":
		text, err := decodeText(data)
		if err != nil {
			return "", err
		}
		return normaliseText(text), nil
	case ".txt", ".text", "":
		text, err := decodeText(data)
		if err != nil {
			return "", err
		}
		return FromPlainText(text), nil
	case ".docx":
		return "", problem(KeyBrokenDocx, fmt.Errorf("not a zip file"))
	}
	return "", problem(KeyUnsupported, fmt.Errorf("extension %q", ext))
}

// minUTF8Run is how many multi-byte UTF-8 characters before the first
// invalid byte show that a file is UTF-8 with a bad stretch rather than
// Shift_JIS (Shift_JIS text almost never forms even one such character).
const minUTF8Run = 4

// decodeText returns data as UTF-8 text:
//
//   - a UTF-8 BOM: UTF-8, which must then be valid;
//   - a UTF-16 BOM: UTF-16 of that byte order;
//   - valid UTF-8: as it is;
//   - invalid UTF-8 after minUTF8Run multi-byte characters: refused, as
//     damaged UTF-8 (decoding it as Shift_JIS would give mojibake that
//     nothing catches);
//   - otherwise Shift_JIS (CP932), provided at most one non-ASCII
//     character in a hundred fails to decode (a 外字 becomes U+FFFD).
//
// A NUL byte, or control codes in more than one character in a hundred,
// mean a binary file: ErrUnsupported. The remaining control codes (other
// than tab and line ends) are dropped; they have no place in a document.
func decodeText(data []byte) (string, error) {
	var text string
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		if !utf8.Valid(data[3:]) {
			return "", problem(KeyEncoding, fmt.Errorf("UTF-8 BOM but invalid UTF-8"))
		}
		text = string(data[3:])
	case bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", problem(KeyEncoding, fmt.Errorf("UTF-16: %w", err))
		}
		text = string(out)
	case bytes.IndexByte(data, 0) >= 0:
		return "", problem(KeyUnsupported, fmt.Errorf("binary file (NUL byte)"))
	case utf8.Valid(data):
		text = string(data)
	default:
		if utf8Run(data) >= minUTF8Run {
			return "", problem(KeyEncoding, fmt.Errorf("invalid UTF-8"))
		}
		out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil {
			return "", problem(KeyEncoding, fmt.Errorf("Shift_JIS: %w", err))
		}
		text = string(out)
		nonASCII, bad := 0, 0
		for _, r := range text {
			if r >= utf8.RuneSelf {
				nonASCII++
			}
			if r == utf8.RuneError {
				bad++
			}
		}
		if bad*100 > nonASCII {
			return "", problem(KeyEncoding, fmt.Errorf("neither UTF-8 nor Shift_JIS (%d of %d characters undecodable)", bad, nonASCII))
		}
	}
	return dropControls(text)
}

// utf8Run counts the multi-byte characters of b before its first invalid
// UTF-8 sequence.
func utf8Run(b []byte) int {
	run := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return run
		}
		if size > 1 {
			run++
		}
		b = b[size:]
	}
	return run
}

// dropControls removes control codes other than tab, line feed, carriage
// return and form feed (which becomes a line end), refusing text with so
// many that it is surely not text.
func dropControls(text string) (string, error) {
	chars, controls := 0, 0
	for _, r := range text {
		chars++
		if isControl(r) {
			controls++
		}
	}
	if controls == 0 {
		return text, nil
	}
	if controls*100 > chars || strings.ContainsRune(text, 0) {
		return "", problem(KeyUnsupported, fmt.Errorf("binary file (%d control codes in %d characters)", controls, chars))
	}
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case r == '\f':
			b.WriteByte('\n')
		case isControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7F || (r >= 0x80 && r < 0xA0)
}
