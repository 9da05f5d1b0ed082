// Package assetfile owns the asset register as files: columns, dry run,
// import in one transaction, export.
//
// Offices keep their 情報資産台帳 in Excel, so the register travels as a
// file: XLSX or CSV (UTF-8 with or without BOM, or Shift_JIS as Excel in
// Japan writes it), with headers in Japanese or English and values as
// people write them (「情報システム」 or "system", 「マイナンバー利用事務系」 or
// "mynumber", 令和7年4月1日 or 2025-04-01). The columns are the API's
// field names (columns.go); the words for coded values are defined here in
// code (values.go), since a file outlives a screen's wording.
//
// DryRun reads a file once, row by row, and says what each row would do:
// create, update, leave unchanged, or fail, with every problem named by
// row and column. Import reads it again and applies every row in one
// transaction through package asset, so each change is checked, masked
// and recorded in the trail exactly as a change made on a form; one
// problem anywhere and nothing is written. Both stream: what they keep is
// the counts and the first MaxReported rows and problems, plus a small
// fingerprint per row to find a key given twice. Export walks the register
// a page at a time with the reader's filters and permissions, masked rows
// masked, and records itself in the trail before a byte is sent.
package assetfile

import (
	"errors"

	"mamori/internal/i18n"
	"mamori/internal/tabular"
)

// MaxReported is how many rows and how many problems a report keeps; the
// counts cover every row.
const MaxReported = 1000

// MaxBytes is the largest file an import accepts.
const MaxBytes = 50 << 20

// Match says how a row finds the asset it changes.
type Match string

const (
	// MatchID matches by 管理番号: a row with an id updates that asset, a
	// row without one registers a new asset.
	MatchID Match = "id"
	// MatchName matches by 名称: a row updates the one asset of that name
	// the importer sees in full, or registers a new one.
	MatchName Match = "name"
)

// Matches lists the ways, the default first.
var Matches = []Match{MatchID, MatchName}

// IsValid reports whether m is a known way.
func (m Match) IsValid() bool { return m == MatchID || m == MatchName }

// Options say how to read a file.
type Options struct {
	MatchBy Match // default MatchID
	// FileName is the uploaded file's name, a hint for clearer messages.
	FileName string
	// Size is the file's size when known (0 otherwise).
	Size int64
	// MaxBytes overrides MaxBytes (tests).
	MaxBytes int64
}

func (o Options) withDefaults() Options {
	if o.MatchBy == "" {
		o.MatchBy = MatchID
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxBytes
	}
	return o
}

// Outcome is what a row does.
type Outcome string

const (
	Create    Outcome = "create"
	Update    Outcome = "update"
	Unchanged Outcome = "unchanged"
	Failed    Outcome = "error"
)

// Problem is one thing wrong with a file: a message key of the catalogue
// with its arguments, and where it is.
type Problem struct {
	// Row is the row as Excel numbers it; 0 for the file as a whole.
	Row int `json:"row"`
	// Column is the column's key (Columns); empty when the problem is
	// about a whole row or the whole file.
	Column string `json:"column,omitempty"`
	// Header is the column as the file names it, or its Japanese name
	// when the file lacks it.
	Header string `json:"header,omitempty"`
	// Cell is the column's letter as Excel shows it ("K"); empty when the
	// file lacks the column.
	Cell string `json:"cell,omitempty"`
	Key  string `json:"code"`
	Args []any  `json:"-"`
	// Vocab, when set, names the vocabulary whose words the message lists
	// after Args, in the reader's language (see Text).
	Vocab string `json:"-"`
}

// RowReport is one row's outcome.
type RowReport struct {
	Row     int     `json:"row"`
	Outcome Outcome `json:"outcome"`
	// ID is the asset updated or left unchanged (0 for a new one, and
	// after a dry run for a row that would create).
	ID int64 `json:"id,string,omitempty"`
	// Name is the name the row gives (or the asset's, for a masked one).
	Name     string    `json:"name"`
	Problems []Problem `json:"problems,omitempty"`
}

