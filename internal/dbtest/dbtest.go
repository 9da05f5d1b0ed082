// Package dbtest gives tests a fresh, migrated database on each engine, so
// every storage test runs on SQLite and on PostgreSQL.
//
// PostgreSQL comes from MAMORI_TEST_POSTGRES, a URL to a server on which the
// test user may create databases (the README's test command starts one).
// Without it the PostgreSQL half is skipped locally and fails under CI=true,
// so a missing server can never pass unnoticed.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"mamori/internal/db"
)

// EnvPostgres names the variable holding the PostgreSQL server URL.
const EnvPostgres = "MAMORI_TEST_POSTGRES"

// Engines lists the engines a test runs on.
var Engines = []db.Dialect{db.SQLite, db.Postgres}

// Each runs fn once per engine as a parallel subtest with a new database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, e))
		})
	}
}

// Open returns a new migrated database of the engine, removed after the test.
func Open(t testing.TB, e db.Dialect) *db.DB {
	t.Helper()
	cfg := Config(t, e)
	ctx := context.Background()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return d
}

// Config returns a storage configuration for a new empty database of the
// engine (not yet migrated), for tests that start the whole program.
func Config(t testing.TB, e db.Dialect) db.Config {
	t.Helper()
	if e == db.SQLite {
		return db.Config{DataDir: t.TempDir()}
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL half", EnvPostgres)
		}
		t.Skipf("%s not set; run the README test command to include PostgreSQL", EnvPostgres)
	}
	name := "mamori_test_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres admin: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return db.Config{DataDir: filepath.Join(t.TempDir(), "data"), URL: u.String()}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
