package policy

// Exceptions (例外措置): a worker who cannot follow a clause of a
// document in effect — a system that cannot yet meet a standard, a
// temporary arrangement — asks to depart from it, for a stated scope and
// period, with compensating measures. The CISO decides.
//
//   - A request names a document and one clause ident of its version in
//     effect, the reason, the scope, the compensating measures and the
//     period: starts_on to ends_on, both days included, ending no earlier
//     than it starts and no later than MaxExceptionMonths after its start
//     (a year: an exception is re-examined at least yearly, as the policy
//     itself is), and not already over.
//   - The CISO (exception.decide) approves or rejects it with a note (a
//     rejection must say why); never the one who asked. The requester may
//     withdraw it while it awaits a decision.
//   - An approved exception lapses by itself: once ends_on is past it shows
//     as 期限切れ (Expired). Nothing runs to change it; the state is
//     computed from the date, so it can never be late.
//   - Who sees an exception: those who may read its document and whose
//     exception.view reach covers it — their own requests (職員等), their
//     department's (情報セキュリティ責任者・管理者: the requester's department
//     when asked), everything (CISO, 統括, auditors). A restricted
//     document's exceptions are therefore hidden from everyone outside its
//     access list, on every list, page and count.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// ExceptionStatus is where a request is; Expired is computed.
type ExceptionStatus string

const (
	ExceptionRequested ExceptionStatus = "requested" // awaiting the CISO's decision
	ExceptionApproved  ExceptionStatus = "approved"
	ExceptionRejected  ExceptionStatus = "rejected"
	ExceptionWithdrawn ExceptionStatus = "withdrawn"
	// ExceptionExpired is an approved exception whose period is over; it
	// is never stored.
	ExceptionExpired ExceptionStatus = "expired"
)

// ExceptionStatuses lists the states as shown, stored and computed.
var ExceptionStatuses = []ExceptionStatus{ExceptionRequested, ExceptionApproved, ExceptionExpired, ExceptionRejected, ExceptionWithdrawn}

// Key is the message key of the state's name.
func (s ExceptionStatus) Key() string { return "ack.exception_status." + string(s) }

// Limits of an exception's fields.
const (
	MaxExceptionText = 4000
	// MaxExceptionMonths is the longest period an exception may cover.
	MaxExceptionMonths = 12
	// ExpiringDays is how near its end an approved exception is listed as
	// expiring.
	ExpiringDays = 30
)

// Exception is one request to depart from a clause.
type Exception struct {
	ID             int64           `json:"id,string"`
	DocumentID     int64           `json:"document_id,string"`
	DocumentNumber string          `json:"document_number"`
	DocumentTitle  string          `json:"document_title"`
	Clause         string          `json:"clause"`
	RequesterID    int64           `json:"requester_id,string"`
	RequesterName  string          `json:"requester_name"`
	DepartmentID   int64           `json:"department_id,string,omitempty"`
	Reason         string          `json:"reason"`
	Scope          string          `json:"scope"`
	Compensating   string          `json:"compensating"`
	StartsOn       string          `json:"starts_on"`
	EndsOn         string          `json:"ends_on"`
	Status         ExceptionStatus `json:"status"` // as stored
	DecidedBy      int64           `json:"decided_by,string,omitempty"`
	DeciderName    string          `json:"decider_name"`
	DecidedAt      int64           `json:"decided_at,omitempty"`
	DecisionNote   string          `json:"decision_note"`
	Version        int64           `json:"lock_version"`
	CreatedAt      int64           `json:"created_at"`
	UpdatedAt      int64           `json:"updated_at"`
}

// State is the exception's status on the given day (YYYY-MM-DD): an
// approved exception whose last day has passed is Expired.
func (e Exception) State(day string) ExceptionStatus {
	if e.Status == ExceptionApproved && e.EndsOn < day {
		return ExceptionExpired
	}
	return e.Status
}

// Current is the exception's status today.
func (e Exception) Current() ExceptionStatus { return e.State(today()) }

// Expiring reports whether an approved exception ends within ExpiringDays
// of the given day (and has not yet ended).
func (e Exception) Expiring(day string) bool {
	return e.Status == ExceptionApproved && e.EndsOn >= day && e.EndsOn <= addDays(day, ExpiringDays)
}

// InForce reports whether the exception applies on the given day.
func (e Exception) InForce(day string) bool {
	return e.Status == ExceptionApproved && e.StartsOn <= day && day <= e.EndsOn
}

