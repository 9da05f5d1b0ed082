package policy

// This file holds the signatures the web, API and command-line layers are
// written against; the bodies are being filled in (document.go,
// version.go, visibility.go, …). Replace each stub where it is implemented.

import (
	"context"
	"errors"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

var errNotYet = errors.New("policy: not implemented yet")

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
	AckDepartments []int64     `json:"ack_departments"`
	Implements     []ClauseRef `json:"implements"`
	Body           string      `json:"body"`
	ChangeSummary  string      `json:"change_summary"`
	Version        int64       `json:"lock_version"`
}

// DraftInput changes a draft's text.
type DraftInput struct {
	Title         string `json:"title"`
	Body          string `json:"body"`
	ChangeSummary string `json:"change_summary"`
	LockVersion   int64  `json:"lock_version"`
}

// ListFilter selects documents for a list or a search.
type ListFilter struct {
	Q      string // words that must all occur in the title or text
	Type   Type
	Cursor string
	Limit  int
}

// Item is a document in a list: its settings and the version a reader
// sees (the published one; for editors the newest when none is).
type Item struct {
	Document
	VersionID     int64  `json:"version_id,string"`
	VersionNo     int    `json:"version"`
	Status        Status `json:"status"`
	EffectiveDate string `json:"effective_date"`
	// Snippet is a short piece of the matching text for a search.
	Snippet string `json:"snippet,omitempty"`
	// HasDraft says a newer version is being written (editors only).
	HasDraft bool `json:"has_draft"`
}

// Page is one page of a list.
type Page struct {
	Items      []Item `json:"items"`
	NextCursor string `json:"next_cursor"`
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

// Comparison is two versions side by side, clause by clause.
type Comparison struct {
	From, To Version
	Changes  []doctext.ClauseChange
}

// CreateDocument creates a document with its first draft (version 1).
func CreateDocument(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in DocumentInput) (Document, Version, error) {
	return Document{}, Version{}, errNotYet
}

// UpdateDocument changes a document's settings (not its text).
func UpdateDocument(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, in DocumentInput) (Document, error) {
	return Document{}, errNotYet
}

// GetDocument returns a document the principal may read; db.ErrNotFound
// otherwise, as for another organisation's.
func GetDocument(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Document, error) {
	return Document{}, errNotYet
}

// ListDocuments lists (and with f.Q searches) the documents the principal
// may read, by type and number.
func ListDocuments(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f ListFilter) (Page, error) {
	return Page{}, errNotYet
}

// ListVersions lists a document's versions the principal may see (drafts
// and versions in review only for those who may edit, review or approve),
// newest first, without their bodies.
func ListVersions(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID int64) ([]Version, error) {
	return nil, errNotYet
}

// GetVersion returns one version with its clauses.
func GetVersion(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	return Version{}, errNotYet
}

// NewDraft starts the next version as a copy of the newest one. Only one
// version may be unpublished at a time.
func NewDraft(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID int64) (Version, error) {
	return Version{}, errNotYet
}

// UpdateDraft changes a draft's text.
func UpdateDraft(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, in DraftInput) (Version, error) {
	return Version{}, errNotYet
}

// Submit sends a draft for review.
func Submit(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	return Version{}, errNotYet
}

// AddComment records a reviewer's comment on a version in review.
func AddComment(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, clause, body string) (Comment, error) {
	return Comment{}, errNotYet
}

// ListComments lists the comments on a version.
func ListComments(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) ([]Comment, error) {
	return nil, errNotYet
}

// Approve is the CISO's approval of a version in review; never by its author.
func Approve(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	return Version{}, errNotYet
}

// Vote records a committee member's approval; the version is approved
// when the votes reach the organisation's quorum. The author cannot vote.
func Vote(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) (Version, error) {
	return Version{}, errNotYet
}

// SendBack returns a version in review to draft, with the reason.
func SendBack(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, reason string) (Version, error) {
	return Version{}, errNotYet
}

// Publish puts an approved version into effect on effectiveDate
// ('YYYY-MM-DD'), supersedes the previous one, sets the next review date
// and asks everyone in the acknowledgement scope to acknowledge it.
func Publish(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64, effectiveDate string) (Version, error) {
	return Version{}, errNotYet
}

// Compare sets two versions of a document side by side.
func Compare(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, fromID, toID int64) (Comparison, error) {
	return Comparison{}, errNotYet
}

// ListPublic lists the organisation's public documents in effect, for
// /public (no one is signed in).
func ListPublic(ctx context.Context, q db.Querier, orgID int64) ([]Item, error) {
	return nil, errNotYet
}

// GetPublic returns a public document's version in effect, with clauses.
func GetPublic(ctx context.Context, q db.Querier, orgID, docID int64) (Document, Version, error) {
	return Document{}, Version{}, errNotYet
}

// SeedBasicPolicy loads the organisation's own basic policy, shipped in the
// binary, as version 1 of the 基本方針: effective 平成28年4月1日, public,
// published. Called at first start.
func SeedBasicPolicy(ctx context.Context, tx *db.Tx, sc scope.Scope) (Document, error) {
	return Document{}, errNotYet
}

// RedactTrail hides the before/after of trail entries about documents the
// reader may not read (restricted ones outside their access), as
// asset.RedactTrail does for assets.
func RedactTrail(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, entries []trail.Entry) error {
	return errNotYet
}

// readable returns an SQL condition on documents aliased d, and its
// arguments, true for the documents the principal may read. Every query in
// this package that returns document content joins through it.
func readable(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (string, []any, error) {
	return "", nil, errNotYet
}
