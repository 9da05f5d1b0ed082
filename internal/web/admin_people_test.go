package web_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
)

func personForm(name, email string, dept int64) url.Values {
	return url.Values{"name": {name}, "name_kana": {"てすと"}, "email": {email}, "title": {"主事"},
		"department_id": {fmt.Sprint(dept)}, "staff_category": {"regular"}}
}

func countPeople(t *testing.T, e *adminEnv) int {
	t.Helper()
	page, err := org.ListPeople(e.ctx, e.d, e.sc, authz.Grant{All: true}, 0, org.PersonFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

func TestAdminPersonCreate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		dept := e.department("総務部", 0)
		tests := []struct {
			name   string
			form   url.Values
			status int
			field  string
			key    string
		}{
			{"bad email", personForm("山田 太郎", "yamada@@example", dept), http.StatusBadRequest, "email", "error.email"},
			{"no name", personForm("", "yamada@example.lg.jp", dept), http.StatusBadRequest, "name", "error.required"},
			{"unknown department", personForm("山田 太郎", "", 999999), http.StatusBadRequest, "department_id", "error.invalid_choice"},
			{"bad category", func() url.Values {
				f := personForm("山田 太郎", "", dept)
				f.Set("staff_category", "boss")
				return f
			}(),
				http.StatusBadRequest, "staff_category", "error.invalid_choice"},
			{"good", personForm("山田 太郎", "yamada@example.lg.jp", dept), http.StatusSeeOther, "", ""},
		}
		for _, tt := range tests {
			head, people := e.head(), countPeople(t, e)
			w := e.do(http.MethodPost, "/people", e.admin, tt.form)
			if w.Code != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.status)
				continue
			}
			if tt.status == http.StatusSeeOther {
				if !regexp.MustCompile(`^/people/\d+$`).MatchString(w.Header().Get("Location")) {
					t.Errorf("%s: redirected to %q", tt.name, w.Header().Get("Location"))
				}
				if countPeople(t, e) != people+1 {
					t.Errorf("%s: no person created", tt.name)
				}
				continue
			}
			body := w.Body.String()
			msg := html.EscapeString(e.ja(tt.key))
			// The message sits beside its field, tied to it for screen readers.
			m := regexp.MustCompile(`<p class="field-error" id="([^"]+)">` + regexp.QuoteMeta(msg)).FindStringSubmatch(body)
			if m == nil || !regexp.MustCompile(`aria-describedby="[^"]*\b`+regexp.QuoteMeta(m[1])+`\b`).MatchString(body) {
				t.Errorf("%s: %q not shown beside the field", tt.name, e.ja(tt.key))
			}
			if n := tt.form.Get("name"); n != "" && !strings.Contains(body, `value="`+n+`"`) {
				t.Errorf("%s: typed name not shown again", tt.name)
			}
			if m := tt.form.Get("email"); m != "" && !strings.Contains(body, `value="`+html.EscapeString(m)+`"`) {
				t.Errorf("%s: typed email not shown again", tt.name)
			}
			if e.head() != head || countPeople(t, e) != people {
				t.Errorf("%s: something was written", tt.name)
			}
		}
	})
}

