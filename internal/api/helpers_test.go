package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"mamori/internal/api"
	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// testPassword satisfies the passphrase rules for every test login.
const testPassword = "tsuki-ga-kirei-desu-ne-2025"

// loginSeq keeps logins unique: they are unique across a whole database.
var loginSeq atomic.Int64

// env is one organisation served by the API over a real database:
//
//	B1 総務部 (部局) ── S1 総務課, S2 人事課 (課室)
//	B2 情報部 (部局) ── S3 情報政策課 (課室)
type env struct {
	d      *db.DB
	srv    *api.Server
	h      http.Handler
	org    org.Organisation
	sc     scope.Scope
	b1, s1 int64
	s2, b2 int64
	s3     int64
	// holders has one person per role of the catalogue, with a token
	// (see holder). The security_officer holds B1, the security_manager
	// S1; all of them sit in S3, outside B1.
	holders map[authz.Role]user
}

type user struct {
	ID    int64
	Token string
	// TokenID is the token's id, to revoke it.
	TokenID int64
}

func newAPI(t *testing.T, d *db.DB, logger *slog.Logger) (*api.Server, http.Handler) {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatalf("load catalogue: %v", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := api.New(api.Config{DB: d, Catalog: cat, Logger: logger})
	// Mounted as internal/app mounts it.
	mux := http.NewServeMux()
	mux.Handle("/api/", srv)
	return srv, httpx.RequestIDMiddleware(mux)
}

// newEnv builds an organisation with departments.
func newEnv(t *testing.T, d *db.DB, name string) *env {
	t.Helper()
	e := &env{d: d, holders: map[authz.Role]user{}}
	e.srv, e.h = newAPI(t, d, nil)
	ctx := context.Background()
	e.tx(t, func(tx *db.Tx) error {
		o, err := org.Create(ctx, tx, name)
		if err != nil {
			return err
		}
		e.org = o
		e.sc = scope.System(o.ID, "test")
		dep := func(name string, parent int64) int64 {
			if err != nil {
				return 0
			}
			var dd org.Department
			dd, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: name, ParentID: parent})
			return dd.ID
		}
		e.b1 = dep("総務部", 0)
		e.s1 = dep("総務課", e.b1)
		e.s2 = dep("人事課", e.b1)
		e.b2 = dep("情報部", 0)
		e.s3 = dep("情報政策課", e.b2)
		return err
	})
	return e
}

// holder returns the token holder of a role, made on first use (an
// account costs a password hash).
func (e *env) holder(t *testing.T, r authz.Role) user {
	t.Helper()
	if u, ok := e.holders[r]; ok {
		return u
	}
	var as []org.AssignmentInput
	switch r {
	case authz.Staff:
	case authz.SecurityOfficer:
		as = append(as, org.AssignmentInput{Role: string(r), ScopeID: e.b1})
	case authz.SecurityManager:
		as = append(as, org.AssignmentInput{Role: string(r), ScopeID: e.s1})
	case authz.SystemAdmin, authz.SystemOperator:
		as = append(as, org.AssignmentInput{Role: string(r), ScopeID: 1})
	default:
		as = append(as, org.AssignmentInput{Role: string(r)})
	}
	u := e.newUser(t, "役割 "+string(r), e.s3, as...)
	e.holders[r] = u
	return u
}

func (e *env) tx(t *testing.T, fn func(tx *db.Tx) error) {
	t.Helper()
	if err := e.d.Transact(context.Background(), fn); err != nil {
		t.Fatalf("setup: %v", err)
	}
}

// newPerson adds a person without an account.
func (e *env) newPerson(t *testing.T, name, kana string, dept int64, roles ...org.AssignmentInput) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	e.tx(t, func(tx *db.Tx) error {
		p, err := org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: name, NameKana: kana, DepartmentID: dept})
		if err != nil {
			return err
		}
		id = p.ID
		for _, a := range roles {
			if _, err := org.Assign(ctx, tx, e.sc, p.ID, a); err != nil {
				return err
			}
		}
		return nil
	})
	return id
}

// newUser adds a person with roles, a sign-in account and an API token.
func (e *env) newUser(t *testing.T, name string, dept int64, roles ...org.AssignmentInput) user {
	t.Helper()
	ctx := context.Background()
	u := user{ID: e.newPerson(t, name, "", dept, roles...)}
	e.tx(t, func(tx *db.Tx) error {
		login := fmt.Sprintf("user%d", loginSeq.Add(1))
		if err := auth.CreateAccount(ctx, tx, e.sc, u.ID, login, testPassword, false); err != nil {
			return err
		}
		var err error
		u.Token, u.TokenID, err = auth.CreateToken(ctx, tx, e.sc, u.ID, "test")
		return err
	})
	return u
}

// newDepartment adds a department.
func (e *env) newDepartment(t *testing.T, name string, parent int64) int64 {
	t.Helper()
	var id int64
	e.tx(t, func(tx *db.Tx) error {
		d, err := org.CreateDepartment(context.Background(), tx, e.sc, org.DepartmentInput{Name: name, ParentID: parent})
		id = d.ID
		return err
	})
	return id
}

// head is the organisation's trail head.
func (e *env) head(t *testing.T) (int64, string) {
	t.Helper()
	seq, hash, err := trail.Head(context.Background(), e.d, e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return seq, hash
}

// newest is the organisation's newest trail entry.
func (e *env) newest(t *testing.T) trail.Entry {
	t.Helper()
	es, err := trail.List(context.Background(), e.d, e.sc, trail.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("newest trail entry: %v %v", es, err)
	}
	return es[0]
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %v: %q", r.Status, err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("cannot decode response (%d) %q: %v", r.Status, r.Body, err)
	}
}

// errorCode returns the error body's code.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.Decode(t, &b)
	if b.Error.Message == "" || messageKey.MatchString(b.Error.Message) {
		t.Errorf("error %q has no message text: %q", b.Error.Code, b.Error.Message)
	}
	return b.Error.Code
}

// messageKey matches a catalogue key standing in for a missing text.
var messageKey = regexp.MustCompile(`^[a-z_]+(\.[a-z_0-9]+)+$`)

// fieldCodes returns the error body's field problems as field → code.
func (r response) fieldCodes(t *testing.T) map[string]string {
	t.Helper()
	var b struct {
		Error struct {
			Fields map[string]struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"fields"`
		} `json:"error"`
	}
	r.Decode(t, &b)
	out := map[string]string{}
	for f, p := range b.Error.Fields {
		if p.Message == "" || messageKey.MatchString(p.Message) {
			t.Errorf("field %s: message %q for %s is not a text", f, p.Message, p.Code)
		}
		out[f] = p.Code
	}
	return out
}

// req describes a request; Body is JSON-encoded unless it is []byte.
type req struct {
	Method, Path, Token string
	Body                any
	ContentType         string // default application/json when there is a body
	Header              map[string]string
}

func (e *env) do(t *testing.T, q req) response {
	t.Helper()
	return call(t, e.h, q)
}

func call(t *testing.T, h http.Handler, q req) response {
	t.Helper()
	var body io.Reader
	ct := q.ContentType
	switch b := q.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	r := httptest.NewRequest(q.Method, q.Path, body)
	r.RemoteAddr = "192.0.2.10:4321"
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if q.Token != "" {
		r.Header.Set("Authorization", "Bearer "+q.Token)
	}
	for k, v := range q.Header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Body: b}
	if res.StatusCode != http.StatusNoContent {
		if got := res.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", q.Method, q.Path, got)
		}
	}
	return out
}

func id(n int64) string { return fmt.Sprint(n) }
