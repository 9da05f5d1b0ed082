// Package doctext owns the text of policy documents: Markdown rendered
// safely, the clause structure with its stable identifiers (6-(3)-①),
// conversion from plain text and .docx, and the comparison of two versions
// clause by clause and within a clause. It touches no storage.
package doctext

import (
	"errors"
	"html/template"
)

// Clause is one numbered part of a document: a section ("6"), an item
// under it ("(3)"), or an item under that ("①").
type Clause struct {
	// Ident is the stable identifier other modules link to: the numbers
	// from the top down joined with "-", e.g. "6-(3)-①".
	Ident string `json:"id"`
	// Number is this level's own number as written: "6", "(3)", "①".
	Number string `json:"number"`
	Depth  int    `json:"depth"` // 1 for a section, 2 for (n), 3 for ①
	// Heading is the clause's title without its number ("組織体制"), empty
	// for an item that is only a sentence.
	Heading string `json:"heading"`
	// Text is the clause's own text in Markdown, up to its first sub-clause
	// or the next clause.
	Text string `json:"text"`
}

// ErrUnsupported is returned by Convert for a file it cannot read.
var ErrUnsupported = errors.New("unsupported document file")

// Parse returns the clauses of a Markdown body in document order.
func Parse(markdown string) []Clause { return nil }

// Render turns a Markdown body into sanitised HTML; every clause heading
// carries the anchor id "c-" + its identifier.
func Render(markdown string) template.HTML { return "" }

// Convert turns an uploaded file (Markdown, plain text or .docx, told
// apart by name and content) into a Markdown body.
func Convert(name string, data []byte) (string, error) { return "", ErrUnsupported }

// FromPlainText turns a numbered plain-text document (as the organisation's
// basic policy is written) into Markdown with the same clauses.
func FromPlainText(text string) string { return text }

// ChangeKind says how a clause differs between two versions.
type ChangeKind string

const (
	Same    ChangeKind = "same"
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// Op is one piece of an inline difference.
type Op string

const (
	Equal  Op = "equal"
	Insert Op = "insert"
	Delete Op = "delete"
)

// Span is a run of text that is the same, added or removed.
type Span struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// ClauseChange is one clause of a comparison; Before or After is nil for an
// added or removed clause. Heading and Text are the inline differences,
// character by character (Japanese has no spaces to split words at).
type ClauseChange struct {
	Ident   string     `json:"id"`
	Kind    ChangeKind `json:"kind"`
	Before  *Clause    `json:"before,omitempty"`
	After   *Clause    `json:"after,omitempty"`
	Heading []Span     `json:"heading,omitempty"`
	Text    []Span     `json:"text,omitempty"`
}

// Compare matches the clauses of two versions by identifier, in the order
// of the newer one, removed clauses where they stood.
func Compare(before, after []Clause) []ClauseChange { return nil }
