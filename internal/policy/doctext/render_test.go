package doctext

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"
)

// allowedTags are the elements Render may write.
var allowedTags = map[string]bool{
	"p": true, "br": true, "hr": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"ul": true, "ol": true, "li": true, "blockquote": true, "pre": true, "code": true, "em": true,
	"strong": true, "del": true, "a": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"th": true, "td": true,
}

var allowedAttrs = map[string]bool{"id": true, "href": true, "title": true, "rel": true, "start": true, "align": true}

var (
	tagPattern  = regexp.MustCompile(`^<(/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*/?>`)
	attrPattern = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
)

// checkInert verifies that rendered HTML can do nothing but show text:
// every '<' opens an allowed tag (text has its '<' escaped), attributes are
// from a short list (no on… handlers, no style), link targets are http,
// https, mailto, relative or a fragment, and ids are clause anchors.
func checkInert(out string) error {
	if strings.Contains(strings.ToLower(out), "<script") {
		return fmt.Errorf("contains <script")
	}
	for i := 0; i < len(out); i++ {
		if out[i] != '<' {
			continue
		}
		m := tagPattern.FindStringSubmatch(out[i:])
		if m == nil {
			return fmt.Errorf("unescaped < at %d: %q", i, out[i:min(len(out), i+40)])
		}
		if !allowedTags[m[2]] {
			return fmt.Errorf("tag <%s>", m[2])
		}
		for _, a := range attrPattern.FindAllStringSubmatch(m[3], -1) {
			name, value := a[1], html.UnescapeString(a[2])
			if !allowedAttrs[name] || strings.HasPrefix(name, "on") {
				return fmt.Errorf("attribute %s on <%s>", name, m[2])
			}
			switch name {
			case "href":
				v := strings.ToLower(strings.TrimSpace(value))
				if i := strings.IndexAny(v, ":/?#"); i >= 0 && v[i] == ':' &&
					!strings.HasPrefix(v, "http:") && !strings.HasPrefix(v, "https:") && !strings.HasPrefix(v, "mailto:") {
					return fmt.Errorf("link to %q", value)
				}
			case "id":
				if !anchorPattern.MatchString(value) {
					return fmt.Errorf("id %q", value)
				}
			}
		}
		i += len(m[0]) - 1
	}
	return nil
}

func TestRenderXSS(t *testing.T) {
	t.Parallel()
	payloads := []struct {
		name, md string
		gone     []string // must not appear in the output, case-insensitively
	}{
		{"script element", "<script>alert(1)</script>", []string{"<script"}},
		{"script in a paragraph", "本文 <script>alert(1)</script> 続き", []string{"<script"}},
		{"script split over lines", "<scr\nipt>alert(1)</script>", []string{"<scr"}},
		{"iframe", `<iframe src="https://evil.example/"></iframe>`, []string{"<iframe"}},
		{"img onerror", `<img src=x onerror="alert(1)">`, []string{"<img", "onerror"}},
		{"svg onload", `<svg onload=alert(1)>`, []string{"<svg", "onload"}},
		{"event handler on an allowed tag", `<p onclick="alert(1)">x</p>`, []string{"onclick"}},
		{"style attribute", `<p style="background:url(javascript:alert(1))">x</p>`, []string{"style=", "javascript:"}},
		{"javascript link", `[押す](javascript:alert(1))`, []string{"javascript:"}},
		{"JavaScript link in capitals and entities", `[押す](JaVaScRiPt&#58;alert(1))`, []string{"javascript:", "&#58;alert"}},
		{"javascript link with tab", "[押す](java\tscript:alert(1))", []string{"href="}},
		{"data link", `[押す](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`, []string{"data:"}},
		{"vbscript link", `[押す](vbscript:msgbox(1))`, []string{"vbscript:"}},
		{"javascript autolink", `<javascript:alert(1)>`, []string{`href="javascript`}},
		{"reference link", "[押す][x]\n\n[x]: javascript:alert(1)", []string{"javascript:"}},
		{"image with javascript", `![x](javascript:alert(1))`, []string{"javascript:", "<img"}},
		{"image from another host", `![x](https://evil.example/track.png)`, []string{"<img"}},
		{"raw a tag", `<a href="javascript:alert(1)">x</a>`, []string{"javascript:"}},
		{"form", `<form action="/x"><input name=a><button>送信</button></form>`, []string{"<form", "<input", "<button"}},
		{"object and embed", `<object data="x.swf"></object><embed src="x.swf">`, []string{"<object", "<embed"}},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example/">`, []string{"<meta"}},
		{"base", `<base href="https://evil.example/">`, []string{"<base"}},
		{"style element", `<style>body{display:none}</style>`, []string{"<style"}},
		{"link element", `<link rel=stylesheet href="https://evil.example/x.css">`, []string{"<link"}},
		{"html comment trick", `<!--><script>alert(1)</script>-->`, []string{"<script"}},
		{"attribute injection in a link title", `[x](https://example.jp/ "a\" onmouseover=\"alert(1)")`, []string{"onmouseover=\""}},
		{"id clobbering by attribute syntax", "## 見出し {#c-1 onclick=alert(1)}", []string{"onclick=\"", `id="c-1">見出し`}},
		{"html block", "<div onclick=alert(1)>\n\n*x*\n\n</div>", []string{"<div", "onclick=\""}},
	}
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			for _, out := range []string{string(Render(p.md)), string(RenderClause(p.md)), string(Render("## 1 目的\n\n- ① " + p.md))} {
				if err := checkInert(out); err != nil {
					t.Errorf("%s: %v\n%s", p.md, err, out)
				}
				for _, g := range p.gone {
					if strings.Contains(strings.ToLower(out), strings.ToLower(g)) {
						t.Errorf("%s: output contains %q:\n%s", p.md, g, out)
					}
				}
			}
		})
	}
}

