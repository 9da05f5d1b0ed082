package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
)

func TestAdminSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		if body := e.do(http.MethodGet, "/settings", e.admin, nil).Body.String(); !strings.Contains(body, `value="`+org.DefaultName+`"`) ||
			strings.Contains(body, "<fieldset disabled>") {
			t.Errorf("settings form for the administrator is not open with the current name")
		}
		tests := []struct {
			name   string
			form   url.Values
			status int
			key    string
		}{
			{"idle too short", url.Values{"name": {"財団"}, "session_idle_minutes": {"1"}, "session_absolute_hours": {"8"}}, http.StatusBadRequest, "error.range"},
			{"hours not a number", url.Values{"name": {"財団"}, "session_idle_minutes": {"30"}, "session_absolute_hours": {"八"}}, http.StatusBadRequest, "error.invalid_number"},
			{"no name", url.Values{"name": {" "}, "session_idle_minutes": {"30"}, "session_absolute_hours": {"8"}}, http.StatusBadRequest, "error.required"},
			{"good", url.Values{"name": {"一般財団法人テスト協会"}, "name_en": {"Test Foundation"}, "mfa_required_all": {"on"},
				"session_idle_minutes": {"１５"}, "session_absolute_hours": {"8"}}, http.StatusSeeOther, ""},
		}
		for _, tt := range tests {
			w := e.do(http.MethodPost, "/settings", e.admin, tt.form)
			if w.Code != tt.status {
				t.Errorf("%s: status %d", tt.name, w.Code)
				continue
			}
			if tt.key != "" && !strings.Contains(w.Body.String(), tt.form.Get("session_absolute_hours")) {
				t.Errorf("%s: typed value not shown again", tt.name)
			}
		}
		o, err := org.Get(e.ctx, d, e.org.ID)
		if err != nil || o.Name != "一般財団法人テスト協会" || o.NameEN != "Test Foundation" || !o.MFARequiredAll || o.SessionIdleMinutes != 15 || o.SessionAbsoluteHours != 8 {
			t.Errorf("settings not saved: %+v %v", o, err)
		}

		// The CISO may look but not change.
		ciso := e.signIn(e.person("最高 責任者", 0, true, org.AssignmentInput{Role: string(authz.CISO)}))
		w := e.do(http.MethodGet, "/settings", ciso, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<fieldset disabled>") || strings.Contains(w.Body.String(), `type="submit" class="btn btn-primary"`) {
			t.Errorf("settings for the CISO are not read-only: %d", w.Code)
		}
		if w := e.do(http.MethodPost, "/settings", ciso, tests[3].form); w.Code != http.StatusForbidden {
			t.Errorf("CISO changed settings: %d", w.Code)
		}
	})
}

func TestAdminRolesPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		bureau := e.department("総務部", 0)
		e.person("責任者 花子", bureau, false, roleInput(authz.SecurityOfficer, bureau, 0))
		staff := e.signIn(e.person("職員 太郎", bureau, true))
		body := e.do(http.MethodGet, "/roles", staff, nil).Body.String()
		section := func(role authz.Role) string {
			m := regexp.MustCompile(`(?s)<section[^>]*id="role-` + string(role) + `">(.*?)</section>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no section for %s", role)
			}
			return m[1]
		}
		// What each role may do comes from the permission table.
		for _, ri := range authz.Catalogue {
			sec := section(ri.Code)
			for _, a := range authz.Actions {
				granted := false
				for _, rule := range authz.Table {
					if rule.Role == ri.Code && rule.Action == a {
						granted = true
					}
				}
				text := html.EscapeString(e.ja("perm." + string(a)))
				// Some texts contain others ("…の閲覧" in "…の閲覧・変更"), so
				// look for them whole, between separators.
				found := regexp.MustCompile(`[：、]` + regexp.QuoteMeta(text) + `(、|</li>)`).MatchString(sec)
				if found != granted {
					t.Errorf("%s: %s shown %v, granted %v", ri.Code, a, found, granted)
				}
			}
		}
		officer := section(authz.SecurityOfficer)
		if !strings.Contains(officer, "責任者 花子") || !strings.Contains(officer, "総務部") {
			t.Errorf("the officer is not listed with their 部局")
		}
		if strings.Contains(officer, `href="/people/`) {
			t.Errorf("staff get links to people they may not open")
		}
	})
}
