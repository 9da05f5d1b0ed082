package trail

import (
	"strconv"
	"testing"
)

// The canonical form must never change: chains written before are verified
// with it. appendQuoted must therefore be strconv.Quote exactly.
func TestAppendQuotedIsStrconvQuote(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "abc", "職員名簿データ 第00012号", `{"name":"山田"}`, "tab\there", "new\nline", "back\\slash",
		"\u3000全角スペース", "\u00a0nbsp", "ｶﾀｶﾅ", "😀", "\xff\xfe", "\ufffd", "\x7f", "a\u200bb", "\U0001F600x",
	} {
		if got, want := string(appendQuoted(nil, s)), strconv.Quote(s); got != want {
			t.Errorf("appendQuoted(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", "職員", "a\"b", "\x00", "\u3000", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendQuoted(nil, s)), strconv.Quote(s); got != want {
			t.Fatalf("appendQuoted(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestHashMatchesHash(t *testing.T) {
	t.Parallel()
	e := Entry{OrgID: 1, Seq: 2, At: 3, ActorID: 4, ActorName: "山田 花子", Action: Update, Entity: "asset", EntityID: "9",
		Before: `{"name":"旧"}`, After: `{"name":"新\u3000"}`, RequestID: "r", ClientAddr: "127.0.0.1"}
	e.Hash = Hash(GenesisHash, e)
	ok, _ := hashMatches(nil, GenesisHash, &e)
	if !ok {
		t.Fatal("hashMatches disagrees with Hash")
	}
	e.After = `{"name":"改"}`
	if ok, _ := hashMatches(nil, GenesisHash, &e); ok {
		t.Fatal("hashMatches accepts altered content")
	}
}
