package inspection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Checklist is one version of a checklist template (点検表). A new version
// is a new row pointing at the one it replaces (PreviousID).
type Checklist struct {
	ID          int64           `json:"id,string"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	VersionNo   int             `json:"version_no"`
	PreviousID  int64           `json:"previous_id,string,omitempty"`
	Status      ChecklistStatus `json:"status"`
	CreatedBy   int64           `json:"created_by,string,omitempty"`
	ItemCount   int             `json:"item_count"`
	// Campaigns counts the campaigns that use this version.
	Campaigns int   `json:"campaigns"`
	Version   int64 `json:"lock_version"`
	CreatedAt int64 `json:"created_at"`
	UpdatedAt int64 `json:"updated_at"`
}

// Editable reports whether the version's title and items may change: only
// a draft no campaign uses.
func (c Checklist) Editable() bool { return c.Status == ChecklistDraft && c.Campaigns == 0 }

// Item is one 点検項目.
type Item struct {
	ID               int64        `json:"id,string"`
	ChecklistID      int64        `json:"checklist_id,string"`
	Seq              int          `json:"seq"`
	Code             string       `json:"code"`     // 番号 as the office writes it: "1-1"
	Category         string       `json:"category"` // 分類
	Question         string       `json:"question"`
	Respondent       Respondent   `json:"respondent"`
	EvidenceExpected string       `json:"evidence_expected"`
	Priority         bool         `json:"priority"` // 重点項目
	Clauses          []ClauseLink `json:"clauses"`
}

// ItemInput is an item as a form, a file row or the API gives it. Clauses
// may be given as references or as the text of a 関連条項 cell
// ("基本方針 6-(3)-①; 対策基準 2-(1)"); the text wins when both are given.
type ItemInput struct {
	Code             string      `json:"code"`
	Category         string      `json:"category"`
	Question         string      `json:"question"`
	Respondent       string      `json:"respondent"`
	EvidenceExpected string      `json:"evidence_expected"`
	Priority         bool        `json:"priority"`
	Clauses          []ClauseRef `json:"clauses"`
	ClauseText       string      `json:"clause_text"`
}

// Limits of a checklist.
const (
	MaxItems       = 1000
	maxTitle       = 200
	maxDescription = 2000
	maxQuestion    = 1000
	maxCode        = 20
	maxCategory    = 100
	maxEvidence    = 1000
	maxClauseText  = 1000
)

// validate checks the fields, writing problems under prefix+field
// ("items.3.question" or "question").
func (in *ItemInput) validate(e validate.Errors, prefix string) {
	in.Code = e.Text(prefix+"code", in.Code, false, maxCode, false)
	in.Category = e.Text(prefix+"category", in.Category, false, maxCategory, false)
	in.Question = e.Text(prefix+"question", in.Question, true, maxQuestion, true)
	if in.Respondent == "" {
		in.Respondent = string(RespondAll)
	}
	if !Respondent(in.Respondent).IsValid() {
		e.Add(prefix+"respondent", "error.invalid_choice")
	}
	in.EvidenceExpected = e.Text(prefix+"evidence_expected", in.EvidenceExpected, false, maxEvidence, true)
	in.ClauseText = e.Text(prefix+"clause_text", in.ClauseText, false, maxClauseText, true)
	if len(in.Clauses) > 50 {
		e.Add(prefix+"clauses", "checklist.too_many_clauses", 50)
	}
}

// ChecklistInput is a new checklist with its items.
type ChecklistInput struct {
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Items       []ItemInput `json:"items"`
}

func validateHead(e validate.Errors, title, description *string) {
	*title = e.Text("title", *title, true, maxTitle, false)
	*description = e.Text("description", *description, false, maxDescription, true)
}

// checkItems validates items and resolves their clauses; problems are
// written as "items.N.field" with N counting from 1.
func checkItems(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, items []ItemInput) ([][]ClauseRef, error) {
	if len(items) > MaxItems {
		e.Add("items", "checklist.too_many_items", MaxItems)
		return nil, nil
	}
	dir, err := loadClauseDirectory(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	refs := make([][]ClauseRef, len(items))
	for i := range items {
		prefix := "items." + strconv.Itoa(i+1) + "."
		items[i].validate(e, prefix)
		field := prefix + "clauses"
		if items[i].ClauseText != "" {
			field = prefix + "clause_text"
		}
		if refs[i], err = dir.resolve(e, field, items[i].Clauses, items[i].ClauseText); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

const checklistColumns = `c.id, c.title, c.description, c.version_no, COALESCE(c.previous_id, 0), c.status, COALESCE(c.created_by, 0),
	(SELECT COUNT(*) FROM checklist_items i WHERE i.checklist_id = c.id),
	(SELECT COUNT(*) FROM campaigns k WHERE k.org_id = c.org_id AND k.checklist_id = c.id),
	c.version, c.created_at, c.updated_at`

func scanChecklist(s interface{ Scan(...any) error }) (Checklist, error) {
	var c Checklist
	var status string
	err := s.Scan(&c.ID, &c.Title, &c.Description, &c.VersionNo, &c.PreviousID, &status, &c.CreatedBy,
		&c.ItemCount, &c.Campaigns, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	c.Status = ChecklistStatus(status)
	return c, err
}

func loadChecklist(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Checklist, error) {
	c, err := scanChecklist(q.QueryRowContext(ctx, `SELECT `+checklistColumns+` FROM checklists c WHERE c.org_id = ? AND c.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("checklist %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("cannot load checklist %d: %w", id, err)
	}
	return c, nil
}

