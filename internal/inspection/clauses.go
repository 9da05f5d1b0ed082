package inspection

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/textfold"
	"mamori/internal/validate"
)

// ClauseRef points at a clause of a policy document: the clause
// identifier as the document numbers it ("6-(3)-①").
type ClauseRef struct {
	DocumentID int64  `json:"document_id,string"`
	Ident      string `json:"clause"`
}

// ClauseLink is a clause an item checks, with the words people use for it:
// "基本方針 6-(3)-①".
type ClauseLink struct {
	ClauseRef
	Label string `json:"label"`
	// Document is the name the label uses for the document.
	Document string `json:"document"`
}

// typeNames are the names offices give the document types in a checklist:
// a reference "基本方針 6-(3)-①" means the one basic policy.
var typeNames = map[string]string{
	"basic_policy":   "基本方針",
	"standard":       "対策基準",
	"procedure":      "実施手順",
	"emergency_plan": "緊急時対応計画",
	"guideline":      "ガイドライン",
}

// clauseDoc is a policy document as clause references name it.
type clauseDoc struct {
	id, versionID int64
	docType       string
	title, number string
	name          string // the name labels use
}

// clauseDirectory resolves clause references ("基本方針 6-(3)-①") against
// the organisation's documents and the clauses of their versions in
// effect. It is loaded once per import or form and is not safe for
// concurrent use.
type clauseDirectory struct {
	ctx    context.Context
	q      db.Querier
	sc     scope.Scope
	docs   []clauseDoc
	byName map[string][]int // folded name → indexes into docs
	idents map[int64]map[string]string
}