func addDays(day string, n int) string {
	t, err := time.Parse(dateLayout, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(dateLayout)
}

// ExceptionInput is a request as a form or an API body gives it.
type ExceptionInput struct {
	DocumentID   int64  `json:"document_id,string"`
	Clause       string `json:"clause"`
	Reason       string `json:"reason"`
	Scope        string `json:"scope"`
	Compensating string `json:"compensating"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
}

// Validate checks the fields and normalises the dates to YYYY-MM-DD.
// Whether the document and clause exist is checked when requesting.
func (in *ExceptionInput) Validate() error {
	e := validate.Errors{}
	if in.DocumentID <= 0 {
		e.Add("document_id", "error.required")
	}
	in.Clause = e.Text("clause", in.Clause, true, 50, false)
	in.Reason = e.Text("reason", in.Reason, true, MaxExceptionText, true)
	in.Scope = e.Text("scope", in.Scope, true, MaxExceptionText, true)
	in.Compensating = e.Text("compensating", in.Compensating, true, MaxExceptionText, true)
	date := func(field string, v *string) bool {
		*v = strings.TrimSpace(*v)
		d, ok := ParseDate(*v)
		switch {
		case *v == "":
			e.Add(field, "error.required")
		case !ok:
			e.Add(field, "error.invalid_date")
		default:
			*v = d
			return true
		}
		return false
	}
	starts, ends := date("starts_on", &in.StartsOn), date("ends_on", &in.EndsOn)
	switch {
	case !starts || !ends:
	case in.EndsOn < in.StartsOn:
		e.Add("ends_on", "ack.exception.ends_before_start")
	case in.EndsOn > addMonths(in.StartsOn, MaxExceptionMonths):
		e.Add("ends_on", "ack.exception.too_long", MaxExceptionMonths)
	case in.EndsOn < today():
		e.Add("ends_on", "ack.exception.already_over")
	}
	return e.Err()
}

// Exception steps, as Refusal.Step.
const (
	StepExceptionDecide   = "exception_decide"
	StepExceptionWithdraw = "exception_withdraw"
)

// exceptionReader is a principal's view of exceptions, as an SQL
// condition on policy_exceptions e joined to documents d.
func exceptionReader(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (string, []any, error) {
	g := authz.GrantFor(p, authz.ViewExceptions)
	if !g.Any() {
		return "1 = 0", nil, nil
	}
	c, args, err := readable(ctx, q, sc, p)
	if err != nil {
		return "", nil, err
	}
	if g.All {
		return c, args, nil
	}
	var parts []string
	if len(g.Departments) > 0 {
		dc, dargs := org.SubtreeCondition("e.department_id", sc.OrgID, g.Departments)
		parts = append(parts, "(e.department_id IS NOT NULL AND "+dc+")")
		args = append(args, dargs...)
	}
	if g.Self {
		parts = append(parts, "e.requester_id = ?")
		args = append(args, p.PersonID)
	}
	return c + " AND (" + strings.Join(parts, " OR ") + ")", args, nil
}

const exceptionColumns = `e.id, e.document_id, d.number, d.title, e.clause_ident, e.requester_id, COALESCE(rq.name, ''),
	COALESCE(e.department_id, 0), e.reason, e.scope_text, e.compensating, e.starts_on, e.ends_on, e.status,
	COALESCE(e.decided_by, 0), COALESCE(dc.name, ''), COALESCE(e.decided_at, 0), e.decision_note, e.version, e.created_at, e.updated_at`

const exceptionFrom = ` FROM policy_exceptions e
	JOIN documents d ON d.org_id = e.org_id AND d.id = e.document_id
	LEFT JOIN people rq ON rq.org_id = e.org_id AND rq.id = e.requester_id
	LEFT JOIN people dc ON dc.org_id = e.org_id AND dc.id = e.decided_by `

func scanException(s scanner) (Exception, error) {
	var x Exception
	var status string
	err := s.Scan(&x.ID, &x.DocumentID, &x.DocumentNumber, &x.DocumentTitle, &x.Clause, &x.RequesterID, &x.RequesterName,
		&x.DepartmentID, &x.Reason, &x.Scope, &x.Compensating, &x.StartsOn, &x.EndsOn, &status,
		&x.DecidedBy, &x.DeciderName, &x.DecidedAt, &x.DecisionNote, &x.Version, &x.CreatedAt, &x.UpdatedAt)
	x.Status = ExceptionStatus(status)
	return x, err
}

// GetException returns an exception the principal may see; db.ErrNotFound
// otherwise, as for another organisation's.
func GetException(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Exception, error) {
	c, args, err := exceptionReader(ctx, q, sc, p)
	if err != nil {
		return Exception{}, err
	}
	x, err := scanException(q.QueryRowContext(ctx, `SELECT `+exceptionColumns+exceptionFrom+`WHERE e.org_id = ? AND e.id = ? AND `+c,
		append([]any{sc.OrgID, id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("exception %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("cannot load exception %d: %w", id, err)
	}
	return x, nil
}

// RequestException records a request to depart from a clause of the
// version in effect of a document the principal may read.
func RequestException(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in ExceptionInput) (Exception, error) {
	if !authz.CanSome(p, authz.RequestExceptions) {
		return Exception{}, fmt.Errorf("cannot request an exception: %w", ErrForbidden)
	}
	e := validate.Errors{}
	if err := in.Validate(); err != nil {
		e, _ = validate.As(err)
	}
	if in.DocumentID > 0 {
		d, err := GetDocument(ctx, tx, sc, p, in.DocumentID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			e.Add("document_id", "error.invalid_choice")
		case err != nil:
			return Exception{}, err
		case d.CurrentVersionID == 0:
			e.Add("document_id", "ack.exception.not_in_effect")
		case in.Clause != "":
			if err := checkClause(ctx, tx, sc, e, "clause", d.CurrentVersionID, in.Clause); err != nil {
				return Exception{}, err
			}
		}
	}
	if err := e.Err(); err != nil {
		return Exception{}, err
	}
	var dept int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(department_id, 0) FROM people WHERE org_id = ? AND id = ?`, sc.OrgID, p.PersonID).Scan(&dept); err != nil {
		return Exception{}, fmt.Errorf("cannot find the department of person %d: %w", p.PersonID, err)
	}
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO policy_exceptions (org_id, document_id, clause_ident, requester_id, department_id, reason,
		scope_text, compensating, starts_on, ends_on, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, in.DocumentID, in.Clause, p.PersonID, nullID(dept), in.Reason, in.Scope, in.Compensating, in.StartsOn, in.EndsOn,
		string(ExceptionRequested), now, now).Scan(&id)
	if err != nil {
		return Exception{}, fmt.Errorf("cannot record exception request: %w", err)
	}
	x, err := loadException(ctx, tx, sc, id)
	if err != nil {
		return x, err
	}
	return x, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityException, EntityID: strconv.FormatInt(id, 10), After: x})
}

