package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// peoplePageSize is how many people one page of the list shows.
const peoplePageSize = 50

// peoplePage is the 職員等 list.
type peoplePage struct {
	Rows        []personRow
	Departments []deptOption
	Categories  []org.StaffCategory
	// The filter as given, shown again in the form.
	Q          string
	Department int64
	Category   string
	Status     string // active (default), inactive, all
	Filtered   bool
	NextURL    string
	FirstURL   string // set on later pages
	CanCreate  bool
	// SelfOnly is true for someone who may see only themself.
	SelfOnly bool
}

// personRow is one line of the list.
type personRow struct {
	Person     org.Person
	Department string
	Roles      []string
}

func (s *Server) people(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	q := r.URL.Query()
	page := peoplePage{
		Q:          strings.TrimSpace(q.Get("q")),
		Category:   q.Get("category"),
		Status:     q.Get("status"),
		Categories: org.StaffCategories,
		CanCreate:  authz.CanSome(id.Principal, authz.EditPeople),
	}
	if len([]rune(page.Q)) > 100 {
		page.Q = string([]rune(page.Q)[:100])
	}
	f := org.PersonFilter{Query: page.Q, Cursor: q.Get("cursor"), Limit: peoplePageSize}
	if v := q.Get("department"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return &httpx.BadRequest{Key: "error.bad_request", Err: err}
		}
		page.Department, f.DepartmentID = n, n
	}
	if page.Category != "" {
		if !slices.Contains(org.StaffCategories, org.StaffCategory(page.Category)) {
			return &httpx.BadRequest{Key: "error.bad_request"}
		}
		f.Category = org.StaffCategory(page.Category)
	}
	switch page.Status {
	case "", "active":
		page.Status = "active"
		t := true
		f.Active = &t
	case "inactive":
		t := false
		f.Active = &t
	case "all":
	default:
		return &httpx.BadRequest{Key: "error.bad_request"}
	}
	page.Filtered = page.Q != "" || page.Department != 0 || page.Category != "" || page.Status != "active"

	grant := authz.GrantFor(id.Principal, authz.ViewPeople)
	page.SelfOnly = !grant.All && len(grant.Departments) == 0
	list, err := org.ListPeople(ctx, s.db, sc, grant, id.Person.ID, f)
	var ve validate.Errors
	if errors.As(err, &ve) {
		// A cursor that was tampered with or outlived a change of order.
		return &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return err
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	names := departmentNames(depts)
	page.Departments = deptChoices(depts, names)
	roles, err := s.roleLabels(ctx, r, sc.OrgID, depts)
	if err != nil {
		return err
	}
	for _, p := range list.Items {
		page.Rows = append(page.Rows, personRow{Person: p, Department: names[p.DepartmentID], Roles: roles[p.ID]})
	}
	if list.NextCursor != "" {
		next := url.Values{}
		for k, v := range q {
			if k != "cursor" {
				next[k] = v
			}
		}
		next.Set("cursor", list.NextCursor)
		page.NextURL = "/people?" + next.Encode()
	}
	if f.Cursor != "" {
		first := url.Values{}
		for k, v := range q {
			if k != "cursor" {
				first[k] = v
			}
		}
		page.FirstURL = "/people"
		if len(first) > 0 {
			page.FirstURL += "?" + first.Encode()
		}
	}
	return s.render(w, r, "people", "person.title", page)
}

// departmentNames maps ids to names; a 課室 reads "部局 課室", as people
// name their place of work.
func departmentNames(depts []org.Department) map[int64]string {
	byID := make(map[int64]org.Department, len(depts))
	for _, d := range depts {
		byID[d.ID] = d
	}
	out := make(map[int64]string, len(depts))
	for _, d := range depts {
		name := d.Name
		if p, ok := byID[d.ParentID]; ok {
			name = p.Name + "　" + d.Name
		}
		out[d.ID] = name
	}
	return out
}

