package trail

import (
	"context"
	"fmt"
	"strings"

	"mamori/internal/db"
	"mamori/internal/scope"
)

// Filter narrows a trail listing. Zero values mean "any".
type Filter struct {
	ActorID   int64
	Entity    string
	EntityID  string
	Action    Action
	From, To  int64 // microseconds; To is exclusive
	BeforeSeq int64 // cursor: only entries with a smaller seq
	Limit     int
}

// List returns entries newest first, one page at a time, using the
// (org_id, …, seq) indexes so a page never walks the whole trail.
func List(ctx context.Context, q db.Querier, sc scope.Scope, f Filter) ([]Entry, error) {
	var where []string
	args := []any{sc.OrgID}
	where = append(where, "org_id = ?")
	if f.ActorID != 0 {
		where = append(where, "actor_id = ?")
		args = append(args, f.ActorID)
	}
	if f.Entity != "" {
		where = append(where, "entity = ?")
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		where = append(where, "entity_id = ?")
		args = append(args, f.EntityID)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, string(f.Action))
	}
	if f.From != 0 {
		where = append(where, "at >= ?")
		args = append(args, f.From)
	}
	if f.To != 0 {
		where = append(where, "at < ?")
		args = append(args, f.To)
	}
	if f.BeforeSeq != 0 {
		where = append(where, "seq < ?")
		args = append(args, f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, seq, at, actor_id, actor_name, action, entity, entity_id,
		before_json, after_json, request_id, client_addr, prev_hash, hash
		FROM trail_entries WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list trail: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var action string
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Seq, &e.At, &e.ActorID, &e.ActorName, &action, &e.Entity, &e.EntityID,
			&e.Before, &e.After, &e.RequestID, &e.ClientAddr, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("cannot read trail entry: %w", err)
		}
		e.Action = Action(action)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list trail: %w", err)
	}
	return out, nil
}
