package action

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// Filter narrows a listing. Zero values mean "any".
type Filter struct {
	Status       Status
	OwnerID      int64
	DepartmentID int64 // this department and those below it
	FindingID    int64
	AuditID      int64
	CampaignID   int64
	// Overdue lists only open or in-progress actions past their due date.
	Overdue bool
	// Pending lists only actions not yet verified.
	Pending bool
	Cursor  string
	Limit   int
}

// Page is one page of actions, ordered by due date, and the next cursor.
type Page struct {
	Items      []Action
	NextCursor string
}

// ErrBadCursor is returned for a cursor this package did not write.
var ErrBadCursor = validate.Errors{"cursor": {Key: "error.invalid_choice"}}

func encodeCursor(due string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(due + "|" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, ErrBadCursor
	}
	due, idText, ok := strings.Cut(string(b), "|")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 || len(due) > 10 {
		return "", 0, ErrBadCursor
	}
	return due, id, nil
}

// grantSQL is the condition that an action is within a grant.
func grantSQL(g authz.Grant, orgID, personID int64) (string, []any) {
	if g.All {
		return "1 = 1", nil
	}
	var parts []string
	var args []any
	if len(g.Departments) > 0 {
		c, a := org.SubtreeCondition("c.department_id", orgID, g.Departments)
		parts = append(parts, c)
		args = append(args, a...)
	}
	if g.Self && personID != 0 {
		parts = append(parts, "c.owner_id = ?")
		args = append(args, personID)
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// List returns one page of the actions the principal may see, soonest due
// first.
func List(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f Filter) (Page, error) {
	g := authz.GrantFor(p, authz.ViewActions)
	cond, args := grantSQL(g, sc.OrgID, p.PersonID)
	where := []string{"c.org_id = ?", cond}
	args = append([]any{sc.OrgID}, args...)
	if f.Status != "" {
		where = append(where, "c.status = ?")
		args = append(args, string(f.Status))
	}
	if f.OwnerID != 0 {
		where = append(where, "c.owner_id = ?")
		args = append(args, f.OwnerID)
	}
	if f.DepartmentID != 0 {
		c, a := org.SubtreeCondition("c.department_id", sc.OrgID, []int64{f.DepartmentID})
		where = append(where, c)
		args = append(args, a...)
	}
	if f.FindingID != 0 {
		where = append(where, "c.finding_id = ?")
		args = append(args, f.FindingID)
	}
	if f.AuditID != 0 {
		where = append(where, "c.finding_id IN (SELECT id FROM findings WHERE org_id = ? AND audit_id = ?)")
		args = append(args, sc.OrgID, f.AuditID)
	}
	if f.CampaignID != 0 {
		where = append(where, "c.campaign_id = ?")
		args = append(args, f.CampaignID)
	}
	if f.Overdue {
		where = append(where, "c.status IN (?, ?) AND c.due_on < ?")
		args = append(args, string(Open), string(InProgress), Today())
	}
	if f.Pending {
		where = append(where, "c.status <> ?")
		args = append(args, string(Verified))
	}
	if f.Cursor != "" {
		due, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "(c.due_on > ? OR (c.due_on = ? AND c.id > ?))")
		args = append(args, due, due, id)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	args = append(args, limit+1)
	rows, err := q.QueryContext(ctx, `SELECT `+actionColumns+` FROM corrective_actions c WHERE `+
		strings.Join(where, " AND ")+` ORDER BY c.due_on, c.id LIMIT ?`, args...)
	if err != nil {
		return Page{}, fmt.Errorf("cannot list corrective actions: %w", err)
	}
	defer rows.Close()
	today := Today()
	var page Page
	for rows.Next() {
		a, err := scanAction(rows, today)
		if err != nil {
			return Page{}, fmt.Errorf("cannot read corrective action: %w", err)
		}
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("cannot list corrective actions: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeCursor(last.DueOn, last.ID)
	}
	return page, nil
}

// Responsible lists, for the home page, the actions a person has to do
// something about: their own open or in-progress actions that are overdue
// or due within the next days, and — for people who may verify — completed
// actions waiting for their verification. At most limit of each.
func Responsible(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, limit int) (own, toVerify []Action, err error) {
	rows, err := q.QueryContext(ctx, `SELECT `+actionColumns+` FROM corrective_actions c
		WHERE c.org_id = ? AND c.owner_id = ? AND c.status IN (?, ?) ORDER BY c.due_on, c.id LIMIT ?`,
		sc.OrgID, p.PersonID, string(Open), string(InProgress), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list own corrective actions: %w", err)
	}
	today := Today()
	for rows.Next() {
		a, err := scanAction(rows, today)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("cannot read corrective action: %w", err)
		}
		own = append(own, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("cannot list own corrective actions: %w", err)
	}
	if !authz.CanSome(p, authz.VerifyActions) {
		return own, nil, nil
	}
	// Completed actions the person may verify: for 統括-like verifiers all
	// of them, for auditors those of their engagements and those raised
	// from self-inspections.
	cond := "1 = 1"
	args := []any{sc.OrgID, string(Completed), p.PersonID}
	if !authz.CanSome(p, authz.ManageAudits) {
		cond = `(c.finding_id IS NULL OR c.finding_id IN (SELECT f.id FROM findings f JOIN audit_auditors aa
			ON aa.audit_id = f.audit_id AND aa.org_id = f.org_id WHERE f.org_id = ? AND aa.person_id = ?))`
		args = append(args, sc.OrgID, p.PersonID)
	}
	args = append(args, limit)
	rows, err = q.QueryContext(ctx, `SELECT `+actionColumns+` FROM corrective_actions c
		WHERE c.org_id = ? AND c.status = ? AND c.owner_id <> ? AND `+cond+` ORDER BY c.due_on, c.id LIMIT ?`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list actions awaiting verification: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAction(rows, today)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read corrective action: %w", err)
		}
		toVerify = append(toVerify, a)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("cannot list actions awaiting verification: %w", err)
	}
	return own, toVerify, nil
}
