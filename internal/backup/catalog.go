package backup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/db"
)

// querier is what a *db.Tx, *sql.Tx, *sql.Conn and *sql.DB all offer. Raw
// database/sql handles are only ever used on SQLite, where "?" needs no
// rewriting; PostgreSQL is always reached through *db.Tx.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// migrationsTable is maintained by db.Migrate in each database and never
// copied: it describes the schema, not the data.
const migrationsTable = "schema_migrations"

type column struct {
	name string
	typ  string // lower-case declared type (SQLite) or format_type (PostgreSQL)
}

type foreignKey struct {
	name       string // constraint name; empty on SQLite
	ref        string // referenced table
	deferrable bool
}

type table struct {
	name   string
	cols   []column
	pk     []string     // primary key columns in key order
	fks    []foreignKey // outgoing foreign keys
	serial string       // AUTOINCREMENT / identity column, "" if none
}

func (t *table) col(name string) (column, bool) {
	for _, c := range t.cols {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// catalog is every user table of one database, keyed by name, read from the
// engine's own catalogue so that a table added by a later migration is never
// silently left out of a copy.
type catalog map[string]*table

func readCatalog(ctx context.Context, q querier, d db.Dialect) (catalog, error) {
	if d == db.Postgres {
		return readPostgresCatalog(ctx, q)
	}
	return readSQLiteCatalog(ctx, q)
}

func readSQLiteCatalog(ctx context.Context, q querier) (catalog, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("cannot list tables: %w", err)
	}
	cat := catalog{}
	var names []string
	autoinc := map[string]bool{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot list tables: %w", err)
		}
		names = append(names, name)
		autoinc[name] = strings.Contains(strings.ToUpper(text), "AUTOINCREMENT")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list tables: %w", err)
	}
	for _, name := range names {
		t := &table{name: name}
		type pkCol struct {
			name string
			pos  int
		}
		var pks []pkCol
		cr, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, fmt.Errorf("cannot read columns of %s: %w", name, err)
		}
		for cr.Next() {
			var c column
			var pk int
			if err := cr.Scan(&c.name, &c.typ, &pk); err != nil {
				cr.Close()
				return nil, fmt.Errorf("cannot read columns of %s: %w", name, err)
			}
			c.typ = strings.ToLower(c.typ)
			t.cols = append(t.cols, c)
			if pk > 0 {
				pks = append(pks, pkCol{c.name, pk})
			}
		}
		cr.Close()
		if err := cr.Err(); err != nil {
			return nil, fmt.Errorf("cannot read columns of %s: %w", name, err)
		}
		slices.SortFunc(pks, func(a, b pkCol) int { return a.pos - b.pos })
		for _, p := range pks {
			t.pk = append(t.pk, p.name)
		}
		if autoinc[name] && len(t.pk) == 1 {
			t.serial = t.pk[0]
		}
		fr, err := q.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name)
		if err != nil {
			return nil, fmt.Errorf("cannot read foreign keys of %s: %w", name, err)
		}
		for fr.Next() {
			var fk foreignKey
			if err := fr.Scan(&fk.ref); err != nil {
				fr.Close()
				return nil, fmt.Errorf("cannot read foreign keys of %s: %w", name, err)
			}
			t.fks = append(t.fks, fk)
		}
		fr.Close()
		if err := fr.Err(); err != nil {
			return nil, fmt.Errorf("cannot read foreign keys of %s: %w", name, err)
		}
		cat[name] = t
	}
	return cat, nil
}

// The PostgreSQL catalogue is read from pg_catalog rather than
// information_schema, which hides tables and constraints the current role
// has no privilege on: a table that cannot be read must fail the copy, not
// vanish from it.
const pgSchema = `(SELECT oid FROM pg_namespace WHERE nspname = current_schema())`

