package policy_test

import (
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
)

// A draft that numbers two clauses alike is refused, naming the number as
// written, so links to clauses never become ambiguous.
func TestDuplicateClauseNumberRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		in := input(policy.Standard, "重複のある対策基準", "## 1 目的\n\n本文。\n\n### (1) 範囲\n\n本文。\n\n### (1) 再び\n\n本文。\n")
		err := e.tx(func(tx *db.Tx) error {
			_, _, err := policy.CreateDocument(ctx, tx, e.as(e.director), e.director, in)
			return err
		})
		if got := fieldKey(err, "body"); got != "policy.duplicate_clause" {
			t.Fatalf("error %v (key %q), want policy.duplicate_clause on body", err, got)
		}
	})
}
