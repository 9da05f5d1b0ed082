package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"mamori/internal/db"
)

var (
	// ErrNotEmpty is returned when the restore destination already holds data.
	ErrNotEmpty = errors.New("the destination database is not empty")
	// ErrNotBackup is returned for a file that is not a readable backup:
	// missing, truncated, damaged or something else entirely.
	ErrNotBackup = errors.New("not a usable mamori backup")
	// ErrTooNew is returned for a backup made by a newer program, whose
	// schema this one does not know.
	ErrTooNew = errors.New("the backup was made by a newer version of mamori")
)

// Restore copies the backup file in into dst, keeping every id. dst must be
// migrated by this program and empty; the whole copy is one transaction, so
// a failed restore leaves dst empty. A backup made by an older version is
// brought up to this version's schema on a temporary copy first (in itself
// is never changed); one made by a newer version is refused.
func Restore(ctx context.Context, dst *db.DB, in string) (st Stats, err error) {
	start := time.Now()
	fi, err := os.Stat(in)
	if err != nil {
		return st, fmt.Errorf("restore: cannot read %s: %w", in, err)
	}
	if !fi.Mode().IsRegular() {
		return st, fmt.Errorf("restore: %s: %w (not a regular file)", in, ErrNotBackup)
	}
	src, cleanup, err := openBackup(ctx, in)
	if err != nil {
		return st, fmt.Errorf("restore: %w", err)
	}
	defer cleanup()

	known, err := knownVersions()
	if err != nil {
		return st, fmt.Errorf("restore: %w", err)
	}
	dstVersions, err := versions(ctx, dst)
	if err != nil {
		return st, fmt.Errorf("restore: cannot read the destination's migrations (is it migrated?): %w", err)
	}
	if !slices.Equal(dstVersions, known) {
		return st, fmt.Errorf("restore: the destination database is at migrations %v, not this program's %v; migrate it first", dstVersions, known)
	}
	srcCat, err := readCatalog(ctx, src, db.SQLite)
	if err != nil {
		return st, fmt.Errorf("restore: %s: %w", in, err)
	}
	hw, err := sqliteHighWater(ctx, src)
	if err != nil {
		return st, fmt.Errorf("restore: %s: %w", in, err)
	}

	dialect := dst.Dialect()
	err = dst.Transact(ctx, func(tx *db.Tx) error {
		dstCat, err := readCatalog(ctx, tx, dialect)
		if err != nil {
			return err
		}
		if err := sameTables(srcCat, dstCat, "the backup", "the destination"); err != nil {
			return err
		}
		for _, name := range dstCat.names() {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+ident(name)+` LIMIT 1`).Scan(&one)
			if err == nil {
				return fmt.Errorf("%w (table %s has rows); restore only into new, empty storage", ErrNotEmpty, name)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("cannot check that %s is empty: %w", name, err)
			}
		}
		order, cyclic := dstCat.ordered()
		undefer, err := deferForeignKeys(ctx, tx, dialect, dstCat, cyclic)
		if err != nil {
			return err
		}
		for _, t := range order {
			n, err := copyTable(ctx, src, tx, srcCat[t.name], t, dialect)
			if err != nil {
				return err
			}
			st.add(t.name, n)
		}
		if dialect == db.Postgres {
			if err := setPostgresSequences(ctx, tx, dstCat, hw); err != nil {
				return err
			}
		} else if err := setSQLiteHighWater(ctx, tx, dstCat, hw); err != nil {
			return err
		}
		return undefer()
	})
	if err != nil {
		return Stats{}, fmt.Errorf("restore: %w", err)
	}
	st.Bytes = fi.Size()
	st.Duration = time.Since(start)
	return st, nil
}

