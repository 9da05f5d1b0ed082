package inspection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/action"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

func init() {
	evidence.RegisterOwner(EvidenceKind, canReadEvidence)
}

// canReadEvidence decides who may download an answer's evidence file: the
// respondent, the campaign's managers, and readers of results whose reach
// covers the respondent's department.
func canReadEvidence(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, ref string) (bool, error) {
	parts := strings.Split(ref, ":")
	if len(parts) != 3 {
		return false, nil
	}
	var ids [3]int64
	for i, s := range parts {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return false, nil
		}
		ids[i] = id
	}
	campaignID, personID := ids[0], ids[2]
	if personID == p.PersonID {
		return true, nil
	}
	if canManage(p) {
		return true, nil
	}
	r, err := loadRespondent(ctx, q, sc, campaignID, personID)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return readsDepartment(ctx, q, sc, p, r.DepartmentID)
}

// DefaultOwner is whom a corrective action for a department goes to by
// default: the department's 情報セキュリティ管理者, else the
// 情報セキュリティ責任者 of the department or its 部局; 0 when there is none.
func DefaultOwner(ctx context.Context, q db.Querier, sc scope.Scope, deptID int64) (int64, error) {
	if deptID == 0 {
		return 0, nil
	}
	var parent int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(parent_id, 0) FROM departments WHERE org_id = ? AND id = ?`, sc.OrgID, deptID).Scan(&parent)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cannot load department %d: %w", deptID, err)
	}
	for _, c := range []struct {
		role authz.Role
		dept int64
	}{{authz.SecurityManager, deptID}, {authz.SecurityOfficer, deptID}, {authz.SecurityOfficer, parent}} {
		if c.dept == 0 {
			continue
		}
		var id int64
		err := q.QueryRowContext(ctx, `SELECT r.person_id FROM role_assignments r JOIN people p ON p.id = r.person_id AND p.org_id = r.org_id
			WHERE r.org_id = ? AND r.role = ? AND r.scope_id = ? AND p.active = TRUE ORDER BY r.id LIMIT 1`,
			sc.OrgID, string(c.role), c.dept).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("cannot find the manager of department %d: %w", deptID, err)
		}
	}
	return 0, nil
}

// ActionInput raises a corrective action from the 未実施 answers to an
// item in a department.
type ActionInput struct {
	ItemID       int64  `json:"item_id,string"`
	DepartmentID int64  `json:"department_id,string"`
	OwnerID      int64  `json:"owner_id,string"`
	DueOn        string `json:"due_on"`
	Title        string `json:"title"`
	Description  string `json:"description"`
}

// RaiseAction raises the corrective action for the 未実施 answers to an
// item in a department (once: a second call returns the first action).
// The owner defaults to the department's manager (DefaultOwner); the due
// date is required. Only the campaign's managers raise, and only while
// the campaign is open or after it closed.
func RaiseAction(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, campaignID int64, in ActionInput) (action.Action, error) {
	if !canManage(p) {
		return action.Action{}, fmt.Errorf("cannot raise a corrective action for campaign %d: %w", campaignID, ErrForbidden)
	}
	c, err := loadCampaign(ctx, tx, sc, campaignID)
	if err != nil {
		return action.Action{}, err
	}
	if c.Status == CampaignPlanned {
		return action.Action{}, &Refusal{Key: "campaign.refused.not_open_yet", Step: "raise_action", CampaignID: campaignID, ItemID: in.ItemID}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM campaign_tallies WHERE org_id = ? AND campaign_id = ? AND item_id = ?
		AND department_id = ? AND answer = ?`, sc.OrgID, campaignID, in.ItemID, in.DepartmentID, string(NotDone)).Scan(&n); err != nil {
		return action.Action{}, fmt.Errorf("cannot count 未実施 answers: %w", err)
	}
	if n == 0 {
		return action.Action{}, validate.Errors{"item_id": {Key: "campaign.no_not_done"}}
	}
	if strings.TrimSpace(in.DueOn) == "" {
		return action.Action{}, validate.Errors{"due_on": {Key: "error.required"}}
	}
	if in.OwnerID == 0 {
		if in.OwnerID, err = DefaultOwner(ctx, tx, sc, in.DepartmentID); err != nil {
			return action.Action{}, err
		}
		if in.OwnerID == 0 {
			return action.Action{}, validate.Errors{"owner_id": {Key: "campaign.no_default_owner"}}
		}
	}
	return action.RaiseFromInspection(ctx, tx, sc, p, action.InspectionInput{CampaignID: campaignID, ItemID: in.ItemID,
		DepartmentID: in.DepartmentID, OwnerID: in.OwnerID, Title: in.Title, Description: in.Description, DueOn: in.DueOn})
}

