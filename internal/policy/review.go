package policy

// Review (seed §8): every document is reviewed on a cycle
// (documents.review_months) and whenever an audit, a self-inspection, an
// incident or a change of law asks for it.
//
//   - A review record (RecordReview) says who reviewed, on which day, with
//     which result — no_change (the document stands: its next review date
//     moves to the review day plus the cycle) or revise (it must change:
//     the date stays, and an editor starts a new draft) — why, and what
//     prompted it (a Trigger).
//   - Other modules open a review request (RequestReview): a
//     document_reviews row whose result is 'requested' — the one value the
//     schema's comment does not list. A request is open until a review of
//     the same document is recorded after it (a review of one clause
//     answers only the requests about that clause or the whole document);
//     nothing else marks it, so "open" is always computed, never stale.
//   - Overdue reviews (next_review_date before today) and open requests
//     appear on the home pages of the document's owner and of those who
//     record reviews for the whole organisation (the CISO and 統括).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// TriggerKind says what prompted a review.
type TriggerKind string

const (
	TriggerSchedule       TriggerKind = "schedule"        // the review cycle came round
	TriggerAuditFinding   TriggerKind = "audit_finding"   // 情報セキュリティ監査の指摘
	TriggerSelfInspection TriggerKind = "self_inspection" // 自己点検の結果
	TriggerIncident       TriggerKind = "incident"        // インシデント
	TriggerLawChange      TriggerKind = "law_change"      // 法令・ガイドラインの改正
	TriggerOther          TriggerKind = "other"
)

// TriggerKinds lists them in display order.
var TriggerKinds = []TriggerKind{TriggerSchedule, TriggerAuditFinding, TriggerSelfInspection, TriggerIncident, TriggerLawChange, TriggerOther}

// IsValid reports whether k is a known kind.
func (k TriggerKind) IsValid() bool { return slices.Contains(TriggerKinds, k) }

// Key is the message key of the kind's name.
func (k TriggerKind) Key() string { return "ack.trigger." + string(k) }

// Trigger is what prompted a review or a review request. Ref names the
// record behind it as "entity:id" — "finding:12", "inspection:3",
// "incident:7" — once the module that owns it links here (use TriggerRef);
// until then it is free text ("総務省ガイドライン令和6年10月改定").
type Trigger struct {
	Kind TriggerKind `json:"kind"`
	Ref  string      `json:"ref"`
}

// TriggerRef is the Ref of a record of another module: entity "finding"
// and id 12 make "finding:12".
func TriggerRef(entity string, id int64) string { return fmt.Sprintf("%s:%d", entity, id) }

// ReviewResult is the outcome of a review.
type ReviewResult string

const (
	NoChange ReviewResult = "no_change" // the document stands as it is
	Revise   ReviewResult = "revise"    // it must be revised
	// Requested marks a review request (RequestReview), not a review.
	Requested ReviewResult = "requested"
)

// ReviewResults are the results a review may record.
var ReviewResults = []ReviewResult{NoChange, Revise}

// Key is the message key of the result's name.
func (r ReviewResult) Key() string { return "ack.review_result." + string(r) }

// Limits of a review's fields.
const (
	MaxReviewReason = 4000
	MaxTriggerRef   = 200
)

// Review is a review record or an open or answered review request.
type Review struct {
	ID           int64        `json:"id,string"`
	DocumentID   int64        `json:"document_id,string"`
	VersionID    int64        `json:"version_id,string,omitempty"`
	VersionNo    int          `json:"version,omitempty"`
	Clause       string       `json:"clause"`
	ReviewerID   int64        `json:"reviewer_id,string"`
	ReviewerName string       `json:"reviewer_name"`
	ReviewedOn   string       `json:"reviewed_on"`
	Result       ReviewResult `json:"result"`
	Reason       string       `json:"reason"`
	Trigger      Trigger      `json:"trigger"`
	CreatedAt    int64        `json:"created_at"`
	// Open marks a request no later review has answered.
	Open bool `json:"open,omitempty"`
	// NextReviewDate is the document's next review date after a
	// no_change review (set by RecordReview only).
	NextReviewDate string `json:"next_review_date,omitempty"`
}

// IsRequest reports whether the row is a review request.
func (r Review) IsRequest() bool { return r.Result == Requested }

