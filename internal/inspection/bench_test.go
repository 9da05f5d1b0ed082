package inspection_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// The size issue 6 seeds: 3 campaigns × 2,000 respondents × 100 items =
// 600,000 answers, in 10 部局 of 5 課室 each.
const (
	benchBureaus   = 10
	benchSections  = 5
	benchPeople    = 2000
	benchItems     = 100
	benchCampaigns = 3
)

type benchData struct {
	d         *db.DB
	sc        scope.Scope
	p         authz.Principal
	campaigns []int64
}

// seedBench builds the organisation on SQLite. Answers are written in bulk
// (as a data load would) and the tallies counted afterwards with Retally.
//
// With MAMORI_INSPECTION_BENCH_DB set to a file name, the database is kept
// there and reused by later runs (seeding takes a minute or two).
func seedBench(b *testing.B) benchData {
	b.Helper()
	ctx := context.Background()
	var d *db.DB
	if path := os.Getenv("MAMORI_INSPECTION_BENCH_DB"); path != "" {
		var err error
		if d, err = db.OpenSQLiteFile(ctx, path); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if bd, ok := reuseBench(b, d); ok {
			return bd
		}
	} else {
		d = dbtest.Open(b, db.SQLite)
	}
	var bd benchData
	bd.d = d
	var o org.Organisation
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(d.Transact(ctx, func(tx *db.Tx) (err error) { o, err = org.Create(ctx, tx, "ベンチ財団"); return err }))
	sys := scope.System(o.ID, "bench")
	var sections []int64
	var director org.Person
	must(d.Transact(ctx, func(tx *db.Tx) error {
		for i := range benchBureaus {
			bu, err := org.CreateDepartment(ctx, tx, sys, org.DepartmentInput{Name: fmt.Sprintf("第%d部", i+1)})
			if err != nil {
				return err
			}
			for j := range benchSections {
				s, err := org.CreateDepartment(ctx, tx, sys, org.DepartmentInput{Name: fmt.Sprintf("第%d部 第%d課", i+1, j+1), ParentID: bu.ID})
				if err != nil {
					return err
				}
				sections = append(sections, s.ID)
			}
		}
		var err error
		if director, err = org.CreatePerson(ctx, tx, sys, org.PersonInput{Name: "統括 責任者"}); err != nil {
			return err
		}
		_, err = org.Assign(ctx, tx, sys, director.ID, org.AssignmentInput{Role: string(authz.SecurityDirector)})
		return err
	}))
	// People in bulk.
	must(d.Transact(ctx, func(tx *db.Tx) error {
		now := db.Now()
		for i := 0; i < benchPeople; i += 200 {
			var vals []string
			var args []any
			for j := i; j < min(i+200, benchPeople); j++ {
				vals = append(vals, "(?, ?, ?, ?, 'regular', TRUE, ?, ?)")
				args = append(args, o.ID, fmt.Sprintf("職員 %04d", j), fmt.Sprintf("しょくいん%04d", j), sections[j%len(sections)], now, now)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO people (org_id, name, name_kana, department_id, staff_category, active, created_at, updated_at) VALUES `+
				strings.Join(vals, ", "), args...); err != nil {
				return err
			}
		}
		return nil
	}))
	bd.sc = scope.Scope{OrgID: o.ID, ActorID: director.ID, ActorName: director.Name}
	p, err := org.Principal(ctx, d, bd.sc, director.ID)
	must(err)
	bd.p = p
	var in []inspection.ItemInput
	for i := range benchItems {
		in = append(in, inspection.ItemInput{Code: fmt.Sprintf("%d-%d", i/10+1, i%10+1), Category: fmt.Sprintf("分類%d", i/10+1),
			Question: fmt.Sprintf("点検項目 %d を実施しているか", i+1), Respondent: "all", Priority: i%7 == 0})
	}
	var cl inspection.Checklist
	must(d.Transact(ctx, func(tx *db.Tx) (err error) {
		if cl, err = inspection.CreateChecklist(ctx, tx, bd.sc, p, inspection.ChecklistInput{Title: "点検表", Items: in}); err != nil {
			return err
		}
		cl, err = inspection.Activate(ctx, tx, bd.sc, p, cl.ID)
		return err
	}))
	items, err := inspection.Items(ctx, d, bd.sc, cl.ID)
	must(err)
	answers := []string{"done", "done", "done", "partial", "not_done", "na"}
	rng := rand.New(rand.NewPCG(1, 2))
	for c := range benchCampaigns {
		var camp inspection.Campaign
		must(d.Transact(ctx, func(tx *db.Tx) (err error) {
			camp, err = inspection.CreateCampaign(ctx, tx, bd.sc, p, inspection.CampaignInput{Title: fmt.Sprintf("令和%d年度 自己点検", 6+c),
				ChecklistID: cl.ID, StartsOn: fmt.Sprintf("%d-04-01", 2024+c), EndsOn: fmt.Sprintf("%d-04-30", 2024+c), DepartmentIDs: inspection.IDs{sections[0]}})
			if err != nil {
				return err
			}
			// Every 部局: replace the target with all of them.
			if _, err := tx.ExecContext(ctx, `DELETE FROM campaign_targets WHERE campaign_id = ?`, camp.ID); err != nil {
				return err
			}
			for _, s := range sections {
				if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_targets (org_id, campaign_id, kind, ref_id) VALUES (?, ?, 'department', ?)`, o.ID, camp.ID, s); err != nil {
					return err
				}
			}
			camp, err = inspection.Open(ctx, tx, bd.sc, p, camp.ID)
			return err
		}))
		if camp.Respondents != benchPeople {
			b.Fatalf("campaign %d has %d respondents", camp.ID, camp.Respondents)
		}
		must(d.Transact(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT person_id, department_id FROM campaign_respondents WHERE campaign_id = ?`, camp.ID)
			if err != nil {
				return err
			}
			type resp struct{ person, dept int64 }
			var rs []resp
			for rows.Next() {
				var r resp
				if err := rows.Scan(&r.person, &r.dept); err != nil {
					rows.Close()
					return err
				}
				rs = append(rs, r)
			}
			rows.Close()
			now := db.Now()
			var vals []string
			var args []any
			flush := func() error {
				if len(vals) == 0 {
					return nil
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO campaign_answers (org_id, campaign_id, item_id, person_id, department_id, answer, comment, answered_at) VALUES `+
					strings.Join(vals, ", "), args...)
				vals, args = vals[:0], args[:0]
				return err
			}
			for _, r := range rs {
				for _, it := range items {
					vals = append(vals, "(?, ?, ?, ?, ?, ?, '', ?)")
					args = append(args, o.ID, camp.ID, it.ID, r.person, r.dept, answers[rng.IntN(len(answers))], now)
					if len(vals) == 120 {
						if err := flush(); err != nil {
							return err
						}
					}
				}
			}
			if err := flush(); err != nil {
				return err
			}
			if err := inspection.Retally(ctx, tx, bd.sc, camp.ID); err != nil {
				return err
			}
			// The latest campaign stays open with a tenth of the people
			// unfinished.
			if c == benchCampaigns-1 {
				_, err := tx.ExecContext(ctx, `UPDATE campaign_respondents SET items_answered = items_total - 3 WHERE campaign_id = ? AND person_id % 10 = 0`, camp.ID)
				return err
			}
			_, err = inspection.Close(ctx, tx, bd.sc, p, camp.ID)
			return err
		}))
		bd.campaigns = append(bd.campaigns, camp.ID)
	}
	if _, err := d.SQL().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return bd
}

