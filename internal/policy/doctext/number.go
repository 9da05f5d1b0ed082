package doctext

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"mamori/internal/textfold"
)

// kind is a form of clause number. Its value is its rank: a clause nests
// inside the nearest open clause of a lower rank, so an item "(3)" after
// section "6" is "6-(3)", and a "①" after it is "6-(3)-①". A level that
// is skipped is simply absent from the identifier ("5-①").
type kind int

const (
	kindNone      kind = iota
	kindChapter        // 第1章
	kindPart           // 第1節, inside a chapter
	kindSection        // 1, １, 第1条 (an article is cited without its chapter)
	kindParen          // (1), （１）, ⑴
	kindCircled        // ①…⑳, ㉑…㊿
	kindKana           // ア, イ, … (アイウエオ or イロハ order)
	kindParenKana      // (ア), （ア）
)

// root reports whether a clause of this kind closes every open clause,
// whatever its rank: an article (第3条) is cited as 第3条 in a regulation
// with chapters, not as 第1章第3条, because articles are numbered through
// the whole regulation. Sections written as bare numbers behave the same.
func (k kind) root() bool { return k == kindSection || k == kindChapter }

// number is a clause number found at the start of a line.
type number struct {
	kind    kind
	written string // as in the text: "（３）"
	ident   string // normalised: "(3)"
	size    int    // bytes of the number and the blank after it
}

// isBlank reports whether r separates a number from its text: a space,
// a tab or the ideographic space Japanese documents use.
func isBlank(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' }

// digitValue is the value of an ASCII or full-width digit, or -1.
func digitValue(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '０' && r <= '９':
		return int(r - '０')
	}
	return -1
}

// leadingDigits reads up to max ASCII or full-width digits at the start
// of s: their value and byte length (0 when there is none or too many).
func leadingDigits(s string, max int) (value, size int) {
	count := 0
	for size < len(s) {
		r, w := utf8.DecodeRuneInString(s[size:])
		d := digitValue(r)
		if d < 0 {
			break
		}
		count++
		if count > max {
			return 0, 0
		}
		value = value*10 + d
		size += w
	}
	return value, size
}

