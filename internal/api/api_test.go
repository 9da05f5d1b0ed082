package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/trail"
)

// The resources work end to end: create (201), read, change one field,
// delete, with ids as strings and the trail written alongside.
func TestDepartmentsPeopleAndRoles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "業務財団")
		admin := e.holder(t, authz.Admin).Token

		// Departments.
		res := e.do(t, req{Method: "POST", Path: "/api/v1/departments", Token: admin,
			Body: map[string]any{"name": " 会計課 ", "code": "K01", "parent_id": id(e.b1), "sort_order": 3}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create department: %d %s", res.Status, res.Body)
		}
		dep := res.JSON(t)
		depID, _ := dep["id"].(string)
		if depID == "" || dep["parent_id"] != id(e.b1) || dep["kind"] != "section" || dep["name"] != "会計課" || dep["sort_order"] != 3.0 {
			t.Fatalf("created department: %s", res.Body)
		}
		if last := e.newest(t); last.Action != trail.Create || last.Entity != "department" || last.EntityID != depID ||
			last.ActorID != e.holder(t, authz.Admin).ID || last.RequestID == "" || last.RequestID != res.Header.Get("X-Request-Id") {
			t.Errorf("trail of the creation: %+v", last)
		}
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/departments/" + depID, Token: admin, Body: map[string]any{"name": "経理課"}})
		if got := res.JSON(t); res.Status != 200 || got["name"] != "経理課" || got["code"] != "K01" || got["sort_order"] != 3.0 || got["parent_id"] != id(e.b1) {
			t.Errorf("patch one field: %d %s", res.Status, res.Body)
		}
		// The full object works as well, and null clears the parent.
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/departments/" + depID, Token: admin,
			Body: map[string]any{"name": "経理部", "code": "", "parent_id": nil, "sort_order": 0}})
		if got := res.JSON(t); res.Status != 200 || got["kind"] != "bureau" || got["parent_id"] != nil || got["code"] != "" {
			t.Errorf("patch full object: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/departments/" + depID, Token: e.holder(t, authz.Staff).Token}); res.Status != 200 || res.JSON(t)["name"] != "経理部" {
			t.Errorf("read department: %d %s", res.Status, res.Body)
		}
		var deps struct {
			Items []struct {
				ID, Name, Kind string
				ParentID       string `json:"parent_id"`
			}
			NextCursor *string `json:"next_cursor"`
		}
		e.do(t, req{Method: "GET", Path: "/api/v1/departments", Token: admin}).Decode(t, &deps)
		if len(deps.Items) != 6 || deps.NextCursor == nil || *deps.NextCursor != "" {
			t.Errorf("department list: %+v", deps)
		}
		for i, dd := range deps.Items { // tree order: each 課室 right after its 部局 or a sibling
			if dd.Kind == "section" && (i == 0 || deps.Items[i-1].ID != dd.ParentID && deps.Items[i-1].ParentID != dd.ParentID) {
				t.Errorf("department list is not in tree order: %+v", deps.Items)
			}
		}
		var found struct{ Items []struct{ Name string } }
		e.do(t, req{Method: "GET", Path: "/api/v1/departments?q=" + url.QueryEscape("人事"), Token: admin}).Decode(t, &found)
		if len(found.Items) != 1 || found.Items[0].Name != "人事課" {
			t.Errorf("department search: %+v", found)
		}

		// People.
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people", Token: admin, Body: map[string]any{
			"name": "経理 花子", "name_kana": "けいり はなこ", "email": "hanako@example.jp", "department_id": depID, "staff_category": "contract"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create person: %d %s", res.Status, res.Body)
		}
		p := res.JSON(t)
		pid, _ := p["id"].(string)
		if pid == "" || p["department_id"] != depID || p["staff_category"] != "contract" || p["active"] != true {
			t.Fatalf("created person: %s", res.Body)
		}
		res = e.do(t, req{Method: "DELETE", Path: "/api/v1/departments/" + depID, Token: admin})
		if res.Status != http.StatusConflict || res.errorCode(t) != "conflict" {
			t.Errorf("delete a department in use: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/people/" + pid, Token: admin, Body: map[string]any{"title": "主査", "department_id": id(e.s1)}})
		if got := res.JSON(t); res.Status != 200 || got["title"] != "主査" || got["email"] != "hanako@example.jp" || got["department_id"] != id(e.s1) {
			t.Errorf("patch person: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "DELETE", Path: "/api/v1/departments/" + depID, Token: admin}); res.Status != http.StatusNoContent || len(res.Body) != 0 {
			t.Errorf("delete an empty department: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/departments/" + depID, Token: admin}); res.Status != 404 {
			t.Errorf("deleted department: %d", res.Status)
		}

		// Roles.
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people/" + pid + "/roles", Token: admin,
			Body: map[string]any{"role": "security_officer", "scope_id": id(e.b2)}})
		a := res.JSON(t)
		if res.Status != http.StatusCreated || a["role"] != "security_officer" || a["scope_id"] != id(e.b2) || a["person_id"] != pid {
			t.Fatalf("assign role: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people/" + pid + "/roles", Token: admin,
			Body: map[string]any{"role": "security_officer", "scope_id": id(e.b2)}})
		if res.Status != 400 || res.fieldCodes(t)["role"] != "role.already_held" {
			t.Errorf("assign twice: %d %s", res.Status, res.Body)
		}
		var roles struct{ Items []map[string]any }
		e.do(t, req{Method: "GET", Path: "/api/v1/people/" + pid + "/roles", Token: admin}).Decode(t, &roles)
		if len(roles.Items) != 1 || roles.Items[0]["id"] != a["id"] {
			t.Errorf("roles of the person: %+v", roles)
		}
		// Another person's assignment id is not found under this person.
		other := e.holder(t, authz.CISO)
		otherAs, _ := org.ListAssignments(context.Background(), d, e.sc, other.ID)
		if res := e.do(t, req{Method: "DELETE", Path: fmt.Sprintf("/api/v1/people/%s/roles/%d", pid, otherAs[0].ID), Token: admin}); res.Status != 404 {
			t.Errorf("unassign someone else's role through this person: %d", res.Status)
		}
		if res := e.do(t, req{Method: "DELETE", Path: "/api/v1/people/" + pid + "/roles/" + a["id"].(string), Token: admin}); res.Status != 204 {
			t.Errorf("unassign: %d %s", res.Status, res.Body)
		}
		e.do(t, req{Method: "GET", Path: "/api/v1/people/" + pid + "/roles", Token: admin}).Decode(t, &roles)
		if len(roles.Items) != 0 {
			t.Errorf("roles after unassign: %+v", roles)
		}

		// The catalogue.
		var cat struct {
			Items []struct {
				Code        string `json:"code"`
				NameJA      string `json:"name_ja"`
				NameEN      string `json:"name_en"`
				ScopeKind   string `json:"scope_kind"`
				MFARequired bool   `json:"mfa_required"`
			}
		}
		e.do(t, req{Method: "GET", Path: "/api/v1/roles", Token: e.holder(t, authz.Staff).Token}).Decode(t, &cat)
		if len(cat.Items) != len(authz.Catalogue) || cat.Items[0].Code != string(authz.Catalogue[0].Code) || cat.Items[0].NameJA == "" || !cat.Items[0].MFARequired {
			t.Errorf("role catalogue: %+v", cat)
		}

		// Me.
		var me struct {
			ID           string
			Name         string
			Organisation struct{ ID, Name string }
			Roles        []struct {
				Role    string
				ScopeID string `json:"scope_id"`
			}
			Permissions []string
		}
		officer := e.holder(t, authz.SecurityOfficer)
		e.do(t, req{Method: "GET", Path: "/api/v1/me", Token: officer.Token}).Decode(t, &me)
		if me.ID != id(officer.ID) || me.Organisation.ID != id(e.org.ID) || len(me.Roles) != 1 || me.Roles[0].Role != "security_officer" ||
			me.Roles[0].ScopeID != id(e.b1) || !slices.Contains(me.Permissions, "person.edit") || slices.Contains(me.Permissions, "trail.view") {
			t.Errorf("me: %+v", me)
		}

		// Disable and enable.
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people/" + pid + "/disable", Token: admin})
		if res.Status != 200 || res.JSON(t)["active"] != false {
			t.Errorf("disable: %d %s", res.Status, res.Body)
		}
		var inactive struct{ Items []struct{ ID string } }
		e.do(t, req{Method: "GET", Path: "/api/v1/people?active=false", Token: admin}).Decode(t, &inactive)
		if len(inactive.Items) != 1 || inactive.Items[0].ID != pid {
			t.Errorf("inactive people: %+v", inactive)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people/" + pid + "/enable", Token: admin})
		if res.Status != 200 || res.JSON(t)["active"] != true {
			t.Errorf("enable: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/people/" + id(e.holder(t, authz.Admin).ID) + "/disable", Token: admin})
		if res.Status != http.StatusConflict {
			t.Errorf("disable oneself: %d %s", res.Status, res.Body)
		}

		// The trail shows every entry with its fields.
		res = e.do(t, req{Method: "GET", Path: "/api/v1/trail?entity=person&entity_id=" + pid, Token: admin})
		var tr struct {
			Items      []map[string]json.RawMessage
			NextCursor string `json:"next_cursor"`
		}
		res.Decode(t, &tr)
		if len(tr.Items) != 4 { // create, update, disable, enable
			t.Errorf("trail of the person: %d entries: %s", len(tr.Items), res.Body)
		}
		for _, it := range tr.Items {
			for _, k := range []string{"id", "seq", "at", "actor_id", "actor_name", "action", "entity", "entity_id", "before", "after", "request_id", "client_addr", "hash", "prev_hash"} {
				if _, ok := it[k]; !ok {
					t.Errorf("trail entry without %s: %v", k, it)
				}
			}
			var at string
			_ = json.Unmarshal(it["at"], &at)
			if _, err := time.Parse(time.RFC3339Nano, at); err != nil {
				t.Errorf("at %q is not RFC 3339", at)
			}
			if it["id"][0] != '"' || it["actor_id"][0] != '"' {
				t.Errorf("ids are not strings: %s %s", it["id"], it["actor_id"])
			}
		}
		first := tr.Items[len(tr.Items)-1]
		if string(first["action"]) != `"create"` || string(first["before"]) != "null" || first["after"][0] != '{' {
			t.Errorf("creation entry: %v", first)
		}
		var after map[string]any
		_ = json.Unmarshal(first["after"], &after)
		if after["name"] != "経理 花子" {
			t.Errorf("creation entry after: %v", after)
		}
		// Date filters: today in Japan covers everything just written;
		// everything is before tomorrow and after yesterday.
		today := time.Now().In(time.FixedZone("JST", 9*3600)).Format(time.DateOnly)
		for q, want := range map[string]int{
			"from=" + today + "&to=" + today: 4,
			"to=" + today:                    4,
			"from=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339): 0,
			"to=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339):  0,
			"action=create": 1,
			"actor_id=" + id(e.holder(t, authz.Admin).ID): 4,
		} {
			var l struct{ Items []any }
			e.do(t, req{Method: "GET", Path: "/api/v1/trail?entity=person&entity_id=" + pid + "&" + q, Token: admin}).Decode(t, &l)
			if len(l.Items) != want {
				t.Errorf("trail with %s: %d entries, want %d", q, len(l.Items), want)
			}
		}
		auditor := e.holder(t, authz.Auditor)
		seq, hash := e.head(t)
		var head struct {
			Seq  int64
			Hash string
		}
		e.do(t, req{Method: "GET", Path: "/api/v1/trail/head", Token: auditor.Token}).Decode(t, &head)
		if head.Seq != seq || head.Hash != hash {
			t.Errorf("trail head %+v, want %d %s", head, seq, hash)
		}
		if rep, err := trail.Verify(context.Background(), d); err != nil || len(rep.Problems) != 0 {
			t.Errorf("trail verify: %v %v", rep.Problems, err)
		}
	})
}

