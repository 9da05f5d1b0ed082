package doctext

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// fromDocx reads a Word document (.docx): the paragraphs of
// word/document.xml in order, each one line of text (a line break inside a
// paragraph starts another line). A paragraph whose style is a heading
// (the built-in "heading 1"… or "見出し 1"…, a style based on one, or
// any style or paragraph with an outline level) becomes a Markdown
// heading one level down ("heading 1" is "##", "Title" is "#"); automatic
// numbering is written out as Word shows it ("(1)", "①", "ア", "第1条"),
// from word/numbering.xml. The lines then go through the same rules as
// plain text (FromPlainText), so a document typed with its numbers by
// hand gives the same clauses as one numbered by Word.
//
// The zip is read with limits, since its sizes are the sender's claim:
// at most MaxEntries files, and at most MaxUnpacked bytes actually
// decompressed from the parts read. Tracked deletions, field codes and
// the fallback copies of text boxes are left out.
func fromDocx(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", problem(KeyBrokenDocx, err)
	}
	if len(zr.File) > MaxEntries {
		return "", problem(KeyTooLarge, fmt.Errorf("%d files in the zip", len(zr.File)), MaxUnpacked>>20)
	}
	var document, styles, numbering *zip.File
	for _, f := range zr.File {
		switch strings.ToLower(f.Name) {
		case "word/document.xml":
			document = f
		case "word/styles.xml":
			styles = f
		case "word/numbering.xml":
			numbering = f
		}
	}
	if document == nil {
		// A zip, but not a Word document: an .xlsx, a .pptx, an archive.
		return "", problem(KeyUnsupported, errors.New("zip without word/document.xml"))
	}
	budget := &unpackBudget{left: MaxUnpacked}
	st := map[string]*wordStyle{}
	if styles != nil {
		if st, err = readStyles(styles, budget); err != nil {
			return "", err
		}
	}
	nb := newNumbering()
	if numbering != nil {
		if err := nb.read(numbering, budget); err != nil {
			return "", err
		}
	}
	units, err := readDocument(document, budget, st, nb)
	if err != nil {
		return "", err
	}
	return fromUnits(units), nil
}

// errUnpacked stops a part that unpacks beyond the budget.
var errUnpacked = errors.New("unpacked size over the limit")

// unpackBudget is what is left of MaxUnpacked across all parts read.
type unpackBudget struct{ left int64 }

type budgetReader struct {
	r io.Reader
	b *unpackBudget
}

func (r *budgetReader) Read(p []byte) (int, error) {
	if r.b.left <= 0 {
		return 0, errUnpacked
	}
	if int64(len(p)) > r.b.left {
		p = p[:r.b.left]
	}
	n, err := r.r.Read(p)
	r.b.left -= int64(n)
	return n, err
}

// openPart opens one part of the zip for streaming within the budget.
func openPart(f *zip.File, b *unpackBudget) (io.ReadCloser, *xml.Decoder, error) {
	if f.UncompressedSize64 > uint64(b.left) {
		return nil, nil, problem(KeyTooLarge, fmt.Errorf("%s claims %d bytes", f.Name, f.UncompressedSize64), MaxUnpacked>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, problem(KeyBrokenDocx, fmt.Errorf("%s: %w", f.Name, err))
	}
	dec := xml.NewDecoder(&budgetReader{r: rc, b: b})
	return rc, dec, nil
}

// partError classifies an error met while reading a part.
func partError(f *zip.File, err error) error {
	if errors.Is(err, errUnpacked) {
		return problem(KeyTooLarge, fmt.Errorf("%s: %w", f.Name, err), MaxUnpacked>>20)
	}
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	return problem(KeyBrokenDocx, fmt.Errorf("%s: %w", f.Name, err))
}

// maxDepth bounds XML nesting: Word nests tables in tables, but not
// thousands deep; a deeper part is built to exhaust the decoder's stack.
const maxDepth = 256

// tokens walks the elements of an XML part, calling fn for each token with
// the depth of its element. Errors from fn stop the walk.
func tokens(f *zip.File, b *unpackBudget, fn func(tok xml.Token, depth int) error) error {
	rc, dec, err := openPart(f, b)
	if err != nil {
		return err
	}
	defer rc.Close()
	depth := 0
	for {
		// Token, not RawToken: it checks that elements are closed in
		// order, so a truncated or spliced part is reported as broken.
		tok, err := dec.Token()
		if err == io.EOF {
			if depth != 0 {
				return partError(f, io.ErrUnexpectedEOF)
			}
			return nil
		}
		if err != nil {
			return partError(f, err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return partError(f, fmt.Errorf("nested deeper than %d", maxDepth))
			}
		case xml.EndElement:
			depth--
			if depth < 0 {
				return partError(f, errors.New("unbalanced end element"))
			}
		}
		if err := fn(tok, depth); err != nil {
			return partError(f, err)
		}
	}
}

// attr returns the value of the attribute with the local name, whatever
// its prefix (w:val, or val in a document written without prefixes).
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// wordStyle is what matters of a paragraph style: its name, the style it
// is based on and its outline level (-1 when it has none).
type wordStyle struct {
	name    string
	basedOn string
	outline int
}

func readStyles(f *zip.File, b *unpackBudget) (map[string]*wordStyle, error) {
	styles := map[string]*wordStyle{}
	var cur *wordStyle
	err := tokens(f, b, func(tok xml.Token, depth int) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "style":
				cur = &wordStyle{outline: -1}
				if id := attr(t, "styleId"); id != "" && len(styles) < 10000 {
					styles[id] = cur
				}
			case "name":
				if cur != nil {
					cur.name = attr(t, "val")
				}
			case "basedOn":
				if cur != nil {
					cur.basedOn = attr(t, "val")
				}
			case "outlineLvl":
				if cur != nil {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil {
						cur.outline = n
					}
				}
			}
		case xml.EndElement:
			if t.Name.Local == "style" {
				cur = nil
			}
		}
		return nil
	})
	return styles, err
}

