package web

// A document's settings (not its text): title and number, where it sits
// (its parent), who may read it — public, all staff, or restricted to an
// access list of roles, departments and people — who answers for its
// review and how often, who is asked to acknowledge it (§5), and for a
// procedure the standard clauses it implements.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// documentPeopleLimit bounds the people a select offers.
const documentPeopleLimit = 500

// documentSettingsPage is the settings form.
type documentSettingsPage struct {
	Document     policy.Document
	Visibilities []string
	Parents      []documentOption
	Roles        []documentChoice
	Departments  []documentChoice
	// AccessPeople are the people on the access list (checked), People
	// every active person, for the owner and for adding one to the list.
	AccessPeople  []documentChoice
	People        []documentOption
	PeopleCapped  bool
	Owner         string // the owner's id as the select holds it
	Categories    []documentChoice
	AckDepts      []documentChoice
	AckRequired   bool
	Visibility    string
	ReviewMonths  string
	IsProcedure   bool
	Standards     []documentStandard
	Problems      []documentProblem
	ImplementsSet int
}

// documentChoice is one checkbox.
type documentChoice struct {
	Value   string
	Label   string
	Checked bool
}

// documentStandard is a standard whose clauses a procedure may implement.
type documentStandard struct {
	Title   string
	Clauses []documentChoice
	Open    bool // one of its clauses is chosen
}

// documentSettingsFields are the form's fields in the order it asks them.
var documentSettingsFields = []string{"title", "number", "parent_id", "visibility", "access", "owner_id", "review_months",
	"ack_categories", "ack_departments", "implements"}

func (s *Server) documentSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	d, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	page, err := s.documentSettingsData(r, d, nil, nil)
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "document_settings", s.cat.T(s.lang(r), "documentweb.settings_title_of", documentTitle(d)), page)
}

// documentSettingsInput reads the form. The type does not change here.
func documentSettingsInput(r *http.Request, d policy.Document, pr formProblems) policy.DocumentInput {
	f := r.PostForm
	in := policy.DocumentInput{
		Type:        string(d.Type),
		Number:      f.Get("number"),
		Title:       f.Get("title"),
		Visibility:  f.Get("visibility"),
		AckRequired: f.Get("ack_required") != "",
	}
	in.ParentID = pr.id("parent_id", f.Get("parent_id"))
	in.OwnerID = pr.id("owner_id", f.Get("owner_id"))
	in.ReviewMonths = int(pr.int("review_months", f.Get("review_months"), 12))
	in.Version = pr.int("lock_version", f.Get("lock_version"), 0)
	for _, v := range f["access_role"] {
		in.Access = append(in.Access, policy.Access{Kind: policy.AccessRole, Ref: v})
	}
	for _, v := range f["access_department"] {
		in.Access = append(in.Access, policy.Access{Kind: policy.AccessDepartment, Ref: v})
	}
	people := slices.Clone(f["access_person"])
	if add := strings.TrimSpace(f.Get("access_person_add")); add != "" && !slices.Contains(people, add) {
		people = append(people, add)
	}
	for _, v := range people {
		in.Access = append(in.Access, policy.Access{Kind: policy.AccessPerson, Ref: v})
	}
	in.AckCategories = append(in.AckCategories, f["ack_categories"]...)
	for _, v := range f["ack_departments"] {
		if n := pr.id("ack_departments", v); n > 0 {
			in.AckDepartments = append(in.AckDepartments, n)
		}
	}
	for _, v := range f["implements"] {
		doc, ident, ok := strings.Cut(v, ":")
		n, err := strconv.ParseInt(doc, 10, 64)
		if !ok || err != nil || n <= 0 || ident == "" {
			validate.Errors(pr).Add("implements", "error.invalid_choice")
			continue
		}
		in.Implements = append(in.Implements, policy.ClauseRef{DocumentID: n, Ident: ident})
	}
	return in
}

func (s *Server) documentSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	d, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	pr := formProblems{}
	in := documentSettingsInput(r, d, pr)
	err = pr.merge(func() error { return nil })
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			_, err := policy.UpdateDocument(ctx, tx, sc, id.Principal, docID, in)
			return err
		})
	}
	if err == nil {
		return s.redirect(w, r, documentURL(docID), "documentweb.settings_saved")
	}
	conflict := false
	if _, ok := policy.AsRefusal(err); !ok && errors.Is(err, db.ErrConflict) {
		conflict = true
	}
	errs, ok := s.fieldErrors(r, err)
	if !ok && !conflict {
		return documentDenied(err, authz.EditDocuments)
	}
	if conflict {
		errs = map[string]string{"lock_version": s.cat.T(s.lang(r), "documentweb.settings_conflict")}
	}
	page, derr := s.documentSettingsData(r, d, &in, errs)
	if derr != nil {
		return derr
	}
	p := s.newPage(r, "", page)
	p.Title = s.cat.T(s.lang(r), "documentweb.settings_title_of", documentTitle(d))
	p.Errors = errs
	p.Form = r.PostForm
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "error.invalid_input")}
	status := http.StatusBadRequest
	if conflict {
		status = http.StatusConflict
	}
	return s.renderPage(w, r, status, "document_settings", p)
}