// Paging through a list visits every item once.
func TestPagination(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "頁財団")
		admin := e.holder(t, authz.Admin).Token
		for i := range 23 {
			// Equal kana on purpose: the cursor must break ties by id.
			e.newPerson(t, fmt.Sprintf("頁 %02d", i), fmt.Sprintf("ぺーじ %d", i%4), e.s2)
		}
		for i := range 7 {
			e.newDepartment(t, fmt.Sprintf("頁課 %d", i), e.b2)
		}
		walk := func(path string, limit int) []string {
			t.Helper()
			var ids []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatalf("%s: endless paging", path)
				}
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				res := e.do(t, req{Method: "GET", Path: fmt.Sprintf("%s%slimit=%d&cursor=%s", path, sep, limit, url.QueryEscape(cursor)), Token: admin})
				var l struct {
					Items []struct {
						ID  string
						Seq int64
					}
					NextCursor string `json:"next_cursor"`
				}
				res.Decode(t, &l)
				if len(l.Items) > limit || (l.NextCursor != "" && len(l.Items) != limit) {
					t.Fatalf("%s: page of %d items with limit %d, next %q", path, len(l.Items), limit, l.NextCursor)
				}
				for _, it := range l.Items {
					ids = append(ids, it.ID)
				}
				if l.NextCursor == "" {
					return ids
				}
				cursor = l.NextCursor
			}
		}
		all := func(path string) []string { return walk(path, 200) }
		for _, c := range []struct {
			path  string
			limit int
		}{
			{"/api/v1/people", 5},
			{"/api/v1/people", 1},
			{"/api/v1/people?q=" + url.QueryEscape("ぺーじ 1"), 2},
			{"/api/v1/people?department_id=" + id(e.b1), 4},
			{"/api/v1/departments", 3},
			{"/api/v1/trail", 7},
			{"/api/v1/trail?action=create", 6},
		} {
			got := walk(c.path, c.limit)
			want := all(c.path)
			seen := map[string]bool{}
			for _, x := range got {
				if seen[x] {
					t.Errorf("%s by %d: %s twice", c.path, c.limit, x)
				}
				seen[x] = true
			}
			if !slices.Equal(got, want) || len(got) == 0 {
				t.Errorf("%s by %d: %d items, want the %d of one page", c.path, c.limit, len(got), len(want))
			}
		}
		if n := len(all("/api/v1/people?q=" + url.QueryEscape("ぺーじ 1"))); n != 6 {
			t.Errorf("search found %d, want 6", n)
		}
		if n := len(all("/api/v1/people?department_id=" + id(e.b1))); n != 23 {
			t.Errorf("people under B1: %d, want 23", n)
		}
		seq, _ := e.head(t)
		if n := len(all("/api/v1/trail")); int64(n) != seq {
			t.Errorf("trail: %d entries, head at %d", n, seq)
		}
	})
}