// loadException reads an exception without asking who reads it.
func loadException(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Exception, error) {
	x, err := scanException(q.QueryRowContext(ctx, `SELECT `+exceptionColumns+exceptionFrom+`WHERE e.org_id = ? AND e.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("exception %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("cannot load exception %d: %w", id, err)
	}
	return x, nil
}

// exceptionRefusal is a refused step on an exception.
func exceptionRefusal(step, key string, x Exception, forbidden bool) *Refusal {
	return &Refusal{Key: key, Step: step, DocumentID: x.DocumentID, Forbidden: forbidden}
}

// Decision is the CISO's answer to a request.
type Decision struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
	// Version is the exception's lock_version as the decider saw it.
	Version int64 `json:"lock_version"`
}

// DecideException approves or rejects a request awaiting a decision. Only
// a holder of exception.decide who may see it, and never its requester;
// a rejection must give its reason in the note. A stale Version is
// db.ErrConflict.
func DecideException(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, dec Decision) (Exception, error) {
	if !authz.CanSome(p, authz.DecideExceptions) {
		return Exception{}, fmt.Errorf("cannot decide exception %d: %w", id, ErrForbidden)
	}
	before, err := GetException(ctx, tx, sc, p, id)
	if err != nil {
		return before, err
	}
	if before.RequesterID == p.PersonID {
		return before, exceptionRefusal(StepExceptionDecide, "ack.refused.own_exception", before, true)
	}
	e := validate.Errors{}
	dec.Note = e.Text("note", dec.Note, !dec.Approve, MaxExceptionText, true)
	if err := e.Err(); err != nil {
		return before, err
	}
	if before.Status != ExceptionRequested {
		return before, exceptionRefusal(StepExceptionDecide, "ack.refused.exception_decided", before, false)
	}
	status := ExceptionRejected
	if dec.Approve {
		status = ExceptionApproved
	}
	return changeException(ctx, tx, sc, before, dec.Version, `status = ?, decided_by = ?, decided_at = ?, decision_note = ?`,
		string(status), p.PersonID, db.Now(), dec.Note)
}

// WithdrawException withdraws a request still awaiting a decision; only
// its requester may.
func WithdrawException(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id, version int64) (Exception, error) {
	before, err := GetException(ctx, tx, sc, p, id)
	if err != nil {
		return before, err
	}
	if before.RequesterID != p.PersonID {
		return before, exceptionRefusal(StepExceptionWithdraw, "ack.refused.not_requester", before, true)
	}
	if before.Status != ExceptionRequested {
		return before, exceptionRefusal(StepExceptionWithdraw, "ack.refused.exception_decided", before, false)
	}
	return changeException(ctx, tx, sc, before, version, `status = ?`, string(ExceptionWithdrawn))
}

// changeException writes a change of status under optimistic locking and
// records it.
func changeException(ctx context.Context, tx *db.Tx, sc scope.Scope, before Exception, version int64, set string, args ...any) (Exception, error) {
	if version != 0 && version != before.Version {
		return before, fmt.Errorf("exception %d changed meanwhile: %w", before.ID, db.ErrConflict)
	}
	args = append(args, db.Now(), sc.OrgID, before.ID, before.Version)
	res, err := tx.ExecContext(ctx, `UPDATE policy_exceptions SET `+set+`, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, args...)
	if err != nil {
		return before, fmt.Errorf("cannot change exception %d: %w", before.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return before, fmt.Errorf("cannot change exception %d: %w", before.ID, err)
	} else if n == 0 {
		return before, fmt.Errorf("exception %d changed meanwhile: %w", before.ID, db.ErrConflict)
	}
	after, err := loadException(ctx, tx, sc, before.ID)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityException,
		EntityID: strconv.FormatInt(before.ID, 10), Before: before, After: after})
}

