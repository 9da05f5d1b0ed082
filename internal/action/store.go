package action

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// InspectionInput raises an action from a 未実施 answer of a self-inspection
// campaign: one action per (campaign, item, department).
type InspectionInput struct {
	CampaignID   int64
	ItemID       int64
	DepartmentID int64
	OwnerID      int64
	Title        string
	Description  string
	DueOn        string // ISO or 和暦
}

// Validate checks the fields that need no database.
func (in *InspectionInput) Validate() validate.Errors {
	e := validate.Errors{}
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	in.Description = e.Text("description", in.Description, false, MaxDescription, true)
	in.DueOn = checkDate(e, "due_on", in.DueOn, true)
	if in.CampaignID <= 0 {
		e.Add("campaign_id", "error.required")
	}
	if in.ItemID <= 0 {
		e.Add("item_id", "error.required")
	}
	return e
}

// RaiseFromInspection raises (or returns the already raised) action for a
// campaign item and department. A second call for the same (campaign,
// item, department) returns the existing action unchanged and records
// nothing. The principal needs campaign.manage, or action.edit over the
// department.
func RaiseFromInspection(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in InspectionInput) (Action, error) {
	path, err := org.DepartmentPath(ctx, tx, sc, in.DepartmentID)
	if err != nil {
		return Action{}, err
	}
	if !authz.Can(p, authz.ManageCampaigns, authz.Target{Departments: path}) &&
		!(len(path) > 0 && authz.Can(p, authz.EditActions, authz.Target{Departments: path})) {
		return Action{}, ErrForbidden
	}
	if existing, err := findInspection(ctx, tx, sc, in); err == nil {
		return existing, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return Action{}, err
	}
	e := in.Validate()
	if err := checkOwner(ctx, tx, sc, e, in.OwnerID); err != nil {
		return Action{}, err
	}
	if err := checkDepartment(ctx, tx, sc, e, in.DepartmentID); err != nil {
		return Action{}, err
	}
	if in.CampaignID > 0 && in.ItemID > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaigns c JOIN checklist_items i ON i.checklist_id = c.checklist_id AND i.org_id = c.org_id
			WHERE c.org_id = ? AND c.id = ? AND i.id = ?`, sc.OrgID, in.CampaignID, in.ItemID).Scan(&n); err != nil {
			return Action{}, fmt.Errorf("cannot check campaign %d item %d: %w", in.CampaignID, in.ItemID, err)
		}
		if n == 0 {
			e.Add("item_id", "error.invalid_choice")
		}
	}
	if err := e.Err(); err != nil {
		return Action{}, err
	}
	now := db.Now()
	var id int64
	// ON CONFLICT DO NOTHING keeps a concurrent raise from aborting the
	// transaction (PostgreSQL) — the loser reads the winner's row below.
	err = tx.QueryRowContext(ctx, `INSERT INTO corrective_actions (org_id, source, campaign_id, item_id, department_id,
		title, description, owner_id, due_on, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, campaign_id, item_id, department_id) DO NOTHING RETURNING id`,
		sc.OrgID, string(FromSelfInspection), in.CampaignID, in.ItemID, nullID(in.DepartmentID),
		in.Title, in.Description, in.OwnerID, in.DueOn, string(Open), nullID(sc.ActorID), now, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return findInspection(ctx, tx, sc, in)
	}
	if err != nil {
		return Action{}, fmt.Errorf("cannot raise corrective action: %w", err)
	}
	a, err := load(ctx, tx, sc, id)
	if err != nil {
		return Action{}, err
	}
	return a, record(ctx, tx, sc, trail.Create, nil, &a, id)
}

// findInspection returns the action already raised for (campaign, item,
// department).
func findInspection(ctx context.Context, q db.Querier, sc scope.Scope, in InspectionInput) (Action, error) {
	dept := "c.department_id = ?"
	args := []any{sc.OrgID, in.CampaignID, in.ItemID}
	if in.DepartmentID == 0 {
		dept = "c.department_id IS NULL"
	} else {
		args = append(args, in.DepartmentID)
	}
	a, err := scanAction(q.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM corrective_actions c
		WHERE c.org_id = ? AND c.campaign_id = ? AND c.item_id = ? AND `+dept, args...), Today())
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("corrective action for campaign %d item %d: %w", in.CampaignID, in.ItemID, db.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("cannot look up corrective action for campaign %d item %d: %w", in.CampaignID, in.ItemID, err)
	}
	return a, nil
}

