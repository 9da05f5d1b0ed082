package audit

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Audit is an engagement (個別監査) with its scope and auditors.
type Audit struct {
	ID          int64        `json:"id,string"`
	PlanID      int64        `json:"plan_id,string,omitempty"`
	Title       string       `json:"title"`
	Objective   string       `json:"objective"`
	StartsOn    string       `json:"starts_on"`
	EndsOn      string       `json:"ends_on"`
	Status      Status       `json:"status"`
	DraftReport string       `json:"draft_report"`
	Response    string       `json:"response"`
	RespondedBy int64        `json:"responded_by,string,omitempty"`
	RespondedAt int64        `json:"responded_at,omitempty"`
	FinalReport string       `json:"final_report"`
	ApprovedBy  int64        `json:"approved_by,string,omitempty"`
	ApprovedAt  int64        `json:"approved_at,omitempty"`
	CreatedBy   int64        `json:"created_by,string,omitempty"`
	Version     int64        `json:"version"`
	CreatedAt   int64        `json:"created_at"`
	UpdatedAt   int64        `json:"updated_at"`
	Scope       []ScopeEntry `json:"scope"`
	Auditors    []Auditor    `json:"auditors"`
}

// ScopeEntry is one thing an engagement covers. Label names it for people
// (a department's name, an asset's name, "document title ident").
type ScopeEntry struct {
	Kind  ScopeKind `json:"kind"`
	Ref   string    `json:"ref"`
	Label string    `json:"label"`
}

// Auditor is an assigned auditor.
type Auditor struct {
	PersonID int64  `json:"person_id,string"`
	Name     string `json:"name"`
	Lead     bool   `json:"lead"`
}

