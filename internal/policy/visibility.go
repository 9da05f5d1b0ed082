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
	"mamori/internal/scope"
)

// Need-to-know. A principal reads a document when
//
//   - they hold document.view, and
//   - it is public or for all staff, or it is restricted and either they
//     hold document.view_restricted over the organisation (the CISO and
//     統括) or its access list names a role they hold, their department or
//     one above it (an entry for a 部局 covers its 課室), or themself, and
//   - it has a published version, unless they work on documents (hold
//     document.edit, review, approve or vote), who see drafts too.
//
// That is one SQL condition (reader.cond) that every query of this package
// returning anything of a document — its settings, versions, text,
// clauses, comments, search matches, trail entries — joins through. The
// versions of a readable document that are not yet published (draft, in
// review, approved) are seen only by those who work on documents
// (reader.versionCond).

// reader is what one principal may read, worked out once per call.
type reader struct {
	p authz.Principal
	// view: the principal may read documents at all.
	view bool
	// all: every restricted document (document.view_restricted).
	all bool
	// editor: versions before publication too.
	editor bool
	roles  []string
	depts  []string // their department and those above it, as access refs
}

// editorActions are the permissions that show versions before publication.
var editorActions = []authz.Action{authz.EditDocuments, authz.ReviewDocuments, authz.ApproveDocuments, authz.VoteDocuments}

func newReader(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (reader, error) {
	r := reader{p: p, view: authz.CanSome(p, authz.ViewDocuments)}
	if !r.view {
		return r, nil
	}
	r.all = authz.GrantFor(p, authz.ViewRestrictedDocuments).All
	for _, a := range editorActions {
		r.editor = r.editor || authz.CanSome(p, a)
	}
	r.roles = []string{string(authz.Staff)}
	for _, a := range p.Assignments {
		if !slices.Contains(r.roles, string(a.Role)) {
			r.roles = append(r.roles, string(a.Role))
		}
	}
	if r.all || p.PersonID == 0 {
		return r, nil
	}
	var dept int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(department_id, 0) FROM people WHERE org_id = ? AND id = ?`, sc.OrgID, p.PersonID).Scan(&dept)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("cannot find the department of person %d: %w", p.PersonID, err)
	}
	path, err := org.DepartmentPath(ctx, q, sc, dept)
	if err != nil {
		return r, err
	}
	for _, id := range path {
		r.depts = append(r.depts, strconv.FormatInt(id, 10))
	}
	return r, nil
}

// cond is the condition, on documents aliased alias, that the reader may
// read the document. It is never NULL.
func (r reader) cond(alias string) (string, []any) {
	if !r.view {
		return "1 = 0", nil
	}
	var parts []string
	var args []any
	if !r.all {
		access := []string{"(x.kind = 'role' AND x.ref IN (" + placeholders(len(r.roles)) + "))"}
		for _, role := range r.roles {
			args = append(args, role)
		}
		if r.p.PersonID != 0 {
			access = append(access, "(x.kind = 'person' AND x.ref = ?)")
			args = append(args, strconv.FormatInt(r.p.PersonID, 10))
		}
		if len(r.depts) > 0 {
			access = append(access, "(x.kind = 'department' AND x.ref IN ("+placeholders(len(r.depts))+"))")
			for _, d := range r.depts {
				args = append(args, d)
			}
		}
		parts = append(parts, "("+alias+".visibility <> 'restricted' OR "+alias+".id IN (SELECT x.document_id FROM document_access x WHERE x.org_id = "+
			alias+".org_id AND ("+strings.Join(access, " OR ")+")))")
	}
	if !r.editor {
		parts = append(parts, alias+".current_version_id IS NOT NULL")
	}
	if len(parts) == 0 {
		return "1 = 1", nil
	}
	return "(" + strings.Join(parts, " AND ") + ")", args
}

// versionCond is the condition, on document_versions aliased alias, that
// the reader may see the version (of a document they may read).
func (r reader) versionCond(alias string) string {
	if r.editor {
		return "1 = 1"
	}
	return alias + ".status IN ('published', 'superseded')"
}

// readable returns an SQL condition on documents aliased d, and its
// arguments, true for the documents the principal may read. Every query in
// this package that returns document content joins through it.
func readable(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (string, []any, error) {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return "", nil, err
	}
	c, args := r.cond("d")
	return c, args, nil
}

// CanRead reports whether the principal may read the document (as
// GetDocument would find it); false for another organisation's.
func CanRead(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID int64) (bool, error) {
	r, err := newReader(ctx, q, sc, p)
	if err != nil {
		return false, err
	}
	return r.reads(ctx, q, sc, docID)
}

func (r reader) reads(ctx context.Context, q db.Querier, sc scope.Scope, docID int64) (bool, error) {
	c, args := r.cond("d")
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents d WHERE d.org_id = ? AND d.id = ? AND `+c,
		append([]any{sc.OrgID, docID}, args...)...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("cannot check access to document %d: %w", docID, err)
	}
	return n > 0, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Permissions says what a principal may do with one document, for showing
// or hiding buttons; each step still checks for itself.
type Permissions struct {
	Edit    bool `json:"edit"`
	Review  bool `json:"review"`
	Approve bool `json:"approve"`
	Vote    bool `json:"vote"`
	Publish bool `json:"publish"`
	// Drafts: versions before publication are shown.
	Drafts bool `json:"drafts"`
}

// PermissionsOf works out a principal's permissions on documents (the
// same for every document they may read).
func PermissionsOf(p authz.Principal) Permissions {
	out := Permissions{
		Edit:    authz.CanSome(p, authz.EditDocuments),
		Review:  authz.CanSome(p, authz.ReviewDocuments),
		Approve: authz.CanSome(p, authz.ApproveDocuments),
		Vote:    authz.CanSome(p, authz.VoteDocuments),
		Publish: authz.CanSome(p, authz.PublishDocuments),
	}
	out.Drafts = out.Edit || out.Review || out.Approve || out.Vote
	return out
}