// ExceptionFilter narrows a list of exceptions.
type ExceptionFilter struct {
	// Status: one of ExceptionStatuses, or "expiring" (approved, ending
	// within ExpiringDays), or "" for all. "approved" means approved and
	// not yet expired.
	Status     string
	DocumentID int64
	Clause     string
	// Mine: only the principal's own requests.
	Mine   bool
	Cursor string
	Limit  int
}

// ExceptionFilters are the values of ExceptionFilter.Status a list offers.
var ExceptionFilters = []string{"", "requested", "approved", "expiring", "expired", "rejected", "withdrawn"}

// ExceptionPage is one page of exceptions, newest first.
type ExceptionPage struct {
	Items      []Exception `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

// MaxExceptionPage bounds a page.
const MaxExceptionPage = 200

// ListExceptions lists the exceptions the principal may see, newest first.
func ListExceptions(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f ExceptionFilter) (ExceptionPage, error) {
	c, args, err := exceptionReader(ctx, q, sc, p)
	if err != nil {
		return ExceptionPage{}, err
	}
	where := []string{"e.org_id = ?", c}
	args = append([]any{sc.OrgID}, args...)
	day := today()
	switch f.Status {
	case "":
	case string(ExceptionApproved):
		where = append(where, "e.status = 'approved' AND e.ends_on >= ?")
		args = append(args, day)
	case string(ExceptionExpired):
		where = append(where, "e.status = 'approved' AND e.ends_on < ?")
		args = append(args, day)
	case "expiring":
		where = append(where, "e.status = 'approved' AND e.ends_on >= ? AND e.ends_on <= ?")
		args = append(args, day, addDays(day, ExpiringDays))
	case string(ExceptionRequested), string(ExceptionRejected), string(ExceptionWithdrawn):
		where = append(where, "e.status = ?")
		args = append(args, f.Status)
	default:
		return ExceptionPage{}, validate.Errors{"status": {Key: "error.invalid_choice"}}
	}
	if f.DocumentID != 0 {
		where = append(where, "e.document_id = ?")
		args = append(args, f.DocumentID)
		if f.Clause != "" {
			where = append(where, "e.clause_ident = ?")
			args = append(args, f.Clause)
		}
	}
	if f.Mine {
		where = append(where, "e.requester_id = ?")
		args = append(args, p.PersonID)
	}
	if f.Cursor != "" {
		n, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || n <= 0 {
			return ExceptionPage{}, validate.Errors{"cursor": {Key: "error.invalid_cursor"}}
		}
		where = append(where, "e.id < ?")
		args = append(args, n)
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxExceptionPage {
		limit = 50
	}
	args = append(args, limit+1)
	rows, err := q.QueryContext(ctx, `SELECT `+exceptionColumns+exceptionFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY e.id DESC LIMIT ?`, args...)
	if err != nil {
		return ExceptionPage{}, fmt.Errorf("cannot list exceptions: %w", err)
	}
	defer rows.Close()
	page := ExceptionPage{Items: []Exception{}}
	for rows.Next() {
		x, err := scanException(rows)
		if err != nil {
			return ExceptionPage{}, fmt.Errorf("cannot read exception: %w", err)
		}
		page.Items = append(page.Items, x)
	}
	if err := rows.Err(); err != nil {
		return ExceptionPage{}, fmt.Errorf("cannot list exceptions: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 10)
	}
	return page, nil
}

