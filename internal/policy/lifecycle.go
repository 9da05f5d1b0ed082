package policy

import (
	"context"
	"fmt"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// The life cycle of a version: draft → in review (reviewers comment on
// clauses) → approved, by the CISO (Approve) or by the 情報セキュリティ委員会
// when its members' votes reach the quorum set in the organisation's
// settings (Vote; a quorum of 0 means the committee does not approve) →
// published with an effective date, superseding the version in effect →
// superseded. The author of a version never approves it or votes for it.
// A version in review or approved may be sent back to draft with a reason.
// A published version never changes; the storage refuses it too.

const dateLayout = "2006-01-02"

// MaxQuorum bounds the committee quorum.
const MaxQuorum = 50

// MaxComment bounds a reviewer's comment and a reason for sending back.
const MaxComment = 4000

// readyVersion reads a version for a step: the document and the version
// must be readable, and the principal must hold the step's permission.
func readyVersion(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, action authz.Action, docID, versionID int64) (reader, Version, error) {
	r, err := newReader(ctx, tx, sc, p)
	if err != nil {
		return r, Version{}, err
	}
	v, err := getVersion(ctx, tx, sc, r, docID, versionID)
	if err != nil {
		return r, Version{}, err
	}
	if !authz.CanSome(p, action) {
		return r, Version{}, fmt.Errorf("version %d: %s: %w", versionID, action, ErrForbidden)
	}
	return r, v, nil
}

// setStatus moves a version from one status to another with the given
// column changes; a version that left the status meanwhile is a conflict.
func setStatus(ctx context.Context, tx *db.Tx, sc scope.Scope, v Version, to Status, set string, args ...any) error {
	now := db.Now()
	q := `UPDATE document_versions SET status = ?, lock_version = lock_version + 1, updated_at = ?`
	if set != "" {
		q += ", " + set
	}
	q += ` WHERE org_id = ? AND id = ? AND status = ?`
	all := append(append([]any{string(to), now}, args...), sc.OrgID, v.ID, string(v.Status))
	res, err := tx.ExecContext(ctx, q, all...)
	if err != nil {
		return fmt.Errorf("cannot move version %d to %s: %w", v.ID, to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cannot move version %d to %s: %w", v.ID, to, err)
	} else if n == 0 {
		return fmt.Errorf("version %d changed meanwhile: %w", v.ID, db.ErrConflict)
	}
	return touch(ctx, tx, sc, v.DocumentID)
}

// recordStep writes the trail entry of a life-cycle step.
func recordStep(ctx context.Context, tx *db.Tx, sc scope.Scope, before, after statusSnapshot, id int64) error {
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityVersion, EntityID: fmt.Sprint(id),
		Before: before, After: after})
}

