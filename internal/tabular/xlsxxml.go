package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// xmlScanner is a pull tokenizer for the XML of a workbook's parts. It
// exists because encoding/xml, which allocates a token and its attributes
// for every tag, reads a worksheet at some 20,000 rows a second; this
// works on the bytes in its own buffer and copies only the text asked for.
//
// It reads what Excel and other writers produce: elements, attributes,
// character data with the five predefined entities and character
// references, CDATA sections, comments, processing instructions and a
// DOCTYPE (skipped, its entities unsupported, as in encoding/xml). Names
// are compared without their namespace prefix, as excelize did. Tags are
// not checked to close the element they end: a writer that gets that wrong
// gets its file read by nesting depth instead.
type xmlScanner struct {
	src  io.Reader
	buf  []byte
	r, w int   // unread bytes are buf[r:w]
	err  error // from src, once buf[r:w] is used up
	// maxTag bounds a tag, comment or processing instruction held in
	// buf: no real part has tags near it, a crafted one must not make
	// the buffer grow with the file.
	maxTag int

	// The current tag, as next returned it; valid until the next call.
	name  []byte // local name
	attrs []byte // the text between the name and the closing > or />
	empty bool   // a start tag that closes itself: <c/>
}

type xmlToken int

const (
	xmlEOF xmlToken = iota
	xmlStart
	xmlEnd
)

const (
	xmlBufSize = 64 << 10
	xmlMaxTag  = 1 << 20
)

var (
	errXMLTagTooLong = errors.New("xml: tag longer than 1 MiB")
	errXMLEOF        = fmt.Errorf("xml: %w", io.ErrUnexpectedEOF)
)

// newXMLScanner reads the XML in src. A declared encoding other than UTF-8
// is decoded as encoding/xml's CharsetReader in excelize did; a byte order
// mark is dropped.
func newXMLScanner(src io.Reader) (*xmlScanner, error) {
	return newXMLScannerSize(src, xmlBufSize)
}

// newXMLScannerSize is newXMLScanner with a buffer for a part of the given
// size: a small part does not need the 64 KiB.
func newXMLScannerSize(src io.Reader, size uint64) (*xmlScanner, error) {
	n := int(min(max(size+1, 512), xmlBufSize))
	x := &xmlScanner{src: src, buf: make([]byte, n), maxTag: xmlMaxTag}
	// The declaration, if any, is in the first bytes.
	for x.w < min(256, len(x.buf)) && x.err == nil {
		x.read()
	}
	if x.w == 0 && x.err != nil && x.err != io.EOF {
		return nil, x.err
	}
	x.r = 0
	if bytes.HasPrefix(x.buf[:x.w], utf8BOM) {
		x.r = len(utf8BOM)
	}
	enc := declaredEncoding(x.buf[x.r:x.w])
	switch enc {
	case "", "utf-8", "UTF-8", "utf8", "UTF8":
		return x, nil
	}
	e, err := htmlindex.Get(enc)
	if err != nil {
		return nil, fmt.Errorf("xml: encoding %q: %w", enc, err)
	}
	// What has been read so far goes through the decoder too.
	head := bytes.Clone(x.buf[x.r:x.w])
	rest := x.src
	if x.err != nil {
		rest = errReader{x.err}
	}
	dec := e.NewDecoder().Reader(io.MultiReader(bytes.NewReader(head), rest))
	return &xmlScanner{src: dec, buf: x.buf, maxTag: xmlMaxTag}, nil
}

// errReader gives err: src's error (or io.EOF) once read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// declaredEncoding returns the encoding named in an XML declaration at the
// start of b, or "".
func declaredEncoding(b []byte) string {
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return ""
	}
	v, _ := attrValue(b[len("<?xml"):end], "encoding")
	return string(v)
}

