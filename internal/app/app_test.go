package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
)

func openApp(t *testing.T, cfg db.Config, password string, stderr io.Writer) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{
		DataDir: cfg.DataDir, DatabaseURL: cfg.URL, Addr: "127.0.0.1:0", AdminPassword: password,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stderr: stderr, Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFirstStartCreatesOrganisationAndAdminOnce(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := dbtest.Config(t, e)
			var stderr bytes.Buffer
			a := openApp(t, cfg, "", &stderr)
			ctx := context.Background()
			o, err := org.First(ctx, a.DB)
			if err != nil || o.Name != org.DefaultName {
				t.Fatalf("organisation %+v %v", o, err)
			}
			printed := stderr.String()
			lines := strings.Fields(printed)
			password := lines[len(lines)-1]
			if len(password) < 16 {
				t.Fatalf("no generated password printed: %q", printed)
			}
			acct, err := auth.Authenticate(ctx, a.DB, "admin", password, "127.0.0.1", "t")
			if err != nil || !acct.MustChangePassword {
				t.Fatalf("admin sign-in with printed password: %+v %v", acct, err)
			}
			sc := scope.Scope{OrgID: o.ID}
			pr, err := org.Principal(ctx, a.DB, sc, acct.PersonID)
			if err != nil || !pr.Has(authz.Admin) {
				t.Errorf("admin lacks the admin role: %+v %v", pr, err)
			}
			var roles int
			_ = a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM roles WHERE org_id = ?`, o.ID).Scan(&roles)
			if roles != len(authz.Catalogue) {
				t.Errorf("role catalogue has %d roles", roles)
			}
			a.Close()

			// A second start neither creates anything nor prints a password.
			stderr.Reset()
			a2 := openApp(t, cfg, "", &stderr)
			defer a2.Close()
			if stderr.Len() != 0 {
				t.Errorf("second start printed %q", stderr.String())
			}
			var orgs int
			_ = a2.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&orgs)
			if orgs != 1 {
				t.Errorf("%d organisations after restart", orgs)
			}
		})
	}
}

func TestOperationsEndpointsAndHeaders(t *testing.T) {
	t.Parallel()
	a := openApp(t, dbtest.Config(t, db.SQLite), "kawa-no-nagare-2026-test", io.Discard)
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "ok"},
		{"/metrics", 200, "mamori_http_requests_total"},
		{"/signin", 200, "<form"},
		{"/api/v1/people", 401, `"code":"unauthenticated"`},
		{"/static/app.css", 200, ""},
	}
	for _, c := range cases {
		res, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || !strings.Contains(string(body), c.body) {
			t.Errorf("%s: %d %q", c.path, res.StatusCode, truncate(string(body)))
		}
		h := res.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", c.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", c.path, h)
		}
	}
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	a := openApp(t, dbtest.Config(t, db.SQLite), "kawa-no-nagare-2026-test", io.Discard)
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr string) { addrc <- addr }) }()
	addr := <-addrc
	// A request whose body is still arriving when the stop comes is served
	// to the end, not cut off.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "login=a&password=b"
	fmt.Fprintf(conn, "POST /signin HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:5])
	time.Sleep(100 * time.Millisecond)
	cancel()
	time.Sleep(100 * time.Millisecond)
	if _, err := io.WriteString(conn, body[5:]); err != nil {
		t.Fatalf("connection cut while the request was in flight: %v", err)
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 ") {
		t.Fatalf("in-flight request got %q, %v", status, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
}