// ReviewInput is a review as a form or an API body gives it.
type ReviewInput struct {
	ReviewedOn  string `json:"reviewed_on"`
	Result      string `json:"result"`
	Reason      string `json:"reason"`
	TriggerKind string `json:"trigger_kind"`
	TriggerRef  string `json:"trigger_ref"`
	Clause      string `json:"clause"`
}

// Validate checks the fields and normalises the date to YYYY-MM-DD; a
// review is not dated in the future. Whether the clause exists is checked
// against the version in effect when recording.
func (in *ReviewInput) Validate() error {
	e := validate.Errors{}
	in.ReviewedOn = strings.TrimSpace(in.ReviewedOn)
	switch d, ok := ParseDate(in.ReviewedOn); {
	case in.ReviewedOn == "":
		e.Add("reviewed_on", "error.required")
	case !ok:
		e.Add("reviewed_on", "error.invalid_date")
	case d > today():
		e.Add("reviewed_on", "ack.review.future")
	default:
		in.ReviewedOn = d
	}
	results := make([]string, len(ReviewResults))
	for i, r := range ReviewResults {
		results[i] = string(r)
	}
	e.Choice("result", in.Result, true, results...)
	in.Reason = e.Text("reason", in.Reason, true, MaxReviewReason, true)
	checkTrigger(e, &in.TriggerKind, &in.TriggerRef)
	in.Clause = e.Text("clause", in.Clause, false, 50, false)
	return e.Err()
}

func checkTrigger(e validate.Errors, kind, ref *string) {
	kinds := make([]string, len(TriggerKinds))
	for i, k := range TriggerKinds {
		kinds[i] = string(k)
	}
	e.Choice("trigger_kind", *kind, true, kinds...)
	*ref = e.Text("trigger_ref", *ref, false, MaxTriggerRef, false)
}

// today is the current date in Japan, where the office's calendar is.
func today() string { return time.Now().In(wareki.Location).Format(dateLayout) }

