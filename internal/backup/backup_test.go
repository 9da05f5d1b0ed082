package backup_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mamori/internal/backup"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// tableNames lists the data tables straight from the catalogue, written
// independently of the package, so that a table the copy skips shows up as a
// difference.
func tableNames(t *testing.T, q queryer, d db.Dialect) []string {
	t.Helper()
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d == db.Postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := q.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != "schema_migrations" {
			out = append(out, n)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// dump renders every row of every table as sorted text, with booleans as
// 0/1, so that databases on different engines can be compared.
func dump(t *testing.T, q queryer, tables []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, name := range tables {
		rows, err := q.QueryContext(context.Background(), `SELECT * FROM `+name)
		if err != nil {
			t.Fatalf("dump %s: %v", name, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		lines := []string{}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", name, err)
			}
			var b strings.Builder
			for i, v := range vals {
				b.WriteString(cols[i])
				b.WriteByte('=')
				switch x := v.(type) {
				case nil:
					b.WriteString("NULL")
				case bool:
					if x {
						b.WriteString("1")
					} else {
						b.WriteString("0")
					}
				case int64:
					b.WriteString(strconv.FormatInt(x, 10))
				case string:
					b.WriteString(strconv.Quote(x))
				case []byte:
					b.WriteString(strconv.Quote(string(x)))
				default:
					fmt.Fprintf(&b, "%T(%v)", x, x)
				}
				b.WriteByte(' ')
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("dump %s: %v", name, err)
		}
		rows.Close()
		slices.Sort(lines)
		out[name] = lines
	}
	return out
}

func openFileRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	s, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type seeded struct {
	orgs       []int64
	deletedDep int64 // id of a department created then deleted
}

// seed fills a database the way the application would: organisations with
// their trail heads, departments (one whose parent has a higher id), people,
// an account, and a trail entry for each change, each change in the same
// transaction as its entry.
func seed(t *testing.T, d *db.DB) seeded {
	t.Helper()
	ctx := context.Background()
	var s seeded
	for o, orgName := range []string{"株式会社まもり", `Quote "and" back\slash`} {
		err := d.Transact(ctx, func(tx *db.Tx) error {
			now := db.Now()
			var org int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO organisations (name, name_en, mfa_required_all, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?) RETURNING id`, orgName, "Org "+strconv.Itoa(o), o == 0, now, now).Scan(&org); err != nil {
				return err
			}
			s.orgs = append(s.orgs, org)
			if err := trail.Start(ctx, tx, org); err != nil {
				return err
			}
			sc := scope.Scope{OrgID: org, ActorName: "test"}
			if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "organisation", EntityID: strconv.FormatInt(org, 10), After: map[string]string{"name": orgName}}); err != nil {
				return err
			}
			dep := func(name string, parent any) (int64, error) {
				var id int64
				err := tx.QueryRowContext(ctx, `INSERT INTO departments (org_id, parent_id, kind, name, created_at, updated_at)
					VALUES (?, ?, 'department', ?, ?, ?) RETURNING id`, org, parent, name, now, now).Scan(&id)
				if err != nil {
					return 0, err
				}
				return id, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "department", EntityID: strconv.FormatInt(id, 10), After: map[string]any{"name": name}})
			}
			child, err := dep("情報システム課", nil)
			if err != nil {
				return err
			}
			parent, err := dep("総務部", nil)
			if err != nil {
				return err
			}
			// The child was created first, so its parent has the higher id.
			if _, err := tx.ExecContext(ctx, `UPDATE departments SET parent_id = ? WHERE id = ?`, parent, child); err != nil {
				return err
			}
			if o == 0 {
				// A long chain in which every department's parent was
				// created after it, so parent rows come in a later insert
				// batch than their children.
				var prev int64
				for i := range 600 {
					var id int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO departments (org_id, kind, name, created_at, updated_at)
						VALUES (?, 'section', ?, ?, ?) RETURNING id`, org, "課"+strconv.Itoa(i), now, now).Scan(&id); err != nil {
						return err
					}
					if prev != 0 {
						if _, err := tx.ExecContext(ctx, `UPDATE departments SET parent_id = ? WHERE id = ?`, id, prev); err != nil {
							return err
						}
					}
					prev = id
				}
			}
			gone, err := dep("廃止部署", parent)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM departments WHERE id = ?`, gone); err != nil {
				return err
			}
			s.deletedDep = max(s.deletedDep, gone)
			for i, p := range []struct {
				name   string
				active bool
			}{{"山田 太郎", true}, {"Line\nbreak", false}, {"", true}} {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO people (org_id, name, department_id, staff_category, active, created_at, updated_at)
					VALUES (?, ?, ?, 'regular', ?, ?, ?) RETURNING id`, org, p.name, child, p.active, now, now).Scan(&id); err != nil {
					return err
				}
				if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "person", EntityID: strconv.FormatInt(id, 10), After: p}); err != nil {
					return err
				}
				if i == 0 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (person_id, org_id, login, password_hash, must_change_password, created_at, password_changed_at)
						VALUES (?, ?, ?, 'x', ?, ?, ?)`, id, org, "user"+strconv.FormatInt(org, 10), true, now, now); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	for i := range 100 {
		record(t, d, s.orgs[i%2], i)
	}
	return s
}

func record(t *testing.T, d *db.DB, org int64, i int) {
	t.Helper()
	if err := recordErr(d, org, i); err != nil {
		t.Fatalf("record: %v", err)
	}
}

func recordErr(d *db.DB, org int64, i int) error {
	ctx := context.Background()
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, scope.Scope{OrgID: org, ActorName: "test"},
			trail.Change{Action: trail.Update, Entity: "person", EntityID: strconv.Itoa(i), Before: map[string]int{"n": i}, After: map[string]int{"n": i + 1}})
	})
}

// writer keeps appending trail entries until stopped and reports how many
// it wrote.
func writer(t *testing.T, d *db.DB, orgs []int64) (stop func() int64) {
	var n atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if err := recordErr(d, orgs[i%len(orgs)], i); err != nil {
				werr = err
				return
			}
			n.Add(1)
		}
	})
	// Let it get going so the backup really overlaps writes.
	for n.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	return func() int64 {
		close(done)
		wg.Wait()
		if werr != nil {
			t.Errorf("concurrent writer: %v", werr)
		}
		return n.Load()
	}
}

func countRows(t *testing.T, q queryer, table string) int64 {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), `SELECT COUNT(*) FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	rows.Next()
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	for _, from := range dbtest.Engines {
		for _, to := range dbtest.Engines {
			t.Run(string(from)+"_to_"+string(to), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				src := dbtest.Open(t, from)
				dst := dbtest.Open(t, to)
				s := seed(t, src)
				out := filepath.Join(t.TempDir(), "mamori.backup")

				stop := writer(t, src, s.orgs)
				st, err := backup.Backup(ctx, src, out)
				written := stop()
				if err != nil {
					t.Fatalf("backup: %v", err)
				}
				if written < 5 {
					t.Fatalf("the writer only wrote %d entries", written)
				}

				// Nothing but the finished file is left behind.
				for _, suffix := range []string{backup.PartialSuffix, "-wal", "-shm", "-journal"} {
					if _, err := os.Stat(out + suffix); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("%s left behind (%v)", out+suffix, err)
					}
				}
				fi, err := os.Stat(out)
				if err != nil {
					t.Fatal(err)
				}
				if st.Bytes != fi.Size() || st.Duration <= 0 {
					t.Errorf("stats: %+v, file size %d", st, fi.Size())
				}
				// A standalone file: rollback journal, not WAL (header bytes
				// 18 and 19 are 1 for rollback, 2 for WAL).
				if head, err := os.ReadFile(out); err != nil || len(head) < 100 || head[18] != 1 || head[19] != 1 {
					t.Errorf("backup file is not in rollback-journal mode (%v)", err)
				}

				// Every table of the source is in the copy.
				srcTables := tableNames(t, src, from)
				if got := slices.Sorted(maps.Keys(st.Counts)); !slices.Equal(got, srcTables) {
					t.Fatalf("backup copied tables %v, the database has %v", got, srcTables)
				}
				if st.Tables != len(srcTables) {
					t.Errorf("stats say %d tables, want %d", st.Tables, len(srcTables))
				}
				file := openFileRO(t, out)
				fileTables := tableNames(t, file, db.SQLite)
				if !slices.Equal(fileTables, srcTables) {
					t.Fatalf("backup file has tables %v, the database has %v", fileTables, srcTables)
				}
				var total int64
				for _, name := range fileTables {
					n := countRows(t, file, name)
					total += n
					if n != st.Counts[name] {
						t.Errorf("%s: file has %d rows, stats say %d", name, n, st.Counts[name])
					}
				}
				if total != st.Rows {
					t.Errorf("file has %d rows, stats say %d", total, st.Rows)
				}
				if st.Counts["trail_entries"] < 100 {
					t.Errorf("snapshot has %d trail entries", st.Counts["trail_entries"])
				}
				snapshot := dump(t, file, fileTables)

				rst, err := backup.Restore(ctx, dst, out)
				if err != nil {
					t.Fatalf("restore: %v", err)
				}
				dstTables := tableNames(t, dst, to)
				if got := slices.Sorted(maps.Keys(rst.Counts)); !slices.Equal(got, dstTables) {
					t.Fatalf("restore copied tables %v, the database has %v", got, dstTables)
				}
				if !maps.Equal(rst.Counts, st.Counts) || rst.Rows != st.Rows {
					t.Errorf("restore counts %v, backup counts %v", rst.Counts, st.Counts)
				}
				restored := dump(t, dst, dstTables)
				for _, name := range fileTables {
					if !slices.Equal(snapshot[name], restored[name]) {
						t.Errorf("table %s differs after restore:\nbackup:   %q\nrestored: %q", name, snapshot[name], restored[name])
					}
				}

				if to == db.Postgres {
					// Foreign keys deferred for the copy are back to normal.
					var n int
					if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND condeferrable`).Scan(&n); err != nil || n != 0 {
						t.Errorf("%d deferrable foreign keys left after restore (%v)", n, err)
					}
				}

				rep, err := trail.Verify(ctx, dst)
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Problems) != 0 || rep.Entries != st.Counts["trail_entries"] {
					t.Fatalf("verify restored: %d entries, problems %v", rep.Entries, rep.Problems)
				}

				// The restored database goes on working: new rows get new ids,
				// never the id of a row deleted before the backup, and the
				// trail chain continues.
				err = dst.Transact(ctx, func(tx *db.Tx) error {
					var id int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO departments (org_id, kind, name, created_at, updated_at)
						VALUES (?, 'department', 'new', 0, 0) RETURNING id`, s.orgs[0]).Scan(&id); err != nil {
						return err
					}
					if id <= s.deletedDep {
						t.Errorf("new department got id %d, not above the deleted %d", id, s.deletedDep)
					}
					return trail.Record(ctx, tx, scope.Scope{OrgID: s.orgs[0], ActorName: "test"}, trail.Change{Action: trail.Create, Entity: "department", EntityID: strconv.FormatInt(id, 10)})
				})
				if err != nil {
					t.Fatalf("write after restore: %v", err)
				}
				if rep, err := trail.Verify(ctx, dst); err != nil || len(rep.Problems) != 0 {
					t.Fatalf("verify after a new entry: %v %v", err, rep.Problems)
				}
			})
		}
	}
}