// read appends what src gives to buf[w:], growing buf only when it is full
// from r on, up to maxTag. It records src's error in x.err.
func (x *xmlScanner) read() {
	if x.r > 0 && x.r == x.w {
		x.r, x.w = 0, 0
	}
	if x.w == len(x.buf) {
		if x.r > 0 {
			x.w = copy(x.buf, x.buf[x.r:x.w])
			x.r = 0
		} else {
			if len(x.buf) > x.maxTag {
				x.err = errXMLTagTooLong
				return
			}
			x.buf = append(x.buf, make([]byte, len(x.buf))...)
		}
	}
	for range 100 {
		n, err := x.src.Read(x.buf[x.w:])
		x.w += n
		if err != nil {
			x.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	x.err = io.ErrNoProgress
}

// more makes at least one more byte available after buf[r:w] or returns
// why it cannot: errXMLEOF at the end of the input.
func (x *xmlScanner) more() error {
	for {
		if x.err != nil {
			if x.err == io.EOF {
				return errXMLEOF
			}
			return x.err
		}
		n := x.w - x.r
		x.read()
		if x.w-x.r > n {
			return nil
		}
	}
}

// need makes sure buf[r:r+n] is there.
func (x *xmlScanner) need(n int) error {
	for x.w-x.r < n {
		if err := x.more(); err != nil {
			return err
		}
	}
	return nil
}

// next skips to the next start or end tag and returns it, or xmlEOF at the
// end of the input. Character data on the way is skipped unread.
func (x *xmlScanner) next() (xmlToken, error) {
	for {
		if x.r >= x.w {
			if x.err != nil {
				if x.err == io.EOF {
					return xmlEOF, nil
				}
				return xmlEOF, x.err
			}
			x.read()
			continue
		}
		if x.buf[x.r] != '<' {
			i := bytes.IndexByte(x.buf[x.r:x.w], '<')
			if i < 0 {
				x.r = x.w
				continue
			}
			x.r += i
		}
		tok, err := x.markup(nil, false)
		if err != nil || tok != xmlEOF {
			return tok, err
		}
	}
}

// markup reads the markup at buf[r] ('<'). For a tag it returns xmlStart
// or xmlEnd with name, attrs and empty set; anything else (a comment, a
// processing instruction, a DOCTYPE, a CDATA section) it consumes and
// returns xmlEOF for, appending a CDATA section's text to *text when
// collect is set.
func (x *xmlScanner) markup(text *textBuf, collect bool) (xmlToken, error) {
	if err := x.need(2); err != nil {
		return xmlEOF, err
	}
	switch x.buf[x.r+1] {
	case '/':
		end, err := x.tagEnd(2)
		if err != nil {
			return xmlEOF, err
		}
		name := x.buf[x.r+2 : x.r+end]
		for len(name) > 0 && isXMLSpace(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
		x.name = localName(name)
		x.attrs, x.empty = nil, false
		x.r += end + 1
		if len(name) == 0 {
			return xmlEOF, errors.New("xml: end tag without a name")
		}
		return xmlEnd, nil
	case '?':
		return xmlEOF, x.skipPast(2, "?>")
	case '!':
		return xmlEOF, x.special(text, collect)
	}
	end, err := x.tagEnd(1)
	if err != nil {
		return xmlEOF, err
	}
	tag := x.buf[x.r+1 : x.r+end]
	x.r += end + 1
	x.empty = len(tag) > 0 && tag[len(tag)-1] == '/'
	if x.empty {
		tag = tag[:len(tag)-1]
	}
	n := 0
	for n < len(tag) && !isXMLSpace(tag[n]) {
		n++
	}
	if n == 0 {
		return xmlEOF, errors.New("xml: tag without a name")
	}
	x.name = localName(tag[:n])
	x.attrs = tag[n:]
	return xmlStart, nil
}

// tagEnd returns the offset from r of the > ending the tag at r, reading
// more as needed; a > inside a quoted attribute value does not end it.
// Tags are short: a plain loop beats searching for > and then checking
// the quotes before it.
func (x *xmlScanner) tagEnd(from int) (int, error) {
	off := from
	var quote byte
	for {
		b := x.buf[x.r:x.w]
		for ; off < len(b); off++ {
			switch c := b[off]; {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '>':
				return off, nil
			case c == '"' || c == '\'':
				quote = c
			}
		}
		if err := x.more(); err != nil {
			return 0, err
		}
	}
}

// skipPast consumes up to and including the first end after buf[r+from].
func (x *xmlScanner) skipPast(from int, end string) error {
	off := from
	for {
		if i := bytes.Index(x.buf[x.r+off:x.w], []byte(end)); i >= 0 {
			x.r += off + i + len(end)
			return nil
		}
		// Keep only what could be the start of end.
		keep := min(len(end)-1, x.w-x.r-off)
		x.r = x.w - keep
		off = 0
		if err := x.more(); err != nil {
			return err
		}
	}
}

// special reads markup starting "<!": a comment, a CDATA section or a
// declaration such as DOCTYPE (whose internal subset in [ ] may hold >).
func (x *xmlScanner) special(text *textBuf, collect bool) error {
	if err := x.need(4); err != nil {
		return err
	}
	if bytes.HasPrefix(x.buf[x.r:x.w], []byte("<!--")) {
		return x.skipPast(4, "-->")
	}
	if err := x.need(9); err == nil && bytes.HasPrefix(x.buf[x.r:x.w], []byte("<![CDATA[")) {
		x.r += 9
		return x.cdata(text, collect)
	}
	depth := 0
	var quote byte
	off := 2
	for {
		for ; x.r+off < x.w; off++ {
			c := x.buf[x.r+off]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '[':
				depth++
			case c == ']':
				depth--
			case c == '>' && depth <= 0:
				x.r += off + 1
				return nil
			}
		}
		// Declarations are short; what has been looked at is dropped.
		x.r += off
		off = 0
		if err := x.more(); err != nil {
			return err
		}
	}
}

// cdata reads a CDATA section's text up to "]]>", line ends normalised.
func (x *xmlScanner) cdata(text *textBuf, collect bool) error {
	for {
		b := x.buf[x.r:x.w]
		if i := bytes.Index(b, []byte("]]>")); i >= 0 {
			if collect {
				text.appendRaw(b[:i])
			}
			x.r += i + 3
			return nil
		}
		// Keep what could start "]]>", and a CR that may precede an LF.
		n := max(len(b)-2, 0)
		if n > 0 && b[n-1] == '\r' {
			n--
		}
		if collect {
			text.appendRaw(b[:n])
		}
		x.r += n
		if err := x.more(); err != nil {
			return err
		}
	}
}

// skip consumes the rest of the element whose start tag next has just
// returned.
func (x *xmlScanner) skip() error {
	if x.empty {
		return nil
	}
	depth := 1
	for {
		tok, err := x.next()
		if err != nil {
			return err
		}
		switch tok {
		case xmlEOF:
			return errXMLEOF
		case xmlStart:
			if !x.empty {
				depth++
			}
		case xmlEnd:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

// text appends to t the character data directly inside the element whose
// start tag next has just returned, and consumes the element. Text inside
// nested elements is skipped, as encoding/xml does when it decodes an
// element into a string.
func (x *xmlScanner) text(t *textBuf) error {
	if x.empty {
		return nil
	}
	depth := 0
	for {
		if x.r >= x.w {
			if err := x.more(); err != nil {
				return err
			}
		}
		if x.buf[x.r] != '<' {
			b := x.buf[x.r:x.w]
			i := bytes.IndexByte(b, '<')
			if i >= 0 {
				b = b[:i]
			} else {
				b = b[:completeText(b)]
				if len(b) == 0 {
					if err := x.more(); err != nil {
						return err
					}
					continue
				}
			}
			if depth == 0 {
				if err := t.appendText(b); err != nil {
					return err
				}
			}
			x.r += len(b)
			continue
		}
		tok, err := x.markup(t, depth == 0)
		if err != nil {
			return err
		}
		switch tok {
		case xmlStart:
			if !x.empty {
				depth++
			}
		case xmlEnd:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

// completeText returns how much of b, character data followed by more
// not yet read, can be decoded now: all but an entity or CR cut off at
// its end.
func completeText(b []byte) int {
	n := len(b)
	tail := b[max(0, n-12):]
	if i := bytes.LastIndexByte(tail, '&'); i >= 0 && bytes.IndexByte(tail[i:], ';') < 0 {
		n -= len(tail) - i
	}
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	return n
}

// textBuf collects decoded character data up to a limit. Past the limit
// it keeps a prefix a little longer than the limit, ending on a whole
// character, and remembers whether the dropped rest held anything but
// white space, so that a value too long is still reported as too long
// (and a blank one still taken as blank) without being held in memory.
type textBuf struct {
	b        []byte
	base     int // where this value starts in b
	limit    int // most bytes kept after base; 0 for no limit
	over     bool
	nonBlank rune // first non-blank character dropped, if the kept part is blank
}

func (t *textBuf) reset(b []byte, limit int) {
	t.b, t.base, t.limit, t.over, t.nonBlank = b, len(b), limit, false, 0
}

// value returns the collected value: b[base:] with, past the limit, the
// first dropped non-blank character if the kept part is blank.
func (t *textBuf) value() []byte {
	if t.over && t.nonBlank != 0 && blankCell(string(t.b[t.base:])) {
		t.b = utf8.AppendRune(t.b, t.nonBlank)
	}
	return t.b[t.base:]
}

func (t *textBuf) add(p []byte) {
	if t.over {
		t.noteDropped(p)
		return
	}
	t.b = append(t.b, p...)
	if t.limit > 0 && len(t.b)-t.base > t.limit+utf8.UTFMax {
		cut := t.base + t.limit + 1
		for cut < len(t.b) && !utf8.RuneStart(t.b[cut]) {
			cut++
		}
		dropped := t.b[cut:]
		t.over = true
		t.noteDropped(dropped)
		t.b = t.b[:cut]
	}
}

func (t *textBuf) noteDropped(p []byte) {
	if t.nonBlank != 0 {
		return
	}
	for _, r := range string(p) {
		if !unicode.IsSpace(r) && r != '\uFEFF' {
			t.nonBlank = r
			return
		}
	}
}

func (t *textBuf) addByte(c byte) {
	if !t.over && (t.limit == 0 || len(t.b)-t.base < t.limit) {
		t.b = append(t.b, c)
		return
	}
	b := [1]byte{c}
	t.add(b[:])
}

// appendRaw appends text with no entities (CDATA), normalising line ends
// as XML requires: CR LF and a lone CR become LF.
func (t *textBuf) appendRaw(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\r')
		if i < 0 {
			t.add(p)
			return
		}
		t.add(p[:i])
		t.addByte('\n')
		p = p[i+1:]
		if len(p) > 0 && p[0] == '\n' {
			p = p[1:]
		}
	}
}

// appendText appends character data, decoding entities and character
// references and normalising line ends.
func (t *textBuf) appendText(p []byte) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '&')
		j := bytes.IndexByte(p, '\r')
		if i < 0 && j < 0 {
			t.add(p)
			return nil
		}
		if i < 0 || (j >= 0 && j < i) {
			t.add(p[:j])
			t.addByte('\n')
			p = p[j+1:]
			if len(p) > 0 && p[0] == '\n' {
				p = p[1:]
			}
			continue
		}
		t.add(p[:i])
		r, n, err := entity(p[i:])
		if err != nil {
			return err
		}
		var rb [utf8.UTFMax]byte
		t.add(rb[:utf8.EncodeRune(rb[:], r)])
		p = p[i+n:]
	}
	return nil
}

// entity decodes the entity or character reference at the start of p
// ('&'), returning the character and the reference's length.
func entity(p []byte) (rune, int, error) {
	end := bytes.IndexByte(p[:min(len(p), 12)], ';')
	if end < 0 {
		return 0, 0, fmt.Errorf("xml: invalid character entity %.12q", p)
	}
	name := p[1:end]
	switch string(name) {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "apos":
		return '\'', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	}
	if len(name) >= 2 && name[0] == '#' {
		var v uint64
		var err error
		if name[1] == 'x' {
			v, err = strconv.ParseUint(string(name[2:]), 16, 32)
		} else {
			v, err = strconv.ParseUint(string(name[1:]), 10, 32)
		}
		if err == nil && isXMLChar(rune(v)) && v <= unicode.MaxRune {
			return rune(v), end + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("xml: invalid character entity &%s;", name)
}

// isXMLChar reports whether XML 1.0 allows r in a document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// localName drops a namespace prefix: x:row is row.
func localName(name []byte) []byte {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// nextAttr parses the attribute at the start of attrs (the text after a
// tag's name), returning its local name and raw value (entities still in
// it) and the rest; ok is false when there are no more.
func nextAttr(attrs []byte) (name, value, rest []byte, ok bool, err error) {
	i := 0
	for i < len(attrs) && isXMLSpace(attrs[i]) {
		i++
	}
	if i == len(attrs) {
		return nil, nil, nil, false, nil
	}
	start := i
	for i < len(attrs) && attrs[i] != '=' && !isXMLSpace(attrs[i]) {
		i++
	}
	name = attrs[start:i]
	for i < len(attrs) && isXMLSpace(attrs[i]) {
		i++
	}
	if i == len(attrs) || attrs[i] != '=' || len(name) == 0 {
		return nil, nil, nil, false, fmt.Errorf("xml: attribute %.20q without a value", name)
	}
	i++
	for i < len(attrs) && isXMLSpace(attrs[i]) {
		i++
	}
	if i == len(attrs) || (attrs[i] != '"' && attrs[i] != '\'') {
		return nil, nil, nil, false, fmt.Errorf("xml: attribute %.20q value not quoted", name)
	}
	q := attrs[i]
	end := bytes.IndexByte(attrs[i+1:], q)
	if end < 0 {
		return nil, nil, nil, false, fmt.Errorf("xml: attribute %.20q value not closed", name)
	}
	return localName(name), attrs[i+1 : i+1+end], attrs[i+1+end+1:], true, nil
}

// findAttr returns the raw value of the attribute with the given local
// name.
func findAttr(attrs []byte, local string) ([]byte, bool, error) {
	for {
		name, value, rest, ok, err := nextAttr(attrs)
		if !ok || err != nil {
			return nil, false, err
		}
		if string(name) == local {
			return value, true, nil
		}
		attrs = rest
	}
}

// attrValue is findAttr for where attributes that do not parse can be
// taken as missing.
func attrValue(attrs []byte, local string) ([]byte, bool) {
	v, ok, _ := findAttr(attrs, local)
	return v, ok
}

// decodeAttr returns an attribute value with its entities decoded.
// Attribute values are normalised by XML (white space to spaces) but
// the values read here (names, numbers, targets) never hold any.
func decodeAttr(v []byte) (string, error) {
	if bytes.IndexByte(v, '&') < 0 {
		return string(v), nil
	}
	var t textBuf
	if err := t.appendText(v); err != nil {
		return "", err
	}
	return string(t.b), nil
}

// attrMap returns the current start tag's attributes by local name, values
// decoded; for the small parts (workbook, relationships, styles), where
// speed does not matter.
func (x *xmlScanner) attrMap() (map[string]string, error) {
	m := map[string]string{}
	a := x.attrs
	for {
		name, value, rest, ok, err := nextAttr(a)
		if err != nil {
			return nil, err
		}
		if !ok {
			return m, nil
		}
		v, err := decodeAttr(value)
		if err != nil {
			return nil, err
		}
		m[string(name)] = v
		a = rest
	}
}
