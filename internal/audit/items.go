package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Item is a 監査項目 with its 監査基準 (what good looks like) and 監査方法
// (how it is checked), the clause it checks, and the auditor's result.
type Item struct {
	ID          int64      `json:"id,string"`
	AuditID     int64      `json:"audit_id,string"`
	Seq         int        `json:"seq"`
	Item        string     `json:"item"`
	Criteria    string     `json:"criteria"`
	Method      string     `json:"method"`
	DocumentID  int64      `json:"document_id,string,omitempty"`
	ClauseIdent string     `json:"clause_ident"`
	Result      ItemResult `json:"result"`
	Note        string     `json:"note"`
}

// ItemInput adds an item.
type ItemInput struct {
	Item        string `json:"item"`
	Criteria    string `json:"criteria"`
	Method      string `json:"method"`
	DocumentID  int64  `json:"document_id,string,omitempty"`
	ClauseIdent string `json:"clause_ident"`
}

// Validate checks the fields that need no database.
func (in *ItemInput) Validate() validate.Errors {
	e := validate.Errors{}
	in.Item = e.Text("item", in.Item, true, MaxShort, true)
	in.Criteria = e.Text("criteria", in.Criteria, false, MaxShort, true)
	in.Method = e.Text("method", in.Method, false, MaxShort, true)
	in.ClauseIdent = e.Text("clause_ident", in.ClauseIdent, false, MaxClause, false)
	if in.ClauseIdent != "" && in.DocumentID == 0 {
		e.Add("document_id", "audit.clause_needs_document")
	}
	return e
}

const itemColumns = `id, audit_id, seq, item, criteria, method, COALESCE(document_id, 0), clause_ident, result, note`

func scanItem(s interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var result string
	err := s.Scan(&it.ID, &it.AuditID, &it.Seq, &it.Item, &it.Criteria, &it.Method, &it.DocumentID, &it.ClauseIdent, &result, &it.Note)
	it.Result = ItemResult(result)
	return it, err
}

// MaxItems bounds the items of one engagement.
const MaxItems = 1000

// ListItems lists an engagement's items in order. The caller has checked
// that the principal may see the engagement (Get).
func ListItems(ctx context.Context, q db.Querier, sc scope.Scope, auditID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemColumns+` FROM audit_items WHERE org_id = ? AND audit_id = ? ORDER BY seq LIMIT ?`,
		sc.OrgID, auditID, MaxItems)
	if err != nil {
		return nil, fmt.Errorf("cannot list items of audit %d: %w", auditID, err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read audit item: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func loadItem(ctx context.Context, q db.Querier, sc scope.Scope, auditID, itemID int64) (Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM audit_items WHERE org_id = ? AND audit_id = ? AND id = ?`,
		sc.OrgID, auditID, itemID))
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("audit item %d: %w", itemID, db.ErrNotFound)
	}
	if err != nil {
		return it, fmt.Errorf("cannot load audit item %d: %w", itemID, err)
	}
	return it, nil
}

// conducting loads an engagement for an auditor's work: the principal must
// be an assigned, independent auditor and the engagement still open when
// open is set.
func conducting(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, open bool) (Audit, error) {
	a, perm, err := Get(ctx, tx, sc, p, auditID)
	if err != nil {
		return Audit{}, err
	}
	if !perm.Conduct {
		return Audit{}, ErrForbidden
	}
	if open && !a.Status.Open() {
		return Audit{}, ErrState
	}
	return a, nil
}

// checkClauseRef checks an optional document and clause reference.
func checkClauseRef(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, docID int64, ident string) error {
	if docID == 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE org_id = ? AND id = ?`, sc.OrgID, docID).Scan(&n); err != nil {
		return fmt.Errorf("cannot check document %d: %w", docID, err)
	}
	if n == 0 {
		e.Add("document_id", "error.invalid_choice")
		return nil
	}
	if ident == "" {
		return nil
	}
	ok, err := clauseExists(ctx, q, sc, docID, ident)
	if err != nil {
		return err
	}
	if !ok {
		e.Add("clause_ident", "audit.clause_unknown")
	}
	return nil
}

// AddItem adds an item at the end (an assigned auditor, while open).
func AddItem(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64, in ItemInput) (Item, error) {
	if _, err := conducting(ctx, tx, sc, p, auditID, true); err != nil {
		return Item{}, err
	}
	e := in.Validate()
	if err := checkClauseRef(ctx, tx, sc, e, in.DocumentID, in.ClauseIdent); err != nil {
		return Item{}, err
	}
	if err := e.Err(); err != nil {
		return Item{}, err
	}
	var seq, n int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM audit_items WHERE org_id = ? AND audit_id = ?`,
		sc.OrgID, auditID).Scan(&seq, &n); err != nil {
		return Item{}, fmt.Errorf("cannot number item of audit %d: %w", auditID, err)
	}
	if n >= MaxItems {
		return Item{}, validate.Errors{"item": {Key: "audit.too_many_items", Args: []any{MaxItems}}}
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO audit_items (org_id, audit_id, seq, item, criteria, method, document_id, clause_ident)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, auditID, seq+1, in.Item, in.Criteria, in.Method,
		nullID(in.DocumentID), strings.TrimSpace(in.ClauseIdent)).Scan(&id); err != nil {
		return Item{}, fmt.Errorf("cannot add item to audit %d: %w", auditID, err)
	}
	it, err := loadItem(ctx, tx, sc, auditID, id)
	if err != nil {
		return Item{}, err
	}
	return it, record(ctx, tx, sc, trail.Create, EntityItem, id, nil, it)
}

// ResultInput records an auditor's conclusion on an item.
type ResultInput struct {
	Result string `json:"result"`
	Note   string `json:"note"`
}

// SetItemResult records the result of an item (an assigned auditor, while open).
func SetItemResult(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID, itemID int64, in ResultInput) (Item, error) {
	if _, err := conducting(ctx, tx, sc, p, auditID, true); err != nil {
		return Item{}, err
	}
	before, err := loadItem(ctx, tx, sc, auditID, itemID)
	if err != nil {
		return Item{}, err
	}
	e := validate.Errors{}
	e.Choice("result", in.Result, false, string(Conforming), string(Nonconforming), string(NotApplicable))
	in.Note = e.Text("note", in.Note, false, MaxShort, true)
	if err := e.Err(); err != nil {
		return Item{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_items SET result = ?, note = ? WHERE org_id = ? AND id = ?`,
		in.Result, in.Note, sc.OrgID, itemID); err != nil {
		return Item{}, fmt.Errorf("cannot record result of audit item %d: %w", itemID, err)
	}
	after, err := loadItem(ctx, tx, sc, auditID, itemID)
	if err != nil {
		return Item{}, err
	}
	return after, record(ctx, tx, sc, trail.Update, EntityItem, itemID, before, after)
}
