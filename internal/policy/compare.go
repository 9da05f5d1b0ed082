package policy

import (
	"context"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
)

// Comparison is two versions side by side, clause by clause.
type Comparison struct {
	From    Version                `json:"from"`
	To      Version                `json:"to"`
	Changes []doctext.ClauseChange `json:"changes"`
}

// Compare sets two versions of a document side by side. Both must be
// versions the principal may see: a version before publication is
// compared only by those who see drafts, and nothing of a document they
// may not read is compared at all (db.ErrNotFound, as for a missing one).
func Compare(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, fromID, toID int64) (Comparison, error) {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return Comparison{}, err
	}
	from, err := getVersion(ctx, q, sc, r, docID, fromID)
	if err != nil {
		return Comparison{}, err
	}
	to, err := getVersion(ctx, q, sc, r, docID, toID)
	if err != nil {
		return Comparison{}, err
	}
	changes := doctext.Compare(from.Clauses, to.Clauses)
	if changes == nil {
		changes = []doctext.ClauseChange{}
	}
	return Comparison{From: from, To: to, Changes: changes}, nil
}
