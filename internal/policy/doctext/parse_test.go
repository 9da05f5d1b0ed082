package doctext

import (
	"fmt"
	"strings"
	"testing"
)

// clauseLine is a compact form of a clause for the tables below:
// "ident|number|depth|heading|text".
func clauseLine(c Clause) string {
	s := fmt.Sprintf("%s|%s|%d|%s|%s", c.Ident, c.Number, c.Depth, c.Heading, c.Text)
	if c.Duplicate {
		s += "|dup"
	}
	return s
}

// TestClauseRule documents the clause rule by example: what starts a
// clause, how identifiers are formed and normalised, what Heading and Text
// hold.
func TestClauseRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		md   string
		want []string
	}{
		{
			name: "headings and items nest by the form of their numbers",
			md:   "## 6 情報セキュリティ対策\n\n前文。\n\n### (3) 強靱性の向上\n\n次の対策を講じる。\n\n- ① 一つ目。\n- ② 二つ目。\n",
			want: []string{
				"6|6|1|情報セキュリティ対策|前文。",
				"6-(3)|(3)|2|強靱性の向上|次の対策を講じる。",
				"6-(3)-①|①|3||一つ目。",
				"6-(3)-②|②|3||二つ目。",
			},
		},
		{
			name: "the Markdown heading level does not matter, the number does",
			md:   "# 1 目的\n\n#### (1) 範囲\n\n## ア 細目\n",
			want: []string{"1|1|1|目的|", "1-(1)|(1)|2|範囲|", "1-(1)-ア|ア|3|細目|"},
		},
		{
			name: "full-width digits and parentheses are folded in the identifier, kept in Number",
			md:   "## １　目的\n\n### （３）　範囲\n\n- ⑷ 別の書き方\n",
			want: []string{"1|１|1|目的|", "1-(3)|（３）|2|範囲|", "1-(4)|⑷|2||別の書き方"},
		},
		{
			name: "a skipped level is absent from the identifier",
			md:   "## 5 遵守義務\n\n① 守る。\n\n② 報告する。\n",
			want: []string{"5|5|1|遵守義務|", "5-①|①|2||守る。", "5-②|②|2||報告する。"},
		},
		{
			name: "katakana items are depth 4 under ①, and (ア) under them",
			md:   "## 2 定義\n\n### (1) 資産\n\n- ① 情報\n  - ア 文書\n  - イ 電磁的記録\n    - (ア) 媒体\n",
			want: []string{
				"2|2|1|定義|", "2-(1)|(1)|2|資産|", "2-(1)-①|①|3||情報",
				"2-(1)-①-ア|ア|4||文書", "2-(1)-①-イ|イ|4||電磁的記録", "2-(1)-①-イ-(ア)|(ア)|5||媒体",
			},
		},
		{
			name: "articles: chapters hold 節, an article is cited on its own",
			md:   "## 第1章 総則\n\n### 第1節 通則\n\n第1条 この規程は、目的を定める。\n\n(1) 一号\n\n第十二条 漢数字の条。\n\n第3条の2 枝番号の条。\n\n## 第2章 雑則\n\n### 第1節 補則\n",
			want: []string{
				"第1章|第1章|1|総則|", "第1章-第1節|第1節|2|通則|",
				"第1条|第1条|1||この規程は、目的を定める。", "第1条-(1)|(1)|2||一号",
				"第12条|第十二条|1||漢数字の条。", "第3条の2|第3条の2|1||枝番号の条。",
				"第2章|第2章|1|雑則|", "第2章-第1節|第1節|2|補則|",
			},
		},
		{
			name: "a bare figure is a section number only in a heading, and must be followed by a blank",
			md:   "## 1. 目的\n\n10 月に見直す。\n\n## 2024年度の計画\n\n## 3\n",
			want: []string{"1|1|1|目的|10 月に見直す。\n\n## 2024年度の計画", "3|3|1||"},
		},
		{
			name: "an ordered list's own marker is not a clause number",
			md:   "## 1 手順\n\n1. 端末を起動する\n2. サインインする\n\n1. (1) 番号付きの項目\n",
			want: []string{"1|1|1|手順|1. 端末を起動する\n2. サインインする", "1-(1)|(1)|2||番号付きの項目"},
		},
		{
			name: "a katakana letter needs a blank after it; words starting with one are text",
			md:   "## 1 目的\n\nアクセスを制御する。\n\nア 一つ目\n",
			want: []string{"1|1|1|目的|アクセスを制御する。", "1-ア|ア|2||一つ目"},
		},
		{
			name: "quotes, code and tables belong to the text around them",
			md:   "## 1 引用\n\n> (1) 他の文書の項目\n\n```\n(2) コード\n```\n\n| ① |\n|---|\n| x |\n",
			want: []string{"1|1|1|引用|> (1) 他の文書の項目\n\n```\n(2) コード\n```\n\n| ① |\n|---|\n| x |"},
		},
		{
			name: "Text runs to the first sub-clause; continuation lines lose their shared indentation",
			md:   "## 1 目的\n\n- ① 本文\n  続きの行\n\n  - 番号のない点\n  - もう一つ\n- ② 次\n",
			want: []string{"1|1|1|目的|", "1-①|①|2||本文\n続きの行\n\n- 番号のない点\n- もう一つ", "1-②|②|2||次"},
		},
		{
			name: "setext headings count, and their underline is not text",
			md:   "1 目的\n======\n\n本文。\n",
			want: []string{"1|1|1|目的|本文。"},
		},
		{
			name: "repeated identifiers get a suffix and are marked",
			md:   "## 1 a\n\n### (1) b\n\n### (1) c\n\n## 1 d\n\n### (1) e\n",
			want: []string{"1|1|1|a|", "1-(1)|(1)|2|b|", "1-(1)_2|(1)|2|c||dup", "1_2|1|1|d||dup", "1_2-(1)|(1)|2|e|"},
		},
		{
			name: "CR LF line ends give the same clauses",
			md:   "## 1 目的\r\n\r\n本文。\r\n\r\n- ① 項目\r\n",
			want: []string{"1|1|1|目的|本文。", "1-①|①|2||項目"},
		},
		{
			name: "a body without numbers has no clauses",
			md:   "# 表題\n\n本文だけの文書。\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, c := range Parse(tt.md) {
				got = append(got, clauseLine(c))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Parse(%q):\n got %q\nwant %q", tt.md, got, tt.want)
			}
		})
	}
}

