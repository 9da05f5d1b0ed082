package api

import (
	"context"
	"net/http"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// people lists the people the caller may see: everyone for an
// organisation-wide role, a 部局 or 課室 and those below it for a
// department-wide one, and always the caller themself.
func (s *Server) people(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	f := org.PersonFilter{Cursor: cursor, Limit: limit}
	if f.Query, err = queryText(r, "q", 100); err != nil {
		return err
	}
	if f.DepartmentID, err = queryID(r, "department_id"); err != nil {
		return err
	}
	if v := r.URL.Query().Get("staff_category"); v != "" {
		e := validate.Errors{}
		cats := make([]string, len(org.StaffCategories))
		for i, c := range org.StaffCategories {
			cats[i] = string(c)
		}
		e.Choice("staff_category", v, false, cats...)
		if err := e.Err(); err != nil {
			return err
		}
		f.Category = org.StaffCategory(v)
	}
	if v := r.URL.Query().Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return invalidQuery("active", "error.invalid_choice")
		}
		f.Active = &b
	}
	g := authz.GrantFor(id.Principal, authz.ViewPeople)
	page, err := org.ListPeople(r.Context(), s.db, sc, g, id.Person.ID, f)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(page.Items, page.NextCursor))
}

// person returns one person the caller may see.
func (s *Server) person(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadPerson(r.Context(), s.db, r, authz.ViewPeople)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, p)
}

// personCreate adds a person (without a sign-in account) in a department
// the caller's grant reaches.
func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in org.PersonInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	ctx := r.Context()
	var p org.Person
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := s.checkPersonDepartment(ctx, tx, sc, id.Principal, authz.EditPeople, in.DepartmentID); err != nil {
			return err
		}
		var err error
		p, err = org.CreatePerson(ctx, tx, sc, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, p)
}

// personUpdate changes a person's details. Fields missing from the body
// keep their values. Moving a person needs the grant to reach both the
// department they leave and the one they join.
func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var p org.Person
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := s.loadPerson(ctx, tx, r, authz.EditPeople)
		if err != nil {
			return err
		}
		in := org.PersonInput{Name: before.Name, NameKana: before.NameKana, Email: before.Email, Title: before.Title,
			DepartmentID: before.DepartmentID, StaffCategory: string(before.StaffCategory)}
		if err := decodeBody(body, &in); err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if in.DepartmentID != before.DepartmentID {
			if err := s.checkPersonDepartment(ctx, tx, sc, id.Principal, authz.EditPeople, in.DepartmentID); err != nil {
				return err
			}
		}
		p, err = org.UpdatePerson(ctx, tx, sc, before.ID, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, p)
}

func (s *Server) personDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, false)
}

func (s *Server) personEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, true)
}

// setActive enables or disables a person. Disabling ends their sessions and
// revokes their API tokens in the same transaction. Nobody disables
// themself: the last administrator could lock everyone out.
func (s *Server) setActive(w http.ResponseWriter, r *http.Request, active bool) error {
	id, sc := scopeOf(r)
	ctx := r.Context()
	var p org.Person
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := s.loadPerson(ctx, tx, r, authz.ManageAccounts)
		if err != nil {
			return err
		}
		if !active && before.ID == id.Person.ID {
			return &apiError{status: http.StatusConflict, code: "conflict", key: "api.cannot_disable_self"}
		}
		p, err = org.SetActive(ctx, tx, sc, before.ID, active)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, p)
}

// loadPerson reads the person named by the path's {id} and checks that the
// caller may perform the action on them: a record of another organisation
// is not found, one out of the caller's reach is forbidden.
func (s *Server) loadPerson(ctx context.Context, q db.Querier, r *http.Request, a authz.Action) (org.Person, error) {
	id, sc := scopeOf(r)
	personID, err := pathID(r, "id")
	if err != nil {
		return org.Person{}, err
	}
	p, err := org.GetPerson(ctx, q, sc, personID)
	if err != nil {
		return p, err
	}
	path, err := org.DepartmentPath(ctx, q, sc, p.DepartmentID)
	if err != nil {
		return p, err
	}
	if !authz.Can(id.Principal, a, authz.Target{Departments: path, PersonID: p.ID}) {
		return p, denied(a)
	}
	return p, nil
}

// checkPersonDepartment checks that the caller may place a person in a
// department. A department that does not exist in the organisation is a
// field error, as the domain would report it.
func (s *Server) checkPersonDepartment(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a authz.Action, depID int64) error {
	path, err := org.DepartmentPath(ctx, q, sc, depID)
	if err != nil {
		return err
	}
	if depID != 0 && len(path) == 0 {
		return validate.Errors{"department_id": {Key: "error.invalid_choice"}}
	}
	if !authz.Can(p, a, authz.Target{Departments: path}) {
		return denied(a)
	}
	return nil
}