// checkClause adds a problem to field unless clause is empty or a clause of
// the version (the version in effect of the document concerned).
func checkClause(ctx context.Context, q db.Querier, sc scope.Scope, e validate.Errors, field string, versionID int64, clause string) error {
	if clause == "" {
		return nil
	}
	if versionID == 0 {
		e.Add(field, "ack.clause_unknown")
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM document_clauses WHERE org_id = ? AND version_id = ? AND ident = ?`,
		sc.OrgID, versionID, clause).Scan(&n); err != nil {
		return fmt.Errorf("cannot check clause %q of version %d: %w", clause, versionID, err)
	}
	if n == 0 {
		e.Add(field, "ack.clause_unknown")
	}
	return nil
}

// reviewRecord is what the trail keeps of a review or a request.
type reviewRecord struct {
	Review
	NextReviewBefore string `json:"next_review_before,omitempty"`
}

// RecordReview records a review of a document the principal may read and
// holds document.record_review for. A no_change review moves the
// document's next review date to the review day plus its cycle; a revise
// review leaves it, since the review is finished only when the revised
// version is published (which sets it anew).
func RecordReview(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID int64, in ReviewInput) (Review, error) {
	if !authz.CanSome(p, authz.RecordReviews) {
		return Review{}, fmt.Errorf("cannot record a review of document %d: %w", docID, ErrForbidden)
	}
	d, err := GetDocument(ctx, tx, sc, p, docID)
	if err != nil {
		return Review{}, err
	}
	e := validate.Errors{}
	if err := in.Validate(); err != nil {
		ve, _ := validate.As(err)
		e = ve
	}
	if err := checkClause(ctx, tx, sc, e, "clause", d.CurrentVersionID, in.Clause); err != nil {
		return Review{}, err
	}
	if err := e.Err(); err != nil {
		return Review{}, err
	}
	if d.CurrentVersionID == 0 {
		return Review{}, &Refusal{Key: "ack.review.not_published", Step: "review", DocumentID: docID, Status: Draft}
	}
	rv := Review{DocumentID: docID, VersionID: d.CurrentVersionID, Clause: in.Clause, ReviewerID: p.PersonID, ReviewedOn: in.ReviewedOn,
		Result: ReviewResult(in.Result), Reason: in.Reason, Trigger: Trigger{Kind: TriggerKind(in.TriggerKind), Ref: in.TriggerRef}}
	if rv, err = insertReview(ctx, tx, sc, rv); err != nil {
		return rv, err
	}
	rec := reviewRecord{Review: rv}
	if rv.Result == NoChange {
		rv.NextReviewDate = addMonths(rv.ReviewedOn, d.ReviewMonths)
		rec.Review.NextReviewDate, rec.NextReviewBefore = rv.NextReviewDate, d.NextReviewDate
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET next_review_date = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
			rv.NextReviewDate, db.Now(), sc.OrgID, docID); err != nil {
			return rv, fmt.Errorf("cannot move the next review of document %d: %w", docID, err)
		}
	}
	return rv, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityReview, EntityID: fmt.Sprint(rv.ID), After: rec})
}

// RequestReview opens a review request on a document (and optionally one
// clause of its version in effect), for the modules whose findings call
// for one: an audit finding, a self-inspection result, an incident. It
// needs no permission of its own — the calling module has decided — but
// the document must be the organisation's. The request is made by the
// scope's actor, or in the name of the document's owner when the system
// acts; note says what should be looked at. It shows on the document's
// page and its owner's home page until a review is recorded.
func RequestReview(ctx context.Context, tx *db.Tx, sc scope.Scope, docID int64, clause string, trigger Trigger, note string) (Review, error) {
	var current, owner int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(current_version_id, 0), COALESCE(owner_id, 0) FROM documents WHERE org_id = ? AND id = ?`,
		sc.OrgID, docID).Scan(&current, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Review{}, fmt.Errorf("document %d: %w", docID, db.ErrNotFound)
	}
	if err != nil {
		return Review{}, fmt.Errorf("cannot load document %d: %w", docID, err)
	}
	e := validate.Errors{}
	kind := string(trigger.Kind)
	checkTrigger(e, &kind, &trigger.Ref)
	note = e.Text("note", note, true, MaxReviewReason, true)
	clause = e.Text("clause", clause, false, 50, false)
	if err := checkClause(ctx, tx, sc, e, "clause", current, clause); err != nil {
		return Review{}, err
	}
	if err := e.Err(); err != nil {
		return Review{}, err
	}
	by := sc.ActorID
	if by == 0 {
		by = owner
	}
	if by == 0 {
		return Review{}, fmt.Errorf("cannot request a review of document %d: no actor and no owner to make it in the name of", docID)
	}
	rv := Review{DocumentID: docID, VersionID: current, Clause: clause, ReviewerID: by, ReviewedOn: today(),
		Result: Requested, Reason: note, Trigger: trigger, Open: true}
	if rv, err = insertReview(ctx, tx, sc, rv); err != nil {
		return rv, err
	}
	rv.Open = true
	return rv, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityReview, EntityID: fmt.Sprint(rv.ID), After: reviewRecord{Review: rv}})
}

