package trail

import (
	"context"

	"mamori/internal/db"
)

// VerifyInParts is Verify with a chain read in up to parts parts of at
// least minPart entries, so tests reach the seams with short chains.
func VerifyInParts(ctx context.Context, q db.Querier, minPart int64, parts int) (Report, error) {
	return verify(ctx, q, minPart, parts)
}
