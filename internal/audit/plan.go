package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// PlanKind is a multi-year plan (中期監査計画) or a yearly one (年度監査計画).
type PlanKind string

const (
	MultiYear PlanKind = "multi_year"
	Yearly    PlanKind = "yearly"
)

// Key is the message key of the kind's name.
func (k PlanKind) Key() string { return "audit.plan_kind." + string(k) }

// Plan is an audit plan. A yearly plan may sit under a multi-year one.
type Plan struct {
	ID        int64    `json:"id,string"`
	Kind      PlanKind `json:"kind"`
	ParentID  int64    `json:"parent_id,string,omitempty"`
	Title     string   `json:"title"`
	YearFrom  int      `json:"year_from"` // 年度
	YearTo    int      `json:"year_to"`
	Body      string   `json:"body"`
	Version   int64    `json:"version"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
}

// PlanInput creates or changes a plan.
type PlanInput struct {
	Kind     string `json:"kind"`
	ParentID int64  `json:"parent_id,string,omitempty"`
	Title    string `json:"title"`
	YearFrom int    `json:"year_from"`
	YearTo   int    `json:"year_to"`
	Body     string `json:"body"`
	Version  int64  `json:"version,omitempty"`
}

// Validate checks the fields that need no database. A yearly plan covers
// one 年度 (YearTo defaults to YearFrom); a multi-year plan at most ten.
func (in *PlanInput) Validate() validate.Errors {
	e := validate.Errors{}
	e.Choice("kind", in.Kind, true, string(MultiYear), string(Yearly))
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	in.Body = e.Text("body", in.Body, false, MaxText, true)
	if in.YearTo == 0 || in.Kind == string(Yearly) {
		in.YearTo = in.YearFrom
	}
	switch {
	case in.YearFrom == 0:
		e.Add("year_from", "error.required")
	case in.YearFrom < 1990 || in.YearFrom > 2200:
		e.Add("year_from", "error.out_of_range", 1990, 2200)
	case in.YearTo < in.YearFrom || in.YearTo > in.YearFrom+9:
		e.Add("year_to", "audit.plan.years_range")
	}
	if in.Kind == string(MultiYear) && in.ParentID != 0 {
		e.Add("parent_id", "error.invalid_choice")
	}
	return e
}

const planColumns = `id, kind, COALESCE(parent_id, 0), title, year_from, year_to, body, version, created_at, updated_at`

func scanPlan(s interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	var kind string
	err := s.Scan(&p.ID, &kind, &p.ParentID, &p.Title, &p.YearFrom, &p.YearTo, &p.Body, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.Kind = PlanKind(kind)
	return p, err
}

// GetPlan returns a plan; plans are read by everyone with audit.view.
func GetPlan(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Plan, error) {
	if !authz.CanSome(p, authz.ViewAudits) {
		return Plan{}, fmt.Errorf("audit plan %d: %w", id, db.ErrNotFound)
	}
	return loadPlan(ctx, q, sc, id)
}

func loadPlan(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Plan, error) {
	pl, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planColumns+` FROM audit_plans WHERE org_id = ? AND id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return pl, fmt.Errorf("audit plan %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return pl, fmt.Errorf("cannot load audit plan %d: %w", id, err)
	}
	return pl, nil
}

// MaxPlans bounds the plans listed at once: an organisation writes one a
// year and one every few years.
const MaxPlans = 500

// ListPlans lists the plans, newest first.
func ListPlans(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) ([]Plan, error) {
	if !authz.CanSome(p, authz.ViewAudits) {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+planColumns+` FROM audit_plans WHERE org_id = ?
		ORDER BY year_from DESC, id DESC LIMIT ?`, sc.OrgID, MaxPlans)
	if err != nil {
		return nil, fmt.Errorf("cannot list audit plans: %w", err)
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		pl, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read audit plan: %w", err)
		}
		out = append(out, pl)
	}
	return out, rows.Err()
}

func (in *PlanInput) check(ctx context.Context, q db.Querier, sc scope.Scope, self int64) (validate.Errors, error) {
	e := in.Validate()
	if in.ParentID != 0 {
		parent, err := loadPlan(ctx, q, sc, in.ParentID)
		switch {
		case errors.Is(err, db.ErrNotFound) || in.ParentID == self:
			e.Add("parent_id", "error.invalid_choice")
		case err != nil:
			return e, err
		case parent.Kind != MultiYear:
			e.Add("parent_id", "audit.plan.parent_multi_year")
		case in.YearFrom != 0 && (in.YearFrom < parent.YearFrom || in.YearFrom > parent.YearTo):
			e.Add("year_from", "audit.plan.outside_parent", parent.YearFrom, parent.YearTo)
		}
	}
	return e, nil
}

// CreatePlan writes a new plan (audit.manage).
func CreatePlan(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in PlanInput) (Plan, error) {
	if !authz.CanSome(p, authz.ManageAudits) {
		return Plan{}, ErrForbidden
	}
	e, err := in.check(ctx, tx, sc, 0)
	if err != nil {
		return Plan{}, err
	}
	if err := e.Err(); err != nil {
		return Plan{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO audit_plans (org_id, kind, parent_id, title, year_from, year_to, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, in.Kind, nullID(in.ParentID), in.Title, in.YearFrom, in.YearTo,
		in.Body, now, now).Scan(&id); err != nil {
		return Plan{}, fmt.Errorf("cannot create audit plan: %w", err)
	}
	pl, err := loadPlan(ctx, tx, sc, id)
	if err != nil {
		return Plan{}, err
	}
	return pl, record(ctx, tx, sc, trail.Create, EntityPlan, id, nil, pl)
}

// UpdatePlan changes a plan (audit.manage); its kind stays.
func UpdatePlan(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in PlanInput) (Plan, error) {
	if !authz.CanSome(p, authz.ManageAudits) {
		return Plan{}, ErrForbidden
	}
	before, err := loadPlan(ctx, tx, sc, id)
	if err != nil {
		return Plan{}, err
	}
	in.Kind = string(before.Kind)
	e, err := in.check(ctx, tx, sc, id)
	if err != nil {
		return Plan{}, err
	}
	if err := e.Err(); err != nil {
		return Plan{}, err
	}
	if in.Version != 0 && in.Version != before.Version {
		return Plan{}, fmt.Errorf("audit plan %d changed meanwhile: %w", id, db.ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_plans SET parent_id = ?, title = ?, year_from = ?, year_to = ?, body = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`, nullID(in.ParentID), in.Title, in.YearFrom, in.YearTo,
		in.Body, db.Now(), sc.OrgID, id); err != nil {
		return Plan{}, fmt.Errorf("cannot update audit plan %d: %w", id, err)
	}
	after, err := loadPlan(ctx, tx, sc, id)
	if err != nil {
		return Plan{}, err
	}
	return after, record(ctx, tx, sc, trail.Update, EntityPlan, id, before, after)
}

// PlanKinds lists the kinds in display order.
var PlanKinds = []PlanKind{MultiYear, Yearly}

// IsValid reports whether k is a known kind.
func (k PlanKind) IsValid() bool { return slices.Contains(PlanKinds, k) }
