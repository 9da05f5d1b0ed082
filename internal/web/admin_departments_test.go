package web_test

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
)

func TestAdminDepartments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)

		// Create a 部局 and a 課室 under it through the form.
		w := e.do(http.MethodPost, "/departments", e.admin, url.Values{"name": {"企画部"}, "code": {"K01"}, "sort_order": {"２"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/departments" {
			t.Fatalf("create bureau: %d %s", w.Code, w.Header().Get("Location"))
		}
		depts, err := org.ListDepartments(e.ctx, d, e.sc)
		if err != nil || len(depts) != 1 {
			t.Fatalf("departments after create: %v %v", depts, err)
		}
		bureau := depts[0]
		if bureau.Code != "K01" || bureau.SortOrder != 2 || bureau.Kind != org.Bureau {
			t.Errorf("bureau = %+v", bureau)
		}
		w = e.do(http.MethodPost, "/departments", e.admin, url.Values{"name": {"企画課"}, "parent_id": {fmt.Sprint(bureau.ID)}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("create section: %d", w.Code)
		}

		// The list shows the tree: the 課室 right after its 部局.
		w = e.do(http.MethodGet, "/departments", e.admin, nil)
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, "企画部") || strings.Index(body, "企画部") > strings.Index(body, "企画課") {
			t.Errorf("list: %d, tree not shown in order", w.Code)
		}

		// Refused input shows the form again with the problem and the text typed.
		tests := []struct {
			name  string
			form  url.Values
			field string
			key   string
		}{
			{"no name", url.Values{"name": {""}, "code": {"X9"}}, "name", "error.required"},
			{"sort order not a number", url.Values{"name": {"総務部"}, "sort_order": {"先頭"}}, "sort_order", "error.invalid_number"},
			{"unknown parent", url.Values{"name": {"総務課"}, "parent_id": {"999999"}}, "parent_id", "error.invalid_choice"},
			{"duplicate name", url.Values{"name": {"企画課"}, "parent_id": {fmt.Sprint(bureau.ID)}}, "name", "department.name_taken"},
		}
		for _, tt := range tests {
			before := e.head()
			w := e.do(http.MethodPost, "/departments", e.admin, tt.form)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d", tt.name, w.Code)
				continue
			}
			body := w.Body.String()
			if !strings.Contains(body, html.EscapeString(e.ja(tt.key))) {
				t.Errorf("%s: message %q not shown", tt.name, e.ja(tt.key))
			}
			for _, f := range []string{"name", "code", "sort_order"} {
				if v := tt.form.Get(f); v != "" && !strings.Contains(body, `value="`+v+`"`) {
					t.Errorf("%s: typed %s %q not shown again", tt.name, f, v)
				}
			}
			if p := tt.form.Get("parent_id"); p != "" && p != "999999" && !strings.Contains(body, `value="`+p+`" selected`) {
				t.Errorf("%s: chosen parent not selected again", tt.name)
			}
			if e.head() != before {
				t.Errorf("%s: the trail moved on a refused form", tt.name)
			}
		}

		// Edit.
		path := fmt.Sprintf("/departments/%d", bureau.ID)
		if w := e.do(http.MethodGet, path, e.admin, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `value="企画部"`) {
			t.Errorf("edit page: %d", w.Code)
		}
		w = e.do(http.MethodPost, path, e.admin, url.Values{"name": {"企画調整部"}, "code": {"K01"}, "sort_order": {"1"}, "parent_id": {"0"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("update: %d %s", w.Code, w.Body.String())
		}
		got, err := org.GetDepartment(e.ctx, d, e.sc, bureau.ID)
		if err != nil || got.Name != "企画調整部" || got.SortOrder != 1 {
			t.Errorf("after update: %+v %v", got, err)
		}
		if w := e.do(http.MethodGet, "/departments/999999", e.admin, nil); w.Code != http.StatusNotFound {
			t.Errorf("unknown department: %d", w.Code)
		}

		// Deleting one in use is refused with a notice, not an error page.
		e.person("所属 花子", bureau.ID, false)
		w = e.do(http.MethodPost, path+"/delete", e.admin, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != path {
			t.Fatalf("delete in use: %d %s", w.Code, w.Header().Get("Location"))
		}
		if _, err := org.GetDepartment(e.ctx, d, e.sc, bureau.ID); err != nil {
			t.Errorf("department in use was deleted: %v", err)
		}
		var flash *http.Cookie
		for _, c := range w.Result().Cookies() {
			if c.Name == "mamori_flash" {
				flash = c
			}
		}
		if flash == nil {
			t.Fatal("no notice after refusing to delete")
		}
		w = e.serve(newRequest(http.MethodGet, path, e.admin, nil, flash))
		if !strings.Contains(w.Body.String(), e.ja("department.not_empty")) {
			t.Errorf("the notice does not say why the department stays")
		}

		// An empty one goes.
		empty := e.department("廃止予定課", 0)
		w = e.do(http.MethodPost, fmt.Sprintf("/departments/%d/delete", empty), e.admin, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/departments" {
			t.Fatalf("delete: %d %s", w.Code, w.Header().Get("Location"))
		}
		if _, err := org.GetDepartment(e.ctx, d, e.sc, empty); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleted department still there: %v", err)
		}
	})
}