// DocumentExceptions lists the exceptions of a document the principal may
// see that have not ended: awaiting a decision, or approved and not yet
// expired — for showing under their clauses on the document's page.
func DocumentExceptions(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID int64) ([]Exception, error) {
	c, args, err := exceptionReader(ctx, q, sc, p)
	if err != nil {
		return nil, err
	}
	args = append([]any{sc.OrgID, docID, today()}, args...)
	rows, err := q.QueryContext(ctx, `SELECT `+exceptionColumns+exceptionFrom+`WHERE e.org_id = ? AND e.document_id = ?
		AND (e.status = 'requested' OR (e.status = 'approved' AND e.ends_on >= ?)) AND `+c+`
		ORDER BY e.clause_ident, e.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list exceptions of document %d: %w", docID, err)
	}
	defer rows.Close()
	out := []Exception{}
	for rows.Next() {
		x, err := scanException(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read exception: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ExceptionsDue is what awaits a principal about exceptions: their own
// requests still open or in force, and for deciders the requests awaiting
// a decision and the approved exceptions about to end.
type ExceptionsDue struct {
	// Mine are the principal's own requests awaiting a decision or
	// approved and not yet expired, newest first.
	Mine []Exception
	// ToDecide counts requests awaiting the principal's decision (not
	// their own); Expiring counts approved exceptions the principal may
	// see ending within ExpiringDays — both for exception.decide holders.
	ToDecide int
	Expiring int
}

// MaxExceptionsDue bounds ExceptionsDue.Mine.
const MaxExceptionsDue = 20

// DueExceptions gathers ExceptionsDue for the home page.
func DueExceptions(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (ExceptionsDue, error) {
	var out ExceptionsDue
	c, args, err := exceptionReader(ctx, q, sc, p)
	if err != nil {
		return out, err
	}
	day := today()
	rows, err := q.QueryContext(ctx, `SELECT `+exceptionColumns+exceptionFrom+`WHERE e.org_id = ? AND e.requester_id = ?
		AND (e.status = 'requested' OR (e.status = 'approved' AND e.ends_on >= ?)) AND `+c+`
		ORDER BY e.id DESC LIMIT ?`, append(append([]any{sc.OrgID, p.PersonID, day}, args...), MaxExceptionsDue)...)
	if err != nil {
		return out, fmt.Errorf("cannot list own exceptions: %w", err)
	}
	for rows.Next() {
		x, err := scanException(rows)
		if err != nil {
			rows.Close()
			return out, fmt.Errorf("cannot read exception: %w", err)
		}
		out.Mine = append(out.Mine, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("cannot list own exceptions: %w", err)
	}
	if !authz.CanSome(p, authz.DecideExceptions) {
		return out, nil
	}
	err = q.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN e.status = 'requested' AND e.requester_id <> ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN e.status = 'approved' AND e.ends_on >= ? AND e.ends_on <= ? THEN 1 ELSE 0 END), 0)
		`+exceptionFrom+`WHERE e.org_id = ? AND e.status IN ('requested', 'approved') AND `+c,
		append([]any{p.PersonID, day, addDays(day, ExpiringDays), sc.OrgID}, args...)...).Scan(&out.ToDecide, &out.Expiring)
	if err != nil {
		return out, fmt.Errorf("cannot count exceptions to decide: %w", err)
	}
	return out, nil
}