func insertReview(ctx context.Context, tx *db.Tx, sc scope.Scope, rv Review) (Review, error) {
	rv.CreatedAt = db.Now()
	err := tx.QueryRowContext(ctx, `INSERT INTO document_reviews (org_id, document_id, version_id, clause_ident, reviewer_id, reviewed_on,
		result, reason, trigger_kind, trigger_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, rv.DocumentID, nullID(rv.VersionID), rv.Clause, rv.ReviewerID, rv.ReviewedOn, string(rv.Result), rv.Reason,
		string(rv.Trigger.Kind), rv.Trigger.Ref, rv.CreatedAt).Scan(&rv.ID)
	if err != nil {
		return rv, fmt.Errorf("cannot record review of document %d: %w", rv.DocumentID, err)
	}
	return rv, nil
}

// openRequest is the condition, on document_reviews aliased r, that the
// row is a request no later review has answered.
const openRequest = `r.result = 'requested' AND NOT EXISTS (SELECT 1 FROM document_reviews x
	WHERE x.org_id = r.org_id AND x.document_id = r.document_id AND x.result <> 'requested' AND x.id > r.id
	AND (x.clause_ident = '' OR x.clause_ident = r.clause_ident))`

const reviewColumns = `r.id, r.document_id, COALESCE(r.version_id, 0), COALESCE(v.version_no, 0), r.clause_ident, r.reviewer_id,
	COALESCE(pe.name, ''), r.reviewed_on, r.result, r.reason, r.trigger_kind, r.trigger_ref, r.created_at`

const reviewFrom = ` FROM document_reviews r
	LEFT JOIN document_versions v ON v.org_id = r.org_id AND v.id = r.version_id
	LEFT JOIN people pe ON pe.org_id = r.org_id AND pe.id = r.reviewer_id `

func scanReview(s scanner, extra ...any) (Review, error) {
	var rv Review
	var result, kind string
	err := s.Scan(append([]any{&rv.ID, &rv.DocumentID, &rv.VersionID, &rv.VersionNo, &rv.Clause, &rv.ReviewerID, &rv.ReviewerName,
		&rv.ReviewedOn, &result, &rv.Reason, &kind, &rv.Trigger.Ref, &rv.CreatedAt}, extra...)...)
	rv.Result, rv.Trigger.Kind = ReviewResult(result), TriggerKind(kind)
	return rv, err
}

// MaxReviews bounds the reviews a document's page lists.
const MaxReviews = 200

// ListReviews lists the reviews and review requests of a document the
// principal may read, newest first, each request marked open or not.
func ListReviews(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID int64) ([]Review, error) {
	if _, err := GetDocument(ctx, q, sc, p, docID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+reviewColumns+`, CASE WHEN `+openRequest+` THEN 1 ELSE 0 END`+reviewFrom+`
		WHERE r.org_id = ? AND r.document_id = ? ORDER BY r.id DESC LIMIT ?`, sc.OrgID, docID, MaxReviews)
	if err != nil {
		return nil, fmt.Errorf("cannot list reviews of document %d: %w", docID, err)
	}
	defer rows.Close()
	out := []Review{}
	for rows.Next() {
		var open int
		rv, err := scanReview(rows, &open)
		if err != nil {
			return nil, fmt.Errorf("cannot read review: %w", err)
		}
		rv.Open = open == 1
		out = append(out, rv)
	}
	return out, rows.Err()
}

// ReviewDue is a document whose review awaits someone: overdue, or asked
// for by open requests.
type ReviewDue struct {
	DocumentID     int64  `json:"document_id,string"`
	Number         string `json:"number"`
	Title          string `json:"title"`
	NextReviewDate string `json:"next_review_date"`
	Overdue        bool   `json:"overdue"`
	// OpenRequests counts the open review requests.
	OpenRequests int `json:"open_requests"`
}

// MaxReviewsDue bounds the home page's list.
const MaxReviewsDue = 50

// ReviewsDue lists the documents whose review awaits the principal: those
// they own, and — for whoever records reviews for the whole organisation
// (the CISO and 統括) — every document they may read, whose next review
// date has passed or which have open review requests. Most overdue first.
func ReviewsDue(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) ([]ReviewDue, error) {
	c, cargs, err := readable(ctx, q, sc, p)
	if err != nil {
		return nil, err
	}
	mine := "d.owner_id = ?"
	args := []any{today(), sc.OrgID}
	if authz.GrantFor(p, authz.RecordReviews).All {
		mine = "1 = 1"
	} else {
		args = append(args, p.PersonID)
	}
	args = append(args, cargs...)
	args = append(args, today(), MaxReviewsDue)
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.number, d.title, d.next_review_date, CASE WHEN d.next_review_date <> '' AND d.next_review_date < ? THEN 1 ELSE 0 END,
		(SELECT COUNT(*) FROM document_reviews r WHERE r.org_id = d.org_id AND r.document_id = d.id AND `+openRequest+`) AS requests
		FROM documents d WHERE d.org_id = ? AND `+mine+` AND `+c+`
		AND ((d.next_review_date <> '' AND d.next_review_date < ?) OR EXISTS (SELECT 1 FROM document_reviews r WHERE r.org_id = d.org_id AND r.document_id = d.id AND `+openRequest+`))
		ORDER BY d.next_review_date, d.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list reviews due: %w", err)
	}
	defer rows.Close()
	var out []ReviewDue
	for rows.Next() {
		var x ReviewDue
		var overdue int
		if err := rows.Scan(&x.DocumentID, &x.Number, &x.Title, &x.NextReviewDate, &overdue, &x.OpenRequests); err != nil {
			return nil, fmt.Errorf("cannot read review due: %w", err)
		}
		x.Overdue = overdue == 1
		out = append(out, x)
	}
	return out, rows.Err()
}
