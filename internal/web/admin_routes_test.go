package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/web"
)

// Every role in the catalogue, as the route table test walks them.
var (
	rAdmin    = authz.Admin
	rCISO     = authz.CISO
	rDirector = authz.SecurityDirector
	rOfficer  = authz.SecurityOfficer
	rManager  = authz.SecurityManager
	rSysAdmin = authz.SystemAdmin
	rSysOp    = authz.SystemOperator
	rCommitee = authz.Committee
	rCSIRT    = authz.CSIRT
	rAuditor  = authz.Auditor
	rStaff    = authz.Staff
)

// only gives the listed roles a status and refuses (403) everyone else.
func only(status int, roles ...authz.Role) map[authz.Role]int {
	m := map[authz.Role]int{}
	for _, ri := range authz.Catalogue {
		m[ri.Code] = http.StatusForbidden
	}
	for _, r := range roles {
		m[r] = status
	}
	return m
}

// everyone gives every role the same status.
func everyone(status int) map[authz.Role]int {
	m := map[authz.Role]int{}
	for _, ri := range authz.Catalogue {
		m[ri.Code] = status
	}
	return m
}

// routeFixture is what the route rows refer to.
type routeFixture struct {
	bureau, section int64
	target          int64 // in the section, with an account and a role
}

// routeCase is one route of the table with its expected status per role,
// for a GET or a POST with an empty form (only the form token).
type routeCase struct {
	pattern string
	// path returns the request path; it may prepare what the request
	// consumes (a role assignment to remove, a department to delete), so
	// each role finds the same situation.
	path func(e *adminEnv, f *routeFixture) string
	want map[authz.Role]int
}

func fixed(p string) func(*adminEnv, *routeFixture) string {
	return func(*adminEnv, *routeFixture) string { return p }
}

func onTarget(suffix string) func(*adminEnv, *routeFixture) string {
	return func(_ *adminEnv, f *routeFixture) string { return fmt.Sprintf("/people/%d%s", f.target, suffix) }
}

// routeCases is every signed-in route's row: this file's, and those of
// the policy pages (documentpages_routes_test.go, policypages_routes_test.go), of
// self-inspection (inspectionpages_routes_test.go) and audit
// (auditpages_routes_test.go).
var routeCases = slices.Concat(coreRouteCases, documentRouteCases, policyRouteCases, inspectionRouteCases, auditRouteCases)

