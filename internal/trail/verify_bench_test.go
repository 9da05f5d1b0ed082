package trail_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

// BenchmarkVerify measures `trail verify` on a chain of 200,000 entries of
// the sizes a real trail holds (sign-ins without data, changes with a
// before and after of a few hundred bytes). Issue 6's budget is at least
// 1,000,000 entries a second; the figure is reported as entries/s.
func BenchmarkVerify(b *testing.B) {
	for _, e := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			ctx := context.Background()
			sc := newChain(b, d)
			const n, per = 200_000, 5_000
			after := map[string]any{"name": "職員名簿データ 第00012号", "kind": "information", "description": "人事記録の写し（令和6年度分）", "confidentiality": "2", "integrity": "1", "availability": "1", "tags": []string{"個人情報", "紙媒体"}}
			for start := 0; start < n; start += per {
				err := d.Transact(ctx, func(tx *db.Tx) error {
					cs := make([]trail.Change, per)
					for i := range cs {
						if i%2 == 0 {
							cs[i] = trail.Change{Action: trail.SignIn, Entity: "session", EntityID: fmt.Sprint(start + i)}
						} else {
							cs[i] = trail.Change{Action: trail.Update, Entity: "asset", EntityID: fmt.Sprint(start + i), Before: after, After: after}
						}
					}
					return trail.RecordMany(ctx, tx, sc, cs)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			t0 := time.Now()
			for range b.N {
				rep, err := trail.Verify(ctx, d)
				if err != nil || len(rep.Problems) > 0 || rep.Entries < n {
					b.Fatalf("verify: %+v %v", rep, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(t0).Seconds(), "entries/s")
		})
	}
}