func TestRestoreRefusesNonEmptyDestination(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		seed(t, d)
		out := filepath.Join(t.TempDir(), "b.db")
		if _, err := backup.Backup(ctx, d, out); err != nil {
			t.Fatal(err)
		}
		before := countRows(t, d, "trail_entries")
		_, err := backup.Restore(ctx, d, out)
		if !errors.Is(err, backup.ErrNotEmpty) {
			t.Fatalf("restore into itself: got %v, want ErrNotEmpty", err)
		}
		if !strings.Contains(err.Error(), "not empty") {
			t.Errorf("unclear error: %v", err)
		}
		if after := countRows(t, d, "trail_entries"); after != before {
			t.Errorf("trail went from %d to %d entries", before, after)
		}

		// A database holding only a sign-in throttle row is not empty either.
		other := dbtest.Open(t, d.Dialect())
		if _, err := other.ExecContext(ctx, `INSERT INTO signin_throttle (key, failures, last_failure_at, locked_until) VALUES ('k', 1, 0, 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := backup.Restore(ctx, other, out); !errors.Is(err, backup.ErrNotEmpty) {
			t.Fatalf("got %v, want ErrNotEmpty", err)
		}
	})
}

func TestRestoreRejectsBadFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// One good backup to damage in various ways.
	good := func(t *testing.T) string {
		src := dbtest.Open(t, db.SQLite)
		s := seed(t, src)
		for i := range 400 {
			record(t, src, s.orgs[0], i)
		}
		out := filepath.Join(t.TempDir(), "good.db")
		if _, err := backup.Backup(ctx, src, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	write := func(t *testing.T, data []byte) string {
		p := filepath.Join(t.TempDir(), "bad.db")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		make func(t *testing.T) string
		want error
	}{
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.db") }, os.ErrNotExist},
		{"empty", func(t *testing.T) string { return write(t, nil) }, backup.ErrNotBackup},
		{"garbage", func(t *testing.T) string {
			return write(t, []byte(strings.Repeat("this is not a database\n", 500)))
		}, backup.ErrNotBackup},
		{"truncated", func(t *testing.T) string {
			data, err := os.ReadFile(good(t))
			if err != nil {
				t.Fatal(err)
			}
			return write(t, data[:len(data)/2])
		}, backup.ErrNotBackup},
		{"corrupted", func(t *testing.T) string {
			data, err := os.ReadFile(good(t))
			if err != nil {
				t.Fatal(err)
			}
			for i := len(data) / 3; i < len(data)/3+8192 && i < len(data); i++ {
				data[i] = 0xA5
			}
			return write(t, data)
		}, backup.ErrNotBackup},
		{"other SQLite database", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "other.db")
			s, err := sql.Open("sqlite", p)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`); err != nil {
				t.Fatal(err)
			}
			return p
		}, backup.ErrNotBackup},
		{"newer version", func(t *testing.T) string {
			p := good(t)
			s, err := sql.Open("sqlite", p)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
				t.Fatal(err)
			}
			return p
		}, backup.ErrTooNew},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := c.make(t)
			dbtest.Each(t, func(t *testing.T, dst *db.DB) {
				_, err := backup.Restore(ctx, dst, in)
				if !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				if !strings.Contains(err.Error(), in) {
					t.Errorf("error does not name the file: %v", err)
				}
				t.Logf("%s: %v", c.name, err)
				for _, name := range tableNames(t, dst, dst.Dialect()) {
					if n := countRows(t, dst, name); n != 0 {
						t.Errorf("%s has %d rows after a failed restore", name, n)
					}
				}
			})
		})
	}
}