func readPostgresCatalog(ctx context.Context, q querier) (catalog, error) {
	cat := catalog{}
	err := scanAll(ctx, q, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = `+pgSchema+` AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
		func(r *sql.Rows) error {
			var name string
			if err := r.Scan(&name); err != nil {
				return err
			}
			cat[name] = &table{name: name}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("cannot list tables: %w", err)
	}
	err = scanAll(ctx, q, `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
			pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relnamespace = `+pgSchema+` AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY c.relname, a.attnum`,
		func(r *sql.Rows) error {
			var tname string
			var c column
			var serial bool
			if err := r.Scan(&tname, &c.name, &c.typ, &serial); err != nil {
				return err
			}
			if t := cat[tname]; t != nil {
				c.typ = strings.ToLower(c.typ)
				t.cols = append(t.cols, c)
				if serial {
					t.serial = c.name
				}
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("cannot read columns: %w", err)
	}
	err = scanAll(ctx, q, `SELECT c.relname, a.attname
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
		WHERE k.contype = 'p' AND c.relnamespace = `+pgSchema+`
		ORDER BY c.relname, array_position(k.conkey, a.attnum)`,
		func(r *sql.Rows) error {
			var tname, col string
			if err := r.Scan(&tname, &col); err != nil {
				return err
			}
			if t := cat[tname]; t != nil {
				t.pk = append(t.pk, col)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("cannot read primary keys: %w", err)
	}
	err = scanAll(ctx, q, `SELECT c.relname, k.conname, f.relname, k.condeferrable
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
		WHERE k.contype = 'f' AND c.relnamespace = `+pgSchema+`
		ORDER BY c.relname, k.conname`,
		func(r *sql.Rows) error {
			var tname string
			var fk foreignKey
			if err := r.Scan(&tname, &fk.name, &fk.ref, &fk.deferrable); err != nil {
				return err
			}
			if t := cat[tname]; t != nil {
				t.fks = append(t.fks, fk)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("cannot read foreign keys: %w", err)
	}
	return cat, nil
}

func scanAll(ctx context.Context, q querier, query string, each func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// names lists the tables that hold data (everything but schema_migrations),
// sorted.
func (c catalog) names() []string {
	var out []string
	for name := range c {
		if name != migrationsTable {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ordered returns the data tables so that every table comes after the tables
// its foreign keys reference (Kahn's algorithm, ties broken by name so the
// order is stable). Self-references and any cycle between tables cannot be
// satisfied by table order; they are returned in cyclic so the caller can
// defer those checks to commit.
func (c catalog) ordered() (order []*table, cyclic map[string]bool) {
	names := c.names()
	cyclic = map[string]bool{}
	deps := map[string]map[string]bool{}
	for _, n := range names {
		deps[n] = map[string]bool{}
		for _, fk := range c[n].fks {
			if fk.ref != n && fk.ref != migrationsTable && c[fk.ref] != nil {
				deps[n][fk.ref] = true
			}
		}
	}
	done := map[string]bool{}
	for len(done) < len(names) {
		progressed := false
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for d := range deps[n] {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				done[n] = true
				order = append(order, c[n])
				progressed = true
			}
		}
		if !progressed {
			// A cycle between tables: take the rest by name and let the
			// deferred checks sort it out.
			for _, n := range names {
				if !done[n] {
					done[n] = true
					order = append(order, c[n])
					cyclic[n] = true
				}
			}
		}
	}
	for _, n := range names {
		for _, fk := range c[n].fks {
			if fk.ref == n {
				cyclic[n] = true
			}
		}
	}
	return order, cyclic
}

// ident quotes an identifier for either engine.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// versions reads the applied migration versions of a database.
func versions(ctx context.Context, q querier) ([]int, error) {
	var out []int
	err := scanAll(ctx, q, `SELECT version FROM schema_migrations ORDER BY version`, func(r *sql.Rows) error {
		var v int
		if err := r.Scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// knownVersions lists the migrations built into this binary.
func knownVersions() ([]int, error) {
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Version
	}
	return out, nil
}
