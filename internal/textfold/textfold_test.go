package textfold_test

import (
	"slices"
	"testing"

	"mamori/internal/textfold"
)

func TestFold(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ＰＣサーバ":   "pcサーバ",
		"ｻｰﾊﾞｰ":   "サーバー",
		"ﾊﾟｿｺﾝ":   "パソコン",
		"ｶﾞｲﾄﾞ":   "ガイド",
		"ｳﾞｧ":     "ヴァ",
		"ﾂﾞ":      "ヅ",
		"ﾃﾞｰﾀ":    "データ",
		"ﾎﾟﾘｼｰ":   "ポリシー",
		"ｯﾞ":      "ッ゛", // a mark that voices nothing stays a mark
		"住民　情報":   "住民 情報",
		"ABC-123": "abc-123",
		"":        "",
		"情報資産":    "情報資産",
	}
	for in, want := range cases {
		if got := textfold.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := textfold.Width("ＡＢＣ"); got != "ABC" {
		t.Errorf("Width keeps case: %q", got)
	}
}

func TestTermsAndPatterns(t *testing.T) {
	t.Parallel()
	if got := textfold.Terms("  ＰＣ　ｻｰﾊﾞ  規程 ", 0); !slices.Equal(got, []string{"pc", "サーバ", "規程"}) {
		t.Errorf("Terms = %q", got)
	}
	if got := textfold.Terms("a b c d", 2); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Terms with a bound = %q", got)
	}
	if got := textfold.Terms(" 　", 5); len(got) != 0 {
		t.Errorf("blank query has terms %q", got)
	}
	if got := textfold.LikePattern(`10%_\`); got != `%10\%\_\\%` {
		t.Errorf("LikePattern = %q", got)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"ｻｰﾊﾞｰ", "ﾊﾟ", "ﾞﾟ", "Ａ　ｶﾞ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := textfold.Fold(s)
		if twice := textfold.Fold(once); twice != once {
			t.Errorf("Fold is not idempotent on %q: %q then %q", s, once, twice)
		}
	})
}
