package policy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Limits of a document's fields.
const (
	MaxTitle         = 200
	MaxNumber        = 50
	MaxBody          = 300000 // characters of a version's Markdown
	MaxChangeSummary = 2000
	MaxAccess        = 200 // entries of an access list
	MaxRefs          = 200 // clauses a document implements
	MaxReviewMonths  = 120
	// DefaultReviewMonths is how often a document is reviewed (§8) unless
	// its settings say otherwise.
	DefaultReviewMonths = 12
)

// DocumentInput creates a document or changes its settings. Body and
// ChangeSummary are used only on creation, as the first draft.
type DocumentInput struct {
	Type           string      `json:"type"`
	Number         string      `json:"number"`
	Title          string      `json:"title"`
	ParentID       int64       `json:"parent_id,string"`
	Visibility     string      `json:"visibility"`
	Access         []Access    `json:"access"`
	OwnerID        int64       `json:"owner_id,string"`
	ReviewMonths   int         `json:"review_months"`
	AckRequired    bool        `json:"ack_required"`
	AckCategories  []string    `json:"ack_categories"`
	AckDepartments IDs         `json:"ack_departments"`
	Implements     []ClauseRef `json:"implements"`
	Body           string      `json:"body"`
	ChangeSummary  string      `json:"change_summary"`
	Version        int64       `json:"lock_version"`
}

// NewDocumentInput is the starting point of a new document's input: the
// defaults a form or an API body then changes (acknowledgement asked of
// everyone, the default review period).
func NewDocumentInput() DocumentInput {
	return DocumentInput{AckRequired: true, ReviewMonths: DefaultReviewMonths}
}

// Input returns the document's settings as an input, the starting point of
// a partial change (PATCH).
func (d Document) Input() DocumentInput {
	return DocumentInput{Type: string(d.Type), Number: d.Number, Title: d.Title, ParentID: d.ParentID,
		Visibility: string(d.Visibility), Access: slices.Clone(d.Access), OwnerID: d.OwnerID,
		ReviewMonths: d.ReviewMonths, AckRequired: d.AckRequired, AckCategories: slices.Clone(d.AckCategories),
		AckDepartments: slices.Clone(d.AckDepartments), Implements: slices.Clone(d.Implements), Version: d.Version}
}

// IsValid reports whether t is a known type.
func (t Type) IsValid() bool { return slices.Contains(Types, t) }

// Key is the message key of the type's name.
func (t Type) Key() string { return "policy.type." + string(t) }

// IsValid reports whether v is a known visibility.
func (v Visibility) IsValid() bool { return slices.Contains(Visibilities, v) }

// Key is the message key of the visibility's name.
func (v Visibility) Key() string { return "policy.visibility." + string(v) }

// Statuses lists the statuses in life-cycle order.
var Statuses = []Status{Draft, InReview, Approved, Published, Superseded}

// Key is the message key of the status's name.
func (s Status) Key() string { return "policy.status." + string(s) }

// Unpublished reports whether a version in this status is still being
// worked on (and shown only to those who work on documents).
func (s Status) Unpublished() bool { return s == Draft || s == InReview || s == Approved }

// AccessKinds lists the kinds of access list entries.
var AccessKinds = []AccessKind{AccessRole, AccessDepartment, AccessPerson}

// Key is the message key of the kind's name.
func (k AccessKind) Key() string { return "policy.access." + string(k) }

const documentColumns = `d.id, d.doc_type, d.number, d.title, COALESCE(d.parent_id, 0), d.visibility, COALESCE(d.owner_id, 0),
	d.review_months, d.next_review_date, COALESCE(d.current_version_id, 0), d.ack_categories, d.ack_required, d.version,
	d.created_at, d.updated_at`

type scanner interface{ Scan(...any) error }

func scanDocument(s scanner, extra ...any) (Document, error) {
	var d Document
	var typ, vis, cats string
	err := s.Scan(append([]any{&d.ID, &typ, &d.Number, &d.Title, &d.ParentID, &vis, &d.OwnerID, &d.ReviewMonths,
		&d.NextReviewDate, &d.CurrentVersionID, &cats, &d.AckRequired, &d.Version, &d.CreatedAt, &d.UpdatedAt}, extra...)...)
	d.Type, d.Visibility = Type(typ), Visibility(vis)
	d.AckCategories = splitWords(cats)
	d.Access, d.AckDepartments, d.Implements = []Access{}, IDs{}, []ClauseRef{}
	return d, err
}

func splitWords(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}

