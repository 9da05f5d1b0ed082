package doctext

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"mamori/internal/policy/seed"
)

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"`

// docxParts returns the parts of a minimal but complete Word document
// around body (the content of <w:body>), with the styles Japanese Word
// writes (heading styles with the ids "1", "2" and English names) and a
// numbering with levels "%1", "(%2)", "%3" in 1, (1), ① form.
func docxParts(body string) map[string]string {
	return map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/_rels/document.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>`,
		"word/styles.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + wordNS + `>
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/><w:basedOn w:val="a"/></w:style>
<w:style w:type="paragraph" w:styleId="myHeading"><w:name w:val="協会見出し"/><w:basedOn w:val="1"/></w:style>
</w:styles>`,
		"word/numbering.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering ` + wordNS + `>
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%2)"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%3"/></w:lvl>
<w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="aiueoFullWidth"/><w:lvlText w:val="%4"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="・"/></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="japaneseCounting"/><w:lvlText w:val="第%1条"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="2"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="11"/></w:lvlOverride></w:num>
</w:numbering>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + wordNS + `><w:body>` + body + `<w:sectPr/></w:body></w:document>`,
	}
}

// para writes one paragraph: style ("" for none), numbering (numID "" for
// none) and runs of text.
func para(style, numID string, ilvl int, runs ...string) string {
	var b strings.Builder
	b.WriteString("<w:p><w:pPr>")
	if style != "" {
		fmt.Fprintf(&b, `<w:pStyle w:val="%s"/>`, style)
	}
	if numID != "" {
		fmt.Fprintf(&b, `<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%s"/></w:numPr>`, ilvl, numID)
	}
	b.WriteString(`<w:tabs><w:tab w:val="left" w:pos="840"/></w:tabs></w:pPr>`)
	for _, r := range runs {
		fmt.Fprintf(&b, `<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`, r)
	}
	b.WriteString("</w:p>")
	return b.String()
}

