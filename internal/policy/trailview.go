package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// redactedJSON replaces the before/after of a trail entry the reader may
// not see.
const redactedJSON = `{"title":"***"}`

// RedactTrail hides the before/after of trail entries about documents the
// reader may not read (restricted ones outside their access), as
// asset.RedactTrail does for assets. Entries about a version (or a comment
// on one) are hidden too when the version was not published in the entry
// and the reader does not see drafts. The trail page, its CSV export and
// the API pass entries through here. Entries are changed in place.
func RedactTrail(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, entries []trail.Entry) error {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return err
	}
	docOf := map[string]map[int64]int64{EntityDocument: {}, EntityVersion: {}, EntityComment: {}} // entity → id → document
	for _, e := range entries {
		if m, ok := docOf[e.Entity]; ok {
			if id, err := strconv.ParseInt(e.EntityID, 10, 64); err == nil {
				m[id] = 0
			}
		}
	}
	for id := range docOf[EntityDocument] {
		docOf[EntityDocument][id] = id
	}
	if err := mapIDs(ctx, q, `SELECT id, document_id FROM document_versions WHERE org_id = ? AND id IN `, sc.OrgID, docOf[EntityVersion]); err != nil {
		return err
	}
	if err := mapIDs(ctx, q, `SELECT c.id, v.document_id FROM document_comments c JOIN document_versions v ON v.org_id = c.org_id AND v.id = c.version_id
		WHERE c.org_id = ? AND c.id IN `, sc.OrgID, docOf[EntityComment]); err != nil {
		return err
	}
	docs := map[int64]bool{}
	for _, m := range docOf {
		for _, d := range m {
			if d != 0 {
				docs[d] = false
			}
		}
	}
	if len(docs) > 0 {
		ids := make([]any, 0, len(docs)+1)
		ids = append(ids, sc.OrgID)
		for d := range docs {
			ids = append(ids, d)
		}
		c, cargs := r.cond("d")
		rows, err := q.QueryContext(ctx, `SELECT d.id FROM documents d WHERE d.org_id = ? AND d.id IN (`+placeholders(len(docs))+`) AND `+c,
			append(ids, cargs...)...)
		if err != nil {
			return fmt.Errorf("cannot judge trail entries: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("cannot judge trail entries: %w", err)
			}
			docs[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("cannot judge trail entries: %w", err)
		}
	}
	for i := range entries {
		e := &entries[i]
		m, ok := docOf[e.Entity]
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(e.EntityID, 10, 64)
		// An entry naming no single record (or one that is gone) is judged
		// by nothing: hidden.
		hide := err != nil || !docs[m[id]]
		if !hide && !r.editor && e.Entity != EntityDocument && e.Action != trail.Denied {
			// (A refusal records the rule and the status, never text.)
			// A version's text before publication is for those who see drafts.
			hide = e.Entity == EntityComment || unpublished(e.Before) || unpublished(e.After)
		}
		if hide {
			if e.Before != "" {
				e.Before = redactedJSON
			}
			if e.After != "" {
				e.After = redactedJSON
			}
		}
	}
	return nil
}

// unpublished reports whether a version snapshot shows a version before
// its publication.
func unpublished(raw string) bool {
	if raw == "" {
		return false
	}
	var s struct {
		Status Status `json:"status"`
	}
	if json.Unmarshal([]byte(raw), &s) != nil {
		return true
	}
	return s.Status != Published && s.Status != Superseded
}

// mapIDs fills m (id → document id) from a query ending in "id IN ".
func mapIDs(ctx context.Context, q db.Querier, query string, orgID int64, m map[int64]int64) error {
	if len(m) == 0 {
		return nil
	}
	args := make([]any, 0, len(m)+1)
	args = append(args, orgID)
	for id := range m {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, strings.TrimSpace(query)+` (`+placeholders(len(m))+`)`, args...)
	if err != nil {
		return fmt.Errorf("cannot judge trail entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, doc int64
		if err := rows.Scan(&id, &doc); err != nil {
			return fmt.Errorf("cannot judge trail entries: %w", err)
		}
		m[id] = doc
	}
	return rows.Err()
}
