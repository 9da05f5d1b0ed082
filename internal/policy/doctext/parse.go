package doctext

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
)

// The clause rule (Parse and Render share it, so every clause Parse
// returns is exactly one anchor Render writes):
//
//   - A clause starts at a Markdown heading (any level, ATX or setext)
//     whose text starts with a clause number, at a list item (bulleted or
//     ordered) whose text starts with one, or at a paragraph that starts
//     with one. The list marker of an ordered list ("1.") is not a clause
//     number: Markdown renumbers those, so they cannot be cited.
//   - Clause numbers: 第1章, 第1節, 第1条 (also 第十二条, 第3条の2); bare
//     section numbers 1, １, "1." (headings only, see parseNumber); (1),
//     （１）, ⑴; ①…㊿; ア, イ… followed by a blank; (ア), （ア）.
//   - Nesting follows the form, not the Markdown level: a clause belongs to
//     the nearest open clause of a lower rank (chapter < 節 < section or
//     article < (1) < ① < ア < (ア)). An article or bare section number
//     closes every open clause, chapters included.
//   - Ident joins the normalised numbers top down with "-": "6-(3)-①".
//     Full-width digits and parentheses are folded ("（３）" → "(3)"), ⑴ is
//     "(1)", 第十二条 is "第12条". Number keeps the number as written.
//   - A repeated identifier gets "_2", "_3"… in document order and the
//     clause is marked Duplicate, so every identifier names one clause and
//     nothing a later clause says can take over an earlier one's anchor.
//   - Heading is the rest of a heading's text; items and paragraphs have
//     none. Text is the Markdown after the number (after the heading line
//     for a heading) up to the line where the next clause of any level
//     starts, with the indentation its lines share removed.
//   - A body beyond defuse's limits (thousands of '[' or '_', containers
//     nested more than 32 deep) is read with those marks escaped, and its
//     Text shows the backslashes; no real document comes near them.
//   - Block quotes, code blocks, HTML blocks and tables never start a
//     clause: they are quoted or literal material, so they belong to the
//     text of the clause they stand in.

// start is where one clause begins in the source.
type start struct {
	node      ast.Node // carries the anchor: *ast.Heading, *ast.ListItem or *ast.Paragraph
	num       number
	heading   string
	isHeading bool
	lineStart int // offset of the line the clause starts on
	textStart int // offset of the clause's own text
}

// normalise prepares a Markdown body for goldmark: normaliseText, then
// defuse. Parse and Render both start here, so their offsets agree.
func normalise(markdown string) []byte {
	return defuse([]byte(normaliseText(markdown)))
}

// normaliseText turns CR LF and lone CR line ends into LF, so offsets,
// texts and identifiers do not depend on the editor that wrote the body,
// and invalid UTF-8 into U+FFFD: goldmark's Japanese line-break handling
// reads runes and panics on a broken one (found by FuzzParse), and a body
// is text, so nothing is lost that was readable.
func normaliseText(markdown string) string {
	if !utf8.ValidString(markdown) {
		markdown = strings.ToValidUTF8(markdown, "\uFFFD")
	}
	if strings.Contains(markdown, "\r") {
		markdown = strings.ReplaceAll(markdown, "\r\n", "\n")
		markdown = strings.ReplaceAll(markdown, "\r", "\n")
	}
	return markdown
}

// Limits beyond which defuse takes Markdown's meaning from characters.
// goldmark, like many CommonMark parsers, takes quadratic time on some
// inputs: many '[' (links that never close, or nest), many '_', and
// containers nested thousands deep ("> > > …", "- - - …"). A body of
// MaxBody characters built that way took minutes to render. No policy
// document comes near these counts, so they cost real documents nothing.
const (
	maxBrackets   = 2000 // '[' in a body
	maxUnderscore = 5000 // '_' in a body
	maxNesting    = 32   // container marks at the start of one line
)

