package asset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/textfold"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Trail entity names of this package.
const (
	EntityAsset  = "asset"
	EntityLink   = "asset_link"            // entity id: the link's "from" asset
	EntityLevel  = "classification_level"  // entity id: scheme/dimension/level
	EntityScheme = "classification_scheme" // entity id: the organisation
)

// ErrInUse is returned when deleting an asset that links or role
// assignments still refer to; it matches org.ErrInUse, so the edge answers
// it as a conflict.
var ErrInUse = fmt.Errorf("asset is still referred to: %w", org.ErrInUse)

const assetColumns = `a.id, a.name, a.kind, a.description, a.department_id, a.owner_id, COALESCE(a.custodian_id, 0),
	a.location, a.is_controlled_area, a.domain, a.confidentiality, a.integrity, a.availability, a.retention_years,
	a.status, a.disposed_on, a.disposal_method, COALESCE(a.disposal_witness_id, 0), a.next_review_date, a.tags,
	a.mfa_on_terminals, a.takeout_disabled, a.isolated_from_other_domains, a.traffic_monitoring,
	a.version, a.created_at, a.updated_at`

func scanAsset(s interface{ Scan(...any) error }, today string) (Asset, error) {
	var a Asset
	var kind, domain, c, i, av, status, tags, mfa, takeout, isolated, traffic string
	err := s.Scan(&a.ID, &a.Name, &kind, &a.Description, &a.DepartmentID, &a.OwnerID, &a.CustodianID,
		&a.Location, &a.ControlledArea, &domain, &c, &i, &av, &a.RetentionYears,
		&status, &a.DisposedOn, &a.DisposalMethod, &a.DisposalWitnessID, &a.NextReviewDate, &tags,
		&mfa, &takeout, &isolated, &traffic, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	a.Kind, a.Domain, a.Status = Kind(kind), Domain(domain), Status(status)
	a.Confidentiality, a.Integrity, a.Availability = Confidentiality(c), Integrity(i), Availability(av)
	a.MFAOnTerminals, a.TakeoutDisabled, a.IsolatedFromOtherDomains, a.TrafficMonitoring = Fact(mfa), Fact(takeout), Fact(isolated), Fact(traffic)
	a.Tags = splitStored(tags)
	a.ReviewOverdue = a.NextReviewDate != "" && a.NextReviewDate < today && a.Status != StatusDisposed
	return a, err
}

func splitStored(tags string) []string {
	if tags == "" {
		return []string{}
	}
	return strings.Split(tags, " ")
}

// load reads an asset unmasked; callers decide what the reader may see.
func load(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Asset, error) {
	a, err := scanAsset(q.QueryRowContext(ctx, `SELECT `+assetColumns+` FROM assets a WHERE a.org_id = ? AND a.id = ?`, sc.OrgID, id), today())
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("asset %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("cannot load asset %d: %w", id, err)
	}
	return a, nil
}

// Get returns one asset as the principal may see it: masked when it is
// restricted and outside their view_restricted reach, and db.ErrNotFound
// when it is outside their view reach altogether (as for another
// organisation's asset, so its existence is not revealed).
func Get(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Asset, error) {
	a, err := load(ctx, q, sc, id)
	if err != nil {
		return Asset{}, err
	}
	path, err := org.DepartmentPath(ctx, q, sc, a.DepartmentID)
	if err != nil {
		return Asset{}, err
	}
	v, ok := Visible(p, authz.ViewAssets, a, path)
	if !ok {
		return Asset{}, fmt.Errorf("asset %d: %w", id, db.ErrNotFound)
	}
	return v, nil
}

// Input returns the asset's fields as an Input, the starting point of a
// partial change (PATCH) or of a status change.
func (a Asset) Input() Input {
	return Input{Name: a.Name, Kind: string(a.Kind), Description: a.Description, DepartmentID: a.DepartmentID,
		OwnerID: a.OwnerID, CustodianID: a.CustodianID, Location: a.Location, ControlledArea: a.ControlledArea,
		Domain: string(a.Domain), Confidentiality: string(a.Confidentiality), Integrity: string(a.Integrity),
		Availability: string(a.Availability), RetentionYears: a.RetentionYears, Status: string(a.Status),
		DisposedOn: a.DisposedOn, DisposalMethod: a.DisposalMethod, DisposalWitnessID: a.DisposalWitnessID,
		NextReviewDate: a.NextReviewDate, Tags: append([]string(nil), a.Tags...),
		MFAOnTerminals: string(a.MFAOnTerminals), TakeoutDisabled: string(a.TakeoutDisabled),
		IsolatedFromOtherDomains: string(a.IsolatedFromOtherDomains), TrafficMonitoring: string(a.TrafficMonitoring),
		Version: a.Version}
}

// fromInput builds the asset a validated input describes.
func fromInput(in Input) Asset {
	return Asset{Name: in.Name, Kind: Kind(in.Kind), Description: in.Description, DepartmentID: in.DepartmentID,
		OwnerID: in.OwnerID, CustodianID: in.CustodianID, Location: in.Location, ControlledArea: in.ControlledArea,
		Domain: Domain(in.Domain), Confidentiality: Confidentiality(in.Confidentiality), Integrity: Integrity(in.Integrity),
		Availability: Availability(in.Availability), RetentionYears: in.RetentionYears, Status: Status(in.Status),
		DisposedOn: in.DisposedOn, DisposalMethod: in.DisposalMethod, DisposalWitnessID: in.DisposalWitnessID,
		NextReviewDate: in.NextReviewDate, Tags: in.Tags,
		MFAOnTerminals: Fact(in.MFAOnTerminals), TakeoutDisabled: Fact(in.TakeoutDisabled),
		IsolatedFromOtherDomains: Fact(in.IsolatedFromOtherDomains), TrafficMonitoring: Fact(in.TrafficMonitoring)}
}

// snapshot is the asset as the trail records it: stored fields only.
func (a Asset) snapshot() Asset {
	a.Masked, a.ReviewOverdue = false, false
	return a
}

// Check validates an input completely without writing anything: the
// fields, the level against the organisation's scheme, that the department
// and people exist in the organisation, and that the principal may make the
// change (id 0 for a new asset). An import's dry run calls it for every row;
// Create and Update call it too. It returns validate.Errors, ErrForbidden,
// db.ErrNotFound or db.ErrConflict (for a stale Version).
func Check(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, in *Input, id int64) error {
	_, _, err := check(ctx, q, sc, p, in, id)
	return err
}

// check is Check returning what it loaded: the asset before the change
// (for an update) and the department path of the asset after it.
func check(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, in *Input, id int64) (before Asset, path []int64, err error) {
	if err := in.Validate(); err != nil {
		return before, nil, err
	}
	if id != 0 {
		if before, err = load(ctx, q, sc, id); err != nil {
			return before, nil, err
		}
	}
	path, err = checkRules(ctx, liveRefs{q, sc}, p, in, id, before)
	return before, path, err
}

// refs looks up what a check needs besides the input and the stored asset.
// liveRefs asks storage every time; an import's Batch asks once per
// department or person and keeps the answers, so both run the same rules.
type refs interface {
	scheme(ctx context.Context) (Scheme, error)
	// departmentExists reports whether the organisation has the department.
	departmentExists(ctx context.Context, id int64) (bool, error)
	// departmentPath is org.DepartmentPath: the department and its
	// ancestors, nearest first.
	departmentPath(ctx context.Context, id int64) ([]int64, error)
	// person reports whether the organisation has the person, and whether
	// they are active.
	person(ctx context.Context, id int64) (found, active bool, err error)
}

type liveRefs struct {
	q  db.Querier
	sc scope.Scope
}

func (r liveRefs) scheme(ctx context.Context) (Scheme, error) { return SchemeOf(ctx, r.q, r.sc) }

func (r liveRefs) departmentExists(ctx context.Context, id int64) (bool, error) {
	_, err := org.GetDepartment(ctx, r.q, r.sc, id)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (r liveRefs) departmentPath(ctx context.Context, id int64) ([]int64, error) {
	return org.DepartmentPath(ctx, r.q, r.sc, id)
}

func (r liveRefs) person(ctx context.Context, id int64) (found, active bool, err error) {
	person, err := org.GetPerson(ctx, r.q, r.sc, id)
	if errors.Is(err, db.ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return true, person.Active, nil
}

// checkRules is every rule of Check after Validate, for an input that has
// passed it: before is the stored asset (for id != 0), and r answers what
// else the rules ask of storage. It returns the department path of the
// asset after the change.
func checkRules(ctx context.Context, r refs, p authz.Principal, in *Input, id int64, before Asset) (path []int64, err error) {
	if id != 0 {
		beforePath, err := r.departmentPath(ctx, before.DepartmentID)
		if err != nil {
			return nil, err
		}
		if !reaches(p, authz.ViewAssets, before, beforePath) {
			return nil, fmt.Errorf("asset %d: %w", id, db.ErrNotFound)
		}
		// Editing a restricted asset needs seeing it in full, and the editor
		// must reach it both as it is and as it will be, so nobody can move
		// an asset out of reach of those responsible for it, or into theirs.
		if !reaches(p, authz.EditAssets, before, beforePath) ||
			(before.Restricted() && !reaches(p, authz.ViewRestrictedAssets, before, beforePath)) {
			return nil, fmt.Errorf("cannot change asset %d: %w", id, ErrForbidden)
		}
		if in.Version != before.Version {
			return nil, fmt.Errorf("asset %d changed since version %d: %w", id, in.Version, db.ErrConflict)
		}
	}
	e := validate.Errors{}
	scheme, err := r.scheme(ctx)
	if err != nil {
		return nil, err
	}
	if !Confidentiality(in.Confidentiality).In(scheme) {
		e.Add("confidentiality", "asset.level_not_in_scheme")
	}
	if found, err := r.departmentExists(ctx, in.DepartmentID); err != nil {
		return nil, err
	} else if !found {
		e.Add("department_id", "error.invalid_choice")
	}
	for _, f := range []struct {
		field   string
		id, was int64
	}{
		{"owner_id", in.OwnerID, before.OwnerID},
		{"custodian_id", in.CustodianID, before.CustodianID},
		{"disposal_witness_id", in.DisposalWitnessID, before.DisposalWitnessID},
	} {
		if f.id == 0 {
			continue
		}
		found, active, err := r.person(ctx, f.id)
		if err != nil {
			return nil, err
		}
		if !found {
			e.Add(f.field, "error.invalid_choice")
			continue
		}
		// Someone who has left may stay on an old record but cannot be
		// newly named as responsible.
		if !active && f.id != f.was {
			e.Add(f.field, "asset.person_inactive")
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	path, err = r.departmentPath(ctx, in.DepartmentID)
	if err != nil {
		return nil, err
	}
	after := fromInput(*in)
	after.ID = id
	if !reaches(p, authz.EditAssets, after, path) {
		return nil, fmt.Errorf("cannot save asset: %w", ErrForbidden)
	}
	return path, nil
}

// row is the stored form of an asset's derived columns.
type row struct {
	tags, searchText, reviewDue string
	warnings                    int
	restricted                  bool
}

func derive(a Asset) row {
	r := row{tags: strings.Join(a.Tags, " "), searchText: searchText(a.Name, a.Description, a.Tags),
		reviewDue: a.NextReviewDate, warnings: len(Warnings(a)), restricted: a.Restricted()}
	if r.reviewDue == "" {
		r.reviewDue = noReview
	}
	return r
}

// valueColumns are the columns of an asset that a write sets from its
// fields, and values their values, in the same order.
var valueColumns = []string{"name", "kind", "description", "department_id", "owner_id", "custodian_id",
	"location", "is_controlled_area", "domain", "confidentiality", "restricted", "integrity", "availability", "retention_years", "status",
	"disposed_on", "disposal_method", "disposal_witness_id", "next_review_date", "review_due", "tags",
	"mfa_on_terminals", "takeout_disabled", "isolated_from_other_domains", "traffic_monitoring",
	"warning_count", "search_text"}

func values(a Asset, r row) []any {
	return []any{a.Name, string(a.Kind), a.Description, a.DepartmentID, a.OwnerID, nullID(a.CustodianID),
		a.Location, a.ControlledArea, string(a.Domain), string(a.Confidentiality), r.restricted, string(a.Integrity), string(a.Availability),
		a.RetentionYears, string(a.Status), a.DisposedOn, a.DisposalMethod, nullID(a.DisposalWitnessID), a.NextReviewDate,
		r.reviewDue, r.tags, string(a.MFAOnTerminals), string(a.TakeoutDisabled), string(a.IsolatedFromOtherDomains),
		string(a.TrafficMonitoring), r.warnings, r.searchText}
}

// insertColumns are the columns a new asset is written with, and
// insertValues their values: the same for Create and an import's Batch.
var (
	insertColumns     = "org_id, " + strings.Join(valueColumns, ", ") + ", version, created_at, updated_at"
	insertColumnCount = len(valueColumns) + 4
)

func insertValues(args []any, orgID int64, a Asset, r row, now int64) []any {
	args = append(args, orgID)
	args = append(args, values(a, r)...)
	return append(args, 1, now, now)
}

// Create registers an asset.
func Create(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in Input) (Asset, error) {
	if _, _, err := check(ctx, tx, sc, p, &in, 0); err != nil {
		return Asset{}, err
	}
	a := fromInput(in)
	r := derive(a)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO assets (`+insertColumns+`) VALUES (`+placeholders(insertColumnCount)+`) RETURNING id`,
		insertValues(nil, sc.OrgID, a, r, db.Now())...).Scan(&id)
	if err != nil {
		return Asset{}, fmt.Errorf("cannot create asset: %w", err)
	}
	if err := writeGrams(ctx, tx, sc.OrgID, id, "", r.searchText); err != nil {
		return Asset{}, err
	}
	if err := writeTags(ctx, tx, sc.OrgID, id, nil, a.Tags); err != nil {
		return Asset{}, err
	}
	if err := addCount(ctx, tx, sc.OrgID, a.Confidentiality, 1); err != nil {
		return Asset{}, err
	}
	created, err := load(ctx, tx, sc, id)
	if err != nil {
		return created, err
	}
	return created, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityAsset, EntityID: fmt.Sprint(id), After: created.snapshot()})
}

// Update replaces an asset's fields. in.Version must be the version the
// user edited; a change made since makes it fail with db.ErrConflict.
// A change of classification is a change like any other: the trail entry
// holds the levels before and after, and the handling rules, computed from
// the levels, change with it.
func Update(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in Input) (Asset, error) {
	before, _, err := check(ctx, tx, sc, p, &in, id)
	if err != nil {
		return Asset{}, err
	}
	var oldText string
	if err := tx.QueryRowContext(ctx, `SELECT search_text FROM assets WHERE org_id = ? AND id = ?`, sc.OrgID, id).Scan(&oldText); err != nil {
		return Asset{}, fmt.Errorf("cannot load asset %d: %w", id, err)
	}
	a := fromInput(in)
	r := derive(a)
	if err := rewrite(ctx, tx, sc.OrgID, id, in.Version, a, r, oldText, db.Now()); err != nil {
		return Asset{}, err
	}
	if err := writeTags(ctx, tx, sc.OrgID, id, before.Tags, a.Tags); err != nil {
		return Asset{}, err
	}
	if before.Confidentiality != a.Confidentiality {
		if err := moveCount(ctx, tx, sc.OrgID, before.Confidentiality, a.Confidentiality, 1); err != nil {
			return Asset{}, err
		}
	}
	after, err := load(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityAsset, EntityID: fmt.Sprint(id),
		Before: before.snapshot(), After: after.snapshot()})
}

// rewrite stores an asset's new fields if it is still at version, and
// brings its grams from those of oldText to those of the new text. An
// asset whose grams are still pending (registered by an import, not yet
// indexed) gets all of them now instead.
func rewrite(ctx context.Context, tx *db.Tx, orgID, id, version int64, a Asset, r row, oldText string, now int64) error {
	pending, err := updateRow(ctx, tx, orgID, id, version, values(a, r), nil, now)
	if err != nil {
		return err
	}
	if !pending {
		return writeGrams(ctx, tx, orgID, id, oldText, r.searchText)
	}
	if err := writeGrams(ctx, tx, orgID, id, "", r.searchText); err != nil {
		return err
	}
	return markIndexed(ctx, tx, orgID, []any{id})
}

// updateRow stores an asset's values (valueColumns) if it is still at
// version, and reports whether its grams are pending. Given the values
// stored (old), it sets only the columns that change: SQLite rewrites the
// entries of every index on a column an UPDATE sets, changed or not, and
// an import's change is usually a column or two of thirteen indexes'. The
// flag is read back from the UPDATE, which on PostgreSQL waits for an
// indexer holding the row, so it is the one the indexer left.
func updateRow(ctx context.Context, tx *db.Tx, orgID, id, version int64, vals, old []any, now int64) (pending bool, err error) {
	var set strings.Builder
	args := make([]any, 0, len(vals)+4)
	for i, v := range vals {
		if old != nil && old[i] == v {
			continue
		}
		set.WriteString(valueColumns[i])
		set.WriteString(" = ?, ")
		args = append(args, v)
	}
	args = append(args, now, orgID, id, version)
	err = tx.QueryRowContext(ctx, `UPDATE assets SET `+set.String()+`version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ? RETURNING grams_pending`, args...).Scan(&pending)
	if errors.Is(err, sql.ErrNoRows) {
		// Someone else's change committed between our read and this write.
		return false, fmt.Errorf("asset %d changed since version %d: %w", id, version, db.ErrConflict)
	}
	if err != nil {
		return false, fmt.Errorf("cannot update asset %d: %w", id, err)
	}
	return pending, nil
}

// StatusInput changes where an asset is in its life. Disposal needs the
// date, the method and the person who witnessed it.
type StatusInput struct {
	Status            string `json:"status"`
	DisposedOn        string `json:"disposed_on"`
	DisposalMethod    string `json:"disposal_method"`
	DisposalWitnessID int64  `json:"disposal_witness_id,string"`
	Version           int64  `json:"version"`
}

// SetStatus changes only an asset's status (and disposal record), with the
// same checks and trail entry as Update.
func SetStatus(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, st StatusInput) (Asset, error) {
	a, err := load(ctx, tx, sc, id)
	if err != nil {
		return Asset{}, err
	}
	in := a.Input()
	in.Status, in.DisposedOn, in.DisposalMethod, in.DisposalWitnessID, in.Version =
		st.Status, st.DisposedOn, st.DisposalMethod, st.DisposalWitnessID, st.Version
	return Update(ctx, tx, sc, p, id, in)
}

// Delete removes an asset registered by mistake. An asset that is gone from
// use is disposed (SetStatus), not deleted: its record stays. Deletion is
// refused with ErrInUse while links or role assignments (a system's
// 情報システム管理者) still refer to the asset, so nothing loses its other end
// silently; each link is removed on its own, with its own trail entry.
func Delete(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64) error {
	before, err := load(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	path, err := org.DepartmentPath(ctx, tx, sc, before.DepartmentID)
	if err != nil {
		return err
	}
	if !reaches(p, authz.ViewAssets, before, path) {
		return fmt.Errorf("asset %d: %w", id, db.ErrNotFound)
	}
	if !reaches(p, authz.EditAssets, before, path) ||
		(before.Restricted() && !reaches(p, authz.ViewRestrictedAssets, before, path)) {
		return fmt.Errorf("cannot delete asset %d: %w", id, ErrForbidden)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM asset_links WHERE org_id = ? AND (from_id = ? OR to_id = ?)) +
		(SELECT COUNT(*) FROM role_assignments WHERE org_id = ? AND scope_kind = 'system' AND scope_id = ?)`,
		sc.OrgID, id, id, sc.OrgID, id).Scan(&n); err != nil {
		return fmt.Errorf("cannot check use of asset %d: %w", id, err)
	}
	if n > 0 {
		return fmt.Errorf("asset %d: %w", id, ErrInUse)
	}
	if err := writeTags(ctx, tx, sc.OrgID, id, before.Tags, nil); err != nil {
		return err
	}
	// The row goes before its grams: the DELETE waits for an indexer
	// holding it (PostgreSQL), and then says whether it left grams to remove.
	var text string
	var pending bool
	if err := tx.QueryRowContext(ctx, `DELETE FROM assets WHERE org_id = ? AND id = ? RETURNING search_text, grams_pending`,
		sc.OrgID, id).Scan(&text, &pending); err != nil {
		return fmt.Errorf("cannot delete asset %d: %w", id, err)
	}
	if !pending {
		if err := writeGrams(ctx, tx, sc.OrgID, id, text, ""); err != nil {
			return err
		}
	}
	if err := addCount(ctx, tx, sc.OrgID, before.Confidentiality, -1); err != nil {
		return err
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Delete, Entity: EntityAsset, EntityID: fmt.Sprint(id), Before: before.snapshot()})
}

// writeTags brings asset_tags from the old tags to the new.
func writeTags(ctx context.Context, tx *db.Tx, orgID, id int64, old, cur []string) error {
	del, add := diff(tagSet(old), tagSet(cur))
	for _, t := range del {
		if _, err := tx.ExecContext(ctx, `DELETE FROM asset_tags WHERE org_id = ? AND tag = ? AND asset_id = ?`, orgID, t, id); err != nil {
			return fmt.Errorf("cannot remove tag of asset %d: %w", id, err)
		}
	}
	for _, t := range add {
		if _, err := tx.ExecContext(ctx, `INSERT INTO asset_tags (org_id, tag, asset_id) VALUES (?, ?, ?)`, orgID, t, id); err != nil {
			return fmt.Errorf("cannot tag asset %d: %w", id, err)
		}
	}
	return nil
}

// tagSet returns the folded tags asset_tags holds for tags: each once,
// sorted.
func tagSet(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, textfold.Fold(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// diff compares two sorted sets: what is only in old, and only in cur.
func diff(old, cur []string) (del, add []string) {
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || (i < len(old) && old[i] < cur[j]):
			del = append(del, old[i])
			i++
		case i == len(old) || cur[j] < old[i]:
			add = append(add, cur[j])
			j++
		default:
			i++
			j++
		}
	}
	return del, add
}

// addCount keeps asset_counts in step with a write.
func addCount(ctx context.Context, tx *db.Tx, orgID int64, c Confidentiality, delta int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO asset_counts (org_id, confidentiality, n) VALUES (?, ?, ?)
		ON CONFLICT (org_id, confidentiality) DO UPDATE SET n = asset_counts.n + excluded.n`, orgID, string(c), delta); err != nil {
		return fmt.Errorf("cannot count assets of level %s: %w", c, err)
	}
	return nil
}

func moveCount(ctx context.Context, tx *db.Tx, orgID int64, from, to Confidentiality, n int64) error {
	if n == 0 {
		return nil
	}
	if err := addCount(ctx, tx, orgID, from, -n); err != nil {
		return err
	}
	return addCount(ctx, tx, orgID, to, n)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// IDsByName returns the ids of the assets named exactly name that the
// principal may edit (at most 20, oldest first), for an import that matches
// rows by name. Assets outside their edit reach, or restricted ones they may
// not see in full, are left out, so a name cannot be used to probe for them.
func IDsByName(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, name string) ([]int64, error) {
	edit, editArgs := grantSQL(authz.GrantFor(p, authz.EditAssets), sc.OrgID, p.PersonID)
	full, fullArgs := grantSQL(authz.GrantFor(p, authz.ViewRestrictedAssets), sc.OrgID, p.PersonID)
	args := append(append([]any{sc.OrgID, strings.TrimSpace(name)}, editArgs...), fullArgs...)
	rows, err := q.QueryContext(ctx, `SELECT a.id FROM assets a WHERE a.org_id = ? AND a.name = ? AND `+edit+
		` AND (a.restricted = FALSE OR `+full+`) ORDER BY a.id LIMIT 20`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot find assets named %q: %w", name, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cannot find assets by name: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot find assets named %q: %w", name, err)
	}
	return out, nil
}
