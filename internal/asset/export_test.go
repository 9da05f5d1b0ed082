package asset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/textfold"
)

// Internals the external tests look at.
var (
	Grams      = grams
	SearchText = searchText
)

// BulkInsert writes validated inputs straight into the tables, for the
// benchmark's 100,000 generated assets: no checks and no trail entries, in
// the caller's transaction. Grams are gathered, sorted and written in index
// order, which makes the B-tree inserts appends.
func BulkInsert(ctx context.Context, tx *db.Tx, sc scope.Scope, ins []Input, createdAt []int64) error {
	type gram struct {
		g  string
		id int64
	}
	var gs, tags []gram
	counts := map[Confidentiality]int64{}
	if tx.Dialect() == db.SQLite {
		// Keep the whole build in memory until commit rather than spilling
		// half-written pages to the WAL again and again.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -1000000`); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, `PRAGMA cache_size = -32000`)
	}
	const cols = 30
	batch := 30
	for start := 0; start < len(ins); start += batch {
		end := min(start+batch, len(ins))
		var b strings.Builder
		args := make([]any, 0, cols*(end-start))
		b.WriteString(`INSERT INTO assets (org_id, name, kind, description, department_id, owner_id, custodian_id,
			location, is_controlled_area, domain, confidentiality, restricted, integrity, availability, retention_years, status,
			disposed_on, disposal_method, disposal_witness_id, next_review_date, review_due, tags,
			mfa_on_terminals, takeout_disabled, isolated_from_other_domains, traffic_monitoring,
			warning_count, search_text, created_at, updated_at) VALUES `)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(cols) + ")")
			a := fromInput(ins[i])
			r := derive(a)
			args = append(args, sc.OrgID, a.Name, string(a.Kind), a.Description, a.DepartmentID, a.OwnerID, nullID(a.CustodianID),
				a.Location, a.ControlledArea, string(a.Domain), string(a.Confidentiality), a.Restricted(), string(a.Integrity), string(a.Availability),
				a.RetentionYears, string(a.Status), a.DisposedOn, a.DisposalMethod, nullID(a.DisposalWitnessID), a.NextReviewDate,
				r.reviewDue, r.tags, string(a.MFAOnTerminals), string(a.TakeoutDisabled), string(a.IsolatedFromOtherDomains),
				string(a.TrafficMonitoring), r.warnings, r.searchText, createdAt[i], createdAt[i])
			counts[a.Confidentiality]++
		}
		b.WriteString(" RETURNING id")
		rows, err := tx.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("bulk insert: %w", err)
		}
		i := start
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			a := fromInput(ins[i])
			for _, g := range grams(searchText(a.Name, a.Description, a.Tags)) {
				gs = append(gs, gram{g, id})
			}
			for _, t := range a.Tags {
				tags = append(tags, gram{textfold.Fold(t), id})
			}
			i++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		table string
		rows  []gram
	}{{"asset_grams (org_id, gram, asset_id)", gs}, {"asset_tags (org_id, tag, asset_id)", tags}} {
		slices.SortFunc(t.rows, func(x, y gram) int {
			if c := strings.Compare(x.g, y.g); c != 0 {
				return c
			}
			return int(x.id - y.id)
		})
		for start := 0; start < len(t.rows); start += 300 {
			end := min(start+300, len(t.rows))
			args := make([]any, 0, 3*(end-start))
			for _, g := range t.rows[start:end] {
				args = append(args, sc.OrgID, g.g, g.id)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.table+` VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", end-start), ", "), args...); err != nil {
				return fmt.Errorf("bulk insert into %s: %w", t.table, err)
			}
		}
	}
	for c, n := range counts {
		if err := addCount(ctx, tx, sc.OrgID, c, n); err != nil {
			return err
		}
	}
	return nil
}