// defuse escapes, only in a body past the limits above, the characters
// that make goldmark slow: every '[' (no links then) or every '_' (no
// _emphasis_), and the container marks of a line after the first
// maxNesting. The result renders those characters as written. Bodies
// within the limits are returned unchanged.
func defuse(src []byte) []byte {
	escapeAll := func(src []byte, c byte) []byte {
		out := make([]byte, 0, len(src)+bytes.Count(src, []byte{c}))
		for i, b := range src {
			if b == c && (i == 0 || src[i-1] != '\\') {
				out = append(out, '\\')
			}
			out = append(out, b)
		}
		return out
	}
	if bytes.Count(src, []byte("[")) > maxBrackets {
		src = escapeAll(src, '[')
	}
	if bytes.Count(src, []byte("_")) > maxUnderscore {
		src = escapeAll(src, '_')
	}
	if !deeplyNested(src) {
		return src
	}
	var out []byte
	for line := range bytes.Lines(src) {
		if at := nestingCut(line); at >= 0 {
			out = append(out, line[:at]...)
			out = append(out, '\\')
			out = append(out, line[at:]...)
			continue
		}
		out = append(out, line...)
	}
	return out
}

// deeplyNested reports whether any line starts with more than maxNesting
// container marks.
func deeplyNested(src []byte) bool {
	for line := range bytes.Lines(src) {
		if nestingCut(line) >= 0 {
			return true
		}
	}
	return false
}

// nestingCut returns the offset of the container mark past maxNesting at
// the start of line ('>', a list bullet '-', '*', '+' or an ordered mark
// "1." followed by a blank), or -1 when there are not that many. The
// backslash defuse puts there turns the rest of the line into text.
func nestingCut(line []byte) int {
	marks := 0
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			continue
		case c == '>' || ((c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t')):
			marks++
			if marks > maxNesting {
				return i
			}
		case c >= '0' && c <= '9':
			// An ordered list mark, "1." or "1)", nests as well.
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j+1 >= len(line) || (line[j] != '.' && line[j] != ')') || (line[j+1] != ' ' && line[j+1] != '\t') {
				return -1
			}
			marks++
			if marks > maxNesting {
				return i
			}
			i = j
		default:
			return -1
		}
	}
	return -1
}