func TestAdminOfficerReach(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		bureauA := e.department("総務部", 0)
		sectionA := e.department("総務課", bureauA)
		bureauB := e.department("事業部", 0)
		inside := e.person("内側 一郎", sectionA, false)
		outside := e.person("外側 二郎", bureauB, false)
		officer := e.signIn(e.person("責任者 三郎", bureauA, true, roleInput(authz.SecurityOfficer, bureauA, 0)))

		tests := []struct {
			name   string
			method string
			path   string
			form   url.Values
			status int
		}{
			{"view inside", http.MethodGet, fmt.Sprintf("/people/%d", inside), nil, http.StatusOK},
			{"view outside", http.MethodGet, fmt.Sprintf("/people/%d", outside), nil, http.StatusForbidden},
			{"edit outside", http.MethodPost, fmt.Sprintf("/people/%d", outside), personForm("外側 二郎", "", bureauB), http.StatusForbidden},
			{"pull outside in", http.MethodPost, fmt.Sprintf("/people/%d", outside), personForm("外側 二郎", "", sectionA), http.StatusForbidden},
			{"move inside out", http.MethodPost, fmt.Sprintf("/people/%d", inside), personForm("内側 一郎", "", bureauB), http.StatusForbidden},
			{"create outside", http.MethodPost, "/people", personForm("新人 四郎", "", bureauB), http.StatusForbidden},
			{"create without department", http.MethodPost, "/people", personForm("新人 四郎", "", 0), http.StatusForbidden},
			{"edit inside", http.MethodPost, fmt.Sprintf("/people/%d", inside), personForm("内側 一郎", "ichiro@example.lg.jp", bureauA), http.StatusSeeOther},
			{"create inside", http.MethodPost, "/people", personForm("新人 五郎", "", sectionA), http.StatusSeeOther},
		}
		for _, tt := range tests {
			head := e.head()
			w := e.do(tt.method, tt.path, officer, tt.form)
			if w.Code != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.status)
				continue
			}
			if tt.status == http.StatusForbidden {
				got, ok := e.lastDenied(officer.personID)
				if !ok || got.EntityID != tt.method+" "+tt.path || got.Seq != head+1 {
					t.Errorf("%s: refusal not recorded (or more written): %+v", tt.name, got)
				}
			}
		}
		if p, _ := org.GetPerson(e.ctx, d, e.sc, outside); p.DepartmentID != bureauB {
			t.Errorf("outside person was moved: %+v", p)
		}
		if p, _ := org.GetPerson(e.ctx, d, e.sc, inside); p.Email != "ichiro@example.lg.jp" || p.DepartmentID != bureauA {
			t.Errorf("inside person not updated: %+v", p)
		}

		// The list shows only those within reach, and the new-person form
		// offers only departments within reach.
		body := e.do(http.MethodGet, "/people", officer, nil).Body.String()
		if !strings.Contains(body, "内側 一郎") || strings.Contains(body, "外側 二郎") {
			t.Errorf("list is not limited to the officer's 部局")
		}
		body = e.do(http.MethodGet, "/people/new", officer, nil).Body.String()
		if !strings.Contains(body, fmt.Sprintf(`value="%d"`, sectionA)) || strings.Contains(body, fmt.Sprintf(`value="%d"`, bureauB)) {
			t.Errorf("new-person form offers departments out of reach")
		}

		// Staff see themselves only.
		staff := e.signIn(e.person("職員 六郎", sectionA, true))
		if w := e.do(http.MethodGet, fmt.Sprintf("/people/%d", staff.personID), staff, nil); w.Code != http.StatusOK {
			t.Errorf("staff viewing themself: %d", w.Code)
		}
		body = e.do(http.MethodGet, "/people", staff, nil).Body.String()
		if !strings.Contains(body, "職員 六郎") || strings.Contains(body, "内側 一郎") {
			t.Errorf("staff list is not just themself")
		}
	})
}

func TestAdminOtherOrganisation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		var foreign org.Person
		var foreignAssignment org.RoleAssignment
		e.tx(func(tx *db.Tx) error {
			o2, err := org.Create(context.Background(), tx, "別の団体")
			if err != nil {
				return err
			}
			sc2 := scope.System(o2.ID, "test")
			foreign, err = org.CreatePerson(e.ctx, tx, sc2, org.PersonInput{Name: "他団体 太郎"})
			if err != nil {
				return err
			}
			foreignAssignment, err = org.Assign(e.ctx, tx, sc2, foreign.ID, org.AssignmentInput{Role: string(authz.Auditor)})
			return err
		})
		paths := []struct{ method, path string }{
			{http.MethodGet, fmt.Sprintf("/people/%d", foreign.ID)},
			{http.MethodPost, fmt.Sprintf("/people/%d", foreign.ID)},
			{http.MethodPost, fmt.Sprintf("/people/%d/disable", foreign.ID)},
			{http.MethodPost, fmt.Sprintf("/people/%d/password", foreign.ID)},
			{http.MethodPost, fmt.Sprintf("/people/%d/roles/%d/delete", foreign.ID, foreignAssignment.ID)},
			{http.MethodGet, "/people/abc"},
		}
		for _, p := range paths {
			form := url.Values{}
			if p.method == http.MethodPost && !strings.HasSuffix(p.path, "delete") && !strings.HasSuffix(p.path, "disable") && !strings.HasSuffix(p.path, "password") {
				form = personForm("乗っ取り", "", 0)
			}
			if w := e.do(p.method, p.path, e.admin, form); w.Code != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", p.method, p.path, w.Code)
			}
		}
		if strings.Contains(e.do(http.MethodGet, "/people?status=all", e.admin, nil).Body.String(), "他団体 太郎") {
			t.Errorf("another organisation's person is listed")
		}
	})
}

func TestAdminDisableEndsSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		pid := e.person("退職 予定", 0, true)
		s := e.signIn(pid)
		if w := e.do(http.MethodGet, "/roles", s, nil); w.Code != http.StatusOK {
			t.Fatalf("before: %d", w.Code)
		}
		w := e.do(http.MethodPost, fmt.Sprintf("/people/%d/disable", pid), e.admin, nil)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("disable: %d", w.Code)
		}
		if w := e.do(http.MethodGet, "/roles", s, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/signin") {
			t.Errorf("after disabling, their session still works: %d %s", w.Code, w.Header().Get("Location"))
		}
		if w := e.do(http.MethodPost, fmt.Sprintf("/people/%d/enable", pid), e.admin, nil); w.Code != http.StatusSeeOther {
			t.Errorf("enable: %d", w.Code)
		}
		if w := e.do(http.MethodGet, "/roles", s, nil); w.Code == http.StatusOK {
			t.Errorf("an ended session came back on enabling")
		}
		if p, _ := org.GetPerson(e.ctx, d, e.sc, pid); !p.Active {
			t.Errorf("not enabled again")
		}
		// Nobody disables themself.
		w = e.do(http.MethodPost, fmt.Sprintf("/people/%d/disable", e.admin.personID), e.admin, nil)
		if w.Code != http.StatusSeeOther {
			t.Errorf("self-disable: %d", w.Code)
		}
		if p, _ := org.GetPerson(e.ctx, d, e.sc, e.admin.personID); !p.Active {
			t.Errorf("the administrator disabled themself")
		}
	})
}

var shownPassword = regexp.MustCompile(`<code class="hash" id="new-password">([^<]+)</code>`)

func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		pid := e.person("佐藤 花子", 0, false)
		path := fmt.Sprintf("/people/%d", pid)

		refused := []struct {
			name string
			form url.Values
			key  string
			args []any
		}{
			{"no login", url.Values{"login": {""}}, "error.required", nil},
			{"bad login", url.Values{"login": {"さとう"}}, "person.login_rule", nil},
			{"taken login", url.Values{"login": {"admin"}}, "person.login_taken", nil},
			{"short password", url.Values{"login": {"sato"}, "password_mode": {"manual"}, "password": {"short"}}, "password.too_short", []any{auth.MinPasswordRunes}},
			{"no password", url.Values{"login": {"sato"}, "password_mode": {"manual"}}, "error.required", nil},
		}
		for _, tt := range refused {
			head := e.head()
			w := e.do(http.MethodPost, path+"/account", e.admin, tt.form)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), html.EscapeString(e.ja(tt.key, tt.args...))) {
				t.Errorf("%s: status %d, message %q shown: %v", tt.name, w.Code, e.ja(tt.key, tt.args...),
					strings.Contains(w.Body.String(), html.EscapeString(e.ja(tt.key, tt.args...))))
			}
			if strings.Contains(w.Body.String(), `value="short"`) {
				t.Errorf("a typed password was sent back")
			}
			if e.head() != head {
				t.Errorf("%s: trail moved", tt.name)
			}
		}

		// A generated password is shown once and must be changed.
		w := e.do(http.MethodPost, path+"/account", e.admin, url.Values{"login": {"Sato.Hanako"}, "password_mode": {"generate"}})
		m := shownPassword.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || m == nil {
			t.Fatalf("create account: %d, password shown: %v", w.Code, m != nil)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("page with a password is cacheable: %q", cc)
		}
		a, err := auth.Authenticate(e.ctx, d, "sato.hanako", m[1], "192.0.2.20", "test")
		if err != nil || !a.MustChangePassword {
			t.Fatalf("generated password: %v, must change %v", err, a.MustChangePassword)
		}
		if w := e.do(http.MethodGet, path, e.admin, nil); shownPassword.MatchString(w.Body.String()) {
			t.Errorf("the password is shown again")
		}
		if w := e.do(http.MethodPost, path+"/account", e.admin, url.Values{"login": {"sato2"}}); w.Code != http.StatusSeeOther {
			t.Errorf("second account: %d", w.Code)
		}

		// Reset: a new password, shown once, and their sessions end.
		s := e.signIn(pid)
		w = e.do(http.MethodPost, path+"/password", e.admin, nil)
		m2 := shownPassword.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || m2 == nil || m2[1] == m[1] {
			t.Fatalf("reset: %d", w.Code)
		}
		if _, err := auth.LookupSession(e.ctx, d, s.cookie, 0); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("session survived a password reset: %v", err)
		}
		if _, err := auth.Authenticate(e.ctx, d, "sato.hanako", m2[1], "192.0.2.20", "test"); err != nil {
			t.Errorf("reset password does not work: %v", err)
		}

		// MFA reset.
		e.enableMFA(pid)
		if w := e.do(http.MethodPost, path+"/mfa-reset", e.admin, nil); w.Code != http.StatusSeeOther {
			t.Errorf("mfa reset: %d", w.Code)
		}
		if a, _ := auth.GetAccount(e.ctx, d, e.org.ID, pid); a.MFAEnabled {
			t.Errorf("MFA still enabled")
		}

		// Without an account there is nothing to reset.
		other := e.person("未登録 次郎", 0, false)
		w = e.do(http.MethodPost, fmt.Sprintf("/people/%d/password", other), e.admin, nil)
		if w.Code != http.StatusSeeOther {
			t.Errorf("reset without account: %d", w.Code)
		}
		if _, err := auth.GetAccount(e.ctx, d, e.org.ID, other); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("an account appeared: %v", err)
		}
	})
}