// Refusals are kept in the trail as "denied" with who, what and which
// permission was missing.
func TestDeniedRequestsAreInTheTrail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "拒否財団")
		staff := e.holder(t, authz.Staff)
		res := e.do(t, req{Method: "GET", Path: "/api/v1/trail", Token: staff.Token})
		if res.Status != 403 || res.errorCode(t) != "forbidden" {
			t.Fatalf("staff reads the trail: %d %s", res.Status, res.Body)
		}
		rid := res.Header.Get("X-Request-Id")
		res = e.do(t, req{Method: "GET", Path: "/api/v1/trail?action=denied&actor_id=" + id(staff.ID), Token: e.holder(t, authz.Auditor).Token})
		var l struct {
			Items []struct {
				ActorID   string `json:"actor_id"`
				ActorName string `json:"actor_name"`
				Entity    string
				EntityID  string `json:"entity_id"`
				RequestID string `json:"request_id"`
				After     map[string]string
			}
		}
		res.Decode(t, &l)
		if len(l.Items) != 1 {
			t.Fatalf("denied entries: %s", res.Body)
		}
		got := l.Items[0]
		if got.ActorID != id(staff.ID) || got.ActorName == "" || got.Entity != "request" || got.EntityID != "GET /api/v1/trail" ||
			got.RequestID != rid || got.After["permission"] != "trail.view" {
			t.Errorf("denied entry: %+v", got)
		}
		// A per-record refusal is kept too, with the permission it lacked.
		officer := e.holder(t, authz.SecurityOfficer)
		out := e.newPerson(t, "部外 者", "ぶがい", e.s3)
		if res := e.do(t, req{Method: "PATCH", Path: "/api/v1/people/" + id(out), Token: officer.Token, Body: map[string]any{"title": "x"}}); res.Status != 403 {
			t.Fatalf("officer edits outside: %d", res.Status)
		}
		last := e.newest(t)
		if last.Action != trail.Denied || last.ActorID != officer.ID || !strings.Contains(last.After, `"person.edit"`) {
			t.Errorf("per-record refusal: %+v", last)
		}
		if rep, err := trail.Verify(context.Background(), d); err != nil || len(rep.Problems) != 0 {
			t.Errorf("trail verify: %v %v", rep.Problems, err)
		}
	})
}

