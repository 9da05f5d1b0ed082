package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// run executes the command line in-process, as a script would call it.
func run(t *testing.T, cfg db.Config, stdin string, args ...string) (string, string, int) {
	t.Helper()
	full := append([]string{}, args...)
	full = append(full, "--data", cfg.DataDir)
	if cfg.URL != "" {
		full = append(full, "--database", cfg.URL)
	}
	var out, errb bytes.Buffer
	code := Main(full, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestCommandLineScriptsOnBothEngines(t *testing.T) {
	t.Setenv("MAMORI_ADMIN_PASSWORD", "kawa-no-nagare-2026-test")
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			cfg := dbtest.Config(t, e)
			if out, errs, code := run(t, cfg, "", "migrate"); code != 0 || !strings.Contains(out, "up to date") {
				t.Fatalf("migrate: %d %s %s", code, out, errs)
			}
			out, errs, code := run(t, cfg, "川の流れのように静かに流れる\n", "user", "create", "--login", "yamada", "--password-stdin", "--name", "山田 太郎", "--role", "ciso")
			if code != 0 {
				t.Fatalf("user create: %d %s %s", code, out, errs)
			}
			// A common password is refused with a reason, and nothing is written.
			_, errs, code = run(t, cfg, "password1234\n", "user", "create", "--login", "weak", "--password-stdin")
			if code == 0 || !strings.Contains(strings.ToLower(errs), "password") {
				t.Errorf("weak password accepted: %d %s", code, errs)
			}
			out, _, _ = run(t, cfg, "", "user", "list")
			if !strings.Contains(out, "yamada") || !strings.Contains(out, "ciso") || strings.Contains(out, "weak") {
				t.Errorf("user list:\n%s", out)
			}
			out, errs, code = run(t, cfg, "", "token", "create", "--user", "yamada")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || !strings.HasPrefix(lines[len(lines)-1], "mamori_") {
				t.Fatalf("token create: %d %q %s", code, out, errs)
			}
			if _, errs, code = run(t, cfg, "", "user", "set-role", "--login", "yamada", "--role", "security_officer"); code == 0 {
				t.Errorf("department role without department accepted")
			} else if !strings.Contains(errs, "department") {
				t.Errorf("unclear error: %s", errs)
			}
			if _, errs, code = run(t, cfg, "", "user", "disable", "--login", "yamada"); code != 0 {
				t.Fatalf("disable: %s", errs)
			}
			if out, errs, code = run(t, cfg, "", "trail", "verify"); code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("verify: %d %s %s", code, out, errs)
			}
			backupFile := filepath.Join(t.TempDir(), "mamori.backup")
			if out, errs, code = run(t, cfg, "", "backup", "--out", backupFile); code != 0 {
				t.Fatalf("backup: %d %s %s", code, out, errs)
			}
			restored := dbtest.Config(t, e)
			if out, errs, code = run(t, restored, "", "restore", "--in", backupFile); code != 0 {
				t.Fatalf("restore: %d %s %s", code, out, errs)
			}
			if out, errs, code = run(t, restored, "", "trail", "verify"); code != 0 {
				t.Fatalf("verify restored: %d %s %s", code, out, errs)
			}
			if out, _, _ = run(t, restored, "", "user", "list"); !strings.Contains(out, "yamada") {
				t.Errorf("restored copy lacks the user:\n%s", out)
			}
		})
	}
}

// TestVerifyNamesTheAlteredRow is the acceptance check: change one
// trail row directly in the database and verify must fail naming it.
func TestVerifyNamesTheAlteredRow(t *testing.T) {
	t.Setenv("MAMORI_ADMIN_PASSWORD", "kawa-no-nagare-2026-test")
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			cfg := dbtest.Config(t, e)
			for _, login := range []string{"sato", "suzuki", "tanaka"} {
				if _, errs, code := run(t, cfg, "川の流れのように静かに流れる\n", "user", "create", "--login", login, "--password-stdin"); code != 0 {
					t.Fatal(errs)
				}
			}
			d, err := db.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var id, seq int64
			if err := d.QueryRowContext(context.Background(), `SELECT id, seq FROM trail_entries WHERE entity = 'person' ORDER BY seq DESC LIMIT 1`).Scan(&id, &seq); err != nil {
				t.Fatal(err)
			}
			stmts := []string{`DROP TRIGGER trail_entries_no_update`, `UPDATE trail_entries SET actor_name = 'someone else' WHERE id = ?`}
			if e == db.Postgres {
				stmts = []string{`ALTER TABLE trail_entries DISABLE TRIGGER trail_entries_no_change`, `UPDATE trail_entries SET actor_name = 'someone else' WHERE id = ?`}
			}
			for _, s := range stmts {
				args := []any{}
				if strings.Contains(s, "?") {
					args = append(args, id)
				}
				if _, err := d.ExecContext(context.Background(), s, args...); err != nil {
					t.Fatal(err)
				}
			}
			out, _, code := run(t, cfg, "", "trail", "verify")
			if code == 0 {
				t.Fatalf("verify passed a tampered trail:\n%s", out)
			}
			want := "seq " + strconv.FormatInt(seq, 10) + " (row id " + strconv.FormatInt(id, 10) + ")"
			if !strings.Contains(out, want) || !strings.Contains(out, "altered") {
				t.Errorf("verify output does not name %s:\n%s", want, out)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := Main([]string{"version"}, strings.NewReader(""), &out, os.Stderr); code != 0 || !strings.HasPrefix(out.String(), "mamori ") {
		t.Errorf("version: %d %q", code, out.String())
	}
}