// documentSettingsData gathers the form's choices, checked as typed (in)
// or as stored.
func (s *Server) documentSettingsData(r *http.Request, d policy.Document, in *policy.DocumentInput, errs map[string]string) (documentSettingsPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	cur := policy.DocumentInput{Visibility: string(d.Visibility), Access: d.Access, OwnerID: d.OwnerID, ReviewMonths: d.ReviewMonths,
		AckRequired: d.AckRequired, AckCategories: d.AckCategories, AckDepartments: d.AckDepartments, Implements: d.Implements}
	months := strconv.Itoa(d.ReviewMonths)
	if in != nil {
		cur = *in
		months = r.PostFormValue("review_months")
	}
	page := documentSettingsPage{Document: d, Visibility: cur.Visibility, ReviewMonths: months, AckRequired: cur.AckRequired,
		IsProcedure: d.Type == policy.Procedure}
	if cur.OwnerID != 0 {
		page.Owner = strconv.FormatInt(cur.OwnerID, 10)
	}
	for _, v := range policy.Visibilities {
		page.Visibilities = append(page.Visibilities, string(v))
	}
	var err error
	if page.Parents, err = s.documentOptions(ctx, sc, p, d.ID); err != nil {
		return page, err
	}
	has := func(kind policy.AccessKind, ref string) bool {
		return slices.Contains(cur.Access, policy.Access{Kind: kind, Ref: ref})
	}
	for _, ri := range authz.Catalogue {
		if ri.Code == authz.Staff {
			continue // everyone: that is the visibility "staff"
		}
		page.Roles = append(page.Roles, documentChoice{Value: string(ri.Code), Label: s.cat.T(lang, "role."+string(ri.Code)),
			Checked: has(policy.AccessRole, string(ri.Code))})
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return page, err
	}
	names := departmentNames(depts)
	for _, dep := range depts {
		ref := strconv.FormatInt(dep.ID, 10)
		page.Departments = append(page.Departments, documentChoice{Value: ref, Label: names[dep.ID], Checked: has(policy.AccessDepartment, ref)})
		page.AckDepts = append(page.AckDepts, documentChoice{Value: ref, Label: names[dep.ID], Checked: slices.Contains(cur.AckDepartments, dep.ID)})
	}
	for _, c := range org.StaffCategories {
		page.Categories = append(page.Categories, documentChoice{Value: string(c), Label: s.cat.T(lang, "staff_category."+string(c)),
			Checked: slices.Contains(cur.AckCategories, string(c))})
	}
	if page.People, page.PeopleCapped, err = s.documentPeople(ctx, sc, p, names); err != nil {
		return page, err
	}
	var listed []int64
	for _, a := range cur.Access {
		if a.Kind != policy.AccessPerson {
			continue
		}
		if n, err := strconv.ParseInt(a.Ref, 10, 64); err == nil {
			listed = append(listed, n)
		}
	}
	if len(listed) > 0 {
		pn, err := personNamesByID(ctx, s.db, sc, listed)
		if err != nil {
			return page, err
		}
		for _, n := range listed {
			label := pn[n]
			if label == "" {
				label = s.cat.T(lang, "trail.number", n)
			}
			page.AccessPeople = append(page.AccessPeople, documentChoice{Value: strconv.FormatInt(n, 10), Label: label, Checked: true})
		}
	}
	if page.IsProcedure {
		if page.Standards, err = s.documentStandards(ctx, sc, p, lang, cur.Implements); err != nil {
			return page, err
		}
		page.ImplementsSet = len(cur.Implements)
	}
	page.Problems = s.documentProblems(r, documentSettingsFields, "documentweb.field.", errs)
	return page, nil
}

// documentPeople lists the active people the person may see, for the
// owner select and the access list, named with their department.
func (s *Server) documentPeople(ctx context.Context, sc scope.Scope, p authz.Principal, depts map[int64]string) ([]documentOption, bool, error) {
	active := true
	list, err := org.ListPeople(ctx, s.db, sc, authz.GrantFor(p, authz.ViewPeople), p.PersonID,
		org.PersonFilter{Active: &active, Limit: documentPeopleLimit})
	if err != nil {
		return nil, false, err
	}
	out := make([]documentOption, 0, len(list.Items))
	for _, x := range list.Items {
		label := x.Name
		if dep := depts[x.DepartmentID]; dep != "" {
			label = fmt.Sprintf("%s（%s）", x.Name, dep)
		}
		out = append(out, documentOption{ID: x.ID, Label: label})
	}
	return out, list.NextCursor != "", nil
}

// documentStandards lists the standards in effect with their clauses, for
// a procedure to name those it implements.
func (s *Server) documentStandards(ctx context.Context, sc scope.Scope, p authz.Principal, lang string, chosen []policy.ClauseRef) ([]documentStandard, error) {
	var out []documentStandard
	cursor := ""
	for range 10 {
		list, err := policy.ListDocuments(ctx, s.db, sc, p, policy.ListFilter{Type: policy.Standard, Cursor: cursor, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, it := range list.Items {
			if it.CurrentVersionID == 0 {
				continue
			}
			v, err := policy.GetVersion(ctx, s.db, sc, p, it.ID, it.CurrentVersionID)
			if errors.Is(err, db.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			st := documentStandard{Title: documentTitle(it.Document)}
			for _, c := range v.Clauses {
				ref := policy.ClauseRef{DocumentID: it.ID, Ident: c.Ident}
				ch := documentChoice{Value: fmt.Sprintf("%d:%s", it.ID, c.Ident), Label: s.clauseName(lang, c.Ident, clauseLabel(c)),
					Checked: slices.Contains(chosen, ref)}
				st.Open = st.Open || ch.Checked
				st.Clauses = append(st.Clauses, ch)
			}
			out = append(out, st)
		}
		if list.NextCursor == "" {
			break
		}
		cursor = list.NextCursor
	}
	return out, nil
}
