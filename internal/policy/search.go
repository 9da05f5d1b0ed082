package policy

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/textfold"
	"mamori/internal/validate"
)

// ListFilter selects documents for a list or a search.
type ListFilter struct {
	Q      string // words that must all occur in the title or text
	Type   Type
	Cursor string
	Limit  int
}

// Page limits and the bound of a search.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	MaxQuery     = 100
	maxTerms     = 5
)

// Validate checks the filter.
func (f *ListFilter) Validate() error {
	e := validate.Errors{}
	f.Q = e.Text("q", f.Q, false, MaxQuery, false)
	if f.Type != "" && !f.Type.IsValid() {
		e.Add("type", "error.invalid_choice")
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		e.Add("limit", "error.range", 1, MaxLimit)
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	return e.Err()
}

// Item is a document in a list: its settings and the version a reader
// sees (the published one; for editors the newest when none is).
type Item struct {
	Document
	VersionID     int64  `json:"version_id,string"`
	VersionNo     int    `json:"version"`
	Status        Status `json:"status"`
	EffectiveDate string `json:"effective_date"`
	// Snippet is a short piece of the matching text for a search.
	Snippet string `json:"snippet,omitempty"`
	// HasDraft says a newer version is being written (editors only).
	HasDraft bool `json:"has_draft"`
}

// Page is one page of a list.
type Page struct {
	Items      []Item `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// typeRank orders documents by type: the basic policy, standards,
// procedures, plans, other guidance.
const typeRank = `CASE d.doc_type WHEN 'basic_policy' THEN 0 WHEN 'standard' THEN 1 WHEN 'procedure' THEN 2 WHEN 'emergency_plan' THEN 3 ELSE 4 END`

// listCursor is where a page ended: the last row's type rank, number and
// id. It carries nothing the reader did not see on that page.
type listCursor struct {
	rank   int
	number string
	id     int64
}

func (c listCursor) encode() string {
	s := strings.Join([]string{"1", strconv.Itoa(c.rank), strconv.FormatInt(c.id, 10), c.number}, "\x1f")
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeListCursor(s string) (listCursor, error) {
	bad := validate.Errors{"cursor": {Key: "error.invalid_cursor"}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return listCursor{}, bad
	}
	parts := strings.SplitN(string(b), "\x1f", 4)
	if len(parts) != 4 || parts[0] != "1" {
		return listCursor{}, bad
	}
	var c listCursor
	if c.rank, err = strconv.Atoi(parts[1]); err != nil || c.rank < 0 || c.rank > 4 {
		return listCursor{}, bad
	}
	if c.id, err = strconv.ParseInt(parts[2], 10, 64); err != nil || c.id < 0 {
		return listCursor{}, bad
	}
	c.number = parts[3]
	return c, nil
}

// shownVersion is the version of a document aliased d that a list shows:
// the one in effect, or for those who see drafts the newest when none is.
func (r reader) shownVersion() string {
	if r.editor {
		return `COALESCE(d.current_version_id, (SELECT MAX(x.id) FROM document_versions x WHERE x.org_id = d.org_id AND x.document_id = d.id))`
	}
	return `d.current_version_id`
}

// ListDocuments lists (and with f.Q searches) the documents the principal
// may read, by type and number. A search matches the folded title and
// text of the version the reader is shown, after the visibility
// condition: a document the reader may not read never matches, whatever
// its text. Pages are read by keyset (type, number, id).
func ListDocuments(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f ListFilter) (Page, error) {
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return Page{}, err
	}
	terms := textfold.Terms(f.Q, maxTerms)
	c, cargs := r.cond("d")
	where := []string{"d.org_id = ?", c}
	args := append([]any{sc.OrgID}, cargs...)
	if f.Type != "" {
		where = append(where, "d.doc_type = ?")
		args = append(args, string(f.Type))
	}
	for _, t := range terms {
		where = append(where, `v.search_text LIKE ? ESCAPE '\'`)
		args = append(args, textfold.LikePattern(t))
	}
	if f.Cursor != "" {
		cur, err := decodeListCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "("+typeRank+" > ? OR ("+typeRank+" = ? AND (d.number > ? OR (d.number = ? AND d.id > ?))))")
		args = append(args, cur.rank, cur.rank, cur.number, cur.number, cur.id)
	}
	snippet := "''"
	var snippetArgs []any
	if len(terms) > 0 {
		// A piece of the folded text around the first term's first match.
		pos := "instr(v.search_text, ?)"
		if q.Dialect() == db.Postgres {
			pos = "strpos(v.search_text, ?)"
		}
		snippet = "substr(v.search_text, CASE WHEN " + pos + " > 40 THEN " + pos + " - 40 ELSE 1 END, 120)"
		snippetArgs = []any{terms[0], terms[0]}
	}
	hasDraft := "FALSE"
	if r.editor {
		hasDraft = `EXISTS (SELECT 1 FROM document_versions x WHERE x.org_id = d.org_id AND x.document_id = d.id AND x.status IN ('draft', 'in_review', 'approved'))`
	}
	query := `SELECT ` + documentColumns + `, ` + typeRank + `, v.id, v.version_no, v.status, v.effective_date, ` + snippet + `, ` + hasDraft + `
		FROM documents d JOIN document_versions v ON v.org_id = d.org_id AND v.id = ` + r.shownVersion() + `
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY ` + typeRank + `, d.number, d.id LIMIT ?`
	rows, err := q.QueryContext(ctx, query, append(append(snippetArgs, args...), f.Limit+1)...)
	if err != nil {
		return Page{}, fmt.Errorf("cannot list documents: %w", err)
	}
	defer rows.Close()
	page := Page{Items: []Item{}}
	var ranks []int
	for rows.Next() {
		var it Item
		var rank int
		var status string
		d, err := scanDocument(rows, &rank, &it.VersionID, &it.VersionNo, &status, &it.EffectiveDate, &it.Snippet, &it.HasDraft)
		if err != nil {
			return Page{}, fmt.Errorf("cannot list documents: %w", err)
		}
		it.Document, it.Status = d, Status(status)
		it.Snippet = cleanSnippet(it.Snippet)
		page.Items = append(page.Items, it)
		ranks = append(ranks, rank)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("cannot list documents: %w", err)
	}
	rows.Close()
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.NextCursor = listCursor{rank: ranks[f.Limit-1], number: last.Number, id: last.ID}.encode()
	}
	docs := make([]*Document, len(page.Items))
	for i := range page.Items {
		docs[i] = &page.Items[i].Document
	}
	if err := fill(ctx, q, sc, r, docs); err != nil {
		return Page{}, err
	}
	return page, nil
}

// cleanSnippet makes a piece of text one line without Markdown marks.
func cleanSnippet(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("\r", " ", "\n", " ", "\t", " ", "#", "", "*", "", "`", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
