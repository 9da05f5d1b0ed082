// Package db owns the connection to storage: opening SQLite or PostgreSQL,
// the small set of dialect differences between them, embedded migrations and
// the transaction helper every write goes through.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned by every lookup that finds no row; callers test it
// with errors.Is and never receive (nil, nil).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Config says where storage lives. An empty URL means SQLite in DataDir.
type Config struct {
	DataDir string
	URL     string
	// CacheMB is SQLite's page cache per connection, in MB; 0 is the
	// server's 8. Commands that write a large batch and exit (demo seed)
	// ask for more.
	CacheMB int
}

// DB is a database handle that rewrites "?" placeholders for PostgreSQL so
// that domain packages write one portable SQL text.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	// Path is the SQLite file; empty on PostgreSQL.
	Path  string
	stmts stmtCache
}

// stmtCache keeps the SQLite queries run outside transactions prepared.
// modernc's driver parses a query's text on every call unless it is
// prepared, and under a mixed read load parsing was a quarter of the
// server's CPU. database/sql prepares a cached statement once on each
// connection of the pool. Queries inside a transaction are not cached:
// they share one connection, and the same statement run again while its
// first rows are still being read would reset them. pgx keeps its own
// cache per connection, so PostgreSQL needs none.
type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache: the queries are built from a fixed set
// of filters, but an IN list of any length is a text of its own; past the
// bound a query is simply not kept.
const maxCachedStmts = 2000

// prepared returns q prepared on the pool, or nil when it is not worth
// keeping or cannot be prepared (the caller then runs it as text and gets
// the error from there).
func (d *DB) prepared(ctx context.Context, q string) *sql.Stmt {
	if d.dialect != SQLite {
		return nil
	}
	c := &d.stmts
	c.mu.RLock()
	st, ok := c.m[q]
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if ok || full {
		return st
	}
	st, err := d.sql.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok {
		st.Close()
		return prev
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

// SQLiteFile is the database file name inside the data folder.
const SQLiteFile = "mamori.db"

// Open connects to storage. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://") {
		return openPostgres(ctx, cfg.URL)
	}
	if cfg.URL != "" && !strings.HasPrefix(cfg.URL, "sqlite:") {
		return nil, fmt.Errorf("cannot open database: unsupported URL scheme (want postgres:// or sqlite:)")
	}
	path := strings.TrimPrefix(cfg.URL, "sqlite:")
	if path == "" {
		dir := cfg.DataDir
		if dir == "" {
			dir = "mamori-data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create data folder %s: %w", dir, err)
		}
		path = filepath.Join(dir, SQLiteFile)
	}
	return openSQLite(ctx, path, cfg.CacheMB)
}

// OpenSQLiteFile opens (creating if needed) a SQLite database file with WAL,
// foreign keys, a busy timeout and immediate write transactions, so that two
// writers queue instead of failing on a lock upgrade. Each connection keeps
// an 8 MB page cache: the pool's eight fill theirs under load, and at 32 MB
// each the server's memory passed 600 MB at 100,000 assets; the operating
// system's file cache holds the rest of the file anyway.
func OpenSQLiteFile(ctx context.Context, path string) (*DB, error) { return openSQLite(ctx, path, 0) }

func openSQLite(ctx context.Context, path string, cacheMB int) (*DB, error) {
	if cacheMB <= 0 {
		cacheMB = 8
	}
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-" + strconv.Itoa(cacheMB*1000) + ")&_pragma=temp_store(MEMORY)"
	s, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", path, err)
	}
	s.SetMaxOpenConns(8)
	s.SetMaxIdleConns(8)
	s.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot reach SQLite database %s: %w", path, err)
	}
	return &DB{sql: s, dialect: SQLite, Path: path}, nil
}

// plannerSettings are set on every PostgreSQL session unless the URL sets
// them. mamori's queries are written to walk indexes and stop at a page;
// PostgreSQL's default random_page_cost (4, for spinning disks) makes it
// scan whole tables instead: a search page at 100,000 assets took 0.24 s
// and takes 8 ms with 1.1, the value PostgreSQL's documentation gives for
// solid-state storage.
var plannerSettings = [][2]string{{"random_page_cost", "1.1"}}

