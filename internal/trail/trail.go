// Package trail owns the 監査証跡: an append-only, hash-chained record of
// every change, sign-in, denial, export and administrative act, written in
// the same transaction as the change it records. There is one chain per
// organisation; appends serialise on the chain head row so concurrent
// writers (even on several instances) never fork it.
package trail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/db"
	"mamori/internal/scope"
)

// Action is what happened.
type Action string

const (
	Create       Action = "create"
	Update       Action = "update"
	Delete       Action = "delete"
	SignIn       Action = "signin"
	SignInFailed Action = "signin_failed"
	SignOut      Action = "signout"
	Denied       Action = "denied"
	Export       Action = "export"
	Admin        Action = "admin"
)

// Actions lists every action, for filters.
var Actions = []Action{Create, Update, Delete, SignIn, SignInFailed, SignOut, Denied, Export, Admin}

// GenesisHash is the previous hash of an organisation's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one record of the trail.
type Entry struct {
	ID         int64
	OrgID      int64
	Seq        int64
	At         int64 // microseconds, UTC
	ActorID    int64
	ActorName  string
	Action     Action
	Entity     string
	EntityID   string
	Before     string // JSON, or empty
	After      string // JSON, or empty
	RequestID  string
	ClientAddr string
	PrevHash   string
	Hash       string
}

// Change describes what a caller records; the rest comes from the scope.
type Change struct {
	Action   Action
	Entity   string
	EntityID string
	Before   any // marshalled to JSON; nil for none
	After    any
}

