package demo_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/demo"
	"mamori/internal/firststart"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// TestSeedSmall seeds the small demo data set on both engines and checks
// what a person trying mamori out would find: the departments, people and
// assets, accounts they can sign in with, an intact trail, and the same
// data again from the same seed number.
func TestSeedSmall(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := firststart.Bootstrap(ctx, d, "", "first-start-password-123", io.Discard); err != nil {
			t.Fatal(err)
		}
		o, err := org.First(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		sc := scope.System(o.ID, "demo test")
		if err := demo.Seed(ctx, d, sc, demo.Options{Scale: "small", Seed: 7}); err != nil {
			t.Fatal(err)
		}
		want := demo.Scales["small"]
		count := func(query string) int {
			t.Helper()
			var n int
			if err := d.QueryRowContext(ctx, query, o.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM departments WHERE org_id = ?`); n != 50 {
			t.Errorf("%d departments, want 50", n)
		}
		// The administrator from the first start, and the demo's people.
		if n := count(`SELECT COUNT(*) FROM people WHERE org_id = ?`); n != want.People+1 {
			t.Errorf("%d people, want %d", n, want.People+1)
		}
		if n := count(`SELECT COUNT(*) FROM assets WHERE org_id = ?`); n != want.Assets {
			t.Errorf("%d assets, want %d", n, want.Assets)
		}
		// The basic policy from the first start, and the demo's documents.
		if n := count(`SELECT COUNT(*) FROM documents WHERE org_id = ?`); n != want.Documents+1 {
			t.Errorf("%d documents, want %d", n, want.Documents+1)
		}
		if n := count(`SELECT COUNT(*) FROM document_versions WHERE org_id = ? AND status IN ('published', 'superseded')`); n != want.Versions+1 {
			t.Errorf("%d published versions, want %d", n, want.Versions+1)
		}
		if n := count(`SELECT COUNT(*) FROM acknowledgements WHERE org_id = ? AND acknowledged_at IS NOT NULL`); n < want.Versions*want.People/2 {
			t.Errorf("%d acknowledgements, want most people to have acknowledged", n)
		}
		// Three campaigns over everyone, 100 items each; the latest open
		// with about a tenth yet to answer.
		if n := count(`SELECT COUNT(*) FROM campaigns WHERE org_id = ?`); n != 3 {
			t.Errorf("%d campaigns, want 3", n)
		}
		everyone := want.People + 1
		if n := count(`SELECT COUNT(*) FROM campaign_answers WHERE org_id = ?`); n < 100*everyone*27/10 || n > 100*everyone*3 {
			t.Errorf("%d answers, want about %d", n, 100*everyone*29/10)
		}
		if n := count(`SELECT COUNT(*) FROM campaign_respondents WHERE org_id = ? AND items_answered = items_total AND submitted_at IS NOT NULL`); n < everyone*27/10 {
			t.Errorf("%d finished respondents", n)
		}
		if n := count(`SELECT COALESCE(SUM(n), 0) FROM campaign_tallies WHERE org_id = ?`); n != count(`SELECT COUNT(*) FROM campaign_answers WHERE org_id = ?`) {
			t.Errorf("tallies count %d answers", n)
		}
		if n := count(`SELECT COUNT(*) FROM assets WHERE org_id = ? AND grams_pending = TRUE`); n != 0 {
			t.Errorf("%d assets left out of the search index", n)
		}
		for _, login := range []string{"demo-ciso", "demo-officer-01", "demo-staff-10"} {
			if _, err := auth.Authenticate(ctx, d, login, demo.Password, "127.0.0.1", "test"); err != nil {
				t.Errorf("sign in as %s: %v", login, err)
			}
		}
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) > 0 {
			t.Errorf("trail verify: %+v, %v", rep, err)
		}
		if err := demo.Seed(ctx, d, sc, demo.Options{Scale: "small", Seed: 7}); !errors.Is(err, demo.ErrSeeded) {
			t.Errorf("second seed: %v, want ErrSeeded", err)
		}
	})
}
