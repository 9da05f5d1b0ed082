package doctext

import (
	"strings"
	"unicode/utf8"
)

// FromPlainText turns a numbered plain-text document, as the
// organisation's basic policy is written, into Markdown with the same
// clauses. Every non-blank line becomes one block, its wording kept
// character for character (Markdown's own punctuation is escaped with a
// backslash so that it shows as written):
//
//   - the first line, when it starts with ○ (a 例規集 title): "# " + the
//     rest;
//   - a numbered line that reads as a heading (a short line without 。 or
//     、, see headingLike): a heading, "## 1 目的", "## 第1章 総則", "###
//     (1) 情報資産", "#### ① …", "##### ア …";
//   - a numbered sentence whose number is an item number ((1), ①, ア,
//     (ア)): a list item "- ① …"; an article sentence ("第1条 この規程は…")
//     stays a paragraph, which the clause rule counts already; a sentence
//     after a bare figure ("2 前項の…", a 項 number) stays a paragraph and
//     is not a clause;
//   - a line starting "- ", "* " or "+ ": a list item (the seed's items);
//   - anything else: a paragraph.
//
// Consecutive list items form one list. A paragraph split by a page break
// in the middle of a word is joined again (see joinBroken).
func FromPlainText(text string) string {
	text = strings.TrimPrefix(text, "\uFEFF")
	var units []unit
	for _, line := range strings.Split(normaliseText(text), "\n") {
		line = strings.TrimRight(line, " \t\u3000")
		if strings.TrimLeft(line, " \t\u3000") == "" {
			continue
		}
		units = append(units, unit{text: line})
	}
	return fromUnits(units)
}

// unit is one line of a plain-text document or one paragraph of a Word
// document. level is a heading level the source itself declares (a Word
// heading style: 1 for a title, 2… for headings); 0 leaves the decision
// to the line's own form.
type unit struct {
	text  string
	level int
}

// blockKind is what a unit becomes in Markdown.
type blockKind int

const (
	blockParagraph blockKind = iota
	blockHeading
	blockItem
)

type block struct {
	kind blockKind
	md   string
}

