// Package action owns 是正処置 (corrective actions): raised from an audit
// finding or from a 未実施 answer of a self-inspection, each with an owner,
// a due date and a status, and verified by an auditor or the 統括 before it
// is closed. Overdue actions are listed for the people responsible.
//
// Life cycle: open → in_progress → completed (awaiting verification) →
// verified (closed). A verifier who is not satisfied sends a completed
// action back to in_progress with a note.
//
// Who may do what (authz table, then these limits):
//   - view: action.view — the organisation, the action's department and
//     those below it, or oneself as its owner;
//   - progress (start, complete, note): action.edit over the department or
//     as owner;
//   - verify: action.verify, and for an action raised from a finding only
//     by an auditor assigned to that engagement (or a holder of
//     audit.manage with action.verify, i.e. the 統括); never by the owner;
//   - raise from a finding: audit.manage, an assigned auditor of the
//     engagement, or action.edit over the finding's department;
//   - raise from a self-inspection: campaign.manage, or action.edit over
//     the department (not merely as the would-be owner).
//
// Every write checks these, validates its input into validate.Errors and
// records a trail entry in the same transaction.
package action

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// EntityAction is the trail entity of a corrective action.
const EntityAction = "corrective_action"

// ErrForbidden is returned when the principal may not do what was asked.
var ErrForbidden = authz.ErrForbidden

// ErrState is returned when the action's status does not allow a step (a
// conflict at the edge).
var ErrState = fmt.Errorf("corrective action is not in a state for that: %w", db.ErrConflict)

// Status is where an action stands.
type Status string

const (
	Open       Status = "open"
	InProgress Status = "in_progress"
	Completed  Status = "completed" // awaiting verification
	Verified   Status = "verified"  // closed
)

// Statuses lists every status in order.
var Statuses = []Status{Open, InProgress, Completed, Verified}

// IsValid reports whether s is a known status.
func (s Status) IsValid() bool { return slices.Contains(Statuses, s) }

// Key is the message key of the status's name.
func (s Status) Key() string { return "action.status." + string(s) }

// Source says what an action was raised from.
type Source string

const (
	FromFinding        Source = "finding"
	FromSelfInspection Source = "self_inspection"
)

// Key is the message key of the source's name.
func (s Source) Key() string { return "action.source." + string(s) }

// Limits of the text fields.
const (
	MaxTitle       = 200
	MaxDescription = 4000
	MaxNote        = 4000
)

// Action is one corrective action.
type Action struct {
	ID               int64  `json:"id,string"`
	Source           Source `json:"source"`
	FindingID        int64  `json:"finding_id,string,omitempty"`
	CampaignID       int64  `json:"campaign_id,string,omitempty"`
	ItemID           int64  `json:"item_id,string,omitempty"`
	DepartmentID     int64  `json:"department_id,string,omitempty"`
	Title            string `json:"title"`
	Description      string `json:"description"`
	OwnerID          int64  `json:"owner_id,string"`
	DueOn            string `json:"due_on"`
	Status           Status `json:"status"`
	ProgressNote     string `json:"progress_note"`
	CompletedAt      int64  `json:"completed_at,omitempty"`
	VerifiedBy       int64  `json:"verified_by,string,omitempty"`
	VerifiedAt       int64  `json:"verified_at,omitempty"`
	VerificationNote string `json:"verification_note"`
	Version          int64  `json:"version"`
	CreatedBy        int64  `json:"created_by,string,omitempty"`
	CreatedAt        int64  `json:"created_at"`
	UpdatedAt        int64  `json:"updated_at"`
	// Overdue is true when the due date has passed and the action is not
	// yet completed or verified.
	Overdue bool `json:"overdue"`
	// AuditID is the engagement of the finding the action was raised
	// from (0 for a self-inspection action).
	AuditID int64 `json:"audit_id,string,omitempty"`
}

// Closed reports whether the action is verified.
func (a Action) Closed() bool { return a.Status == Verified }

const dateLayout = "2006-01-02"

// Today is the date in Japan, as stored due dates are compared with.
func Today() string { return time.Now().In(wareki.Location).Format(dateLayout) }

func overdue(a Action, today string) bool {
	return a.DueOn != "" && a.DueOn < today && (a.Status == Open || a.Status == InProgress)
}

const actionColumns = `c.id, c.source, COALESCE(c.finding_id, 0), COALESCE(c.campaign_id, 0), COALESCE(c.item_id, 0),
	COALESCE(c.department_id, 0), c.title, c.description, c.owner_id, c.due_on, c.status, c.progress_note,
	COALESCE(c.completed_at, 0), COALESCE(c.verified_by, 0), COALESCE(c.verified_at, 0), c.verification_note,
	c.version, COALESCE(c.created_by, 0), c.created_at, c.updated_at,
	COALESCE((SELECT f.audit_id FROM findings f WHERE f.id = c.finding_id AND f.org_id = c.org_id), 0)`

