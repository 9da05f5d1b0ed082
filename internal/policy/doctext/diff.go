package doctext

// diffBudget bounds the work of one Diff, in steps of the Myers search
// (each step compares two characters or extends one diagonal). Two clauses
// of 20,000 characters with a few hundred edits take a few million steps;
// two unrelated texts of that size would take hundreds of millions. When
// the budget runs out, the parts not yet resolved are shown as deleted and
// inserted whole, which is still a correct (if coarser) difference.
const diffBudget = 20_000_000

// Diff returns the character-level difference between two texts: spans of
// equal, deleted and inserted text which, read in order, give before
// (Equal and Delete) and after (Equal and Insert). Adjacent spans of one
// kind are merged, a run of changes lists its deletion before its
// insertion, and an equal stretch no longer than the changes on both of
// its sides is folded into them, so that 「資産の管理」→「システムの運用」
// reads as one replacement rather than three. Characters are runes:
// Japanese has no spaces to split words at.
//
// It is Myers' O(ND) algorithm in its linear-space form (the middle snake,
// divide and conquer): memory grows with the texts' length, not with the
// product of the lengths, and time with the number of differences.
func Diff(before, after string) []Span {
	if before == after {
		if before == "" {
			return nil
		}
		return []Span{{Op: Equal, Text: before}}
	}
	d := &differ{budget: diffBudget}
	d.diff([]rune(before), []rune(after))
	return d.spans()
}

// rspan is a span during the computation, in runes.
type rspan struct {
	op   Op
	text []rune
}

type differ struct {
	out    []rspan
	budget int
}

func (d *differ) emit(op Op, text []rune) {
	if len(text) == 0 {
		return
	}
	if n := len(d.out); n > 0 && d.out[n-1].op == op {
		d.out[n-1].text = append(d.out[n-1].text, text...)
		return
	}
	d.out = append(d.out, rspan{op, append([]rune(nil), text...)})
}

// diff appends the difference of a and b to d.out.
func (d *differ) diff(a, b []rune) {
	// Common prefix and suffix are equal whatever lies between them.
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	d.budget -= p + s
	d.emit(Equal, a[:p])
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	switch {
	case len(ma) == 0:
		d.emit(Insert, mb)
	case len(mb) == 0:
		d.emit(Delete, ma)
	case len(ma)+len(mb) > 1000 && !shareRune(ma, mb):
		// Nothing in common (a rewritten sentence): the search would
		// only confirm it, at a cost of the product of the lengths
		// (checked on long texts only, where that cost matters).
		d.emit(Delete, ma)
		d.emit(Insert, mb)
	default:
		x, y, ok := d.bisect(ma, mb)
		if ok {
			d.diff(ma[:x], mb[:y])
			d.diff(ma[x:], mb[y:])
		} else {
			d.emit(Delete, ma)
			d.emit(Insert, mb)
		}
	}
	d.emit(Equal, a[len(a)-s:])
}

// shareRune reports whether a and b have any character in common.
func shareRune(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	set := make(map[rune]struct{}, len(a))
	for _, r := range a {
		set[r] = struct{}{}
	}
	for _, r := range b {
		if _, ok := set[r]; ok {
			return true
		}
	}
	return false
}