// deferForeignKeys postpones foreign key checks that table order cannot
// satisfy (a department whose parent has a higher id) to the end of the
// copy. SQLite has a pragma for it. PostgreSQL only defers constraints
// declared DEFERRABLE, so the self-referencing (and cyclic) ones are made
// deferrable inside the restore transaction and put back afterwards; the
// DDL is transactional, so a failed restore leaves the schema as it was.
// The returned function runs the postponed checks.
func deferForeignKeys(ctx context.Context, tx *db.Tx, dialect db.Dialect, cat catalog, cyclic map[string]bool) (func() error, error) {
	if dialect == db.SQLite {
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return nil, fmt.Errorf("cannot defer foreign key checks: %w", err)
		}
		return func() error { return foreignKeyCheck(ctx, tx) }, nil
	}
	type altered struct{ table, constraint string }
	var done []altered
	for _, name := range cat.names() {
		if !cyclic[name] {
			continue
		}
		for _, fk := range cat[name].fks {
			if fk.deferrable || !cyclic[fk.ref] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+ident(name)+` ALTER CONSTRAINT `+ident(fk.name)+` DEFERRABLE INITIALLY DEFERRED`); err != nil {
				return nil, fmt.Errorf("cannot defer foreign key %s of %s: %w", fk.name, name, err)
			}
			done = append(done, altered{name, fk.name})
		}
	}
	return func() error {
		if len(done) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
			return fmt.Errorf("the restored rows break a foreign key: %w", err)
		}
		for _, a := range done {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+ident(a.table)+` ALTER CONSTRAINT `+ident(a.constraint)+` NOT DEFERRABLE`); err != nil {
				return fmt.Errorf("cannot restore foreign key %s of %s: %w", a.constraint, a.table, err)
			}
		}
		return nil
	}, nil
}

// openBackup opens and checks a backup file read-only. A backup from an
// older version is copied to a temporary file and migrated there; cleanup
// closes and removes whatever was opened.
func openBackup(ctx context.Context, in string) (src *sql.DB, cleanup func(), err error) {
	cleanup = func() {}
	src, err = openChecked(ctx, in)
	if err != nil {
		return nil, cleanup, err
	}
	have, err := versions(ctx, src)
	if err != nil {
		src.Close()
		return nil, cleanup, fmt.Errorf("%s: %w (cannot read its migrations: %v)", in, ErrNotBackup, err)
	}
	known, err := knownVersions()
	if err != nil {
		src.Close()
		return nil, cleanup, err
	}
	for _, v := range have {
		if !slices.Contains(known, v) {
			src.Close()
			return nil, cleanup, fmt.Errorf("%s: %w (it has migration %d; this program knows up to %d); restore it with that version or newer",
				in, ErrTooNew, v, slices.Max(known))
		}
	}
	if len(have) == len(known) {
		return src, func() { src.Close() }, nil
	}
	src.Close()

	// Older backup: migrate a temporary copy, never the file itself.
	dir, err := os.MkdirTemp("", "mamori-restore-")
	if err != nil {
		return nil, cleanup, fmt.Errorf("cannot create a temporary folder: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	tmp := filepath.Join(dir, "backup.db")
	if err := copyFile(in, tmp); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	m, err := db.OpenSQLiteFile(ctx, tmp)
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	_, err = m.Migrate(ctx)
	m.Close()
	if err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("cannot bring the backup up to this version's schema: %w", err)
	}
	src, err = openFile(ctx, tmp, false)
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	return src, func() { src.Close(); os.RemoveAll(dir) }, nil
}

// openChecked opens a file read-only and makes sure it is an intact SQLite
// database with a schema_migrations table.
func openChecked(ctx context.Context, path string) (*sql.DB, error) {
	s, err := openFile(ctx, path, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrNotBackup, errors.Unwrap(err))
	}
	if err := checkIntegrity(ctx, s); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotBackup, err)
	}
	var n int
	if err := s.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, migrationsTable).Scan(&n); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrNotBackup, err)
	}
	if n == 0 {
		s.Close()
		return nil, fmt.Errorf("%s: %w (it has no schema_migrations table)", path, ErrNotBackup)
	}
	return s, nil
}

func copyFile(from, to string) error {
	r, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", from, err)
	}
	defer r.Close()
	w, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", to, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return fmt.Errorf("cannot copy %s: %w", from, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("cannot copy %s: %w", from, err)
	}
	return nil
}
