package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

var (
	secretOnPage  = regexp.MustCompile(`<code class="hash" id="mfa-secret">([A-Z2-7 ]+)</code>`)
	recoveryBlock = regexp.MustCompile(`(?s)<pre class="hash" id="recovery-codes">(.*?)</pre>`)
)

// enrol walks a signed-in person through MFA enrolment and returns the
// secret and the recovery codes.
func enrol(t *testing.T, c *acctClient) (string, []string) {
	t.Helper()
	page := c.get("/mfa/enrol")
	wantStatus(t, page, http.StatusOK, "GET /mfa/enrol")
	m := secretOnPage.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no setup key on the enrolment page\n%s", snippet(page.body))
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if !strings.Contains(page.body, `src="/mfa/qr.png"`) || !strings.Contains(page.body, `autocomplete="one-time-code"`) {
		t.Error("enrolment page lacks the QR code or the one-time-code field")
	}
	// Reloading shows the same key: the one already scanned stays valid.
	if again := secretOnPage.FindStringSubmatch(c.get("/mfa/enrol").body); again == nil || again[1] != m[1] {
		t.Error("setup key changed on reload")
	}

	qr := c.get("/mfa/qr.png")
	wantStatus(t, qr, http.StatusOK, "GET /mfa/qr.png")
	if qr.header.Get("Content-Type") != "image/png" || qr.header.Get("Cache-Control") != "no-store" ||
		!bytes.HasPrefix([]byte(qr.body), []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("QR code response: %v", qr.header)
	}

	before := c.cookie("mamori_session")
	bad := c.submit("/mfa/enrol", "/mfa/enrol", url.Values{"code": {wrongCode(secret)}})
	wantStatus(t, bad, http.StatusBadRequest, "enrol with a wrong code")
	if !strings.Contains(bad.body, `id="code-error"`) || !strings.Contains(bad.body, `aria-describedby="code-hint code-error"`) {
		t.Error("wrong enrolment code not explained beside the field")
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	done := c.submit("/mfa/enrol", "/mfa/enrol", url.Values{"code": {code}})
	wantStatus(t, done, http.StatusOK, "enrol")
	rb := recoveryBlock.FindStringSubmatch(done.body)
	if rb == nil {
		t.Fatalf("no recovery codes shown\n%s", snippet(done.body))
	}
	codes := strings.Fields(rb[1])
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	if done.header.Get("Cache-Control") != "no-store" {
		t.Error("recovery codes page may be cached")
	}
	// Enrolling raises the session's privilege: new id, old one dead.
	if after := c.cookie("mamori_session"); after == "" || after == before {
		t.Error("session id not renewed at enrolment")
	}
	return secret, codes
}

// wrongCode is a six-digit code that is not the current one.
func wrongCode(secret string) string {
	now, _ := totp.GenerateCode(secret, time.Now())
	for _, c := range []string{"000000", "111111", "222222"} {
		if c != now {
			return c
		}
	}
	return "333333"
}

func TestAcctMFA(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		ctx := context.Background()
		c := e.client()

		// The administrator's role requires MFA: after the password, every
		// page leads to enrolment, and the secret is never stored before
		// it is confirmed.
		wantRedirect(t, c.signIn("admin", acctAdminPass), "/", "admin sign-in")
		wantRedirect(t, c.get("/"), "/mfa/enrol", "home before enrolment")
		wantRedirect(t, c.get("/account"), "/mfa/enrol", "account before enrolment")
		if page := c.get("/mfa/enrol"); !strings.Contains(page.body, e.text("mfa.required")) {
			t.Error("mandatory enrolment not explained")
		}
		// Another session of the same person is offered another key.
		other := e.client()
		wantRedirect(t, other.signIn("admin", acctAdminPass), "/", "second admin session")
		m := secretOnPage.FindStringSubmatch(other.get("/mfa/enrol").body)

		secret, codes := enrol(t, c)
		if m == nil || strings.ReplaceAll(m[1], " ", "") == secret {
			t.Error("two sessions were offered the same setup key")
		}
		// Right after enrolment the person carries on without a second code.
		wantStatus(t, c.get("/"), http.StatusOK, "home after enrolment")
		// Enrolling again is not self-service once MFA works.
		wantRedirect(t, c.get("/mfa/enrol"), "/account", "enrol again")
		wantStatus(t, c.get("/mfa/qr.png"), http.StatusNotFound, "QR after enrolment")

		// Next sign-in: the challenge.
		wantRedirect(t, c.submit("/", "/signout", nil), "/signin", "sign-out")
		wantRedirect(t, c.signIn("admin", acctAdminPass), "/mfa", "sign-in with MFA")
		wantRedirect(t, c.get("/account"), "/mfa", "account before the second factor")
		wantRedirect(t, c.get("/account/password"), "/mfa", "password change before the second factor")
		page := c.get("/mfa")
		wantStatus(t, page, http.StatusOK, "GET /mfa")
		if !strings.Contains(page.body, `autocomplete="one-time-code"`) {
			t.Error("challenge field lacks autocomplete=one-time-code")
		}
		bad := c.submit("/mfa", "/mfa", url.Values{"code": {wrongCode(secret)}})
		wantStatus(t, bad, http.StatusBadRequest, "wrong code")
		if !strings.Contains(bad.body, e.text("mfa.invalid_code")) {
			t.Error("wrong code not explained")
		}
		// The enrolment code's time step is spent; the next one is taken.
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		before := c.cookie("mamori_session")
		wantRedirect(t, c.submit("/mfa", "/mfa", url.Values{"code": {next}}), "/", "right code")
		after := c.cookie("mamori_session")
		if after == "" || after == before {
			t.Fatal("session id not renewed at the second factor")
		}
		wantStatus(t, c.get("/account"), http.StatusOK, "account after the second factor")
		// The old id no longer works.
		stale := e.client()
		stale.setCookie("mamori_session", before)
		wantRedirect(t, stale.get("/"), "/signin?next=%2F", "pre-MFA session id")
		// Replaying the same code in another sign-in is refused.
		again := e.client()
		wantRedirect(t, again.signIn("admin", acctAdminPass), "/mfa", "second sign-in")
		wantStatus(t, again.submit("/mfa", "/mfa", url.Values{"code": {next}}), http.StatusBadRequest, "replayed code")

		// A recovery code works once, typed as people type it.
		rc := e.client()
		wantRedirect(t, rc.signIn("admin", acctAdminPass), "/mfa", "sign-in for recovery")
		wantRedirect(t, rc.submit("/mfa", "/mfa", url.Values{"code": {" " + strings.ToUpper(codes[0]) + " "}}), "/", "recovery code")
		wantStatus(t, rc.get("/account"), http.StatusOK, "account after recovery code")
		if !strings.Contains(rc.get("/account").body, e.text("mfa.recovery.remaining", auth.RecoveryCodeCount-1)) {
			t.Error("account page does not show the codes left")
		}
		rc2 := e.client()
		wantRedirect(t, rc2.signIn("admin", acctAdminPass), "/mfa", "sign-in for reused recovery")
		wantStatus(t, rc2.submit("/mfa", "/mfa", url.Values{"code": {codes[0]}}), http.StatusBadRequest, "reused recovery code")

		// The trail has the enrolment and the passed second factors.
		es, err := trail.List(ctx, d, scope.Scope{OrgID: e.orgID}, trail.Filter{Entity: "session", Action: trail.Update, Limit: 10})
		if err != nil || len(es) != 2 {
			t.Fatalf("second-factor entries: %d, %v", len(es), err)
		}
	})
}