// Record appends one entry inside tx. Call it in the same transaction as the
// change it describes.
func Record(ctx context.Context, tx *db.Tx, sc scope.Scope, c Change) error {
	before, err := toJSON(c.Before)
	if err != nil {
		return fmt.Errorf("cannot record %s %s: %w", c.Action, c.Entity, err)
	}
	after, err := toJSON(c.After)
	if err != nil {
		return fmt.Errorf("cannot record %s %s: %w", c.Action, c.Entity, err)
	}
	e := Entry{
		OrgID: sc.OrgID, At: db.Now(), ActorID: sc.ActorID, ActorName: sc.ActorName,
		Action: c.Action, Entity: c.Entity, EntityID: c.EntityID, Before: before, After: after,
		RequestID: sc.RequestID, ClientAddr: sc.ClientAddr,
	}
	// Taking the head row's write lock first serialises appends per chain:
	// on PostgreSQL the UPDATE locks the row until commit; SQLite write
	// transactions are already serial.
	err = tx.QueryRowContext(ctx,
		`UPDATE trail_heads SET seq = seq + 1 WHERE org_id = ? RETURNING seq, hash`, sc.OrgID).
		Scan(&e.Seq, &e.PrevHash)
	if err != nil {
		return fmt.Errorf("cannot advance trail head of organisation %d: %w", sc.OrgID, err)
	}
	e.Hash = Hash(e.PrevHash, e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO trail_entries
		(org_id, seq, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, request_id, client_addr, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.Seq, e.At, e.ActorID, e.ActorName, string(e.Action), e.Entity, e.EntityID,
		e.Before, e.After, e.RequestID, e.ClientAddr, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("cannot append trail entry %d: %w", e.Seq, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE trail_heads SET hash = ? WHERE org_id = ?`, e.Hash, sc.OrgID); err != nil {
		return fmt.Errorf("cannot move trail head: %w", err)
	}
	return nil
}

// RecordMany appends one entry per change, in the order given, inside tx:
// the entries Record would append one by one, for an import that changes
// thousands of assets. The head is advanced once by len(cs), which takes its
// lock as Record does; the chain is hashed here and the entries written
// with multi-row INSERTs; the head's hash is moved once at the end.
func RecordMany(ctx context.Context, tx *db.Tx, sc scope.Scope, cs []Change) error {
	if len(cs) == 0 {
		return nil
	}
	es := make([]Entry, len(cs))
	at := db.Now()
	for i, c := range cs {
		before, err := toJSON(c.Before)
		if err != nil {
			return fmt.Errorf("cannot record %s %s %s: %w", c.Action, c.Entity, c.EntityID, err)
		}
		after, err := toJSON(c.After)
		if err != nil {
			return fmt.Errorf("cannot record %s %s %s: %w", c.Action, c.Entity, c.EntityID, err)
		}
		es[i] = Entry{
			OrgID: sc.OrgID, At: at, ActorID: sc.ActorID, ActorName: sc.ActorName,
			Action: c.Action, Entity: c.Entity, EntityID: c.EntityID, Before: before, After: after,
			RequestID: sc.RequestID, ClientAddr: sc.ClientAddr,
		}
	}
	var last int64
	var prev string
	err := tx.QueryRowContext(ctx,
		`UPDATE trail_heads SET seq = seq + ? WHERE org_id = ? RETURNING seq, hash`, int64(len(es)), sc.OrgID).
		Scan(&last, &prev)
	if err != nil {
		return fmt.Errorf("cannot advance trail head of organisation %d: %w", sc.OrgID, err)
	}
	// Row ids are taken only now, under the head's lock, so they grow with
	// seq as Verify expects; they are given explicitly because neither
	// engine promises to number the rows of a multi-row INSERT in order.
	ids, err := reserveIDs(ctx, tx, len(es))
	if err != nil {
		return err
	}
	for i := range es {
		es[i].ID, es[i].Seq, es[i].PrevHash = ids[i], last-int64(len(es))+1+int64(i), prev
		es[i].Hash = Hash(prev, es[i])
		prev = es[i].Hash
	}
	const cols, perInsert = 15, 200
	for start := 0; start < len(es); start += perInsert {
		chunk := es[start:min(start+perInsert, len(es))]
		var b strings.Builder
		b.WriteString(`INSERT INTO trail_entries
			(id, org_id, seq, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, request_id, client_addr, prev_hash, hash)
			VALUES `)
		args := make([]any, 0, cols*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, e.ID, e.OrgID, e.Seq, e.At, e.ActorID, e.ActorName, string(e.Action), e.Entity, e.EntityID,
				e.Before, e.After, e.RequestID, e.ClientAddr, e.PrevHash, e.Hash)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("cannot append trail entries %d–%d: %w", chunk[0].Seq, chunk[len(chunk)-1].Seq, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE trail_heads SET hash = ? WHERE org_id = ?`, prev, sc.OrgID); err != nil {
		return fmt.Errorf("cannot move trail head: %w", err)
	}
	return nil
}

// reserveIDs takes n new row ids of trail_entries, in increasing order.
// On PostgreSQL they come from the column's sequence, as Record's do. On
// SQLite the caller's write transaction is the only writer until it ends
// (BEGIN IMMEDIATE), so the ids after the highest ever given
// (sqlite_sequence, which AUTOINCREMENT keeps and never reuses below) are
// free; inserting them moves sqlite_sequence past them.
func reserveIDs(ctx context.Context, tx *db.Tx, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if tx.Dialect() == db.Postgres {
		rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('trail_entries', 'id')) FROM generate_series(1, CAST(? AS BIGINT))`, int64(n))
		if err != nil {
			return nil, fmt.Errorf("cannot reserve trail entry ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("cannot reserve trail entry ids: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("cannot reserve trail entry ids: %w", err)
		}
		slices.Sort(ids)
		return ids, nil
	}
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'trail_entries'), 0),
		COALESCE((SELECT MAX(id) FROM trail_entries), 0))`).Scan(&top); err != nil {
		return nil, fmt.Errorf("cannot reserve trail entry ids: %w", err)
	}
	for i := range n {
		ids = append(ids, top+1+int64(i))
	}
	return ids, nil
}

// Start creates the chain head of a new organisation.
func Start(ctx context.Context, tx *db.Tx, orgID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO trail_heads (org_id, seq, hash) VALUES (?, 0, ?)`, orgID, GenesisHash); err != nil {
		return fmt.Errorf("cannot start trail of organisation %d: %w", orgID, err)
	}
	return nil
}

func toJSON(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.RawMessage:
		return string(x), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cannot encode trail data: %w", err)
	}
	return string(b), nil
}

// Hash is SHA-256 over the previous hash and the entry's canonical content.
// The canonical form is fixed field order, one field per line, with
// strconv.Quote for text, so no field can bleed into another.
func Hash(prev string, e Entry) string {
	b := appendCanonical(make([]byte, 0, 256+len(prev)+len(e.Before)+len(e.After)), prev, &e)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Head returns the current head of an organisation's chain.
func Head(ctx context.Context, q db.Querier, orgID int64) (seq int64, hash string, err error) {
	err = q.QueryRowContext(ctx, `SELECT seq, hash FROM trail_heads WHERE org_id = ?`, orgID).Scan(&seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("cannot read trail head of organisation %d: %w", orgID, err)
	}
	return seq, hash, nil
}