// Only a valid token of an active person gets in.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "認証財団")
		admin := e.holder(t, authz.Admin)
		revoked := e.newUser(t, "失効 太郎", e.s1)
		e.tx(t, func(tx *db.Tx) error { return auth.RevokeToken(context.Background(), tx, e.sc, revoked.TokenID) })
		disabled := e.newUser(t, "無効 次郎", e.s1)
		if res := e.do(t, req{Method: "POST", Path: "/api/v1/people/" + id(disabled.ID) + "/disable", Token: admin.Token}); res.Status != 200 {
			t.Fatalf("disable: %d %s", res.Status, res.Body)
		}
		// Inactive without the token revoked (as a restore or a direct
		// change could leave it): the person's state alone keeps them out.
		inactive := e.newUser(t, "休職 三郎", e.s1)
		if _, err := d.ExecContext(context.Background(), `UPDATE people SET active = ? WHERE org_id = ? AND id = ?`, false, e.org.ID, inactive.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ name, header string }{
			{"no header", ""},
			{"empty bearer", "Bearer "},
			{"basic", "Basic YWRtaW46cGFzc3dvcmQ="},
			{"lower-case scheme only", "bearer"},
			{"unknown token", "Bearer mamori_" + strings.Repeat("A", 43)},
			{"garbage", "Bearer \xff\xfe"},
			{"revoked token", "Bearer " + revoked.Token},
			{"disabled person", "Bearer " + disabled.Token},
			{"inactive person", "Bearer " + inactive.Token},
		} {
			seq, _ := e.head(t)
			h := map[string]string{}
			if c.header != "" {
				h["Authorization"] = c.header
			}
			res := e.do(t, req{Method: "GET", Path: "/api/v1/me", Header: h})
			if res.Status != http.StatusUnauthorized || res.errorCode(t) != "unauthenticated" {
				t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
			}
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", c.name, res.Header.Get("WWW-Authenticate"))
			}
			if after, _ := e.head(t); after != seq {
				t.Errorf("%s: the trail moved", c.name)
			}
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/me", Token: admin.Token}); res.Status != 200 {
			t.Errorf("valid token: %d", res.Status)
		}
		// Enabling the person again does not bring back revoked tokens.
		e.do(t, req{Method: "POST", Path: "/api/v1/people/" + id(disabled.ID) + "/enable", Token: admin.Token})
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/me", Token: disabled.Token}); res.Status != 401 {
			t.Errorf("token after enabling again: %d", res.Status)
		}
	})
}

