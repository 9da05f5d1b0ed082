package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
)

// A second organisation's records are not found through any route with an
// id, for every role that may use the route at all; nothing is written.
// Roles the route refuses outright get 403 whatever the id, so the answer
// never tells whether the record exists.
func TestOtherOrganisationIsNotFound(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "A財団")
		other := newEnv(t, d, "B財団")
		f := fixture{dept: other.newDepartment(t, "B の空の課", other.b1)}
		f.person = other.newPerson(t, "B の 職員", "びー", other.s1, org.AssignmentInput{Role: "committee"})
		as, err := org.ListAssignments(t.Context(), d, other.sc, f.person)
		if err != nil || len(as) != 1 {
			t.Fatalf("assignment: %v %v", as, err)
		}
		f.assignment = as[0].ID
		f.doc, f.version = other.newDocument(t, documentInput("B の基準", "B の本文"), policy.Published)
		bodies := map[string]any{
			http.MethodPatch: map[string]any{"name": "乗っ取り"},
			http.MethodPost:  map[string]any{"role": "csirt"},
		}
		otherHead, _ := other.head(t)
		n := 0
		for _, rt := range e.srv.Routes() {
			if !strings.Contains(rt.Pattern, "{") {
				continue
			}
			for _, role := range roleColumns {
				q := req{Method: rt.Method, Path: pathFor(t, rt.Pattern, f), Token: e.holder(t, role).Token}
				if rt.Method == http.MethodPatch || rt.Method == http.MethodPost && strings.HasSuffix(rt.Pattern, "/roles") {
					q.Body = bodies[rt.Method]
				}
				before, _ := e.head(t)
				res := e.do(t, q)
				n++
				mayUse := rt.Permission == "" || authz.CanSome(principalOf(role), rt.Permission)
				if !mayUse {
					if res.Status != http.StatusForbidden {
						t.Errorf("%s as %s: %d, want 403 (refused whatever the id)", rt.Key(), role, res.Status)
					}
					continue
				}
				if res.Status != http.StatusNotFound || res.errorCode(t) != "not_found" {
					t.Errorf("%s as %s on B's record: %d %s, want 404", rt.Key(), role, res.Status, res.Body)
				}
				if after, _ := e.head(t); after != before {
					t.Errorf("%s as %s: a 404 wrote to the trail", rt.Key(), role)
				}
			}
		}
		if n == 0 {
			t.Fatal("no routes with ids")
		}
		if h, _ := other.head(t); h != otherHead {
			t.Errorf("B's trail moved from %d to %d", otherHead, h)
		}
		admin := e.holder(t, authz.Admin).Token

		// Lists never show B's records.
		var people struct{ Items []struct{ ID, Name string } }
		e.do(t, req{Method: "GET", Path: "/api/v1/people?limit=200", Token: admin}).Decode(t, &people)
		for _, p := range people.Items {
			if p.ID == id(f.person) || strings.HasPrefix(p.Name, "B の") {
				t.Errorf("A lists B's person %v", p)
			}
		}
		if len(people.Items) == 0 {
			t.Error("A lists nobody")
		}
		var deps struct{ Items []struct{ ID string } }
		e.do(t, req{Method: "GET", Path: "/api/v1/departments?limit=200", Token: admin}).Decode(t, &deps)
		if slices.ContainsFunc(deps.Items, func(x struct{ ID string }) bool { return x.ID == id(f.dept) }) || len(deps.Items) != 5 {
			t.Errorf("A's departments: %v", deps.Items)
		}
		res := e.do(t, req{Method: "GET", Path: "/api/v1/people?department_id=" + id(other.b1), Token: admin})
		if res.Status != 200 || len(res.JSON(t)["items"].([]any)) != 0 {
			t.Errorf("people of B's department: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "GET", Path: "/api/v1/trail?entity=person&entity_id=" + id(f.person), Token: admin})
		if res.Status != 200 || len(res.JSON(t)["items"].([]any)) != 0 {
			t.Errorf("A's trail shows B's person: %s", res.Body)
		}

		// B's departments cannot be used in A's records.
		before, _ := e.head(t)
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people", Token: admin, Body: map[string]any{"name": "越境", "department_id": id(other.s1)}})
		if res.Status != 400 || res.fieldCodes(t)["department_id"] != "error.invalid_choice" {
			t.Errorf("person in B's department: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/departments", Token: admin, Body: map[string]any{"name": "越境課", "parent_id": id(other.b1)}})
		if res.Status != 400 || res.fieldCodes(t)["parent_id"] == "" {
			t.Errorf("department under B's 部局: %d %s", res.Status, res.Body)
		}
		target := e.newPerson(t, "A の 職員", "えー", e.s1)
		before, _ = e.head(t)
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people/" + id(target) + "/roles", Token: admin,
			Body: map[string]any{"role": "security_officer", "scope_id": id(other.b1)}})
		if res.Status != 400 || res.fieldCodes(t)["scope_id"] == "" {
			t.Errorf("role over B's 部局: %d %s", res.Status, res.Body)
		}
		if after, _ := e.head(t); after != before {
			t.Errorf("refused requests wrote to the trail")
		}

		// B's own token sees its own organisation only.
		res = other.do(t, req{Method: "GET", Path: "/api/v1/people/" + id(target), Token: other.holder(t, authz.Admin).Token})
		if res.Status != 404 {
			t.Errorf("B reads A's person: %d", res.Status)
		}
	})
}

// principalOf is the principal of a role holder of newEnv, for CanSome.
func principalOf(r authz.Role) authz.Principal {
	p := authz.Principal{PersonID: 1}
	if r != authz.Staff {
		ri, _ := authz.Info(r)
		p.Assignments = []authz.Assignment{{Role: r, ScopeKind: ri.Scope, ScopeID: 1}}
	}
	return p
}