func loadClauseDirectory(ctx context.Context, q db.Querier, sc scope.Scope) (*clauseDirectory, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, doc_type, title, number, COALESCE(current_version_id, 0)
		FROM documents WHERE org_id = ? ORDER BY id`, sc.OrgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list policy documents: %w", err)
	}
	defer rows.Close()
	d := &clauseDirectory{ctx: ctx, q: q, sc: sc, byName: map[string][]int{}, idents: map[int64]map[string]string{}}
	perType := map[string]int{}
	for rows.Next() {
		var c clauseDoc
		if err := rows.Scan(&c.id, &c.docType, &c.title, &c.number, &c.versionID); err != nil {
			return nil, fmt.Errorf("cannot read policy document: %w", err)
		}
		d.docs = append(d.docs, c)
		perType[c.docType]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list policy documents: %w", err)
	}
	for i := range d.docs {
		c := &d.docs[i]
		c.name = c.title
		// The one document of its type is named by its type, as offices
		// write it: 基本方針, 対策基準.
		if tn, ok := typeNames[c.docType]; ok && perType[c.docType] == 1 {
			c.name = tn
			d.add(tn, i)
		}
		d.add(c.title, i)
		if c.number != "" {
			d.add(c.number, i)
		}
	}
	return d, nil
}

func (d *clauseDirectory) add(name string, i int) {
	k := foldName(name)
	if k == "" {
		return
	}
	for _, x := range d.byName[k] {
		if x == i {
			return
		}
	}
	d.byName[k] = append(d.byName[k], i)
}

// foldName is the matching form of a document name: width-folded, lower
// case, without white space.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, textfold.Fold(s))
}

// foldIdent is the matching form of a clause identifier: full-width
// digits, letters and brackets as ASCII, the dashes people type as "-".
func foldIdent(s string) string {
	s = textfold.Width(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case 'ー', '−', '‐', '‑', '–', '—', '―', 'ｰ':
			return '-'
		case '〔', '［':
			return '('
		case '〕', '］':
			return ')'
		}
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// clauseProblem is why a reference cannot be resolved: a message key and
// its arguments.
type clauseProblem struct {
	key  string
	args []any
}

// doc finds a document by name.
func (d *clauseDirectory) doc(name string) (int, *clauseProblem) {
	hits := d.byName[foldName(name)]
	switch len(hits) {
	case 0:
		return -1, &clauseProblem{"checklist.clause_unknown_document", []any{name}}
	case 1:
		return hits[0], nil
	}
	return -1, &clauseProblem{"checklist.clause_ambiguous_document", []any{name}}
}

// docIndex finds a document by id.
func (d *clauseDirectory) docIndex(id int64) int {
	for i, c := range d.docs {
		if c.id == id {
			return i
		}
	}
	return -1
}

// ident checks that the document's version in effect has the clause and
// returns its identifier as the document writes it.
func (d *clauseDirectory) ident(i int, ident string) (string, *clauseProblem, error) {
	c := d.docs[i]
	if c.versionID == 0 {
		return "", &clauseProblem{"checklist.clause_no_version", []any{c.name}}, nil
	}
	m, ok := d.idents[c.versionID]
	if !ok {
		var err error
		if m, err = d.loadIdents(c.versionID); err != nil {
			return "", nil, err
		}
		d.idents[c.versionID] = m
	}
	got, ok := m[foldIdent(ident)]
	if !ok {
		return "", &clauseProblem{"checklist.clause_unknown", []any{ident, c.name}}, nil
	}
	return got, nil, nil
}

// loadIdents reads the clause identifiers of a version by their matching form.
func (d *clauseDirectory) loadIdents(versionID int64) (map[string]string, error) {
	rows, err := d.q.QueryContext(d.ctx, `SELECT ident FROM document_clauses WHERE org_id = ? AND version_id = ?`, d.sc.OrgID, versionID)
	if err != nil {
		return nil, fmt.Errorf("cannot list clauses of version %d: %w", versionID, err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("cannot read clause: %w", err)
		}
		m[foldIdent(s)] = s
	}
	return m, rows.Err()
}

// splitRefs splits the text of a 関連条項 cell into references.
func splitRefs(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ';', '；', '\n', '\r', '、', ',', '，':
			return true
		}
		return false
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parse resolves the text of a 関連条項 cell: references separated by
// ";" (or "；", "、", a line break), each "document clause" with a space
// between ("基本方針 6-(3)-①"). A reference without a document name takes
// the previous one's ("基本方針 6-(3)-①; 6-(4)").
func (d *clauseDirectory) parse(text string) ([]ClauseRef, *clauseProblem, error) {
	var out []ClauseRef
	last := -1
	for _, ref := range splitRefs(text) {
		name, ident := splitRef(ref)
		i := last
		if name != "" {
			var p *clauseProblem
			if i, p = d.doc(name); p != nil {
				// "基本方針6-(3)-①" without the space: a known name
				// at the start.
				j, rest := d.prefixDoc(ref)
				if j < 0 {
					return nil, p, nil
				}
				i, ident = j, rest
			}
		} else if i < 0 {
			// The whole reference may be a name followed by the clause
			// without a space.
			j, rest := d.prefixDoc(ref)
			if j < 0 {
				return nil, &clauseProblem{"checklist.clause_no_document", []any{ref}}, nil
			}
			i, ident = j, rest
		}
		if strings.TrimSpace(ident) == "" {
			return nil, &clauseProblem{"checklist.clause_missing", []any{ref}}, nil
		}
		got, p, err := d.ident(i, ident)
		if p != nil || err != nil {
			return nil, p, err
		}
		last = i
		r := ClauseRef{DocumentID: d.docs[i].id, Ident: got}
		dup := false
		for _, x := range out {
			dup = dup || x == r
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out, nil, nil
}

// splitRef splits "基本方針 6-(3)-①" at its last space into the document
// name and the clause; a reference without a space is all clause.
func splitRef(ref string) (name, ident string) {
	ref = strings.TrimSpace(ref)
	i := strings.LastIndexFunc(ref, unicode.IsSpace)
	if i < 0 {
		return "", ref
	}
	_, size := firstRune(ref[i:])
	return strings.TrimSpace(ref[:i]), strings.TrimSpace(ref[i+size:])
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// prefixDoc finds the longest document name the reference starts with.
func (d *clauseDirectory) prefixDoc(ref string) (int, string) {
	f := foldName(ref)
	best, bestLen := -1, 0
	names := make([]string, 0, len(d.byName))
	for k := range d.byName {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if len(d.byName[k]) == 1 && strings.HasPrefix(f, k) && len(k) > bestLen {
			best, bestLen = d.byName[k][0], len(k)
		}
	}
	if best < 0 {
		return -1, ""
	}
	// Cut as many runes of the original as the folded name has: folding
	// keeps the number of characters apart from the spaces it drops.
	want := len([]rune(foldName(ref)[:bestLen]))
	n := 0
	for i, r := range ref {
		if unicode.IsSpace(r) {
			continue
		}
		if n == want {
			return best, ref[i:]
		}
		n++
	}
	return best, ""
}

// check verifies structured references (from the API): the document
// exists and its version in effect has the clause.
func (d *clauseDirectory) check(refs []ClauseRef) ([]ClauseRef, *clauseProblem, error) {
	var out []ClauseRef
	for _, r := range refs {
		i := d.docIndex(r.DocumentID)
		if i < 0 {
			return nil, &clauseProblem{"checklist.clause_unknown_document", []any{fmt.Sprintf("#%d", r.DocumentID)}}, nil
		}
		got, p, err := d.ident(i, r.Ident)
		if p != nil || err != nil {
			return nil, p, err
		}
		ref := ClauseRef{DocumentID: r.DocumentID, Ident: got}
		dup := false
		for _, x := range out {
			dup = dup || x == ref
		}
		if !dup {
			out = append(out, ref)
		}
	}
	return out, nil, nil
}

// label names a clause as offices write it: "基本方針 6-(3)-①".
func (d *clauseDirectory) label(r ClauseRef) ClauseLink {
	l := ClauseLink{ClauseRef: r}
	if i := d.docIndex(r.DocumentID); i >= 0 {
		l.Document = d.docs[i].name
	} else {
		l.Document = fmt.Sprintf("#%d", r.DocumentID)
	}
	l.Label = l.Document + " " + r.Ident
	return l
}

// FormatClauses writes links as a 関連条項 cell: "基本方針 6-(3)-①; 対策基準 2-(1)".
func FormatClauses(links []ClauseLink) string {
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = l.Label
	}
	return strings.Join(parts, "; ")
}

// resolve turns an item's clause input (the text of a 関連条項 cell, or
// structured references) into references, adding a problem to e under
// field when one cannot be resolved.
func (d *clauseDirectory) resolve(e validate.Errors, field string, refs []ClauseRef, text string) ([]ClauseRef, error) {
	var out []ClauseRef
	var p *clauseProblem
	var err error
	if strings.TrimSpace(text) != "" {
		out, p, err = d.parse(text)
	} else if len(refs) > 0 {
		out, p, err = d.check(refs)
	}
	if err != nil {
		return nil, err
	}
	if p != nil {
		e.Add(field, p.key, p.args...)
		return nil, nil
	}
	return out, nil
}