// GetChecklist returns a checklist version for a reader of checklists.
func GetChecklist(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Checklist, error) {
	if !authz.CanSome(p, authz.ViewChecklists) {
		return Checklist{}, fmt.Errorf("cannot read checklist %d: %w", id, ErrForbidden)
	}
	return loadChecklist(ctx, q, sc, id)
}

// ChecklistFilter narrows a checklist listing.
type ChecklistFilter struct {
	Status ChecklistStatus
	Cursor string // the previous page's NextCursor
	Limit  int
}

// ChecklistPage is one page of checklists, newest first.
type ChecklistPage struct {
	Items      []Checklist
	NextCursor string
}

// parseCursor reads an id cursor.
func parseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidCursor()
	}
	return id, nil
}

func limitOf(n int) int {
	if n <= 0 || n > 200 {
		return 50
	}
	return n
}

// ListChecklists lists checklist versions, newest first.
func ListChecklists(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f ChecklistFilter) (ChecklistPage, error) {
	if !authz.CanSome(p, authz.ViewChecklists) {
		return ChecklistPage{}, fmt.Errorf("cannot list checklists: %w", ErrForbidden)
	}
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return ChecklistPage{}, err
	}
	where := []string{"c.org_id = ?"}
	args := []any{sc.OrgID}
	if f.Status != "" {
		where = append(where, "c.status = ?")
		args = append(args, string(f.Status))
	}
	if after > 0 {
		where = append(where, "c.id < ?")
		args = append(args, after)
	}
	limit := limitOf(f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT `+checklistColumns+` FROM checklists c WHERE `+strings.Join(where, " AND ")+
		` ORDER BY c.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return ChecklistPage{}, fmt.Errorf("cannot list checklists: %w", err)
	}
	defer rows.Close()
	var page ChecklistPage
	for rows.Next() {
		c, err := scanChecklist(rows)
		if err != nil {
			return page, fmt.Errorf("cannot read checklist: %w", err)
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("cannot list checklists: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = idText(page.Items[limit-1].ID)
	}
	return page, nil
}

// Items returns a checklist version's items in order with their clauses.
func Items(ctx context.Context, q db.Querier, sc scope.Scope, checklistID int64) ([]Item, error) {
	return listItems(ctx, q, sc, checklistID, "")
}

// listItems reads items, optionally only those of the respondent kinds in
// the SQL condition kinds ("i.respondent IN (…)").
func listItems(ctx context.Context, q db.Querier, sc scope.Scope, checklistID int64, kinds string, kindArgs ...any) ([]Item, error) {
	where := "i.org_id = ? AND i.checklist_id = ?"
	args := []any{sc.OrgID, checklistID}
	if kinds != "" {
		where += " AND " + kinds
		args = append(args, kindArgs...)
	}
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.checklist_id, i.seq, i.code, i.category, i.question, i.respondent,
		i.evidence_expected, i.priority FROM checklist_items i WHERE `+where+` ORDER BY i.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list items of checklist %d: %w", checklistID, err)
	}
	var items []Item
	for rows.Next() {
		var it Item
		var resp string
		if err := rows.Scan(&it.ID, &it.ChecklistID, &it.Seq, &it.Code, &it.Category, &it.Question, &resp,
			&it.EvidenceExpected, &it.Priority); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read item: %w", err)
		}
		it.Respondent = Respondent(resp)
		it.Clauses = []ClauseLink{}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list items of checklist %d: %w", checklistID, err)
	}
	if len(items) == 0 {
		return items, nil
	}
	dir, err := loadClauseDirectory(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(items))
	for i, it := range items {
		byID[it.ID] = i
	}
	crows, err := q.QueryContext(ctx, `SELECT l.item_id, l.document_id, l.clause_ident FROM checklist_item_clauses l
		JOIN checklist_items i ON i.id = l.item_id
		WHERE l.org_id = ? AND i.checklist_id = ? ORDER BY l.item_id, l.document_id, l.clause_ident`, sc.OrgID, checklistID)
	if err != nil {
		return nil, fmt.Errorf("cannot list clauses of checklist %d: %w", checklistID, err)
	}
	defer crows.Close()
	for crows.Next() {
		var itemID int64
		var r ClauseRef
		if err := crows.Scan(&itemID, &r.DocumentID, &r.Ident); err != nil {
			return nil, fmt.Errorf("cannot read clause link: %w", err)
		}
		if i, ok := byID[itemID]; ok {
			items[i].Clauses = append(items[i].Clauses, dir.label(r))
		}
	}
	return items, crows.Err()
}