// load reads a document without asking who reads it; callers decide.
func load(ctx context.Context, q db.Querier, sc scope.Scope, r reader, id int64) (Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.org_id = ? AND d.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("cannot load document %d: %w", id, err)
	}
	return d, fill(ctx, q, sc, r, []*Document{&d})
}

// get reads a document the reader may read; db.ErrNotFound otherwise.
func get(ctx context.Context, q db.Querier, sc scope.Scope, r reader, id int64) (Document, error) {
	c, args := r.cond("d")
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.org_id = ? AND d.id = ? AND `+c,
		append([]any{sc.OrgID, id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("cannot load document %d: %w", id, err)
	}
	return d, fill(ctx, q, sc, r, []*Document{&d})
}

// GetDocument returns a document the principal may read; db.ErrNotFound
// otherwise, as for another organisation's.
func GetDocument(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Document, error) {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return Document{}, err
	}
	return get(ctx, q, sc, r, id)
}

// fill loads the access lists, acknowledgement departments and implemented
// clauses of documents, a query each for all of them. Implemented clauses
// of documents the reader may not read are left out.
func fill(ctx context.Context, q db.Querier, sc scope.Scope, r reader, docs []*Document) error {
	if len(docs) == 0 {
		return nil
	}
	byID := make(map[int64]*Document, len(docs))
	args := []any{sc.OrgID}
	for _, d := range docs {
		byID[d.ID] = d
		args = append(args, d.ID)
	}
	in := "(" + placeholders(len(docs)) + ")"
	rows, err := q.QueryContext(ctx, `SELECT document_id, kind, ref FROM document_access WHERE org_id = ? AND document_id IN `+in+` ORDER BY document_id, kind, ref`, args...)
	if err != nil {
		return fmt.Errorf("cannot load access lists: %w", err)
	}
	for rows.Next() {
		var id int64
		var a Access
		var kind string
		if err := rows.Scan(&id, &kind, &a.Ref); err != nil {
			rows.Close()
			return fmt.Errorf("cannot load access lists: %w", err)
		}
		a.Kind = AccessKind(kind)
		byID[id].Access = append(byID[id].Access, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot load access lists: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT document_id, department_id FROM document_ack_departments WHERE org_id = ? AND document_id IN `+in+` ORDER BY document_id, department_id`, args...)
	if err != nil {
		return fmt.Errorf("cannot load acknowledgement departments: %w", err)
	}
	for rows.Next() {
		var id, dept int64
		if err := rows.Scan(&id, &dept); err != nil {
			rows.Close()
			return fmt.Errorf("cannot load acknowledgement departments: %w", err)
		}
		byID[id].AckDepartments = append(byID[id].AckDepartments, dept)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot load acknowledgement departments: %w", err)
	}
	c, cargs := r.cond("d")
	rows, err = q.QueryContext(ctx, `SELECT x.document_id, x.target_document_id, x.target_ident FROM document_clause_refs x
		JOIN documents d ON d.org_id = x.org_id AND d.id = x.target_document_id
		WHERE x.org_id = ? AND x.document_id IN `+in+` AND `+c+` ORDER BY x.document_id, x.target_document_id, x.target_ident`,
		append(args, cargs...)...)
	if err != nil {
		return fmt.Errorf("cannot load implemented clauses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ref ClauseRef
		if err := rows.Scan(&id, &ref.DocumentID, &ref.Ident); err != nil {
			return fmt.Errorf("cannot load implemented clauses: %w", err)
		}
		byID[id].Implements = append(byID[id].Implements, ref)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot load implemented clauses: %w", err)
	}
	return nil
}

