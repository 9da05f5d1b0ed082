package db_test

import (
	"context"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// PostgreSQL sessions plan for solid-state storage (see plannerSettings).
func TestPostgresPlannerSettings(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.Postgres)
	var v string
	if err := d.QueryRowContext(context.Background(), `SHOW random_page_cost`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "1.1" {
		t.Errorf("random_page_cost = %s, want 1.1", v)
	}
}