var coreRouteCases = []routeCase{
	{"GET /departments", fixed("/departments"), everyone(http.StatusOK)},
	{"POST /departments", fixed("/departments"), only(http.StatusBadRequest, rAdmin, rCISO, rDirector)},
	{"GET /departments/{id}", func(_ *adminEnv, f *routeFixture) string { return fmt.Sprintf("/departments/%d", f.bureau) },
		only(http.StatusOK, rAdmin, rCISO, rDirector)},
	{"POST /departments/{id}", func(_ *adminEnv, f *routeFixture) string { return fmt.Sprintf("/departments/%d", f.bureau) },
		only(http.StatusBadRequest, rAdmin, rCISO, rDirector)},
	{"POST /departments/{id}/delete", func(e *adminEnv, _ *routeFixture) string {
		e.n++
		return fmt.Sprintf("/departments/%d/delete", e.department(fmt.Sprintf("削除用%d", e.n), 0))
	}, only(http.StatusSeeOther, rAdmin, rCISO, rDirector)},

	{"GET /people", fixed("/people"), everyone(http.StatusOK)},
	{"GET /people/new", fixed("/people/new"), only(http.StatusOK, rAdmin, rCISO, rDirector, rOfficer, rManager)},
	{"POST /people", fixed("/people"), only(http.StatusBadRequest, rAdmin, rCISO, rDirector, rOfficer, rManager)},
	{"GET /people/{id}", onTarget(""), only(http.StatusOK, rAdmin, rCISO, rDirector, rOfficer, rManager, rAuditor, rCSIRT)},
	{"POST /people/{id}", onTarget(""), only(http.StatusBadRequest, rAdmin, rCISO, rDirector, rOfficer, rManager)},
	{"POST /people/{id}/roles", onTarget("/roles"), only(http.StatusBadRequest, rAdmin, rCISO, rDirector)},
	{"POST /people/{id}/roles/{aid}/delete", func(e *adminEnv, f *routeFixture) string {
		var a org.RoleAssignment
		e.tx(func(tx *db.Tx) error {
			as, err := org.ListAssignments(e.ctx, tx, e.sc, f.target)
			if err != nil {
				return err
			}
			for _, x := range as {
				if x.Role == authz.Committee {
					a = x
					return nil
				}
			}
			a, err = org.Assign(e.ctx, tx, e.sc, f.target, org.AssignmentInput{Role: string(authz.Committee)})
			return err
		})
		return fmt.Sprintf("/people/%d/roles/%d/delete", f.target, a.ID)
	}, only(http.StatusSeeOther, rAdmin, rCISO, rDirector)},
	{"POST /people/{id}/account", onTarget("/account"), only(http.StatusBadRequest, rAdmin)},
	{"POST /people/{id}/password", onTarget("/password"), only(http.StatusOK, rAdmin)},
	{"POST /people/{id}/mfa-reset", onTarget("/mfa-reset"), only(http.StatusSeeOther, rAdmin)},
	{"POST /people/{id}/disable", onTarget("/disable"), only(http.StatusSeeOther, rAdmin)},
	{"POST /people/{id}/enable", onTarget("/enable"), only(http.StatusSeeOther, rAdmin)},

	{"GET /roles", fixed("/roles"), everyone(http.StatusOK)},

	// The asset register's pages (assetpages_env_test.go has the
	// helpers). The asset is a piece of information in the fixture's
	// section, so a 部局's officer and a 課室's manager reach it, and the
	// organisation-wide readers; anyone else finds no such asset, and
	// anyone who may edit assets elsewhere is refused a change of it.
	{"GET /assets", fixed("/assets"), everyone(http.StatusOK)},
	{"GET /assets/new", fixed("/assets/new"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rSysAdmin)},
	{"POST /assets", fixed("/assets"), only(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager, rSysAdmin)},
	{"GET /assets/{id}", onAsset(""), assetSeen(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /assets/{id}/edit", onAsset("/edit"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager)},
	{"POST /assets/{id}", onAsset(""), only(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager)},
	{"POST /assets/{id}/delete", onFreshAsset("/delete"), only(http.StatusSeeOther, rCISO, rDirector, rOfficer, rManager)},
	{"POST /assets/{id}/dispose", onAsset("/dispose"), only(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager)},
	{"POST /assets/{id}/links", onAsset("/links"), only(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager)},
	// An empty form names no relation (and the asset links to itself).
	{"POST /assets/{id}/links/{lid}/delete", onAssetSelfLink, only(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager)},
	{"GET /assets/{id}/label", onAsset("/label"), assetSeen(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /assets/export", fixed("/assets/export"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /assets/import", fixed("/assets/import"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager)},
	{"POST /assets/import", fixed("/assets/import"), only(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager)},
	{"POST /assets/import/{upload}/confirm", fixed("/assets/import/0123456789abcdef0123456789abcdef/confirm"), only(http.StatusNotFound, rCISO, rDirector, rOfficer, rManager)},
	{"GET /settings/classification", fixed("/settings/classification"), everyone(http.StatusOK)},
	{"POST /settings/classification", fixed("/settings/classification"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"POST /settings/classification/scheme", fixed("/settings/classification/scheme"), only(http.StatusBadRequest, rCISO, rDirector)},

	{"GET /settings", fixed("/settings"), only(http.StatusOK, rAdmin, rCISO, rDirector)},
	{"POST /settings", fixed("/settings"), only(http.StatusBadRequest, rAdmin)},
	{"GET /trail", fixed("/trail"), only(http.StatusOK, rAdmin, rCISO, rDirector, rAuditor)},
	{"GET /trail/export.csv", fixed("/trail/export.csv"), only(http.StatusOK, rAdmin, rCISO, rDirector, rAuditor)},
}

// routesOutsideThisTable are signed-in routes other tests own: the home
// page and the person's own account pages.
var routesOutsideThisTable = []string{
	"GET /{$}", "GET /account", "POST /account/preferences", "POST /account/tokens", "POST /account/tokens/{id}/revoke",
}

// TestAdminRouteRoleTable walks the route table with every role: each
// signed-in route must have a row here, each row must name every role, and
// every refusal must land in the trail.
func TestAdminRouteRoleTable(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)

		// The table must cover the route table, and only it.
		byPattern := map[string]routeCase{}
		for _, c := range routeCases {
			if _, dup := byPattern[c.pattern]; dup {
				t.Errorf("%s has two rows", c.pattern)
			}
			byPattern[c.pattern] = c
			for _, ri := range authz.Catalogue {
				if _, ok := c.want[ri.Code]; !ok {
					t.Errorf("%s: no expected status for role %s", c.pattern, ri.Code)
				}
			}
		}
		registered := map[string]bool{}
		for _, r := range e.srv.Routes() {
			registered[r.Pattern] = true
			if r.Access != web.SignedIn || slices.Contains(routesOutsideThisTable, r.Pattern) {
				continue
			}
			if _, ok := byPattern[r.Pattern]; !ok {
				t.Errorf("route %s has no rows in the route × role table", r.Pattern)
			}
		}
		for p := range byPattern {
			if !registered[p] {
				t.Errorf("row %s names no registered route", p)
			}
		}

		f := &routeFixture{bureau: e.department("総務部", 0)}
		f.section = e.department("総務課", f.bureau)
		f.target = e.person("対象 太郎", f.section, true, org.AssignmentInput{Role: string(authz.CSIRT)})
		sessions := map[authz.Role]*session{}
		for _, ri := range authz.Catalogue {
			var roles []org.AssignmentInput
			if ri.Code != authz.Staff {
				roles = append(roles, roleInput(ri.Code, f.bureau, f.section))
			}
			// Everyone sits outside the target's 部局, so only a role's
			// reach brings the target within view.
			pid := e.person("役割 "+string(ri.Code), 0, true, roles...)
			sessions[ri.Code] = e.signIn(pid)
		}

		for _, c := range routeCases {
			method, _, _ := strings.Cut(c.pattern, " ")
			for _, ri := range authz.Catalogue {
				role := ri.Code
				s := sessions[role]
				path := c.path(e, f)
				w := e.do(method, path, s, nil)
				want := c.want[role]
				if w.Code != want {
					t.Errorf("%s as %s: status %d, want %d", c.pattern, role, w.Code, want)
					continue
				}
				if want == http.StatusForbidden {
					got, ok := e.lastDenied(s.personID)
					if !ok || got.EntityID != method+" "+path {
						t.Errorf("%s as %s: refusal not in the trail (last denied: %+v)", c.pattern, role, got)
					}
				}
			}
		}
	})
}
