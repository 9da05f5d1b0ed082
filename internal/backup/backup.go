// Package backup owns consistent copies of the whole database and their
// restoration into empty storage.
//
// A backup is always a SQLite database file with the same schema and the same
// migrations as a live database, whichever engine it came from, so one file
// restores into either engine. On SQLite it is made with VACUUM INTO; on
// PostgreSQL every table is streamed out of one REPEATABLE READ snapshot.
// Either way the copy is consistent while the server keeps running and
// writing. It is written beside its final name with a ".partial" suffix and
// renamed only once complete and checked, so a failed or interrupted backup
// never leaves a file that looks finished.
//
// Tables are found in the engine's catalogue, not in a list kept here, and
// copied in foreign-key order; a table added by a later migration is copied
// without any change to this package.
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mamori/internal/db"
)

// Stats describes one backup or restore.
type Stats struct {
	Tables   int              // data tables copied (schema_migrations excluded)
	Rows     int64            // rows copied, all tables together
	Bytes    int64            // size of the backup file written or read
	Duration time.Duration    // wall time of the whole operation
	Counts   map[string]int64 // rows per table; every data table has an entry
}

func (s *Stats) add(table string, n int64) {
	if s.Counts == nil {
		s.Counts = map[string]int64{}
	}
	s.Counts[table] = n
	s.Tables = len(s.Counts)
	s.Rows += n
}

// PartialSuffix is appended to the output name while a backup is written.
const PartialSuffix = ".partial"

// Backup writes a consistent copy of src to the file out while src stays in
// use. out must not exist yet.
func Backup(ctx context.Context, src *db.DB, out string) (st Stats, err error) {
	start := time.Now()
	if err := checkPath(out); err != nil {
		return st, err
	}
	if _, err := os.Stat(out); err == nil {
		return st, fmt.Errorf("backup: %s already exists; choose a new file name", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("backup: cannot check %s: %w", out, err)
	}
	partial := out + PartialSuffix
	// A partial file is only ever the remains of an interrupted backup.
	removeSQLiteFile(partial)
	defer func() {
		if err != nil {
			removeSQLiteFile(partial)
		}
	}()

	switch src.Dialect() {
	case db.SQLite:
		if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, partial); err != nil {
			return st, fmt.Errorf("backup: cannot copy the SQLite database: %w", err)
		}
		if err := finishSQLite(ctx, partial, &st); err != nil {
			return st, err
		}
	case db.Postgres:
		if err := copyPostgres(ctx, src, partial, &st); err != nil {
			return st, err
		}
	default:
		return st, fmt.Errorf("backup: unsupported database engine %q", src.Dialect())
	}

	if err := syncFile(partial); err != nil {
		return st, err
	}
	if _, err := os.Stat(out); err == nil {
		return st, fmt.Errorf("backup: %s appeared while the backup was written; keeping %s", out, partial)
	}
	if err := os.Rename(partial, out); err != nil {
		return st, fmt.Errorf("backup: cannot rename %s to %s: %w", partial, out, err)
	}
	syncDir(filepath.Dir(out))
	fi, err := os.Stat(out)
	if err != nil {
		return st, fmt.Errorf("backup: cannot read %s: %w", out, err)
	}
	st.Bytes = fi.Size()
	st.Duration = time.Since(start)
	return st, nil
}

// finishSQLite turns the VACUUM INTO output into a standalone file (rollback
// journal, no -wal beside it), checks it and counts its rows.
func finishSQLite(ctx context.Context, path string, st *Stats) error {
	f, err := openFile(ctx, path, false)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	var mode string
	if err := f.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode); err != nil || mode != "delete" {
		return fmt.Errorf("backup: cannot switch %s to a rollback journal (mode %q): %v", path, mode, err)
	}
	if err := checkIntegrity(ctx, f); err != nil {
		return fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	cat, err := readCatalog(ctx, f, db.SQLite)
	if err != nil {
		return fmt.Errorf("backup: cannot read the copy: %w", err)
	}
	for _, name := range cat.names() {
		var n int64
		if err := f.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+ident(name)).Scan(&n); err != nil {
			return fmt.Errorf("backup: cannot count %s: %w", name, err)
		}
		st.add(name, n)
	}
	return nil
}

