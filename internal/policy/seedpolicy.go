package policy

import (
	"context"
	"fmt"
	"time"

	"mamori/internal/db"
	"mamori/internal/policy/doctext"
	"mamori/internal/policy/seed"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

// SeedSource is what the trail records as the origin of the basic
// policy's first version.
const SeedSource = "the organisation's basic policy as shipped with mamori (loaded at first start)"

// seedRecord is the seed version's trail entry: the version and where it
// came from.
type seedRecord struct {
	versionSnapshot
	Source string `json:"source"`
}

// SeedBasicPolicy loads the organisation's own basic policy, shipped in the
// binary, as version 1 of the 基本方針: effective 平成28年4月1日, public,
// published. Called at first start, in its transaction.
//
// The policy was approved and enacted before mamori existed, so the
// version carries approval kind "ciso" with no approver and no author,
// and the trail says it was loaded from the shipped text. Its next review
// is due one review period after loading (not after 2016, which would make
// it overdue on the first day). Nobody is asked to acknowledge it here:
// there are no workers yet at first start.
func SeedBasicPolicy(ctx context.Context, tx *db.Tx, sc scope.Scope) (Document, error) {
	body := doctext.FromPlainText(seed.BasicPolicyText)
	now := db.Now()
	today := time.Now().In(wareki.Location).Format(dateLayout)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO documents (org_id, doc_type, number, title, visibility, review_months,
		next_review_date, ack_categories, ack_required, version, created_at, updated_at)
		VALUES (?, ?, '', ?, ?, ?, ?, '', TRUE, 1, ?, ?) RETURNING id`,
		sc.OrgID, string(BasicPolicy), seed.Title, string(Public), DefaultReviewMonths,
		addMonths(today, DefaultReviewMonths), now, now).Scan(&id)
	if err != nil {
		return Document{}, fmt.Errorf("cannot load the basic policy: %w", err)
	}
	v, err := insertVersion(ctx, tx, sc, versionRow{docID: id, no: 1, status: Draft, title: seed.Title, body: body,
		summary: "制定（平成28年4月1日）"})
	if err != nil {
		return Document{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE document_versions SET status = ?, approval_kind = 'ciso', effective_date = ?,
		published_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		string(Published), seed.EffectiveDate, now, now, sc.OrgID, v.ID); err != nil {
		return Document{}, fmt.Errorf("cannot publish the basic policy: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET current_version_id = ? WHERE org_id = ? AND id = ?`, v.ID, sc.OrgID, id); err != nil {
		return Document{}, fmt.Errorf("cannot publish the basic policy: %w", err)
	}
	r := reader{view: true, all: true, editor: true}
	d, err := load(ctx, tx, sc, r, id)
	if err != nil {
		return Document{}, err
	}
	if v, err = loadVersion(ctx, tx, sc, id, v.ID); err != nil {
		return Document{}, err
	}
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityDocument, EntityID: fmt.Sprint(id), After: d}); err != nil {
		return Document{}, err
	}
	return d, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityVersion, EntityID: fmt.Sprint(v.ID),
		After: seedRecord{versionSnapshot: v.snapshot(), Source: SeedSource}})
}