// FindingInput raises an action from an audit finding.
type FindingInput struct {
	FindingID   int64  `json:"finding_id,string"`
	Title       string `json:"title"`
	Description string `json:"description"`
	OwnerID     int64  `json:"owner_id,string"`
	DueOn       string `json:"due_on"`
	// DepartmentID defaults to the finding's department.
	DepartmentID int64 `json:"department_id,string,omitempty"`
}

// Validate checks the fields that need no database.
func (in *FindingInput) Validate() validate.Errors {
	e := validate.Errors{}
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	in.Description = e.Text("description", in.Description, false, MaxDescription, true)
	in.DueOn = checkDate(e, "due_on", in.DueOn, true)
	return e
}

// findingRef is what this package reads of a finding.
type findingRef struct {
	AuditID      int64
	DepartmentID int64
}

func loadFinding(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (findingRef, error) {
	var f findingRef
	err := q.QueryRowContext(ctx, `SELECT audit_id, COALESCE(department_id, 0) FROM findings WHERE org_id = ? AND id = ?`,
		sc.OrgID, id).Scan(&f.AuditID, &f.DepartmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("finding %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("cannot load finding %d: %w", id, err)
	}
	return f, nil
}

// CanRaiseFromFinding reports whether the principal may raise an action
// from the finding (see the package comment).
func CanRaiseFromFinding(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, findingID int64) (bool, error) {
	f, err := loadFinding(ctx, q, sc, findingID)
	if err != nil {
		return false, err
	}
	return canRaise(ctx, q, sc, p, f)
}

func canRaise(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f findingRef) (bool, error) {
	path, err := org.DepartmentPath(ctx, q, sc, f.DepartmentID)
	if err != nil {
		return false, err
	}
	if authz.Can(p, authz.ManageAudits, authz.Target{Departments: path}) {
		return true, nil
	}
	if len(path) > 0 && authz.Can(p, authz.EditActions, authz.Target{Departments: path}) {
		return true, nil
	}
	if !authz.CanSome(p, authz.ConductAudits) {
		return false, nil
	}
	return isAuditor(ctx, q, sc, f.AuditID, p.PersonID)
}

// RaiseFromFinding raises an action from an audit finding.
func RaiseFromFinding(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in FindingInput) (Action, error) {
	e := in.Validate()
	f, err := loadFinding(ctx, tx, sc, in.FindingID)
	if errors.Is(err, db.ErrNotFound) {
		e.Add("finding_id", "action.finding_required")
		return Action{}, e
	}
	if err != nil {
		return Action{}, err
	}
	ok, err := canRaise(ctx, tx, sc, p, f)
	if err != nil {
		return Action{}, err
	}
	if !ok {
		return Action{}, ErrForbidden
	}
	if in.DepartmentID == 0 {
		in.DepartmentID = f.DepartmentID
	}
	if err := checkOwner(ctx, tx, sc, e, in.OwnerID); err != nil {
		return Action{}, err
	}
	if err := checkDepartment(ctx, tx, sc, e, in.DepartmentID); err != nil {
		return Action{}, err
	}
	if err := e.Err(); err != nil {
		return Action{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO corrective_actions (org_id, source, finding_id, department_id,
		title, description, owner_id, due_on, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, string(FromFinding), in.FindingID, nullID(in.DepartmentID), in.Title, in.Description,
		in.OwnerID, in.DueOn, string(Open), nullID(sc.ActorID), now, now).Scan(&id); err != nil {
		return Action{}, fmt.Errorf("cannot raise corrective action from finding %d: %w", in.FindingID, err)
	}
	a, err := load(ctx, tx, sc, id)
	if err != nil {
		return Action{}, err
	}
	return a, record(ctx, tx, sc, trail.Create, nil, &a, id)
}

// ProgressInput moves an action along: to in_progress or completed, with
// a note on what was done. Version is the version the user saw.
type ProgressInput struct {
	Status  string `json:"status"`
	Note    string `json:"progress_note"`
	DueOn   string `json:"due_on,omitempty"` // empty keeps the due date
	Version int64  `json:"version"`
}

// Progress records progress on an action. Allowed moves: open →
// in_progress or completed; in_progress → completed; and a note or a new
// due date without a change of status while open or in progress.
func Progress(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in ProgressInput) (Action, error) {
	before, perm, err := Get(ctx, tx, sc, p, id)
	if err != nil {
		return Action{}, err
	}
	if !perm.Edit {
		return Action{}, ErrForbidden
	}
	e := validate.Errors{}
	if in.Status == "" {
		in.Status = string(before.Status)
	}
	e.Choice("status", in.Status, true, string(Open), string(InProgress), string(Completed))
	in.Note = e.Text("progress_note", in.Note, false, MaxNote, true)
	due := before.DueOn
	if in.DueOn != "" {
		due = checkDate(e, "due_on", in.DueOn, true)
	}
	if err := e.Err(); err != nil {
		return Action{}, err
	}
	if in.Version != 0 && in.Version != before.Version {
		return Action{}, stale(id)
	}
	to := Status(in.Status)
	if before.Status == Completed || before.Status == Verified || (before.Status == InProgress && to == Open) {
		return Action{}, ErrState
	}
	if to == Completed && in.Note == "" && before.ProgressNote == "" {
		return Action{}, validate.Errors{"progress_note": {Key: "action.note_required_to_complete"}}
	}
	note := before.ProgressNote
	if in.Note != "" {
		note = in.Note
	}
	now := db.Now()
	var completed any
	if to == Completed {
		completed = now
	}
	res, err := tx.ExecContext(ctx, `UPDATE corrective_actions SET status = ?, progress_note = ?, due_on = ?, completed_at = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		string(to), note, due, completed, now, sc.OrgID, id, before.Version)
	if err != nil {
		return Action{}, fmt.Errorf("cannot update corrective action %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return Action{}, stale(id)
	}
	after, err := load(ctx, tx, sc, id)
	if err != nil {
		return Action{}, err
	}
	return after, record(ctx, tx, sc, trail.Update, &before, &after, id)
}

// VerifyInput is a verifier's decision on a completed action.
type VerifyInput struct {
	// Accept closes the action; otherwise it goes back to in_progress.
	Accept  bool   `json:"accept"`
	Note    string `json:"verification_note"`
	Version int64  `json:"version"`
}

// Verify records the verification of a completed action by an auditor or
// the 統括 (never its owner). Sending back needs a note.
func Verify(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in VerifyInput) (Action, error) {
	before, err := load(ctx, tx, sc, id)
	if err != nil {
		return Action{}, err
	}
	perm, err := PermissionsOn(ctx, tx, sc, p, before)
	if err != nil {
		return Action{}, err
	}
	if !perm.View {
		return Action{}, fmt.Errorf("corrective action %d: %w", id, db.ErrNotFound)
	}
	if !perm.Verify {
		return Action{}, ErrForbidden
	}
	e := validate.Errors{}
	in.Note = e.Text("verification_note", in.Note, !in.Accept, MaxNote, true)
	if err := e.Err(); err != nil {
		return Action{}, err
	}
	if in.Version != 0 && in.Version != before.Version {
		return Action{}, stale(id)
	}
	if before.Status != Completed {
		return Action{}, ErrState
	}
	now := db.Now()
	var q string
	var args []any
	if in.Accept {
		q = `UPDATE corrective_actions SET status = ?, verified_by = ?, verified_at = ?, verification_note = ?,
			version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`
		args = []any{string(Verified), p.PersonID, now, in.Note, now, sc.OrgID, id, before.Version}
	} else {
		q = `UPDATE corrective_actions SET status = ?, completed_at = NULL, verification_note = ?,
			version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`
		args = []any{string(InProgress), in.Note, now, sc.OrgID, id, before.Version}
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return Action{}, fmt.Errorf("cannot verify corrective action %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return Action{}, stale(id)
	}
	after, err := load(ctx, tx, sc, id)
	if err != nil {
		return Action{}, err
	}
	return after, record(ctx, tx, sc, trail.Update, &before, &after, id)
}

// stale is the error for a change based on an older version of the action.
func stale(id int64) error {
	return fmt.Errorf("corrective action %d changed meanwhile: %w", id, db.ErrConflict)
}