// kanjiDigits are the kanji numerals 第一条 may be written with.
var kanjiDigits = map[rune]int{'〇': 0, '零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

var kanjiUnits = map[rune]int{'十': 10, '百': 100, '千': 1000}

// leadingKanji reads a kanji numeral ("十二", "百五") at the start of s.
func leadingKanji(s string) (value, size int) {
	total, cur, n := 0, 0, 0
	for size < len(s) && n < 8 {
		r, w := utf8.DecodeRuneInString(s[size:])
		if d, ok := kanjiDigits[r]; ok {
			cur = cur*10 + d
		} else if u, ok := kanjiUnits[r]; ok {
			if cur == 0 {
				cur = 1
			}
			total += cur * u
			cur = 0
		} else {
			break
		}
		size += w
		n++
	}
	if size == 0 {
		return 0, 0
	}
	return total + cur, size
}

// leadingNumeral reads digits or a kanji numeral.
func leadingNumeral(s string) (value, size int) {
	if v, n := leadingDigits(s, 4); n > 0 {
		return v, n
	}
	return leadingKanji(s)
}

// circledValue is the value of a circled number ①…㊿, or 0.
func circledValue(r rune) int {
	switch {
	case r >= '①' && r <= '⑳':
		return int(r-'①') + 1
	case r >= '㉑' && r <= '㉟':
		return int(r-'㉑') + 21
	case r >= '㊱' && r <= '㊿':
		return int(r-'㊱') + 36
	}
	return 0
}

// kanaItems are the katakana that number items: the アイウエオ order and
// the older イロハ order, which needs ヰ and ヱ as well.
const kanaItems = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヰヱヲン"

// kanaItem returns the katakana item letter r stands for (half-width
// katakana folded to full-width), or 0.
func kanaItem(s string) (letter rune, size int) {
	r, w := utf8.DecodeRuneInString(s)
	if r >= 0xFF61 && r <= 0xFF9F {
		// Half-width: fold it, but not when a voicing mark follows (ｶﾞ is
		// ガ, not an item letter).
		if w < len(s) {
			if n, _ := utf8.DecodeRuneInString(s[w:]); n == 0xFF9E || n == 0xFF9F {
				return 0, 0
			}
		}
		folded := []rune(textfold.Width(string(r)))
		if len(folded) != 1 {
			return 0, 0
		}
		r = folded[0]
	}
	if r < 0x30A0 || !strings.ContainsRune(kanaItems, r) {
		return 0, 0
	}
	return r, w
}

// blankAfter returns how many bytes of blanks start s.
func blankAfter(s string) int {
	n := 0
	for n < len(s) {
		r, w := utf8.DecodeRuneInString(s[n:])
		if !isBlank(r) {
			break
		}
		n += w
	}
	return n
}

// openParen and closeParen are the half- and full-width parentheses.
func openParen(s string) int {
	switch {
	case strings.HasPrefix(s, "("):
		return 1
	case strings.HasPrefix(s, "（"):
		return len("（")
	}
	return 0
}

func closeParen(s string) int {
	switch {
	case strings.HasPrefix(s, ")"):
		return 1
	case strings.HasPrefix(s, "）"):
		return len("）")
	}
	return 0
}

// parseNumber recognises a clause number at the start of s (leading
// blanks allowed). Bare section numbers ("1 目的", "１　目的", "1. 目的")
// count only in a heading (inHeading): in running text a line may well
// start with a figure ("10 月に…"). A number must be followed by a blank
// or the end of s where its text could otherwise run on into it: after a
// bare figure and after a katakana letter ("ア 情報" is an item, "アクセス"
// is not). Parenthesised and circled numbers may touch their text
// ("(1)情報資産").
func parseNumber(s string, inHeading bool) (number, bool) {
	lead := blankAfter(s)
	rest := s[lead:]
	n, ok := parseNumberAt(rest, inHeading)
	if !ok {
		return number{}, false
	}
	n.size += lead
	n.size += blankAfter(s[n.size:])
	return n, true
}

func parseNumberAt(s string, inHeading bool) (number, bool) {
	if s == "" {
		return number{}, false
	}
	r, w := utf8.DecodeRuneInString(s)

	// 第1章, 第十二条, 第3条の2.
	if r == '第' {
		v, n := leadingNumeral(s[w:])
		if n == 0 {
			return number{}, false
		}
		end := w + n
		unit, uw := utf8.DecodeRuneInString(s[end:])
		var k kind
		switch unit {
		case '章':
			k = kindChapter
		case '節':
			k = kindPart
		case '条':
			k = kindSection
		default:
			return number{}, false
		}
		end += uw
		ident := "第" + strconv.Itoa(v) + string(unit)
		// Branch numbers: 第3条の2 (an article inserted after 第3条).
		for strings.HasPrefix(s[end:], "の") {
			bv, bn := leadingNumeral(s[end+len("の"):])
			if bn == 0 {
				break
			}
			ident += "の" + strconv.Itoa(bv)
			end += len("の") + bn
		}
		return number{kind: k, written: s[:end], ident: ident, size: end}, true
	}

	// ⑴…⒇: parenthesised numbers as one character.
	if r >= '⑴' && r <= '⒇' {
		return number{kind: kindParen, written: s[:w], ident: "(" + strconv.Itoa(int(r-'⑴')+1) + ")", size: w}, true
	}

	// ①…㊿.
	if v := circledValue(r); v > 0 {
		return number{kind: kindCircled, written: s[:w], ident: string(r), size: w}, true
	}

	// (1), （１）, (ア), （ア）.
	if o := openParen(s); o > 0 {
		if v, n := leadingDigits(s[o:], 3); n > 0 {
			if c := closeParen(s[o+n:]); c > 0 {
				end := o + n + c
				return number{kind: kindParen, written: s[:end], ident: "(" + strconv.Itoa(v) + ")", size: end}, true
			}
			return number{}, false
		}
		if letter, n := kanaItem(s[o:]); n > 0 {
			if c := closeParen(s[o+n:]); c > 0 {
				end := o + n + c
				return number{kind: kindParenKana, written: s[:end], ident: "(" + string(letter) + ")", size: end}, true
			}
		}
		return number{}, false
	}

	// ア, イ: a single letter followed by a blank or nothing.
	if letter, n := kanaItem(s); n > 0 {
		if n < len(s) && blankAfter(s[n:]) == 0 {
			return number{}, false
		}
		return number{kind: kindKana, written: s[:n], ident: string(letter), size: n}, true
	}

	// 1, １, 1., １．: a section number, in headings only.
	if !inHeading {
		return number{}, false
	}
	v, n := leadingDigits(s, 3)
	if n == 0 {
		return number{}, false
	}
	end := n
	if strings.HasPrefix(s[end:], ".") {
		end++
	} else if strings.HasPrefix(s[end:], "．") {
		end += len("．")
	}
	if end < len(s) {
		next, _ := utf8.DecodeRuneInString(s[end:])
		// "1 目的", "1.目的", but not "1.5" or "10月".
		if !isBlank(next) && (end == n || digitValue(next) >= 0) {
			return number{}, false
		}
	}
	return number{kind: kindSection, written: s[:n], ident: strconv.Itoa(v), size: end}, true
}