// Submit sends a draft for review.
func Submit(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	_, v, err := readyVersion(ctx, tx, sc, p, authz.EditDocuments, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	if v.Status != Draft {
		return Version{}, refuse("submit", "policy.refused.not_draft", v, false)
	}
	if len(v.Clauses) == 0 && v.Body == "" {
		return Version{}, validate.Errors{"body": {Key: "policy.empty_body"}}
	}
	if err := setStatus(ctx, tx, sc, v, InReview, "submitted_at = ?", db.Now()); err != nil {
		return Version{}, err
	}
	after, err := loadVersion(ctx, tx, sc, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	return after, recordStep(ctx, tx, sc, v.status(), after.status(), versionID)
}

// Approve is the CISO's approval of a version in review; never by its author.
func Approve(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	_, v, err := readyVersion(ctx, tx, sc, p, authz.ApproveDocuments, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	if v.Status != InReview {
		return Version{}, refuse("approve", "policy.refused.not_in_review", v, false)
	}
	if v.AuthorID != 0 && v.AuthorID == p.PersonID {
		return Version{}, refuse("approve", "policy.refused.own_approval", v, true)
	}
	if err := setStatus(ctx, tx, sc, v, Approved, "approval_kind = ?, approved_by = ?, approved_at = ?",
		"ciso", nullID(p.PersonID), db.Now()); err != nil {
		return Version{}, err
	}
	after, err := loadVersion(ctx, tx, sc, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	return after, recordStep(ctx, tx, sc, v.status(), after.status(), versionID)
}

// Vote records a committee member's approval; the version is approved
// when the votes reach the organisation's quorum. The author cannot vote.
func Vote(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	_, v, err := readyVersion(ctx, tx, sc, p, authz.VoteDocuments, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	quorum, err := CommitteeQuorum(ctx, tx, sc)
	if err != nil {
		return Version{}, err
	}
	if quorum == 0 {
		return Version{}, refuse("vote", "policy.refused.committee_not_used", v, false)
	}
	if v.Status != InReview {
		return Version{}, refuse("vote", "policy.refused.not_in_review", v, false)
	}
	if v.AuthorID != 0 && v.AuthorID == p.PersonID {
		return Version{}, refuse("vote", "policy.refused.own_vote", v, true)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO document_votes (org_id, version_id, person_id, decided_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (version_id, person_id) DO NOTHING`, sc.OrgID, versionID, p.PersonID, db.Now())
	if err != nil {
		return Version{}, fmt.Errorf("cannot record vote on version %d: %w", versionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Version{}, fmt.Errorf("cannot record vote on version %d: %w", versionID, err)
	} else if n == 0 {
		return Version{}, refuse("vote", "policy.refused.already_voted", v, false)
	}
	var votes int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM document_votes WHERE org_id = ? AND version_id = ?`, sc.OrgID, versionID).Scan(&votes); err != nil {
		return Version{}, fmt.Errorf("cannot count votes on version %d: %w", versionID, err)
	}
	if votes >= quorum {
		// The committee approves as a body: approved_by stays empty and
		// the votes name its members.
		if err := setStatus(ctx, tx, sc, v, Approved, "approval_kind = ?, approved_by = NULL, approved_at = ?", "committee", db.Now()); err != nil {
			return Version{}, err
		}
	} else if err := touch(ctx, tx, sc, docID); err != nil {
		return Version{}, err
	}
	after, err := loadVersion(ctx, tx, sc, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	return after, recordStep(ctx, tx, sc, v.status(), after.status(), versionID)
}

// Voter is a committee member's vote.
type Voter struct {
	PersonID  int64  `json:"person_id,string"`
	Name      string `json:"name"`
	DecidedAt int64  `json:"decided_at"`
}

// ListVotes lists the committee's votes on a version, in order.
func ListVotes(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) ([]Voter, error) {
	if _, err := GetVersion(ctx, q, sc, p, docID, versionID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT o.person_id, COALESCE(pe.name, ''), o.decided_at FROM document_votes o
		LEFT JOIN people pe ON pe.org_id = o.org_id AND pe.id = o.person_id
		WHERE o.org_id = ? AND o.version_id = ? ORDER BY o.decided_at, o.person_id`, sc.OrgID, versionID)
	if err != nil {
		return nil, fmt.Errorf("cannot list votes on version %d: %w", versionID, err)
	}
	defer rows.Close()
	out := []Voter{}
	for rows.Next() {
		var v Voter
		if err := rows.Scan(&v.PersonID, &v.Name, &v.DecidedAt); err != nil {
			return nil, fmt.Errorf("cannot list votes on version %d: %w", versionID, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SendBack returns a version in review (or approved, before publication)
// to draft, with the reason. Its votes are cleared: the next review starts
// afresh.
func SendBack(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, reason string) (Version, error) {
	_, v, err := readyVersion(ctx, tx, sc, p, authz.ApproveDocuments, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	if v.Status != InReview && v.Status != Approved {
		return Version{}, refuse("send_back", "policy.refused.not_in_review", v, false)
	}
	e := validate.Errors{}
	reason = e.Text("reason", reason, true, MaxComment, true)
	if err := e.Err(); err != nil {
		return Version{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM document_votes WHERE org_id = ? AND version_id = ?`, sc.OrgID, versionID); err != nil {
		return Version{}, fmt.Errorf("cannot clear votes on version %d: %w", versionID, err)
	}
	if err := setStatus(ctx, tx, sc, v, Draft, "submitted_at = NULL, approval_kind = '', approved_by = NULL, approved_at = NULL"); err != nil {
		return Version{}, err
	}
	after, err := loadVersion(ctx, tx, sc, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	st := after.status()
	st.Reason = reason
	return after, recordStep(ctx, tx, sc, v.status(), st, versionID)
}

// ParseDate reads a date as people type it (令和8年12月1日, R8.12.1,
// 2026-12-01) and returns it as YYYY-MM-DD.
func ParseDate(s string) (string, bool) {
	t, err := wareki.Parse(s)
	if err != nil {
		return "", false
	}
	return t.Format(dateLayout), true
}

// addMonths returns the day months after date (YYYY-MM-DD), the last day
// of the month when that month is shorter.
func addMonths(date string, months int) string {
	t, err := time.Parse(dateLayout, date)
	if err != nil {
		return ""
	}
	first := time.Date(t.Year(), t.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), last), 0, 0, 0, 0, time.UTC).Format(dateLayout)
}

// Publish puts an approved version into effect on effectiveDate
// ('YYYY-MM-DD', or a date as people type it), supersedes the previous
// one, sets the next review date and asks everyone in the acknowledgement
// scope to acknowledge it.
func Publish(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, effectiveDate string) (Version, error) {
	r, v, err := readyVersion(ctx, tx, sc, p, authz.PublishDocuments, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	if v.Status != Approved {
		return Version{}, refuse("publish", "policy.refused.not_approved", v, false)
	}
	e := validate.Errors{}
	date, ok := ParseDate(effectiveDate)
	switch {
	case effectiveDate == "":
		e.Add("effective_date", "error.required")
	case !ok:
		e.Add("effective_date", "error.invalid_date")
	}
	if err := e.Err(); err != nil {
		return Version{}, err
	}
	before, err := load(ctx, tx, sc, r, docID)
	if err != nil {
		return Version{}, err
	}
	now := db.Now()
	var previous *Version
	if before.CurrentVersionID != 0 {
		prev, err := loadVersion(ctx, tx, sc, docID, before.CurrentVersionID)
		if err != nil {
			return Version{}, err
		}
		if err := setStatus(ctx, tx, sc, prev, Superseded, "superseded_at = ?", now); err != nil {
			return Version{}, err
		}
		previous = &prev
	}
	if err := setStatus(ctx, tx, sc, v, Published, "effective_date = ?, published_by = ?, published_at = ?",
		date, nullID(p.PersonID), now); err != nil {
		return Version{}, err
	}
	next := addMonths(date, before.ReviewMonths)
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET current_version_id = ?, title = ?, next_review_date = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`,
		versionID, v.Title, next, now, sc.OrgID, docID); err != nil {
		return Version{}, fmt.Errorf("cannot put version %d of document %d into effect: %w", versionID, docID, err)
	}
	after, err := loadVersion(ctx, tx, sc, docID, versionID)
	if err != nil {
		return Version{}, err
	}
	doc, err := load(ctx, tx, sc, r, docID)
	if err != nil {
		return Version{}, err
	}
	requested := 0
	if doc.AckRequired {
		if requested, err = requestAcknowledgements(ctx, tx, sc, doc, after); err != nil {
			return Version{}, err
		}
	}
	if previous != nil {
		prevAfter := previous.status()
		prevAfter.Status = Superseded
		if err := recordStep(ctx, tx, sc, previous.status(), prevAfter, previous.ID); err != nil {
			return Version{}, err
		}
	}
	st := after.status()
	st.Requested = &requested
	if err := recordStep(ctx, tx, sc, v.status(), st, versionID); err != nil {
		return Version{}, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityDocument, EntityID: fmt.Sprint(docID),
		Before: before, After: doc})
}

// CommitteeQuorum is how many committee members' votes approve a version;
// 0 when the committee does not approve documents.
func CommitteeQuorum(ctx context.Context, q db.Querier, sc scope.Scope) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT committee_quorum FROM organisations WHERE id = ?`, sc.OrgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot read the committee quorum: %w", err)
	}
	return n, nil
}

// SetCommitteeQuorum changes the committee quorum (0: the committee does
// not approve documents). It is an organisation setting, changed by those
// who may edit settings.
func SetCommitteeQuorum(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, n int) error {
	if !authz.CanSome(p, authz.EditSettings) {
		return fmt.Errorf("cannot change the committee quorum: %w", ErrForbidden)
	}
	if n < 0 || n > MaxQuorum {
		return validate.Errors{"committee_quorum": {Key: "error.range", Args: []any{0, MaxQuorum}}}
	}
	before, err := CommitteeQuorum(ctx, tx, sc)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET committee_quorum = ?, updated_at = ? WHERE id = ?`, n, db.Now(), sc.OrgID); err != nil {
		return fmt.Errorf("cannot change the committee quorum: %w", err)
	}
	type quorum struct {
		Quorum int `json:"committee_quorum"`
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "organisation", EntityID: fmt.Sprint(sc.OrgID),
		Before: quorum{before}, After: quorum{n}})
}

// Comment is a reviewer's remark on a version in review.
type Comment struct {
	ID         int64  `json:"id,string"`
	VersionID  int64  `json:"version_id,string"`
	Clause     string `json:"clause"`
	AuthorID   int64  `json:"author_id,string"`
	AuthorName string `json:"author_name"`
	Body       string `json:"body"`
	Resolved   bool   `json:"resolved"`
	CreatedAt  int64  `json:"created_at"`
}

const commentColumns = `c.id, c.version_id, c.clause_ident, c.author_id, COALESCE(pe.name, ''), c.body, c.resolved, c.created_at`
const commentFrom = ` FROM document_comments c LEFT JOIN people pe ON pe.org_id = c.org_id AND pe.id = c.author_id `

func scanComment(s scanner) (Comment, error) {
	var c Comment
	err := s.Scan(&c.ID, &c.VersionID, &c.Clause, &c.AuthorID, &c.AuthorName, &c.Body, &c.Resolved, &c.CreatedAt)
	return c, err
}

// AddComment records a reviewer's comment on a version in review, on one
// of its clauses (its identifier) or on the whole ("").
func AddComment(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, clause, body string) (Comment, error) {
	_, v, err := readyVersion(ctx, tx, sc, p, authz.ReviewDocuments, docID, versionID)
	if err != nil {
		return Comment{}, err
	}
	if v.Status != InReview {
		return Comment{}, refuse("comment", "policy.refused.not_in_review", v, false)
	}
	e := validate.Errors{}
	body = e.Text("body", body, true, MaxComment, true)
	clause = e.Text("clause", clause, false, 100, false)
	if clause != "" {
		found := false
		for _, c := range v.Clauses {
			found = found || c.Ident == clause
		}
		if !found {
			e.Add("clause", "policy.unknown_clause", clause)
		}
	}
	if err := e.Err(); err != nil {
		return Comment{}, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO document_comments (org_id, version_id, clause_ident, author_id, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, versionID, clause, p.PersonID, body, db.Now()).Scan(&id); err != nil {
		return Comment{}, fmt.Errorf("cannot record comment on version %d: %w", versionID, err)
	}
	c, err := scanComment(tx.QueryRowContext(ctx, `SELECT `+commentColumns+commentFrom+`WHERE c.org_id = ? AND c.id = ?`, sc.OrgID, id))
	if err != nil {
		return Comment{}, fmt.Errorf("cannot load comment %d: %w", id, err)
	}
	return c, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityComment, EntityID: fmt.Sprint(id), After: c})
}

// ListComments lists the comments on a version, oldest first.
func ListComments(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) ([]Comment, error) {
	if _, err := GetVersion(ctx, q, sc, p, docID, versionID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+commentColumns+commentFrom+`WHERE c.org_id = ? AND c.version_id = ? ORDER BY c.id`, sc.OrgID, versionID)
	if err != nil {
		return nil, fmt.Errorf("cannot list comments on version %d: %w", versionID, err)
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot list comments on version %d: %w", versionID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
