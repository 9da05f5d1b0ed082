package audit

import (
	"context"
	"fmt"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// The report's steps:
//
//	fieldwork  --IssueDraft (auditor)-->      reporting  (draft report issued)
//	reporting  --Respond (audited dept)-->    responded  (the department's response)
//	responded  --SubmitFinal (auditor)-->     responded, final report awaiting approval
//	responded  --Approve (CISO)-->            final

// ReportInput is a report's text (draft, response or final) with the
// version of the engagement the writer saw.
type ReportInput struct {
	Text    string `json:"text"`
	Version int64  `json:"version,omitempty"`
}

func checkReport(in *ReportInput, field string) error {
	e := validate.Errors{}
	in.Text = e.Text(field, in.Text, true, MaxText, true)
	return e.Err()
}

// IssueDraft issues the draft report (an assigned auditor, in fieldwork);
// the audited department is then asked to respond.
func IssueDraft(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in ReportInput) (Audit, error) {
	before, err := conducting(ctx, tx, sc, p, auditID, false)
	if err != nil {
		return Audit{}, err
	}
	if err := checkReport(&in, "draft_report"); err != nil {
		return Audit{}, err
	}
	if before.Status != Fieldwork && before.Status != Reporting {
		return Audit{}, ErrState
	}
	if in.Version != 0 && in.Version != before.Version {
		return Audit{}, stale(auditID)
	}
	return update(ctx, tx, sc, before, `draft_report = ?, status = ?`, in.Text, string(Reporting))
}

// Respond records the audited department's response to the draft report
// (audit.respond over an audited department).
func Respond(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in ReportInput) (Audit, error) {
	before, perm, err := Get(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	if !perm.Respond {
		return Audit{}, ErrForbidden
	}
	if err := checkReport(&in, "response"); err != nil {
		return Audit{}, err
	}
	if before.Status != Reporting && !(before.Status == Responded && before.FinalReport == "") {
		return Audit{}, ErrState
	}
	if in.Version != 0 && in.Version != before.Version {
		return Audit{}, stale(auditID)
	}
	return update(ctx, tx, sc, before, `response = ?, responded_by = ?, responded_at = ?, status = ?`,
		in.Text, p.PersonID, db.Now(), string(Responded))
}

// SubmitFinal writes the final report for the CISO's approval (an
// assigned auditor, after the department responded).
func SubmitFinal(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in ReportInput) (Audit, error) {
	before, err := conducting(ctx, tx, sc, p, auditID, false)
	if err != nil {
		return Audit{}, err
	}
	if err := checkReport(&in, "final_report"); err != nil {
		return Audit{}, err
	}
	if before.Status != Responded {
		return Audit{}, ErrState
	}
	if in.Version != 0 && in.Version != before.Version {
		return Audit{}, stale(auditID)
	}
	return update(ctx, tx, sc, before, `final_report = ?`, in.Text)
}

// Approve approves the final report (audit.approve: the CISO). The
// approver must not be one of the engagement's auditors.
func Approve(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, version int64) (Audit, error) {
	before, perm, err := Get(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	if !perm.Approve || perm.Auditor {
		return Audit{}, ErrForbidden
	}
	if !before.AwaitingApproval() {
		return Audit{}, ErrState
	}
	if version != 0 && version != before.Version {
		return Audit{}, stale(auditID)
	}
	return update(ctx, tx, sc, before, `approved_by = ?, approved_at = ?, status = ?`, p.PersonID, db.Now(), string(Final))
}

// update sets columns of an engagement at the version it was read at and
// records the change.
func update(ctx context.Context, tx *db.Tx, sc scope.Scope, before Audit, set string, args ...any) (Audit, error) {
	args = append(args, db.Now(), sc.OrgID, before.ID, before.Version)
	res, err := tx.ExecContext(ctx, `UPDATE audits SET `+set+`, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`, args...)
	if err != nil {
		return Audit{}, fmt.Errorf("cannot update audit %d: %w", before.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Audit{}, stale(before.ID)
	}
	return reload(ctx, tx, sc, before.ID, before)
}

// Awaiting lists, for the home page, the engagements waiting for the
// principal: draft reports to respond to, final reports to approve. At
// most limit.
func Awaiting(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, limit int) (respond, approve []Audit, err error) {
	if authz.GrantFor(p, authz.ApproveAudits).All {
		page, err := List(ctx, q, sc, p, Filter{Status: Responded, Limit: limit * 4})
		if err != nil {
			return nil, nil, err
		}
		for _, a := range page.Items {
			if a.AwaitingApproval() && !a.HasAuditor(p.PersonID) && len(approve) < limit {
				approve = append(approve, a)
			}
		}
	}
	if authz.CanSome(p, authz.RespondAudits) {
		page, err := List(ctx, q, sc, p, Filter{Status: Reporting, Limit: limit * 4})
		if err != nil {
			return nil, nil, err
		}
		for _, a := range page.Items {
			ok, err := reachesAudited(ctx, q, sc, p, authz.RespondAudits, a.Departments())
			if err != nil {
				return nil, nil, err
			}
			if ok && len(respond) < limit {
				respond = append(respond, a)
			}
		}
	}
	return respond, approve, nil
}