// GetItem returns one item of a checklist.
func GetItem(ctx context.Context, q db.Querier, sc scope.Scope, checklistID, itemID int64) (Item, error) {
	items, err := listItems(ctx, q, sc, checklistID, "i.id = ?", itemID)
	if err != nil {
		return Item{}, err
	}
	if len(items) == 0 {
		return Item{}, fmt.Errorf("item %d of checklist %d: %w", itemID, checklistID, db.ErrNotFound)
	}
	return items[0], nil
}

// checklistSnapshot is what the trail keeps of a checklist.
type checklistSnapshot struct {
	Checklist
	Items []itemSnapshot `json:"items,omitempty"`
}

type itemSnapshot struct {
	ID         int64      `json:"id,string"`
	Code       string     `json:"code,omitempty"`
	Category   string     `json:"category,omitempty"`
	Question   string     `json:"question"`
	Respondent Respondent `json:"respondent"`
	Evidence   string     `json:"evidence_expected,omitempty"`
	Priority   bool       `json:"priority,omitempty"`
	Clauses    []string   `json:"clauses,omitempty"`
}

func snapshotItem(it Item) itemSnapshot {
	s := itemSnapshot{ID: it.ID, Code: it.Code, Category: it.Category, Question: it.Question, Respondent: it.Respondent,
		Evidence: it.EvidenceExpected, Priority: it.Priority}
	for _, c := range it.Clauses {
		s.Clauses = append(s.Clauses, c.Label)
	}
	return s
}

func snapshot(ctx context.Context, q db.Querier, sc scope.Scope, c Checklist) (checklistSnapshot, error) {
	items, err := Items(ctx, q, sc, c.ID)
	if err != nil {
		return checklistSnapshot{}, err
	}
	s := checklistSnapshot{Checklist: c}
	for _, it := range items {
		s.Items = append(s.Items, snapshotItem(it))
	}
	return s, nil
}

func canEdit(p authz.Principal) bool { return authz.CanSome(p, authz.EditChecklists) }

// CreateChecklist makes a new checklist (version 1, a draft) with items.
func CreateChecklist(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in ChecklistInput) (Checklist, error) {
	if !canEdit(p) {
		return Checklist{}, fmt.Errorf("cannot create checklist: %w", ErrForbidden)
	}
	e := validate.Errors{}
	validateHead(e, &in.Title, &in.Description)
	refs, err := checkItems(ctx, tx, sc, e, in.Items)
	if err != nil {
		return Checklist{}, err
	}
	if err := e.Err(); err != nil {
		return Checklist{}, err
	}
	id, err := insertChecklist(ctx, tx, sc, in.Title, in.Description, 1, 0)
	if err != nil {
		return Checklist{}, err
	}
	if err := insertItems(ctx, tx, sc, id, 0, in.Items, refs); err != nil {
		return Checklist{}, err
	}
	c, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return c, err
	}
	snap, err := snapshot(ctx, tx, sc, c)
	if err != nil {
		return c, err
	}
	return c, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityChecklist, EntityID: idText(id), After: snap})
}

