package doctext

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"mamori/internal/policy/seed"
)

// The fuzz tests' seed corpora live in testdata/fuzz/<FuzzName>/, so a
// plain `go test` (and CI) runs every committed input; `go test -fuzz`
// explores from them. TestWriteFuzzCorpus regenerates the generated ones.

var markdownSeeds = []string{
	"## 1 目的\n\n本文。\n\n### (1) 範囲\n\n- ① 項目\n  - ア 細目\n",
	"第1章 総則\n====\n\n第1条 目的。\n\n（１）号\n\n⑴ 号\n",
	"<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>",
	"> ① 引用\n\n```\n(1) code\n```\n\n| ① | ② |\n|---|---|\n| ア | イ |\n",
	"- ① a\n- ① b\n\n## 1 x\n\n## 1 y\n",
	"1. (1) x\n2) ア y\n\n* (ア) z\n\n   ## ２． 全角\n",
	"[a]: javascript:x\n\n[b][a] <http://example.jp> www.example.jp\n\n<!-- x -->\n\n<div onclick=x>\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		clauses := Parse(md)
		seen := map[string]bool{}
		for _, c := range clauses {
			if seen[c.Ident] {
				t.Fatalf("identifier %q twice", c.Ident)
			}
			seen[c.Ident] = true
			if c.Depth != strings.Count(c.Ident, "-")+1 {
				t.Fatalf("%q: depth %d", c.Ident, c.Depth)
			}
			if !anchorPattern.MatchString("c-" + c.Ident) {
				t.Fatalf("identifier %q is not a valid anchor", c.Ident)
			}
		}
		// Render writes one anchor per clause, and only those.
		out := string(Render(md))
		if got := strings.Count(out, ` id="c-`); got != len(clauses) {
			t.Fatalf("%d anchors for %d clauses:\n%s", got, len(clauses), out)
		}
	})
}

func FuzzRender(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		for _, out := range []string{string(Render(md)), string(RenderClause(md))} {
			if err := checkInert(out); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		}
	})
}

// stripMarks removes what FromPlainText may add, drop or move: blanks and
// line ends, Markdown marks and escapes, the title's ○, a BOM.
func stripMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("\\#-*+○〇◯\uFEFF", r) {
			return -1
		}
		return r
	}, s)
}

func FuzzFromPlainText(f *testing.F) {
	f.Add(seed.BasicPolicyText)
	f.Add("○表題\n\n1 目的\n\n(1) 項目\n\n① 文です。\n\nア 細目\n\n第1条 条文。\n")
	f.Add("情報セ\n\nセキュリティ\n情報セキュ\nリティ")
	f.Add("# x\n1. y\n* z\n> q\n---\n<b>&amp;</b> [a](b) `c` |d| ~e~ _f_")
	f.Add("\uFEFF\r\n　字下げ\r    code\t\n")
	f.Fuzz(func(t *testing.T, text string) {
		md := FromPlainText(text)
		_ = Parse(md)
		if !utf8.ValidString(text) {
			return
		}
		if !utf8.ValidString(md) {
			t.Fatalf("invalid UTF-8 out of valid UTF-8 in: %q", md)
		}
		got, want := stripMarks(md), stripMarks(text)
		if got == want {
			return
		}
		// The page-break repair drops the repeated start of セキュリティ.
		noKatakana := func(s string) string {
			return strings.Map(func(r rune) rune {
				if strings.ContainsRune("セキュリティ", r) {
					return -1
				}
				return r
			}, s)
		}
		if noKatakana(got) != noKatakana(want) {
			t.Fatalf("wording changed:\n in %q\nout %q", text, md)
		}
	})
}

// checkConvertError: Convert fails only with one of its *Error values.
func checkConvertError(t *testing.T, err error) {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) {
		t.Fatalf("error without a message key: %v", err)
	}
	switch de.Key {
	case KeyUnsupported, KeyEncoding, KeyBrokenDocx, KeyTooLarge:
	default:
		t.Fatalf("unknown key %q", de.Key)
	}
}

