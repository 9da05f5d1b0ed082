package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"

	"github.com/pquerna/otp/totp"
)

func TestAcctPasswordChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, true)
		ctx := context.Background()

		// A second browser signed in as the same person, before the change.
		elsewhere := e.client()
		wantRedirect(t, elsewhere.signIn("yamada", acctStaffPass), "/", "other sign-in")

		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		// A temporary password leads to the change form, whatever is asked.
		wantRedirect(t, c.get("/"), "/account/password", "home with a temporary password")
		wantRedirect(t, c.get("/account"), "/account/password", "account with a temporary password")
		page := c.get("/account/password")
		wantStatus(t, page, http.StatusOK, "password form")
		for _, want := range []string{e.text("password.must_change"), e.text("password.rules.length"), e.text("password.rules.common"),
			`autocomplete="current-password"`, `autocomplete="new-password"`, `autocomplete="username"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("password form lacks %q", want)
			}
		}

		tests := []struct {
			name                 string
			current, newPW, conf string
			field, key           string
		}{
			{"all empty", "", "", "", "current", "error.required"},
			{"too short", acctStaffPass, "short-pass", "short-pass", "new", "password.too_short"},
			{"common", acctStaffPass, "Password1234", "Password1234", "new", "password.common"},
			{"contains login", acctStaffPass, "yamada-no-himitsu-kichi", "yamada-no-himitsu-kichi", "new", "password.contains_login"},
			{"mismatch", acctStaffPass, acctNewPass, acctNewPass + "x", "confirm", "password.mismatch"},
			{"same as now", acctStaffPass, acctStaffPass, acctStaffPass, "new", "password.same_as_current"},
			{"wrong current", "not-my-password-at-all", acctNewPass, acctNewPass, "current", "password.current_wrong"},
		}
		for _, tt := range tests {
			r := c.submit("/account/password", "/account/password", url.Values{"current": {tt.current}, "new": {tt.newPW}, "confirm": {tt.conf}})
			wantStatus(t, r, http.StatusBadRequest, tt.name)
			var want string
			switch tt.key {
			case "password.too_short":
				want = e.text(tt.key, auth.MinPasswordRunes)
			default:
				want = e.text(tt.key)
			}
			errID := tt.field + "-error"
			if !regexp.MustCompile(`id="` + errID + `">` + regexp.QuoteMeta(want) + `<`).MatchString(r.body) {
				t.Errorf("%s: no %q beside %s\n%s", tt.name, want, tt.field, snippet(r.body))
			}
			if !regexp.MustCompile(`aria-describedby="[^"]*` + errID).MatchString(r.body) {
				t.Errorf("%s: %s not bound to its field", tt.name, errID)
			}
			for _, pw := range []string{tt.current, tt.newPW, tt.conf} {
				if len(pw) > 0 && strings.Contains(r.body, `value="`+pw+`"`) {
					t.Errorf("%s: a password was written back into the page", tt.name)
				}
			}
		}

		before := c.cookie("mamori_session")
		r := c.submit("/account/password", "/account/password", url.Values{"current": {acctStaffPass}, "new": {acctNewPass}, "confirm": {acctNewPass}})
		wantRedirect(t, r, "/", "change")
		if c.cookie("mamori_session") != before {
			t.Error("this browser's session changed")
		}
		home := c.get("/")
		wantStatus(t, home, http.StatusOK, "home after the change")
		if !strings.Contains(home.body, e.text("password.changed")) {
			t.Error("no notice of the change")
		}
		// Everyone else signed in as this person is signed out.
		wantRedirect(t, elsewhere.get("/"), "/signin?next=%2F", "other session after the change")
		// Only the new password works now.
		wantStatus(t, e.client().signIn("yamada", acctStaffPass), http.StatusBadRequest, "old password")
		wantRedirect(t, e.client().signIn("yamada", acctNewPass), "/", "new password")
		a, err := auth.GetAccountByLogin(ctx, d, "yamada")
		if err != nil || a.MustChangePassword {
			t.Fatalf("account after change: %+v, %v", a, err)
		}
	})
}

func TestAcctPasswordWaitsForMFA(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		// A CISO with a temporary password: enrolment comes first.
		e.addPerson("山田 太郎", "yamada", acctStaffPass, true, authz.CISO)
		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		wantRedirect(t, c.get("/account/password"), "/mfa/enrol", "password before enrolment")
		r := c.submit("/mfa/enrol", "/account/password", url.Values{"current": {acctStaffPass}, "new": {acctNewPass}, "confirm": {acctNewPass}})
		wantRedirect(t, r, "/mfa/enrol", "password change posted before enrolment")
		enrol(t, c)
		wantRedirect(t, c.get("/"), "/account/password", "home after enrolment")
	})
}

func TestAcctTokens(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		ctx := context.Background()
		me := e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		other := e.addPerson("鈴木 一郎", "suzuki", acctStaffPass, false)
		var othersToken int64
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			var err error
			_, othersToken, err = auth.CreateToken(ctx, tx, scope.System(e.orgID, "test"), other, "他人のトークン")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		page := c.get("/account")
		wantStatus(t, page, http.StatusOK, "account")
		if !strings.Contains(page.body, e.text("token.empty")) || strings.Contains(page.body, "他人のトークン") {
			t.Error("token list is not this person's")
		}

		r := c.submit("/account", "/account/tokens", url.Values{"name": {"  "}})
		wantStatus(t, r, http.StatusBadRequest, "token without a name")
		if !strings.Contains(r.body, `id="token-name-error"`) {
			t.Error("missing name not explained beside the field")
		}
		r = c.submit("/account", "/account/tokens", url.Values{"name": {strings.Repeat("長", auth.MaxTokenNameRunes+1)}})
		wantStatus(t, r, http.StatusBadRequest, "token name too long")
		if !strings.Contains(r.body, e.text("error.too_long", auth.MaxTokenNameRunes)) {
			t.Error("too long name not explained with its limit")
		}

		r = c.submit("/account", "/account/tokens", url.Values{"name": {"資産台帳との連携"}})
		wantStatus(t, r, http.StatusOK, "issue a token")
		m := regexp.MustCompile(`<code class="hash" id="new-token">(mamori_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("token not shown\n%s", snippet(r.body))
		}
		plaintext := m[1]
		if !strings.Contains(r.body, `data-copy="new-token"`) || r.header.Get("Cache-Control") != "no-store" {
			t.Error("token page lacks the copy button or may be cached")
		}
		orgID, personID, tokenID, err := auth.LookupToken(ctx, d, plaintext)
		if err != nil || orgID != e.orgID || personID != me {
			t.Fatalf("issued token does not work: %v", err)
		}
		// Shown once: the next page lists it by its prefix only.
		later := c.get("/account")
		if strings.Contains(later.body, plaintext) {
			t.Fatal("token shown again")
		}
		if !strings.Contains(later.body, "資産台帳との連携") || !strings.Contains(later.body, plaintext[:12]) {
			t.Error("issued token not listed")
		}

		// Someone else's token is not there for this person.
		wantStatus(t, c.submit("/account", "/account/tokens/"+itoa(othersToken)+"/revoke", nil), http.StatusNotFound, "revoke another's token")
		wantStatus(t, c.submit("/account", "/account/tokens/99999/revoke", nil), http.StatusNotFound, "revoke a missing token")
		wantStatus(t, c.submit("/account", "/account/tokens/abc/revoke", nil), http.StatusNotFound, "revoke a malformed id")
		if _, _, _, err := auth.LookupToken(ctx, d, plaintext); err != nil {
			t.Fatal("own token hit by someone else's revocation")
		}
		t2, _ := auth.GetToken(ctx, d, e.orgID, othersToken)
		if t2.RevokedAt != 0 {
			t.Fatal("another person's token was revoked")
		}

		wantRedirect(t, c.submit("/account", "/account/tokens/"+itoa(tokenID)+"/revoke", nil), "/account", "revoke own token")
		if _, _, _, err := auth.LookupToken(ctx, d, plaintext); err == nil {
			t.Fatal("revoked token still works")
		}
		if !strings.Contains(c.get("/account").body, e.text("token.status.revoked")) {
			t.Error("revoked token not marked")
		}
		// The refused attempt on another's token is recorded.
		es, err := trail.List(ctx, d, scope.Scope{OrgID: e.orgID}, trail.Filter{Entity: "api_token", Limit: 10})
		if err != nil || len(es) != 3 { // two created, one revoked
			t.Fatalf("token trail entries: %d, %v", len(es), err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAcctPreferences(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		page := c.get("/account")
		for _, want := range []string{`id="locale-ja" name="locale" value="ja" checked`, `id="ds-wareki" name="date_style" value="wareki" checked`, `for="locale-en"`, `for="ds-iso"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("preferences form lacks %q", want)
			}
		}
		tests := []struct {
			locale, dateStyle string
			status            int
		}{
			{"xx", "wareki", http.StatusBadRequest},
			{"ja", "julian", http.StatusBadRequest},
			{"en", "iso", http.StatusSeeOther},
		}
		for _, tt := range tests {
			r := c.submit("/account", "/account/preferences", url.Values{"locale": {tt.locale}, "date_style": {tt.dateStyle}})
			wantStatus(t, r, tt.status, tt.locale+"/"+tt.dateStyle)
		}
		after := c.get("/account")
		if !strings.Contains(after.body, `<html lang="en">`) || !strings.Contains(after.body, `value="iso" checked`) {
			t.Error("preferences did not take")
		}
		if !strings.Contains(after.body, e.s.cat.T("en", "account.saved")) {
			t.Error("saved notice not in the newly chosen language")
		}
	})
}

func TestAcctHome(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		ctx := context.Background()
		var deptName string
		var sectionID int64
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			sc := scope.System(e.orgID, "test")
			b, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務部"})
			if err != nil {
				return err
			}
			s, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "情報政策課", ParentID: b.ID})
			sectionID, deptName = s.ID, "総務部 情報政策課"
			if err != nil {
				return err
			}
			// Someone on paper only, without a sign-in account.
			_, err = org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "紙 一枚"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mgr := e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := org.Assign(ctx, tx, scope.System(e.orgID, "test"), mgr, org.AssignmentInput{Role: string(authz.SecurityManager), ScopeID: sectionID})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		staff := e.client()
		wantRedirect(t, staff.signIn("yamada", acctStaffPass), "/", "sign-in")
		home := staff.get("/")
		wantStatus(t, home, http.StatusOK, "home")
		for _, want := range []string{e.text("home.todo"), e.text("home.todo.recommend_mfa"), `href="/mfa/enrol"`,
			e.text("role.security_manager"), deptName, e.text("role.staff"), e.text("role.staff_scope")} {
			if !strings.Contains(home.body, want) {
				t.Errorf("staff home lacks %q", want)
			}
		}
		for _, not := range []string{"head-hash", e.text("home.todo.no_account", 1), e.text("home.last_signin", "")} {
			if strings.Contains(home.body, not) {
				t.Errorf("staff home shows %q", not)
			}
		}

		// With MFA set up, a plain member of staff has nothing to do.
		secret, _ := enrol(t, staff)
		if h := staff.get("/"); !strings.Contains(h.body, e.text("home.todo_none")) {
			t.Errorf("nothing-to-do message missing\n%s", snippet(h.body))
		}

		admin := e.client()
		wantRedirect(t, admin.signIn("admin", acctAdminPass), "/", "admin sign-in")
		enrol(t, admin)
		ah := admin.get("/")
		seq, hash, err := trail.Head(ctx, d, e.orgID)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{e.text("home.todo.no_account", 1), `href="/people"`, hash, ">" + itoa(seq) + "<", e.text("role.admin")} {
			if !strings.Contains(ah.body, want) {
				t.Errorf("admin home lacks %q", want)
			}
		}

		// The next sign-in shows the previous one, and the failures since.
		wantStatus(t, e.client().signIn("yamada", "a-wrong-password-typed"), http.StatusBadRequest, "failure")
		again := e.client()
		wantRedirect(t, again.signIn("yamada", acctStaffPass), "/mfa", "second sign-in")
		code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		wantRedirect(t, again.submit("/mfa", "/mfa", url.Values{"code": {code}}), "/", "second factor")
		h := again.get("/")
		if !strings.Contains(h.body, e.text("home.last_signin", "")) {
			t.Error("previous sign-in not shown")
		}
		if !strings.Contains(h.body, e.text("home.todo.failed_signins", 1)) {
			t.Errorf("failed sign-in since the previous one not shown\n%s", snippet(h.body))
		}
	})
}