// copyPostgres creates the backup file with this binary's migrations and
// streams every table into it from one REPEATABLE READ snapshot.
func copyPostgres(ctx context.Context, src *db.DB, path string, st *Stats) error {
	f, err := db.OpenSQLiteFile(ctx, path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if _, err := f.Migrate(ctx); err != nil {
		return fmt.Errorf("backup: cannot create the backup schema: %w", err)
	}
	// One pinned connection, so the pragmas below hold for all that follows.
	f.SQL().SetMaxOpenConns(1)
	conn, err := f.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode); err != nil || mode != "delete" {
		return fmt.Errorf("backup: cannot switch %s to a rollback journal (mode %q): %v", path, mode, err)
	}
	// Rows arrive in table order, not row order within self-referencing
	// tables; integrity is checked once at the end instead.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("backup: cannot prepare %s: %w", path, err)
	}
	fileCat, err := readCatalog(ctx, conn, db.SQLite)
	if err != nil {
		return fmt.Errorf("backup: cannot read the backup schema: %w", err)
	}
	fileVersions, err := versions(ctx, conn)
	if err != nil {
		return fmt.Errorf("backup: cannot read the backup schema: %w", err)
	}

	err = src.ReadSnapshot(ctx, func(tx *db.Tx) error {
		srcVersions, err := versions(ctx, tx)
		if err != nil {
			return fmt.Errorf("cannot read the database's migrations: %w", err)
		}
		if !slices.Equal(srcVersions, fileVersions) {
			return fmt.Errorf("the database is at migrations %v but this program has %v; run both at the same version", srcVersions, fileVersions)
		}
		srcCat, err := readCatalog(ctx, tx, db.Postgres)
		if err != nil {
			return err
		}
		if err := sameTables(srcCat, fileCat, "the database", "the backup schema"); err != nil {
			return err
		}
		w, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer w.Rollback()
		order, _ := srcCat.ordered()
		for _, t := range order {
			n, err := copyTable(ctx, tx, w, t, fileCat[t.name], db.SQLite)
			if err != nil {
				return err
			}
			st.add(t.name, n)
		}
		hw, err := postgresHighWater(ctx, tx, srcCat)
		if err != nil {
			return err
		}
		if err := setSQLiteHighWater(ctx, w, fileCat, hw); err != nil {
			return err
		}
		if err := w.Commit(); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := foreignKeyCheck(ctx, conn); err != nil {
		return fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := checkIntegrity(ctx, conn); err != nil {
		return fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	return nil
}

// sameTables refuses a copy between databases whose table sets differ, so a
// table can be neither skipped nor invented.
func sameTables(a, b catalog, aName, bName string) error {
	an, bn := a.names(), b.names()
	for _, n := range an {
		if b[n] == nil {
			return fmt.Errorf("table %s exists in %s but not in %s", n, aName, bName)
		}
	}
	for _, n := range bn {
		if a[n] == nil {
			return fmt.Errorf("table %s exists in %s but not in %s", n, bName, aName)
		}
	}
	return nil
}

func foreignKeyCheck(ctx context.Context, q querier) error {
	rows, err := q.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var tbl, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := rows.Scan(&tbl, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("row %d of %s refers to a missing row of %s", rowid.Int64, tbl, parent)
	}
	return rows.Err()
}

// checkIntegrity runs SQLite's quick_check, which reads every page: a
// truncated or damaged file fails here rather than halfway through a copy.
func checkIntegrity(ctx context.Context, q querier) error {
	var res string
	if err := q.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("the file is damaged: %s", res)
	}
	return nil
}

// checkPath refuses names that db.OpenSQLiteFile's file: URI would misread.
func checkPath(p string) error {
	if p == "" {
		return errors.New("backup: no file name given")
	}
	if strings.ContainsAny(p, "?#%") {
		return fmt.Errorf("backup: file name %q must not contain '?', '#' or '%%'", p)
	}
	return nil
}

// openFile opens a backup file directly (not through db.OpenSQLiteFile,
// which would switch it to WAL and leave -wal/-shm files beside it).
func openFile(ctx context.Context, path string, readOnly bool) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	dsn := u.String() + "?_pragma=busy_timeout(10000)"
	if readOnly {
		dsn += "&mode=ro"
	}
	s, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	s.SetMaxOpenConns(1)
	if err := s.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return s, nil
}

func removeSQLiteFile(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: cannot open %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: cannot flush %s to disk: %w", path, err)
	}
	return nil
}

// syncDir makes a rename durable; not every platform supports it, so a
// failure is not an error.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