func insertChecklist(ctx context.Context, tx *db.Tx, sc scope.Scope, title, description string, versionNo int, previous int64) (int64, error) {
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO checklists (org_id, title, description, version_no, previous_id, status, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`, sc.OrgID, title, description, versionNo, nullID(previous),
		string(ChecklistDraft), nullID(sc.ActorID), now, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("cannot create checklist: %w", err)
	}
	return id, nil
}

// insertItems adds items after seq.
func insertItems(ctx context.Context, tx *db.Tx, sc scope.Scope, checklistID int64, seq int, items []ItemInput, refs [][]ClauseRef) error {
	for i, in := range items {
		seq++
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO checklist_items (org_id, checklist_id, seq, code, category, question, respondent, evidence_expected, priority)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, checklistID, seq, in.Code, in.Category, in.Question,
			in.Respondent, in.EvidenceExpected, in.Priority).Scan(&id)
		if err != nil {
			return fmt.Errorf("cannot add item %d to checklist %d: %w", seq, checklistID, err)
		}
		if err := insertClauses(ctx, tx, sc, id, refs[i]); err != nil {
			return err
		}
	}
	return nil
}

func insertClauses(ctx context.Context, tx *db.Tx, sc scope.Scope, itemID int64, refs []ClauseRef) error {
	for _, r := range refs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO checklist_item_clauses (org_id, item_id, document_id, clause_ident) VALUES (?, ?, ?, ?)`,
			sc.OrgID, itemID, r.DocumentID, r.Ident); err != nil {
			return fmt.Errorf("cannot link item %d to clause %s: %w", itemID, r.Ident, err)
		}
	}
	return nil
}

// editable loads a checklist for a change of its content: the writer may
// edit checklists and the version is a draft no campaign uses.
func editable(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64) (Checklist, error) {
	if !canEdit(p) {
		return Checklist{}, fmt.Errorf("cannot change checklist %d: %w", id, ErrForbidden)
	}
	c, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return c, err
	}
	if !c.Editable() {
		return c, fmt.Errorf("checklist %d is %s: %w", id, c.Status, ErrState)
	}
	return c, nil
}

// touch bumps a checklist's version after a change of its items.
func touch(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE checklists SET version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`,
		db.Now(), sc.OrgID, id); err != nil {
		return fmt.Errorf("cannot update checklist %d: %w", id, err)
	}
	return nil
}

// HeadInput changes a draft's title and description.
type HeadInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// UpdateChecklist changes a draft's title and description.
func UpdateChecklist(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in HeadInput) (Checklist, error) {
	before, err := editable(ctx, tx, sc, p, id)
	if err != nil {
		return before, err
	}
	e := validate.Errors{}
	validateHead(e, &in.Title, &in.Description)
	if err := e.Err(); err != nil {
		return before, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checklists SET title = ?, description = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`,
		in.Title, in.Description, db.Now(), sc.OrgID, id); err != nil {
		return before, fmt.Errorf("cannot update checklist %d: %w", id, err)
	}
	after, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityChecklist, EntityID: idText(id), Before: before, After: after})
}

// ReplaceItems replaces every item of a draft (an import into a draft).
func ReplaceItems(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, items []ItemInput) (Checklist, error) {
	before, err := editable(ctx, tx, sc, p, id)
	if err != nil {
		return before, err
	}
	e := validate.Errors{}
	refs, err := checkItems(ctx, tx, sc, e, items)
	if err != nil {
		return before, err
	}
	if err := e.Err(); err != nil {
		return before, err
	}
	beforeSnap, err := snapshot(ctx, tx, sc, before)
	if err != nil {
		return before, err
	}
	if err := deleteItems(ctx, tx, sc, id, 0); err != nil {
		return before, err
	}
	if err := insertItems(ctx, tx, sc, id, 0, items, refs); err != nil {
		return before, err
	}
	if err := touch(ctx, tx, sc, id); err != nil {
		return before, err
	}
	after, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	afterSnap, err := snapshot(ctx, tx, sc, after)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityChecklist, EntityID: idText(id),
		Before: beforeSnap, After: afterSnap})
}

