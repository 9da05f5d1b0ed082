package policy

import (
	"context"

	"mamori/internal/db"
	"mamori/internal/scope"
)

// requestAcknowledgements asks everyone in the document's acknowledgement
// scope (active people of its staff categories and departments) to
// acknowledge a version just published, in Publish's transaction. It
// returns how many were asked.
func requestAcknowledgements(ctx context.Context, tx *db.Tx, sc scope.Scope, d Document, v Version) (int, error) {
	return 0, errNotYet
}
