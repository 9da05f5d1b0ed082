// Package doctext owns the text of policy documents: Markdown rendered
// safely, the clause structure with its stable identifiers (6-(3)-①),
// conversion from plain text and .docx, and the comparison of two versions
// clause by clause and within a clause. It touches no storage.
//
// The clause rule (what starts a clause, how identifiers are formed) is
// written out at the top of parse.go and shown by example in
// TestClauseRule; Parse and Render share it, so every identifier Parse
// returns is an anchor "c-"+Ident in Render's HTML. Files: number.go
// (clause numbers), parse.go, render.go (goldmark + bluemonday),
// plaintext.go (FromPlainText, the page-break repair), convert.go and
// docx.go (uploads), compare.go and diff.go (versions).
package doctext

// Clause is one numbered part of a document: a section ("6"), an item
// under it ("(3)"), or an item under that ("①").
type Clause struct {
	// Ident is the stable identifier other modules link to: the numbers
	// from the top down joined with "-", e.g. "6-(3)-①".
	Ident string `json:"id"`
	// Number is this level's own number as written: "6", "(3)", "①".
	Number string `json:"number"`
	// Depth is how deep the clause is nested: the number of parts of its
	// Ident (1 for a section, 2 for (n), 3 for ① under an (n); a ① right
	// under a section is 2).
	Depth int `json:"depth"`
	// Heading is the clause's title without its number ("組織体制"), empty
	// for an item that is only a sentence.
	Heading string `json:"heading"`
	// Text is the clause's own text in Markdown, up to its first sub-clause
	// or the next clause.
	Text string `json:"text"`
	// Duplicate marks a clause whose identifier, as written, repeats an
	// earlier clause's: its Ident then carries a suffix ("2-(1)_2") so
	// that every identifier still names one clause. A body with such a
	// clause is one to correct before it is published.
	Duplicate bool `json:"duplicate,omitempty"`
}

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
	// Duplicate marks a clause whose identifier, as written, repeats an
	// earlier clause's: its Ident then carries a suffix ("2-(1)_2") so
	// that every identifier still names one clause. A body with such a
	// clause is one to correct before it is published.
	Duplicate bool `json:"duplicate,omitempty"`
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
