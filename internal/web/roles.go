package web

import (
	"net/http"
	"slices"

	"mamori/internal/authz"
	"mamori/internal/httpx"
	"mamori/internal/org"
)

// rolesPage is the role catalogue with what each role may do and who holds
// it. What a role may do is read from authz.Table, the one permission
// table, so this page cannot drift from what the program enforces.
type rolesPage struct {
	Roles []roleCard
}

type roleCard struct {
	Info         authz.RoleInfo
	Grants       []reachGroup
	Holders      []roleHolder
	Everyone     bool // 職員等: held by everyone, not listed
	StaffImplied bool
}

// reachGroup is the actions a role may take within one reach.
type reachGroup struct {
	Reach   authz.Reach
	Actions []authz.Action
}

type roleHolder struct {
	PersonID int64
	Name     string
	Scope    string
	Link     bool
}

// grantsOf groups a role's rules by reach, in the table's order.
func grantsOf(role authz.Role) []reachGroup {
	var out []reachGroup
	for _, rule := range authz.Table {
		if rule.Role != role {
			continue
		}
		i := slices.IndexFunc(out, func(g reachGroup) bool { return g.Reach == rule.Reach })
		if i < 0 {
			out = append(out, reachGroup{Reach: rule.Reach})
			i = len(out) - 1
		}
		out[i].Actions = append(out[i].Actions, rule.Action)
	}
	return out
}

func (s *Server) roles(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	holders, err := org.ListHolders(ctx, s.db, sc, "")
	if err != nil {
		return err
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	names := departmentNames(depts)
	seeAll := authz.GrantFor(id.Principal, authz.ViewPeople).All
	lang := s.lang(r)
	byRole := map[authz.Role][]roleHolder{}
	for _, h := range holders {
		rh := roleHolder{PersonID: h.Assignment.PersonID, Name: h.PersonName, Link: seeAll || h.Assignment.PersonID == id.Person.ID}
		switch h.Assignment.ScopeKind {
		case authz.ScopeDepartment:
			rh.Scope = names[h.Assignment.ScopeID]
			if rh.Scope == "" {
				rh.Scope = h.ScopeName
			}
		case authz.ScopeSystem:
			rh.Scope = s.cat.T(lang, "people.system_no", h.Assignment.ScopeID)
		}
		byRole[h.Assignment.Role] = append(byRole[h.Assignment.Role], rh)
	}
	var page rolesPage
	for _, ri := range authz.Catalogue {
		page.Roles = append(page.Roles, roleCard{
			Info:         ri,
			Grants:       grantsOf(ri.Code),
			Holders:      byRole[ri.Code],
			Everyone:     ri.Code == authz.Staff,
			StaffImplied: ri.Code != authz.Staff,
		})
	}
	return s.render(w, r, "roles", "roles.title", page)
}
