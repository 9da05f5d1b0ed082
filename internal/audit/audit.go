// Package audit owns 情報セキュリティ監査 (seed §6(9), §7): the multi-year
// and yearly audit plans; engagements with their scope (departments,
// systems, policy clauses) and auditors; audit items (監査項目, 監査基準,
// 監査方法) and their results; evidence requests to the audited
// departments and their replies; the auditors' working notes; findings
// graded 重大 / 軽微 / 観察事項, each of which may open a review of the
// clause it concerns (§8); and the report: a draft, the audited
// department's response, and the final report the CISO approves.
//
// Separation of duties: an auditor is never a member of an audited
// department. A person is a member of a department when it is their own
// department or one holding it (a 部局 holds its 課室), or when the
// audited department lies within theirs, or when they hold a
// department-scoped role over it. Assigning such an auditor, or widening
// the scope of an engagement to such a department, is refused (a
// *Refusal, recorded in the trail by RecordRefusal) — and if a person
// moves into an audited department later, they can no longer conduct the
// engagement.
//
// Who may do what — the authz table, then these limits:
//   - audit.view: the organisation, or audits whose scope touches the
//     department the grant covers (the audited departments and those they
//     belong to);
//   - audit.manage: plans, engagements, scope, auditors, cancelling;
//   - audit.conduct: only the engagement's assigned auditors, while
//     independent: items, evidence requests, notes, findings, reports;
//   - audit.respond: replies to evidence requests of one's departments and
//     the response to the draft report of an audit of them;
//   - audit.approve: the final report.
//
// Working notes are read by the assigned auditors and the holders of
// audit.manage (the CISO and 統括) only.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// Trail entity names of this package.
const (
	EntityPlan    = "audit_plan"
	EntityAudit   = "audit"
	EntityItem    = "audit_item"
	EntityRequest = "evidence_request"
	EntityNote    = "audit_note"
	EntityFinding = "finding"
)

// Evidence owner kinds this package registers (see evidence.RegisterOwner).
const (
	OwnerRequest = "evidence_request" // ref: the request's id
	OwnerFinding = "finding"          // ref: the finding's id
)

// ErrForbidden is returned when the principal may not do what was asked.
var ErrForbidden = authz.ErrForbidden

// ErrState is returned when the engagement's status does not allow a step.
var ErrState = fmt.Errorf("audit is not in a state for that: %w", db.ErrConflict)

// Limits of the text fields.
const (
	MaxTitle  = 200
	MaxText   = 20000
	MaxShort  = 4000
	MaxClause = 50
)

// Status is where an engagement stands.
type Status string

const (
	Planned   Status = "planned"
	Fieldwork Status = "fieldwork"
	Reporting Status = "reporting" // draft report issued
	Responded Status = "responded" // the audited department responded
	Final     Status = "final"     // approved by the CISO
	Cancelled Status = "cancelled"
)

// Statuses lists every status in order.
var Statuses = []Status{Planned, Fieldwork, Reporting, Responded, Final, Cancelled}

// IsValid reports whether s is a known status.
func (s Status) IsValid() bool { return slices.Contains(Statuses, s) }

// Key is the message key of the status's name.
func (s Status) Key() string { return "audit.status." + string(s) }

// Open reports whether work (items, requests, findings) may still be done.
func (s Status) Open() bool { return s == Planned || s == Fieldwork }

// Severity grades a finding.
type Severity string

const (
	Major       Severity = "major"       // 重大
	Minor       Severity = "minor"       // 軽微
	Observation Severity = "observation" // 観察事項
)

// Severities lists them, gravest first.
var Severities = []Severity{Major, Minor, Observation}

// IsValid reports whether s is a known severity.
func (s Severity) IsValid() bool { return slices.Contains(Severities, s) }

// Key is the message key of the severity's name.
func (s Severity) Key() string { return "audit.severity." + string(s) }

// ItemResult is an auditor's conclusion on an item.
type ItemResult string

const (
	NotYet        ItemResult = ""
	Conforming    ItemResult = "conforming"
	Nonconforming ItemResult = "nonconforming"
	NotApplicable ItemResult = "not_applicable"
)

