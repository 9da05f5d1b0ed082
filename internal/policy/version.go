package policy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
	"mamori/internal/textfold"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// DraftInput changes a draft's text.
type DraftInput struct {
	Title         string `json:"title"`
	Body          string `json:"body"`
	ChangeSummary string `json:"change_summary"`
	LockVersion   int64  `json:"lock_version"`
}

// Input returns the version's text as an input, the starting point of a
// partial change (PATCH).
func (v Version) Input() DraftInput {
	return DraftInput{Title: v.Title, Body: v.Body, ChangeSummary: v.ChangeSummary, LockVersion: v.LockVersion}
}

// Validate checks a draft's fields.
func (in *DraftInput) Validate() error {
	e := validate.Errors{}
	in.Title = e.Text("title", in.Title, true, MaxTitle, false)
	in.Body = e.Text("body", in.Body, false, MaxBody, true)
	in.ChangeSummary = e.Text("change_summary", in.ChangeSummary, false, MaxChangeSummary, true)
	checkClauses(e, "body", in.Body)
	return e.Err()
}

// versionColumns reads a version; body is the body column, or an empty
// string literal for lists.
func versionColumns(body string) string {
	return `v.id, v.document_id, v.version_no, v.status, v.title, ` + body + `, v.change_summary,
	COALESCE(v.author_id, 0), COALESCE(au.name, ''), COALESCE(v.submitted_at, 0), v.approval_kind,
	COALESCE(v.approved_by, 0), COALESCE(ap.name, ''), COALESCE(v.approved_at, 0), v.effective_date,
	COALESCE(v.published_at, 0), COALESCE(v.superseded_at, 0), v.lock_version, v.created_at, v.updated_at,
	(SELECT COUNT(*) FROM document_votes o WHERE o.org_id = v.org_id AND o.version_id = v.id)`
}

const versionFrom = ` FROM document_versions v
	LEFT JOIN people au ON au.org_id = v.org_id AND au.id = v.author_id
	LEFT JOIN people ap ON ap.org_id = v.org_id AND ap.id = v.approved_by `

func scanVersion(s scanner) (Version, error) {
	var v Version
	var status string
	err := s.Scan(&v.ID, &v.DocumentID, &v.No, &status, &v.Title, &v.Body, &v.ChangeSummary,
		&v.AuthorID, &v.AuthorName, &v.SubmittedAt, &v.ApprovalKind, &v.ApprovedBy, &v.ApproverName, &v.ApprovedAt,
		&v.EffectiveDate, &v.PublishedAt, &v.SupersededAt, &v.LockVersion, &v.CreatedAt, &v.UpdatedAt, &v.Votes)
	v.Status = Status(status)
	v.Clauses = []doctext.Clause{}
	return v, err
}

// versionSnapshot is a version as the trail records it: the text and
// where it is in its life, without the derived clauses.
type versionSnapshot struct {
	DocumentID    int64  `json:"document_id,string"`
	No            int    `json:"version"`
	Status        Status `json:"status"`
	Title         string `json:"title"`
	Body          string `json:"body"`
	ChangeSummary string `json:"change_summary,omitempty"`
	AuthorID      int64  `json:"author_id,string,omitempty"`
	ApprovalKind  string `json:"approval_kind,omitempty"`
	ApprovedBy    int64  `json:"approved_by,string,omitempty"`
	EffectiveDate string `json:"effective_date,omitempty"`
	LockVersion   int64  `json:"lock_version"`
}

func (v Version) snapshot() versionSnapshot {
	return versionSnapshot{DocumentID: v.DocumentID, No: v.No, Status: v.Status, Title: v.Title, Body: v.Body,
		ChangeSummary: v.ChangeSummary, AuthorID: v.AuthorID, ApprovalKind: v.ApprovalKind, ApprovedBy: v.ApprovedBy,
		EffectiveDate: v.EffectiveDate, LockVersion: v.LockVersion}
}

// statusSnapshot is a step of the life cycle as the trail records it: the
// text does not change, so it is not repeated.
type statusSnapshot struct {
	DocumentID    int64  `json:"document_id,string"`
	No            int    `json:"version"`
	Status        Status `json:"status"`
	ApprovalKind  string `json:"approval_kind,omitempty"`
	ApprovedBy    int64  `json:"approved_by,string,omitempty"`
	Votes         int    `json:"votes,omitempty"`
	EffectiveDate string `json:"effective_date,omitempty"`
	// Reason is why a version was sent back.
	Reason string `json:"reason,omitempty"`
	// Requested counts the people asked to acknowledge a published version.
	Requested *int `json:"acknowledgements_requested,omitempty"`
}

func (v Version) status() statusSnapshot {
	return statusSnapshot{DocumentID: v.DocumentID, No: v.No, Status: v.Status, ApprovalKind: v.ApprovalKind,
		ApprovedBy: v.ApprovedBy, Votes: v.Votes, EffectiveDate: v.EffectiveDate}
}