func TestAdminRoleAssignments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		bureau := e.department("総務部", 0)
		section := e.department("総務課", bureau)
		pid := e.person("役割 太郎", section, false)
		path := fmt.Sprintf("/people/%d/roles", pid)
		tests := []struct {
			name   string
			form   url.Values
			status int
			key    string
		}{
			{"no role", url.Values{"kind": {"org"}}, http.StatusBadRequest, "error.required_choice"},
			{"officer on a section", url.Values{"kind": {"department"}, "role": {"security_officer"}, "scope_id": {fmt.Sprint(section)}}, http.StatusBadRequest, "role.bureau_required"},
			{"manager without section", url.Values{"kind": {"department"}, "role": {"security_manager"}}, http.StatusBadRequest, "role.department_required"},
			{"system without number", url.Values{"kind": {"system"}, "role": {"system_admin"}}, http.StatusBadRequest, "role.system_required"},
			{"staff", url.Values{"kind": {"org"}, "role": {"staff"}}, http.StatusBadRequest, "role.staff_implied"},
			{"officer", url.Values{"kind": {"department"}, "role": {"security_officer"}, "scope_id": {fmt.Sprint(bureau)}}, http.StatusSeeOther, ""},
			{"officer again", url.Values{"kind": {"department"}, "role": {"security_officer"}, "scope_id": {fmt.Sprint(bureau)}}, http.StatusBadRequest, "role.already_held"},
			{"system admin", url.Values{"kind": {"system"}, "role": {"system_admin"}, "scope_id": {"３"}}, http.StatusSeeOther, ""},
			{"ciso", url.Values{"kind": {"org"}, "role": {"ciso"}}, http.StatusSeeOther, ""},
		}
		for _, tt := range tests {
			w := e.do(http.MethodPost, path, e.admin, tt.form)
			if w.Code != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.status)
				continue
			}
			if tt.key != "" && !strings.Contains(w.Body.String(), html.EscapeString(e.ja(tt.key))) {
				t.Errorf("%s: %q not shown", tt.name, e.ja(tt.key))
			}
		}
		as, err := org.ListAssignments(e.ctx, d, e.sc, pid)
		if err != nil || len(as) != 3 {
			t.Fatalf("assignments: %v %v", as, err)
		}
		if as[1].ScopeKind != authz.ScopeSystem || as[1].ScopeID != 3 {
			t.Errorf("system role: %+v", as[1])
		}
		// The person page lists them; the roles page names the holder.
		body := e.do(http.MethodGet, fmt.Sprintf("/people/%d", pid), e.admin, nil).Body.String()
		if !strings.Contains(body, e.ja("role.security_officer")) || !strings.Contains(body, "総務部") {
			t.Errorf("person page does not list the roles")
		}
		body = e.do(http.MethodGet, "/roles", e.admin, nil).Body.String()
		if !strings.Contains(body, "役割 太郎") {
			t.Errorf("roles page does not name the holder")
		}
		w := e.do(http.MethodPost, fmt.Sprintf("%s/%d/delete", path, as[0].ID), e.admin, nil)
		if w.Code != http.StatusSeeOther {
			t.Errorf("unassign: %d", w.Code)
		}
		if as, _ := org.ListAssignments(e.ctx, d, e.sc, pid); len(as) != 2 {
			t.Errorf("after unassign: %v", as)
		}
		// An assignment of someone else cannot be removed through this person.
		adminAs, _ := org.ListAssignments(e.ctx, d, e.sc, e.admin.personID)
		if w := e.do(http.MethodPost, fmt.Sprintf("%s/%d/delete", path, adminAs[0].ID), e.admin, nil); w.Code != http.StatusNotFound {
			t.Errorf("foreign assignment: %d", w.Code)
		}
		// The last administrator stays.
		w = e.do(http.MethodPost, fmt.Sprintf("/people/%d/roles/%d/delete", e.admin.personID, adminAs[0].ID), e.admin, nil)
		if w.Code != http.StatusSeeOther {
			t.Errorf("last admin: %d", w.Code)
		}
		if as, _ := org.ListAssignments(e.ctx, d, e.sc, e.admin.personID); len(as) != 1 {
			t.Errorf("the last administrator role was removed")
		}
	})
}

