package doctext

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// spanString writes spans compactly: "=same", "-deleted", "+inserted".
func spanString(spans []Span) string {
	var parts []string
	for _, s := range spans {
		mark := map[Op]string{Equal: "=", Delete: "-", Insert: "+"}[s.Op]
		parts = append(parts, mark+s.Text)
	}
	return strings.Join(parts, " ")
}

// sides rebuilds before and after from spans.
func sides(spans []Span) (before, after string) {
	var b, a strings.Builder
	for _, s := range spans {
		if s.Op != Insert {
			b.WriteString(s.Text)
		}
		if s.Op != Delete {
			a.WriteString(s.Text)
		}
	}
	return b.String(), a.String()
}

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct{ before, after, want string }{
		{"", "", ""},
		{"同じ文。", "同じ文。", "=同じ文。"},
		{"", "新しい文。", "+新しい文。"},
		{"古い文。", "", "-古い文。"},
		{"情報資産を分類する。", "情報資産を重要性に応じて分類する。", "=情報資産を +重要性に応じて =分類する。"},
		{"年1回以上見直す。", "年2回以上見直す。", "=年 -1 +2 =回以上見直す。"},
		// The lone の between two replacements is folded into them.
		{"情報資産の管理", "情報システムの運用", "=情報 -資産の管理 +システムの運用"},
		{"臨時職員", "会計年度任用職員", "-臨時 +会計年度任用 =職員"},
		{"abc", "xyz", "-abc +xyz"},
		{"𠮷野家の①", "𠮷野屋の②", "=𠮷野 -家の① +屋の②"},
	}
	for _, tt := range tests {
		spans := Diff(tt.before, tt.after)
		if got := spanString(spans); got != tt.want {
			t.Errorf("Diff(%q, %q) = %q, want %q", tt.before, tt.after, got, tt.want)
		}
		if b, a := sides(spans); b != tt.before || a != tt.after {
			t.Errorf("Diff(%q, %q) rebuilds %q, %q", tt.before, tt.after, b, a)
		}
	}
}

