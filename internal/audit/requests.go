package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Request is a 資料提出依頼: what the auditors ask an audited department
// for, and the department's reply.
type Request struct {
	ID            int64  `json:"id,string"`
	AuditID       int64  `json:"audit_id,string"`
	DepartmentID  int64  `json:"department_id,string"`
	Request       string `json:"request"`
	DueOn         string `json:"due_on"`
	RequestedBy   int64  `json:"requested_by,string"`
	RequesterName string `json:"requester_name"`
	Reply         string `json:"reply"`
	RepliedBy     int64  `json:"replied_by,string,omitempty"`
	ReplierName   string `json:"replier_name,omitempty"`
	RepliedAt     int64  `json:"replied_at,omitempty"`
	CreatedAt     int64  `json:"created_at"`
}

// Answered reports whether the department has replied.
func (r Request) Answered() bool { return r.RepliedAt != 0 }

// RequestInput asks a department for evidence.
type RequestInput struct {
	DepartmentID int64  `json:"department_id,string"`
	Request      string `json:"request"`
	DueOn        string `json:"due_on"`
}

const requestColumns = `r.id, r.audit_id, r.department_id, r.request, r.due_on, r.requested_by, COALESCE(rq.name, ''), r.reply,
	COALESCE(r.replied_by, 0), COALESCE(rp.name, ''), COALESCE(r.replied_at, 0), r.created_at`

const requestFrom = ` FROM evidence_requests r
	LEFT JOIN people rq ON rq.org_id = r.org_id AND rq.id = r.requested_by
	LEFT JOIN people rp ON rp.org_id = r.org_id AND rp.id = r.replied_by `

func scanRequest(s interface{ Scan(...any) error }) (Request, error) {
	var r Request
	err := s.Scan(&r.ID, &r.AuditID, &r.DepartmentID, &r.Request, &r.DueOn, &r.RequestedBy, &r.RequesterName, &r.Reply,
		&r.RepliedBy, &r.ReplierName, &r.RepliedAt, &r.CreatedAt)
	return r, err
}

// MaxRequests bounds the evidence requests listed for one engagement.
const MaxRequests = 500

