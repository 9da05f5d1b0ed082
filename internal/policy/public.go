package policy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"mamori/internal/db"
	"mamori/internal/scope"
)

// The public pages (/public) show the organisation's public documents in
// effect to anyone, signed in or not: only documents whose visibility is
// public and that have a published version, and only that version.

const publicCond = `d.visibility = 'public' AND d.current_version_id IS NOT NULL`

// ListPublic lists the organisation's public documents in effect, for
// /public (no one is signed in).
func ListPublic(ctx context.Context, q db.Querier, orgID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+documentColumns+`, v.id, v.version_no, v.status, v.effective_date
		FROM documents d JOIN document_versions v ON v.org_id = d.org_id AND v.id = d.current_version_id
		WHERE d.org_id = ? AND `+publicCond+` ORDER BY `+typeRank+`, d.number, d.id LIMIT 1000`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list public documents: %w", err)
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var status string
		d, err := scanDocument(rows, &it.VersionID, &it.VersionNo, &status, &it.EffectiveDate)
		if err != nil {
			return nil, fmt.Errorf("cannot list public documents: %w", err)
		}
		// Who may read what is nobody's business on a public page.
		d.Access, d.OwnerID = []Access{}, 0
		it.Document, it.Status = d, Status(status)
		out = append(out, it)
	}
	return out, rows.Err()
}

// GetPublic returns a public document's version in effect, with clauses.
func GetPublic(ctx context.Context, q db.Querier, orgID, docID int64) (Document, Version, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.org_id = ? AND d.id = ? AND `+publicCond, orgID, docID))
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, Version{}, fmt.Errorf("public document %d: %w", docID, db.ErrNotFound)
	}
	if err != nil {
		return Document{}, Version{}, fmt.Errorf("cannot load public document %d: %w", docID, err)
	}
	d.OwnerID = 0
	v, err := loadVersion(ctx, q, scope.Scope{OrgID: orgID}, docID, d.CurrentVersionID)
	if err != nil {
		return Document{}, Version{}, err
	}
	// The names of the people who wrote and approved it stay inside.
	v.AuthorID, v.AuthorName, v.ApprovedBy, v.ApproverName = 0, "", 0, ""
	return d, v, nil
}
