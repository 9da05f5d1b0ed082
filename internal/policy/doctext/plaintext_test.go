package doctext

import (
	"testing"
)

func TestFromPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{
			name: "title, sections, headings and items",
			in:   "○情報セキュリティ基本方針\n\n1 目的\n\n本文。\n\n(1) 情報資産\n\n- ① 箇条\n- ② 箇条\n\n① 文としての項目。\n\n② 二つ目の項目。\n",
			want: "# 情報セキュリティ基本方針\n\n## 1 目的\n\n本文。\n\n### (1) 情報資産\n\n- ① 箇条\n- ② 箇条\n- ① 文としての項目。\n- ② 二つ目の項目。\n",
		},
		{
			name: "a numbered sentence is an item, a numbered title a heading",
			in:   "(3) 地震、落雷、火災等の災害によるサービス及び業務の停止等\n(8) 業務委託と外部サービスの利用\nア 細目\nア 細目の文。\n（ア）さらに細目\n",
			want: "- (3) 地震、落雷、火災等の災害によるサービス及び業務の停止等\n\n### (8) 業務委託と外部サービスの利用\n\n##### ア 細目\n\n- ア 細目の文。\n\n###### （ア）さらに細目\n",
		},
		{
			name: "articles and chapters",
			in:   "第1章 総則\n第1条 この規程は、目的を定める。\n2 前項の規定は、準用する。\n",
			want: "## 第1章 総則\n\n第1条 この規程は、目的を定める。\n\n2 前項の規定は、準用する。\n",
		},
		{
			name: "Markdown's punctuation is escaped so that it shows as written",
			in:   "# 見出しではない\n1. 番号付きリストではない文。\n* 星 *強調ではない* と <b>タグ</b> & [リンク](x)\n> 引用ではない\n---\n",
			want: "\\# 見出しではない\n\n1\\. 番号付きリストではない文。\n\n- 星 \\*強調ではない\\* と \\<b\\>タグ\\</b\\> \\& \\[リンク\\](x)\n\n\\> 引用ではない\n\n\\---\n",
		},
		{
			name: "indentation that would make a code block is dropped, 全角 indentation kept",
			in:   "        字下げ\n　全角で字下げした段落\n",
			want: "字下げ\n\n　全角で字下げした段落\n",
		},
		{
			name: "BOM and CR LF",
			in:   "\uFEFF1 目的\r\n\r\n本文。\r\n",
			want: "## 1 目的\n\n本文。\n",
		},
		{
			name: "empty",
			in:   " \n\n",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FromPlainText(tt.in); got != tt.want {
				t.Errorf("FromPlainText(%q):\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestEscapedTextRendersAsWritten: what escapeMarkdown writes renders as
// the original characters.
func TestEscapedTextRendersAsWritten(t *testing.T) {
	t.Parallel()
	in := "a*b*c _d_ `e` <f> & [g](h) ~~i~~ |j| # k \\ l"
	got := string(RenderClause(escapeMarkdown(in, true)))
	want := "<p>a*b*c _d_ `e` &lt;f&gt; &amp; [g](h) ~~i~~ |j| # k \\ l</p>\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestJoinBroken: the page-break repair joins the seed's case and its plain
// variant, and leaves every other pair of paragraphs alone.
func TestJoinBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"the seed's artefact: the word's first character repeated", "業務の遂行に当たって情報セ\n\nセキュリティポリシー及び手順を遵守する。", "業務の遂行に当たって情報セキュリティポリシー及び手順を遵守する。\n"},
		{"cut without repetition", "当たって情報セキュ\nリティポリシーを守る。", "当たって情報セキュリティポリシーを守る。\n"},
		{"a paragraph ending in a sentence is never joined", "情報セ。\n\nセキュリティを守る。", "情報セ。\n\nセキュリティを守る。\n"},
		{"ordinary paragraphs", "第一の段落\n\n第二の段落", "第一の段落\n\n第二の段落\n"},
		{"the next paragraph does not continue the word", "情報セ\n\nセンターを設ける。", "情報セ\n\nセンターを設ける。\n"},
		{"a heading is never joined", "5 情報セ\n\nセキュリティポリシー", "## 5 情報セ\n\nセキュリティポリシー\n"},
		{"nor is an item", "情報セ\n\n① セキュリティを守る。", "情報セ\n\n- ① セキュリティを守る。\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FromPlainText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