// withPlannerSettings adds plannerSettings to a connection string, as
// runtime parameters (a URL's query or key=value pairs).
func withPlannerSettings(conn string) string {
	for _, kv := range plannerSettings {
		if strings.Contains(conn, kv[0]) {
			continue
		}
		if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
			sep := "?"
			if strings.Contains(conn, "?") {
				sep = "&"
			}
			conn += sep + kv[0] + "=" + kv[1]
		} else {
			conn += " " + kv[0] + "=" + kv[1]
		}
	}
	return conn
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	s, err := sql.Open("pgx", withPlannerSettings(url))
	if err != nil {
		return nil, fmt.Errorf("cannot open PostgreSQL database: %w", err)
	}
	s.SetMaxOpenConns(20)
	s.SetMaxIdleConns(20)
	s.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL database: %w", err)
	}
	return &DB{sql: s, dialect: Postgres}, nil
}

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// SQL exposes the underlying pool for health checks and metrics.
func (d *DB) SQL() *sql.DB { return d.sql }

// Close closes the pool.
func (d *DB) Close() error {
	d.stmts.mu.Lock()
	for _, st := range d.stmts.m {
		st.Close()
	}
	d.stmts.m = nil
	d.stmts.mu.Unlock()
	return d.sql.Close()
}

// Rebind turns "?" placeholders into "$1", "$2"… for PostgreSQL. Queries must
// not contain a literal question mark.
func (d *DB) Rebind(q string) string { return rebind(d.dialect, q) }

func rebind(dialect Dialect, q string) string {
	if dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Querier is what both DB and Tx offer; read-only domain functions take it so
// they work inside and outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
}

func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.sql.ExecContext(ctx, d.Rebind(q), args...)
}
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.sql.QueryContext(ctx, d.Rebind(q), args...)
}
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.sql.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Tx is a transaction with the same placeholder rewriting.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // multi-row statements prepared in this transaction
}

// preparedArgs is how many arguments make a statement worth keeping
// prepared for the rest of its transaction on SQLite. Only the multi-row
// INSERTs of batch writers (imports, the trail, search postings, demo data)
// have that many, and they run the same text hundreds of times: parsing
// it each time cost a tenth of a 100,000-row import. pgx keeps its own
// statement cache per connection, so PostgreSQL needs none here.
const preparedArgs = 64

func (t *Tx) Dialect() Dialect { return t.dialect }
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.dialect == SQLite && len(args) >= preparedArgs {
		st, err := t.prepared(ctx, q)
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, rebind(t.dialect, q), args...)
}

// prepared returns q prepared in the transaction, preparing it the first
// time. The statements close with the transaction.
func (t *Tx) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st, nil
}
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, rebind(t.dialect, q), args...)
}
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, rebind(t.dialect, q), args...)
}

// Transact runs fn in a transaction, rolling back when fn returns an error or
// panics and reporting a failed commit. Every change and its trail entry go
// through here together.
func (d *DB) Transact(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot begin transaction: %w", err)
	}
	tx := &Tx{tx: stx, dialect: d.dialect}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("cannot commit transaction: %w", err)
	}
	return nil
}

// ReadSnapshot runs fn in a read-only transaction that sees one consistent
// state of the database (used by backup and exports).
func (d *DB) ReadSnapshot(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	stx, err := d.sql.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("cannot begin read transaction: %w", err)
	}
	defer stx.Rollback()
	return fn(&Tx{tx: stx, dialect: d.dialect})
}

// Now is the time source used for stored timestamps: UTC, microseconds.
func Now() int64 { return time.Now().UTC().UnixMicro() }

// Time converts a stored timestamp back to a time.Time.
func Time(us int64) time.Time { return time.UnixMicro(us).UTC() }

// IsUniqueViolation reports whether err came from a unique constraint.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Like escapes a user's search text for a LIKE pattern with ESCAPE '\'.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