// deleteItems removes a checklist's items (itemID 0: all of them) and
// their clause links.
func deleteItems(ctx context.Context, tx *db.Tx, sc scope.Scope, checklistID, itemID int64) error {
	cond, args := "checklist_id = ?", []any{sc.OrgID, checklistID}
	if itemID != 0 {
		cond += " AND id = ?"
		args = append(args, itemID)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM checklist_item_clauses WHERE org_id = ? AND item_id IN
		(SELECT id FROM checklist_items WHERE `+cond+`)`, args...); err != nil {
		return fmt.Errorf("cannot remove clause links of checklist %d: %w", checklistID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM checklist_items WHERE org_id = ? AND `+cond, args...); err != nil {
		return fmt.Errorf("cannot remove items of checklist %d: %w", checklistID, err)
	}
	return nil
}

// AddItem adds an item at the end of a draft.
func AddItem(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, checklistID int64, in ItemInput) (Item, error) {
	if _, err := editable(ctx, tx, sc, p, checklistID); err != nil {
		return Item{}, err
	}
	refs, err := checkItem(ctx, tx, sc, &in)
	if err != nil {
		return Item{}, err
	}
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM checklist_items WHERE org_id = ? AND checklist_id = ?`,
		sc.OrgID, checklistID).Scan(&seq); err != nil {
		return Item{}, fmt.Errorf("cannot number item: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM checklist_items WHERE org_id = ? AND checklist_id = ?`,
		sc.OrgID, checklistID).Scan(&n); err != nil {
		return Item{}, fmt.Errorf("cannot count items: %w", err)
	}
	if n >= MaxItems {
		return Item{}, validate.Errors{"question": {Key: "checklist.too_many_items", Args: []any{MaxItems}}}
	}
	if err := insertItems(ctx, tx, sc, checklistID, seq, []ItemInput{in}, [][]ClauseRef{refs}); err != nil {
		return Item{}, err
	}
	if err := touch(ctx, tx, sc, checklistID); err != nil {
		return Item{}, err
	}
	items, err := listItems(ctx, tx, sc, checklistID, "i.seq = ?", seq+1)
	if err != nil || len(items) == 0 {
		return Item{}, fmt.Errorf("cannot load new item: %w", errors.Join(err, db.ErrNotFound))
	}
	it := items[0]
	return it, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityItem, EntityID: idText(it.ID),
		After: struct {
			ChecklistID int64 `json:"checklist_id,string"`
			itemSnapshot
		}{checklistID, snapshotItem(it)}})
}

// checkItem validates one item's fields (problems named by field alone).
func checkItem(ctx context.Context, q db.Querier, sc scope.Scope, in *ItemInput) ([]ClauseRef, error) {
	e := validate.Errors{}
	in.validate(e, "")
	dir, err := loadClauseDirectory(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	field := "clauses"
	if in.ClauseText != "" {
		field = "clause_text"
	}
	refs, err := dir.resolve(e, field, in.Clauses, in.ClauseText)
	if err != nil {
		return nil, err
	}
	return refs, e.Err()
}

// UpdateItem changes an item of a draft.
func UpdateItem(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, checklistID, itemID int64, in ItemInput) (Item, error) {
	if _, err := editable(ctx, tx, sc, p, checklistID); err != nil {
		return Item{}, err
	}
	before, err := GetItem(ctx, tx, sc, checklistID, itemID)
	if err != nil {
		return Item{}, err
	}
	refs, err := checkItem(ctx, tx, sc, &in)
	if err != nil {
		return Item{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checklist_items SET code = ?, category = ?, question = ?, respondent = ?, evidence_expected = ?, priority = ?
		WHERE org_id = ? AND checklist_id = ? AND id = ?`, in.Code, in.Category, in.Question, in.Respondent, in.EvidenceExpected, in.Priority,
		sc.OrgID, checklistID, itemID); err != nil {
		return Item{}, fmt.Errorf("cannot update item %d: %w", itemID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM checklist_item_clauses WHERE org_id = ? AND item_id = ?`, sc.OrgID, itemID); err != nil {
		return Item{}, fmt.Errorf("cannot update clause links of item %d: %w", itemID, err)
	}
	if err := insertClauses(ctx, tx, sc, itemID, refs); err != nil {
		return Item{}, err
	}
	if err := touch(ctx, tx, sc, checklistID); err != nil {
		return Item{}, err
	}
	after, err := GetItem(ctx, tx, sc, checklistID, itemID)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityItem, EntityID: idText(itemID),
		Before: snapshotItem(before), After: snapshotItem(after)})
}