// headingName matches the names of the built-in heading styles, in
// English (as styles.xml stores them even in Japanese Word) or Japanese,
// and their ids as other writers spell them ("Heading1", "見出し1").
var headingName = regexp.MustCompile(`^(?i:heading|見出し)\s*([1-9１-９])$`)

// headingLevelOf is the Markdown heading level of a paragraph: 1 for a
// title, 2… for heading 1…, 0 for body text. outline is the paragraph's
// own outline level (-1 if none), which wins over its style's.
func headingLevelOf(styles map[string]*wordStyle, styleID string, outline int) int {
	if outline >= 0 && outline < 9 {
		return min(outline+2, 6)
	}
	id := styleID
	for range 10 { // basedOn chains are short; a loop must not hang
		if id == "" {
			return 0
		}
		s := styles[id]
		name := id
		if s != nil && s.name != "" {
			name = s.name
		}
		lower := strings.ToLower(name)
		if lower == "title" || name == "表題" {
			return 1
		}
		if m := headingName.FindStringSubmatch(name); m != nil {
			n := digitValue([]rune(m[1])[0])
			return min(n+1, 6)
		}
		if s == nil {
			return 0
		}
		if s.outline >= 0 && s.outline < 9 {
			return min(s.outline+2, 6)
		}
		id = s.basedOn
	}
	return 0
}

