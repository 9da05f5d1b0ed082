package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/trail"
)

// roleColumns is the column order of routeRoleTable's expectations.
var roleColumns = []authz.Role{
	authz.Admin, authz.CISO, authz.SecurityDirector, authz.SecurityOfficer, authz.SecurityManager,
	authz.SystemAdmin, authz.SystemOperator, authz.Committee, authz.CSIRT, authz.Auditor, authz.Staff,
}

// fixture is what one (route, role) request works on, made fresh for each
// request so that one role's DELETE does not change the next role's case.
type fixture struct {
	dept       int64 // an empty 課室 under B1
	person     int64 // a person in S1, inside the security_officer's 部局 and the security_manager's 課室
	assignment int64 // a committee role the person holds
	asset      int64 // an information asset of S1 that the person is 管理責任者 of
	// doc is a 対策基準 (for all staff) written by someone holding none of
	// the tested roles; version is its version in the state the route
	// needs (see documentFixture).
	doc, version int64
	// audit is an engagement of S1 in fieldwork, action a corrective
	// action raised from its finding (see auditFixture).
	audit, action int64
	// checklist is an active checklist, campaign an open campaign of it
	// (planned for /open) that every role holder answers, item its first
	// item (see inspectionFixture).
	checklist, campaign, item int64
}

