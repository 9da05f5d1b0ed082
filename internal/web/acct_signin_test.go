package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

func TestAcctSafeNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", "/"},
		{"/", "/"},
		{"/people", "/people"},
		{"/people?q=%E7%B7%8F%E5%8B%99&x=1", "/people?q=%E7%B7%8F%E5%8B%99&x=1"},
		{"//evil.example", "/"},
		{"//evil.example/path", "/"},
		{"/\\evil.example", "/"},
		{"/x\\y", "/"},
		{"https://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/signin", "/"},
		{"/signin?next=/x", "/"},
		{"/mfa", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := safeLocal("/signin?next=%2Fpeople"); got != "/signin?next=%2Fpeople" {
		t.Errorf("safeLocal kept %q", got)
	}
}

func TestAcctSigninPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		c := e.client()
		r := c.get("/signin")
		wantStatus(t, r, http.StatusOK, "GET /signin")
		for _, want := range []string{`autocomplete="username"`, `autocomplete="current-password"`, `for="login"`, `for="password"`, `name="csrf"`, `action="/lang"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("sign-in page lacks %s", want)
			}
		}
		pre := findCookie(r.cookies, preSessionCookie)
		if pre == nil || !validToken(pre.Value) || !pre.HttpOnly || pre.SameSite != http.SameSiteLaxMode || pre.Secure {
			t.Fatalf("pre-session cookie %+v", pre)
		}
		if !strings.Contains(r.body, `value="`+pre.Value+`"`) {
			t.Error("the form does not carry the pre-session token")
		}
		// A second visit keeps the token, so two open tabs both work.
		if again := findCookie(c.get("/signin").cookies, preSessionCookie); again == nil || again.Value != pre.Value {
			t.Errorf("pre-session token changed between visits: %+v", again)
		}
		// Anything signed-in sends a signed-out visitor to sign in, keeping
		// where they wanted to go.
		wantRedirect(t, c.get("/account"), "/signin?next=%2Faccount", "GET /account signed out")
	})
}

func TestAcctSigninRefusedAlike(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		gone := e.addPerson("佐藤 花子", "sato", acctStaffPass, false)
		ctx := context.Background()
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := org.SetActive(ctx, tx, scope.System(e.orgID, "test"), gone, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, login, pass string
		}{
			{"unknown login", "nobody", acctStaffPass},
			{"wrong password", "yamada", "not-the-password-at-all"},
			{"disabled person", "sato", acctStaffPass},
			{"login that cannot exist", "<b>x</b>", acctStaffPass},
		}
		var first string
		for _, tt := range tests {
			c := e.client()
			r := c.signIn(tt.login, tt.pass)
			wantStatus(t, r, http.StatusBadRequest, tt.name)
			msg := errorNotice(r.body)
			if msg != e.text("signin.failed") {
				t.Errorf("%s: message %q, want %q", tt.name, msg, e.text("signin.failed"))
			}
			if first == "" {
				first = msg
			} else if msg != first {
				t.Errorf("%s: message differs from the others: %q vs %q", tt.name, msg, first)
			}
			if findCookie(r.cookies, "mamori_session") != nil {
				t.Errorf("%s: a session cookie was set", tt.name)
			}
			if strings.Contains(r.body, tt.pass) {
				t.Errorf("%s: the password was written back into the page", tt.name)
			}
			typed := strings.TrimSpace(tt.login)
			if !strings.Contains(r.body, `value="`+templateEscape(typed)+`"`) {
				t.Errorf("%s: the login typed was not kept in the form", tt.name)
			}
		}
		// Both kinds of failure are in the trail.
		es, err := trail.List(ctx, d, scope.Scope{OrgID: e.orgID}, trail.Filter{Action: trail.SignInFailed, Limit: 10})
		if err != nil || len(es) != len(tests) {
			t.Fatalf("signin_failed entries: %d, %v", len(es), err)
		}
	})
}

// templateEscape is html/template's escaping of an attribute value, for
// the few characters the tests use.
func templateEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", `"`, "&#34;", "&", "&amp;", "'", "&#39;").Replace(s)
}

func TestAcctSigninRequiredFields(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		c := e.client()
		r := c.submit("/signin", "/signin", url.Values{"login": {"  "}, "password": {""}})
		wantStatus(t, r, http.StatusBadRequest, "empty form")
		for _, id := range []string{"login-error", "password-error"} {
			if !strings.Contains(r.body, `id="`+id+`"`) || !strings.Contains(r.body, `aria-describedby="`+id+`"`) {
				t.Errorf("no %s bound to its field", id)
			}
		}
	})
}

