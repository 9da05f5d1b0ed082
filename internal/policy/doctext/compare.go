package doctext

// Compare matches the clauses of two versions by identifier and lists them
// in the order of the newer version; a removed clause is placed right
// after the clause that preceded it in the older version and still exists
// (at the top when none does), so it shows where it stood. Should an
// identifier repeat (Parse never returns one twice, but a caller may pass
// anything), the n-th occurrence in one version matches the n-th in the
// other.
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

	out := make([]ClauseChange, 0, len(after)+len(removedTop))
	removed := func(i int) {
		c := before[i]
		out = append(out, ClauseChange{Ident: c.Ident, Kind: Removed, Before: &c})
	}
	for _, i := range removedTop {
		removed(i)
	}
	for j, k := range ak {
		a := after[j]
		if i, ok := inBefore[k]; ok {
			b := before[i]
			ch := ClauseChange{Ident: a.Ident, Kind: Same, Before: &b, After: &a}
			if b.Heading != a.Heading || b.Text != a.Text {
				ch.Kind = Changed
				ch.Heading = Diff(b.Heading, a.Heading)
				ch.Text = Diff(b.Text, a.Text)
			}
			out = append(out, ch)
		} else {
			out = append(out, ClauseChange{Ident: a.Ident, Kind: Added, After: &a})
		}
		for _, i := range removedAfter[j] {
			removed(i)
		}
	}
	return out
}
