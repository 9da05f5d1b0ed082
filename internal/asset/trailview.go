package asset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// redactedJSON replaces the before/after of a trail entry the reader may
// not see in full: the same marker the register shows for a masked name.
var redactedJSON = `{"name":"` + MaskedName + `"}`

// RedactTrail hides, in trail entries about assets, the before and after of
// every restricted asset (3A, 3B or legacy 3 — now or in the snapshot) that
// the reader may not see in detail. The trail page, its CSV export and the
// API all pass entries through here, so a restricted asset's details never
// reach someone through its history. Entries are changed in place.
func RedactTrail(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, entries []trail.Entry) error {
	if authz.GrantFor(p, authz.ViewRestrictedAssets).All {
		return nil
	}
	paths := map[int64][]int64{}
	pathOf := func(dept int64) ([]int64, error) {
		if path, ok := paths[dept]; ok {
			return path, nil
		}
		path, err := org.DepartmentPath(ctx, q, sc, dept)
		if err != nil {
			return nil, err
		}
		paths[dept] = path
		return path, nil
	}
	for i := range entries {
		e := &entries[i]
		if e.Entity != EntityAsset && e.Entity != EntityLink {
			continue
		}
		id, err := strconv.ParseInt(e.EntityID, 10, 64)
		if err != nil {
			// An export entry names no single asset; it holds only filters.
			continue
		}
		// What the reader may see is judged on the asset as it is now and
		// as each snapshot recorded it: a 3A asset lowered to 2 keeps its
		// earlier details hidden.
		var seen []Asset
		current, err := load(ctx, q, sc, id)
		switch {
		case err == nil:
			seen = append(seen, current)
		case errors.Is(err, db.ErrNotFound):
		default:
			return fmt.Errorf("cannot judge trail entry %d: %w", e.Seq, err)
		}
		if e.Entity == EntityAsset {
			for _, raw := range []string{e.Before, e.After} {
				var snap Asset
				if raw != "" && json.Unmarshal([]byte(raw), &snap) == nil {
					seen = append(seen, snap)
				}
			}
		}
		hide := len(seen) == 0 // a deleted link's asset: nothing to judge by
		for _, a := range seen {
			if !a.Restricted() {
				continue
			}
			path, err := pathOf(a.DepartmentID)
			if err != nil {
				return err
			}
			if !reaches(p, authz.ViewRestrictedAssets, a, path) {
				hide = true
			}
		}
		if hide {
			if e.Before != "" {
				e.Before = redactedJSON
			}
			if e.After != "" {
				e.After = redactedJSON
			}
		}
	}
	return nil
}