// reuseBench picks up a database seeded by an earlier run.
func reuseBench(b *testing.B, d *db.DB) (benchData, bool) {
	ctx := context.Background()
	var bd benchData
	bd.d = d
	var orgID, director int64
	if err := d.QueryRowContext(ctx, `SELECT o.id, p.id FROM organisations o JOIN people p ON p.org_id = o.id AND p.name = '統括 責任者'
		WHERE o.name = 'ベンチ財団'`).Scan(&orgID, &director); err != nil {
		return bd, false
	}
	rows, err := d.QueryContext(ctx, `SELECT id FROM campaigns WHERE org_id = ? ORDER BY id`, orgID)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		bd.campaigns = append(bd.campaigns, id)
	}
	rows.Close()
	if len(bd.campaigns) != benchCampaigns {
		return bd, false
	}
	bd.sc = scope.Scope{OrgID: orgID, ActorID: director}
	p, err := org.Principal(ctx, d, bd.sc, director)
	if err != nil {
		b.Fatal(err)
	}
	bd.p = p
	return bd, true
}

// BenchmarkResultsAt600k times the queries of the results, progress,
// unfinished and dashboard pages over 600,000 answers on SQLite, and
// reports the 95th percentile of each (p95-ms).
func BenchmarkResultsAt600k(b *testing.B) {
	bd := seedBench(b)
	ctx := context.Background()
	latest := bd.campaigns[len(bd.campaigns)-1]
	cases := []struct {
		name string
		fn   func() error
	}{
		{"results", func() error { _, err := inspection.CampaignResults(ctx, bd.d, bd.sc, bd.p, latest); return err }},
		{"progress", func() error { _, err := inspection.CampaignProgress(ctx, bd.d, bd.sc, bd.p, latest); return err }},
		{"unfinished", func() error {
			_, err := inspection.Unfinished(ctx, bd.d, bd.sc, bd.p, latest, inspection.UnfinishedFilter{Limit: 100})
			return err
		}},
		{"campaign", func() error { _, err := inspection.GetCampaign(ctx, bd.d, bd.sc, bd.p, latest); return err }},
		{"dashboard", func() error { _, err := inspection.CampaignTrend(ctx, bd.d, bd.sc, bd.p, 0); return err }},
		{"answers_page", func() error {
			_, err := inspection.ListAnswers(ctx, bd.d, bd.sc, bd.p, latest, "1000.1", 200)
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			cpu0 := cpuTime()
			for b.Loop() {
				start := time.Now()
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			// On a shared machine the wall clock waits for other
			// processes; the process's CPU time per query says what the
			// query itself costs.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(took)), "cpu-ms/op")
			slices.Sort(took)
			p95 := took[len(took)*95/100]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