// routeRoleTable is THE route × role table: for every route of the API,
// the outcome for a holder of each role of the catalogue, in the order of
// roleColumns:
//
//	A  allowed: the route's success status
//	F  403, and the refusal is in the trail as "denied"
//	N  404
//
// The security_officer holds B1 and the security_manager S1, where the
// target person sits; every role holder sits in S3, outside B1. The test
// fails when a route has no row, a row names no route, or a row does not
// give an outcome for every role.
var routeRoleTable = []struct {
	route  string
	body   func(e *env, f fixture) any
	status int
	want   string
}{
	//                                                                  adm ciso dir off man sysA sysO com csirt aud staff
	{"GET /api/v1/openapi.json", nil, 200 /*                         */, "A A A A A A A A A A A"},
	{"GET /api/v1/me", nil, 200 /*                                   */, "A A A A A A A A A A A"},
	{"GET /api/v1/departments", nil, 200 /*                          */, "A A A A A A A A A A A"},
	{"POST /api/v1/departments", newDepartmentBody, 201 /*           */, "A A A F F F F F F F F"},
	{"GET /api/v1/departments/{id}", nil, 200 /*                     */, "A A A A A A A A A A A"},
	{"PATCH /api/v1/departments/{id}", renameBody, 200 /*            */, "A A A F F F F F F F F"},
	{"DELETE /api/v1/departments/{id}", nil, 204 /*                  */, "A A A F F F F F F F F"},
	{"GET /api/v1/people", nil, 200 /*                               */, "A A A A A A A A A A A"},
	{"POST /api/v1/people", newPersonBody, 201 /*                    */, "A A A A A F F F F F F"},
	{"GET /api/v1/people/{id}", nil, 200 /*                          */, "A A A A A F F F A A F"},
	{"PATCH /api/v1/people/{id}", retitleBody, 200 /*                */, "A A A A A F F F F F F"},
	{"POST /api/v1/people/{id}/disable", nil, 200 /*                 */, "A F F F F F F F F F F"},
	{"POST /api/v1/people/{id}/enable", nil, 200 /*                  */, "A F F F F F F F F F F"},
	{"GET /api/v1/people/{id}/roles", nil, 200 /*                    */, "A A A A A F F F A A F"},
	{"POST /api/v1/people/{id}/roles", assignBody, 201 /*            */, "A A A F F F F F F F F"},
	{"DELETE /api/v1/people/{id}/roles/{assignment_id}", nil, 204 /* */, "A A A F F F F F F F F"},
	{"GET /api/v1/roles", nil, 200 /*                                */, "A A A A A A A A A A A"},
	{"GET /api/v1/assets", nil, 200 /*                               */, "A A A A A A A A A A A"},
	{"POST /api/v1/assets", newAssetBody, 201 /*                     */, "F A A A A F F F F F F"},
	{"GET /api/v1/assets/export", nil, 200 /*                        */, "F A A A A F F A F A F"},
	{"POST /api/v1/assets/import", importBody, 200 /*                */, "F A A A A F F F F F F"},
	{"GET /api/v1/assets/{id}", nil, 200 /*                          */, "N A A A A N N A N A N"},
	{"PATCH /api/v1/assets/{id}", describeBody, 200 /*               */, "F A A A A N F F F F F"},
	{"DELETE /api/v1/assets/{id}", nil, 204 /*                       */, "F A A A A N F F F F F"},
	{"GET /api/v1/documents", nil, 200 /*                                           */, "A A A A A A A A A A A"},
	{"POST /api/v1/documents", newDocumentBody, 201 /*                              */, "F A A F F F F F F F F"},
	{"GET /api/v1/documents/{id}", nil, 200 /*                                      */, "A A A A A A A A A A A"},
	{"PATCH /api/v1/documents/{id}", retitleDocumentBody, 200 /*                    */, "F A A F F F F F F F F"},
	{"GET /api/v1/documents/{id}/compare", nil, 200 /*                              */, "A A A A A A A A A A A"},
	{"GET /api/v1/documents/{id}/versions", nil, 200 /*                             */, "A A A A A A A A A A A"},
	{"POST /api/v1/documents/{id}/versions", nil, 201 /*                            */, "F A A F F F F F F F F"},
	{"GET /api/v1/documents/{id}/versions/{vid}", nil, 200 /*                       */, "A A A A A A A A A A A"},
	{"PATCH /api/v1/documents/{id}/versions/{vid}", redraftBody, 200 /*             */, "F A A F F F F F F F F"},
	{"POST /api/v1/documents/{id}/versions/{vid}/submit", nil, 200 /*               */, "F A A F F F F F F F F"},
	{"POST /api/v1/documents/{id}/versions/{vid}/approve", nil, 200 /*              */, "F A F F F F F F F F F"},
	{"POST /api/v1/documents/{id}/versions/{vid}/vote", nil, 200 /*                 */, "F F F F F F F A F F F"},
	{"POST /api/v1/documents/{id}/versions/{vid}/send-back", sendBackBody, 200 /*   */, "F A F F F F F F F F F"},
	{"POST /api/v1/documents/{id}/versions/{vid}/publish", publishBody, 200 /*      */, "F A A F F F F F F F F"},
	{"POST /api/v1/documents/{id}/versions/{vid}/acknowledge", nil, 200 /*          */, "A A A A A A A A A A A"},
	{"GET /api/v1/documents/{id}/versions/{vid}/comments", nil, 200 /*              */, "A A A A A A A A A A A"},
	{"POST /api/v1/documents/{id}/versions/{vid}/comments", commentBody, 201 /*     */, "F A A A F F F A F F F"},
	{"GET /api/v1/trail", nil, 200 /*                                */, "A A A F F F F F F A F"},
	{"GET /api/v1/trail/head", nil, 200 /*                           */, "A A A F F F F F F A F"},
	{"GET /api/v1/checklists", nil, 200 /*                           */, "F A A A A F F F F A F"},
	{"POST /api/v1/checklists", newChecklistBody, 201 /*             */, "F A A F F F F F F F F"},
	{"POST /api/v1/checklists/import", importChecklistBody, 200 /*   */, "F A A F F F F F F F F"},
	{"GET /api/v1/checklists/{id}", nil, 200 /*                      */, "F A A A A F F F F A F"},
	{"GET /api/v1/campaigns", nil, 200 /*                            */, "A A A A A A A A A A A"},
	{"POST /api/v1/campaigns", newCampaignBody, 201 /*               */, "F A A F F F F F F F F"},
	{"GET /api/v1/campaigns/{id}", nil, 200 /*                       */, "A A A A A A A A A A A"},
	{"POST /api/v1/campaigns/{id}/open", nil, 200 /*                 */, "F A A F F F F F F F F"},
	{"POST /api/v1/campaigns/{id}/close", nil, 200 /*                */, "F A A F F F F F F F F"},
	{"GET /api/v1/campaigns/{id}/answers", nil, 200 /*               */, "A A A A A A A A A A A"},
	{"PUT /api/v1/campaigns/{id}/answers/{item_id}", answerBody, 200, "A A A A A A A A A A A"},
	{"GET /api/v1/audits", nil, 200 /*                               */, "F A A A A F F A F A F"},
	{"POST /api/v1/audits", newAuditBody, 201 /*                     */, "F A A F F F F F F F F"},
	{"GET /api/v1/audits/{id}", nil, 200 /*                          */, "F A A A A F F A F A F"},
	{"GET /api/v1/audits/{id}/findings", nil, 200 /*                 */, "F A A A A F F A F A F"},
	{"POST /api/v1/findings", newFindingBody, 201 /*                 */, "F F F F F F F F F A F"},
	{"GET /api/v1/actions", nil, 200 /*                              */, "A A A A A A A A A A A"},
	{"POST /api/v1/actions", newActionBody, 201 /*                   */, "F A A A A F F F F A F"},
	{"GET /api/v1/actions/{id}", nil, 200 /*                         */, "N A A A A N N N N A N"},
	{"PATCH /api/v1/actions/{id}", progressBody, 200 /*              */, "N A A A A N N N N F N"},
	{"POST /api/v1/actions/{id}/verify", verifyBody, 200 /*          */, "F F A F F F F F F A F"},
}