func fromUnits(units []unit) string {
	units = joinBroken(units)
	blocks := make([]block, 0, len(units))
	for i, u := range units {
		blocks = append(blocks, classify(u, i == 0))
	}
	var b strings.Builder
	for i, bl := range blocks {
		if i > 0 {
			if bl.kind == blockItem && blocks[i-1].kind == blockItem {
				b.WriteString("\n")
			} else {
				b.WriteString("\n\n")
			}
		}
		b.WriteString(bl.md)
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// classify decides what one unit becomes (see FromPlainText).
func classify(u unit, first bool) block {
	line := strings.TrimLeft(u.text, " \t")
	if u.level > 0 {
		return block{blockHeading, strings.Repeat("#", min(u.level, 6)) + " " + escapeMarkdown(strings.TrimLeft(line, "\u3000"), false)}
	}
	if first {
		for _, mark := range []string{"○", "〇", "◯"} {
			if rest, ok := strings.CutPrefix(line, mark); ok && strings.TrimSpace(rest) != "" {
				return block{blockHeading, "# " + escapeMarkdown(strings.TrimLeft(rest, " \t\u3000"), false)}
			}
		}
	}
	for _, marker := range []string{"- ", "* ", "+ "} {
		if rest, ok := strings.CutPrefix(line, marker); ok && strings.TrimLeft(rest, " \t\u3000") != "" {
			return block{blockItem, "- " + escapeMarkdown(strings.TrimLeft(rest, " \t"), true)}
		}
	}
	num, ok := parseNumber(line, true)
	if !ok {
		return block{blockParagraph, escapeMarkdown(line, true)}
	}
	numbered := strings.TrimLeft(line, " \t\u3000")
	rest := line[num.size:]
	if headingLike(rest) || num.kind == kindChapter || num.kind == kindPart {
		return block{blockHeading, strings.Repeat("#", headingLevel(num.kind)) + " " + escapeMarkdown(numbered, false)}
	}
	switch num.kind {
	case kindParen, kindCircled, kindKana, kindParenKana:
		return block{blockItem, "- " + escapeMarkdown(numbered, true)}
	}
	return block{blockParagraph, escapeMarkdown(line, true)}
}

// headingLevel is the Markdown heading level a numbered heading line gets:
// sections ##, (1) ###, ① ####, ア #####, (ア) ######. Only the look
// depends on it; the clause rule nests by the form of the number.
func headingLevel(k kind) int {
	switch k {
	case kindPart, kindParen:
		return 3
	case kindCircled:
		return 4
	case kindKana:
		return 5
	case kindParenKana:
		return 6
	}
	return 2
}

// headingLike reports whether the text after a number reads as a title
// rather than a sentence: at most 40 characters and neither 。 nor 、
// ("(8) 業務委託と外部サービスの利用" is a title; "(3) 地震、落雷、火災等
// の災害による…" is an item).
func headingLike(rest string) bool {
	return utf8.RuneCountInString(rest) <= 40 && !strings.ContainsAny(rest, "。、")
}

// escapeMarkdown writes plain text so that Markdown shows it as it is:
// the ASCII punctuation Markdown acts on anywhere in a line gets a
// backslash, and at the start of a block (lineStart) so do the marks that
// would start a heading, list, quote, rule or ordered list there. Japanese
// punctuation is never special, so Japanese text passes unchanged.
func escapeMarkdown(s string, lineStart bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~', '#':
			b.WriteByte('\\')
		case '-', '+', '=':
			if i == 0 && lineStart {
				b.WriteByte('\\')
			}
		case '.', ')':
			// "1." and "1)" start an ordered list.
			if lineStart && i > 0 && i <= 9 && allDigits(s[:i]) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// brokenWords are the words a page break is known to have split in the
// organisation's documents. The seed's §5 reads 「…業務の遂行に当たって情報セ」,
// a blank line, then 「セキュリティポリシー及び…」: the page ended inside
// セキュリティ and the next page repeated its first character.
var brokenWords = []string{"セキュリティ"}

// sentenceEnds are the characters a paragraph that is not cut off ends
// with.
const sentenceEnds = "。．.」』）)！？!?:："

// joinBroken joins a paragraph that a page break cut inside one of
// brokenWords with the paragraph that continues it. It is deliberately
// narrow: both units must be plain paragraphs (no number, no heading
// level), the first must stop without closing punctuation on a proper
// beginning of the word, and the second must start with the whole word
// (the repeated form of the seed) or with exactly the rest of it. Any
// other pair of paragraphs is left alone.
func joinBroken(units []unit) []unit {
	out := make([]unit, 0, len(units))
	for _, u := range units {
		if len(out) > 0 {
			prev := out[len(out)-1]
			if joined, ok := joinPair(prev, u); ok {
				out[len(out)-1] = unit{text: joined}
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

func joinPair(prev, next unit) (string, bool) {
	if prev.level > 0 || next.level > 0 || !plainParagraph(prev.text) || !plainParagraph(next.text) {
		return "", false
	}
	last, _ := utf8.DecodeLastRuneInString(prev.text)
	if strings.ContainsRune(sentenceEnds, last) {
		return "", false
	}
	nextText := strings.TrimLeft(next.text, " \t\u3000")
	for _, word := range brokenWords {
		rs := []rune(word)
		for k := len(rs) - 1; k >= 1; k-- {
			head := string(rs[:k])
			if !strings.HasSuffix(prev.text, head) {
				continue
			}
			if strings.HasPrefix(nextText, word) {
				// The repeated form: 「情報セ」 + 「セキュリティ…」.
				return strings.TrimSuffix(prev.text, head) + nextText, true
			}
			if strings.HasPrefix(nextText, string(rs[k:])) {
				// The plain form: 「情報セ」 + 「キュリティ…」.
				return prev.text + nextText, true
			}
		}
	}
	return "", false
}

// plainParagraph reports whether a line would become a plain paragraph:
// no list marker, no clause number, no title mark.
func plainParagraph(line string) bool {
	line = strings.TrimLeft(line, " \t")
	for _, marker := range []string{"- ", "* ", "+ ", "○", "〇", "◯"} {
		if strings.HasPrefix(line, marker) {
			return false
		}
	}
	_, numbered := parseNumber(line, true)
	return !numbered
}
