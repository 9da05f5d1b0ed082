package policy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// RecordAcknowledgements records, in one go, that the given people have
// acknowledged a published version they were asked to acknowledge: the
// acknowledgement a person gives on a signed paper form, entered for them,
// and the demo data's thousands. Only pending requests change; each gets
// its trail entry, recorded as made by sc's actor. It returns how many
// were recorded.
func RecordAcknowledgements(ctx context.Context, tx *db.Tx, sc scope.Scope, docID, versionID int64, personIDs []int64, at int64) (int, error) {
	var no int
	if err := tx.QueryRowContext(ctx, `SELECT version_no FROM document_versions WHERE org_id = ? AND document_id = ? AND id = ? AND status = 'published'`,
		sc.OrgID, docID, versionID).Scan(&no); err != nil {
		return 0, fmt.Errorf("cannot find published version %d of document %d: %w", versionID, docID, err)
	}
	done := 0
	const per = 500
	for start := 0; start < len(personIDs); start += per {
		chunk := personIDs[start:min(start+per, len(personIDs))]
		args := []any{at, sc.OrgID, versionID}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `UPDATE acknowledgements SET acknowledged_at = ?
			WHERE org_id = ? AND version_id = ? AND acknowledged_at IS NULL AND person_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`) RETURNING person_id`, args...)
		if err != nil {
			return done, fmt.Errorf("cannot record acknowledgements of version %d: %w", versionID, err)
		}
		var changes []trail.Change
		for rows.Next() {
			var pid int64
			if err := rows.Scan(&pid); err != nil {
				rows.Close()
				return done, fmt.Errorf("cannot record acknowledgements of version %d: %w", versionID, err)
			}
			changes = append(changes, trail.Change{Action: trail.Update, Entity: EntityAcknowledgment,
				EntityID: strconv.FormatInt(versionID, 10) + ":" + strconv.FormatInt(pid, 10),
				After:    ackRecord{DocumentID: docID, VersionID: versionID, VersionNo: no, PersonID: pid, AcknowledgedAt: at}})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, fmt.Errorf("cannot record acknowledgements of version %d: %w", versionID, err)
		}
		if err := trail.RecordMany(ctx, tx, sc, changes); err != nil {
			return done, err
		}
		done += len(changes)
	}
	if done > 0 {
		if err := retally(ctx, tx, sc.OrgID, versionID); err != nil {
			return done, err
		}
	}
	return done, nil
}
