package policy

import (
	"context"
	"fmt"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// exportRecord is what the trail keeps of an export: which version, in
// which form — never the text.
type exportRecord struct {
	VersionID int64  `json:"version_id,string"`
	Version   int    `json:"version"`
	Format    string `json:"format"`
}

// Export returns the version in effect of a document the principal may
// read, for a file (format names it in the trail: "md"), and records the
// export in the trail. A document without a version in effect, or one the
// principal may not read, is db.ErrNotFound.
func Export(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID int64, format string) (Document, Version, error) {
	r, err := newReader(ctx, tx, sc, p)
	if err != nil {
		return Document{}, Version{}, err
	}
	d, err := get(ctx, tx, sc, r, docID)
	if err != nil {
		return Document{}, Version{}, err
	}
	if d.CurrentVersionID == 0 {
		return Document{}, Version{}, fmt.Errorf("document %d has no version in effect: %w", docID, db.ErrNotFound)
	}
	v, err := getVersion(ctx, tx, sc, r, docID, d.CurrentVersionID)
	if err != nil {
		return Document{}, Version{}, err
	}
	return d, v, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: EntityDocument, EntityID: fmt.Sprint(docID),
		After: exportRecord{VersionID: v.ID, Version: v.No, Format: format}})
}