// TestDiffRandom: on random edits of Japanese text the spans always
// rebuild both sides, never repeat an op, and stay near the edits made.
func TestDiffRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("情報資産のセキュリティ対策を講じる。、職員等ア①(1)")
	for range 300 {
		a := make([]rune, rng.IntN(200))
		for i := range a {
			a[i] = alphabet[rng.IntN(len(alphabet))]
		}
		b := append([]rune(nil), a...)
		for range rng.IntN(10) {
			i := rng.IntN(len(b) + 1)
			switch rng.IntN(3) {
			case 0:
				b = append(b[:i], append([]rune{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			case 1:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			default:
				if i < len(b) {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		}
		spans := Diff(string(a), string(b))
		if gb, ga := sides(spans); gb != string(a) || ga != string(b) {
			t.Fatalf("Diff(%q, %q) rebuilds %q, %q", string(a), string(b), gb, ga)
		}
		for i := 1; i < len(spans); i++ {
			if spans[i].Op == spans[i-1].Op || spans[i].Text == "" {
				t.Fatalf("unmerged spans: %s", spanString(spans))
			}
			if spans[i].Op == Delete && spans[i-1].Op == Insert {
				t.Fatalf("insertion before deletion: %s", spanString(spans))
			}
		}
	}
}

// TestDiffLarge: two 20,000-character clauses compare quickly, whether
// they differ a little or entirely (the budget then gives a coarse but
// correct answer).
func TestDiffLarge(t *testing.T) {
	t.Parallel()
	base := []rune(strings.Repeat("情報セキュリティポリシーの遵守状況を検証するため、定期的に監査を実施する。", 600))[:20000]
	edited := append([]rune(nil), base...)
	for i := 0; i < len(edited); i += 97 {
		edited[i] = '改'
	}
	other := []rune(strings.Repeat("あいうえおかきくけこ", 2000))
	for _, tt := range []struct {
		name string
		a, b []rune
	}{
		{"a few hundred edits", base, edited},
		{"nothing in common", base, other},
		{"shifted", base, append([]rune("前置き"), base[:19000]...)},
	} {
		start := time.Now()
		spans := Diff(string(tt.a), string(tt.b))
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v", tt.name, d)
		}
		if gb, ga := sides(spans); gb != string(tt.a) || ga != string(tt.b) {
			t.Errorf("%s: spans do not rebuild the texts", tt.name)
		}
	}
}

func clause(ident, heading, text string) Clause {
	return Clause{Ident: ident, Number: ident[strings.LastIndex(ident, "-")+1:], Depth: strings.Count(ident, "-") + 1, Heading: heading, Text: text}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	before := []Clause{
		clause("1", "目的", "本基本方針は、情報資産を守ることを目的とする。"),
		clause("2", "定義", ""),
		clause("2-(1)", "情報資産", "次のとおりとする。"),
		clause("2-(1)-①", "", "ネットワーク"),
		clause("2-(2)", "ネットワーク", "通信網をいう。"),
		clause("3", "脅威", "以下の脅威を想定する。"),
		clause("4", "適用範囲", "協会業務従事者とする。"),
	}
	after := []Clause{
		clause("1", "目的", "本基本方針は、協会の情報資産を守ることを目的とする。"),
		clause("2", "用語の定義", ""),
		clause("2-(1)", "情報資産", "次のとおりとする。"),
		clause("2-(1)-②", "", "情報システム"),
		clause("3", "脅威", "以下の脅威を想定する。"),
		clause("4", "適用範囲", "協会業務従事者とする。"),
		clause("5", "遵守義務", "職員等は遵守しなければならない。"),
	}
	var got []string
	changes := Compare(before, after)
	for _, c := range changes {
		line := c.Ident + " " + string(c.Kind)
		if c.Kind == Changed {
			line += " [" + spanString(c.Heading) + "] [" + spanString(c.Text) + "]"
		}
		got = append(got, line)
	}
	want := []string{
		"1 changed [=目的] [=本基本方針は、 +協会の =情報資産を守ることを目的とする。]",
		"2 changed [+用語の =定義] []",
		"2-(1) same",
		// ① stood right after 2-(1): it is shown there, before the new ②.
		"2-(1)-① removed",
		"2-(1)-② added",
		"2-(2) removed",
		"3 same",
		"4 same",
		"5 added",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Compare:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range changes {
		switch c.Kind {
		case Added:
			if c.Before != nil || c.After == nil {
				t.Errorf("%s: added should carry After only", c.Ident)
			}
		case Removed:
			if c.After != nil || c.Before == nil {
				t.Errorf("%s: removed should carry Before only", c.Ident)
			}
		default:
			if c.Before == nil || c.After == nil {
				t.Errorf("%s: both sides expected", c.Ident)
			}
		}
	}
}

func TestCompareEdges(t *testing.T) {
	t.Parallel()
	kinds := func(cs []ClauseChange) string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s:%s", c.Ident, c.Kind))
		}
		return strings.Join(s, " ")
	}
	a := []Clause{clause("1", "a", ""), clause("2", "b", "")}
	if got := kinds(Compare(nil, a)); got != "1:added 2:added" {
		t.Errorf("from nothing: %s", got)
	}
	if got := kinds(Compare(a, nil)); got != "1:removed 2:removed" {
		t.Errorf("to nothing: %s", got)
	}
	if got := Compare(nil, nil); len(got) != 0 {
		t.Errorf("nothing: %v", got)
	}
	// The first clause removed goes to the top.
	if got := kinds(Compare(a, a[1:])); got != "1:removed 2:same" {
		t.Errorf("first removed: %s", got)
	}
	// Repeated identifiers match in order.
	dup := []Clause{clause("1", "a", ""), clause("1", "b", "")}
	if got := kinds(Compare(dup, dup[:1])); got != "1:same 1:removed" {
		t.Errorf("repeated identifiers: %s", got)
	}
	// Reordered clauses keep the newer order.
	if got := kinds(Compare(a, []Clause{a[1], a[0]})); got != "2:same 1:same" {
		t.Errorf("reordered: %s", got)
	}
}

// TestCompareParsed compares two versions of a Markdown body end to end.
func TestCompareParsed(t *testing.T) {
	t.Parallel()
	v1 := Parse("## 5 職員等の遵守義務\n\n職員、臨時職員は、ポリシーを遵守しなければならない。\n")
	v2 := Parse("## 5 職員等の遵守義務\n\n職員、会計年度任用職員は、ポリシーを遵守しなければならない。\n\n- ① 違反は報告する。\n")
	got := Compare(v1, v2)
	if len(got) != 2 || got[0].Kind != Changed || got[1].Kind != Added || got[1].Ident != "5-①" {
		t.Fatalf("got %+v", got)
	}
	if s := spanString(got[0].Text); s != "=職員、 -臨時 +会計年度任用 =職員は、ポリシーを遵守しなければならない。" {
		t.Errorf("inline difference: %s", s)
	}
}
