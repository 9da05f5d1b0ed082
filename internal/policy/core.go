package policy

// This file holds the signatures still being filled in; replace each stub
// where it is implemented.

import (
	"context"

	"mamori/internal/db"
	"mamori/internal/scope"
)

// SeedBasicPolicy loads the organisation's own basic policy, shipped in the
// binary, as version 1 of the 基本方針: effective 平成28年4月1日, public,
// published. Called at first start.
func SeedBasicPolicy(ctx context.Context, tx *db.Tx, sc scope.Scope) (Document, error) {
	return Document{}, errNotYet
}
