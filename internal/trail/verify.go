package trail

import (
	"context"
	"fmt"

	"mamori/internal/db"
)

// Problem names the first place a chain is broken.
type Problem struct {
	OrgID  int64
	Seq    int64 // the entry's position in the chain
	ID     int64 // the entry's row id; 0 when the entry is missing
	Reason string
}

func (p *Problem) Error() string {
	if p.ID == 0 {
		return fmt.Sprintf("organisation %d: trail entry seq %d: %s", p.OrgID, p.Seq, p.Reason)
	}
	return fmt.Sprintf("organisation %d: trail entry seq %d (row id %d): %s", p.OrgID, p.Seq, p.ID, p.Reason)
}

// Report is the outcome of a verification.
type Report struct {
	Entries  int64
	Problems []*Problem // at most one per organisation: the first break
}

// Verify walks every organisation's chain in order and reports the first
// entry that was altered, removed or reordered in each. It streams rows, so
// memory stays flat however long the trail is.
func Verify(ctx context.Context, q db.Querier) (Report, error) {
	var rep Report
	rows, err := q.QueryContext(ctx, `SELECT org_id, seq, hash FROM trail_heads ORDER BY org_id`)
	if err != nil {
		return rep, fmt.Errorf("cannot read trail heads: %w", err)
	}
	type head struct {
		org, seq int64
		hash     string
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.org, &h.seq, &h.hash); err != nil {
			rows.Close()
			return rep, fmt.Errorf("cannot read trail head: %w", err)
		}
		heads = append(heads, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("cannot read trail heads: %w", err)
	}
	for _, h := range heads {
		n, p, err := verifyChain(ctx, q, h.org, h.seq, h.hash)
		rep.Entries += n
		if err != nil {
			return rep, err
		}
		if p != nil {
			rep.Problems = append(rep.Problems, p)
		}
	}
	return rep, nil
}

func verifyChain(ctx context.Context, q db.Querier, org, headSeq int64, headHash string) (int64, *Problem, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, seq, at, actor_id, actor_name, action, entity, entity_id,
		before_json, after_json, request_id, client_addr, prev_hash, hash
		FROM trail_entries WHERE org_id = ? ORDER BY seq`, org)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot read trail of organisation %d: %w", org, err)
	}
	defer rows.Close()
	var (
		n      int64
		prev   = GenesisHash
		want   = int64(1)
		lastID int64
		e      Entry
		action string
	)
	for rows.Next() {
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Seq, &e.At, &e.ActorID, &e.ActorName, &action, &e.Entity, &e.EntityID,
			&e.Before, &e.After, &e.RequestID, &e.ClientAddr, &e.PrevHash, &e.Hash); err != nil {
			return n, nil, fmt.Errorf("cannot read trail entry: %w", err)
		}
		e.Action = Action(action)
		n++
		switch {
		case e.Seq > want:
			return n, &Problem{OrgID: org, Seq: want, Reason: fmt.Sprintf("missing: the chain jumps from %d to %d (entry removed)", want-1, e.Seq)}, nil
		case e.Seq < want:
			return n, &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "duplicate position in the chain"}, nil
		case e.ID <= lastID:
			return n, &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "out of order: written before the entry preceding it (reordered)"}, nil
		case e.PrevHash != prev:
			return n, &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "does not link to the entry before it (removed or reordered)"}, nil
		case Hash(prev, e) != e.Hash:
			return n, &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "content does not match its hash (altered)"}, nil
		}
		prev = e.Hash
		lastID = e.ID
		want++
	}
	if err := rows.Err(); err != nil {
		return n, nil, fmt.Errorf("cannot read trail of organisation %d: %w", org, err)
	}
	if want-1 != headSeq || prev != headHash {
		return n, &Problem{OrgID: org, Seq: want, Reason: fmt.Sprintf("the chain ends at %d but its head records %d (entries removed from the end, or head altered)", want-1, headSeq)}, nil
	}
	return n, nil, nil
}
