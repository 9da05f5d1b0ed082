package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/validate"
)

// departmentsPage is the 部局・課室 list with its add form.
type departmentsPage struct {
	Departments  []org.Department
	Bureaus      []org.Department // choices for the parent of a new 課室
	CanEdit      bool
	CanSeePeople bool
}

// departmentEditPage is one department's edit form.
type departmentEditPage struct {
	Department  org.Department
	Bureaus     []org.Department // other 部局 it may move under
	HasSections bool
	ParentName  string
}

func (s *Server) departments(w http.ResponseWriter, r *http.Request) error {
	data, err := s.departmentsData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "departments", "department.title", data)
}

func (s *Server) departmentsData(r *http.Request) (departmentsPage, error) {
	id := httpx.IdentityFrom(r.Context())
	depts, err := org.ListDepartments(r.Context(), s.db, httpx.Scope(r, id.Org.ID))
	if err != nil {
		return departmentsPage{}, err
	}
	return departmentsPage{
		Departments:  depts,
		Bureaus:      bureausOf(depts, 0),
		CanEdit:      authz.CanSome(id.Principal, authz.EditDepartments),
		CanSeePeople: authz.GrantFor(id.Principal, authz.ViewPeople).All,
	}, nil
}

func (s *Server) departmentCreate(w http.ResponseWriter, r *http.Request) error {
	id := httpx.IdentityFrom(r.Context())
	in, perr := departmentForm(r)
	err := perr.merge(in.Validate)
	if err == nil {
		err = s.transact(r.Context(), func(tx *db.Tx) error {
			_, err := org.CreateDepartment(r.Context(), tx, httpx.Scope(r, id.Org.ID), in)
			return err
		})
	}
	if err != nil {
		data, derr := s.departmentsData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "departments", "department.title", data, err)
	}
	return s.redirect(w, r, "/departments", "department.created")
}

func (s *Server) departmentEdit(w http.ResponseWriter, r *http.Request) error {
	data, err := s.departmentEditData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "department_edit", "department.edit", data)
}

func (s *Server) departmentEditData(r *http.Request) (departmentEditPage, error) {
	did, err := mustID(r, "id")
	if err != nil {
		return departmentEditPage{}, err
	}
	id := httpx.IdentityFrom(r.Context())
	sc := httpx.Scope(r, id.Org.ID)
	d, err := org.GetDepartment(r.Context(), s.db, sc, did)
	if err != nil {
		return departmentEditPage{}, err
	}
	depts, err := org.ListDepartments(r.Context(), s.db, sc)
	if err != nil {
		return departmentEditPage{}, err
	}
	page := departmentEditPage{Department: d, Bureaus: bureausOf(depts, d.ID)}
	for _, x := range depts {
		if x.ParentID == d.ID {
			page.HasSections = true
		}
		if x.ID == d.ParentID {
			page.ParentName = x.Name
		}
	}
	return page, nil
}

func (s *Server) departmentUpdate(w http.ResponseWriter, r *http.Request) error {
	did, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(r.Context())
	in, perr := departmentForm(r)
	err = perr.merge(in.Validate)
	if err == nil {
		err = s.transact(r.Context(), func(tx *db.Tx) error {
			_, err := org.UpdateDepartment(r.Context(), tx, httpx.Scope(r, id.Org.ID), did, in)
			return err
		})
	}
	if err != nil {
		data, derr := s.departmentEditData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "department_edit", "department.edit", data, err)
	}
	return s.redirect(w, r, "/departments", "department.updated")
}

func (s *Server) departmentDelete(w http.ResponseWriter, r *http.Request) error {
	did, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(r.Context())
	err = s.transact(r.Context(), func(tx *db.Tx) error {
		return org.DeleteDepartment(r.Context(), tx, httpx.Scope(r, id.Org.ID), did)
	})
	if errors.Is(err, org.ErrInUse) {
		// Not a failure of the system: tell the person why and what to do.
		s.setFlash(w, r, "error", "department.not_empty")
		http.Redirect(w, r, fmt.Sprintf("/departments/%d", did), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/departments", "department.deleted")
}

// departmentForm reads the department form. Numbers that are not numbers
// become field problems of their own, reported with the domain's checks.
func departmentForm(r *http.Request) (org.DepartmentInput, formProblems) {
	p := formProblems{}
	in := org.DepartmentInput{
		Name: r.PostFormValue("name"),
		Code: r.PostFormValue("code"),
	}
	in.ParentID = p.id("parent_id", r.PostFormValue("parent_id"))
	in.SortOrder = int(p.int("sort_order", r.PostFormValue("sort_order"), 0))
	return in, p
}

// bureausOf lists the 部局, leaving out one (the department being edited,
// which cannot be its own parent).
func bureausOf(depts []org.Department, except int64) []org.Department {
	var out []org.Department
	for _, d := range depts {
		if d.Kind == org.Bureau && d.ID != except {
			out = append(out, d)
		}
	}
	return out
}

// pathIn is org.DepartmentPath worked out from an already loaded tree:
// the department and its ancestors, nearest first.
func pathIn(depts []org.Department, id int64) []int64 {
	if id == 0 {
		return nil
	}
	parent := make(map[int64]int64, len(depts))
	for _, d := range depts {
		parent[d.ID] = d.ParentID
	}
	var out []int64
	for cur := id; cur != 0 && len(out) < 20; cur = parent[cur] {
		if _, ok := parent[cur]; !ok {
			break
		}
		out = append(out, cur)
	}
	return out
}

// formProblems collects problems found while reading form values, before
// the domain's own validation runs.
type formProblems validate.Errors

// merge runs the domain validation too, so the person sees every problem at
// once, and returns them together (nil when there are none).
func (p formProblems) merge(check func() error) error {
	err := check()
	if len(p) == 0 {
		return err
	}
	all := validate.Errors(p)
	var ve validate.Errors
	if errors.As(err, &ve) {
		for f, prob := range ve {
			all.Add(f, prob.Key, prob.Args...)
		}
	} else if err != nil {
		return err
	}
	return all
}

// int reads a whole number; empty means the fallback.
func (p formProblems) int(field, v string, fallback int64) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return fallback
	}
	n, err := strconv.ParseInt(toHalfWidthDigits(v), 10, 64)
	if err != nil {
		validate.Errors(p).Add(field, "error.invalid_number")
		return fallback
	}
	return n
}

// id reads an optional record id from a select; empty or "0" means none.
func (p formProblems) id(field, v string) int64 {
	n := p.int(field, v, 0)
	if n < 0 {
		validate.Errors(p).Add(field, "error.invalid_choice")
		return 0
	}
	return n
}

// toHalfWidthDigits reads full-width digits (typed with a Japanese input
// method switched on) as ASCII.
func toHalfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '－':
			return '-'
		}
		return r
	}, s)
}