func TestAdminPeopleList(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		bureau := e.department("事業部", 0)
		section := e.department("事業課", bureau)
		other := e.department("総務部", 0)
		e.tx(func(tx *db.Tx) error {
			for i := range 55 {
				if _, err := org.CreatePerson(e.ctx, tx, e.sc, org.PersonInput{Name: fmt.Sprintf("事業 職員%02d", i),
					NameKana: fmt.Sprintf("じぎょう%02d", i), DepartmentID: section, StaffCategory: "regular"}); err != nil {
					return err
				}
			}
			_, err := org.CreatePerson(e.ctx, tx, e.sc, org.PersonInput{Name: "派遣 花子", NameKana: "はけん", Email: "haken@example.lg.jp",
				DepartmentID: other, StaffCategory: "dispatched"})
			return err
		})
		gone := e.person("退職 三郎", other, false)
		e.tx(func(tx *db.Tx) error { _, err := org.SetActive(e.ctx, tx, e.sc, gone, false); return err })

		rows := regexp.MustCompile(`<th scope="row"><a href="/people/\d+">([^<]+)</a>`)
		names := func(body string) []string {
			var out []string
			for _, m := range rows.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		tests := []struct {
			query string
			want  []string // all of these, and only these when exact
			exact bool
			count int
		}{
			{"q=haken%40example", []string{"派遣 花子"}, true, 1},
			{"q=" + url.QueryEscape("はけ"), []string{"派遣 花子"}, true, 1},
			{"q=admin", []string{"管理者"}, true, 1},
			{"category=dispatched", []string{"派遣 花子"}, true, 1},
			{"status=inactive", []string{"退職 三郎"}, true, 1},
			{"department=" + fmt.Sprint(other), []string{"派遣 花子"}, true, 1},
			{"department=" + fmt.Sprint(other) + "&status=all", []string{"派遣 花子", "退職 三郎"}, true, 2},
			{"department=" + fmt.Sprint(bureau), []string{"事業 職員00"}, false, 50},
		}
		for _, tt := range tests {
			w := e.do(http.MethodGet, "/people?"+tt.query, e.admin, nil)
			got := names(w.Body.String())
			if w.Code != http.StatusOK || len(got) != tt.count {
				t.Errorf("%s: status %d, %d rows %v, want %d", tt.query, w.Code, len(got), got, tt.count)
				continue
			}
			for _, n := range tt.want {
				if !strings.Contains(strings.Join(got, "|"), n) {
					t.Errorf("%s: %s missing from %v", tt.query, n, got)
				}
			}
		}

		// The next page continues where the first stopped, with the filter kept.
		w := e.do(http.MethodGet, fmt.Sprintf("/people?department=%d", bureau), e.admin, nil)
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(w.Body.String())
		if next == nil {
			t.Fatal("no next link")
		}
		w = e.do(http.MethodGet, html.UnescapeString(next[1]), e.admin, nil)
		got := names(w.Body.String())
		if len(got) != 5 || got[0] != "事業 職員50" {
			t.Errorf("second page: %v", got)
		}
		if strings.Contains(w.Body.String(), `rel="next"`) {
			t.Errorf("a next link on the last page")
		}
		for _, bad := range []string{"cursor=bm90YWN1cnNvcg", "department=x", "status=gone", "category=boss"} {
			if w := e.do(http.MethodGet, "/people?"+bad, e.admin, nil); w.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d", bad, w.Code)
			}
		}
	})
}