// Departments are the audited departments' ids.
func (a Audit) Departments() []int64 {
	var out []int64
	for _, s := range a.Scope {
		if s.Kind != ScopeDepartment {
			continue
		}
		if id, err := strconv.ParseInt(s.Ref, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// HasAuditor reports whether the person is assigned.
func (a Audit) HasAuditor(personID int64) bool {
	return slices.ContainsFunc(a.Auditors, func(x Auditor) bool { return x.PersonID == personID })
}

// AwaitingApproval reports whether the final report waits for the CISO.
func (a Audit) AwaitingApproval() bool { return a.Status == Responded && a.FinalReport != "" }

const auditColumns = `a.id, COALESCE(a.plan_id, 0), a.title, a.objective, a.starts_on, a.ends_on, a.status, a.draft_report,
	a.response, COALESCE(a.responded_by, 0), COALESCE(a.responded_at, 0), a.final_report, COALESCE(a.approved_by, 0),
	COALESCE(a.approved_at, 0), COALESCE(a.created_by, 0), a.version, a.created_at, a.updated_at`

func scanAudit(s interface{ Scan(...any) error }) (Audit, error) {
	var a Audit
	var status string
	err := s.Scan(&a.ID, &a.PlanID, &a.Title, &a.Objective, &a.StartsOn, &a.EndsOn, &status, &a.DraftReport, &a.Response,
		&a.RespondedBy, &a.RespondedAt, &a.FinalReport, &a.ApprovedBy, &a.ApprovedAt, &a.CreatedBy, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	a.Status = Status(status)
	return a, err
}

// load reads an engagement with its scope and auditors, unchecked.
func load(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Audit, error) {
	a, err := scanAudit(q.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audits a WHERE a.org_id = ? AND a.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("audit %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("cannot load audit %d: %w", id, err)
	}
	if a.Scope, err = loadScope(ctx, q, sc, id); err != nil {
		return a, err
	}
	if a.Auditors, err = loadAuditors(ctx, q, sc, id); err != nil {
		return a, err
	}
	return a, nil
}

func loadScope(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]ScopeEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.kind, s.ref,
		COALESCE(d.name, ''), COALESCE(pd.name, ''), COALESCE(x.name, '')
		FROM audit_scope s
		LEFT JOIN departments d ON s.kind = 'department' AND d.org_id = s.org_id AND CAST(d.id AS TEXT) = s.ref
		LEFT JOIN departments pd ON pd.org_id = d.org_id AND pd.id = d.parent_id
		LEFT JOIN assets x ON s.kind = 'system' AND x.org_id = s.org_id AND CAST(x.id AS TEXT) = s.ref
		WHERE s.org_id = ? AND s.audit_id = ? ORDER BY s.kind, s.ref`, sc.OrgID, id)
	if err != nil {
		return nil, fmt.Errorf("cannot load scope of audit %d: %w", id, err)
	}
	defer rows.Close()
	out := []ScopeEntry{}
	for rows.Next() {
		var e ScopeEntry
		var kind, dept, parent, asset string
		if err := rows.Scan(&kind, &e.Ref, &dept, &parent, &asset); err != nil {
			return nil, fmt.Errorf("cannot read scope of audit %d: %w", id, err)
		}
		e.Kind = ScopeKind(kind)
		switch e.Kind {
		case ScopeDepartment:
			e.Label = strings.TrimSpace(parent + "　" + dept)
		case ScopeSystem:
			e.Label = asset
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot load scope of audit %d: %w", id, err)
	}
	for i, e := range out {
		if e.Kind == ScopeClause {
			out[i].Label = clauseLabel(ctx, q, sc, e.Ref)
		}
	}
	return out, nil
}

// clauseLabel names a clause scope entry "document title ident".
func clauseLabel(ctx context.Context, q db.Querier, sc scope.Scope, ref string) string {
	docText, ident, _ := strings.Cut(ref, ":")
	var title string
	if err := q.QueryRowContext(ctx, `SELECT title FROM documents WHERE org_id = ? AND CAST(id AS TEXT) = ?`, sc.OrgID, docText).Scan(&title); err != nil {
		return ref
	}
	return strings.TrimSpace(title + " " + ident)
}

func loadAuditors(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]Auditor, error) {
	rows, err := q.QueryContext(ctx, `SELECT x.person_id, p.name, x.lead FROM audit_auditors x JOIN people p ON p.id = x.person_id AND p.org_id = x.org_id
		WHERE x.org_id = ? AND x.audit_id = ? ORDER BY x.lead DESC, p.name_kana, p.id`, sc.OrgID, id)
	if err != nil {
		return nil, fmt.Errorf("cannot load auditors of audit %d: %w", id, err)
	}
	defer rows.Close()
	out := []Auditor{}
	for rows.Next() {
		var x Auditor
		if err := rows.Scan(&x.PersonID, &x.Name, &x.Lead); err != nil {
			return nil, fmt.Errorf("cannot read auditor: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Get returns an engagement the principal may see, with their
// permissions; db.ErrNotFound when they may not see it.
func Get(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Audit, Permissions, error) {
	a, err := load(ctx, q, sc, id)
	if err != nil {
		return Audit{}, Permissions{}, err
	}
	perm, err := PermissionsFor(ctx, q, sc, p, a)
	if err != nil {
		return Audit{}, Permissions{}, err
	}
	if !perm.View {
		return Audit{}, Permissions{}, fmt.Errorf("audit %d: %w", id, db.ErrNotFound)
	}
	return a, perm, nil
}

// Input creates an engagement or changes its basic fields. On create,
// Departments, Systems, Clauses ("documentID:ident") and Auditors set the
// scope and the auditors; Lead is the lead auditor (one of Auditors).
type Input struct {
	PlanID      int64    `json:"plan_id,string,omitempty"`
	Title       string   `json:"title"`
	Objective   string   `json:"objective"`
	StartsOn    string   `json:"starts_on"`
	EndsOn      string   `json:"ends_on"`
	Departments IDs      `json:"departments,omitempty"`
	Systems     IDs      `json:"systems,omitempty"`
	Clauses     []string `json:"clauses,omitempty"`
	Auditors    IDs      `json:"auditors,omitempty"`
	Lead        int64    `json:"lead,string,omitempty"`
	Version     int64    `json:"version,omitempty"`
}

// Validate checks the fields that need no database.
func (in *Input) Validate() validate.Errors {
	e := validate.Errors{}
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	in.Objective = e.Text("objective", in.Objective, false, MaxShort, true)
	in.StartsOn = checkDate(e, "starts_on", in.StartsOn, true)
	in.EndsOn = checkDate(e, "ends_on", in.EndsOn, true)
	if in.StartsOn != "" && in.EndsOn != "" && in.EndsOn < in.StartsOn {
		e.Add("ends_on", "audit.ends_before_start")
	}
	if in.Lead != 0 && !slices.Contains(in.Auditors, in.Lead) {
		in.Auditors = append(in.Auditors, in.Lead)
	}
	// One auditor is the lead without saying so.
	if in.Lead == 0 && len(in.Auditors) == 1 {
		in.Lead = in.Auditors[0]
	}
	return e
}

// Create opens an engagement (audit.manage) with its scope and auditors.
// An auditor who belongs to an audited department is refused with a
// *Refusal naming them.
func Create(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in Input) (Audit, error) {
	if !authz.GrantFor(p, authz.ManageAudits).All {
		return Audit{}, ErrForbidden
	}
	e := in.Validate()
	if in.PlanID != 0 {
		if _, err := loadPlan(ctx, tx, sc, in.PlanID); errors.Is(err, db.ErrNotFound) {
			e.Add("plan_id", "error.invalid_choice")
		} else if err != nil {
			return Audit{}, err
		}
	}
	if err := e.Err(); err != nil {
		return Audit{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO audits (org_id, plan_id, title, objective, starts_on, ends_on, status, created_by,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, nullID(in.PlanID), in.Title, in.Objective,
		in.StartsOn, in.EndsOn, string(Planned), nullID(sc.ActorID), now, now).Scan(&id); err != nil {
		return Audit{}, fmt.Errorf("cannot create audit: %w", err)
	}
	for _, d := range in.Departments {
		if err := addScope(ctx, tx, sc, id, ScopeDepartment, idText(d), "departments"); err != nil {
			return Audit{}, err
		}
	}
	for _, s := range in.Systems {
		if err := addScope(ctx, tx, sc, id, ScopeSystem, idText(s), "systems"); err != nil {
			return Audit{}, err
		}
	}
	for _, c := range in.Clauses {
		if err := addScope(ctx, tx, sc, id, ScopeClause, c, "clauses"); err != nil {
			return Audit{}, err
		}
	}
	for _, pid := range in.Auditors {
		if err := addAuditor(ctx, tx, sc, id, pid, pid == in.Lead, "auditors"); err != nil {
			return Audit{}, err
		}
	}
	a, err := load(ctx, tx, sc, id)
	if err != nil {
		return Audit{}, err
	}
	return a, record(ctx, tx, sc, trail.Create, EntityAudit, id, nil, a)
}

// Update changes an engagement's title, plan, objective and dates while it
// is planned or in fieldwork (audit.manage).
func Update(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in Input) (Audit, error) {
	if !authz.GrantFor(p, authz.ManageAudits).All {
		return Audit{}, ErrForbidden
	}
	before, err := load(ctx, tx, sc, id)
	if err != nil {
		return Audit{}, err
	}
	e := in.Validate()
	if in.PlanID != 0 {
		if _, err := loadPlan(ctx, tx, sc, in.PlanID); errors.Is(err, db.ErrNotFound) {
			e.Add("plan_id", "error.invalid_choice")
		} else if err != nil {
			return Audit{}, err
		}
	}
	if err := e.Err(); err != nil {
		return Audit{}, err
	}
	if !before.Status.Open() {
		return Audit{}, ErrState
	}
	if in.Version != 0 && in.Version != before.Version {
		return Audit{}, stale(id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audits SET plan_id = ?, title = ?, objective = ?, starts_on = ?, ends_on = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`, nullID(in.PlanID), in.Title, in.Objective,
		in.StartsOn, in.EndsOn, db.Now(), sc.OrgID, id); err != nil {
		return Audit{}, fmt.Errorf("cannot update audit %d: %w", id, err)
	}
	return reload(ctx, tx, sc, id, before)
}

func stale(id int64) error { return fmt.Errorf("audit %d changed meanwhile: %w", id, db.ErrConflict) }

// reload reads the engagement after a change and records it.
func reload(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64, before Audit) (Audit, error) {
	after, err := load(ctx, tx, sc, id)
	if err != nil {
		return Audit{}, err
	}
	return after, record(ctx, tx, sc, trail.Update, EntityAudit, id, before, after)
}

// touch moves the engagement's version on a change of its scope or auditors.
func touch(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE audits SET version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`,
		db.Now(), sc.OrgID, id); err != nil {
		return fmt.Errorf("cannot update audit %d: %w", id, err)
	}
	return nil
}

// addScope adds one scope entry after checking it; field names the input
// field a problem is reported on.
func addScope(ctx context.Context, tx *db.Tx, sc scope.Scope, auditID int64, kind ScopeKind, ref, field string) error {
	switch kind {
	case ScopeDepartment:
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 {
			return validate.Errors{field: {Key: "error.invalid_choice"}}
		}
		if _, err := org.GetDepartment(ctx, tx, sc, id); errors.Is(err, db.ErrNotFound) {
			return validate.Errors{field: {Key: "error.invalid_choice"}}
		} else if err != nil {
			return err
		}
		auditors, err := loadAuditors(ctx, tx, sc, auditID)
		if err != nil {
			return err
		}
		for _, x := range auditors {
			d, err := conflict(ctx, tx, sc, x.PersonID, []int64{id})
			if err != nil {
				return err
			}
			if d != 0 {
				return &Refusal{Step: "add_scope", AuditID: auditID, Fields: validate.Errors{field: {
					Key: "audit.refused.scope_includes_auditor", Args: []any{x.Name, departmentName(ctx, tx, sc, id)}}}}
			}
		}
	case ScopeSystem:
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 {
			return validate.Errors{field: {Key: "error.invalid_choice"}}
		}
		var kind string
		err = tx.QueryRowContext(ctx, `SELECT kind FROM assets WHERE org_id = ? AND id = ?`, sc.OrgID, id).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return validate.Errors{field: {Key: "error.invalid_choice"}}
		}
		if err != nil {
			return fmt.Errorf("cannot check asset %d: %w", id, err)
		}
	case ScopeClause:
		docText, ident, ok := strings.Cut(ref, ":")
		docID, err := strconv.ParseInt(docText, 10, 64)
		ident = strings.TrimSpace(ident)
		if !ok || err != nil || docID <= 0 || ident == "" || len([]rune(ident)) > MaxClause {
			return validate.Errors{field: {Key: "audit.clause_format"}}
		}
		ref = idText(docID) + ":" + ident
		if ok, err := clauseExists(ctx, tx, sc, docID, ident); err != nil {
			return err
		} else if !ok {
			return validate.Errors{field: {Key: "audit.clause_unknown"}}
		}
	default:
		return validate.Errors{"kind": {Key: "error.invalid_choice"}}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_scope (org_id, audit_id, kind, ref) VALUES (?, ?, ?, ?)
		ON CONFLICT (audit_id, kind, ref) DO NOTHING`, sc.OrgID, auditID, string(kind), ref); err != nil {
		return fmt.Errorf("cannot add scope to audit %d: %w", auditID, err)
	}
	return nil
}

// clauseExists reports whether the document has the clause: in its
// version in effect, or in its newest version while none is in effect
// (a review can only be opened on the version in effect).
func clauseExists(ctx context.Context, q db.Querier, sc scope.Scope, docID int64, ident string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM document_clauses c JOIN documents d ON d.org_id = c.org_id
		AND c.version_id = COALESCE(d.current_version_id,
			(SELECT MAX(v.id) FROM document_versions v WHERE v.org_id = d.org_id AND v.document_id = d.id))
		WHERE d.org_id = ? AND d.id = ? AND c.ident = ?`, sc.OrgID, docID, ident).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("cannot check clause %s of document %d: %w", ident, docID, err)
	}
	return n > 0, nil
}

// departmentName names a department with its 部局.
func departmentName(ctx context.Context, q db.Querier, sc scope.Scope, id int64) string {
	d, err := org.GetDepartment(ctx, q, sc, id)
	if err != nil {
		return "#" + idText(id)
	}
	if d.ParentID != 0 {
		if p, err := org.GetDepartment(ctx, q, sc, d.ParentID); err == nil {
			return p.Name + "　" + d.Name
		}
	}
	return d.Name
}

// addAuditor assigns an auditor after the independence check.
func addAuditor(ctx context.Context, tx *db.Tx, sc scope.Scope, auditID, personID int64, lead bool, field string) error {
	per, err := org.GetPerson(ctx, tx, sc, personID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !per.Active) {
		return validate.Errors{field: {Key: "error.invalid_choice"}}
	}
	if err != nil {
		return err
	}
	audited, err := scopeDepartments(ctx, tx, sc, auditID)
	if err != nil {
		return err
	}
	d, err := conflict(ctx, tx, sc, personID, audited)
	if err != nil {
		return err
	}
	if d != 0 {
		return &Refusal{Step: "assign_auditor", AuditID: auditID, Fields: validate.Errors{field: {
			Key: "audit.refused.auditor_in_audited_department", Args: []any{per.Name, departmentName(ctx, tx, sc, d)}}}}
	}
	if lead {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_auditors SET lead = FALSE WHERE org_id = ? AND audit_id = ?`, sc.OrgID, auditID); err != nil {
			return fmt.Errorf("cannot change the lead auditor of audit %d: %w", auditID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_auditors (org_id, audit_id, person_id, lead) VALUES (?, ?, ?, ?)
		ON CONFLICT (audit_id, person_id) DO UPDATE SET lead = excluded.lead`, sc.OrgID, auditID, personID, lead); err != nil {
		return fmt.Errorf("cannot assign auditor to audit %d: %w", auditID, err)
	}
	return nil
}

// ScopeInput adds one entry to an engagement's scope.
type ScopeInput struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// AddScope widens an engagement's scope (audit.manage) while planned or in
// fieldwork. A department one of the auditors belongs to is refused.
func AddScope(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in ScopeInput) (Audit, error) {
	before, err := manageable(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	e := validate.Errors{}
	e.Choice("kind", in.Kind, true, string(ScopeDepartment), string(ScopeSystem), string(ScopeClause))
	in.Ref = e.Text("ref", in.Ref, true, 100, false)
	if err := e.Err(); err != nil {
		return Audit{}, err
	}
	if err := addScope(ctx, tx, sc, auditID, ScopeKind(in.Kind), in.Ref, "ref"); err != nil {
		return Audit{}, err
	}
	if err := touch(ctx, tx, sc, auditID); err != nil {
		return Audit{}, err
	}
	return reload(ctx, tx, sc, auditID, before)
}

// RemoveScope narrows an engagement's scope (audit.manage).
func RemoveScope(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in ScopeInput) (Audit, error) {
	before, err := manageable(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_scope WHERE org_id = ? AND audit_id = ? AND kind = ? AND ref = ?`,
		sc.OrgID, auditID, in.Kind, in.Ref)
	if err != nil {
		return Audit{}, fmt.Errorf("cannot remove scope of audit %d: %w", auditID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Audit{}, fmt.Errorf("scope %s %s of audit %d: %w", in.Kind, in.Ref, auditID, db.ErrNotFound)
	}
	if err := touch(ctx, tx, sc, auditID); err != nil {
		return Audit{}, err
	}
	return reload(ctx, tx, sc, auditID, before)
}

// AuditorInput assigns an auditor.
type AuditorInput struct {
	PersonID int64 `json:"person_id,string"`
	Lead     bool  `json:"lead"`
}

// AddAuditor assigns an auditor (audit.manage). A member of an audited
// department is refused; so is a person without the 監査人 role.
func AddAuditor(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in AuditorInput) (Audit, error) {
	before, err := manageable(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	if in.PersonID <= 0 {
		return Audit{}, validate.Errors{"person_id": {Key: "error.required"}}
	}
	if _, err := org.GetPerson(ctx, tx, sc, in.PersonID); errors.Is(err, db.ErrNotFound) {
		return Audit{}, validate.Errors{"person_id": {Key: "error.invalid_choice"}}
	} else if err != nil {
		return Audit{}, err
	}
	pr, err := org.Principal(ctx, tx, sc, in.PersonID)
	if err != nil {
		return Audit{}, err
	}
	if !authz.CanSome(pr, authz.ConductAudits) {
		return Audit{}, validate.Errors{"person_id": {Key: "audit.auditor_role_required"}}
	}
	if err := addAuditor(ctx, tx, sc, auditID, in.PersonID, in.Lead, "person_id"); err != nil {
		return Audit{}, err
	}
	if err := touch(ctx, tx, sc, auditID); err != nil {
		return Audit{}, err
	}
	return reload(ctx, tx, sc, auditID, before)
}

// RemoveAuditor unassigns an auditor (audit.manage).
func RemoveAuditor(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID, personID int64) (Audit, error) {
	before, err := manageable(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_auditors WHERE org_id = ? AND audit_id = ? AND person_id = ?`, sc.OrgID, auditID, personID)
	if err != nil {
		return Audit{}, fmt.Errorf("cannot remove auditor of audit %d: %w", auditID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Audit{}, fmt.Errorf("auditor %d of audit %d: %w", personID, auditID, db.ErrNotFound)
	}
	if err := touch(ctx, tx, sc, auditID); err != nil {
		return Audit{}, err
	}
	return reload(ctx, tx, sc, auditID, before)
}

// manageable loads an engagement for a change of its set-up.
func manageable(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64) (Audit, error) {
	a, perm, err := Get(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	if !perm.Manage {
		return Audit{}, ErrForbidden
	}
	if !a.Status.Open() {
		return Audit{}, ErrState
	}
	return a, nil
}

// Start moves a planned engagement into fieldwork (audit.manage or an
// assigned auditor). It needs an audited department and an auditor.
func Start(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64) (Audit, error) {
	before, perm, err := Get(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	if !perm.Manage && !perm.Conduct {
		return Audit{}, ErrForbidden
	}
	if before.Status != Planned {
		return Audit{}, ErrState
	}
	e := validate.Errors{}
	if len(before.Departments()) == 0 {
		e.Add("departments", "audit.start_needs_department")
	}
	if len(before.Auditors) == 0 {
		e.Add("auditors", "audit.start_needs_auditor")
	}
	if err := e.Err(); err != nil {
		return Audit{}, err
	}
	return setStatus(ctx, tx, sc, before, Fieldwork)
}

// Cancel cancels an engagement not yet reported (audit.manage).
func Cancel(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64) (Audit, error) {
	before, err := manageable(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	return setStatus(ctx, tx, sc, before, Cancelled)
}

func setStatus(ctx context.Context, tx *db.Tx, sc scope.Scope, before Audit, to Status) (Audit, error) {
	res, err := tx.ExecContext(ctx, `UPDATE audits SET status = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		string(to), db.Now(), sc.OrgID, before.ID, before.Version)
	if err != nil {
		return Audit{}, fmt.Errorf("cannot change status of audit %d: %w", before.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Audit{}, stale(before.ID)
	}
	return reload(ctx, tx, sc, before.ID, before)
}

// Filter narrows a listing of engagements.
type Filter struct {
	Status Status
	PlanID int64
	// Mine lists only the engagements the principal is an auditor of.
	Mine   bool
	Cursor string
	Limit  int
}

// Page is one page of engagements, newest start date first.
type Page struct {
	Items      []Audit
	NextCursor string
}

// ErrBadCursor is returned for a cursor this package did not write.
var ErrBadCursor = validate.Errors{"cursor": {Key: "error.invalid_choice"}}

func encodeCursor(starts string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(starts + "|" + idText(id)))
}

func decodeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, ErrBadCursor
	}
	starts, idPart, ok := strings.Cut(string(b), "|")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || id <= 0 || len(starts) > 10 {
		return "", 0, ErrBadCursor
	}
	return starts, id, nil
}

// List returns one page of the engagements the principal may see. Scope
// and auditors are loaded for the page's rows only.
func List(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f Filter) (Page, error) {
	cond, args, err := viewGrantSQL(ctx, q, sc, p)
	if err != nil {
		return Page{}, err
	}
	if !authz.CanSome(p, authz.ViewAudits) && !authz.CanSome(p, authz.ConductAudits) {
		return Page{}, nil
	}
	where := []string{"a.org_id = ?", cond}
	args = append([]any{sc.OrgID}, args...)
	if f.Status != "" {
		where = append(where, "a.status = ?")
		args = append(args, string(f.Status))
	}
	if f.PlanID != 0 {
		where = append(where, "a.plan_id = ?")
		args = append(args, f.PlanID)
	}
	if f.Mine {
		where = append(where, "a.id IN (SELECT audit_id FROM audit_auditors WHERE org_id = ? AND person_id = ?)")
		args = append(args, sc.OrgID, p.PersonID)
	}
	if f.Cursor != "" {
		starts, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "(a.starts_on < ? OR (a.starts_on = ? AND a.id < ?))")
		args = append(args, starts, starts, id)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	args = append(args, limit+1)
	rows, err := q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audits a WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.starts_on DESC, a.id DESC LIMIT ?`, args...)
	if err != nil {
		return Page{}, fmt.Errorf("cannot list audits: %w", err)
	}
	var page Page
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return Page{}, fmt.Errorf("cannot read audit: %w", err)
		}
		page.Items = append(page.Items, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("cannot list audits: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeCursor(last.StartsOn, last.ID)
	}
	for i := range page.Items {
		if page.Items[i].Scope, err = loadScope(ctx, q, sc, page.Items[i].ID); err != nil {
			return Page{}, err
		}
		if page.Items[i].Auditors, err = loadAuditors(ctx, q, sc, page.Items[i].ID); err != nil {
			return Page{}, err
		}
	}
	return page, nil
}
