package trail_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

func newChain(t testing.TB, d *db.DB) scope.Scope {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.Transact(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO organisations (name, created_at, updated_at) VALUES ('t', 0, 0) RETURNING id`).Scan(&id); err != nil {
			return err
		}
		return trail.Start(ctx, tx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return scope.Scope{OrgID: id, ActorID: 7, ActorName: "山田", RequestID: "r1", ClientAddr: "127.0.0.1"}
}

func record(t *testing.T, d *db.DB, sc scope.Scope, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := d.Transact(context.Background(), func(tx *db.Tx) error {
			return trail.Record(context.Background(), tx, sc, trail.Change{Action: trail.Create, Entity: "person", EntityID: fmt.Sprint(i), After: map[string]any{"name": "職員", "n": i}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// tamper runs SQL around the append-only triggers, as someone with direct
// database access would.
func tamper(t *testing.T, d *db.DB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	var drop, create []string
	if d.Dialect() == db.SQLite {
		drop = []string{`DROP TRIGGER trail_entries_no_update`, `DROP TRIGGER trail_entries_no_delete`}
	} else {
		drop = []string{`ALTER TABLE trail_entries DISABLE TRIGGER trail_entries_no_change`}
		create = []string{`ALTER TABLE trail_entries ENABLE TRIGGER trail_entries_no_change`}
	}
	for _, s := range drop {
		if _, err := d.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, one := range strings.Split(stmt, ";") {
		if _, err := d.ExecContext(ctx, one, args...); err != nil {
			t.Fatalf("%s: %v", one, err)
		}
	}
	for _, s := range create {
		if _, err := d.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyFindsTheFirstBrokenEntry(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		stmt    string
		wantSeq int64
		reason  string
	}{
		{"altered", `UPDATE trail_entries SET after_json = '{"name":"改ざん"}' WHERE seq = 4`, 4, "altered"},
		{"actor changed", `UPDATE trail_entries SET actor_name = '別人' WHERE seq = 6`, 6, "altered"},
		{"removed", `DELETE FROM trail_entries WHERE seq = 5`, 5, "removed"},
		{"removed from end", `DELETE FROM trail_entries WHERE seq = 10`, 10, "removed"},
		{"reordered", `UPDATE trail_entries SET seq = -3 WHERE seq = 3; UPDATE trail_entries SET seq = 3 WHERE seq = 7; UPDATE trail_entries SET seq = 7 WHERE seq = -3`, 3, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				sc := newChain(t, d)
				record(t, d, sc, 10)
				rep, err := trail.Verify(context.Background(), d)
				if err != nil || len(rep.Problems) != 0 || rep.Entries != 10 {
					t.Fatalf("intact chain: %+v %v", rep, err)
				}
				if rep, err := trail.VerifyInParts(context.Background(), d, 2, 3); err != nil || len(rep.Problems) != 0 || rep.Entries != 10 {
					t.Fatalf("intact chain in parts: %+v %v", rep, err)
				}
				tamper(t, d, c.stmt)
				rep, err = trail.Verify(context.Background(), d)
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Problems) != 1 {
					t.Fatalf("problems = %v", rep.Problems)
				}
				p := rep.Problems[0]
				if p.Seq != c.wantSeq || !strings.Contains(p.Reason, c.reason) {
					t.Errorf("got %v; want seq %d (%s)", p, c.wantSeq, c.reason)
				}
				// Read in parts, as a long chain is, the same entry is named.
				for _, parts := range []int{2, 3, 5} {
					rep, err := trail.VerifyInParts(context.Background(), d, 2, parts)
					if err != nil {
						t.Fatal(err)
					}
					if len(rep.Problems) != 1 || rep.Problems[0].Seq != c.wantSeq || !strings.Contains(rep.Problems[0].Reason, c.reason) {
						t.Errorf("in %d parts: got %v; want seq %d (%s)", parts, rep.Problems, c.wantSeq, c.reason)
					}
				}
			})
		})
	}
}

func TestAppendIsAtomicWithTheChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newChain(t, d)
		err := d.Transact(ctx, func(tx *db.Tx) error {
			if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "x"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		if err == nil {
			t.Fatal("expected error")
		}
		seq, _, _ := trail.Head(ctx, d, sc.OrgID)
		if seq != 0 {
			t.Errorf("rolled-back change left trail seq %d", seq)
		}
	})
}

func TestConcurrentWritersNeverForkTheChain(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newChain(t, d)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					err := d.Transact(ctx, func(tx *db.Tx) error {
						return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "w", EntityID: fmt.Sprint(w, "-", i)})
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 || rep.Entries != writers*each {
			t.Fatalf("after concurrent writes: %+v %v", rep, err)
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newChain(t, d)
		record(t, d, sc, 12)
		page1, err := trail.List(ctx, d, sc, trail.Filter{Limit: 5})
		if err != nil || len(page1) != 5 || page1[0].Seq != 12 {
			t.Fatalf("page1 %v %v", len(page1), err)
		}
		page2, _ := trail.List(ctx, d, sc, trail.Filter{Limit: 5, BeforeSeq: page1[4].Seq})
		if len(page2) != 5 || page2[0].Seq != 7 {
			t.Fatalf("page2 starts at %d", page2[0].Seq)
		}
		byID, _ := trail.List(ctx, d, sc, trail.Filter{Entity: "person", EntityID: "3"})
		if len(byID) != 1 {
			t.Errorf("entity filter found %d", len(byID))
		}
		other := sc
		other.OrgID = sc.OrgID + 1000
		if none, _ := trail.List(ctx, d, other, trail.Filter{}); len(none) != 0 {
			t.Errorf("other organisation sees %d entries", len(none))
		}
	})
}