// check validates a document's settings (and, for a new document, its
// first draft) and that what it names exists in the organisation and can
// be read by the reader. before is nil for a new document.
func check(ctx context.Context, q db.Querier, sc scope.Scope, r reader, in *DocumentInput, before *Document) error {
	e := validate.Errors{}
	if before != nil {
		if in.Type == "" {
			in.Type = string(before.Type)
		}
		if in.Type != string(before.Type) {
			e.Add("type", "policy.type_fixed")
		}
	}
	typ := Type(in.Type)
	if in.Type == "" {
		e.Add("type", "error.required")
	} else if !typ.IsValid() {
		e.Add("type", "error.invalid_choice")
	}
	in.Number = e.Text("number", in.Number, false, MaxNumber, false)
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	if in.Visibility == "" && typ.IsValid() {
		in.Visibility = string(DefaultVisibility(typ))
	}
	vis := Visibility(in.Visibility)
	if !vis.IsValid() {
		e.Add("visibility", "error.invalid_choice")
	} else if vis == Public && typ == Procedure {
		// §10: 実施手順 are not made public.
		e.Add("visibility", "policy.procedure_not_public")
	}
	if in.ReviewMonths == 0 {
		in.ReviewMonths = DefaultReviewMonths
	}
	if in.ReviewMonths < 1 || in.ReviewMonths > MaxReviewMonths {
		e.Add("review_months", "error.range", 1, MaxReviewMonths)
	}
	if before == nil {
		in.Body = e.Text("body", in.Body, false, MaxBody, true)
		in.ChangeSummary = e.Text("change_summary", in.ChangeSummary, false, MaxChangeSummary, true)
		checkClauses(e, "body", in.Body)
	}
	if err := checkAccess(ctx, q, sc, e, in); err != nil {
		return err
	}
	if err := checkAck(ctx, q, sc, e, in); err != nil {
		return err
	}
	if in.OwnerID < 0 {
		e.Add("owner_id", "error.invalid_choice")
	} else if in.OwnerID != 0 {
		person, err := org.GetPerson(ctx, q, sc, in.OwnerID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			e.Add("owner_id", "error.invalid_choice")
		case err != nil:
			return err
		case !person.Active && (before == nil || before.OwnerID != in.OwnerID):
			e.Add("owner_id", "policy.person_inactive")
		}
	}
	if typ.IsValid() {
		if err := checkParent(ctx, q, sc, r, e, in, typ, before); err != nil {
			return err
		}
		if err := checkImplements(ctx, q, sc, r, e, in, typ, before); err != nil {
			return err
		}
		if typ == BasicPolicy && before == nil {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE org_id = ? AND doc_type = ?`, sc.OrgID, string(BasicPolicy)).Scan(&n); err != nil {
				return fmt.Errorf("cannot count basic policies: %w", err)
			}
			if n > 0 {
				e.Add("type", "policy.basic_policy_exists")
			}
		}
	}
	return e.Err()
}

// checkClauses refuses a body whose clause identifiers repeat: other
// modules link to a clause by its identifier, which must name one clause.
func checkClauses(e validate.Errors, field, body string) {
	// Parse keeps a repeated number apart with a suffix (and marks it),
	// so other modules' links stay unambiguous; a draft is refused with
	// the number as the author wrote it.
	for _, c := range doctext.Parse(body) {
		if c.Duplicate {
			ident := c.Ident
			if i := strings.LastIndex(ident, "_"); i > 0 {
				ident = ident[:i]
			}
			e.Add(field, "policy.duplicate_clause", ident)
			return
		}
	}
}

func checkAccess(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, in *DocumentInput) error {
	if len(in.Access) > MaxAccess {
		e.Add("access", "policy.too_many", MaxAccess)
		return nil
	}
	var out []Access
	for _, a := range in.Access {
		a.Ref = strings.TrimSpace(a.Ref)
		if slices.Contains(out, a) {
			continue
		}
		ok := true
		switch a.Kind {
		case AccessRole:
			ok = authz.Role(a.Ref).Valid()
		case AccessDepartment:
			id, err := strconv.ParseInt(a.Ref, 10, 64)
			if ok = err == nil && id > 0; ok {
				if _, err := org.GetDepartment(ctx, q, sc, id); errors.Is(err, db.ErrNotFound) {
					ok = false
				} else if err != nil {
					return err
				}
				a.Ref = strconv.FormatInt(id, 10)
			}
		case AccessPerson:
			id, err := strconv.ParseInt(a.Ref, 10, 64)
			if ok = err == nil && id > 0; ok {
				if _, err := org.GetPerson(ctx, q, sc, id); errors.Is(err, db.ErrNotFound) {
					ok = false
				} else if err != nil {
					return err
				}
				a.Ref = strconv.FormatInt(id, 10)
			}
		default:
			ok = false
		}
		if !ok {
			e.Add("access", "policy.invalid_access", string(a.Kind)+":"+clip(a.Ref, 40))
			return nil
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Access) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	if out == nil {
		out = []Access{}
	}
	in.Access = out
	return nil
}

func checkAck(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, in *DocumentInput) error {
	var cats []string
	for _, c := range in.AckCategories {
		c = strings.TrimSpace(c)
		if !slices.Contains(org.StaffCategories, org.StaffCategory(c)) {
			e.Add("ack_categories", "error.invalid_choice")
			return nil
		}
		if !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	// Kept in the order of seed §5.
	in.AckCategories = []string{}
	for _, c := range org.StaffCategories {
		if slices.Contains(cats, string(c)) {
			in.AckCategories = append(in.AckCategories, string(c))
		}
	}
	depts := IDs{}
	for _, id := range in.AckDepartments {
		if slices.Contains(depts, id) {
			continue
		}
		if id <= 0 {
			e.Add("ack_departments", "error.invalid_choice")
			return nil
		}
		if _, err := org.GetDepartment(ctx, q, sc, id); errors.Is(err, db.ErrNotFound) {
			e.Add("ack_departments", "error.invalid_choice")
			return nil
		} else if err != nil {
			return err
		}
		depts = append(depts, id)
	}
	slices.Sort(depts)
	in.AckDepartments = depts
	return nil
}

// parentTypes says under what a document of each type may sit: a standard
// under the basic policy, a procedure or plan under a standard, other
// guidance under either. The basic policy sits under nothing. As no type
// may sit under its own, no chain of parents can loop.
var parentTypes = map[Type][]Type{
	Standard:      {BasicPolicy},
	Procedure:     {Standard},
	EmergencyPlan: {Standard, BasicPolicy},
	Guideline:     {Standard, BasicPolicy},
}

func checkParent(ctx context.Context, q db.Querier, sc scope.Scope, r reader, e validate.Errors, in *DocumentInput, typ Type, before *Document) error {
	if in.ParentID == 0 {
		return nil
	}
	if in.ParentID < 0 || (before != nil && in.ParentID == before.ID) {
		e.Add("parent_id", "error.invalid_choice")
		return nil
	}
	parent, err := get(ctx, q, sc, r, in.ParentID)
	if errors.Is(err, db.ErrNotFound) {
		e.Add("parent_id", "error.invalid_choice")
		return nil
	}
	if err != nil {
		return err
	}
	if !slices.Contains(parentTypes[typ], parent.Type) {
		e.Add("parent_id", "policy.parent_type")
	}
	return nil
}

func checkImplements(ctx context.Context, q db.Querier, sc scope.Scope, r reader, e validate.Errors, in *DocumentInput, typ Type, before *Document) error {
	if len(in.Implements) > MaxRefs {
		e.Add("implements", "policy.too_many", MaxRefs)
		return nil
	}
	if typ == BasicPolicy && len(in.Implements) > 0 {
		e.Add("implements", "policy.basic_policy_implements")
		return nil
	}
	var out []ClauseRef
	c, cargs := r.cond("d")
	for _, ref := range in.Implements {
		ref.Ident = strings.TrimSpace(ref.Ident)
		if slices.Contains(out, ref) {
			continue
		}
		if ref.DocumentID <= 0 || ref.Ident == "" || (before != nil && ref.DocumentID == before.ID) {
			e.Add("implements", "policy.unknown_clause", clip(ref.Ident, 40))
			return nil
		}
		// The clause must be in the version of the target the reader sees:
		// the one in effect, or for a document not yet published the newest.
		var n int
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents d JOIN document_clauses k ON k.org_id = d.org_id
			AND k.version_id = COALESCE(d.current_version_id, (SELECT MAX(v.id) FROM document_versions v WHERE v.org_id = d.org_id AND v.document_id = d.id))
			WHERE d.org_id = ? AND d.id = ? AND d.doc_type IN (?, ?) AND k.ident = ? AND `+c,
			append([]any{sc.OrgID, ref.DocumentID, string(Standard), string(BasicPolicy), ref.Ident}, cargs...)...).Scan(&n)
		if err != nil {
			return fmt.Errorf("cannot check clause %s of document %d: %w", ref.Ident, ref.DocumentID, err)
		}
		if n == 0 {
			e.Add("implements", "policy.unknown_clause", clip(ref.Ident, 40))
			return nil
		}
		out = append(out, ref)
	}
	if out == nil {
		out = []ClauseRef{}
	}
	in.Implements = out
	return nil
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// CreateDocument creates a document with its first draft (version 1).
func CreateDocument(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in DocumentInput) (Document, Version, error) {
	if !authz.CanSome(p, authz.EditDocuments) {
		return Document{}, Version{}, fmt.Errorf("cannot create a document: %w", ErrForbidden)
	}
	r, err := newReader(ctx, tx, sc, p)
	if err != nil {
		return Document{}, Version{}, err
	}
	if err := check(ctx, tx, sc, r, &in, nil); err != nil {
		return Document{}, Version{}, err
	}
	now := db.Now()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO documents (org_id, doc_type, number, title, parent_id, visibility, owner_id,
		review_months, ack_categories, ack_required, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		sc.OrgID, in.Type, in.Number, in.Title, nullID(in.ParentID), in.Visibility, nullID(in.OwnerID),
		in.ReviewMonths, strings.Join(in.AckCategories, " "), in.AckRequired, now, now).Scan(&id)
	if err != nil {
		return Document{}, Version{}, fmt.Errorf("cannot create document: %w", err)
	}
	if err := writeLists(ctx, tx, sc, id, in); err != nil {
		return Document{}, Version{}, err
	}
	d, err := load(ctx, tx, sc, r, id)
	if err != nil {
		return Document{}, Version{}, err
	}
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityDocument, EntityID: fmt.Sprint(id), After: d}); err != nil {
		return Document{}, Version{}, err
	}
	v, err := insertVersion(ctx, tx, sc, versionRow{docID: id, no: 1, status: Draft, title: in.Title, body: in.Body,
		summary: in.ChangeSummary, author: p.PersonID})
	if err != nil {
		return Document{}, Version{}, err
	}
	return d, v, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityVersion, EntityID: fmt.Sprint(v.ID), After: v.snapshot()})
}