// A backup older than the program (here: one from before the first
// migration) is migrated on a temporary copy and restores.
func TestRestoreUpgradesOlderBackup(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "old.db")
	s, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, dst *db.DB) {
		st, err := backup.Restore(context.Background(), dst, p)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		if want := tableNames(t, dst, dst.Dialect()); st.Tables != len(want) || st.Rows != 0 {
			t.Errorf("stats %+v, want %d empty tables", st, len(want))
		}
		after, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(after) != string(before) {
			t.Error("restore changed the backup file")
		}
	})
}

// A table the copy does not know about cannot slip through: a backup holding
// a table the destination lacks is refused by name.
func TestRestoreRefusesUnknownTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := dbtest.Open(t, db.SQLite)
	if _, err := src.ExecContext(ctx, `CREATE TABLE zz_extra (id INTEGER PRIMARY KEY, note TEXT)`); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.db")
	st, err := backup.Backup(ctx, src, out)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Counts["zz_extra"]; !ok {
		t.Errorf("backup stats miss zz_extra: %v", st.Counts)
	}
	dbtest.Each(t, func(t *testing.T, dst *db.DB) {
		_, err := backup.Restore(ctx, dst, out)
		if err == nil || !strings.Contains(err.Error(), "zz_extra") {
			t.Fatalf("got %v, want a refusal naming zz_extra", err)
		}
	})
}

func TestBackupLeavesNoFileOnFailure(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d)
		dir := t.TempDir()

		// The output exists already: refused, left alone.
		existing := filepath.Join(dir, "existing.db")
		if err := os.WriteFile(existing, []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := backup.Backup(context.Background(), d, existing); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("got %v, want a refusal", err)
		}
		if b, _ := os.ReadFile(existing); string(b) != "keep" {
			t.Error("existing file was changed")
		}

		// Cancelled half-way (here: before it starts): no file at all.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		out := filepath.Join(dir, "cancelled.db")
		if _, err := backup.Backup(ctx, d, out); err == nil {
			t.Fatal("backup with a cancelled context succeeded")
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "existing.db" {
				t.Errorf("left behind: %s", e.Name())
			}
		}

		// A stale partial file from an interrupted run does not get in the way.
		out = filepath.Join(dir, "after.db")
		if err := os.WriteFile(out+backup.PartialSuffix, []byte("stale"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := backup.Backup(context.Background(), d, out); err != nil {
			t.Fatalf("backup over a stale partial file: %v", err)
		}
	})
}
