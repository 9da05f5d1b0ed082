package web

// Two versions of a document side by side, clause by clause
// (doctext.Compare through policy.Compare, which applies need-to-know):
// what was taken out on the left, what was put in on the right, added and
// removed clauses marked, and unchanged ones folded away on request.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
)

// comparePage is the comparison of two versions.
type comparePage struct {
	Document policy.Document
	Versions []policy.Version
	// Enough is false when the document has fewer than two versions the
	// reader may see.
	Enough  bool
	From    policy.Version
	To      policy.Version
	FromURL string
	ToURL   string
	Rows    []compareRow
	// OnlyChanged hides clauses without changes; ToggleURL flips it.
	OnlyChanged bool
	ToggleURL   string
	Added       int
	Removed     int
	Changed     int
}

// compareRow is one clause of the comparison.
type compareRow struct {
	Ident  string
	Kind   string
	Anchor string
	// The clause's number and heading on each side ("" where it is not).
	BeforeNumber, AfterNumber   string
	BeforeHeading, AfterHeading []doctext.Span
	// Before and After are the text's pieces on each side: the left
	// without what was inserted, the right without what was deleted.
	Before, After []doctext.Span
}

// StatusBadge is the badge class of the clause's change.
func (c compareRow) StatusBadge() string {
	switch doctext.ChangeKind(c.Kind) {
	case doctext.Added:
		return "badge-success"
	case doctext.Removed:
		return "badge-danger"
	case doctext.Changed:
		return "badge-warning"
	}
	return "badge-neutral"
}

func (s *Server) documentCompare(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	d, err := policy.GetDocument(ctx, s.db, sc, p, docID)
	if err != nil {
		return err
	}
	versions, err := policy.ListVersions(ctx, s.db, sc, p, docID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page := comparePage{Document: d, Versions: versions, OnlyChanged: q.Get("only") == "changed"}
	title := s.cat.T(s.lang(r), "documentweb.compare_title_of", documentTitle(d))
	from, to := int64(0), int64(0)
	if v := q.Get("from"); v != "" {
		if from, err = strconv.ParseInt(v, 10, 64); err != nil || from <= 0 {
			return notFound
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = strconv.ParseInt(v, 10, 64); err != nil || to <= 0 {
			return notFound
		}
	}
	// Without a choice: the newest version against the one before it.
	if to == 0 && len(versions) > 0 {
		to = versions[0].ID
	}
	if from == 0 {
		for i, v := range versions {
			if v.ID == to && i+1 < len(versions) {
				from = versions[i+1].ID
			}
		}
	}
	if from == 0 || to == 0 {
		return s.renderTitled(w, r, "document_compare", title, page)
	}
	cmp, err := policy.Compare(ctx, s.db, sc, p, docID, from, to)
	if errors.Is(err, db.ErrNotFound) {
		return err
	}
	if err != nil {
		return err
	}
	page.Enough = true
	page.From, page.To = cmp.From, cmp.To
	page.FromURL, page.ToURL = versionURL(docID, cmp.From.ID), versionURL(docID, cmp.To.ID)
	toggle := url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}
	if !page.OnlyChanged {
		toggle.Set("only", "changed")
	}
	page.ToggleURL = withQuery(documentURL(docID)+"/compare", toggle)
	for _, c := range cmp.Changes {
		switch c.Kind {
		case doctext.Added:
			page.Added++
		case doctext.Removed:
			page.Removed++
		case doctext.Changed:
			page.Changed++
		}
		if page.OnlyChanged && c.Kind == doctext.Same {
			continue
		}
		page.Rows = append(page.Rows, compareRowOf(c))
	}
	return s.renderTitled(w, r, "document_compare", title, page)
}

// compareRowOf splits a clause's change into its two sides.
func compareRowOf(c doctext.ClauseChange) compareRow {
	row := compareRow{Ident: c.Ident, Kind: string(c.Kind), Anchor: "c-" + c.Ident}
	if c.Before != nil {
		row.BeforeNumber = c.Before.Number
	}
	if c.After != nil {
		row.AfterNumber = c.After.Number
	}
	side := func(spans []doctext.Span, fallback *doctext.Clause, heading bool, leave doctext.Op) []doctext.Span {
		if len(spans) == 0 {
			if fallback == nil {
				return nil
			}
			text := fallback.Text
			if heading {
				text = fallback.Heading
			}
			if text == "" {
				return nil
			}
			op := doctext.Equal
			switch c.Kind {
			case doctext.Added:
				op = doctext.Insert
			case doctext.Removed:
				op = doctext.Delete
			}
			return []doctext.Span{{Op: op, Text: text}}
		}
		var out []doctext.Span
		for _, sp := range spans {
			if sp.Op != leave {
				out = append(out, sp)
			}
		}
		return out
	}
	row.BeforeHeading = side(c.Heading, c.Before, true, doctext.Insert)
	row.AfterHeading = side(c.Heading, c.After, true, doctext.Delete)
	row.Before = side(c.Text, c.Before, false, doctext.Insert)
	row.After = side(c.Text, c.After, false, doctext.Delete)
	return row
}
