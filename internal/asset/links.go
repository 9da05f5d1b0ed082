package asset

import (
	"context"
	"fmt"
	"slices"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Relation is how one asset relates to another, read "from <relation> to".
type Relation string

const (
	Holds     Relation = "holds"     // a system, network, device or medium holds information
	StoredOn  Relation = "stored_on" // information or a document is kept on a medium, device or system
	Describes Relation = "describes" // a document describes a system, network or device
)

// Relations lists them in display order.
var Relations = []Relation{Holds, StoredOn, Describes}

// IsValid reports whether r is a known relation.
func (r Relation) IsValid() bool { return slices.Contains(Relations, r) }

// Key is the message key of the relation's name.
func (r Relation) Key() string { return "asset.relation." + string(r) }

// Fits reports whether a link of this relation makes sense between kinds,
// in the groups of seed §2(1): what holds or carries information is of
// group ①, the information of group ②, and a describing document of group
// ③ (or a printed document, ②) describes something of group ①.
func (r Relation) Fits(from, to Kind) bool {
	switch r {
	case Holds:
		return from.Group() == 1 && to.Group() == 2
	case StoredOn:
		return (from.Group() == 2 || from.Group() == 3) && to.Group() == 1
	case Describes:
		return (from == KindSystemDocument || from == KindDocument) && to.Group() == 1
	}
	return false
}

// Link is a relation between two assets of the same organisation.
type Link struct {
	FromID   int64    `json:"from_id,string"`
	ToID     int64    `json:"to_id,string"`
	Relation Relation `json:"relation"`
}

// LinkedAsset is one end of a link as seen from the other.
type LinkedAsset struct {
	Relation Relation `json:"relation"`
	// Outgoing is true when the asset asked about is the link's "from".
	Outgoing bool  `json:"outgoing"`
	Asset    Asset `json:"asset"`
}

// LinkInput asks for a link.
type LinkInput struct {
	FromID   int64  `json:"from_id,string"`
	ToID     int64  `json:"to_id,string"`
	Relation string `json:"relation"`
}

// Validate checks the fields that need no storage.
func (in *LinkInput) Validate() error {
	e := validate.Errors{}
	if in.FromID <= 0 {
		e.Add("from_id", "error.required")
	}
	if in.ToID <= 0 {
		e.Add("to_id", "error.required")
	}
	if !Relation(in.Relation).IsValid() {
		choice(e, "relation", in.Relation)
	}
	if in.FromID != 0 && in.FromID == in.ToID {
		e.Add("to_id", "asset.link_self")
	}
	return e.Err()
}

// checkLink loads both ends: the principal must be able to edit "from" and
// to see "to" in full (linking to what one cannot see would reveal it).
func checkLink(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in LinkInput) (Asset, Asset, error) {
	if err := in.Validate(); err != nil {
		return Asset{}, Asset{}, err
	}
	from, err := load(ctx, tx, sc, in.FromID)
	if err != nil {
		return from, Asset{}, err
	}
	to, err := load(ctx, tx, sc, in.ToID)
	if err != nil {
		return from, to, validate.Errors{"to_id": {Key: "error.invalid_choice"}}
	}
	fromPath, err := org.DepartmentPath(ctx, tx, sc, from.DepartmentID)
	if err != nil {
		return from, to, err
	}
	toPath, err := org.DepartmentPath(ctx, tx, sc, to.DepartmentID)
	if err != nil {
		return from, to, err
	}
	if v, ok := Visible(p, authz.ViewAssets, from, fromPath); !ok || v.Masked {
		return from, to, fmt.Errorf("asset %d: %w", from.ID, db.ErrNotFound)
	}
	if !reaches(p, authz.EditAssets, from, fromPath) {
		return from, to, fmt.Errorf("cannot link asset %d: %w", from.ID, ErrForbidden)
	}
	if v, ok := Visible(p, authz.ViewAssets, to, toPath); !ok || v.Masked {
		return from, to, validate.Errors{"to_id": {Key: "error.invalid_choice"}}
	}
	if !Relation(in.Relation).Fits(from.Kind, to.Kind) {
		return from, to, validate.Errors{"relation": {Key: "asset.link_kinds"}}
	}
	return from, to, nil
}

// AddLink links two assets and records it in the trail under the "from"
// asset. The same link twice is refused (asset.link_exists).
func AddLink(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in LinkInput) (Link, error) {
	if _, _, err := checkLink(ctx, tx, sc, p, in); err != nil {
		return Link{}, err
	}
	l := Link{FromID: in.FromID, ToID: in.ToID, Relation: Relation(in.Relation)}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_links WHERE org_id = ? AND from_id = ? AND to_id = ? AND relation = ?`,
		sc.OrgID, l.FromID, l.ToID, string(l.Relation)).Scan(&n); err != nil {
		return l, fmt.Errorf("cannot check link: %w", err)
	}
	if n > 0 {
		return l, validate.Errors{"to_id": {Key: "asset.link_exists"}}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO asset_links (org_id, from_id, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?)`,
		sc.OrgID, l.FromID, l.ToID, string(l.Relation), db.Now()); err != nil {
		return l, fmt.Errorf("cannot link asset %d to %d: %w", l.FromID, l.ToID, err)
	}
	return l, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityLink, EntityID: fmt.Sprint(l.FromID), After: l})
}