var bodySeq atomic.Int64

func newDepartmentBody(e *env, f fixture) any {
	return map[string]any{"name": fmt.Sprintf("新しい課 %d", bodySeq.Add(1)), "parent_id": id(e.b1)}
}
func renameBody(e *env, f fixture) any {
	return map[string]any{"name": fmt.Sprintf("改称した課 %d", bodySeq.Add(1))}
}
func newPersonBody(e *env, f fixture) any {
	return map[string]any{"name": "新規 職員", "department_id": id(e.s1)}
}
func retitleBody(e *env, f fixture) any { return map[string]any{"title": "係長"} }
func assignBody(e *env, f fixture) any  { return map[string]any{"role": "csirt"} }

func newAssetBody(e *env, f fixture) any {
	return map[string]any{"name": fmt.Sprintf("新しい資産 %d", bodySeq.Add(1)), "kind": "information",
		"department_id": id(e.s1), "owner_id": id(f.person), "confidentiality": "2", "integrity": "1", "availability": "1"}
}
func describeBody(e *env, f fixture) any {
	return map[string]any{"description": fmt.Sprintf("説明 %d", bodySeq.Add(1))}
}
func importBody(e *env, f fixture) any {
	return uploadOf("台帳.csv", assetRowsCSV("総務課", f.person))
}

func parseOutcomes(s string) []string { return strings.Fields(s) }

// pathFor fills a route pattern with the fixture's ids.
func pathFor(t *testing.T, pattern string, f fixture) string {
	t.Helper()
	p := pattern
	switch {
	case strings.HasPrefix(p, "/api/v1/departments/{id}"):
		p = strings.Replace(p, "{id}", id(f.dept), 1)
	case strings.HasPrefix(p, "/api/v1/people/{id}"):
		p = strings.Replace(p, "{id}", id(f.person), 1)
	case strings.HasPrefix(p, "/api/v1/assets/{id}"):
		p = strings.Replace(p, "{id}", id(f.asset), 1)
	case strings.HasPrefix(p, "/api/v1/documents/{id}"):
		p = strings.Replace(p, "{id}", id(f.doc), 1)
		p = strings.Replace(p, "{vid}", id(f.version), 1)
		if strings.HasSuffix(p, "/compare") {
			p += "?from=" + id(f.version) + "&to=" + id(f.version)
		}
	case strings.HasPrefix(p, "/api/v1/checklists/{id}"):
		p = strings.Replace(p, "{id}", id(f.checklist), 1)
	case strings.HasPrefix(p, "/api/v1/campaigns/{id}"):
		p = strings.Replace(p, "{id}", id(f.campaign), 1)
		p = strings.Replace(p, "{item_id}", id(f.item), 1)
	case strings.HasPrefix(p, "/api/v1/audits/{id}"):
		p = strings.Replace(p, "{id}", id(f.audit), 1)
	case strings.HasPrefix(p, "/api/v1/actions/{id}"):
		p = strings.Replace(p, "{id}", id(f.action), 1)
	}
	p = strings.Replace(p, "{assignment_id}", id(f.assignment), 1)
	if strings.Contains(p, "{") {
		t.Fatalf("route %s: the test does not know what to put in its path", pattern)
	}
	return p
}