// ItemResults are the conclusions an auditor records.
var ItemResults = []ItemResult{Conforming, Nonconforming, NotApplicable}

// Key is the message key of the result's name.
func (r ItemResult) Key() string {
	if r == NotYet {
		return "audit.result.none"
	}
	return "audit.result." + string(r)
}

// ScopeKind says what a scope entry covers.
type ScopeKind string

const (
	ScopeDepartment ScopeKind = "department" // ref: a department id (and those below it)
	ScopeSystem     ScopeKind = "system"     // ref: an asset id
	ScopeClause     ScopeKind = "clause"     // ref: "documentID:ident"
)

// Key is the message key of the kind's name.
func (k ScopeKind) Key() string { return "audit.scope_kind." + string(k) }

const dateLayout = "2006-01-02"

// Today is the date in Japan.
func Today() string { return time.Now().In(wareki.Location).Format(dateLayout) }

// checkDate validates and normalises a date as people type it (ISO or 和暦).
func checkDate(e validate.Errors, field, value string, required bool) string {
	s := strings.TrimSpace(value)
	if s == "" {
		if required {
			e.Add(field, "error.required")
		}
		return ""
	}
	t, err := wareki.Parse(s)
	if err != nil {
		e.Add(field, "error.invalid_date")
		return value
	}
	return t.Format(dateLayout)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// record writes a trail entry.
func record(ctx context.Context, tx *db.Tx, sc scope.Scope, act trail.Action, entity string, id int64, before, after any) error {
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: act, Entity: entity, EntityID: idText(id), Before: before, After: after}); err != nil {
		return fmt.Errorf("cannot record %s %d: %w", entity, id, err)
	}
	return nil
}

// Refusal is a step the audit rules refuse for a reason the person can
// act on — an auditor who belongs to an audited department, a finding
// without an engagement. It carries field problems (so the edges show its
// message beside the field, with arguments) and is recorded in the trail
// as a denial by RecordRefusal once the step's transaction is rolled back.
type Refusal struct {
	Step    string // assign_auditor, add_scope, create, add_finding
	AuditID int64
	Fields  validate.Errors
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("audit %d: %s refused: %s", r.AuditID, r.Step, r.Fields.Error())
}

// Unwrap lets validate.As find the field problems.
func (r *Refusal) Unwrap() error { return r.Fields }

// AsRefusal returns the refusal in err's chain, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// refusalRecord is what the trail keeps of a refusal.
type refusalRecord struct {
	Step   string            `json:"step"`
	Reason map[string]string `json:"reason"`
	Args   map[string][]any  `json:"args,omitempty"`
}

// RecordRefusal writes a refusal to the trail as a denial, in its own
// transaction, when err carries a *Refusal; otherwise it does nothing.
func RecordRefusal(ctx context.Context, d *db.DB, sc scope.Scope, err error) error {
	r, ok := AsRefusal(err)
	if !ok {
		return nil
	}
	rec := refusalRecord{Step: r.Step, Reason: map[string]string{}, Args: map[string][]any{}}
	for f, p := range r.Fields {
		rec.Reason[f] = p.Key
		if len(p.Args) > 0 {
			rec.Args[f] = p.Args
		}
	}
	entityID := "new"
	if r.AuditID != 0 {
		entityID = idText(r.AuditID)
	}
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Denied, Entity: EntityAudit, EntityID: entityID, After: rec})
	})
}

// IDs is a list of record ids, written in JSON as strings like every id
// of the API.
type IDs []int64

// MarshalJSON writes the ids as strings.
func (ids IDs) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, id, 10)
		b = append(b, '"')
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads ids written as strings of digits.
func (ids *IDs) UnmarshalJSON(data []byte) error {
	var raw []string
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("ids: %w", err)
	}
	out := make(IDs, 0, len(raw))
	for _, s := range raw {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || strings.Trim(s, "0123456789") != "" {
			return fmt.Errorf("ids: %q is not an id", s)
		}
		out = append(out, n)
	}
	*ids = out
	return nil
}