// scan parses src and finds the clause starts in document order.
func scan(src []byte) (ast.Node, []start) {
	doc := markdownParse(src)
	if doc == nil {
		return nil, nil
	}
	var starts []start
	inItem := map[ast.Node]bool{} // first paragraphs already counted with their list item
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Blockquote, *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock, *extast.Table:
			return ast.WalkSkipChildren, nil
		case *ast.Heading:
			if st, ok := headingStart(src, n); ok {
				starts = append(starts, st)
			}
			return ast.WalkSkipChildren, nil
		case *ast.ListItem:
			first := n.FirstChild()
			switch first.(type) {
			case *ast.Paragraph, *ast.TextBlock:
				if st, ok := blockStart(src, first); ok {
					st.node = n
					starts = append(starts, st)
					inItem[first] = true
				}
			}
			return ast.WalkContinue, nil
		case *ast.Paragraph:
			if !inItem[n] {
				if st, ok := blockStart(src, n); ok {
					starts = append(starts, st)
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.TextBlock:
			// Only a list item's first block: it renders without a tag
			// of its own, so it could not carry an anchor elsewhere.
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return doc, starts
}

// lineStartOf is the offset of the start of the line holding offset i.
func lineStartOf(src []byte, i int) int {
	return bytes.LastIndexByte(src[:i], '\n') + 1
}

// lineEndAfter is the offset just past the line end at or after i.
func lineEndAfter(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

func headingStart(src []byte, h *ast.Heading) (start, bool) {
	lines := h.Lines()
	if lines.Len() == 0 {
		return start{}, false
	}
	first := lines.At(0)
	var content strings.Builder
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		if i > 0 {
			content.WriteByte(' ')
		}
		content.Write(bytes.TrimRight(seg.Value(src), " \t\n"))
	}
	num, ok := parseNumber(content.String(), true)
	if !ok {
		return start{}, false
	}
	last := lines.At(lines.Len() - 1)
	ls := lineStartOf(src, first.Start)
	textStart := lineEndAfter(src, last.Stop-min(last.Stop-last.Start, 1))
	// A setext heading is underlined on the next line; an ATX heading has
	// its '#' marks before the text on its own line.
	if !bytes.Contains(src[ls:first.Start], []byte("#")) && textStart < len(src) {
		textStart = lineEndAfter(src, textStart)
	}
	return start{
		node:      h,
		num:       num,
		heading:   strings.Trim(content.String()[num.size:], " \t\u3000"),
		isHeading: true,
		lineStart: ls,
		textStart: textStart,
	}, true
}

func blockStart(src []byte, b ast.Node) (start, bool) {
	lines := b.Lines()
	if lines.Len() == 0 {
		return start{}, false
	}
	first := lines.At(0)
	line := string(first.Value(src))
	num, ok := parseNumber(line, false)
	if !ok {
		return start{}, false
	}
	return start{
		node:      b,
		num:       num,
		lineStart: lineStartOf(src, first.Start),
		textStart: first.Start + num.size,
	}, true
}

// Parse returns the clauses of a Markdown body in document order (see the
// clause rule above).
func Parse(markdown string) []Clause {
	src := normalise(markdown)
	_, starts := scan(src)
	return clausesOf(src, starts)
}

// clausesOf turns the starts into clauses: identifiers from the open
// clauses above each, texts up to the next start.
func clausesOf(src []byte, starts []start) []Clause {
	if len(starts) == 0 {
		return nil
	}
	out := make([]Clause, 0, len(starts))
	type open struct {
		kind  kind
		ident string
	}
	var stack []open
	seen := make(map[string]bool, len(starts))
	nextSuffix := map[string]int{} // per repeated identifier, the suffix to try next
	for i, st := range starts {
		k := st.num.kind
		if k.root() {
			stack = stack[:0]
		}
		for len(stack) > 0 && stack[len(stack)-1].kind >= k {
			stack = stack[:len(stack)-1]
		}
		ident := st.num.ident
		if len(stack) > 0 {
			ident = stack[len(stack)-1].ident + "-" + ident
		}
		dup := false
		if seen[ident] {
			dup = true
			// Remembering the last suffix keeps a thousand repeats of one
			// number linear; the loop only skips suffixes taken otherwise.
			n := max(nextSuffix[ident], 2)
			for seen[ident+"_"+strconv.Itoa(n)] {
				n++
			}
			nextSuffix[ident] = n + 1
			ident += "_" + strconv.Itoa(n)
		}
		seen[ident] = true
		stack = append(stack, open{kind: k, ident: ident})

		end := len(src)
		if i+1 < len(starts) {
			end = starts[i+1].lineStart
		}
		body := ""
		if st.textStart < end {
			body = clauseText(string(src[st.textStart:end]))
		}
		out = append(out, Clause{
			Ident:     ident,
			Number:    st.num.written,
			Depth:     len(stack),
			Heading:   st.heading,
			Text:      body,
			Duplicate: dup,
		})
	}
	return out
}

// clauseText tidies a clause's stretch of source: the first line is
// already cut after the number; the later lines lose the indentation they
// all share (a list item's continuation lines are indented under it), so
// the text reads as Markdown of its own. Blanks at either end go.
func clauseText(s string) string {
	lines := strings.Split(s, "\n")
	prefix := ""
	found := false
	for _, l := range lines[1:] {
		if strings.TrimLeft(l, " \t") == "" {
			continue
		}
		ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if !found {
			prefix, found = ind, true
			continue
		}
		for !strings.HasPrefix(ind, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if prefix != "" {
		for i := 1; i < len(lines); i++ {
			lines[i] = strings.TrimPrefix(lines[i], prefix)
		}
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n \t")
}
