package trail

import (
	"context"
	"fmt"
	"runtime"
	"sync"

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
	return verify(ctx, q, minPartLength, min(runtime.GOMAXPROCS(0), maxParts))
}

// verify is Verify reading chains of at least 2×minPart entries in up to
// maxParts parts.
func verify(ctx context.Context, q db.Querier, minPart int64, maxParts int) (Report, error) {
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
		n, p, err := verifyChain(ctx, q, h.org, h.seq, h.hash, minPart, maxParts)
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

// verifyChain checks one organisation's chain. A long chain is read in
// parts, each by its own connection and goroutine, since reading rows and
// hashing them is the whole cost and both parallelise: within a part every
// check is made as in one pass, and where two parts meet the later part's
// first entry must link to the earlier part's last. The first problem in
// chain order wins, as a single pass would find it.
func verifyChain(ctx context.Context, q db.Querier, org, headSeq int64, headHash string, minPart int64, maxParts int) (int64, *Problem, error) {
	n := 1
	if _, ok := q.(*db.DB); ok && headSeq >= minPart*2 {
		n = max(1, min(maxParts, int(headSeq/minPart)))
	}
	parts := make([]part, n)
	var wg sync.WaitGroup
	for i := range parts {
		lo := 1 + headSeq*int64(i)/int64(n)
		hi := headSeq * int64(i+1) / int64(n)
		if i == n-1 {
			hi = -1 // the last part also reads what lies beyond the head
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i] = walkPart(ctx, q, org, lo, hi, i == 0)
		}()
	}
	wg.Wait()

	var total int64
	for _, p := range parts {
		total += p.n
		if p.err != nil {
			return total, nil, p.err
		}
	}
	prev, lastID, want := GenesisHash, int64(0), int64(1)
	for i, p := range parts {
		// The seam: checks walkPart could not make on a part's first entry.
		if i > 0 && p.n > 0 && p.firstSeq == p.lo {
			switch {
			case p.firstID <= lastID:
				return total, &Problem{OrgID: org, Seq: p.firstSeq, ID: p.firstID, Reason: "out of order: written before the entry preceding it (reordered)"}, nil
			case p.firstPrev != prev:
				return total, &Problem{OrgID: org, Seq: p.firstSeq, ID: p.firstID, Reason: "does not link to the entry before it (removed or reordered)"}, nil
			}
		}
		if p.problem != nil {
			return total, p.problem, nil
		}
		// A part before the last must reach its end.
		if i < len(parts)-1 && (p.n == 0 || p.lastSeq < p.hi) {
			at := p.lo
			if p.n > 0 {
				at = p.lastSeq + 1
			}
			return total, &Problem{OrgID: org, Seq: at, Reason: fmt.Sprintf("missing: the chain jumps from %d onwards (entry removed)", at-1)}, nil
		}
		if p.n > 0 {
			prev, lastID, want = p.lastHash, p.lastID, p.lastSeq+1
		}
	}
	if want-1 != headSeq || prev != headHash {
		return total, &Problem{OrgID: org, Seq: want, Reason: fmt.Sprintf("the chain ends at %d but its head records %d (entries removed from the end, or head altered)", want-1, headSeq)}, nil
	}
	return total, nil, nil
}

const (
	// A part shorter than this is not worth a connection of its own.
	minPartLength = 50_000
	maxParts      = 8
)

// part is what walking one stretch of a chain found.
type part struct {
	lo, hi            int64
	n                 int64
	firstSeq, firstID int64
	firstPrev         string
	lastSeq, lastID   int64
	lastHash          string
	problem           *Problem
	err               error
}

// walkPart reads the entries with lo <= seq <= hi (hi < 0: no upper bound)
// in order and checks each: its position, that it was written after the one
// before, that it links to it, and that its content matches its hash. The
// first entry of a part other than the first is checked against its
// predecessor by verifyChain.
func walkPart(ctx context.Context, q db.Querier, org, lo, hi int64, first bool) part {
	p := part{lo: lo, hi: hi}
	query := `SELECT id, org_id, seq, at, actor_id, actor_name, action, entity, entity_id,
		before_json, after_json, request_id, client_addr, prev_hash, hash
		FROM trail_entries WHERE org_id = ? AND seq >= ?`
	args := []any{org, lo}
	if hi >= 0 {
		query += ` AND seq <= ?`
		args = append(args, hi)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY seq`, args...)
	if err != nil {
		p.err = fmt.Errorf("cannot read trail of organisation %d: %w", org, err)
		return p
	}
	defer rows.Close()
	var (
		e      Entry
		action string
		buf    []byte
		ok     bool
		want   = lo
		prev   = GenesisHash
	)
	for rows.Next() {
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Seq, &e.At, &e.ActorID, &e.ActorName, &action, &e.Entity, &e.EntityID,
			&e.Before, &e.After, &e.RequestID, &e.ClientAddr, &e.PrevHash, &e.Hash); err != nil {
			p.err = fmt.Errorf("cannot read trail entry: %w", err)
			return p
		}
		e.Action = Action(action)
		p.n++
		seam := p.n == 1 && !first
		if p.n == 1 {
			p.firstSeq, p.firstID, p.firstPrev = e.Seq, e.ID, e.PrevHash
			if seam {
				prev = e.PrevHash
			}
		}
		switch {
		case e.Seq > want:
			p.problem = &Problem{OrgID: org, Seq: want, Reason: fmt.Sprintf("missing: the chain jumps from %d to %d (entry removed)", want-1, e.Seq)}
		case e.Seq < want:
			p.problem = &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "duplicate position in the chain"}
		case !seam && e.ID <= p.lastID:
			p.problem = &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "out of order: written before the entry preceding it (reordered)"}
		case e.PrevHash != prev:
			p.problem = &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "does not link to the entry before it (removed or reordered)"}
		}
		if p.problem == nil {
			if ok, buf = hashMatches(buf, prev, &e); !ok {
				p.problem = &Problem{OrgID: org, Seq: e.Seq, ID: e.ID, Reason: "content does not match its hash (altered)"}
			}
		}
		if p.problem != nil {
			return p
		}
		prev = e.Hash
		p.lastSeq, p.lastID, p.lastHash = e.Seq, e.ID, e.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		p.err = fmt.Errorf("cannot read trail of organisation %d: %w", org, err)
	}
	return p
}
