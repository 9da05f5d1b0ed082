// Package policy owns the organisation's policy documents (seed §5, §8, §9,
// §10): the basic policy, its standards (対策基準) and procedures (実施手順)
// and other guidance; their versions through draft → in review → approved →
// published → superseded; who may read them (need-to-know); the
// acknowledgements every worker owes (§5); review records (§8) and
// exceptions (例外措置). Text rules live in policy/doctext.
//
// Need-to-know is enforced here, in SQL, for every path that reads a
// document: lists, search, versions, diffs, exports, acknowledgements and
// the trail's before/after view all go through the visibility condition.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/policy/doctext"
)

// Trail entity names of this package.
const (
	EntityDocument       = "document"
	EntityVersion        = "document_version"
	EntityComment        = "document_comment"
	EntityAcknowledgment = "acknowledgement"
	EntityReview         = "document_review"
	EntityException      = "policy_exception"
)

// ErrForbidden matches authz.ErrForbidden, so the edges answer 403 and
// record the refusal.
var ErrForbidden = fmt.Errorf("policy: %w", authz.ErrForbidden)

// ErrState is returned for a step the version's status does not allow
// (publishing a draft, editing a published version, …); it wraps the
// status so messages can say why. The edges answer 409.
var ErrState = errors.New("not allowed in this status")

// Type is a kind of document.
type Type string

const (
	BasicPolicy   Type = "basic_policy"   // 基本方針
	Standard      Type = "standard"       // 対策基準
	Procedure     Type = "procedure"      // 実施手順
	EmergencyPlan Type = "emergency_plan" // 緊急時対応計画
	Guideline     Type = "guideline"      // その他の指針・手引
)

// Types lists them in display order.
var Types = []Type{BasicPolicy, Standard, Procedure, EmergencyPlan, Guideline}

// Visibility says who may read a document's published text.
type Visibility string

const (
	Public     Visibility = "public"     // anyone, also at /public without signing in
	Staff      Visibility = "staff"      // every signed-in worker
	Restricted Visibility = "restricted" // the access list, the CISO and 統括
)

// Visibilities lists them from the widest.
var Visibilities = []Visibility{Public, Staff, Restricted}

// DefaultVisibility is what a new document of a type starts with: a
// procedure is not public (§10) and starts restricted.
func DefaultVisibility(t Type) Visibility {
	switch t {
	case BasicPolicy:
		return Public
	case Procedure:
		return Restricted
	}
	return Staff
}

// Status is where a version is in its life.
type Status string

const (
	Draft      Status = "draft"
	InReview   Status = "in_review"
	Approved   Status = "approved"
	Published  Status = "published"
	Superseded Status = "superseded"
)

// AccessKind names what an access list entry grants reading to.
type AccessKind string

const (
	AccessRole       AccessKind = "role"       // Ref: a role code
	AccessDepartment AccessKind = "department" // Ref: a department id, with those below it
	AccessPerson     AccessKind = "person"     // Ref: a person id
)

// Access is one entry of a restricted document's access list.
type Access struct {
	Kind AccessKind `json:"kind"`
	Ref  string     `json:"ref"`
}

// Document is a document with its settings; the text is in its versions.
type Document struct {
	ID               int64      `json:"id,string"`
	Type             Type       `json:"type"`
	Number           string     `json:"number"`
	Title            string     `json:"title"`
	ParentID         int64      `json:"parent_id,string,omitempty"`
	Visibility       Visibility `json:"visibility"`
	Access           []Access   `json:"access"`
	OwnerID          int64      `json:"owner_id,string,omitempty"`
	ReviewMonths     int        `json:"review_months"`
	NextReviewDate   string     `json:"next_review_date"`
	CurrentVersionID int64      `json:"current_version_id,string,omitempty"`
	// Who is asked to acknowledge a published version: staff categories
	// (none = all) and departments (none = all).
	AckRequired    bool     `json:"ack_required"`
	AckCategories  []string `json:"ack_categories"`
	AckDepartments IDs      `json:"ack_departments"`
	// The standard clauses a procedure implements ("docID:ident").
	Implements []ClauseRef `json:"implements"`
	Version    int64       `json:"lock_version"`
	CreatedAt  int64       `json:"-"`
	UpdatedAt  int64       `json:"-"`
}

// ClauseRef points at a clause of another document.
type ClauseRef struct {
	DocumentID int64  `json:"document_id,string"`
	Ident      string `json:"clause"`
}

// Version is one version of a document's text.
type Version struct {
	ID            int64  `json:"id,string"`
	DocumentID    int64  `json:"document_id,string"`
	No            int    `json:"version"`
	Status        Status `json:"status"`
	Title         string `json:"title"`
	Body          string `json:"body"`
	ChangeSummary string `json:"change_summary"`
	AuthorID      int64  `json:"author_id,string,omitempty"`
	AuthorName    string `json:"author_name"`
	SubmittedAt   int64  `json:"-"`
	ApprovalKind  string `json:"approval_kind"` // ciso or committee
	ApprovedBy    int64  `json:"approved_by,string,omitempty"`
	ApproverName  string `json:"approver_name"`
	ApprovedAt    int64  `json:"-"`
	EffectiveDate string `json:"effective_date"`
	PublishedAt   int64  `json:"-"`
	SupersededAt  int64  `json:"-"`
	LockVersion   int64  `json:"lock_version"`
	CreatedAt     int64  `json:"-"`
	UpdatedAt     int64  `json:"-"`
	// Votes counts the committee members' approvals of a version in review
	// (or approved by the committee).
	Votes int `json:"votes"`
	// Clauses are parsed from Body when the version is written.
	Clauses []doctext.Clause `json:"clauses"`
}

// IDs is a list of ids, written in JSON as strings like every id.
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
		if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
			return fmt.Errorf("ids: %q is not an id", s)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("ids: %q is not an id", s)
		}
		out = append(out, n)
	}
	*ids = out
	return nil
}