// makeZip writes the parts as a zip (deflated, in a fixed order).
func makeZip(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := []string{"[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels", "word/document.xml", "word/styles.xml", "word/numbering.xml"}
	for name := range parts {
		found := false
		for _, n := range names {
			found = found || n == name
		}
		if !found {
			names = append(names, name)
		}
	}
	for _, name := range names {
		content, ok := parts[name]
		if !ok {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sampleDocxBody() string {
	return para("a3", "", 0, "情報セキュリティ対策基準") +
		para("1", "1", 0, "目的") +
		para("", "", 0, "本基準は、", "対策の基準を定める。") +
		para("2", "1", 1, "範囲") +
		para("a", "1", 2, "職員は、基準を守る。") +
		para("a", "1", 2, "委託先に&lt;b&gt;守らせる&lt;/b&gt;。") +
		para("1", "1", 0, "体制") +
		para("2", "1", 1, "組織") +
		para("myHeading", "", 0, "協会独自の見出し") +
		para("", "", 0, "(2) 手で番号を打った項目") +
		`<w:p><w:r><w:t>一行目</w:t><w:br/><w:t>ア 二行目の細目</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>残す</w:t></w:r><w:del w:id="1" w:author="x"><w:r><w:delText>消した</w:delText></w:r></w:del><w:ins w:id="2" w:author="x"><w:r><w:t>加えた</w:t></w:r></w:ins></w:p>` +
		`<w:p><w:r><w:t>番号</w:t><w:tab/><w:t>タブ</w:t></w:r></w:p>` +
		para("", "2", 0, "箇条書き") +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>表の中</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>テキストボックス</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>テキストボックス</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>` +
		para("", "3", 0, "この条は十一条から始まる。") +
		para("", "3", 0, "次の条。")
}

func TestConvertDocx(t *testing.T) {
	t.Parallel()
	data := makeZip(t, docxParts(sampleDocxBody()))
	md, err := Convert("対策基準.docx", data)
	if err != nil {
		t.Fatal(err)
	}
	want := `# 情報セキュリティ対策基準

## 1 目的

本基準は、対策の基準を定める。

### (1) 範囲

- ① 職員は、基準を守る。
- ② 委託先に\<b\>守らせる\</b\>。

## 2 体制

### (1) 組織

## 協会独自の見出し

### (2) 手で番号を打った項目

一行目

##### ア 二行目の細目

残す加えた

番号 タブ

- 箇条書き

表の中

テキストボックス

第十一条 この条は十一条から始まる。

第十二条 次の条。
`
	if md != want {
		t.Errorf("Convert(.docx):\n got %s\nwant %s", md, want)
	}
	var idents []string
	for _, c := range Parse(md) {
		idents = append(idents, c.Ident)
	}
	if got := strings.Join(idents, " "); got != "1 1-(1) 1-(1)-① 1-(1)-② 2 2-(1) 2-(2) 2-(2)-ア 第11条 第12条" {
		t.Errorf("clauses of the converted document: %s", got)
	}
	// The content decides: a Word document named .txt is still read as one.
	if md2, err := Convert("misnamed.txt", data); err != nil || md2 != md {
		t.Errorf("a .docx named .txt: %v", err)
	}
}

// TestConvertDocxNoStyles: a document from a writer that leaves out
// styles.xml and numbering.xml, with English style ids.
func TestConvertDocxNoStyles(t *testing.T) {
	t.Parallel()
	parts := docxParts(para("Heading1", "", 0, "1 目的") + para("", "", 0, "本文。") + para("見出し2", "", 0, "(1) 範囲") + para("Heading2", "7", 0, "番号の定義がない"))
	delete(parts, "word/styles.xml")
	delete(parts, "word/numbering.xml")
	md, err := Convert("x.docx", makeZip(t, parts))
	if err != nil {
		t.Fatal(err)
	}
	if want := "## 1 目的\n\n本文。\n\n### (1) 範囲\n\n### 番号の定義がない\n"; md != want {
		t.Errorf("got %q, want %q", md, want)
	}
}

func TestConvertText(t *testing.T) {
	t.Parallel()
	sjis, err := japanese.ShiftJIS.NewEncoder().String(seed.BasicPolicyText)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(seed.BasicPolicyText)
	if err != nil {
		t.Fatal(err)
	}
	want := FromPlainText(seed.BasicPolicyText)
	tests := []struct {
		name string
		data string
	}{
		{"基本方針.txt", seed.BasicPolicyText},
		{"基本方針.TXT", "\xEF\xBB\xBF" + seed.BasicPolicyText},
		{"基本方針_sjis.txt", sjis},
		{"基本方針_unicode.txt", utf16},
		{"基本方針_crlf.txt", strings.ReplaceAll(seed.BasicPolicyText, "\n", "\r\n")},
		{"基本方針", seed.BasicPolicyText},
	}
	for _, tt := range tests {
		md, err := Convert(tt.name, []byte(tt.data))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if md != want {
			t.Errorf("%s: converted differently:\n%s", tt.name, md)
		}
		if n := len(Parse(md)); n != 45 {
			t.Errorf("%s: %d clauses", tt.name, n)
		}
	}
}

func TestConvertMarkdown(t *testing.T) {
	t.Parallel()
	md := "## 1 目的\r\n\r\n**本文**。\r\n"
	got, err := Convert("a.md", []byte("\xEF\xBB\xBF"+md))
	if err != nil || got != "## 1 目的\n\n**本文**。\n" {
		t.Errorf("got %q, %v", got, err)
	}
	sjis, _ := japanese.ShiftJIS.NewEncoder().String("## 1 目的\n\n本文。\n")
	got, err = Convert("a.markdown", []byte(sjis))
	if err != nil || got != "## 1 目的\n\n本文。\n" {
		t.Errorf("Shift_JIS Markdown: got %q, %v", got, err)
	}
	long := strings.Repeat("あ", 300)
	got, err = Convert("a.md", []byte(long+"行\x01\x02末\n"))
	if err != nil || got != long+"行末\n" {
		t.Errorf("stray control codes: got %q, %v", got, err)
	}
}

// deflated writes data as a zip entry whose header claims claimed bytes.
func lyingZip(t *testing.T, name string, data []byte, claimed uint64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	_, _ = fw.Write(data)
	_ = fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: claimed,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(comp.Bytes())
	_ = zw.Close()
	return buf.Bytes()
}

func TestConvertProblems(t *testing.T) {
	t.Parallel()
	valid := makeZip(t, docxParts(para("", "", 0, "本文")))
	manyParts := map[string]string{"word/document.xml": docxParts("")["word/document.xml"]}
	for i := range MaxEntries + 1 {
		manyParts[fmt.Sprintf("word/media/%d.xml", i)] = "x"
	}
	huge := bytes.Repeat([]byte("<w:p><w:r><w:t>あ</w:t></w:r></w:p>"), (MaxUnpacked/36)+1000)
	honestBomb := lyingZip(t, "word/document.xml", huge, uint64(len(huge)))
	lyingBomb := lyingZip(t, "word/document.xml", huge, 1000)
	deep := makeZip(t, map[string]string{"word/document.xml": "<w:document " + wordNS + ">" + strings.Repeat("<w:body>", 1000) + strings.Repeat("</w:body>", 1000) + "</w:document>"})

	tests := []struct {
		name string
		data []byte
		want []error // any of them
	}{
		{"scan.pdf", []byte("%PDF-1.7\n..."), []error{ErrUnsupported}},
		{"scan.txt", []byte("%PDF-1.7\n..."), []error{ErrUnsupported}},
		{"old.doc", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), []error{ErrUnsupported}},
		{"image.txt", []byte("\x89PNG\r\n\x1a\n"), []error{ErrUnsupported}},
		{"binary.txt", []byte("text\x00with a NUL"), []error{ErrUnsupported}},
		{"controls.txt", []byte(strings.Repeat("\x01\x02\x03abc", 100)), []error{ErrUnsupported}},
		{"notes.rtf", []byte("plain"), []error{ErrUnsupported}},
		{"sheet.xlsx", makeZip(t, map[string]string{"xl/workbook.xml": "<workbook/>"}), []error{ErrUnsupported}},
		{"garbage.txt", []byte("\x80\x80\xA0\xFD\xFE\xFF\x80\xA0"), []error{ErrEncoding}},
		{"broken-utf8.md", []byte("日本語の文書です\xFF\xFE続き"), []error{ErrEncoding}},
		{"bom-broken.txt", []byte("\xEF\xBB\xBF日本語\xFF"), []error{ErrEncoding}},
		{"notzip.docx", []byte("これは Word ではない"), []error{ErrBrokenDocx}},
		{"truncated.docx", valid[:len(valid)/2], []error{ErrBrokenDocx}},
		{"badxml.docx", makeZip(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p></w:body>"}), []error{ErrBrokenDocx}},
		{"deep.docx", deep, []error{ErrBrokenDocx}},
		{"many.docx", makeZip(t, manyParts), []error{ErrTooLarge}},
		{"bomb.docx", honestBomb, []error{ErrTooLarge}},
		{"lying-bomb.docx", lyingBomb, []error{ErrTooLarge, ErrBrokenDocx}},
		{"big.txt", bytes.Repeat([]byte("a"), MaxInput+1), []error{ErrTooLarge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Convert(tt.name, tt.data)
			ok := false
			for _, w := range tt.want {
				ok = ok || errors.Is(err, w)
			}
			if !ok {
				t.Fatalf("Convert(%s) = %v, want one of %v", tt.name, err, tt.want)
			}
			var de *Error
			if !errors.As(err, &de) || !strings.HasPrefix(de.Key, "doctext.") {
				t.Errorf("no *Error with a message key in %v", err)
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("the error does not name the file: %v", err)
			}
			if errors.Is(err, ErrTooLarge) && (len(de.Args) != 1 || de.Args[0] != 20) {
				t.Errorf("too large should say the limit in MB: %v", de.Args)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("wrapped: %w", problem(KeyEncoding, errors.New("cause")))
	if !errors.Is(err, ErrEncoding) || errors.Is(err, ErrUnsupported) {
		t.Error("errors.Is should match by key")
	}
	if !strings.Contains(err.Error(), "cause") {
		t.Error("the cause should show in the message for the log")
	}
}