func TestRouteRoleTable(t *testing.T) {
	t.Parallel()
	// The table itself: every route, every role.
	if !sameRoles(roleColumns) {
		t.Fatalf("roleColumns %v is not the role catalogue", roleColumns)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "ルート財団")
		routes := map[string]bool{}
		for _, rt := range e.srv.Routes() {
			routes[rt.Key()] = true
		}
		rows := map[string]bool{}
		for _, row := range routeRoleTable {
			if !routes[row.route] {
				t.Errorf("table row %q names no route", row.route)
			}
			if rows[row.route] {
				t.Errorf("table row %q appears twice", row.route)
			}
			rows[row.route] = true
			if n := len(parseOutcomes(row.want)); n != len(roleColumns) {
				t.Errorf("table row %q has %d outcomes for %d roles", row.route, n, len(roleColumns))
			}
		}
		for r := range routes {
			if !rows[r] {
				t.Errorf("route %q has no rows in the route × role table", r)
			}
		}
		if t.Failed() {
			return
		}
		for _, row := range routeRoleTable {
			method, pattern, _ := strings.Cut(row.route, " ")
			for i, want := range parseOutcomes(row.want) {
				role := roleColumns[i]
				holder := e.holder(t, role)
				f := fixture{dept: e.newDepartment(t, fmt.Sprintf("空の課 %d", bodySeq.Add(1)), e.b1)}
				f.person = e.newPerson(t, "対象 者", "たいしょう", e.s1, org.AssignmentInput{Role: "committee"})
				as, err := org.ListAssignments(t.Context(), d, e.sc, f.person)
				if err != nil || len(as) != 1 {
					t.Fatalf("fixture assignment: %v %v", as, err)
				}
				f.assignment = as[0].ID
				f.asset = e.newAsset(t, asset.Input{DepartmentID: e.s1, OwnerID: f.person}).ID
				if strings.Contains(pattern, "/documents/") {
					f.doc, f.version = e.documentFixture(t, row.route)
				}
				if strings.Contains(pattern, "/audits") || strings.Contains(pattern, "/actions") || strings.Contains(pattern, "/findings") {
					f.audit, f.action = e.auditFixture(t, row.route, f)
				}
				if strings.Contains(pattern, "/checklists") || strings.Contains(pattern, "/campaigns") {
					f.checklist, f.campaign, f.item = e.inspectionFixture(t, row.route)
				}
				q := req{Method: method, Path: pathFor(t, pattern, f), Token: holder.Token}
				if row.body != nil {
					q.Body = row.body(e, f)
				}
				before, _ := e.head(t)
				res := e.send(t, q)
				name := fmt.Sprintf("%s as %s", row.route, role)
				switch want {
				case "A":
					if res.Status != row.status {
						t.Errorf("%s: status %d, want %d: %s", name, res.Status, row.status, res.Body)
					}
				case "F":
					if res.Status != http.StatusForbidden || res.errorCode(t) != "forbidden" {
						t.Errorf("%s: status %d, want 403: %s", name, res.Status, res.Body)
						continue
					}
					after, _ := e.head(t)
					last := e.newest(t)
					if after != before+1 || last.Action != trail.Denied || last.ActorID != holder.ID || last.EntityID != method+" "+q.Path {
						t.Errorf("%s: refusal not in the trail: head %d→%d, newest %+v", name, before, after, last)
					}
				case "N":
					if res.Status != http.StatusNotFound {
						t.Errorf("%s: status %d, want 404: %s", name, res.Status, res.Body)
					}
				default:
					t.Fatalf("%s: unknown outcome %q", name, want)
				}
			}
		}
	})
}

func sameRoles(rs []authz.Role) bool {
	if len(rs) != len(authz.Catalogue) {
		return false
	}
	for _, ri := range authz.Catalogue {
		if !slices.Contains(rs, ri.Code) {
			return false
		}
	}
	return true
}