func FuzzConvertText(f *testing.F) {
	f.Add([]byte(seed.BasicPolicyText), false)
	f.Add([]byte("\xEF\xBB\xBF## 1 目的\r\n"), true)
	f.Add([]byte("\x82\xa0\x82\xa2\x82\xa4 1 \x96\xda\x93\x49"), false) // Shift_JIS
	f.Add([]byte("\xFF\xFE1\x000\x00"), false)                          // UTF-16LE
	f.Add([]byte("日本語\xFF"), true)
	f.Add([]byte("\x00\x01\x02"), false)
	f.Fuzz(func(t *testing.T, data []byte, markdown bool) {
		name := "upload.txt"
		if markdown {
			name = "upload.md"
		}
		md, err := Convert(name, data)
		if err != nil {
			checkConvertError(t, err)
			return
		}
		if !utf8.ValidString(md) {
			t.Fatalf("invalid UTF-8: %q", md)
		}
		_ = Parse(md)
	})
}

// docxSeeds are Word documents for FuzzConvertDocx to mutate.
func docxSeeds(t testing.TB) [][]byte {
	return [][]byte{
		makeZip(t, docxParts(sampleDocxBody())),
		makeZip(t, docxParts(para("1", "1", 0, "目的")+para("", "1", 2, "項目"))),
		makeZip(t, map[string]string{"word/document.xml": "<w:document " + wordNS + "><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"}),
	}
}

func FuzzConvertDocx(f *testing.F) {
	for _, d := range docxSeeds(f) {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := Convert("upload.docx", data)
		if err != nil {
			checkConvertError(t, err)
			return
		}
		if !utf8.ValidString(md) {
			t.Fatalf("invalid UTF-8: %q", md)
		}
		_ = Parse(md)
	})
}

// FuzzConvertDocxParts fuzzes the XML inside a well-formed zip, which
// mutating a whole .docx rarely reaches (most mutations break the zip's
// checksums): document.xml, styles.xml and numbering.xml.
func FuzzConvertDocxParts(f *testing.F) {
	full := docxParts(sampleDocxBody())
	f.Add(full["word/document.xml"], full["word/styles.xml"], full["word/numbering.xml"])
	f.Add(docxParts(para("1", "1", 0, "目的"))["word/document.xml"], "", "")
	f.Fuzz(func(t *testing.T, document, styles, numbering string) {
		parts := map[string]string{"word/document.xml": document}
		if styles != "" {
			parts["word/styles.xml"] = styles
		}
		if numbering != "" {
			parts["word/numbering.xml"] = numbering
		}
		md, err := Convert("upload.docx", makeZip(t, parts))
		if err != nil {
			checkConvertError(t, err)
			return
		}
		if !utf8.ValidString(md) {
			t.Fatalf("invalid UTF-8: %q", md)
		}
		_ = Parse(md)
	})
}

func FuzzDiff(f *testing.F) {
	f.Add("情報資産の管理", "情報システムの運用")
	f.Add("", "x")
	f.Add("𠮷野家", "吉野家")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return // Diff works on characters; invalid bytes become U+FFFD
		}
		spans := Diff(a, b)
		if ga, gb := sides(spans); ga != a || gb != b {
			t.Fatalf("Diff(%q, %q) rebuilds %q, %q", a, b, ga, gb)
		}
	})
}

// TestWriteFuzzCorpus writes the generated seed corpora (the .docx files
// in particular) to testdata/fuzz when DOCTEXT_WRITE_CORPUS is set.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("DOCTEXT_WRITE_CORPUS") == "" {
		t.Skip("set DOCTEXT_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	write := func(fuzz, name string, values ...any) {
		dir := filepath.Join("testdata", "fuzz", fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, v := range values {
			switch v := v.(type) {
			case string:
				fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
			case []byte:
				fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
			case bool:
				fmt.Fprintf(&b, "bool(%v)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range docxSeeds(t) {
		write("FuzzConvertDocx", fmt.Sprintf("docx%d", i), d)
	}
	md := FromPlainText(seed.BasicPolicyText)
	write("FuzzParse", "seed_policy", md)
	write("FuzzRender", "seed_policy", md)
	for i, s := range markdownSeeds {
		write("FuzzParse", fmt.Sprintf("markdown%d", i), s)
		write("FuzzRender", fmt.Sprintf("markdown%d", i), s)
	}
	write("FuzzFromPlainText", "seed_policy", seed.BasicPolicyText)
	write("FuzzConvertText", "seed_policy", []byte(seed.BasicPolicyText), false)
	full := docxParts(sampleDocxBody())
	write("FuzzConvertDocxParts", "sample", full["word/document.xml"], full["word/styles.xml"], full["word/numbering.xml"])
	write("FuzzDiff", "seed_5", "職員、臨時職員は遵守する。", "職員、会計年度任用職員は遵守する。")
}
