package audit

import (
	"context"
	"fmt"
	"slices"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// Permissions says what a principal may do with one engagement.
type Permissions struct {
	View bool `json:"view"`
	// Manage: scope, auditors, basic fields, cancelling.
	Manage bool `json:"manage"`
	// Conduct: an assigned, independent auditor (items, requests, notes,
	// findings, reports).
	Conduct bool `json:"conduct"`
	// Auditor: assigned to the engagement (whether or not still
	// independent).
	Auditor bool `json:"auditor"`
	// Respond: audit.respond over an audited department.
	Respond bool `json:"respond"`
	// Approve: the final report (audit.approve).
	Approve bool `json:"approve"`
	// Notes: reads the working notes.
	Notes bool `json:"notes"`
}

// deptPath is a department with the ones holding it, nearest first.
func deptPath(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]int64, error) {
	return org.DepartmentPath(ctx, q, sc, id)
}

// related reports whether two departments are the same or one holds the
// other, given both paths (self and ancestors).
func related(a, b []int64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	return slices.Contains(a, b[0]) || slices.Contains(b, a[0])
}

// scopeDepartments returns the departments an engagement audits.
func scopeDepartments(ctx context.Context, q db.Querier, sc scope.Scope, auditID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT ref FROM audit_scope WHERE org_id = ? AND audit_id = ? AND kind = ?`,
		sc.OrgID, auditID, string(ScopeDepartment))
	if err != nil {
		return nil, fmt.Errorf("cannot list audited departments of audit %d: %w", auditID, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return nil, fmt.Errorf("cannot read audit scope: %w", err)
		}
		var id int64
		if _, err := fmt.Sscan(ref, &id); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// memberDepartments are the departments a person belongs to for the
// independence rule: their own, and those they hold a department-scoped
// role over.
func memberDepartments(ctx context.Context, q db.Querier, sc scope.Scope, personID int64) ([]int64, error) {
	var out []int64
	var dept int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(department_id, 0) FROM people WHERE org_id = ? AND id = ?`,
		sc.OrgID, personID).Scan(&dept); err != nil {
		return nil, fmt.Errorf("cannot load department of person %d: %w", personID, err)
	}
	if dept != 0 {
		out = append(out, dept)
	}
	as, err := org.ListAssignments(ctx, q, sc, personID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.ScopeKind == authz.ScopeDepartment && a.ScopeID != 0 && !slices.Contains(out, a.ScopeID) {
			out = append(out, a.ScopeID)
		}
	}
	return out, nil
}

// conflict returns the first audited department the person belongs to
// (0 when independent).
func conflict(ctx context.Context, q db.Querier, sc scope.Scope, personID int64, audited []int64) (int64, error) {
	if len(audited) == 0 {
		return 0, nil
	}
	mine, err := memberDepartments(ctx, q, sc, personID)
	if err != nil {
		return 0, err
	}
	for _, m := range mine {
		mp, err := deptPath(ctx, q, sc, m)
		if err != nil {
			return 0, err
		}
		for _, d := range audited {
			dp, err := deptPath(ctx, q, sc, d)
			if err != nil {
				return 0, err
			}
			if related(mp, dp) {
				return d, nil
			}
		}
	}
	return 0, nil
}