// bisect finds the middle snake of a and b (neither empty, first and last
// characters differing): a point (x, y) on an optimal edit path, which
// splits the problem in two. It reports false when the texts share nothing
// or the budget is spent.
func (d *differ) bisect(a, b []rune) (int, int, bool) {
	n, m := len(a), len(b)
	maxD := (n + m + 1) / 2
	off := maxD
	size := 2*maxD + 2 // off+k±1 for |k| < maxD, and v[off+1] when maxD is 1
	v1 := make([]int, size)
	v2 := make([]int, size)
	for i := range v1 {
		v1[i], v2[i] = -1, -1
	}
	v1[off+1], v2[off+1] = 0, 0
	delta := n - m
	// With an odd delta the forward search meets the reverse one;
	// otherwise the reverse meets the forward.
	front := delta%2 != 0
	k1start, k1end, k2start, k2end := 0, 0, 0, 0
	for e := 0; e < maxD; e++ {
		if d.budget <= 0 {
			return 0, 0, false
		}
		for k1 := -e + k1start; k1 <= e-k1end; k1 += 2 {
			i := off + k1
			var x1 int
			if k1 == -e || (k1 != e && v1[i-1] < v1[i+1]) {
				x1 = v1[i+1]
			} else {
				x1 = v1[i-1] + 1
			}
			y1 := x1 - k1
			from := x1
			for x1 < n && y1 < m && a[x1] == b[y1] {
				x1++
				y1++
			}
			d.budget -= 1 + x1 - from
			v1[i] = x1
			switch {
			case x1 > n:
				k1end += 2 // ran off the right
			case y1 > m:
				k1start += 2 // ran off the bottom
			case front:
				j := off + delta - k1
				if j >= 0 && j < size && v2[j] != -1 && x1 >= n-v2[j] {
					return x1, y1, true
				}
			}
		}
		for k2 := -e + k2start; k2 <= e-k2end; k2 += 2 {
			i := off + k2
			var x2 int
			if k2 == -e || (k2 != e && v2[i-1] < v2[i+1]) {
				x2 = v2[i+1]
			} else {
				x2 = v2[i-1] + 1
			}
			y2 := x2 - k2
			from := x2
			for x2 < n && y2 < m && a[n-x2-1] == b[m-y2-1] {
				x2++
				y2++
			}
			d.budget -= 1 + x2 - from
			v2[i] = x2
			switch {
			case x2 > n:
				k2end += 2
			case y2 > m:
				k2start += 2
			case !front:
				j := off + delta - k2
				if j >= 0 && j < size && v1[j] != -1 {
					x1 := v1[j]
					y1 := x1 - (j - off)
					if x1 >= n-x2 {
						return x1, y1, true
					}
				}
			}
		}
	}
	return 0, 0, false
}

// spans tidies d.out (see Diff) and turns it into strings.
func (d *differ) spans() []Span {
	s := regroup(d.out)
	// Folding an equality can make its neighbours foldable; a few passes
	// settle real texts, and the bound keeps the worst case linear.
	for pass := 0; pass < 8; pass++ {
		next := make([]rspan, 0, len(s)+4)
		folded := false
		for i, r := range s {
			if r.op == Equal && i > 0 && i+1 < len(s) &&
				len(r.text) <= changeSize(s, i, -1) && len(r.text) <= changeSize(s, i, +1) {
				// Becomes a deletion and an insertion of the same text,
				// merged into the runs around it by regroup.
				next = append(next, rspan{Delete, r.text}, rspan{Insert, r.text})
				folded = true
				continue
			}
			next = append(next, r)
		}
		if !folded {
			break
		}
		s = regroup(next)
	}
	out := make([]Span, len(s))
	for i, r := range s {
		out[i] = Span{Op: r.op, Text: string(r.text)}
	}
	return out
}

// changeSize is the larger of the deleted and inserted lengths in the run
// of changes next to s[i] on one side (dir -1 or +1); 0 at either end.
func changeSize(s []rspan, i, dir int) int {
	del, ins := 0, 0
	for j := i + dir; j >= 0 && j < len(s) && s[j].op != Equal; j += dir {
		if s[j].op == Delete {
			del += len(s[j].text)
		} else {
			ins += len(s[j].text)
		}
	}
	return max(del, ins)
}

// regroup merges each run of changes between two equal stretches into one
// deletion followed by one insertion, and merges adjacent equal stretches.
func regroup(in []rspan) []rspan {
	out := make([]rspan, 0, len(in))
	var del, ins []rune
	flush := func() {
		if len(del) > 0 {
			out = append(out, rspan{Delete, del})
		}
		if len(ins) > 0 {
			out = append(out, rspan{Insert, ins})
		}
		del, ins = nil, nil
	}
	for _, r := range in {
		switch r.op {
		case Delete:
			del = append(del, r.text...)
		case Insert:
			ins = append(ins, r.text...)
		default:
			flush()
			if n := len(out); n > 0 && out[n-1].op == Equal {
				out[n-1].text = append(out[n-1].text, r.text...)
			} else {
				out = append(out, rspan{Equal, append([]rune(nil), r.text...)})
			}
		}
	}
	flush()
	return out
}
