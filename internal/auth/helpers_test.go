package auth_test

import (
	"context"
	"mamori/internal/auth"
	"testing"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// The org package is written separately, so tests make their own rows.

func newOrg(t *testing.T, d *db.DB, name string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.Transact(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO organisations (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`,
			name, now, now).Scan(&id); err != nil {
			return err
		}
		return trail.Start(ctx, tx, id)
	})
	if err != nil {
		t.Fatalf("new organisation: %v", err)
	}
	return id
}

func newPerson(t *testing.T, d *db.DB, orgID int64, name string) int64 {
	t.Helper()
	var id int64
	now := db.Now()
	err := d.QueryRowContext(context.Background(), `INSERT INTO people (org_id, name, staff_category, created_at, updated_at)
		VALUES (?, ?, 'regular', ?, ?) RETURNING id`, orgID, name, now, now).Scan(&id)
	if err != nil {
		t.Fatalf("new person: %v", err)
	}
	return id
}

func setActive(t *testing.T, d *db.DB, orgID, personID int64, active bool) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), `UPDATE people SET active = ? WHERE org_id = ? AND id = ?`,
		active, orgID, personID); err != nil {
		t.Fatalf("set active: %v", err)
	}
}

func adminScope(orgID int64) scope.Scope {
	return scope.Scope{OrgID: orgID, ActorID: 0, ActorName: "test", RequestID: "req-test", ClientAddr: "192.0.2.1"}
}

// mustTx runs fn in a transaction and fails the test on error.
func mustTx(t *testing.T, d *db.DB, fn func(tx *db.Tx) error) {
	t.Helper()
	if err := d.Transact(context.Background(), fn); err != nil {
		t.Fatalf("transaction: %v", err)
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func trailOf(t *testing.T, d *db.DB, orgID int64, f trail.Filter) []trail.Entry {
	t.Helper()
	es, err := trail.List(context.Background(), d, scope.Scope{OrgID: orgID}, f)
	if err != nil {
		t.Fatalf("trail: %v", err)
	}
	return es
}

func verifyTrail(t *testing.T, d *db.DB) {
	t.Helper()
	rep, err := trail.Verify(context.Background(), d)
	if err != nil {
		t.Fatalf("verify trail: %v", err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("trail broken: %v", rep.Problems[0])
	}
}

func weakHash(pw string) string { return auth.WeakHashForTest(pw) }
