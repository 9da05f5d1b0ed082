package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/org"
)

type shot struct {
	name, path string
	width      int
	height     int
}

// TestAdminScreens takes headless-Chromium screenshots of the
// administration pages, for a person to look at. It runs only when
// MAMORI_SCREENSHOTS names a folder to write them to.
//
// Chromium is driven from its command line, so a small front handler
// signs every request in (the session cookie) and turns "/_post/<path>?…"
// into the POST a form would send, to capture pages shown after one.
func TestAdminScreens(t *testing.T) {
	dir := os.Getenv("MAMORI_SCREENSHOTS")
	if dir == "" {
		t.Skip("MAMORI_SCREENSHOTS not set")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium")
	}
	d := dbtest.Open(t, db.SQLite)
	e := newAdminEnv(t, d)
	somu := e.department("総務部", 0)
	somuka := e.department("総務課", somu)
	joho := e.department("情報政策課", somu)
	jigyo := e.department("事業部", 0)
	fukushi := e.department("福祉事業課", jigyo)
	e.person("山田 太郎", somuka, true, roleInput(authz.SecurityOfficer, somu, 0), org.AssignmentInput{Role: string(authz.Committee)})
	e.person("佐藤 花子", joho, true, roleInput(authz.SecurityManager, 0, joho), roleInput(authz.SystemAdmin, 0, 0))
	e.person("鈴木 一郎", fukushi, false)
	target := e.person("高橋 美咲", fukushi, true, org.AssignmentInput{Role: string(authz.CSIRT)})
	e.tx(func(tx *db.Tx) error {
		_, err := org.UpdateDepartment(e.ctx, tx, e.sc, joho, org.DepartmentInput{Name: "デジタル推進課", ParentID: somu, SortOrder: 2})
		return err
	})
	e.do(http.MethodGet, "/trail", e.signIn(e.person("伊藤 健", somuka, true)), nil)
	e.do(http.MethodGet, "/trail/export.csv?action=create", e.admin, nil)

	for _, lang := range []string{"ja", "en"} {
		front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: e.admin.cookie})
			r.Header.Set("Accept-Language", lang)
			if p, ok := strings.CutPrefix(r.URL.Path, "/_post"); ok {
				form := r.URL.Query()
				form.Set("csrf", e.admin.csrf)
				r2 := newRequest(http.MethodPost, p, e.admin, form)
				r2.Header.Set("Accept-Language", lang)
				r = r2
			}
			httpx.SecurityHeaders(e.h).ServeHTTP(w, r)
		})
		srv := httptest.NewServer(front)
		shots := []shot{
			{"departments", "/departments", 1280, 0},
			{"department_edit", fmt.Sprintf("/departments/%d", somu), 1280, 0},
			{"department_error", "/_post/departments?name=&sort_order=" + url.QueryEscape("先頭"), 1280, 0},
			{"people", "/people", 1280, 0},
			{"people_narrow", "/people", 390, 2400},
			{"person_new", "/people/new", 1280, 0},
			{"person_new_error", "/_post/people?name=" + url.QueryEscape("山田 次郎") + "&email=" + url.QueryEscape("jiro@@example"), 1280, 0},
			{"person", fmt.Sprintf("/people/%d", target), 1280, 3400},
			{"person_narrow", fmt.Sprintf("/people/%d", target), 390, 5200},
			{"person_password", fmt.Sprintf("/_post/people/%d/password", target), 1280, 1200},
			{"person_role_error", fmt.Sprintf("/_post/people/%d/roles?kind=department&role=security_officer&scope_id=%d", target, fukushi), 1280, 3400},
			{"roles", "/roles", 1280, 3000},
			{"settings", "/settings", 1280, 0},
			{"trail", "/trail", 1280, 2400},
			{"trail_narrow", "/trail", 390, 3000},
			{"trail_error", "/trail?from=" + url.QueryEscape("令和7年13月1日"), 1280, 0},
		}
		if lang == "en" {
			// The reader's own choice wins over the browser's.
			e.tx(func(tx *db.Tx) error {
				return auth.SetPreferences(e.ctx, tx, e.sc, e.admin.personID, auth.LocaleEN, auth.DateStyleISO)
			})
			shots = slices.DeleteFunc(shots, func(s shot) bool {
				return !slices.Contains([]string{"person", "roles", "trail", "people_narrow", "trail_error"}, s.name)
			})
		}
		for _, s := range shots {
			out := filepath.Join(dir, fmt.Sprintf("%s-%s.png", lang, s.name))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--hide-scrollbars", "--user-data-dir="+t.TempDir(),
				fmt.Sprintf("--window-size=%d,%d", s.width, max(s.height, 1800)), "--screenshot="+out, srv.URL+s.path)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: %v\n%s", s.name, err, b)
			}
			cancel()
		}
		srv.Close()
	}
}
