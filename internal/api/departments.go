package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// departments lists the 部局 and 課室 in tree order (each 部局 followed by
// its 課室). Departments are few, so the page is cut from the whole tree;
// the cursor is the id of the last department of the previous page.
func (s *Server) departments(w http.ResponseWriter, r *http.Request) error {
	_, sc := scopeOf(r)
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 100)
	if err != nil {
		return err
	}
	all, err := org.ListDepartments(r.Context(), s.db, sc)
	if err != nil {
		return err
	}
	if q != "" {
		q = strings.ToLower(q)
		all = slices.DeleteFunc(all, func(d org.Department) bool {
			return !strings.Contains(strings.ToLower(d.Name), q) && !strings.Contains(strings.ToLower(d.Code), q)
		})
	}
	start := 0
	if cursor != "" {
		id, ok := parseID(cursor)
		i := slices.IndexFunc(all, func(d org.Department) bool { return d.ID == id })
		if !ok || i < 0 {
			return invalidQuery("cursor", "error.invalid_cursor")
		}
		start = i + 1
	}
	page := all[start:]
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = strconv.FormatInt(page[limit-1].ID, 10)
	}
	return s.respond(w, r, http.StatusOK, newList(page, next))
}

// department returns one department.
func (s *Server) department(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	depID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := org.GetDepartment(r.Context(), s.db, sc, depID)
	if err != nil {
		return err
	}
	if err := s.checkDepartment(r.Context(), s.db, sc, id.Principal, authz.ViewDepartments, d.ID); err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, d)
}

// departmentCreate adds a 部局 (no parent_id) or a 課室 (under a 部局).
func (s *Server) departmentCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in org.DepartmentInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var d org.Department
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		// A new department sits under its parent, so the parent is what
		// a department-wide grant must reach.
		if err := s.checkDepartment(ctx, tx, sc, id.Principal, authz.EditDepartments, in.ParentID); err != nil {
			return err
		}
		var err error
		d, err = org.CreateDepartment(ctx, tx, sc, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, d)
}

// departmentUpdate changes a department. Fields missing from the body keep
// their values, so the full object and a single field both work.
func (s *Server) departmentUpdate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	depID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var d org.Department
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := org.GetDepartment(ctx, tx, sc, depID)
		if err != nil {
			return err
		}
		if err := s.checkDepartment(ctx, tx, sc, id.Principal, authz.EditDepartments, before.ID); err != nil {
			return err
		}
		in := org.DepartmentInput{ParentID: before.ParentID, Code: before.Code, Name: before.Name, SortOrder: before.SortOrder}
		if err := decodeBody(body, &in); err != nil {
			return err
		}
		if in.ParentID != before.ParentID {
			if err := s.checkDepartment(ctx, tx, sc, id.Principal, authz.EditDepartments, in.ParentID); err != nil {
				return err
			}
		}
		d, err = org.UpdateDepartment(ctx, tx, sc, depID, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, d)
}

// departmentDelete removes a department nobody belongs to any more.
func (s *Server) departmentDelete(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	depID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := org.GetDepartment(ctx, tx, sc, depID); err != nil {
			return err
		}
		if err := s.checkDepartment(ctx, tx, sc, id.Principal, authz.EditDepartments, depID); err != nil {
			return err
		}
		return org.DeleteDepartment(ctx, tx, sc, depID)
	})
	if errors.Is(err, org.ErrInUse) {
		return &apiError{status: http.StatusConflict, code: "conflict", key: "department.not_empty", err: err}
	}
	if err != nil {
		return err
	}
	return noContent(w)
}

// checkDepartment applies a per-record check to a department of the
// caller's organisation (0: the organisation itself, which only an
// organisation-wide grant reaches).
func (s *Server) checkDepartment(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, a authz.Action, depID int64) error {
	path, err := org.DepartmentPath(ctx, q, sc, depID)
	if err != nil {
		return err
	}
	if !authz.Can(p, a, authz.Target{Departments: path}) {
		return denied(a)
	}
	return nil
}