// Paths and methods the table does not serve still get JSON.
func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "経路財団")
		admin := e.holder(t, authz.Admin).Token
		for _, c := range []struct {
			method, path string
			status       int
			code, allow  string
		}{
			{"GET", "/api/v1/nothing", 404, "not_found", ""},
			{"GET", "/api/v2/people", 404, "not_found", ""},
			{"PUT", "/api/v1/people", 405, "method_not_allowed", "GET, HEAD, POST"},
			{"DELETE", "/api/v1/trail", 405, "method_not_allowed", "GET, HEAD"},
			{"GET", "/api/v1/people/abc", 404, "not_found", ""},
			{"GET", "/api/v1/people/0", 404, "not_found", ""},
			{"GET", "/api/v1/people/99999999999999999999", 404, "not_found", ""},
			{"GET", "/api/v1/departments/-1", 404, "not_found", ""},
		} {
			res := e.do(t, req{Method: c.method, Path: c.path, Token: admin})
			if res.Status != c.status || res.errorCode(t) != c.code || res.Header.Get("Allow") != c.allow {
				t.Errorf("%s %s: %d %q %s", c.method, c.path, res.Status, res.Header.Get("Allow"), res.Body)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s: Cache-Control %q", c.method, c.path, res.Header.Get("Cache-Control"))
			}
		}
	})
}

// A failure inside answers 500 with the request id and nothing else, and
// is logged once with that id.
func TestInternalErrorIsLoggedNotShown(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var logs lockedBuffer
		_, h := newAPI(t, d, slog.New(slog.NewJSONHandler(&logs, nil)))
		d.Close() // every query now fails
		res := call(t, h, req{Method: "GET", Path: "/api/v1/me", Token: "mamori_" + strings.Repeat("A", 43)})
		rid := res.Header.Get("X-Request-Id")
		var b struct {
			Error struct{ Code, Message string }
		}
		res.Decode(t, &b)
		if res.Status != 500 || b.Error.Code != "internal" || !strings.Contains(b.Error.Message, rid) || rid == "" {
			t.Errorf("answer: %d %s", res.Status, res.Body)
		}
		if strings.Contains(strings.ToLower(b.Error.Message), "sql") || strings.Contains(b.Error.Message, "closed") {
			t.Errorf("internal text in the answer: %s", b.Error.Message)
		}
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], `"request_id":"`+rid+`"`) || !strings.Contains(lines[0], `"level":"ERROR"`) {
			t.Errorf("log: %q", logs.String())
		}
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