// roleLabels returns, per person, the roles they hold as the reader reads
// them ("情報セキュリティ責任者（総務部）"). Assignments are few (a handful
// per person at most), so one query for the organisation serves a page.
func (s *Server) roleLabels(ctx context.Context, r *http.Request, orgID int64, depts []org.Department) (map[int64][]string, error) {
	holders, err := org.ListHolders(ctx, s.db, httpx.Scope(r, orgID), "")
	if err != nil {
		return nil, err
	}
	names := departmentNames(depts)
	lang := s.lang(r)
	out := map[int64][]string{}
	for _, h := range holders {
		out[h.Assignment.PersonID] = append(out[h.Assignment.PersonID], s.assignmentLabel(lang, h.Assignment, names))
	}
	return out, nil
}

// assignmentLabel names a role with its scope.
func (s *Server) assignmentLabel(lang string, a org.RoleAssignment, deptNames map[int64]string) string {
	role := s.cat.T(lang, "role."+string(a.Role))
	switch a.ScopeKind {
	case authz.ScopeDepartment:
		return s.cat.T(lang, "people.role_in", role, deptNames[a.ScopeID])
	case authz.ScopeSystem:
		return s.cat.T(lang, "people.role_in", role, s.cat.T(lang, "people.system_no", a.ScopeID))
	}
	return role
}

// personFormPage is the new-person form.
type personFormPage struct {
	Departments       []deptOption // those the person may place someone in
	AllowNoDepartment bool
	Categories        []org.StaffCategory
}

// editableDepartments lists the departments where the principal may place
// or edit people, and whether "no department" is allowed (only for those
// who reach the whole organisation).
func editableDepartments(p authz.Principal, depts []org.Department) ([]org.Department, bool) {
	var out []org.Department
	for _, d := range depts {
		if authz.Can(p, authz.EditPeople, authz.Target{Departments: pathIn(depts, d.ID)}) {
			out = append(out, d)
		}
	}
	return out, authz.Can(p, authz.EditPeople, authz.Target{})
}

func (s *Server) personFormData(r *http.Request) (personFormPage, error) {
	id := httpx.IdentityFrom(r.Context())
	depts, err := org.ListDepartments(r.Context(), s.db, httpx.Scope(r, id.Org.ID))
	if err != nil {
		return personFormPage{}, err
	}
	page := personFormPage{Categories: org.StaffCategories}
	var editable []org.Department
	editable, page.AllowNoDepartment = editableDepartments(id.Principal, depts)
	page.Departments = deptChoices(editable, departmentNames(depts))
	return page, nil
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request) error {
	data, err := s.personFormData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "person_new", "person.new", data)
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	in, perr := personForm(r)
	var p org.Person
	err := perr.merge(in.Validate)
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			path, err := departmentReach(ctx, tx, sc, in.DepartmentID)
			if err != nil {
				return err
			}
			if !authz.Can(id.Principal, authz.EditPeople, authz.Target{Departments: path}) {
				return deniedError{authz.EditPeople}
			}
			p, err = org.CreatePerson(ctx, tx, sc, in)
			return err
		})
	}
	if err != nil {
		data, derr := s.personFormData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "person_new", "person.new", data, err)
	}
	return s.redirect(w, r, fmt.Sprintf("/people/%d", p.ID), "person.created")
}

// departmentReach returns the path of a department chosen in a form; one
// that does not exist is a field problem, not a refusal.
func departmentReach(ctx context.Context, q db.Querier, sc scope.Scope, deptID int64) ([]int64, error) {
	if deptID == 0 {
		return nil, nil
	}
	path, err := org.DepartmentPath(ctx, q, sc, deptID)
	if err != nil {
		return nil, err
	}
	if len(path) == 0 {
		return nil, validate.Errors{"department_id": {Key: "error.invalid_choice"}}
	}
	return path, nil
}

// personForm reads the person form.
func personForm(r *http.Request) (org.PersonInput, formProblems) {
	p := formProblems{}
	in := org.PersonInput{
		Name:          r.PostFormValue("name"),
		NameKana:      r.PostFormValue("name_kana"),
		Email:         r.PostFormValue("email"),
		Title:         r.PostFormValue("title"),
		StaffCategory: r.PostFormValue("staff_category"),
	}
	in.DepartmentID = p.id("department_id", r.PostFormValue("department_id"))
	return in, p
}