// RemoveLink removes a link and records it in the trail.
func RemoveLink(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in LinkInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	from, err := load(ctx, tx, sc, in.FromID)
	if err != nil {
		return err
	}
	path, err := org.DepartmentPath(ctx, tx, sc, from.DepartmentID)
	if err != nil {
		return err
	}
	if v, ok := Visible(p, authz.ViewAssets, from, path); !ok || v.Masked {
		return fmt.Errorf("asset %d: %w", from.ID, db.ErrNotFound)
	}
	if !reaches(p, authz.EditAssets, from, path) {
		return fmt.Errorf("cannot unlink asset %d: %w", from.ID, ErrForbidden)
	}
	l := Link{FromID: in.FromID, ToID: in.ToID, Relation: Relation(in.Relation)}
	res, err := tx.ExecContext(ctx, `DELETE FROM asset_links WHERE org_id = ? AND from_id = ? AND to_id = ? AND relation = ?`,
		sc.OrgID, l.FromID, l.ToID, string(l.Relation))
	if err != nil {
		return fmt.Errorf("cannot unlink asset %d from %d: %w", l.FromID, l.ToID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cannot unlink asset %d from %d: %w", l.FromID, l.ToID, err)
	} else if n == 0 {
		return fmt.Errorf("link %d→%d: %w", l.FromID, l.ToID, db.ErrNotFound)
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Delete, Entity: EntityLink, EntityID: fmt.Sprint(l.FromID), Before: l})
}

// Links returns the assets linked to an asset, both ways, as the principal
// may see them: ends outside their view reach are left out, restricted ends
// outside their view_restricted reach are masked, and a masked asset shows
// no links at all (db.ErrNotFound when the asset itself is out of reach).
func Links(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) ([]LinkedAsset, error) {
	self, err := Get(ctx, q, sc, p, id)
	if err != nil {
		return nil, err
	}
	out := []LinkedAsset{}
	if self.Masked {
		return out, nil
	}
	r := newReader(p, authz.ViewAssets)
	rows, rowsArgs := grantSQL(r.rows, sc.OrgID, p.PersonID)
	outside, fullArgs := outsideSQL(r.full, sc.OrgID, p.PersonID)
	masked := `CASE WHEN a.restricted = TRUE AND ` + outside + ` THEN 1 ELSE 0 END`
	res, err := q.QueryContext(ctx, `SELECT `+assetColumns+`, `+masked+`, l.relation,
		CASE WHEN l.from_id = a.id THEN 0 ELSE 1 END
		FROM asset_links l JOIN assets a ON a.org_id = l.org_id AND a.id = CASE WHEN l.from_id = ? THEN l.to_id ELSE l.from_id END
		WHERE l.org_id = ? AND (l.from_id = ? OR l.to_id = ?) AND `+rows+`
		ORDER BY l.relation, a.name, a.id`, append(append(slices.Clone(fullArgs), id, sc.OrgID, id, id), rowsArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list links of asset %d: %w", id, err)
	}
	defer res.Close()
	now := today()
	for res.Next() {
		var m, outgoing int
		var rel string
		a, err := scanAsset(extra{res, []any{&m, &rel, &outgoing}}, now)
		if err != nil {
			return nil, fmt.Errorf("cannot read link: %w", err)
		}
		if m == 1 {
			a = Mask(a)
		}
		out = append(out, LinkedAsset{Relation: Relation(rel), Outgoing: outgoing == 1, Asset: a})
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("cannot list links of asset %d: %w", id, err)
	}
	return out, nil
}

// extra scans an asset row followed by more columns.
type extra struct {
	s    interface{ Scan(...any) error }
	more []any
}

func (x extra) Scan(dest ...any) error { return x.s.Scan(append(dest, x.more...)...) }