// writeLists replaces a document's access list, acknowledgement
// departments and implemented clauses with the input's.
func writeLists(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64, in DocumentInput) error {
	for _, t := range []string{"document_access", "document_ack_departments", "document_clause_refs"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE org_id = ? AND document_id = ?`, sc.OrgID, id); err != nil {
			return fmt.Errorf("cannot clear %s of document %d: %w", t, id, err)
		}
	}
	for _, a := range in.Access {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_access (org_id, document_id, kind, ref) VALUES (?, ?, ?, ?)`,
			sc.OrgID, id, string(a.Kind), a.Ref); err != nil {
			return fmt.Errorf("cannot write access list of document %d: %w", id, err)
		}
	}
	for _, dept := range in.AckDepartments {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_ack_departments (org_id, document_id, department_id) VALUES (?, ?, ?)`,
			sc.OrgID, id, dept); err != nil {
			return fmt.Errorf("cannot write acknowledgement departments of document %d: %w", id, err)
		}
	}
	for _, ref := range in.Implements {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_clause_refs (org_id, document_id, target_document_id, target_ident) VALUES (?, ?, ?, ?)`,
			sc.OrgID, id, ref.DocumentID, ref.Ident); err != nil {
			return fmt.Errorf("cannot write implemented clauses of document %d: %w", id, err)
		}
	}
	return nil
}