func TestAcctMFANextSurvives(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false, authz.CSIRT)
		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		secret, _ := enrol(t, c)
		wantRedirect(t, c.submit("/", "/signout", nil), "/signin", "sign-out")
		form := url.Values{"login": {"yamada"}, "password": {acctStaffPass}, "next": {"/account"}, "csrf": {c.csrfFrom("/signin?next=%2Faccount")}}
		wantRedirect(t, c.post("/signin", form), "/mfa?next=%2Faccount", "sign-in with next")
		if !strings.Contains(c.get("/mfa?next=%2Faccount").body, `name="next" value="/account"`) {
			t.Fatal("challenge form lost the next page")
		}
		code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		r := c.submit("/mfa?next=%2Faccount", "/mfa", url.Values{"code": {code}, "next": {"/account"}})
		wantRedirect(t, r, "/account", "second factor with next")
	})
}

func TestAcctMFALockout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAcctEnv(t, d, false)
		e.addPerson("山田 太郎", "yamada", acctStaffPass, false)
		c := e.client()
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/", "sign-in")
		secret, _ := enrol(t, c)
		wantRedirect(t, c.submit("/", "/signout", nil), "/signin", "sign-out")
		wantRedirect(t, c.signIn("yamada", acctStaffPass), "/mfa", "sign-in")
		locked := false
		for i := 0; i < 12 && !locked; i++ {
			r := c.submit("/mfa", "/mfa", url.Values{"code": {wrongCode(secret)}})
			switch r.status {
			case http.StatusBadRequest:
			case http.StatusTooManyRequests:
				locked = true
			default:
				t.Fatalf("attempt %d: %d", i, r.status)
			}
		}
		if !locked {
			t.Fatal("wrong codes never locked the second factor")
		}
		code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		wantStatus(t, c.submit("/mfa", "/mfa", url.Values{"code": {code}}), http.StatusTooManyRequests, "right code while locked")
	})
}
