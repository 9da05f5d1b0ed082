package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// DepartmentKind distinguishes a 部局 from a 課室 under it.
type DepartmentKind string

const (
	Bureau  DepartmentKind = "bureau"  // 部局
	Section DepartmentKind = "section" // 課室
)

// Department is a 部局 or a 課室.
type Department struct {
	ID        int64          `json:"id,string"`
	ParentID  int64          `json:"parent_id,string,omitempty"`
	Kind      DepartmentKind `json:"kind"`
	Code      string         `json:"code"`
	Name      string         `json:"name"`
	SortOrder int            `json:"sort_order"`
	// Depth is 0 for a 部局 and 1 for a 課室 in tree listings.
	Depth int `json:"-"`
}

// DepartmentInput is what a user submits to create or change a department.
type DepartmentInput struct {
	ParentID  int64  `json:"parent_id,string"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	SortOrder int    `json:"sort_order"`
}

// Validate checks the fields; whether the parent exists is checked against
// storage when saving.
func (in *DepartmentInput) Validate() error {
	e := validate.Errors{}
	in.Name = e.Text("name", in.Name, true, 100, false)
	in.Code = e.Text("code", in.Code, false, 32, false)
	if in.SortOrder < 0 || in.SortOrder > 100000 {
		e.Add("sort_order", "error.range", 0, 100000)
	}
	if in.ParentID < 0 {
		e.Add("parent_id", "error.invalid_choice")
	}
	return e.Err()
}

const departmentColumns = `id, COALESCE(parent_id, 0), kind, code, name, sort_order`

func scanDepartment(s interface{ Scan(...any) error }) (Department, error) {
	var d Department
	var kind string
	err := s.Scan(&d.ID, &d.ParentID, &kind, &d.Code, &d.Name, &d.SortOrder)
	d.Kind = DepartmentKind(kind)
	return d, err
}

// ListDepartments returns the tree in display order: each 部局 followed by
// its 課室. Departments are few (tens to hundreds), so one query serves.
func ListDepartments(ctx context.Context, q db.Querier, sc scope.Scope) ([]Department, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+departmentColumns+` FROM departments WHERE org_id = ? ORDER BY sort_order, name, id`, sc.OrgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list departments: %w", err)
	}
	defer rows.Close()
	var all []Department
	for rows.Next() {
		d, err := scanDepartment(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read department: %w", err)
		}
		all = append(all, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list departments: %w", err)
	}
	children := map[int64][]Department{}
	for _, d := range all {
		children[d.ParentID] = append(children[d.ParentID], d)
	}
	out := make([]Department, 0, len(all))
	var walk func(parent int64, depth int)
	walk = func(parent int64, depth int) {
		for _, d := range children[parent] {
			d.Depth = depth
			out = append(out, d)
			walk(d.ID, depth+1)
		}
	}
	walk(0, 0)
	return out, nil
}

// GetDepartment returns one department of the organisation.
func GetDepartment(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Department, error) {
	d, err := scanDepartment(q.QueryRowContext(ctx, `SELECT `+departmentColumns+` FROM departments WHERE org_id = ? AND id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("department %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("cannot load department %d: %w", id, err)
	}
	return d, nil
}