// readDocument streams the paragraphs of word/document.xml into units.
func readDocument(f *zip.File, b *unpackBudget, styles map[string]*wordStyle, nb *numbering) ([]unit, error) {
	type para struct {
		style        string
		numID        string
		ilvl         int
		outline      int
		lines        []string
		cur          strings.Builder
		inPPr, inRun bool
	}
	var units []unit
	var stack []*para // a text box's paragraphs sit inside another's
	skip := 0         // depth of an element whose content is left out, 0 if none
	inText := false
	emit := func(p *para) {
		p.lines = append(p.lines, p.cur.String())
		level := headingLevelOf(styles, p.style, p.outline)
		label, bullet := "", false
		if p.numID != "" {
			label, bullet = nb.next(p.numID, p.ilvl)
		}
		if level > 0 {
			text := strings.TrimSpace(strings.Join(p.lines, " "))
			if label != "" && !bullet {
				text = label + " " + text
			}
			if text != "" {
				units = append(units, unit{text: text, level: level})
			}
			return
		}
		for i, l := range p.lines {
			l = strings.TrimRight(l, " \t\u3000")
			if i == 0 && (label != "" || bullet) {
				if bullet {
					l = "- " + strings.TrimLeft(l, " \t")
				} else {
					l = label + " " + strings.TrimLeft(l, " \t")
				}
			}
			if strings.TrimLeft(l, " \t\u3000") != "" {
				units = append(units, unit{text: l})
			}
		}
	}
	err := tokens(f, b, func(tok xml.Token, depth int) error {
		if skip > 0 {
			if _, ok := tok.(xml.EndElement); ok && depth < skip {
				skip = 0
			}
			return nil
		}
		var p *para
		if len(stack) > 0 {
			p = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Fallback", "del", "moveFrom", "pPrChange", "rPrChange", "instrText", "delText", "footnoteReference":
				skip = depth
			case "p":
				stack = append(stack, &para{outline: -1})
			case "pPr":
				if p != nil {
					p.inPPr = true
				}
			case "r":
				if p != nil {
					p.inRun = true
				}
			case "pStyle":
				if p != nil && p.inPPr {
					p.style = attr(t, "val")
				}
			case "numId":
				if p != nil && p.inPPr {
					p.numID = attr(t, "val")
				}
			case "ilvl":
				if p != nil && p.inPPr {
					p.ilvl, _ = strconv.Atoi(attr(t, "val"))
				}
			case "outlineLvl":
				if p != nil && p.inPPr {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil {
						p.outline = n
					}
				}
			case "t":
				inText = p != nil
			case "tab":
				if p != nil && p.inRun {
					p.cur.WriteByte(' ')
				}
			case "br", "cr":
				if p != nil && p.inRun {
					p.lines = append(p.lines, p.cur.String())
					p.cur.Reset()
				}
			case "noBreakHyphen":
				if p != nil && p.inRun {
					p.cur.WriteByte('-')
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "p":
				if p != nil {
					stack = stack[:len(stack)-1]
					emit(p)
				}
			case "pPr":
				if p != nil {
					p.inPPr = false
				}
			case "r":
				if p != nil {
					p.inRun = false
				}
			case "t":
				inText = false
			}
		case xml.CharData:
			if inText && p != nil {
				p.cur.Write(t)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return units, nil
}

// numbering holds word/numbering.xml: the levels of each abstract
// numbering, which abstract numbering each list (numId) uses, and the
// counters of each list as the document is read.
type numbering struct {
	abstract map[string]*[9]numLevel
	lists    map[string]*numList
}

type numLevel struct {
	format string // numFmt: decimal, decimalEnclosedCircle, aiueoFullWidth…
	text   string // lvlText: "%1.", "(%2)", "第%1条"
	start  int
}

type numList struct {
	abstractID string
	starts     map[int]int // startOverride per level
	count      [9]int
	used       bool
}

func newNumbering() *numbering {
	return &numbering{abstract: map[string]*[9]numLevel{}, lists: map[string]*numList{}}
}

func (nb *numbering) read(f *zip.File, b *unpackBudget) error {
	var abs *[9]numLevel
	var list *numList
	lvl, override := -1, -1
	return tokens(f, b, func(tok xml.Token, depth int) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "abstractNum":
				abs = &[9]numLevel{}
				for i := range abs {
					abs[i] = numLevel{format: "decimal", start: 1}
				}
				if len(nb.abstract) < 10000 {
					nb.abstract[attr(t, "abstractNumId")] = abs
				}
			case "num":
				list = &numList{starts: map[int]int{}}
				if len(nb.lists) < 10000 {
					nb.lists[attr(t, "numId")] = list
				}
			case "abstractNumId":
				if list != nil {
					list.abstractID = attr(t, "val")
				}
			case "lvl":
				lvl = -1
				if n, err := strconv.Atoi(attr(t, "ilvl")); err == nil && n >= 0 && n < 9 {
					lvl = n
				}
			case "lvlOverride":
				override = -1
				if n, err := strconv.Atoi(attr(t, "ilvl")); err == nil && n >= 0 && n < 9 {
					override = n
				}
			case "startOverride":
				if list != nil && override >= 0 {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil {
						list.starts[override] = n
					}
				}
			case "start":
				if abs != nil && lvl >= 0 {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil {
						abs[lvl].start = n
					}
				}
			case "numFmt":
				if abs != nil && lvl >= 0 {
					abs[lvl].format = attr(t, "val")
				}
			case "lvlText":
				if abs != nil && lvl >= 0 {
					abs[lvl].text = attr(t, "val")
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "abstractNum":
				abs = nil
			case "num":
				list = nil
			case "lvl":
				lvl = -1
			case "lvlOverride":
				override = -1
			}
		}
		return nil
	})
}

// next advances list numID at level ilvl and returns the label Word shows
// ("(3)"), or bullet when the level is a bullet (then the label is empty
// and the paragraph becomes a list item).
func (nb *numbering) next(numID string, ilvl int) (label string, bullet bool) {
	list := nb.lists[numID]
	if list == nil || ilvl < 0 || ilvl > 8 {
		return "", false // numId 0 means "no numbering"; unknown ones too
	}
	abs := nb.abstract[list.abstractID]
	if abs == nil {
		return "", false
	}
	lv := abs[ilvl]
	if lv.format == "bullet" {
		return "", true
	}
	startOf := func(l int) int {
		if s, ok := list.starts[l]; ok {
			return s
		}
		return abs[l].start
	}
	if !list.used {
		for l := range list.count {
			list.count[l] = startOf(l) - 1
		}
		list.used = true
	}
	list.count[ilvl]++
	for l := ilvl + 1; l < 9; l++ {
		list.count[l] = startOf(l) - 1
	}
	if lv.format == "none" {
		return strings.TrimSpace(lv.text), false
	}
	var b strings.Builder
	text := lv.text
	for i := 0; i < len(text); i++ {
		if text[i] == '%' && i+1 < len(text) && text[i+1] >= '1' && text[i+1] <= '9' {
			l := int(text[i+1] - '1')
			b.WriteString(formatNumber(abs[l].format, max(list.count[l], startOf(l))))
			i++
			continue
		}
		b.WriteByte(text[i])
	}
	return strings.TrimSpace(b.String()), false
}

const (
	aiueo = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
	iroha = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセスン"
	kan   = "〇一二三四五六七八九"
	jukan = "甲乙丙丁戊己庚辛壬癸"
)

// formatNumber writes n in one of Word's number formats (the common ones;
// others fall back to decimal). Numbers outside 1…9999 are written in
// figures whatever the format: a start value is the file's claim, and
// "a" repeated a billion times is not a label.
func formatNumber(format string, n int) string {
	if n < 1 || n > 9999 {
		return strconv.Itoa(n)
	}
	pick := func(set string) string {
		rs := []rune(set)
		if n >= 1 && n <= len(rs) {
			return string(rs[n-1])
		}
		return strconv.Itoa(n)
	}
	switch format {
	case "decimalFullWidth", "decimalFullWidth2":
		var b strings.Builder
		for _, r := range strconv.Itoa(n) {
			b.WriteRune(r - '0' + '０')
		}
		return b.String()
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		if n >= 1 && n <= 50 {
			switch {
			case n <= 20:
				return string(rune('①' + n - 1))
			case n <= 35:
				return string(rune('㉑' + n - 21))
			default:
				return string(rune('㊱' + n - 36))
			}
		}
	case "decimalEnclosedParen":
		if n >= 1 && n <= 20 {
			return string(rune('⑴' + n - 1))
		}
		return "(" + strconv.Itoa(n) + ")"
	case "aiueo", "aiueoFullWidth":
		return pick(aiueo)
	case "iroha", "irohaFullWidth":
		return pick(iroha)
	case "ideographTraditional":
		return pick(jukan)
	case "japaneseCounting", "ideographDigital", "japaneseDigitalTenThousand":
		return kanjiNumber(n)
	case "lowerLetter", "upperLetter":
		if n >= 1 {
			s := strings.Repeat(string(rune('a'+(n-1)%26)), (n-1)/26+1)
			if format == "upperLetter" {
				s = strings.ToUpper(s)
			}
			return s
		}
	case "lowerRoman", "upperRoman":
		if s := roman(n); s != "" {
			if format == "lowerRoman" {
				return strings.ToLower(s)
			}
			return s
		}
	}
	return strconv.Itoa(n)
}

// kanjiNumber writes 1…9999 in kanji as Japanese counts (十二, 百五).
func kanjiNumber(n int) string {
	if n <= 0 || n > 9999 {
		return strconv.Itoa(n)
	}
	digits := []rune(kan)
	var b strings.Builder
	for _, u := range []struct {
		v int
		c string
	}{{1000, "千"}, {100, "百"}, {10, "十"}} {
		if d := n / u.v; d > 0 {
			if d > 1 {
				b.WriteRune(digits[d])
			}
			b.WriteString(u.c)
			n %= u.v
		}
	}
	if n > 0 {
		b.WriteRune(digits[n])
	}
	return b.String()
}

func roman(n int) string {
	if n <= 0 || n >= 4000 {
		return ""
	}
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}