func TestAcctSigninLockout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		c := e.client()
		locked := false
		failures := 0
		for i := 0; i < 12 && !locked; i++ {
			r := c.signIn("yamada", "wrong-password-"+strconv.Itoa(i))
			switch r.status {
			case http.StatusBadRequest:
				failures++
			case http.StatusTooManyRequests:
				locked = true
				if !strings.Contains(errorNotice(r.body), "以降に再試行できます") {
					t.Errorf("lockout message %q does not say when to retry", errorNotice(r.body))
				}
			default:
				t.Fatalf("attempt %d: status %d", i, r.status)
			}
		}
		if !locked || failures < auth.FreeFailures {
			t.Fatalf("locked=%v after %d failures", locked, failures)
		}
		// While locked, even the right password does not sign in.
		r := c.signIn("yamada", acctStaffPass)
		wantStatus(t, r, http.StatusTooManyRequests, "right password while locked")
		if findCookie(r.cookies, "mamori_session") != nil {
			t.Error("a session cookie was set while locked")
		}
	})
}

func TestAcctCSRF(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		creds := url.Values{"login": {"yamada"}, "password": {acctStaffPass}}
		tests := []struct {
			name    string
			token   func(c *acctClient) string
			headers []string
		}{
			{"no token", func(c *acctClient) string { c.csrfFrom("/signin"); return "" }, nil},
			{"wrong token", func(c *acctClient) string { c.csrfFrom("/signin"); return newRandomToken() }, nil},
			{"no pre-session cookie", func(c *acctClient) string { return newRandomToken() }, nil},
			{"cross-site fetch", func(c *acctClient) string { return c.csrfFrom("/signin") }, []string{"Sec-Fetch-Site", "cross-site"}},
			{"same-site fetch", func(c *acctClient) string { return c.csrfFrom("/signin") }, []string{"Sec-Fetch-Site", "same-site"}},
			{"foreign origin", func(c *acctClient) string { return c.csrfFrom("/signin") }, []string{"Origin", "http://evil.example"}},
		}
		for _, tt := range tests {
			c := e.client()
			form := url.Values{}
			for k, v := range creds {
				form[k] = v
			}
			if tok := tt.token(c); tok != "" {
				form.Set("csrf", tok)
			}
			r := c.post("/signin", form, tt.headers...)
			wantStatus(t, r, http.StatusBadRequest, tt.name)
			if !strings.Contains(r.body, e.text("error.csrf")) {
				t.Errorf("%s: page does not explain the refusal", tt.name)
			}
			if findCookie(r.cookies, "mamori_session") != nil {
				t.Errorf("%s: signed in", tt.name)
			}
		}
		// The same request with the token and same-origin headers works.
		c := e.client()
		form := url.Values{"login": {"yamada"}, "password": {acctStaffPass}, "csrf": {c.csrfFrom("/signin")}}
		wantRedirect(t, c.post("/signin", form, "Sec-Fetch-Site", "same-origin", "Origin", e.ts.URL), "/", "same-origin sign-in")

		// Signed in, a state change needs the session's token, not an old
		// pre-session one.
		r := c.post("/account/preferences", url.Values{"locale": {"en"}, "date_style": {"iso"}})
		wantStatus(t, r, http.StatusBadRequest, "preferences without token")
		r = c.post("/account/preferences", url.Values{"locale": {"en"}, "date_style": {"iso"}, "csrf": {form.Get("csrf")}})
		wantStatus(t, r, http.StatusBadRequest, "preferences with the pre-session token")
	})
}

func TestAcctSessionCookie(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run("secure="+strconv.FormatBool(secure), func(t *testing.T) {
			t.Parallel()
			d := dbtest.Open(t, db.SQLite)
			e := newAcctEnv(t, d, secure)
			e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
			c := e.client()
			// The jar does not send Secure cookies over plain HTTP, so the
			// pre-session token goes by hand.
			pre := findCookie(c.get("/signin").cookies, preSessionCookie)
			if pre == nil || pre.Secure != secure {
				t.Fatalf("pre-session cookie %+v", pre)
			}
			req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/signin",
				strings.NewReader(url.Values{"login": {"yamada"}, "password": {acctStaffPass}, "csrf": {pre.Value}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: preSessionCookie, Value: pre.Value})
			r := c.do(req)
			wantRedirect(t, r, "/", "sign-in")
			sc := findCookie(r.cookies, "mamori_session")
			if sc == nil {
				t.Fatal("no session cookie")
			}
			if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure != secure {
				t.Errorf("session cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v", sc.HttpOnly, sc.SameSite, sc.Path, sc.Secure)
			}
			// It lasts the organisation's absolute limit (12 hours by default).
			if sc.MaxAge < 12*3600-60 || sc.MaxAge > 12*3600 {
				t.Errorf("session cookie Max-Age %d", sc.MaxAge)
			}
			if gone := findCookie(r.cookies, preSessionCookie); gone == nil || gone.MaxAge >= 0 {
				t.Errorf("pre-session cookie not cleared: %+v", gone)
			}
		})
	}
}