// TestParseNumber pins the number forms one by one.
func TestParseNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		inHeading bool
		ident     string // "" when no number
		kind      kind
	}{
		{"1 目的", true, "1", kindSection},
		{"1 目的", false, "", kindNone},
		{"１２　目的", true, "12", kindSection},
		{"1.目的", true, "1", kindSection},
		{"1.5倍", true, "", kindNone},
		{"10月", true, "", kindNone},
		{"1000 件", true, "", kindNone},
		{"(1) 情報資産", false, "(1)", kindParen},
		{"（１１）情報", false, "(11)", kindParen},
		{"(1)情報資産", false, "(1)", kindParen},
		{"⑽ 十", false, "(10)", kindParen},
		{"(a) 英字", false, "", kindNone},
		{"① 一", false, "①", kindCircled},
		{"㉑ 二十一", false, "㉑", kindCircled},
		{"ア 一", false, "ア", kindKana},
		{"ｱ 半角", false, "ア", kindKana},
		{"ｶﾞ 濁音", false, "", kindNone},
		{"ア", true, "ア", kindKana},
		{"アクセス", false, "", kindNone},
		{"ぁ 平仮名", false, "", kindNone},
		{"（ア）細目", false, "(ア)", kindParenKana},
		{"第1章 総則", false, "第1章", kindChapter},
		{"第二節", false, "第2節", kindPart},
		{"第百二十三条", false, "第123条", kindSection},
		{"第3条の2の3 枝", false, "第3条の2の3", kindSection},
		{"第1項", false, "", kindNone},
		{"第一に、", false, "", kindNone},
		{"　(2) 字下げ", false, "(2)", kindParen},
	}
	for _, tt := range tests {
		n, ok := parseNumber(tt.in, tt.inHeading)
		if ok != (tt.ident != "") || n.ident != tt.ident || n.kind != tt.kind {
			t.Errorf("parseNumber(%q, %v) = %+v, %v; want %q kind %d", tt.in, tt.inHeading, n, ok, tt.ident, tt.kind)
		}
	}
}