// DepartmentPath returns the department and its ancestors, nearest first;
// permissions granted on a 部局 cover its 課室 through it.
func DepartmentPath(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]int64, error) {
	if id == 0 {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM departments WHERE org_id = ? AND id = ?
			UNION ALL
			SELECT d.id, d.parent_id, up.depth + 1 FROM departments d JOIN up ON d.id = up.parent_id
			WHERE d.org_id = ? AND up.depth < 20
		) SELECT id FROM up ORDER BY depth`, sc.OrgID, id, sc.OrgID)
	if err != nil {
		return nil, fmt.Errorf("cannot load department path of %d: %w", id, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			return nil, fmt.Errorf("cannot read department path: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SubtreeCondition returns an SQL condition (and its arguments) true when
// column holds one of the given departments or one below them. Other
// packages use it to scope lists by a department-wide grant.
func SubtreeCondition(column string, orgID int64, roots []int64) (string, []any) {
	if len(roots) == 0 {
		return "1 = 0", nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(roots)), ", ")
	args := []any{orgID}
	for _, r := range roots {
		args = append(args, r)
	}
	args = append(args, orgID)
	return column + ` IN (WITH RECURSIVE sub(id, depth) AS (
		SELECT id, 0 FROM departments WHERE org_id = ? AND id IN (` + ph + `)
		UNION ALL
		SELECT d.id, sub.depth + 1 FROM departments d JOIN sub ON d.parent_id = sub.id WHERE d.org_id = ? AND sub.depth < 20
	) SELECT id FROM sub)`, args
}

func (in *DepartmentInput) kind(ctx context.Context, q db.Querier, sc scope.Scope) (DepartmentKind, error) {
	if in.ParentID == 0 {
		return Bureau, nil
	}
	parent, err := GetDepartment(ctx, q, sc, in.ParentID)
	if errors.Is(err, db.ErrNotFound) {
		return "", validate.Errors{"parent_id": {Key: "error.invalid_choice"}}
	}
	if err != nil {
		return "", err
	}
	if parent.Kind != Bureau {
		// The structure is 部局 → 課室; a 課室 holds no further level.
		return "", validate.Errors{"parent_id": {Key: "department.parent_must_be_bureau"}}
	}
	return Section, nil
}

// CreateDepartment adds a 部局 (no parent) or a 課室 (under a 部局).
func CreateDepartment(ctx context.Context, tx *db.Tx, sc scope.Scope, in DepartmentInput) (Department, error) {
	if err := in.Validate(); err != nil {
		return Department{}, err
	}
	kind, err := in.kind(ctx, tx, sc)
	if err != nil {
		return Department{}, err
	}
	now := db.Now()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO departments (org_id, parent_id, kind, code, name, sort_order, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, nullID(in.ParentID), string(kind), in.Code, in.Name, in.SortOrder, now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return Department{}, validate.Errors{"name": {Key: "department.name_taken"}}
	}
	if err != nil {
		return Department{}, fmt.Errorf("cannot create department: %w", err)
	}
	d, err := GetDepartment(ctx, tx, sc, id)
	if err != nil {
		return d, err
	}
	return d, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "department", EntityID: fmt.Sprint(id), After: d})
}

// UpdateDepartment changes a department. A 部局 that has 課室 cannot be
// moved under another 部局.
func UpdateDepartment(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64, in DepartmentInput) (Department, error) {
	if err := in.Validate(); err != nil {
		return Department{}, err
	}
	before, err := GetDepartment(ctx, tx, sc, id)
	if err != nil {
		return before, err
	}
	if in.ParentID == id {
		return before, validate.Errors{"parent_id": {Key: "department.parent_self"}}
	}
	kind, err := in.kind(ctx, tx, sc)
	if err != nil {
		return before, err
	}
	if kind == Section && before.Kind == Bureau {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM departments WHERE org_id = ? AND parent_id = ?`, sc.OrgID, id).Scan(&n); err != nil {
			return before, fmt.Errorf("cannot count sections of %d: %w", id, err)
		}
		if n > 0 {
			return before, validate.Errors{"parent_id": {Key: "department.has_sections"}}
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE departments SET parent_id = ?, kind = ?, code = ?, name = ?, sort_order = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, nullID(in.ParentID), string(kind), in.Code, in.Name, in.SortOrder, db.Now(), sc.OrgID, id)
	if db.IsUniqueViolation(err) {
		return before, validate.Errors{"name": {Key: "department.name_taken"}}
	}
	if err != nil {
		return before, fmt.Errorf("cannot update department %d: %w", id, err)
	}
	after, err := GetDepartment(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "department", EntityID: fmt.Sprint(id), Before: before, After: after})
}

// ErrInUse is returned when deleting something that others still refer to.
var ErrInUse = errors.New("in use")

// DeleteDepartment removes a department that has no 課室, people, role
// assignments or information assets left.
func DeleteDepartment(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64) error {
	before, err := GetDepartment(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM departments WHERE org_id = ? AND parent_id = ?) +
		(SELECT COUNT(*) FROM people WHERE org_id = ? AND department_id = ?) +
		(SELECT COUNT(*) FROM role_assignments WHERE org_id = ? AND scope_kind = 'department' AND scope_id = ?) +
		(SELECT COUNT(*) FROM assets WHERE org_id = ? AND department_id = ?)`,
		sc.OrgID, id, sc.OrgID, id, sc.OrgID, id, sc.OrgID, id).Scan(&n); err != nil {
		return fmt.Errorf("cannot check use of department %d: %w", id, err)
	}
	if n > 0 {
		return fmt.Errorf("department %d: %w", id, ErrInUse)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM departments WHERE org_id = ? AND id = ?`, sc.OrgID, id); err != nil {
		return fmt.Errorf("cannot delete department %d: %w", id, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Delete, Entity: "department", EntityID: fmt.Sprint(id), Before: before})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