// loadVersion reads a version of a document with its clauses, without
// asking who reads it.
func loadVersion(ctx context.Context, q db.Querier, sc scope.Scope, docID, id int64) (Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns("v.body")+versionFrom+
		`WHERE v.org_id = ? AND v.document_id = ? AND v.id = ?`, sc.OrgID, docID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("version %d of document %d: %w", id, docID, db.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("cannot load version %d: %w", id, err)
	}
	v.Clauses, err = loadClauses(ctx, q, sc, id)
	return v, err
}

func loadClauses(ctx context.Context, q db.Querier, sc scope.Scope, versionID int64) ([]doctext.Clause, error) {
	rows, err := q.QueryContext(ctx, `SELECT ident, depth, heading, text FROM document_clauses WHERE org_id = ? AND version_id = ? ORDER BY seq`,
		sc.OrgID, versionID)
	if err != nil {
		return nil, fmt.Errorf("cannot load clauses of version %d: %w", versionID, err)
	}
	defer rows.Close()
	out := []doctext.Clause{}
	for rows.Next() {
		var c doctext.Clause
		if err := rows.Scan(&c.Ident, &c.Depth, &c.Heading, &c.Text); err != nil {
			return nil, fmt.Errorf("cannot load clauses of version %d: %w", versionID, err)
		}
		c.Number = c.Ident[strings.LastIndex(c.Ident, "-")+1:]
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListVersions lists a document's versions the principal may see (drafts
// and versions in review only for those who may edit, review or approve),
// newest first, without their bodies.
func ListVersions(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID int64) ([]Version, error) {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return nil, err
	}
	c, args := r.cond("d")
	rows, err := q.QueryContext(ctx, `SELECT `+versionColumns("''")+versionFrom+
		`JOIN documents d ON d.org_id = v.org_id AND d.id = v.document_id
		WHERE v.org_id = ? AND v.document_id = ? AND `+r.versionCond("v")+` AND `+c+` ORDER BY v.version_no DESC`,
		append([]any{sc.OrgID, docID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list versions of document %d: %w", docID, err)
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot list versions of document %d: %w", docID, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list versions of document %d: %w", docID, err)
	}
	if len(out) == 0 {
		// Every readable document has a version the reader sees.
		return nil, fmt.Errorf("document %d: %w", docID, db.ErrNotFound)
	}
	return out, nil
}

// GetVersion returns one version with its clauses.
func GetVersion(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return Version{}, err
	}
	return getVersion(ctx, q, sc, r, docID, versionID)
}

func getVersion(ctx context.Context, q db.Querier, sc scope.Scope, r reader, docID, versionID int64) (Version, error) {
	c, args := r.cond("d")
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns("v.body")+versionFrom+
		`JOIN documents d ON d.org_id = v.org_id AND d.id = v.document_id
		WHERE v.org_id = ? AND v.document_id = ? AND v.id = ? AND `+r.versionCond("v")+` AND `+c,
		append([]any{sc.OrgID, docID, versionID}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("version %d of document %d: %w", versionID, docID, db.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("cannot load version %d: %w", versionID, err)
	}
	v.Clauses, err = loadClauses(ctx, q, sc, versionID)
	return v, err
}

// versionRow is a version to insert.
type versionRow struct {
	docID                int64
	no                   int
	status               Status
	title, body, summary string
	author               int64
}

// insertVersion writes a new version with its clauses and search text.
func insertVersion(ctx context.Context, tx *db.Tx, sc scope.Scope, row versionRow) (Version, error) {
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO document_versions (org_id, document_id, version_no, status, title, body,
		search_text, change_summary, author_id, lock_version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		sc.OrgID, row.docID, row.no, string(row.status), row.title, row.body, searchText(row.title, row.body),
		row.summary, nullID(row.author), now, now).Scan(&id)
	if err != nil {
		if db.IsUniqueViolation(err) {
			// Another draft was started at the same moment.
			return Version{}, fmt.Errorf("version %d of document %d exists: %w", row.no, row.docID, db.ErrConflict)
		}
		return Version{}, fmt.Errorf("cannot write version %d of document %d: %w", row.no, row.docID, err)
	}
	if err := writeClauses(ctx, tx, sc, id, row.body); err != nil {
		return Version{}, err
	}
	return loadVersion(ctx, tx, sc, row.docID, id)
}

// searchText is what a search matches in a version: its folded title and
// text.
func searchText(title, body string) string {
	return textfold.Fold(title) + "\n" + textfold.Fold(body)
}

// writeClauses replaces a version's clauses with those of its body.
func writeClauses(ctx context.Context, tx *db.Tx, sc scope.Scope, versionID int64, body string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM document_clauses WHERE org_id = ? AND version_id = ?`, sc.OrgID, versionID); err != nil {
		return fmt.Errorf("cannot clear clauses of version %d: %w", versionID, err)
	}
	clauses := doctext.Parse(body)
	const batch = 100
	for start := 0; start < len(clauses); start += batch {
		end := min(start+batch, len(clauses))
		args := make([]any, 0, 7*(end-start))
		for i := start; i < end; i++ {
			c := clauses[i]
			args = append(args, sc.OrgID, versionID, i+1, c.Ident, c.Depth, c.Heading, c.Text)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_clauses (org_id, version_id, seq, ident, depth, heading, text) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", end-start), ", "), args...); err != nil {
			return fmt.Errorf("cannot write clauses of version %d: %w", versionID, err)
		}
	}
	return nil
}

// NewDraft starts the next version as a copy of the newest one. Only one
// version may be unpublished at a time.
func NewDraft(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID int64) (Version, error) {
	r, err := newReader(ctx, tx, sc, p)
	if err != nil {
		return Version{}, err
	}
	if _, err := get(ctx, tx, sc, r, docID); err != nil {
		return Version{}, err
	}
	if !authz.CanSome(p, authz.EditDocuments) {
		return Version{}, fmt.Errorf("cannot start a draft of document %d: %w", docID, ErrForbidden)
	}
	newest, err := newestVersion(ctx, tx, sc, docID)
	if err != nil {
		return Version{}, err
	}
	if newest.Status.Unpublished() {
		return Version{}, refuse("new_draft", "policy.refused.draft_exists", newest, false)
	}
	v, err := insertVersion(ctx, tx, sc, versionRow{docID: docID, no: newest.No + 1, status: Draft, title: newest.Title,
		body: newest.Body, author: p.PersonID})
	if err != nil {
		return Version{}, err
	}
	if err := touch(ctx, tx, sc, docID); err != nil {
		return Version{}, err
	}
	return v, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityVersion, EntityID: fmt.Sprint(v.ID), After: v.snapshot()})
}

// newestVersion reads a document's newest version.
func newestVersion(ctx context.Context, q db.Querier, sc scope.Scope, docID int64) (Version, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM document_versions WHERE org_id = ? AND document_id = ? ORDER BY version_no DESC LIMIT 1`,
		sc.OrgID, docID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("document %d has no version: %w", docID, db.ErrNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("cannot find the newest version of document %d: %w", docID, err)
	}
	return loadVersion(ctx, q, sc, docID, id)
}

// touch marks a document as changed when one of its versions changes.
// Its lock_version stays: that guards the settings, which a version's
// step does not touch.
func touch(ctx context.Context, tx *db.Tx, sc scope.Scope, docID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET updated_at = ? WHERE org_id = ? AND id = ?`, db.Now(), sc.OrgID, docID); err != nil {
		return fmt.Errorf("cannot update document %d: %w", docID, err)
	}
	return nil
}

// UpdateDraft changes a draft's text. in.LockVersion must be the
// lock_version the user edited. A version past draft is refused: one in
// review or approved must be sent back first, and a published one never
// changes (a new version starts as a draft copy of it).
func UpdateDraft(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, in DraftInput) (Version, error) {
	r, err := newReader(ctx, tx, sc, p)
	if err != nil {
		return Version{}, err
	}
	before, err := getVersion(ctx, tx, sc, r, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	if !authz.CanSome(p, authz.EditDocuments) {
		return Version{}, fmt.Errorf("cannot change version %d: %w", versionID, ErrForbidden)
	}
	switch before.Status {
	case Draft:
	case Published, Superseded:
		return Version{}, refuse("edit", "policy.refused.published_immutable", before, false)
	default:
		return Version{}, refuse("edit", "policy.refused.not_draft", before, false)
	}
	if err := in.Validate(); err != nil {
		return Version{}, err
	}
	if in.LockVersion != before.LockVersion {
		return Version{}, fmt.Errorf("version %d changed since lock version %d: %w", versionID, in.LockVersion, db.ErrConflict)
	}
	res, err := tx.ExecContext(ctx, `UPDATE document_versions SET title = ?, body = ?, search_text = ?, change_summary = ?,
		lock_version = lock_version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND status = ? AND lock_version = ?`,
		in.Title, in.Body, searchText(in.Title, in.Body), in.ChangeSummary, db.Now(), sc.OrgID, versionID, string(Draft), in.LockVersion)
	if err != nil {
		return Version{}, fmt.Errorf("cannot update version %d: %w", versionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Version{}, fmt.Errorf("cannot update version %d: %w", versionID, err)
	} else if n == 0 {
		return Version{}, fmt.Errorf("version %d changed since lock version %d: %w", versionID, in.LockVersion, db.ErrConflict)
	}
	if err := writeClauses(ctx, tx, sc, versionID, in.Body); err != nil {
		return Version{}, err
	}
	if err := touch(ctx, tx, sc, docID); err != nil {
		return Version{}, err
	}
	after, err := loadVersion(ctx, tx, sc, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityVersion, EntityID: fmt.Sprint(versionID),
		Before: before.snapshot(), After: after.snapshot()})
}