func TestRenderKeeps(t *testing.T) {
	t.Parallel()
	tests := []struct{ md, want string }{
		{"## 1 目的\n\n本文。", "<h2 id=\"c-1\">1 目的</h2>\n<p>本文。</p>\n"},
		{"[規程](https://example.jp/a?b=1&c=2)", `<p><a href="https://example.jp/a?b=1&amp;c=2" rel="nofollow noreferrer">規程</a></p>` + "\n"},
		{"[相対](/documents/3#c-6-(3)-①)", `<p><a href="/documents/3#c-6-(3)-%E2%91%A0" rel="nofollow noreferrer">相対</a></p>` + "\n"},
		{"[問合せ](mailto:soumu@example.jp)", `<p><a href="mailto:soumu@example.jp" rel="nofollow noreferrer">問合せ</a></p>` + "\n"},
		{"**強調**と*斜体*と~~取消~~と`コード`", "<p><strong>強調</strong>と<em>斜体</em>と<del>取消</del>と<code>コード</code></p>\n"},
		{"| 区分 | 内容 |\n|:---|---:|\n| 1 | 機密 |", "<table>\n<thead>\n<tr>\n<th align=\"left\">区分</th>\n<th align=\"right\">内容</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">機密</td>\n</tr>\n</tbody>\n</table>\n"},
		// A soft line break between Japanese characters is no space.
		{"一行目\n二行目", "<p>一行目二行目</p>\n"},
		{"3. 三番目から\n4. 四番目", "<ol start=\"3\">\n<li>三番目から</li>\n<li>四番目</li>\n</ol>\n"},
	}
	for _, tt := range tests {
		if got := string(Render(tt.md)); got != tt.want {
			t.Errorf("Render(%q):\n got %q\nwant %q", tt.md, got, tt.want)
		}
	}
}

// TestRenderAnchorsMatchParse: Render writes exactly the anchors of
// Parse's clauses, on the element that starts each clause.
func TestRenderAnchorsMatchParse(t *testing.T) {
	t.Parallel()
	md := "## 1 目的\n\n### （１） 範囲\n\n① 段落の項目。\n\n- ア リストの項目\n  - (ア) 入れ子\n\n1. (2) 番号付きリストの項目\n\n## 1 重複\n"
	out := string(Render(md))
	for _, want := range []string{
		`<h2 id="c-1">`, `<h3 id="c-1-(1)">`, `<p id="c-1-(1)-①">`, `<li id="c-1-(1)-①-ア">`,
		`<li id="c-1-(1)-①-ア-(ア)">`, `<li id="c-1-(2)">`, `<h2 id="c-1_2">`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if got, want := strings.Count(out, ` id="`), len(Parse(md)); got != want {
		t.Errorf("%d ids for %d clauses", got, want)
	}
	if strings.Contains(string(RenderClause(md)), " id=") {
		t.Error("RenderClause must not write anchors")
	}
}

// TestPathologicalInputs: bodies of about MaxBody characters built to make
// a CommonMark parser quadratic (they took from seconds to minutes before
// defuse) render in well under a second each, and keep their characters.
func TestPathologicalInputs(t *testing.T) {
	t.Parallel()
	n := 75000
	cases := map[string]string{
		"nested brackets":      strings.Repeat("[", 2*n) + strings.Repeat("]", 2*n),
		"unclosed links":       strings.Repeat("[a](b", n),
		"unclosed angle links": strings.Repeat("[a](<b", n),
		"empty links":          strings.Repeat("[](", n),
		"nested lists":         strings.Repeat("- ", 2*n) + "x",
		"nested ordered lists": strings.Repeat("1. ", n) + "x",
		"nested quotes":        strings.Repeat("> ", 2*n) + "x",
		"underscores":          strings.Repeat("a_", 2*n),
	}
	for name, md := range cases {
		start := time.Now()
		out := Render(md)
		_ = Parse(md)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v", name, d)
		}
		if err := checkInert(string(out)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Within the limits nothing is touched.
	if got := string(defuse([]byte("[a](b) _c_ > > x"))); got != "[a](b) _c_ > > x" {
		t.Errorf("defuse changed an ordinary body: %q", got)
	}
	deep := strings.Repeat("> ", maxNesting+1) + "x"
	if got := string(defuse([]byte(deep))); got != strings.Repeat("> ", maxNesting)+`\> x` {
		t.Errorf("defuse of a deep line: %q", got)
	}
}