// personPage is one person: details, roles and sign-in account.
type personPage struct {
	Person         org.Person
	DepartmentName string
	IsSelf         bool

	CanEdit           bool
	Departments       []deptOption
	AllowNoDepartment bool
	Categories        []org.StaffCategory

	Assignments []assignmentRow
	CanAssign   bool
	OrgRoles    []authz.RoleInfo
	DeptRoles   []authz.RoleInfo
	SystemRoles []authz.RoleInfo
	Bureaus     []org.Department
	Sections    []deptOption // named with their 部局: "総務部　総務課"
	// AssignKind names the add-role form that was refused, so its errors
	// show beside its own fields.
	AssignKind string

	CanManage bool
	Account   *auth.Account
	// NewPassword is a generated password, shown once on the response to
	// the request that set it and never stored anywhere readable.
	NewPassword string
	CanTrail    bool
}

// deptOption is a department as a choice in a select, named with its
// 部局 so a 課室 reads as people say it: "総務部　総務課".
type deptOption struct {
	ID    int64
	Label string
}

func deptChoices(depts []org.Department, names map[int64]string) []deptOption {
	out := make([]deptOption, len(depts))
	for i, d := range depts {
		out[i] = deptOption{ID: d.ID, Label: names[d.ID]}
	}
	return out
}

// assignmentRow is one role the person holds.
type assignmentRow struct {
	ID    int64
	Role  string
	Scope string
}

func (s *Server) person(w http.ResponseWriter, r *http.Request) error {
	page, err := s.personData(r, authz.ViewPeople)
	if err != nil {
		return err
	}
	return s.render(w, r, "person", "person.detail", page)
}

// personTarget loads a person of the organisation and checks the action
// on them: another organisation's person is not found, one out of reach
// is a refusal the trail records.
func personTarget(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, pid int64, action authz.Action) (org.Person, []int64, error) {
	person, err := org.GetPerson(ctx, q, sc, pid)
	if err != nil {
		return person, nil, err
	}
	path, err := org.DepartmentPath(ctx, q, sc, person.DepartmentID)
	if err != nil {
		return person, nil, err
	}
	if !authz.Can(p, action, authz.Target{Departments: path, PersonID: person.ID}) {
		return person, path, deniedError{action}
	}
	return person, path, nil
}

// personData gathers the person page; action is what the request itself
// needs on this person.
func (s *Server) personData(r *http.Request, action authz.Action) (personPage, error) {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return personPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	person, path, err := personTarget(ctx, s.db, sc, id.Principal, pid, action)
	if err != nil {
		return personPage{}, err
	}
	if action != authz.ViewPeople && !authz.Can(id.Principal, authz.ViewPeople, authz.Target{Departments: path, PersonID: pid}) {
		return personPage{}, deniedError{authz.ViewPeople}
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return personPage{}, err
	}
	names := departmentNames(depts)
	target := authz.Target{Departments: path, PersonID: pid}
	page := personPage{
		Person:         person,
		DepartmentName: names[person.DepartmentID],
		IsSelf:         pid == id.Person.ID,
		CanEdit:        authz.Can(id.Principal, authz.EditPeople, target),
		Categories:     org.StaffCategories,
		CanAssign:      authz.Can(id.Principal, authz.AssignRoles, target),
		CanManage:      authz.Can(id.Principal, authz.ManageAccounts, target),
		CanTrail:       authz.CanSome(id.Principal, authz.ViewTrail),
	}
	var editable []org.Department
	editable, page.AllowNoDepartment = editableDepartments(id.Principal, depts)
	page.Departments = deptChoices(editable, names)
	as, err := org.ListAssignments(ctx, s.db, sc, pid)
	if err != nil {
		return personPage{}, err
	}
	lang := s.lang(r)
	for _, a := range as {
		row := assignmentRow{ID: a.ID, Role: s.cat.T(lang, "role."+string(a.Role)), Scope: s.cat.T(lang, "scope."+string(a.ScopeKind))}
		switch a.ScopeKind {
		case authz.ScopeDepartment:
			row.Scope = names[a.ScopeID]
		case authz.ScopeSystem:
			row.Scope = s.cat.T(lang, "people.system_no", a.ScopeID)
		}
		page.Assignments = append(page.Assignments, row)
	}
	for _, ri := range authz.Catalogue {
		switch {
		case ri.Code == authz.Staff:
		case ri.Scope == authz.ScopeOrg:
			page.OrgRoles = append(page.OrgRoles, ri)
		case ri.Scope == authz.ScopeDepartment:
			page.DeptRoles = append(page.DeptRoles, ri)
		case ri.Scope == authz.ScopeSystem:
			page.SystemRoles = append(page.SystemRoles, ri)
		}
	}
	for _, d := range depts {
		if d.Kind == org.Bureau {
			page.Bureaus = append(page.Bureaus, d)
		} else {
			page.Sections = append(page.Sections, deptOption{ID: d.ID, Label: names[d.ID]})
		}
	}
	if page.CanManage || page.IsSelf {
		a, err := auth.GetAccount(ctx, s.db, id.Org.ID, pid)
		switch {
		case err == nil:
			page.Account = &a
		case !errors.Is(err, db.ErrNotFound):
			return personPage{}, err
		}
	}
	return page, nil
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	in, perr := personForm(r)
	err = perr.merge(in.Validate)
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.EditPeople); err != nil {
				return err
			}
			// Moving someone needs reach over where they go as well as
			// where they are.
			path, err := departmentReach(ctx, tx, sc, in.DepartmentID)
			if err != nil {
				return err
			}
			if !authz.Can(id.Principal, authz.EditPeople, authz.Target{Departments: path}) {
				return deniedError{authz.EditPeople}
			}
			_, err = org.UpdatePerson(ctx, tx, sc, pid, in)
			return err
		})
	}
	if err != nil {
		return s.personFormFailed(w, r, err, "")
	}
	return s.redirect(w, r, fmt.Sprintf("/people/%d", pid), "person.updated")
}