// UpdateDocument changes a document's settings (not its text). in.Version
// must be the lock_version the user edited; a change made since makes it
// fail with db.ErrConflict.
func UpdateDocument(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in DocumentInput) (Document, error) {
	r, err := newReader(ctx, tx, sc, p)
	if err != nil {
		return Document{}, err
	}
	before, err := get(ctx, tx, sc, r, id)
	if err != nil {
		return Document{}, err
	}
	if !authz.CanSome(p, authz.EditDocuments) {
		return Document{}, fmt.Errorf("cannot change document %d: %w", id, ErrForbidden)
	}
	if err := check(ctx, tx, sc, r, &in, &before); err != nil {
		return Document{}, err
	}
	if in.Version != before.Version {
		return Document{}, fmt.Errorf("document %d changed since version %d: %w", id, in.Version, db.ErrConflict)
	}
	res, err := tx.ExecContext(ctx, `UPDATE documents SET number = ?, title = ?, parent_id = ?, visibility = ?, owner_id = ?,
		review_months = ?, ack_categories = ?, ack_required = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		in.Number, in.Title, nullID(in.ParentID), in.Visibility, nullID(in.OwnerID), in.ReviewMonths,
		strings.Join(in.AckCategories, " "), in.AckRequired, db.Now(), sc.OrgID, id, in.Version)
	if err != nil {
		return Document{}, fmt.Errorf("cannot update document %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Document{}, fmt.Errorf("cannot update document %d: %w", id, err)
	} else if n == 0 {
		return Document{}, fmt.Errorf("document %d changed since version %d: %w", id, in.Version, db.ErrConflict)
	}
	if err := writeLists(ctx, tx, sc, id, in); err != nil {
		return Document{}, err
	}
	after, err := load(ctx, tx, sc, r, id)
	if err != nil {
		return Document{}, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityDocument, EntityID: fmt.Sprint(id),
		Before: before, After: after})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
