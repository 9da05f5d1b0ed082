package db

import (
	"reflect"
	"testing"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, sqlite, pg string
	}{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
	}
	for _, c := range cases {
		if got := rebind(SQLite, c.in); got != c.sqlite {
			t.Errorf("sqlite %q: got %q", c.in, got)
		}
		if got := rebind(Postgres, c.in); got != c.pg {
			t.Errorf("postgres %q: got %q", c.in, got)
		}
	}
}

func TestSplitStatementsKeepsTriggerBodies(t *testing.T) {
	t.Parallel()
	text := "CREATE TABLE a (x INT);\nCREATE TRIGGER t BEFORE UPDATE ON a\nBEGIN\n    SELECT RAISE(ABORT, 'no');\nEND;\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    RAISE EXCEPTION 'no';\nEND;\n$$;\n"
	got := splitStatements(text)
	if len(got) != 3 {
		t.Fatalf("got %d statements: %#v", len(got), got)
	}
	want := "CREATE TABLE a (x INT);"
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("first: %q", got[0])
	}
}

func TestWithPlannerSettings(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"postgres://u@h:5432/d", "postgres://u@h:5432/d?random_page_cost=1.1"},
		{"postgres://u@h/d?sslmode=disable", "postgres://u@h/d?sslmode=disable&random_page_cost=1.1"},
		{"postgresql://u@h/d?random_page_cost=4", "postgresql://u@h/d?random_page_cost=4"},
		{"host=h dbname=d", "host=h dbname=d random_page_cost=1.1"},
	}
	for _, c := range cases {
		if got := withPlannerSettings(c.in); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
