package backup

import (
	"context"
	"fmt"
	"strings"

	"mamori/internal/db"
)

// Rows are inserted several at a time; the parameter cap stays well under
// both engines' limits (SQLite 32766, PostgreSQL 65535).
const (
	maxBatchRows   = 250
	maxBatchParams = 4000
)

// convertFunc turns a value as the source driver returned it into one the
// destination column accepts.
type convertFunc func(v any) (any, error)

// converter picks the conversion for a destination column. SQLite stores
// booleans as INTEGER and PostgreSQL as BOOLEAN; text and binary may come
// back as either string or []byte depending on the driver.
func converter(d db.Dialect, typ string) convertFunc {
	if d == db.Postgres {
		switch {
		case typ == "boolean":
			return toBool
		case typ == "bytea":
			return toBytes
		case typ == "text" || strings.HasPrefix(typ, "character"):
			return toText
		}
		return nil
	}
	// SQLite: every boolean becomes 0/1; the rest is stored as it comes.
	return fromBool
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool:
		return x, nil
	case int64:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case string:
		switch strings.ToLower(x) {
		case "1", "t", "true":
			return true, nil
		case "0", "f", "false":
			return false, nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) is not a boolean", v, v)
}

func toBytes(v any) (any, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return v, nil
}

func toText(v any) (any, error) {
	if b, ok := v.([]byte); ok {
		return string(b), nil
	}
	return v, nil
}

func fromBool(v any) (any, error) {
	if b, ok := v.(bool); ok {
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return v, nil
}

// copyTable streams every row of src's table t into the same table of dst,
// batch by batch, so memory stays flat whatever the table's size. dstTable
// describes the destination columns, whose types decide the conversions.
// Rows are read in primary key order, which puts parents before children in
// self-referencing tables in the common case (the rest is left to deferred
// checks).
func copyTable(ctx context.Context, src, dst querier, t, dstTable *table, dstDialect db.Dialect) (int64, error) {
	if len(t.cols) == 0 {
		return 0, nil
	}
	names := make([]string, len(t.cols))
	convs := make([]convertFunc, len(t.cols))
	for i, c := range t.cols {
		dc, ok := dstTable.col(c.name)
		if !ok {
			return 0, fmt.Errorf("table %s: column %s does not exist in the destination", t.name, c.name)
		}
		names[i] = ident(c.name)
		convs[i] = converter(dstDialect, dc.typ)
	}
	cols := strings.Join(names, ", ")
	q := "SELECT " + cols + " FROM " + ident(t.name)
	if len(t.pk) > 0 {
		pk := make([]string, len(t.pk))
		for i, c := range t.pk {
			pk[i] = ident(c)
		}
		q += " ORDER BY " + strings.Join(pk, ", ")
	}
	rows, err := src.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("cannot read table %s: %w", t.name, err)
	}
	defer rows.Close()

	per := max(1, min(maxBatchRows, maxBatchParams/len(t.cols)))
	insert := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO ")
		b.WriteString(ident(t.name))
		b.WriteString(" (")
		b.WriteString(cols)
		b.WriteString(") VALUES ")
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
		return b.String()
	}
	full := insert(per)
	args := make([]any, 0, per*len(t.cols))
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var copied int64
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		stmt := full
		if pending != per {
			stmt = insert(pending)
		}
		if _, err := dst.ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("cannot write table %s: %w", t.name, err)
		}
		copied += int64(pending)
		pending = 0
		clear(args)
		args = args[:0]
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return copied, fmt.Errorf("cannot read table %s: %w", t.name, err)
		}
		for i, v := range vals {
			if convs[i] != nil {
				if v, err = convs[i](v); err != nil {
					return copied, fmt.Errorf("table %s, column %s: %w", t.name, t.cols[i].name, err)
				}
			}
			args = append(args, v)
		}
		pending++
		if pending == per {
			if err := flush(); err != nil {
				return copied, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return copied, fmt.Errorf("cannot read table %s: %w", t.name, err)
	}
	if err := flush(); err != nil {
		return copied, err
	}
	return copied, nil
}

// Identity high-water marks. A copy carries, per table, the highest id ever
// handed out (not merely the highest still present), so that a restored
// database never reuses the id of a deleted row: the trail refers to rows by
// id, and a reused id would make old entries appear to describe a new row.
// In the backup file they live where SQLite keeps them, in sqlite_sequence.

// sqliteHighWater reads sqlite_sequence; a database without AUTOINCREMENT
// tables has none.
func sqliteHighWater(ctx context.Context, q querier) (map[string]int64, error) {
	out := map[string]int64{}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("cannot read id sequences: %w", err)
	}
	if n == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT name, seq FROM sqlite_sequence`)
	if err != nil {
		return nil, fmt.Errorf("cannot read id sequences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var seq int64
		if err := rows.Scan(&name, &seq); err != nil {
			return nil, fmt.Errorf("cannot read id sequences: %w", err)
		}
		out[name] = seq
	}
	return out, rows.Err()
}

// postgresHighWater reads the sequences behind identity columns. Sequences
// are not transactional, so inside a snapshot this is at least the highest
// id the snapshot can contain, which is what a high-water mark needs.
func postgresHighWater(ctx context.Context, q querier, cat catalog) (map[string]int64, error) {
	out := map[string]int64{}
	for _, name := range cat.names() {
		t := cat[name]
		if t.serial == "" {
			continue
		}
		var v int64
		err := q.QueryRowContext(ctx, `SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence(quote_ident(?), ?)::regclass), 0)`,
			t.name, t.serial).Scan(&v)
		if err != nil {
			return nil, fmt.Errorf("cannot read the id sequence of %s: %w", t.name, err)
		}
		out[t.name] = v
	}
	return out, nil
}

// setSQLiteHighWater raises sqlite_sequence to the given marks (inserts have
// already moved it to each table's highest id).
func setSQLiteHighWater(ctx context.Context, q querier, cat catalog, hw map[string]int64) error {
	for _, name := range cat.names() {
		t := cat[name]
		if t.serial == "" || hw[name] == 0 {
			continue
		}
		res, err := q.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?`, hw[name], name)
		if err != nil {
			return fmt.Errorf("cannot set the id sequence of %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := q.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, name, hw[name]); err != nil {
				return fmt.Errorf("cannot set the id sequence of %s: %w", name, err)
			}
		}
	}
	return nil
}

// setPostgresSequences moves each identity sequence past both the highest id
// restored and the recorded high-water mark, so the next insert gets a new id.
func setPostgresSequences(ctx context.Context, q querier, cat catalog, hw map[string]int64) error {
	for _, name := range cat.names() {
		t := cat[name]
		if t.serial == "" {
			continue
		}
		_, err := q.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(quote_ident(?), ?),
			GREATEST(COALESCE(MAX(`+ident(t.serial)+`), 0), ?) + 1, false) FROM `+ident(name),
			name, t.serial, hw[name])
		if err != nil {
			return fmt.Errorf("cannot reset the id sequence of %s: %w", name, err)
		}
	}
	return nil
}