// isAuditor reports whether the person is an assigned auditor.
func isAuditor(ctx context.Context, q db.Querier, sc scope.Scope, auditID, personID int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_auditors WHERE org_id = ? AND audit_id = ? AND person_id = ?`,
		sc.OrgID, auditID, personID).Scan(&n); err != nil {
		return false, fmt.Errorf("cannot check auditors of audit %d: %w", auditID, err)
	}
	return n > 0, nil
}

// reachesAudited reports whether a department-reach grant of the action
// covers one of the audited departments (either holds the other).
func reachesAudited(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, act authz.Action, audited []int64) (bool, error) {
	g := authz.GrantFor(p, act)
	if g.All {
		return true, nil
	}
	for _, d := range audited {
		dp, err := deptPath(ctx, q, sc, d)
		if err != nil {
			return false, err
		}
		for _, gd := range g.Departments {
			gp, err := deptPath(ctx, q, sc, gd)
			if err != nil {
				return false, err
			}
			if related(gp, dp) {
				return true, nil
			}
		}
	}
	return false, nil
}

// PermissionsFor works out a principal's permissions on an engagement.
func PermissionsFor(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a Audit) (Permissions, error) {
	var perm Permissions
	audited := a.Departments()
	view, err := reachesAudited(ctx, q, sc, p, authz.ViewAudits, audited)
	if err != nil {
		return perm, err
	}
	perm.Manage = authz.CanSome(p, authz.ManageAudits) && authz.GrantFor(p, authz.ManageAudits).All
	perm.Approve = authz.GrantFor(p, authz.ApproveAudits).All
	perm.Auditor = a.HasAuditor(p.PersonID)
	if perm.Auditor && authz.CanSome(p, authz.ConductAudits) {
		c, err := conflict(ctx, q, sc, p.PersonID, audited)
		if err != nil {
			return perm, err
		}
		perm.Conduct = c == 0
	}
	if len(audited) > 0 && authz.CanSome(p, authz.RespondAudits) {
		if perm.Respond, err = reachesAudited(ctx, q, sc, p, authz.RespondAudits, audited); err != nil {
			return perm, err
		}
	}
	perm.Notes = perm.Auditor || perm.Manage
	perm.View = view || perm.Auditor || perm.Manage
	return perm, nil
}

// respondsFor reports whether the principal may reply for a department.
func respondsFor(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, deptID int64) (bool, error) {
	path, err := deptPath(ctx, q, sc, deptID)
	if err != nil {
		return false, err
	}
	return authz.Can(p, authz.RespondAudits, authz.Target{Departments: path}), nil
}

// viewGrantSQL is the condition, on audits a, that the principal may see
// the engagement in a list: the organisation, the audits they are an
// auditor of, or those whose scope touches a department of their grant.
func viewGrantSQL(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (string, []any, error) {
	g := authz.GrantFor(p, authz.ViewAudits)
	if g.All || authz.GrantFor(p, authz.ManageAudits).All {
		return "1 = 1", nil, nil
	}
	parts := []string{"a.id IN (SELECT audit_id FROM audit_auditors WHERE org_id = ? AND person_id = ?)"}
	args := []any{sc.OrgID, p.PersonID}
	if len(g.Departments) > 0 {
		// The granted departments with those below and above them.
		var refs []any
		seen := map[int64]bool{}
		for _, gd := range g.Departments {
			path, err := deptPath(ctx, q, sc, gd)
			if err != nil {
				return "", nil, err
			}
			for _, d := range path {
				if !seen[d] {
					seen[d] = true
					refs = append(refs, idText(d))
				}
			}
		}
		cond, cargs := org.SubtreeCondition("id", sc.OrgID, g.Departments)
		rows, err := q.QueryContext(ctx, `SELECT id FROM departments WHERE org_id = ? AND `+cond, append([]any{sc.OrgID}, cargs...)...)
		if err != nil {
			return "", nil, fmt.Errorf("cannot list departments of a grant: %w", err)
		}
		for rows.Next() {
			var d int64
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return "", nil, fmt.Errorf("cannot read department: %w", err)
			}
			if !seen[d] {
				seen[d] = true
				refs = append(refs, idText(d))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", nil, fmt.Errorf("cannot list departments of a grant: %w", err)
		}
		parts = append(parts, `a.id IN (SELECT audit_id FROM audit_scope WHERE org_id = ? AND kind = 'department' AND ref IN (`+placeholders(len(refs))+`))`)
		args = append(args, sc.OrgID)
		args = append(args, refs...)
	}
	return "(" + joinOr(parts) + ")", args, nil
}

func joinOr(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " OR "
		}
		out += p
	}
	return out
}
