package web

// One document's page: the version in effect, rendered with its clause
// anchors and a table of contents, the document's particulars, its
// versions, and the links to compare, print and export. Editors also see
// the draft in progress and may start one.

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// documentPolicyPanel is where the acknowledgement, review and exception
// pages (policy_ack.go, policy_exceptions.go) add to a document's page: set
// it (in an init function of those files) to gather what the template
// "document_policy_panel" (templates/_document_policy_panel.html) shows
// under the text — the 確認しました button and progress, the reviews and
// the exceptions. Its result is the page's .Data.Panel; while it is nil,
// .Data.Panel is nil and the template's default shows nothing.
var documentPolicyPanel func(s *Server, r *http.Request, d policy.Document, v policy.Version) (any, error)

// documentShowPage is one document's page. Document, Version (the version
// in effect; zero when none is) and Viewer/Principal are what the policy
// panel needs; the rest is this page's.
type documentShowPage struct {
	Document policy.Document
	Version  policy.Version
	// Viewer is the signed-in person; Principal their roles.
	Viewer    *httpx.Identity
	Principal authz.Principal
	Perm      policy.Permissions
	// Panel is documentPolicyPanel's result (nil when unset).
	Panel any

	InEffect  bool
	Body      template.HTML
	TOC       []documentClause
	Effective string // 和暦 or ISO as the reader prefers
	Approved  string

	Info     documentInfo
	Versions []documentVersionRow
	// Draft is the version in progress (editors only), nil when none.
	Draft *documentVersionRow
	// CompareURL compares the version in effect with the one before it,
	// or the draft with the version in effect.
	CompareURL  string
	CanNewDraft bool
	CanSettings bool
}

// documentInfo is the document's particulars in the reader's words.
type documentInfo struct {
	TypeKey       string
	VisibilityKey string
	Access        []string // the access list of a restricted document
	Owner         string
	ParentID      int64
	Parent        string
	ReviewMonths  int
	Implements    []documentClauseLink
	AckRequired   bool
	AckScope      []string
}

// documentClauseLink is a clause of another document.
type documentClauseLink struct {
	Label string
	URL   string
}

// documentVersionRow is one version in a list.
type documentVersionRow struct {
	V         policy.Version
	URL       string
	Effective string
	// CompareURL compares it with the version before it.
	CompareURL string
	Current    bool
}

// Badge is the class of the version's status badge.
func (v documentVersionRow) Badge() string { return documentStatusBadge(v.V.Status) }

func (s *Server) documentShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	d, err := policy.GetDocument(ctx, s.db, sc, p, docID)
	if err != nil {
		return err
	}
	page := documentShowPage{Document: d, Viewer: id, Principal: p, Perm: policy.PermissionsOf(p)}
	page.CanNewDraft = page.Perm.Edit
	page.CanSettings = page.Perm.Edit
	versions, err := policy.ListVersions(ctx, s.db, sc, p, d.ID)
	if err != nil {
		return err
	}
	page.Versions = s.documentVersionRows(r, d, versions)
	if d.CurrentVersionID != 0 {
		v, err := policy.GetVersion(ctx, s.db, sc, p, d.ID, d.CurrentVersionID)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return err
		default:
			page.Version, page.InEffect = v, true
			page.Body = documentBody(v)
			page.TOC = documentTOC(v.Clauses)
			page.Effective = s.documentDateText(r, v.EffectiveDate)
			page.Approved = s.approverName(lang, v)
		}
	}
	for i := range page.Versions {
		row := &page.Versions[i]
		switch row.V.Status {
		case policy.Draft, policy.InReview, policy.Approved:
			if page.Draft == nil {
				page.Draft = row
			}
		}
	}
	if page.Draft != nil {
		// One version may be in progress at a time.
		page.CanNewDraft = false
	}
	switch {
	case page.Draft != nil && page.InEffect:
		page.CompareURL = compareURL(d.ID, page.Version.ID, page.Draft.V.ID)
	case page.InEffect:
		for _, row := range page.Versions {
			if row.V.No < page.Version.No && (row.V.Status == policy.Superseded || row.V.Status == policy.Published) {
				page.CompareURL = compareURL(d.ID, row.V.ID, page.Version.ID)
				break
			}
		}
	}
	if page.Info, err = s.documentInfoOf(ctx, r, sc, p, lang, d); err != nil {
		return err
	}
	if documentPolicyPanel != nil {
		if page.Panel, err = documentPolicyPanel(s, r, d, page.Version); err != nil {
			return err
		}
	}
	return s.renderTitled(w, r, "document_show", documentTitle(d), page)
}

// documentVersionRows lists versions, newest first, each with a link to
// compare it with the one before.
func (s *Server) documentVersionRows(r *http.Request, d policy.Document, versions []policy.Version) []documentVersionRow {
	rows := make([]documentVersionRow, len(versions))
	for i, v := range versions {
		rows[i] = documentVersionRow{V: v, URL: versionURL(d.ID, v.ID), Effective: s.documentDateText(r, v.EffectiveDate),
			Current: v.ID == d.CurrentVersionID}
		if i+1 < len(versions) {
			rows[i].CompareURL = compareURL(d.ID, versions[i+1].ID, v.ID)
		}
	}
	return rows
}