// ListRequests lists an engagement's evidence requests, oldest first. The
// caller has checked that the principal may see the engagement.
func ListRequests(ctx context.Context, q db.Querier, sc scope.Scope, auditID int64) ([]Request, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+requestColumns+requestFrom+`WHERE r.org_id = ? AND r.audit_id = ? ORDER BY r.id LIMIT ?`,
		sc.OrgID, auditID, MaxRequests)
	if err != nil {
		return nil, fmt.Errorf("cannot list evidence requests of audit %d: %w", auditID, err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read evidence request: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func loadRequest(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+requestFrom+`WHERE r.org_id = ? AND r.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("evidence request %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("cannot load evidence request %d: %w", id, err)
	}
	return r, nil
}

// withinScope reports whether a department is audited by the engagement
// (one of its departments or below one).
func withinScope(ctx context.Context, q db.Querier, sc scope.Scope, a Audit, deptID int64) (bool, error) {
	path, err := org.DepartmentPath(ctx, q, sc, deptID)
	if err != nil {
		return false, err
	}
	for _, d := range a.Departments() {
		for _, x := range path {
			if x == d {
				return true, nil
			}
		}
	}
	return false, nil
}

// AddRequest asks an audited department for evidence (an assigned
// auditor, in fieldwork or planned).
func AddRequest(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in RequestInput) (Request, error) {
	a, err := conducting(ctx, tx, sc, p, auditID, true)
	if err != nil {
		return Request{}, err
	}
	e := validate.Errors{}
	in.Request = e.Text("request", in.Request, true, MaxShort, true)
	in.DueOn = checkDate(e, "due_on", in.DueOn, false)
	if in.DepartmentID <= 0 {
		e.Add("department_id", "error.required")
	} else if ok, err := withinScope(ctx, tx, sc, a, in.DepartmentID); err != nil {
		return Request{}, err
	} else if !ok {
		e.Add("department_id", "audit.request.outside_scope")
	}
	if err := e.Err(); err != nil {
		return Request{}, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO evidence_requests (org_id, audit_id, department_id, request, due_on, requested_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, auditID, in.DepartmentID, in.Request, in.DueOn, p.PersonID, db.Now()).Scan(&id); err != nil {
		return Request{}, fmt.Errorf("cannot add evidence request to audit %d: %w", auditID, err)
	}
	r, err := loadRequest(ctx, tx, sc, id)
	if err != nil {
		return Request{}, err
	}
	return r, record(ctx, tx, sc, trail.Create, EntityRequest, id, nil, r)
}

// ReplyInput answers an evidence request, optionally with a file.
type ReplyInput struct {
	Reply string `json:"reply"`
	// FileName and File, when File is not nil, attach an evidence file.
	FileName string    `json:"-"`
	File     io.Reader `json:"-"`
}

// CanReply reports whether the principal may answer the request: audit.respond
// over its department, while the engagement is not final or cancelled.
func CanReply(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a Audit, r Request) (bool, error) {
	if a.Status == Final || a.Status == Cancelled {
		return false, nil
	}
	return respondsFor(ctx, q, sc, p, r.DepartmentID)
}

// Reply answers an evidence request for the department (audit.respond
// over it). A reply may be changed until the report is final; an attached
// file goes through evidence.Store (size, type, scan), and a refused file
// refuses the whole reply.
func Reply(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID, requestID int64, in ReplyInput) (Request, error) {
	a, _, err := Get(ctx, tx, sc, p, auditID)
	if err != nil {
		return Request{}, err
	}
	before, err := loadRequest(ctx, tx, sc, requestID)
	if err != nil {
		return Request{}, err
	}
	if before.AuditID != auditID {
		return Request{}, fmt.Errorf("evidence request %d of audit %d: %w", requestID, auditID, db.ErrNotFound)
	}
	if a.Status == Final || a.Status == Cancelled {
		return Request{}, ErrState
	}
	ok, err := respondsFor(ctx, tx, sc, p, before.DepartmentID)
	if err != nil {
		return Request{}, err
	}
	if !ok {
		return Request{}, ErrForbidden
	}
	e := validate.Errors{}
	in.Reply = e.Text("reply", in.Reply, in.File == nil, MaxShort, true)
	if err := e.Err(); err != nil {
		return Request{}, err
	}
	if in.File != nil {
		if _, err := evidence.Store(ctx, tx, sc, p, evidence.Owner{Kind: OwnerRequest, Ref: idText(requestID)}, in.FileName, in.File, 0); err != nil {
			return Request{}, err
		}
	}
	reply := in.Reply
	if reply == "" {
		reply = before.Reply
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evidence_requests SET reply = ?, replied_by = ?, replied_at = ? WHERE org_id = ? AND id = ?`,
		reply, p.PersonID, db.Now(), sc.OrgID, requestID); err != nil {
		return Request{}, fmt.Errorf("cannot reply to evidence request %d: %w", requestID, err)
	}
	after, err := loadRequest(ctx, tx, sc, requestID)
	if err != nil {
		return Request{}, err
	}
	return after, record(ctx, tx, sc, trail.Update, EntityRequest, requestID, before, after)
}

// PendingRequests lists, for the home page, the unanswered evidence
// requests of engagements in progress that the principal may reply to.
func PendingRequests(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, limit int) ([]Request, error) {
	g := authz.GrantFor(p, authz.RespondAudits)
	if !g.All && len(g.Departments) == 0 {
		return nil, nil
	}
	cond, args := "1 = 1", []any{}
	if !g.All {
		cond, args = org.SubtreeCondition("r.department_id", sc.OrgID, g.Departments)
	}
	all := append([]any{sc.OrgID}, args...)
	all = append(all, limit)
	rows, err := q.QueryContext(ctx, `SELECT `+requestColumns+requestFrom+`JOIN audits a ON a.id = r.audit_id AND a.org_id = r.org_id
		WHERE r.org_id = ? AND r.replied_at IS NULL AND a.status IN ('planned', 'fieldwork', 'reporting') AND `+cond+`
		ORDER BY r.id LIMIT ?`, all...)
	if err != nil {
		return nil, fmt.Errorf("cannot list pending evidence requests: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read evidence request: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// canReadRequestFiles decides who may download an evidence request's
// files: the engagement's auditors, audit.manage holders, and those who
// reply for its department.
func canReadRequestFiles(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, ref string) (bool, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return false, nil
	}
	r, err := loadRequest(ctx, q, sc, id)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	a, err := load(ctx, q, sc, r.AuditID)
	if err != nil {
		return false, err
	}
	if a.HasAuditor(p.PersonID) || authz.GrantFor(p, authz.ManageAudits).All {
		return true, nil
	}
	return respondsFor(ctx, q, sc, p, r.DepartmentID)
}

func init() {
	evidence.RegisterOwner(OwnerRequest, canReadRequestFiles)
	evidence.RegisterOwner(OwnerFinding, canReadFindingFiles)
}
