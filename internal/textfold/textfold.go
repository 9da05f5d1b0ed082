// Package textfold owns the form in which Japanese text is matched by a
// search: full-width ASCII as ASCII, the ideographic space as a space,
// half-width katakana as full-width (with their voiced and semi-voiced
// marks joined), and lower case. "ＰＣ" then finds "PC" and "ｻｰﾊﾞ" finds
// "サーバ" — the forms Excel files and typed text mix freely. Every package
// that searches text folds the stored text and the query the same way.
package textfold

import (
	"strings"
	"unicode"
)

// Fold returns s in its matching form: width-folded and lower case.
func Fold(s string) string { return strings.ToLower(Width(s)) }

// Width maps full-width ASCII to ASCII, the ideographic space to a space
// and half-width katakana to full-width, leaving the case alone.
func Width(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFF01 + '!')
		case r == 0x3000:
			b.WriteByte(' ')
		case r >= 0xFF61 && r <= 0xFF9F:
			k, ok := halfKana[r]
			if !ok {
				b.WriteRune(r)
				continue
			}
			if i+1 < len(rs) {
				switch rs[i+1] {
				case 0xFF9E: // ﾞ
					if v, ok := voiced(k); ok {
						k = v
						i++
					}
				case 0xFF9F: // ﾟ
					if k >= 'ハ' && k <= 'ホ' && (k-'ハ')%3 == 0 {
						k += 2
						i++
					}
				}
			}
			b.WriteRune(k)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s holds nothing Width would change.
func isPlain(s string) bool {
	for _, r := range s {
		if r == 0x3000 || (r >= 0xFF01 && r <= 0xFF9F) {
			return false
		}
	}
	return true
}

var halfKana = func() map[rune]rune {
	half := []rune("｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ")
	full := []rune("。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜")
	m := make(map[rune]rune, len(half))
	for i, r := range half {
		m[r] = full[i]
	}
	return m
}()

// voiced returns the voiced form (濁音) of a full-width katakana.
func voiced(k rune) (rune, bool) {
	switch {
	case k == 'ウ':
		return 'ヴ', true
	case k >= 'カ' && k <= 'ト' && k != 'ッ':
		// カ..ト alternate with their voiced forms, except ッ/ツ: ツ is
		// followed by ヅ, then テ デ ト ド.
		if k >= 'ツ' {
			return k + 1, true
		}
		if (k-'カ')%2 == 0 {
			return k + 1, true
		}
	case k >= 'ハ' && k <= 'ホ' && (k-'ハ')%3 == 0:
		return k + 1, true
	}
	return 0, false
}

// IsSpace reports whether r separates query terms: white space, the
// ideographic space included.
func IsSpace(r rune) bool { return unicode.IsSpace(r) || r == 0x3000 }

// Terms splits a query into folded terms, at most max of them (max <= 0:
// all). Every term must occur in a match.
func Terms(q string, max int) []string {
	t := strings.FieldsFunc(Fold(q), IsSpace)
	if max > 0 && len(t) > max {
		t = t[:max]
	}
	return t
}

// LikePattern turns a folded term into a pattern for LIKE … ESCAPE '\'
// that matches it anywhere.
func LikePattern(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}