// DeleteItem removes an item from a draft.
func DeleteItem(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, checklistID, itemID int64) error {
	if _, err := editable(ctx, tx, sc, p, checklistID); err != nil {
		return err
	}
	before, err := GetItem(ctx, tx, sc, checklistID, itemID)
	if err != nil {
		return err
	}
	if err := deleteItems(ctx, tx, sc, checklistID, itemID); err != nil {
		return err
	}
	if err := touch(ctx, tx, sc, checklistID); err != nil {
		return err
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Delete, Entity: EntityItem, EntityID: idText(itemID), Before: snapshotItem(before)})
}

// Activate puts a draft into use: campaigns may then choose it, and it
// never changes again. The version it replaces, if active, is retired.
func Activate(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64) (Checklist, error) {
	if !canEdit(p) {
		return Checklist{}, fmt.Errorf("cannot activate checklist %d: %w", id, ErrForbidden)
	}
	before, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return before, err
	}
	if before.Status != ChecklistDraft {
		return before, fmt.Errorf("checklist %d is %s: %w", id, before.Status, ErrState)
	}
	if before.ItemCount == 0 {
		return before, validate.Errors{"items": {Key: "checklist.no_items"}}
	}
	if err := setStatus(ctx, tx, sc, id, ChecklistActive); err != nil {
		return before, err
	}
	if before.PreviousID != 0 {
		prev, err := loadChecklist(ctx, tx, sc, before.PreviousID)
		if err != nil {
			return before, err
		}
		if prev.Status == ChecklistActive {
			if err := setStatus(ctx, tx, sc, prev.ID, ChecklistRetired); err != nil {
				return before, err
			}
			after, err := loadChecklist(ctx, tx, sc, prev.ID)
			if err != nil {
				return before, err
			}
			if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityChecklist, EntityID: idText(prev.ID),
				Before: prev, After: after}); err != nil {
				return before, err
			}
		}
	}
	after, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityChecklist, EntityID: idText(id), Before: before, After: after})
}

// Retire takes an active version out of use; campaigns that used it keep it.
func Retire(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64) (Checklist, error) {
	if !canEdit(p) {
		return Checklist{}, fmt.Errorf("cannot retire checklist %d: %w", id, ErrForbidden)
	}
	before, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return before, err
	}
	if before.Status != ChecklistActive {
		return before, fmt.Errorf("checklist %d is %s: %w", id, before.Status, ErrState)
	}
	if err := setStatus(ctx, tx, sc, id, ChecklistRetired); err != nil {
		return before, err
	}
	after, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityChecklist, EntityID: idText(id), Before: before, After: after})
}

func setStatus(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64, st ChecklistStatus) error {
	if _, err := tx.ExecContext(ctx, `UPDATE checklists SET status = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`,
		string(st), db.Now(), sc.OrgID, id); err != nil {
		return fmt.Errorf("cannot change status of checklist %d: %w", id, err)
	}
	return nil
}

