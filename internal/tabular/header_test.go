package tabular

import (
	"maps"
	"slices"
	"testing"
)

func TestMapHeader(t *testing.T) {
	t.Parallel()
	cols := []Column{
		{Key: "name", Names: []string{"名称", "資産名", "name"}, Required: true},
		{Key: "dept", Names: []string{"所属", "担当課"}, Required: true},
		{Key: "kana", Names: []string{"カナ", "フリガナ"}},
		{Key: "acquired", Names: []string{"取得日"}},
		{Key: "code", Names: []string{"管理ID"}},
	}
	tests := []struct {
		name    string
		header  []string
		index   map[string]int
		unknown []string
		key     string
		col     int
		args    []any
	}{
		{
			name:   "exact",
			header: []string{"名称", "所属", "カナ"},
			index:  map[string]int{"name": 0, "dept": 1, "kana": 2},
		},
		{
			name:   "another accepted name, any order, optional columns absent",
			header: []string{"担当課", "資産名"},
			index:  map[string]int{"name": 1, "dept": 0},
		},
		{
			name:   "case, full-width and half-width, spaces",
			header: []string{"ＮＡＭＥ", " 担当 課 ", "ﾌﾘｶﾞﾅ", "取得日\n", "管理ＩＤ"},
			index:  map[string]int{"name": 0, "dept": 1, "kana": 2, "acquired": 3, "code": 4},
		},
		{
			name:    "unknown columns are a warning, in order",
			header:  []string{"備考", "名称", "所属", " 予備２ "},
			index:   map[string]int{"name": 1, "dept": 2},
			unknown: []string{"備考", "予備２"},
		},
		{
			name:   "empty header cells are neither known nor unknown",
			header: []string{"名称", "", "所属"},
			index:  map[string]int{"name": 0, "dept": 2},
		},
		{
			name:   "one column twice under two names",
			header: []string{"名称", "所属", "資産名"},
			key:    KeyDuplicateHdr, col: 3, args: []any{"資産名", "A", "C"},
		},
		{
			name:   "one column twice under one name",
			header: []string{"所属", "名称", "備考", "所属"},
			key:    KeyDuplicateHdr, col: 4, args: []any{"所属", "A", "D"},
		},
		{
			name:   "required columns missing, all named",
			header: []string{"カナ", "備考"},
			key:    KeyMissingColumns, args: []any{"名称, 所属"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			index, unknown, err := MapHeader(tt.header, cols)
			if tt.key != "" {
				checkError(t, err, tt.key, 0, tt.col, tt.args)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(index, tt.index) {
				t.Errorf("index %v, want %v", index, tt.index)
			}
			if !slices.Equal(unknown, tt.unknown) {
				t.Errorf("unknown %q, want %q", unknown, tt.unknown)
			}
		})
	}
}

func TestMapHeaderCallerMistakes(t *testing.T) {
	t.Parallel()
	for _, cols := range [][]Column{
		{{Key: "a", Names: []string{"名称"}}, {Key: "b", Names: []string{"名 称"}}},
		{{Key: "a", Names: []string{"ＩＤ"}}, {Key: "b", Names: []string{"id"}}},
		{{Key: "a", Names: []string{" "}}},
	} {
		if _, _, err := MapHeader([]string{"x"}, cols); err == nil {
			t.Errorf("%v: no error", cols)
		}
	}
}

func TestColumnName(t *testing.T) {
	t.Parallel()
	for i, want := range map[int]string{-1: "", 0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := ColumnName(i); got != want {
			t.Errorf("ColumnName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestFormulaEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, escaped string }{
		{"", ""},
		{"abc", "abc"},
		{"=1+1", "'=1+1"},
		{"+81-3-0000-0000", "'+81-3-0000-0000"},
		{"-1+2", "'-1+2"},
		{"-", "'-"},
		{"-12", "-12"},
		{"-0.5", "-0.5"},
		{"-1.", "'-1."},
		{"-.5", "'-.5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"＝1", "'＝1"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠x", "'＠x"},
		{"'", "''"},
		{"'abc", "''abc"},
		{"''", "'''"},
		{"a=b", "a=b"},
		{" =1", " =1"},
	}
	for _, tt := range tests {
		if got := escapeFormula(tt.in); got != tt.escaped {
			t.Errorf("escapeFormula(%q) = %q, want %q", tt.in, got, tt.escaped)
		}
		if got := unescapeFormula(tt.escaped); got != tt.in {
			t.Errorf("unescapeFormula(%q) = %q, want %q", tt.escaped, got, tt.in)
		}
	}
	// A "'" the user typed before anything harmless is kept.
	for _, s := range []string{"'abc", "'0123", "'-5", "' =1"} {
		if got := unescapeFormula(s); got != s {
			t.Errorf("unescapeFormula(%q) = %q", s, got)
		}
	}
}
