package doctext

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdown is the one Markdown dialect of policy documents: CommonMark
// with GitHub's tables, strikethrough and bare-URL links, and Japanese
// line breaks (a soft break between two Japanese characters is no space).
// Raw HTML is not passed through (goldmark's default without
// html.WithUnsafe: it is left out of the output), and task-list
// checkboxes and footnotes are not enabled, so the HTML it writes stays
// within the few elements the sanitiser allows. A goldmark.Markdown is
// safe for concurrent use.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.Strikethrough, extension.Linkify,
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.NewCJK(extension.WithEastAsianLineBreaks()),
	),
)

// anchorPattern is the only id the sanitiser lets through: "c-" and a
// clause identifier (letters and figures of any script, parentheses, "-"
// and "_"). Nothing in a body can set an id of its own (goldmark's
// attribute syntax is off and raw HTML is dropped), so ids are ours.
var anchorPattern = regexp.MustCompile(`^c-[\p{L}\p{N}()_\-]+$`)

// sanitiser allows exactly what the Markdown dialect produces, which is
// stricter than bluemonday's UGC policy: no images (a body must not make
// the reader's browser fetch from another host), no classes or styles, no
// forms or media. Links may be http, https, mailto or relative, and get
// rel="nofollow noreferrer"; everything else (javascript:, data:,
// vbscript:) is removed with its attribute.
var sanitiser = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "blockquote", "pre", "code", "em", "strong", "del",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")
	p.AllowAttrs("id").Matching(anchorPattern).OnElements("h1", "h2", "h3", "h4", "h5", "h6", "li", "p")
	p.AllowStandardURLs() // http, https, mailto, relative; parseable; rel=nofollow
	p.RequireNoReferrerOnLinks(true)
	p.AllowAttrs("href", "title").OnElements("a")
	return p
}()

// Render turns a Markdown body into sanitised HTML. Every clause (see the
// clause rule in parse.go) carries the anchor id "c-" + its identifier on
// its heading, list item or paragraph, the same identifiers Parse gives.
func Render(markdown string) template.HTML {
	src := normalise(markdown)
	doc, starts := scan(src)
	if doc == nil {
		return plainFallback(src)
	}
	clauses := clausesOf(src, starts)
	for i, st := range starts {
		st.node.SetAttributeString("id", []byte("c-"+clauses[i].Ident))
	}
	return renderDoc(src, doc)
}

// RenderClause renders one clause's Text (or any fragment) the same way,
// without anchors: a comparison or a link preview shows a clause on its
// own, where an id would repeat the document's.
func RenderClause(text string) template.HTML {
	src := normalise(text)
	doc := markdownParse(src)
	if doc == nil {
		return plainFallback(src)
	}
	return renderDoc(src, doc)
}

// markdownParse parses src, or returns nil should goldmark panic. It is a
// third-party parser fed with anything a person types or uploads, and the
// fuzzer has found one panic in it already (see normalise); a body it
// cannot parse must not take the request, or the validation that calls
// Parse, down with it.
func markdownParse(src []byte) (doc ast.Node) {
	defer func() {
		if recover() != nil {
			doc = nil
		}
	}()
	return markdown.Parser().Parse(text.NewReader(src))
}

// plainFallback shows a body goldmark could not handle as escaped text.
func plainFallback(src []byte) template.HTML {
	return template.HTML("<pre>" + template.HTMLEscapeString(string(src)) + "</pre>\n") //nolint:gosec // escaped
}

func renderDoc(src []byte, doc ast.Node) (out template.HTML) {
	defer func() {
		if recover() != nil {
			out = plainFallback(src)
		}
	}()
	var buf bytes.Buffer
	// Rendering writes to memory, which does not fail; should goldmark
	// still return an error, what it wrote so far is shown (sanitised).
	_ = markdown.Renderer().Render(&buf, src, doc)
	// The sanitiser is the guarantee: whatever goldmark wrote, only the
	// allowed elements and attributes reach the page.
	return template.HTML(sanitiser.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised just above
}
