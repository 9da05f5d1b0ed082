package authz

import (
	"slices"
	"testing"
)

func TestGrantReaches(t *testing.T) {
	t.Parallel()
	bureau, section, other := int64(10), int64(11), int64(20)
	officer := Principal{PersonID: 1, Assignments: []Assignment{{Role: SecurityOfficer, ScopeKind: ScopeDepartment, ScopeID: bureau}}}
	ciso := Principal{PersonID: 2, Assignments: []Assignment{{Role: CISO, ScopeKind: ScopeOrg}}}
	staff := Principal{PersonID: 3}
	cases := []struct {
		name   string
		p      Principal
		action Action
		target Target
		want   bool
	}{
		{"ciso edits anyone", ciso, EditPeople, Target{Departments: []int64{other}}, true},
		{"officer edits a section below their bureau", officer, EditPeople, Target{Departments: []int64{section, bureau}}, true},
		{"officer cannot edit another bureau", officer, EditPeople, Target{Departments: []int64{other}}, false},
		{"officer cannot assign roles", officer, AssignRoles, Target{}, false},
		{"staff sees themself", staff, ViewPeople, Target{PersonID: 3}, true},
		{"staff cannot see others", staff, ViewPeople, Target{PersonID: 4}, false},
		{"staff cannot read the trail", staff, ViewTrail, Target{}, false},
		{"everyone sees departments", staff, ViewDepartments, Target{}, true},
	}
	for _, c := range cases {
		if got := Can(c.p, c.action, c.target); got != c.want {
			t.Errorf("%s: Can = %v", c.name, got)
		}
	}
	if g := GrantFor(officer, ViewPeople); g.All || !slices.Equal(g.Departments, []int64{bureau}) || !g.Self {
		t.Errorf("officer grant = %+v", g)
	}
}

// Every rule names a known role and action, and no rule is listed twice.
func TestTableIsConsistent(t *testing.T) {
	t.Parallel()
	seen := map[Rule]bool{}
	for _, r := range Table {
		if !r.Role.Valid() {
			t.Errorf("unknown role in %+v", r)
		}
		if !slices.Contains(Actions, r.Action) {
			t.Errorf("action of %+v missing from Actions", r)
		}
		if seen[r] {
			t.Errorf("duplicate rule %+v", r)
		}
		seen[r] = true
	}
}

func TestMFARequiredRoles(t *testing.T) {
	t.Parallel()
	for _, r := range []Role{Admin, CISO, SecurityDirector} {
		if !MFARequired(Principal{Assignments: []Assignment{{Role: r}}}) {
			t.Errorf("%s must require MFA", r)
		}
	}
	if MFARequired(Principal{Assignments: []Assignment{{Role: Auditor}}}) {
		t.Error("auditor need not require MFA unless the organisation says so")
	}
}