// DefaultActionTitle is the title a form offers for an item's action:
// "【自己点検 1-1】question" in the words of t (the catalogue in the
// reader's language).
func DefaultActionTitle(t func(key string, args ...any) string, it Item) string {
	q := []rune(it.Question)
	if len(q) > 80 {
		q = append(q[:79], '…')
	}
	return t("campaign.action_default_title", it.Code, string(q))
}

// ReviewInput asks for a §8 review of a clause an item checks.
type ReviewInput struct {
	ItemID     int64  `json:"item_id,string"`
	DocumentID int64  `json:"document_id,string"`
	Clause     string `json:"clause"`
	Note       string `json:"note"`
}

// ReviewTriggerRef names the campaign item a review request comes from.
func ReviewTriggerRef(campaignID, itemID int64) string {
	return fmt.Sprintf("campaign:%d:item:%d", campaignID, itemID)
}

// RequestClauseReview opens a review request (seed §8) for a clause an
// item checks, from the campaign's results.
func RequestClauseReview(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, campaignID int64, in ReviewInput) (policy.Review, error) {
	if !canManage(p) {
		return policy.Review{}, fmt.Errorf("cannot request a review from campaign %d: %w", campaignID, ErrForbidden)
	}
	c, err := loadCampaign(ctx, tx, sc, campaignID)
	if err != nil {
		return policy.Review{}, err
	}
	if c.Status == CampaignPlanned {
		return policy.Review{}, &Refusal{Key: "campaign.refused.not_open_yet", Step: "request_review", CampaignID: campaignID, ItemID: in.ItemID}
	}
	if in.ItemID == 0 || in.DocumentID == 0 || in.Clause == "" {
		return policy.Review{}, validate.Errors{"clause": {Key: "error.required"}}
	}
	it, err := GetItem(ctx, tx, sc, c.ChecklistID, in.ItemID)
	if errors.Is(err, db.ErrNotFound) {
		return policy.Review{}, validate.Errors{"clause": {Key: "campaign.clause_not_linked"}}
	}
	if err != nil {
		return policy.Review{}, err
	}
	linked := false
	for _, cl := range it.Clauses {
		linked = linked || (cl.DocumentID == in.DocumentID && cl.Ident == in.Clause)
	}
	if !linked {
		return policy.Review{}, validate.Errors{"clause": {Key: "campaign.clause_not_linked"}}
	}
	return policy.RequestReview(ctx, tx, sc, in.DocumentID, in.Clause,
		policy.Trigger{Kind: policy.TriggerSelfInspection, Ref: ReviewTriggerRef(campaignID, in.ItemID)}, in.Note)
}

// ReviewRequest is a review request opened from a campaign.
type ReviewRequest struct {
	ID         int64  `json:"id,string"`
	DocumentID int64  `json:"document_id,string"`
	Clause     string `json:"clause"`
	ItemID     int64  `json:"item_id,string"`
	CreatedAt  int64  `json:"created_at"`
}

// ReviewRequests lists the review requests opened from a campaign's items.
func ReviewRequests(ctx context.Context, q db.Querier, sc scope.Scope, campaignID int64) ([]ReviewRequest, error) {
	prefix := fmt.Sprintf("campaign:%d:item:", campaignID)
	rows, err := q.QueryContext(ctx, `SELECT id, document_id, clause_ident, trigger_ref, created_at FROM document_reviews
		WHERE org_id = ? AND trigger_kind = ? AND trigger_ref LIKE ? ORDER BY id`,
		sc.OrgID, string(policy.TriggerSelfInspection), prefix+"%")
	if err != nil {
		return nil, fmt.Errorf("cannot list review requests of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []ReviewRequest
	for rows.Next() {
		var r ReviewRequest
		var ref string
		if err := rows.Scan(&r.ID, &r.DocumentID, &r.Clause, &ref, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("cannot read review request: %w", err)
		}
		if id, err := strconv.ParseInt(strings.TrimPrefix(ref, prefix), 10, 64); err == nil {
			r.ItemID = id
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