// NewVersion starts the next version of a checklist as a draft: a copy of
// the version's items, or items when given (an import as a new version).
// A version that already has a draft after it returns that draft when
// items is nil.
func NewVersion(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, items []ItemInput) (Checklist, error) {
	if !canEdit(p) {
		return Checklist{}, fmt.Errorf("cannot version checklist %d: %w", id, ErrForbidden)
	}
	base, err := loadChecklist(ctx, tx, sc, id)
	if err != nil {
		return base, err
	}
	if base.Status == ChecklistDraft {
		return base, fmt.Errorf("checklist %d is a draft: %w", id, ErrState)
	}
	var draft int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM checklists WHERE org_id = ? AND previous_id = ? AND status = ? ORDER BY id DESC LIMIT 1`,
		sc.OrgID, id, string(ChecklistDraft)).Scan(&draft)
	switch {
	case err == nil:
		if items == nil {
			return loadChecklist(ctx, tx, sc, draft)
		}
		return ReplaceItems(ctx, tx, sc, p, draft, items)
	case !errors.Is(err, sql.ErrNoRows):
		return base, fmt.Errorf("cannot look for a draft of checklist %d: %w", id, err)
	}
	var refs [][]ClauseRef
	if items == nil {
		old, err := Items(ctx, tx, sc, id)
		if err != nil {
			return base, err
		}
		for _, it := range old {
			in := ItemInput{Code: it.Code, Category: it.Category, Question: it.Question, Respondent: string(it.Respondent),
				EvidenceExpected: it.EvidenceExpected, Priority: it.Priority}
			var r []ClauseRef
			for _, c := range it.Clauses {
				r = append(r, c.ClauseRef)
			}
			items = append(items, in)
			refs = append(refs, r)
		}
	} else {
		e := validate.Errors{}
		if refs, err = checkItems(ctx, tx, sc, e, items); err != nil {
			return base, err
		}
		if err := e.Err(); err != nil {
			return base, err
		}
	}
	var maxNo int
	if err := tx.QueryRowContext(ctx, `WITH RECURSIVE chain(id, previous_id, depth) AS (
			SELECT id, previous_id, 0 FROM checklists WHERE org_id = ? AND id = ?
			UNION ALL
			SELECT c.id, c.previous_id, chain.depth + 1 FROM checklists c JOIN chain ON c.id = chain.previous_id
			WHERE c.org_id = ? AND chain.depth < 1000
		) SELECT MAX(k.version_no) FROM checklists k WHERE k.org_id = ? AND (k.id IN (SELECT id FROM chain) OR k.previous_id IN (SELECT id FROM chain))`,
		sc.OrgID, id, sc.OrgID, sc.OrgID).Scan(&maxNo); err != nil {
		return base, fmt.Errorf("cannot number the new version of checklist %d: %w", id, err)
	}
	nid, err := insertChecklist(ctx, tx, sc, base.Title, base.Description, maxNo+1, id)
	if err != nil {
		return base, err
	}
	if err := insertItems(ctx, tx, sc, nid, 0, items, refs); err != nil {
		return base, err
	}
	c, err := loadChecklist(ctx, tx, sc, nid)
	if err != nil {
		return c, err
	}
	snap, err := snapshot(ctx, tx, sc, c)
	if err != nil {
		return c, err
	}
	return c, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityChecklist, EntityID: idText(nid), After: snap})
}

// Versions lists the versions of the checklist id belongs to, newest first.
func Versions(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]Checklist, error) {
	// Walk back to the first version, then forward through every version
	// that names one of the chain as its previous.
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE back(id, previous_id, depth) AS (
			SELECT id, previous_id, 0 FROM checklists WHERE org_id = ? AND id = ?
			UNION ALL
			SELECT c.id, c.previous_id, back.depth + 1 FROM checklists c JOIN back ON c.id = back.previous_id
			WHERE c.org_id = ? AND back.depth < 1000
		), root(id) AS (SELECT id FROM back WHERE previous_id IS NULL),
		fwd(id, depth) AS (
			SELECT id, 0 FROM root
			UNION ALL
			SELECT c.id, fwd.depth + 1 FROM checklists c JOIN fwd ON c.previous_id = fwd.id WHERE c.org_id = ? AND fwd.depth < 1000
		) SELECT `+checklistColumns+` FROM checklists c WHERE c.org_id = ? AND c.id IN (SELECT id FROM fwd) ORDER BY c.version_no DESC, c.id DESC`,
		sc.OrgID, id, sc.OrgID, sc.OrgID, sc.OrgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list versions of checklist %d: %w", id, err)
	}
	defer rows.Close()
	var out []Checklist
	for rows.Next() {
		c, err := scanChecklist(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read checklist: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func invalidCursor() error { return validate.Errors{"cursor": {Key: "error.invalid_cursor"}} }
