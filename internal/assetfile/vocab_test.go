package assetfile

import (
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/i18n"
	"mamori/internal/tabular"
)

// The words an export writes are the screens' words, and every word of
// the screens (in both languages) reads back as its code.
func TestVocabularyFollowsTheScreens(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		v      *vocab
		prefix string
		codes  []string
	}{
		{kinds, "asset.kind.", codes(asset.Kinds)},
		{domains, "asset.domain.", codes(asset.Domains)},
		{statuses, "asset.status.", codes(asset.Statuses)},
		{facts, "asset.fact.", codes(asset.Facts)},
	} {
		if len(tt.v.terms) != len(tt.codes) {
			t.Errorf("%s: %d terms for %d codes", tt.v.name, len(tt.v.terms), len(tt.codes))
		}
		for _, c := range tt.codes {
			for _, lang := range i18n.Languages {
				screen := cat.T(lang, tt.prefix+c)
				if got := tt.v.label(c, lang); got != screen {
					t.Errorf("%s %s in %s: file says %q, screens %q", tt.v.name, c, lang, got, screen)
				}
				for _, w := range []string{screen, c, strings.ToUpper(c), " " + screen + "　"} {
					if got, ok := tt.v.code(w); !ok || got != c {
						t.Errorf("%s: %q reads %q %v, want %q", tt.v.name, w, got, ok, c)
					}
				}
			}
		}
	}
}

func codes[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Every header (Japanese, English, the field name and the aliases) finds
// its column, and none is taken by two columns.
func TestHeadersMapToColumns(t *testing.T) {
	t.Parallel()
	for _, pick := range []func(Column) string{
		func(c Column) string { return c.JA },
		func(c Column) string { return c.EN },
		func(c Column) string { return c.Key },
		func(c Column) string { return strings.ToUpper(c.Key) },
	} {
		var header []string
		for _, c := range Columns {
			header = append(header, pick(c))
		}
		index, unknown, err := tabular.MapHeader(header, tabularColumns())
		if err != nil || len(unknown) > 0 || len(index) != len(Columns) {
			t.Errorf("header %q: %v unknown %q", header, err, unknown)
		}
	}
	for _, c := range Columns {
		for _, a := range c.Also {
			header := []string{a, "名称"}
			if c.Key == ColName {
				header = header[:1]
			}
			index, _, err := tabular.MapHeader(header, tabularColumns())
			if err != nil || index[c.Key] != 0 {
				t.Errorf("alias %q of %s: %v %v", a, c.Key, index, err)
			}
		}
	}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"3A": "3A", "３ａ": "3A", "機密性3B": "3B", "機密性 ３": "3", "C3C": "3C",
		"Confidentiality 2": "2", " 1 ": "1", "レベル2": "2"} {
		if got := level(in, confidentialityPrefixes...); got != want {
			t.Errorf("level(%q) = %q, want %q", in, got, want)
		}
	}
}
