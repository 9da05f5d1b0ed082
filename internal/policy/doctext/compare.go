package doctext

import (
	"strings"
	"unicode/utf8"
)

// Compare matches the clauses of two versions by identifier and lists them
// in the order of the newer version; a removed clause is placed right
// after the clause that preceded it in the older version and still exists
// (at the top when none does), so it shows where it stood. Should an
// identifier repeat (Parse never returns one twice, but a caller may pass
// anything), the n-th occurrence in one version matches the n-th in the
// other.
//
// Where clauses were removed and others added between the same two
// surviving clauses, the two runs are merged in clause-number order.
//
// A clause is Same when its heading and text are equal, Changed otherwise,
// with character-level differences in Heading and Text (see Diff); Added
// and Removed clauses carry only After or Before.
func Compare(before, after []Clause) []ClauseChange {
	type key struct {
		ident string
		n     int
	}
	keysOf := func(cs []Clause) []key {
		count := make(map[string]int, len(cs))
		out := make([]key, len(cs))
		for i, c := range cs {
			count[c.Ident]++
			out[i] = key{c.Ident, count[c.Ident]}
		}
		return out
	}
	bk, ak := keysOf(before), keysOf(after)
	inAfter := make(map[key]int, len(after))
	for i, k := range ak {
		inAfter[k] = i
	}
	inBefore := make(map[key]int, len(before))
	for i, k := range bk {
		inBefore[k] = i
	}

	// removedAfter[i] lists the removed clauses to show after after[i];
	// removedTop those before everything.
	removedAfter := make(map[int][]int)
	var removedTop []int
	anchor := -1
	for i, k := range bk {
		if j, ok := inAfter[k]; ok {
			anchor = j
			continue
		}
		if anchor < 0 {
			removedTop = append(removedTop, i)
		} else {
			removedAfter[anchor] = append(removedAfter[anchor], i)
		}
	}

	out := make([]ClauseChange, 0, len(after)+len(before))
	pending := removedTop // removed clauses of the current gap, in older order
	flush := func(upTo *Clause) {
		for len(pending) > 0 && (upTo == nil || identLess(before[pending[0]].Ident, upTo.Ident)) {
			c := before[pending[0]]
			out = append(out, ClauseChange{Ident: c.Ident, Kind: Removed, Before: &c})
			pending = pending[1:]
		}
	}
	for j, k := range ak {
		a := after[j]
		i, matched := inBefore[k]
		if !matched {
			// An added clause in a gap where clauses were removed: the two
			// runs are merged in clause-number order, so a removed ① comes
			// before an added ② and a removed (2) after it.
			flush(&a)
			out = append(out, ClauseChange{Ident: a.Ident, Kind: Added, After: &a})
			continue
		}
		flush(nil)
		b := before[i]
		ch := ClauseChange{Ident: a.Ident, Kind: Same, Before: &b, After: &a}
		if b.Heading != a.Heading || b.Text != a.Text {
			ch.Kind = Changed
			ch.Heading = Diff(b.Heading, a.Heading)
			ch.Text = Diff(b.Text, a.Text)
		}
		out = append(out, ch)
		pending = removedAfter[j]
	}
	flush(nil)
	return out
}

// identLess orders two identifiers by their numbers, part by part: a
// parent before its children, (2) before (10), ① before ②. Parts that are
// not clause numbers compare as text.
func identLess(a, b string) bool {
	pa, pb := strings.Split(a, "-"), strings.Split(b, "-")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		ka, va := identPartKey(pa[i])
		kb, vb := identPartKey(pb[i])
		if ka != kb {
			return ka < kb
		}
		if va != vb {
			return va < vb
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// identPartKey is the kind and value of one part of an identifier.
func identPartKey(part string) (kind, int) {
	base, _, _ := strings.Cut(part, "_")
	n, ok := parseNumber(base, true)
	if !ok {
		return kindNone, 0
	}
	r, _ := utf8.DecodeRuneInString(strings.TrimPrefix(n.ident, "("))
	switch {
	case circledValue(r) > 0:
		return n.kind, circledValue(r)
	case strings.ContainsRune(kanaItems, r):
		return n.kind, strings.IndexRune(kanaItems, r)
	}
	v, _ := leadingDigits(strings.TrimLeft(n.ident, "(第"), 4)
	return n.kind, v
}
