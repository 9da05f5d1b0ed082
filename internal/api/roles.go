package api

import (
	"fmt"
	"net/http"
	"slices"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
)

// roleView is one entry of the role catalogue.
type roleView struct {
	Code        authz.Role      `json:"code"`
	NameJA      string          `json:"name_ja"`
	NameEN      string          `json:"name_en"`
	ScopeKind   authz.ScopeKind `json:"scope_kind"`
	MFARequired bool            `json:"mfa_required"`
}

// roles returns the role catalogue in display order, in one page.
func (s *Server) roles(w http.ResponseWriter, r *http.Request) error {
	out := make([]roleView, 0, len(authz.Catalogue))
	for _, ri := range authz.Catalogue {
		out = append(out, roleView{Code: ri.Code, NameJA: ri.NameJA, NameEN: ri.NameEN, ScopeKind: ri.Scope, MFARequired: ri.MFARequired})
	}
	return s.respond(w, r, http.StatusOK, newList(out, ""))
}

// personRoles lists the roles a person holds; seeing them is part of
// seeing the person.
func (s *Server) personRoles(w http.ResponseWriter, r *http.Request) error {
	_, sc := scopeOf(r)
	p, err := s.loadPerson(r.Context(), s.db, r, authz.ViewPeople)
	if err != nil {
		return err
	}
	as, err := org.ListAssignments(r.Context(), s.db, sc, p.ID)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(as, ""))
}

// roleAssign gives a person a role, e.g. {"role":"security_officer","scope_id":"12"}.
func (s *Server) roleAssign(w http.ResponseWriter, r *http.Request) error {
	_, sc := scopeOf(r)
	var in org.AssignmentInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var a org.RoleAssignment
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.loadPerson(ctx, tx, r, authz.AssignRoles)
		if err != nil {
			return err
		}
		a, err = org.Assign(ctx, tx, sc, p.ID, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, a)
}

// roleUnassign removes one of the person's role assignments.
func (s *Server) roleUnassign(w http.ResponseWriter, r *http.Request) error {
	_, sc := scopeOf(r)
	aid, err := pathID(r, "assignment_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.loadPerson(ctx, tx, r, authz.AssignRoles)
		if err != nil {
			return err
		}
		as, err := org.ListAssignments(ctx, tx, sc, p.ID)
		if err != nil {
			return err
		}
		// The assignment must be this person's: another id in the path is
		// simply not found here.
		if !slices.ContainsFunc(as, func(a org.RoleAssignment) bool { return a.ID == aid }) {
			return fmt.Errorf("role assignment %d of person %d: %w", aid, p.ID, db.ErrNotFound)
		}
		return org.Unassign(ctx, tx, sc, aid)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

// meView is the caller: their person record, the roles they hold and the
// permissions those give.
type meView struct {
	org.Person
	Organisation orgRef               `json:"organisation"`
	Roles        []org.RoleAssignment `json:"roles"`
	// Permissions are the actions the caller may perform somewhere
	// (authz.CanSome); per-record checks still apply.
	Permissions []authz.Action `json:"permissions"`
}

type orgRef struct {
	ID   int64  `json:"id,string"`
	Name string `json:"name"`
}

// me returns the person behind the token.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	as, err := org.ListAssignments(r.Context(), s.db, sc, id.Person.ID)
	if err != nil {
		return err
	}
	if as == nil {
		as = []org.RoleAssignment{}
	}
	perms := []authz.Action{}
	for _, a := range authz.Actions {
		if authz.CanSome(id.Principal, a) {
			perms = append(perms, a)
		}
	}
	return s.respond(w, r, http.StatusOK, meView{Person: id.Person, Organisation: orgRef{ID: id.Org.ID, Name: id.Org.Name},
		Roles: as, Permissions: perms})
}