func TestAcctSigninRotatesSession(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		e.addPerson("鈴木 一郎", "suzuki", acctStaffPass, false)
		// An attacker signs in and plants their session id in a victim's
		// browser, hoping the victim's sign-in will upgrade it.
		attacker := e.client()
		wantRedirect(t, attacker.signIn("suzuki", acctStaffPass), "/", "attacker sign-in")
		planted := attacker.cookie("mamori_session")
		token := attacker.csrfFrom("/account")

		victim := e.client()
		victim.csrfFrom("/signin") // gets a pre-session cookie
		victim.setCookie("mamori_session", planted)
		r := victim.post("/signin", url.Values{"login": {"yamada"}, "password": {acctStaffPass}, "csrf": {token}})
		wantRedirect(t, r, "/", "victim sign-in over a planted session")
		fresh := findCookie(r.cookies, "mamori_session")
		if fresh == nil || fresh.Value == planted {
			t.Fatalf("session id not renewed at sign-in: %+v", fresh)
		}
		// The planted id is dead: neither the attacker nor anyone holding
		// it is signed in any more.
		wantRedirect(t, attacker.get("/account"), "/signin?next=%2Faccount", "planted session after victim's sign-in")
		if r := victim.get("/account"); r.status != http.StatusOK || !strings.Contains(r.body, "yamada") {
			t.Fatalf("victim's new session: %d", r.status)
		}

		// The sign-in is in the trail, as the person, on their session.
		es, err := trail.List(context.Background(), d, scope.Scope{OrgID: e.orgID}, trail.Filter{Action: trail.SignIn, Entity: "session", Limit: 10})
		if err != nil || len(es) != 2 || es[0].ActorName != "山田 太郎" || es[0].EntityID == "" {
			t.Fatalf("signin entries %+v, %v", es, err)
		}
	})
}

func TestAcctOpenRedirect(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		tests := []struct {
			next, want string
		}{
			{"/account", "/account"},
			{"/account?tab=tokens", "/account?tab=tokens"},
			{"//evil.example", "/"},
			{"https://evil.example/", "/"},
			{"/\\evil.example", "/"},
			{"/signout", "/"},
		}
		for _, tt := range tests {
			c := e.client()
			// The next page travels from the query of the sign-in page into
			// its form.
			page := c.get("/signin?next=" + url.QueryEscape(tt.next))
			m := csrfField.FindStringSubmatch(page.body)
			if m == nil {
				t.Fatal("no token")
			}
			if tt.want != "/" && !strings.Contains(page.body, `name="next" value="`+templateEscape(tt.want)+`"`) {
				t.Errorf("next %q not carried by the form", tt.next)
			}
			r := c.post("/signin", url.Values{"login": {"yamada"}, "password": {acctStaffPass}, "csrf": {m[1]}, "next": {tt.next}})
			wantRedirect(t, r, tt.want, "next="+tt.next)
		}
	})
}

func TestAcctSignout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		old := c.cookie("mamori_session")
		r := c.submit("/", "/signout", nil)
		wantRedirect(t, r, "/signin", "sign-out")
		if ck := findCookie(r.cookies, "mamori_session"); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("session cookie not cleared: %+v", ck)
		}
		if r := c.get("/signin"); !strings.Contains(r.body, e.text("signin.signed_out")) {
			t.Error("no signed-out notice")
		}
		// The server forgot the session too: the old id is useless.
		c.setCookie("mamori_session", old)
		wantRedirect(t, c.get("/"), "/signin?next=%2F", "old session after sign-out")
		es, err := trail.List(context.Background(), d, scope.Scope{OrgID: e.orgID}, trail.Filter{Action: trail.SignOut, Limit: 5})
		if err != nil || len(es) != 1 || es[0].ActorName != "山田 太郎" {
			t.Fatalf("signout entries %+v, %v", es, err)
		}
	})
}

func TestAcctLanguage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		c := e.client()
		if r := c.get("/signin"); !strings.Contains(r.body, `<html lang="ja">`) {
			t.Fatal("sign-in page is not Japanese by default")
		}
		tests := []struct {
			lang, next, wantTo string
			status             int
		}{
			{"en", "/signin?next=%2Faccount", "/signin?next=%2Faccount", http.StatusSeeOther},
			{"ja", "//evil.example", "/", http.StatusSeeOther},
			{"fr", "/signin", "", http.StatusBadRequest},
		}
		for _, tt := range tests {
			r := c.submit("/signin", "/lang", url.Values{"lang": {tt.lang}, "next": {tt.next}})
			if r.status != tt.status || r.location != tt.wantTo {
				t.Fatalf("lang=%s: %d to %q", tt.lang, r.status, r.location)
			}
			if tt.status == http.StatusSeeOther {
				ck := findCookie(r.cookies, "mamori_lang")
				if ck == nil || ck.Value != tt.lang || !ck.HttpOnly {
					t.Errorf("lang=%s: cookie %+v", tt.lang, ck)
				}
			}
		}
		c.submit("/signin", "/lang", url.Values{"lang": {"en"}, "next": {"/signin"}})
		if r := c.get("/signin"); !strings.Contains(r.body, `<html lang="en">`) {
			t.Fatal("language switch did not take")
		}
		// Signed in, the switch changes the account's own preference.
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		wantRedirect(t, c.submit("/", "/lang", url.Values{"lang": {"en"}, "next": {"/account"}}), "/account", "signed-in switch")
		a, err := auth.GetAccountByLogin(context.Background(), d, "yamada")
		if err != nil || a.Locale != "en" {
			t.Fatalf("account locale %q, %v", a.Locale, err)
		}
	})
}