// documentInfoOf puts a document's settings in the reader's words. Names
// of other documents come through package policy, so a parent or a
// standard the reader may not read is left out rather than named.
func (s *Server) documentInfoOf(ctx context.Context, r *http.Request, sc scope.Scope, p authz.Principal, lang string, d policy.Document) (documentInfo, error) {
	info := documentInfo{TypeKey: d.Type.Key(), VisibilityKey: d.Visibility.Key(),
		ParentID: d.ParentID, ReviewMonths: d.ReviewMonths, AckRequired: d.AckRequired}
	var people []int64
	if d.OwnerID != 0 {
		people = append(people, d.OwnerID)
	}
	for _, a := range d.Access {
		if a.Kind == policy.AccessPerson {
			if n, err := strconv.ParseInt(a.Ref, 10, 64); err == nil {
				people = append(people, n)
			}
		}
	}
	names := map[int64]string{}
	if len(people) > 0 {
		var err error
		if names, err = personNamesByID(ctx, s.db, sc, people); err != nil {
			return info, err
		}
	}
	info.Owner = names[d.OwnerID]
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return info, err
	}
	deptNames := departmentNames(depts)
	if d.Visibility == policy.Restricted {
		for _, a := range d.Access {
			info.Access = append(info.Access, s.documentAccessLabel(lang, a, deptNames, names))
		}
	}
	if d.ParentID != 0 {
		parent, err := policy.GetDocument(ctx, s.db, sc, p, d.ParentID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			info.ParentID = 0
		case err != nil:
			return info, err
		default:
			info.Parent = documentTitle(parent)
		}
	}
	others := map[int64]string{}
	for _, ref := range d.Implements {
		title, seen := others[ref.DocumentID]
		if !seen {
			o, err := policy.GetDocument(ctx, s.db, sc, p, ref.DocumentID)
			switch {
			case errors.Is(err, db.ErrNotFound):
			case err != nil:
				return info, err
			default:
				title = documentTitle(o)
			}
			others[ref.DocumentID] = title
		}
		if title == "" {
			continue
		}
		info.Implements = append(info.Implements, documentClauseLink{Label: s.cat.T(lang, "documentweb.clause_of", title, ref.Ident),
			URL: documentURL(ref.DocumentID) + "#c-" + ref.Ident})
	}
	if d.AckRequired {
		for _, c := range d.AckCategories {
			info.AckScope = append(info.AckScope, s.cat.T(lang, "staff_category."+c))
		}
		for _, dep := range d.AckDepartments {
			if n := deptNames[dep]; n != "" {
				info.AckScope = append(info.AckScope, n)
			}
		}
	}
	return info, nil
}

// documentAccessLabel names one entry of an access list.
func (s *Server) documentAccessLabel(lang string, a policy.Access, depts map[int64]string, people map[int64]string) string {
	n, _ := strconv.ParseInt(a.Ref, 10, 64)
	switch a.Kind {
	case policy.AccessRole:
		if s.cat.Has(lang, "role."+a.Ref) {
			return s.cat.T(lang, "documentweb.access_role", s.cat.T(lang, "role."+a.Ref))
		}
	case policy.AccessDepartment:
		if name := depts[n]; name != "" {
			return s.cat.T(lang, "documentweb.access_department", name)
		}
	case policy.AccessPerson:
		if name := people[n]; name != "" {
			return name
		}
	}
	return s.cat.T(lang, "trail.number", a.Ref)
}

// approverName is who approved a version: the CISO by name, or the
// committee as a body.
func (s *Server) approverName(lang string, v policy.Version) string {
	if v.ApproverName == "" && v.ApprovalKind == "committee" {
		return s.cat.T(lang, "documentweb.committee")
	}
	return v.ApproverName
}

func compareURL(docID, from, to int64) string {
	return documentURL(docID) + "/compare?from=" + strconv.FormatInt(from, 10) + "&to=" + strconv.FormatInt(to, 10)
}

func (s *Server) versionNew(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if _, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID); err != nil {
		return err
	}
	var v policy.Version
	err = s.transact(ctx, func(tx *db.Tx) error {
		var err error
		v, err = policy.NewDraft(ctx, tx, sc, id.Principal, docID)
		return err
	})
	if ref, ok := policy.AsRefusal(err); ok {
		s.recordRefusal(r, sc, err)
		s.setFlash(w, r, "error", ref.Key)
		http.Redirect(w, r, documentURL(docID), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return documentDenied(err, authz.EditDocuments)
	}
	return s.redirect(w, r, versionURL(docID, v.ID)+"/edit", "documentweb.draft_started")
}

// recordRefusal keeps a refusal by the life-cycle rules in the trail; a
// failure to do so is logged, and the person still sees why they were
// refused.
func (s *Server) recordRefusal(r *http.Request, sc scope.Scope, err error) {
	if rerr := policy.RecordRefusal(r.Context(), s.db, sc, err); rerr != nil {
		s.log.Error("cannot record refusal", "request_id", httpx.RequestID(r.Context()), "err", rerr)
	}
}