// A department-wide role reaches its 部局 or 課室 and those below it, and
// nothing else: not to read, not to list, not to move people out or in.
func TestDepartmentReach(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "部局財団")
		officer := e.holder(t, authz.SecurityOfficer) // B1
		manager := e.holder(t, authz.SecurityManager) // S1
		inS1 := e.newPerson(t, "総務 一郎", "そうむ いちろう", e.s1)
		inS2 := e.newPerson(t, "人事 二郎", "じんじ じろう", e.s2)
		inB1 := e.newPerson(t, "部長 三郎", "ぶちょう さぶろう", e.b1)
		inS3 := e.newPerson(t, "情報 四郎", "じょうほう しろう", e.s3)
		noDept := e.newPerson(t, "無所属 五郎", "むしょぞく ごろう", 0)

		cases := []struct {
			who    string
			token  string
			method string
			path   string
			body   any
			status int
		}{
			{"officer reads S1", officer.Token, "GET", "/api/v1/people/" + id(inS1), nil, 200},
			{"officer reads S2", officer.Token, "GET", "/api/v1/people/" + id(inS2), nil, 200},
			{"officer reads B1", officer.Token, "GET", "/api/v1/people/" + id(inB1), nil, 200},
			{"officer reads S3", officer.Token, "GET", "/api/v1/people/" + id(inS3), nil, 403},
			{"officer reads no department", officer.Token, "GET", "/api/v1/people/" + id(noDept), nil, 403},
			{"officer reads own record", officer.Token, "GET", "/api/v1/people/" + id(officer.ID), nil, 200},
			{"officer edits S2", officer.Token, "PATCH", "/api/v1/people/" + id(inS2), map[string]any{"title": "主任"}, 200},
			{"officer edits S3", officer.Token, "PATCH", "/api/v1/people/" + id(inS3), map[string]any{"title": "主任"}, 403},
			{"officer moves S1 to S3", officer.Token, "PATCH", "/api/v1/people/" + id(inS1), map[string]any{"department_id": id(e.s3)}, 403},
			{"officer moves S1 out of every department", officer.Token, "PATCH", "/api/v1/people/" + id(inS1), map[string]any{"department_id": nil}, 403},
			{"officer moves S1 to S2", officer.Token, "PATCH", "/api/v1/people/" + id(inS1), map[string]any{"department_id": id(e.s2)}, 200},
			{"officer creates in S3", officer.Token, "POST", "/api/v1/people", map[string]any{"name": "新人", "department_id": id(e.s3)}, 403},
			{"officer creates without department", officer.Token, "POST", "/api/v1/people", map[string]any{"name": "新人"}, 403},
			{"officer creates in S2", officer.Token, "POST", "/api/v1/people", map[string]any{"name": "新人", "department_id": id(e.s2)}, 201},
			{"officer reads roles in S3", officer.Token, "GET", "/api/v1/people/" + id(inS3) + "/roles", nil, 403},
			{"manager reads S2", manager.Token, "GET", "/api/v1/people/" + id(inS2), nil, 403},
			{"manager reads B1", manager.Token, "GET", "/api/v1/people/" + id(inB1), nil, 403},
			{"manager edits S2", manager.Token, "PATCH", "/api/v1/people/" + id(inS2), map[string]any{"title": "x"}, 403},
			{"staff reads self", e.holder(t, authz.Staff).Token, "GET", "/api/v1/people/" + id(e.holder(t, authz.Staff).ID), nil, 200},
			{"staff reads own roles", e.holder(t, authz.Staff).Token, "GET", "/api/v1/people/" + id(e.holder(t, authz.Staff).ID) + "/roles", nil, 200},
			{"staff edits self", e.holder(t, authz.Staff).Token, "PATCH", "/api/v1/people/" + id(e.holder(t, authz.Staff).ID), map[string]any{"title": "x"}, 403},
		}
		for _, c := range cases {
			before, _ := e.head(t)
			res := e.do(t, req{Method: c.method, Path: c.path, Token: c.token, Body: c.body})
			if res.Status != c.status {
				t.Errorf("%s: %d, want %d: %s", c.who, res.Status, c.status, res.Body)
				continue
			}
			after, _ := e.head(t)
			switch {
			case c.status == 403 && (after != before+1 || e.newest(t).Action != "denied"):
				t.Errorf("%s: refusal not recorded", c.who)
			case c.status == 200 && c.method == "GET" && after != before:
				t.Errorf("%s: a read wrote to the trail", c.who)
			}
		}

		// Lists follow the same reach; everyone also sees themself.
		listed := func(token string) []string {
			var l struct{ Items []struct{ ID string } }
			e.do(t, req{Method: "GET", Path: "/api/v1/people?limit=200", Token: token}).Decode(t, &l)
			var out []string
			for _, p := range l.Items {
				out = append(out, p.ID)
			}
			slices.Sort(out)
			return out
		}
		got := listed(officer.Token)
		for _, p := range []int64{inS1, inS2, inB1, officer.ID} {
			if !slices.Contains(got, id(p)) {
				t.Errorf("officer's list lacks %d: %v", p, got)
			}
		}
		for _, p := range []int64{inS3, noDept, manager.ID} {
			if slices.Contains(got, id(p)) {
				t.Errorf("officer's list shows %d", p)
			}
		}
		if got := listed(e.holder(t, authz.Staff).Token); !slices.Equal(got, []string{id(e.holder(t, authz.Staff).ID)}) {
			t.Errorf("staff's list: %v, want only themself", got)
		}
	})
}
