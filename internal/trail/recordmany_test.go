package trail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

func changes(prefix string, n int) []trail.Change {
	cs := make([]trail.Change, n)
	for i := range cs {
		cs[i] = trail.Change{Action: trail.Create, Entity: "asset", EntityID: fmt.Sprint(prefix, i),
			After: map[string]any{"name": fmt.Sprintf("資産「%s」%d", prefix, i), "tags": []string{}}}
		if i%3 == 1 {
			cs[i].Action, cs[i].Before = trail.Update, map[string]any{"name": "旧名称"}
		}
	}
	return cs
}

// RecordMany appends what Record would, entry for entry: the chain verifies
// across Record and RecordMany in either order, a batch larger than one
// INSERT keeps its order, and each entry holds its own change.
func TestRecordManyContinuesTheChain(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newChain(t, d)
		record(t, d, sc, 3)
		many := func(cs []trail.Change) {
			t.Helper()
			if err := d.Transact(ctx, func(tx *db.Tx) error { return trail.RecordMany(ctx, tx, sc, cs) }); err != nil {
				t.Fatal(err)
			}
		}
		many(changes("a", 450)) // three INSERTs
		record(t, d, sc, 2)
		many(changes("b", 1))
		many(nil)
		// Record and RecordMany in one transaction.
		err := d.Transact(ctx, func(tx *db.Tx) error {
			if err := trail.RecordMany(ctx, tx, sc, changes("c", 5)); err != nil {
				return err
			}
			if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Admin, Entity: "x", EntityID: "between"}); err != nil {
				return err
			}
			return trail.RecordMany(ctx, tx, sc, changes("d", 5))
		})
		if err != nil {
			t.Fatal(err)
		}
		const total = 3 + 450 + 2 + 1 + 5 + 1 + 5
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 || rep.Entries != total {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		seq, _, err := trail.Head(ctx, d, sc.OrgID)
		if err != nil || seq != total {
			t.Fatalf("head at %d, want %d (%v)", seq, total, err)
		}
		es, err := trail.List(ctx, d, sc, trail.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		// Newest first: d4 … d0, between, c4 … c0, b0, 2 records, a449 … a0.
		want := func(i int, entityID string, action trail.Action, after string) {
			t.Helper()
			e := es[i]
			if e.EntityID != entityID || e.Action != action || e.After != after || e.ActorName != sc.ActorName ||
				e.RequestID != sc.RequestID || e.ClientAddr != sc.ClientAddr || e.Seq != int64(total-i) {
				t.Errorf("entry %d: %+v, want %s %s %s", i, e, entityID, action, after)
			}
		}
		want(0, "d4", trail.Update, `{"name":"資産「d」4","tags":[]}`)
		want(5, "between", trail.Admin, "")
		want(11, "b0", trail.Create, `{"name":"資産「b」0","tags":[]}`)
		want(total-1-3, "a0", trail.Create, `{"name":"資産「a」0","tags":[]}`)
		want(total-1-3-200, "a200", trail.Create, `{"name":"資産「a」200","tags":[]}`)
		if e := es[total-1-3-1]; e.Before != `{"name":"旧名称"}` {
			t.Errorf("a1 before: %q", e.Before)
		}
	})
}

// A rolled-back RecordMany leaves nothing: no entries, the head where it
// was, and the chain still verifies after the next append.
func TestRecordManyRollsBackWithTheChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newChain(t, d)
		record(t, d, sc, 2)
		err := d.Transact(ctx, func(tx *db.Tx) error {
			if err := trail.RecordMany(ctx, tx, sc, changes("x", 300)); err != nil {
				return err
			}
			return fmt.Errorf("the import failed")
		})
		if err == nil {
			t.Fatal("expected error")
		}
		if seq, _, _ := trail.Head(ctx, d, sc.OrgID); seq != 2 {
			t.Errorf("rolled-back batch left the head at %d", seq)
		}
		record(t, d, sc, 1)
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 || rep.Entries != 3 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

// Batches and single entries written concurrently by many transactions
// never fork the chain, and row ids keep growing with seq.
func TestRecordManyInterleavesWithRecord(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newChain(t, d)
		other := newChain(t, d) // a second organisation's chain, written at the same time
		const writers, each = 6, 8
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					err := d.Transact(ctx, func(tx *db.Tx) error {
						on := sc
						if i%4 == 3 {
							on = other
						}
						if (w+i)%2 == 0 {
							return trail.RecordMany(ctx, tx, on, changes(fmt.Sprint(w, "-", i, "-"), 1+(w*7+i)%40))
						}
						return trail.Record(ctx, tx, on, trail.Change{Action: trail.Update, Entity: "w", EntityID: fmt.Sprint(w, "-", i)})
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
		if err != nil || len(rep.Problems) != 0 {
			t.Fatalf("after concurrent writes: %+v %v", rep, err)
		}
		a, _, _ := trail.Head(ctx, d, sc.OrgID)
		b, _, _ := trail.Head(ctx, d, other.OrgID)
		if rep.Entries != a+b || a == 0 || b == 0 {
			t.Errorf("verified %d entries; heads at %d and %d", rep.Entries, a, b)
		}
	})
}

// The canonical form is fixed: hashes written by earlier versions must
// verify for ever.
func TestHashIsStable(t *testing.T) {
	e := trail.Entry{OrgID: 3, Seq: 42, At: 1732600000123456, ActorID: 7, ActorName: "山田 太郎", Action: trail.Update, Entity: "asset", EntityID: "1234",
		Before: `{"name":"旧\n名称","tags":[]}`, After: "{\"name\":\"新名称\\\"\",\"x\":\"\x01\tタブ\"}", RequestID: "req-1", ClientAddr: "192.0.2.1"}
	if got := trail.Hash(trail.GenesisHash, e); got != "df7a3558e9c8d18072ee859fe61449139d458a01ace835c8ef3913f83f6f33e0" {
		t.Errorf("hash changed: %s", got)
	}
	if got := trail.Hash("abc", trail.Entry{OrgID: 1, Seq: 1}); got != "c9b13ca5c9dcb2c7cc66653ce315759a91792e4ffa7b47d73b58ac0ae8e11dc1" {
		t.Errorf("hash changed: %s", got)
	}
}
