package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// BenchmarkSearch: a worker's search over 300 published documents of
// about 9 KB each (the size of the basic policy), a third of them
// restricted, on SQLite.
func BenchmarkSearch(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	e := newEnv(b, d)
	text := strings.Repeat("情報資産の機密性、完全性及び可用性を維持するための対策を定める。", 100)
	err := e.tx(func(tx *db.Tx) error {
		sc := e.as(e.director)
		for i := range 300 {
			in := input(policy.Standard, fmt.Sprintf("基準 %03d", i), fmt.Sprintf("# %d 目的\n\n%s 固有語%03d", i, text, i))
			if i%3 == 0 {
				in.Type = "procedure"
			}
			doc, v, err := policy.CreateDocument(ctx, tx, sc, e.director, in)
			if err != nil {
				return err
			}
			for _, step := range []func(tx *db.Tx, sc scope.Scope) (policy.Version, error){
				func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
					return policy.Submit(ctx, tx, sc, e.director, doc.ID, v.ID)
				},
				func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
					return policy.Approve(ctx, tx, sc, e.ciso, doc.ID, v.ID)
				},
				func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
					return policy.Publish(ctx, tx, sc, e.director, doc.ID, v.ID, "2026-04-01")
				},
			} {
				if _, err := step(tx, sc); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, q string }{{"list", ""}, {"rare word", "固有語150"}, {"common word", "可用性"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				page, err := policy.ListDocuments(ctx, e.d, e.sc, e.staffSect, policy.ListFilter{Q: c.q})
				if err != nil || (c.q == "固有語150" && len(page.Items) != 0) {
					b.Fatalf("%v %d", err, len(page.Items))
				}
			}
		})
	}
}