// Report is what a dry run or an import found.
type Report struct {
	MatchBy  Match  `json:"match_by"`
	Format   string `json:"format"`             // "CSV" or "XLSX"
	Encoding string `json:"encoding,omitempty"` // of a CSV: "UTF-8", "UTF-8 (BOM)", "Shift_JIS"
	// Columns are the keys of the columns found, in file order; Ignored
	// the headers that name no column.
	Columns []string `json:"columns"`
	Ignored []string `json:"ignored"`
	// Rows counts the data rows read; the others count them by outcome.
	Rows      int `json:"rows"`
	Created   int `json:"create"`
	Updated   int `json:"update"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"error"`
	// ProblemCount counts every problem; Problems keeps the first
	// MaxReported and Items the first MaxReported rows.
	ProblemCount int         `json:"problem_count"`
	Problems     []Problem   `json:"problems"`
	Items        []RowReport `json:"items"`
	// File is set when the file as a whole could not be read (not a
	// table, too large, a column twice, the name column missing…); the
	// rows before it may have been reported.
	File *Problem `json:"file,omitempty"`
	// Applied is set by Import when the changes were committed.
	Applied bool `json:"applied"`
}

// OK reports whether every row can be applied.
func (r *Report) OK() bool { return r.File == nil && r.Failed == 0 }

// Truncated reports whether rows or problems were left out of the report.
func (r *Report) Truncated() bool {
	return r.Rows > len(r.Items) || r.ProblemCount > len(r.Problems)
}

// ErrHasProblems is returned by Import when the file has problems; the
// report names them and nothing was written.
var ErrHasProblems = errors.New("the file has problems; nothing was imported")

// Text is a problem in the reader's words: 「3行目・機密性: 「4」は選べません
// （3A, 3B, 3C, 2, 1のいずれか）」.
func Text(cat *i18n.Catalog, lang string, p Problem) string {
	msg := cat.T(lang, p.Key, p.MessageArgs(lang)...)
	switch {
	case len(p.Key) > 8 && p.Key[:8] == "tabular.":
		// The reader's own messages already say where.
		return msg
	case p.Row > 0 && p.Header != "":
		return cat.T(lang, "assetfile.at_cell", p.Row, p.Header, msg)
	case p.Row > 0:
		return cat.T(lang, "assetfile.at_row", p.Row, msg)
	case p.Header != "":
		return cat.T(lang, "assetfile.at_column", p.Header, msg)
	}
	return msg
}

// MessageArgs are the arguments of the problem's message in lang: Args,
// and the list of choices when the message names them. The message alone
// (without where) is cat.T(lang, p.Key, p.MessageArgs(lang)...).
func (p Problem) MessageArgs(lang string) []any {
	if p.Vocab == "" {
		return p.Args
	}
	v := vocabByName(p.Vocab)
	if v == nil {
		return p.Args
	}
	return append(append([]any(nil), p.Args...), joinWords(lang, v.labels(lang)))
}

// joinWords lists words as the language does.
func joinWords(lang string, words []string) string {
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	out := ""
	for i, w := range words {
		if i > 0 {
			out += sep
		}
		out += w
	}
	return out
}

func vocabByName(name string) *vocab {
	for _, v := range []*vocab{kinds, domains, statuses, facts, yesNo} {
		if v.name == name {
			return v
		}
	}
	return nil
}

// fileProblem turns an error of the table reader into a problem with the
// file, or returns nil when err is not about the data.
func fileProblem(err error) *Problem {
	var te *tabular.Error
	if !errors.As(err, &te) {
		return nil
	}
	p := &Problem{Row: te.Row, Key: te.Key, Args: te.Args}
	if te.Column > 0 {
		p.Cell = tabular.ColumnName(te.Column - 1)
	}
	return p
}
