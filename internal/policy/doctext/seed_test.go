package doctext_test

import (
	"strings"
	"testing"
	"unicode"

	"mamori/internal/policy/doctext"
	"mamori/internal/policy/seed"
)

// seedIdents are the 45 clauses of the organisation's basic policy, in
// order: sections 1–10, §2 (1)–(11) with ①②③ under (1), §3 (1)–(5), §4
// (1)(2) with ①②③ under (2), §6 (1)–(9) with ①② under (3).
var seedIdents = []string{
	"1",
	"2", "2-(1)", "2-(1)-①", "2-(1)-②", "2-(1)-③", "2-(2)", "2-(3)", "2-(4)", "2-(5)", "2-(6)", "2-(7)", "2-(8)", "2-(9)", "2-(10)", "2-(11)",
	"3", "3-(1)", "3-(2)", "3-(3)", "3-(4)", "3-(5)",
	"4", "4-(1)", "4-(2)", "4-(2)-①", "4-(2)-②", "4-(2)-③",
	"5",
	"6", "6-(1)", "6-(2)", "6-(3)", "6-(3)-①", "6-(3)-②", "6-(4)", "6-(5)", "6-(6)", "6-(7)", "6-(8)", "6-(9)",
	"7", "8", "9", "10",
}

// repairedSentence is §5 as the organisation means it: the seed file has
// 「情報セ」, a blank line and 「セキュリティポリシー…」 where a page broke.
const repairedSentence = "職員、臨時的任用職員、派遣職員、嘱託職員及び臨時職員（以下「職員等」という。）は、情報セキュリティの重要性について共通の認識を持ち、業務の遂行に当たって情報セキュリティポリシー及び情報セキュリティ実施手順を遵守しなければならない。"

func seedClauses(t *testing.T) (string, []doctext.Clause) {
	t.Helper()
	md := doctext.FromPlainText(seed.BasicPolicyText)
	return md, doctext.Parse(md)
}

func TestSeedClauses(t *testing.T) {
	t.Parallel()
	_, clauses := seedClauses(t)
	var got []string
	for _, c := range clauses {
		got = append(got, c.Ident)
		if c.Depth != strings.Count(c.Ident, "-")+1 {
			t.Errorf("%s: depth %d", c.Ident, c.Depth)
		}
		if c.Duplicate {
			t.Errorf("%s marked duplicate", c.Ident)
		}
	}
	if len(clauses) != 45 {
		t.Errorf("%d clauses, want 45", len(clauses))
	}
	if strings.Join(got, " ") != strings.Join(seedIdents, " ") {
		t.Errorf("identifiers:\n got %q\nwant %q", got, seedIdents)
	}

	byIdent := map[string]doctext.Clause{}
	for _, c := range clauses {
		byIdent[c.Ident] = c
	}
	headings := map[string]string{
		"1":       "目的",
		"2-(1)":   "情報資産",
		"2-(11)":  "無害化通信",
		"5":       "職員等の遵守義務",
		"6-(3)":   "情報システム全体の強靱性の向上",
		"6-(8)":   "業務委託と外部サービスの利用",
		"10":      "情報セキュリティ実施手順の策定",
		"3-(1)":   "", // an item that is a sentence only
		"6-(3)-①": "",
	}
	for ident, want := range headings {
		if got := byIdent[ident].Heading; got != want {
			t.Errorf("heading of %s = %q, want %q", ident, got, want)
		}
	}
	texts := map[string]string{
		"6-(3)-①": "マイナンバー事務系においては、原則として、他の領域との通信をできないようにした上で、端末からの情報持ち出し不可設定や端末への多要素認証の導入等により、情報の流出を防ぐ。",
		"6-(3)":   "情報セキュリティの強化を目的とし、業務の効率性・利便性の観点を踏まえ、情報システム全体に対し、次の対策を講じる。",
		"2":       "",
		"2-(1)-②": "ネットワーク、情報システムで取り扱う情報（これらを印刷した文書を含む。）",
		"5":       repairedSentence,
	}
	for ident, want := range texts {
		if got := byIdent[ident].Text; got != want {
			t.Errorf("text of %s = %q, want %q", ident, got, want)
		}
	}
	if got := byIdent["6-(8)"].Text; strings.Count(got, "\n\n") != 2 || !strings.HasPrefix(got, "業務委託を行う場合には") {
		t.Errorf("6-(8) should keep its three paragraphs: %q", got)
	}
}

// TestSeedRepair pins the §5 repair: the seed file has the artefact, the
// Markdown has the sentence whole, and the artefact appears nowhere else.
func TestSeedRepair(t *testing.T) {
	t.Parallel()
	if !strings.Contains(seed.BasicPolicyText, "当たって情報セ\n\nセキュリティポリシー及び") {
		t.Fatal("the seed file should be the organisation's text as received, artefact included")
	}
	md, _ := seedClauses(t)
	if !strings.Contains(md, "\n"+repairedSentence+"\n") {
		t.Errorf("the repaired §5 sentence is not a paragraph of the body:\n%s", md)
	}
	if strings.Contains(md, "情報セ\n") || strings.Contains(md, "情報セセ") {
		t.Error("the page-break artefact survived")
	}
}

// TestSeedWording checks that no character of the organisation's wording is
// lost or added: with whitespace and Markdown marks taken out, the body is
// the seed file minus the title's ○ and the one repeated セ of §5.
func TestSeedWording(t *testing.T) {
	t.Parallel()
	md, _ := seedClauses(t)
	strip := func(s string) string {
		var b strings.Builder
		for _, line := range strings.Split(s, "\n") {
			line = strings.TrimLeft(line, "#")
			line = strings.TrimPrefix(strings.TrimLeft(line, " "), "- ")
			for _, r := range line {
				if !unicode.IsSpace(r) {
					b.WriteRune(r)
				}
			}
		}
		return b.String()
	}
	want := strings.Replace(seed.BasicPolicyText, "○", "", 1)
	want = strings.Replace(want, "情報セ\n\nセキュリティ", "情報セキュリティ", 1)
	if got, want := strip(md), strip(want); got != want {
		t.Errorf("the wording changed:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(md, `\`) {
		t.Error("the seed needs no Markdown escapes")
	}
	if !strings.HasPrefix(md, "# "+seed.Title+"\n") {
		t.Errorf("the body should start with the title as a heading: %q", md[:min(len(md), 100)])
	}
	if !strings.Contains(md, "\n平成28年4月1日\n") {
		t.Error("the date of enactment is missing")
	}
}

// TestSeedRender: every clause has its anchor in the rendered body.
func TestSeedRender(t *testing.T) {
	t.Parallel()
	md, clauses := seedClauses(t)
	html := string(doctext.Render(md))
	for _, c := range clauses {
		if !strings.Contains(html, `id="c-`+c.Ident+`"`) {
			t.Errorf("no anchor for %s", c.Ident)
		}
	}
	if n := strings.Count(html, `id="c-`); n != len(clauses) {
		t.Errorf("%d anchors for %d clauses", n, len(clauses))
	}
	if !strings.Contains(html, `<h3 id="c-6-(3)">(3) 情報システム全体の強靱性の向上</h3>`) {
		t.Errorf("6-(3) heading not rendered as expected:\n%s", html)
	}
}
