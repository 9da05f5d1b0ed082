package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// policy import creates a draft as the person named; policy export writes
// the version in effect, and only for someone who may read it.
func TestPolicyImportAndExport(t *testing.T) {
	t.Setenv("MAMORI_ADMIN_PASSWORD", "kawa-no-nagare-2026-test")
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			cfg := dbtest.Config(t, e)
			for _, u := range []struct{ login, role string }{{"toukatsu", "security_director"}, {"ciso1", "ciso"}, {"shokuin", ""}} {
				args := []string{"user", "create", "--login", u.login, "--password-stdin", "--name", u.login}
				if u.role != "" {
					args = append(args, "--role", u.role)
				}
				if _, errs, code := run(t, cfg, "川の流れのように静かに流れる\n", args...); code != 0 {
					t.Fatalf("user create %s: %s", u.login, errs)
				}
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "鍵管理実施手順.md")
			body := "# 鍵管理実施手順\n\n## 1 保管\n\n鍵は金庫で保管する。\n"
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			out, errs, code := run(t, cfg, "", "policy", "import", file, "--type", "procedure", "--as", "toukatsu")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			docID, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
			if code != 0 || err != nil || !strings.Contains(errs, "鍵管理実施手順") || !strings.Contains(errs, "restricted") {
				t.Fatalf("import: %d %q %s", code, out, errs)
			}
			// A worker may not create documents; a bad type is refused.
			if _, errs, code := run(t, cfg, "", "policy", "import", file, "--type", "procedure", "--as", "shokuin"); code == 0 || !strings.Contains(errs, "may not") {
				t.Errorf("worker's import: %d %s", code, errs)
			}
			if _, errs, code := run(t, cfg, "", "policy", "import", file, "--type", "memo", "--as", "toukatsu"); code == 0 || !strings.Contains(errs, "--type") {
				t.Errorf("bad type: %d %s", code, errs)
			}
			// Not in effect yet: nothing to export.
			if _, errs, code := run(t, cfg, "", "policy", "export", strconv.FormatInt(docID, 10), "--format", "md", "--as", "toukatsu"); code == 0 || !strings.Contains(errs, "not found") {
				t.Errorf("export of a draft: %d %s", code, errs)
			}
			publishAll(t, cfg, docID)
			out, errs, code = run(t, cfg, "", "policy", "export", strconv.FormatInt(docID, 10), "--format", "md", "--as", "toukatsu")
			if code != 0 || !strings.Contains(out, "鍵は金庫で保管する。") {
				t.Errorf("export: %d %q %s", code, out, errs)
			}
			// The worker is not on the procedure's access list: not a word.
			out, errs, code = run(t, cfg, "", "policy", "export", strconv.FormatInt(docID, 10), "--format", "md", "--as", "shokuin")
			if code == 0 || strings.Contains(out+errs, "金庫") || !strings.Contains(errs, "not found") {
				t.Errorf("worker's export of the restricted procedure: %d %q %s", code, out, errs)
			}
			// The basic policy, loaded at first start, is everyone's; --out.
			target := filepath.Join(dir, "basic.md")
			if _, errs, code := run(t, cfg, "", "policy", "export", strconv.FormatInt(basicPolicyID(t, cfg), 10), "--format", "md", "--as", "shokuin", "--out", target); code != 0 {
				t.Fatalf("export of the basic policy: %s", errs)
			}
			if b, err := os.ReadFile(target); err != nil || !strings.Contains(string(b), "目的") {
				t.Errorf("exported basic policy: %v %.200s", err, b)
			}
			if _, errs, code := run(t, cfg, "", "policy", "export", "1", "--format", "pdf", "--as", "shokuin"); code == 0 || !strings.Contains(errs, "--format") {
				t.Errorf("bad format: %d %s", code, errs)
			}
			if out, errs, code := run(t, cfg, "", "trail", "verify"); code != 0 {
				t.Fatalf("verify: %d %s %s", code, out, errs)
			}
		})
	}
}

// publishAll takes the document's first version through review: the 統括
// submits, the CISO approves, the 統括 publishes.
func publishAll(t *testing.T, cfg db.Config, docID int64) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	sc := scope.System(o.ID, "test")
	err = d.Transact(ctx, func(tx *db.Tx) error {
		dirID, err := org.PersonIDByLogin(ctx, tx, sc, "toukatsu")
		if err != nil {
			return err
		}
		cisoID, err := org.PersonIDByLogin(ctx, tx, sc, "ciso1")
		if err != nil {
			return err
		}
		director, err := org.Principal(ctx, tx, sc, dirID)
		if err != nil {
			return err
		}
		ciso, err := org.Principal(ctx, tx, sc, cisoID)
		if err != nil {
			return err
		}
		vs, err := policy.ListVersions(ctx, tx, sc, director, docID)
		if err != nil {
			return err
		}
		if _, err := policy.Submit(ctx, tx, sc, director, docID, vs[0].ID); err != nil {
			return err
		}
		if _, err := policy.Approve(ctx, tx, sc, ciso, docID, vs[0].ID); err != nil {
			return err
		}
		_, err = policy.Publish(ctx, tx, sc, director, docID, vs[0].ID, "2026-12-01")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func basicPolicyID(t *testing.T, cfg db.Config) int64 {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var id int64
	if err := d.QueryRowContext(ctx, `SELECT id FROM documents WHERE doc_type = 'basic_policy'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
