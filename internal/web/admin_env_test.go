package web_test

// The administration pages' tests live in the external test package: they
// start from app.Bootstrap, and package app imports package web.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/firststart"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/web"
)

// adminPassword is the bootstrap administrator's passphrase in tests.
const adminPassword = "kawa-no-nagare-2026-test, twice"

// testPassphrase is every other test account's passphrase.
const testPassphrase = "Quiet-Harbour-Lantern-2025"

// adminEnv is a bootstrapped organisation with the UI in front of it.
type adminEnv struct {
	t     *testing.T
	ctx   context.Context
	d     *db.DB
	srv   *web.Server
	h     http.Handler
	cat   *i18n.Catalog
	org   org.Organisation
	sc    scope.Scope
	admin *session
	n     int
}

// session is a signed-in browser: its cookie and its form token.
type session struct {
	personID int64
	cookie   string
	csrf     string
}

func newAdminEnv(t *testing.T, d *db.DB) *adminEnv {
	t.Helper()
	ctx := context.Background()
	if err := firststart.Bootstrap(ctx, d, "", adminPassword, io.Discard); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{DB: d, Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e := &adminEnv{t: t, ctx: ctx, d: d, srv: srv, h: httpx.RequestIDMiddleware(srv), cat: cat, org: o,
		sc: scope.System(o.ID, "test")}
	adminID, err := org.PersonIDByLogin(ctx, d, e.sc, firststart.AdminLogin)
	if err != nil {
		t.Fatal(err)
	}
	e.enableMFA(adminID)
	e.admin = e.signIn(adminID)
	return e
}

// tx runs fn in a transaction and fails the test on error.
func (e *adminEnv) tx(fn func(tx *db.Tx) error) {
	e.t.Helper()
	if err := e.d.Transact(e.ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// department creates a 部局 (parent 0) or a 課室.
func (e *adminEnv) department(name string, parent int64) int64 {
	e.t.Helper()
	var d org.Department
	e.tx(func(tx *db.Tx) error {
		var err error
		d, err = org.CreateDepartment(e.ctx, tx, e.sc, org.DepartmentInput{Name: name, ParentID: parent})
		return err
	})
	return d.ID
}

// person creates a person in a department with the given roles; with
// account true they get a sign-in account (with MFA, so roles that demand
// it pass straight through).
func (e *adminEnv) person(name string, dept int64, account bool, roles ...org.AssignmentInput) int64 {
	e.t.Helper()
	e.n++
	var p org.Person
	e.tx(func(tx *db.Tx) error {
		var err error
		p, err = org.CreatePerson(e.ctx, tx, e.sc, org.PersonInput{Name: name, NameKana: fmt.Sprintf("てすと%03d", e.n), DepartmentID: dept})
		if err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := org.Assign(e.ctx, tx, e.sc, p.ID, r); err != nil {
				return fmt.Errorf("assign %s: %w", r.Role, err)
			}
		}
		if account {
			return auth.CreateAccount(e.ctx, tx, e.sc, p.ID, fmt.Sprintf("user%03d", e.n), testPassphrase, false)
		}
		return nil
	})
	if account {
		e.enableMFA(p.ID)
	}
	return p.ID
}

func (e *adminEnv) enableMFA(personID int64) {
	e.t.Helper()
	secret, _, err := auth.NewMFASecret("test", "")
	if err != nil {
		e.t.Fatal(err)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	e.tx(func(tx *db.Tx) error {
		_, err := auth.EnableMFA(e.ctx, tx, e.sc, personID, secret, code)
		return err
	})
}

// signIn makes a complete session without the sign-in pages.
func (e *adminEnv) signIn(personID int64) *session {
	e.t.Helper()
	s := &session{personID: personID}
	e.tx(func(tx *db.Tx) error {
		cookie, sess, err := auth.CreateSession(e.ctx, tx, e.org.ID, personID, true, 12*time.Hour, "192.0.2.1", "test")
		s.cookie, s.csrf = cookie, sess.CSRFToken
		return err
	})
	return s
}

// do sends a request as the session (nil: signed out). A POST carries the
// session's form token unless form already has one.
func (e *adminEnv) do(method, path string, s *session, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.serve(newRequest(method, path, s, form))
}

// serve runs a request through the UI.
func (e *adminEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// newRequest builds a request as the session, with extra cookies.
func newRequest(method, path string, s *session, form url.Values, cookies ...*http.Cookie) *http.Request {
	var body io.Reader
	if method == http.MethodPost {
		form = maps.Clone(form)
		if form == nil {
			form = url.Values{}
		}
		if _, ok := form["csrf"]; !ok && s != nil {
			form.Set("csrf", s.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = "192.0.2.10:50000"
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s != nil {
		r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
	}
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

// head returns the trail's current sequence number.
func (e *adminEnv) head() int64 {
	e.t.Helper()
	seq, _, err := trail.Head(e.ctx, e.d, e.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// lastDenied returns the newest "denied" entry made by a person, if any.
func (e *adminEnv) lastDenied(personID int64) (trail.Entry, bool) {
	e.t.Helper()
	es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{ActorID: personID, Action: trail.Denied, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(es) == 0 {
		return trail.Entry{}, false
	}
	return es[0], true
}

// ja is the Japanese text of a catalogue key, as the pages show it.
func (e *adminEnv) ja(key string, args ...any) string {
	return e.cat.T("ja", key, args...)
}

// roleInput is an assignment of a role to its natural scope in tests.
func roleInput(r authz.Role, bureau, section int64) org.AssignmentInput {
	switch r {
	case authz.SecurityOfficer:
		return org.AssignmentInput{Role: string(r), ScopeID: bureau}
	case authz.SecurityManager:
		return org.AssignmentInput{Role: string(r), ScopeID: section}
	case authz.SystemAdmin, authz.SystemOperator:
		return org.AssignmentInput{Role: string(r), ScopeID: 1}
	}
	return org.AssignmentInput{Role: string(r)}
}
