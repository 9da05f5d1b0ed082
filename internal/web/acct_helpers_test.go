package web

import (
	"context"
	"io"
	"log/slog"
	"mamori/internal/firststart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// Passphrases used by the account tests: long, not on the common list.
const (
	acctAdminPass = "hokkaido-yuki-matsuri-2025"
	acctStaffPass = "kamome-ga-tobu-minato-machi"
	acctNewPass   = "aoi-umi-to-shiroi-fune-88"
)

// acctEnv is one organisation on a fresh database with a web server in
// front of it, set up as first start does.
type acctEnv struct {
	t       *testing.T
	d       *db.DB
	s       *Server
	ts      *httptest.Server
	orgID   int64
	adminID int64
}

// newAcctEnv sets up as first start does and serves the UI over HTTP.
func newAcctEnv(t *testing.T, d *db.DB, secure bool) *acctEnv {
	t.Helper()
	ctx := context.Background()
	e := &acctEnv{t: t, d: d}
	if err := firststart.Bootstrap(ctx, d, "", acctAdminPass, io.Discard); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	e.orgID = o.ID
	if e.adminID, err = org.PersonIDByLogin(ctx, d, scope.Scope{OrgID: o.ID}, firststart.AdminLogin); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatalf("catalogue: %v", err)
	}
	e.s = New(Config{DB: d, Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SecureCookies: secure})
	e.ts = httptest.NewServer(httpx.RequestIDMiddleware(e.s))
	t.Cleanup(e.ts.Close)
	return e
}

// addPerson creates a person with an account and roles.
func (e *acctEnv) addPerson(name, login, pass string, mustChange bool, roles ...authz.Role) int64 {
	e.t.Helper()
	ctx := context.Background()
	var id int64
	err := e.d.Transact(ctx, func(tx *db.Tx) error {
		sc := scope.System(e.orgID, "test")
		p, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: name})
		if err != nil {
			return err
		}
		id = p.ID
		for _, r := range roles {
			if _, err := org.Assign(ctx, tx, sc, p.ID, org.AssignmentInput{Role: string(r)}); err != nil {
				return err
			}
		}
		return auth.CreateAccount(ctx, tx, sc, p.ID, login, pass, mustChange)
	})
	if err != nil {
		e.t.Fatalf("add person %s: %v", login, err)
	}
	return id
}

// t is the Japanese text of a key, as the pages show it.
func (e *acctEnv) text(key string, args ...any) string {
	return e.s.cat.T("ja", key, args...)
}

// acctClient is a browser: a cookie jar, redirects not followed so tests
// can see where each step sends the person.
type acctClient struct {
	e   *acctEnv
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *acctEnv) client() *acctClient {
	jar, _ := cookiejar.New(nil)
	return &acctClient{e: e, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// resp is a read response.
type resp struct {
	status   int
	body     string
	location string
	header   http.Header
	cookies  []*http.Cookie
}

func (c *acctClient) do(req *http.Request) resp {
	c.e.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header, cookies: res.Cookies()}
}

func (c *acctClient) get(path string) resp {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.ts.URL+path, nil)
	return c.do(req)
}

// post sends a form as it is (no token added).
func (c *acctClient) post(path string, form url.Values, headers ...string) resp {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfFrom reads the form token of a page.
func (c *acctClient) csrfFrom(path string) string {
	c.e.t.Helper()
	r := c.get(path)
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		c.e.t.Fatalf("no csrf field on %s (status %d, location %q)", path, r.status, r.location)
	}
	return m[1]
}

// submit posts a form with the token of the page it is on.
func (c *acctClient) submit(page, action string, form url.Values) resp {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrfFrom(page))
	return c.post(action, form)
}

func (c *acctClient) signIn(login, pass string) resp {
	c.e.t.Helper()
	return c.submit("/signin", "/signin", url.Values{"login": {login}, "password": {pass}})
}

// cookie returns the jar's value of a cookie for the test server.
func (c *acctClient) cookie(name string) string {
	u, _ := url.Parse(c.e.ts.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *acctClient) setCookie(name, value string) {
	u, _ := url.Parse(c.e.ts.URL)
	c.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func findCookie(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var noticeError = regexp.MustCompile(`(?s)<div class="notice notice-error" role="alert">\s*<p>(.*?)</p>`)

// errorNotice is the text of the page's error notice.
func errorNotice(body string) string {
	m := noticeError.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func wantStatus(t *testing.T, r resp, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d (location %q), want %d\n%s", what, r.status, r.location, status, snippet(r.body))
	}
}

func wantRedirect(t *testing.T, r resp, to, what string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location != to {
		t.Fatalf("%s: status %d to %q, want 303 to %q\n%s", what, r.status, r.location, to, snippet(r.body))
	}
}

func snippet(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}
