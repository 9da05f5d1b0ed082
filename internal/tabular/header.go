package tabular

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Column describes a column a domain package expects in a table.
type Column struct {
	// Key is the caller's name for the column, the key of MapHeader's index.
	Key string
	// Names are the header texts accepted for the column, e.g. "名称",
	// "資産名", "name"; the first is the one used in messages (and a good
	// header for exports). They are compared ignoring case, full-width vs
	// half-width forms and white space.
	Names []string
	// Required columns must be in the header.
	Required bool
}

// MapHeader finds the columns in a header: index maps each Column.Key found
// to its 0-based position in header. A header text is compared with the
// Names ignoring case, full-width vs half-width forms (Ａ/A, ｶ/カ, ０/0)
// and all white space, so "資産 名", "ＮＡＭＥ" and "Name" match "資産名"
// and "name".
//
// Header cells that match no Column are returned in unknown, in order, for
// the caller to warn of (see the message key tabular.unknown_columns); they
// are not an error. Errors (*Error) are a column found twice
// (tabular.duplicate_header, naming both) and required columns missing
// (tabular.missing_columns, naming every one). Two Columns sharing a name
// is a mistake of the caller, reported as a plain error.
func MapHeader(header []string, cols []Column) (index map[string]int, unknown []string, err error) {
	byName := make(map[string]int, len(cols)*2)
	for ci, c := range cols {
		for _, n := range c.Names {
			k := normHeader(n)
			if k == "" {
				return nil, nil, fmt.Errorf("tabular: column %q has an empty name", c.Key)
			}
			if other, ok := byName[k]; ok && other != ci {
				return nil, nil, fmt.Errorf("tabular: columns %q and %q both accept %q", cols[other].Key, c.Key, n)
			}
			byName[k] = ci
		}
	}
	index = make(map[string]int, len(cols))
	for i, h := range header {
		k := normHeader(h)
		if k == "" {
			continue
		}
		ci, ok := byName[k]
		if !ok {
			unknown = append(unknown, strings.TrimSpace(h))
			continue
		}
		key := cols[ci].Key
		if prev, dup := index[key]; dup {
			return nil, nil, &Error{Column: i + 1, Key: KeyDuplicateHdr,
				Args: []any{strings.TrimSpace(h), ColumnName(prev), ColumnName(i)}}
		}
		index[key] = i
	}
	var missing []string
	for _, c := range cols {
		if _, ok := index[c.Key]; c.Required && !ok {
			name := c.Key
			if len(c.Names) > 0 {
				name = c.Names[0]
			}
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, &Error{Key: KeyMissingColumns, Args: []any{strings.Join(missing, ", ")}}
	}
	return index, unknown, nil
}

// normHeader folds a header text for comparison: full-width ASCII to
// half-width and half-width katakana to full-width, lower case, no white
// space (nor a stray byte order mark). NFKC comes first so that a
// half-width voiced kana ("ｶﾞ", two characters) becomes the one "ガ";
// width.Fold alone would give "カ゛".
func normHeader(s string) string {
	s = width.Fold.String(norm.NFKC.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\uFEFF' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}