// personFormFailed shows the person page again with a form's problems, or
// returns err when it is not a problem with the input.
func (s *Server) personFormFailed(w http.ResponseWriter, r *http.Request, err error, assignKind string) error {
	if _, ok := s.fieldErrors(r, err); !ok {
		return err
	}
	page, derr := s.personData(r, authz.ViewPeople)
	if derr != nil {
		return derr
	}
	page.AssignKind = assignKind
	return s.renderForm(w, r, "person", "person.detail", page, err)
}

func (s *Server) roleAssign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	kind := r.PostFormValue("kind")
	switch kind {
	case string(authz.ScopeOrg), string(authz.ScopeDepartment), string(authz.ScopeSystem):
	default:
		kind = string(authz.ScopeOrg)
	}
	p := formProblems{}
	in := org.AssignmentInput{Role: r.PostFormValue("role")}
	in.ScopeID = p.id("scope_id", r.PostFormValue("scope_id"))
	if in.Role == "" {
		validate.Errors(p).Add("role", "error.required_choice")
	}
	err = validate.Errors(p).Err()
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.AssignRoles); err != nil {
				return err
			}
			_, err := org.Assign(ctx, tx, sc, pid, in)
			return err
		})
	}
	if err != nil {
		return s.personFormFailed(w, r, err, kind)
	}
	return s.redirect(w, r, fmt.Sprintf("/people/%d#roles", pid), "roles.assigned")
}

func (s *Server) roleUnassign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	aid, err := mustID(r, "aid")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lastAdmin := false
	err = s.transact(ctx, func(tx *db.Tx) error {
		if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.AssignRoles); err != nil {
			return err
		}
		as, err := org.ListAssignments(ctx, tx, sc, pid)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(as, func(a org.RoleAssignment) bool { return a.ID == aid })
		if i < 0 {
			return fmt.Errorf("role assignment %d of person %d: %w", aid, pid, db.ErrNotFound)
		}
		if as[i].Role == authz.Admin {
			// Without an administrator nobody can manage accounts or
			// settings any more; keep at least one.
			holders, err := org.ListHolders(ctx, tx, sc, authz.Admin)
			if err != nil {
				return err
			}
			if len(holders) <= 1 {
				lastAdmin = true
				return nil
			}
		}
		return org.Unassign(ctx, tx, sc, aid)
	})
	if err != nil {
		return err
	}
	if lastAdmin {
		s.setFlash(w, r, "error", "roles.last_admin")
		http.Redirect(w, r, fmt.Sprintf("/people/%d#roles", pid), http.StatusSeeOther)
		return nil
	}
	return s.redirect(w, r, fmt.Sprintf("/people/%d#roles", pid), "roles.unassigned")
}
