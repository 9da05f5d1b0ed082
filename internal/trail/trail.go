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
	"strconv"
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
	h := sha256.New()
	var b strings.Builder
	b.Grow(256 + len(e.Before) + len(e.After))
	b.WriteString(prev)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(e.OrgID, 10))
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(e.At, 10))
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(e.ActorID, 10))
	for _, s := range []string{e.ActorName, string(e.Action), e.Entity, e.EntityID, e.Before, e.After, e.RequestID, e.ClientAddr} {
		b.WriteByte('\n')
		b.WriteString(strconv.Quote(s))
	}
	h.Write([]byte(b.String()))
	return hex.EncodeToString(h.Sum(nil))
}

// Head returns the current head of an organisation's chain.
func Head(ctx context.Context, q db.Querier, orgID int64) (seq int64, hash string, err error) {
	err = q.QueryRowContext(ctx, `SELECT seq, hash FROM trail_heads WHERE org_id = ?`, orgID).Scan(&seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("cannot read trail head of organisation %d: %w", orgID, err)
	}
	return seq, hash, nil
}
