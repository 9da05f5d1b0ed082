package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// RoleAssignment is a role held by a person in a scope.
type RoleAssignment struct {
	ID        int64           `json:"id,string"`
	PersonID  int64           `json:"person_id,string"`
	Role      authz.Role      `json:"role"`
	ScopeKind authz.ScopeKind `json:"scope_kind"`
	ScopeID   int64           `json:"scope_id,string,omitempty"`
}

// AssignmentInput is a request to give a person a role.
type AssignmentInput struct {
	Role    string `json:"role"`
	ScopeID int64  `json:"scope_id,string"`
}

// ListAssignments returns the roles a person holds.
func ListAssignments(ctx context.Context, q db.Querier, sc scope.Scope, personID int64) ([]RoleAssignment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, person_id, role, scope_kind, scope_id FROM role_assignments
		WHERE org_id = ? AND person_id = ? ORDER BY id`, sc.OrgID, personID)
	if err != nil {
		return nil, fmt.Errorf("cannot list roles of person %d: %w", personID, err)
	}
	defer rows.Close()
	var out []RoleAssignment
	for rows.Next() {
		var a RoleAssignment
		var role, kind string
		if err := rows.Scan(&a.ID, &a.PersonID, &role, &kind, &a.ScopeID); err != nil {
			return nil, fmt.Errorf("cannot read role assignment: %w", err)
		}
		a.Role, a.ScopeKind = authz.Role(role), authz.ScopeKind(kind)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Principal loads what permissions need to know about a person.
func Principal(ctx context.Context, q db.Querier, sc scope.Scope, personID int64) (authz.Principal, error) {
	as, err := ListAssignments(ctx, q, sc, personID)
	if err != nil {
		return authz.Principal{}, err
	}
	p := authz.Principal{PersonID: personID}
	for _, a := range as {
		p.Assignments = append(p.Assignments, authz.Assignment{Role: a.Role, ScopeKind: a.ScopeKind, ScopeID: a.ScopeID})
	}
	return p, nil
}

// Assign gives a person a role. A department-scoped role needs a department
// of the right level (a 部局 for 情報セキュリティ責任者, a 課室 for 管理者);
// system-scoped roles take a system id once systems exist.
func Assign(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, in AssignmentInput) (RoleAssignment, error) {
	e := validate.Errors{}
	role := authz.Role(in.Role)
	info, ok := authz.Info(role)
	if !ok {
		e.Add("role", "error.invalid_choice")
		return RoleAssignment{}, e
	}
	if role == authz.Staff {
		e.Add("role", "role.staff_implied")
		return RoleAssignment{}, e
	}
	if _, err := GetPerson(ctx, tx, sc, personID); err != nil {
		return RoleAssignment{}, err
	}
	a := RoleAssignment{PersonID: personID, Role: role, ScopeKind: info.Scope}
	switch info.Scope {
	case authz.ScopeOrg:
		a.ScopeID = 0
	case authz.ScopeDepartment:
		d, err := GetDepartment(ctx, tx, sc, in.ScopeID)
		if errors.Is(err, db.ErrNotFound) {
			e.Add("scope_id", "role.department_required")
			return a, e
		}
		if err != nil {
			return a, err
		}
		if role == authz.SecurityOfficer && d.Kind != Bureau {
			e.Add("scope_id", "role.bureau_required")
			return a, e
		}
		if role == authz.SecurityManager && d.Kind != Section {
			e.Add("scope_id", "role.section_required")
			return a, e
		}
		a.ScopeID = d.ID
	case authz.ScopeSystem:
		if in.ScopeID <= 0 {
			e.Add("scope_id", "role.system_required")
			return a, e
		}
		a.ScopeID = in.ScopeID
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO role_assignments (org_id, person_id, role, scope_kind, scope_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, personID, string(a.Role), string(a.ScopeKind), a.ScopeID, db.Now()).Scan(&a.ID)
	if db.IsUniqueViolation(err) {
		e.Add("role", "role.already_held")
		return a, e
	}
	if err != nil {
		return a, fmt.Errorf("cannot assign role %s to person %d: %w", role, personID, err)
	}
	return a, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "role_assignment", EntityID: fmt.Sprint(a.ID), After: a})
}

// Unassign removes a role assignment.
func Unassign(ctx context.Context, tx *db.Tx, sc scope.Scope, assignmentID int64) error {
	var a RoleAssignment
	var role, kind string
	err := tx.QueryRowContext(ctx, `SELECT id, person_id, role, scope_kind, scope_id FROM role_assignments WHERE org_id = ? AND id = ?`,
		sc.OrgID, assignmentID).Scan(&a.ID, &a.PersonID, &role, &kind, &a.ScopeID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("role assignment %d: %w", assignmentID, db.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("cannot load role assignment %d: %w", assignmentID, err)
	}
	a.Role, a.ScopeKind = authz.Role(role), authz.ScopeKind(kind)
	if _, err := tx.ExecContext(ctx, `DELETE FROM role_assignments WHERE org_id = ? AND id = ?`, sc.OrgID, assignmentID); err != nil {
		return fmt.Errorf("cannot remove role assignment %d: %w", assignmentID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Delete, Entity: "role_assignment", EntityID: fmt.Sprint(a.ID), Before: a})
}

// RoleHolder is a person holding a role, for the roles page.
type RoleHolder struct {
	Assignment RoleAssignment
	PersonName string
	ScopeName  string
}

// ListHolders returns every role assignment with names, ordered by role.
// The number of assignments is small (a few per person at most).
func ListHolders(ctx context.Context, q db.Querier, sc scope.Scope, role authz.Role) ([]RoleHolder, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.person_id, r.role, r.scope_kind, r.scope_id, p.name, COALESCE(d.name, '')
		FROM role_assignments r JOIN people p ON p.id = r.person_id AND p.org_id = r.org_id
		LEFT JOIN departments d ON r.scope_kind = 'department' AND d.id = r.scope_id AND d.org_id = r.org_id
		WHERE r.org_id = ? AND (? = '' OR r.role = ?) ORDER BY r.role, p.name_kana, r.id LIMIT 2000`, sc.OrgID, string(role), string(role))
	if err != nil {
		return nil, fmt.Errorf("cannot list role holders: %w", err)
	}
	defer rows.Close()
	var out []RoleHolder
	for rows.Next() {
		var h RoleHolder
		var r, kind string
		if err := rows.Scan(&h.Assignment.ID, &h.Assignment.PersonID, &r, &kind, &h.Assignment.ScopeID, &h.PersonName, &h.ScopeName); err != nil {
			return nil, fmt.Errorf("cannot read role holder: %w", err)
		}
		h.Assignment.Role, h.Assignment.ScopeKind = authz.Role(r), authz.ScopeKind(kind)
		out = append(out, h)
	}
	return out, rows.Err()
}