func scanAction(s interface{ Scan(...any) error }, today string) (Action, error) {
	var a Action
	var source, status string
	err := s.Scan(&a.ID, &source, &a.FindingID, &a.CampaignID, &a.ItemID, &a.DepartmentID, &a.Title, &a.Description,
		&a.OwnerID, &a.DueOn, &status, &a.ProgressNote, &a.CompletedAt, &a.VerifiedBy, &a.VerifiedAt,
		&a.VerificationNote, &a.Version, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.AuditID)
	a.Source, a.Status = Source(source), Status(status)
	a.Overdue = overdue(a, today)
	return a, err
}

// load reads an action without checking who asks.
func load(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Action, error) {
	a, err := scanAction(q.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM corrective_actions c WHERE c.org_id = ? AND c.id = ?`,
		sc.OrgID, id), Today())
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("corrective action %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("cannot load corrective action %d: %w", id, err)
	}
	return a, nil
}

// Permissions says what a principal may do with one action.
type Permissions struct {
	View   bool `json:"view"`
	Edit   bool `json:"edit"`
	Verify bool `json:"verify"`
}

// PermissionsOn works out a principal's permissions on an action.
func PermissionsOn(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a Action) (Permissions, error) {
	path, err := org.DepartmentPath(ctx, q, sc, a.DepartmentID)
	if err != nil {
		return Permissions{}, err
	}
	var perm Permissions
	perm.View = reaches(p, authz.ViewActions, a, path)
	perm.Edit = reaches(p, authz.EditActions, a, path)
	perm.Verify, err = canVerify(ctx, q, sc, p, a, path)
	if err != nil {
		return Permissions{}, err
	}
	perm.View = perm.View || perm.Verify
	return perm, nil
}

// reaches reports whether a grant for the action covers the corrective
// action: by its department or, as owner, by oneself.
func reaches(p authz.Principal, act authz.Action, a Action, path []int64) bool {
	if authz.Can(p, act, authz.Target{Departments: path}) {
		return true
	}
	return authz.Can(p, act, authz.Target{PersonID: a.OwnerID})
}

// canVerify applies the verification rule (see the package comment).
func canVerify(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a Action, path []int64) (bool, error) {
	if a.OwnerID == p.PersonID {
		return false, nil
	}
	if !authz.Can(p, authz.VerifyActions, authz.Target{Departments: path}) {
		return false, nil
	}
	if a.Source != FromFinding || a.AuditID == 0 {
		return true, nil
	}
	if authz.Can(p, authz.ManageAudits, authz.Target{Departments: path}) {
		return true, nil
	}
	return isAuditor(ctx, q, sc, a.AuditID, p.PersonID)
}

// isAuditor reports whether the person is an assigned auditor of the engagement.
func isAuditor(ctx context.Context, q db.Querier, sc scope.Scope, auditID, personID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_auditors WHERE org_id = ? AND audit_id = ? AND person_id = ?`,
		sc.OrgID, auditID, personID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("cannot check auditors of audit %d: %w", auditID, err)
	}
	return n > 0, nil
}

// Get returns one action the principal may see; db.ErrNotFound otherwise,
// so an action outside one's reach is not revealed.
func Get(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Action, Permissions, error) {
	a, err := load(ctx, q, sc, id)
	if err != nil {
		return Action{}, Permissions{}, err
	}
	perm, err := PermissionsOn(ctx, q, sc, p, a)
	if err != nil {
		return Action{}, Permissions{}, err
	}
	if !perm.View {
		return Action{}, Permissions{}, fmt.Errorf("corrective action %d: %w", id, db.ErrNotFound)
	}
	return a, perm, nil
}

// checkDate validates and normalises a date as people type it (ISO or 和暦).
func checkDate(e validate.Errors, field, value string, required bool) string {
	s := strings.TrimSpace(value)
	if s == "" {
		if required {
			e.Add(field, "error.required")
		}
		return ""
	}
	t, err := wareki.Parse(s)
	if err != nil {
		e.Add(field, "error.invalid_date")
		return value
	}
	return t.Format(dateLayout)
}

// checkOwner checks that the owner is an active person of the organisation.
func checkOwner(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, ownerID int64) error {
	if ownerID <= 0 {
		e.Add("owner_id", "error.required")
		return nil
	}
	per, err := org.GetPerson(ctx, q, sc, ownerID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !per.Active) {
		e.Add("owner_id", "error.invalid_choice")
		return nil
	}
	return err
}

// checkDepartment checks that a department belongs to the organisation.
func checkDepartment(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, id int64) error {
	if id == 0 {
		return nil
	}
	_, err := org.GetDepartment(ctx, q, sc, id)
	if errors.Is(err, db.ErrNotFound) || id < 0 {
		e.Add("department_id", "error.invalid_choice")
		return nil
	}
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func idString(id int64) string { return fmt.Sprint(id) }

// record writes a trail entry for a change of an action.
func record(ctx context.Context, tx *db.Tx, sc scope.Scope, act trail.Action, before, after *Action, id int64) error {
	c := trail.Change{Action: act, Entity: EntityAction, EntityID: idString(id)}
	if before != nil {
		c.Before = *before
	}
	if after != nil {
		c.After = *after
	}
	if err := trail.Record(ctx, tx, sc, c); err != nil {
		return fmt.Errorf("cannot record corrective action %d: %w", id, err)
	}
	return nil
}
