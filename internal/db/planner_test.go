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
	for setting, want := range map[string]string{"random_page_cost": "1.1", "plan_cache_mode": "force_custom_plan"} {
		var v string
		if err := d.QueryRowContext(context.Background(), `SHOW `+setting).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != want {
			t.Errorf("%s = %s, want %s", setting, v, want)
		}
	}
}
