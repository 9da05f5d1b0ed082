package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Note is an auditor's working note (監査調書).
type Note struct {
	ID         int64  `json:"id,string"`
	AuditID    int64  `json:"audit_id,string"`
	AuthorID   int64  `json:"author_id,string"`
	AuthorName string `json:"author_name"`
	Body       string `json:"body"`
	CreatedAt  int64  `json:"created_at"`
}

// MaxNotes bounds the notes listed for one engagement.
const MaxNotes = 500

// ListNotes lists an engagement's working notes, oldest first, for those
// who may read them (Permissions.Notes); others get ErrForbidden.
func ListNotes(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a Audit) ([]Note, error) {
	perm, err := PermissionsFor(ctx, q, sc, p, a)
	if err != nil {
		return nil, err
	}
	if !perm.Notes {
		return nil, ErrForbidden
	}
	rows, err := q.QueryContext(ctx, `SELECT n.id, n.audit_id, n.author_id, COALESCE(pe.name, ''), n.body, n.created_at
		FROM audit_notes n LEFT JOIN people pe ON pe.org_id = n.org_id AND pe.id = n.author_id
		WHERE n.org_id = ? AND n.audit_id = ? ORDER BY n.id LIMIT ?`, sc.OrgID, a.ID, MaxNotes)
	if err != nil {
		return nil, fmt.Errorf("cannot list notes of audit %d: %w", a.ID, err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.AuditID, &n.AuthorID, &n.AuthorName, &n.Body, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("cannot read audit note: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// AddNote writes a working note (an assigned auditor, until the report is final).
func AddNote(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, body string) (Note, error) {
	a, err := conducting(ctx, tx, sc, p, auditID, false)
	if err != nil {
		return Note{}, err
	}
	if a.Status == Final || a.Status == Cancelled {
		return Note{}, ErrState
	}
	e := validate.Errors{}
	body = e.Text("body", body, true, MaxText, true)
	if err := e.Err(); err != nil {
		return Note{}, err
	}
	n := Note{AuditID: auditID, AuthorID: p.PersonID, Body: body, CreatedAt: db.Now()}
	if err := tx.QueryRowContext(ctx, `INSERT INTO audit_notes (org_id, audit_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, auditID, p.PersonID, body, n.CreatedAt).Scan(&n.ID); err != nil {
		return Note{}, fmt.Errorf("cannot add note to audit %d: %w", auditID, err)
	}
	// The trail keeps that a note was written, not its text: notes are
	// for the auditors, the CISO and 統括, and the trail has other readers.
	return n, record(ctx, tx, sc, trail.Create, EntityNote, n.ID, nil, map[string]any{"audit_id": idText(auditID), "length": len([]rune(body))})
}

// Finding is a 指摘事項 of an engagement.
type Finding struct {
	ID           int64    `json:"id,string"`
	AuditID      int64    `json:"audit_id,string"`
	ItemID       int64    `json:"item_id,string,omitempty"`
	DepartmentID int64    `json:"department_id,string,omitempty"`
	Severity     Severity `json:"severity"`
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	DocumentID   int64    `json:"document_id,string,omitempty"`
	ClauseIdent  string   `json:"clause_ident"`
	ReviewID     int64    `json:"review_id,string,omitempty"`
	CreatedBy    int64    `json:"created_by,string"`
	CreatedAt    int64    `json:"created_at"`
	UpdatedAt    int64    `json:"updated_at"`
}

// FindingInput records a finding. AuditID is required: a finding is
// always of an engagement.
type FindingInput struct {
	AuditID      int64  `json:"audit_id,string"`
	ItemID       int64  `json:"item_id,string,omitempty"`
	DepartmentID int64  `json:"department_id,string,omitempty"`
	Severity     string `json:"severity"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	DocumentID   int64  `json:"document_id,string,omitempty"`
	ClauseIdent  string `json:"clause_ident"`
}

// Validate checks the fields that need no database.
func (in *FindingInput) Validate() validate.Errors {
	e := validate.Errors{}
	e.Choice("severity", in.Severity, true, string(Major), string(Minor), string(Observation))
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	in.Description = e.Text("description", in.Description, false, MaxShort, true)
	in.ClauseIdent = e.Text("clause_ident", in.ClauseIdent, false, MaxClause, false)
	if in.ClauseIdent != "" && in.DocumentID == 0 {
		e.Add("document_id", "audit.clause_needs_document")
	}
	return e
}

const findingColumns = `id, audit_id, COALESCE(item_id, 0), COALESCE(department_id, 0), severity, title, description,
	COALESCE(document_id, 0), clause_ident, COALESCE(review_id, 0), created_by, created_at, updated_at`

func scanFinding(s interface{ Scan(...any) error }) (Finding, error) {
	var f Finding
	var sev string
	err := s.Scan(&f.ID, &f.AuditID, &f.ItemID, &f.DepartmentID, &sev, &f.Title, &f.Description, &f.DocumentID, &f.ClauseIdent,
		&f.ReviewID, &f.CreatedBy, &f.CreatedAt, &f.UpdatedAt)
	f.Severity = Severity(sev)
	return f, err
}

// MaxFindings bounds the findings listed for one engagement.
const MaxFindings = 1000

// ListFindings lists an engagement's findings, gravest first. The caller
// has checked that the principal may see the engagement.
func ListFindings(ctx context.Context, q db.Querier, sc scope.Scope, auditID int64) ([]Finding, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+findingColumns+` FROM findings WHERE org_id = ? AND audit_id = ?
		ORDER BY CASE severity WHEN 'major' THEN 0 WHEN 'minor' THEN 1 ELSE 2 END, id LIMIT ?`, sc.OrgID, auditID, MaxFindings)
	if err != nil {
		return nil, fmt.Errorf("cannot list findings of audit %d: %w", auditID, err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read finding: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func loadFinding(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Finding, error) {
	f, err := scanFinding(q.QueryRowContext(ctx, `SELECT `+findingColumns+` FROM findings WHERE org_id = ? AND id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("finding %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("cannot load finding %d: %w", id, err)
	}
	return f, nil
}

// GetFinding returns a finding of an engagement the principal may see.
func GetFinding(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Finding, Audit, Permissions, error) {
	f, err := loadFinding(ctx, q, sc, id)
	if err != nil {
		return Finding{}, Audit{}, Permissions{}, err
	}
	a, perm, err := Get(ctx, q, sc, p, f.AuditID)
	if err != nil {
		return Finding{}, Audit{}, Permissions{}, err
	}
	return f, a, perm, nil
}

// AddFinding records a finding (an assigned auditor, while the engagement
// is open). Without an engagement it is refused with a *Refusal.
func AddFinding(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in FindingInput) (Finding, error) {
	if in.AuditID <= 0 {
		return Finding{}, &Refusal{Step: "add_finding", Fields: validate.Errors{"audit_id": {Key: "audit.refused.finding_without_audit"}}}
	}
	if _, err := load(ctx, tx, sc, in.AuditID); errors.Is(err, db.ErrNotFound) {
		return Finding{}, &Refusal{Step: "add_finding", Fields: validate.Errors{"audit_id": {Key: "audit.refused.finding_without_audit"}}}
	} else if err != nil {
		return Finding{}, err
	}
	a, err := conducting(ctx, tx, sc, p, in.AuditID, true)
	if err != nil {
		return Finding{}, err
	}
	e := in.Validate()
	if in.ItemID != 0 {
		it, err := loadItem(ctx, tx, sc, in.AuditID, in.ItemID)
		if errors.Is(err, db.ErrNotFound) {
			e.Add("item_id", "error.invalid_choice")
		} else if err != nil {
			return Finding{}, err
		} else if in.DocumentID == 0 && it.DocumentID != 0 {
			// A finding on an item concerns the item's clause unless it says otherwise.
			in.DocumentID, in.ClauseIdent = it.DocumentID, it.ClauseIdent
		}
	}
	if in.DepartmentID == 0 {
		if ds := a.Departments(); len(ds) == 1 {
			in.DepartmentID = ds[0]
		} else {
			e.Add("department_id", "error.required")
		}
	} else if ok, err := withinScope(ctx, tx, sc, a, in.DepartmentID); err != nil {
		return Finding{}, err
	} else if !ok {
		e.Add("department_id", "audit.request.outside_scope")
	}
	if err := checkClauseRef(ctx, tx, sc, e, in.DocumentID, in.ClauseIdent); err != nil {
		return Finding{}, err
	}
	if err := e.Err(); err != nil {
		return Finding{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO findings (org_id, audit_id, item_id, department_id, severity, title, description,
		document_id, clause_ident, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, in.AuditID, nullID(in.ItemID), nullID(in.DepartmentID), in.Severity, in.Title, in.Description,
		nullID(in.DocumentID), in.ClauseIdent, p.PersonID, now, now).Scan(&id); err != nil {
		return Finding{}, fmt.Errorf("cannot record finding of audit %d: %w", in.AuditID, err)
	}
	f, err := loadFinding(ctx, tx, sc, id)
	if err != nil {
		return Finding{}, err
	}
	return f, record(ctx, tx, sc, trail.Create, EntityFinding, id, nil, f)
}

// OpenReview opens a §8 review request for the clause a finding concerns
// (an assigned auditor, or audit.manage). The document's review record
// then shows the finding as what prompted it ("finding:<id>"). A finding
// opens at most one review.
func OpenReview(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, findingID int64, note string) (Finding, policy.Review, error) {
	before, a, perm, err := GetFinding(ctx, tx, sc, p, findingID)
	if err != nil {
		return Finding{}, policy.Review{}, err
	}
	if !perm.Conduct && !perm.Manage {
		return Finding{}, policy.Review{}, ErrForbidden
	}
	if a.Status == Cancelled {
		return Finding{}, policy.Review{}, ErrState
	}
	e := validate.Errors{}
	if before.DocumentID == 0 {
		e.Add("document_id", "audit.review.needs_clause")
	}
	if before.ReviewID != 0 {
		e.Add("review", "audit.review.already_open")
	}
	if err := e.Err(); err != nil {
		return Finding{}, policy.Review{}, err
	}
	if note == "" {
		note = before.Title
		if before.Description != "" {
			note += "\n" + before.Description
		}
	}
	rv, err := policy.RequestReview(ctx, tx, sc, before.DocumentID, before.ClauseIdent,
		policy.Trigger{Kind: policy.TriggerAuditFinding, Ref: policy.TriggerRef("finding", findingID)}, note)
	if err != nil {
		return Finding{}, policy.Review{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE findings SET review_id = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		rv.ID, db.Now(), sc.OrgID, findingID); err != nil {
		return Finding{}, policy.Review{}, fmt.Errorf("cannot link finding %d to review %d: %w", findingID, rv.ID, err)
	}
	after, err := loadFinding(ctx, tx, sc, findingID)
	if err != nil {
		return Finding{}, policy.Review{}, err
	}
	return after, rv, record(ctx, tx, sc, trail.Update, EntityFinding, findingID, before, after)
}

// canReadFindingFiles: a finding's files are read by those who see its
// engagement's findings.
func canReadFindingFiles(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, ref string) (bool, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return false, nil
	}
	_, _, perm, err := GetFinding(ctx, q, sc, p, id)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return perm.View, nil
}
