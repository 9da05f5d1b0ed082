package asset

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// Batch checks and writes many assets for an import, a few hundred rows at
// a time, with the rules of Check, Create and Update but not their cost per
// row: the organisation's scheme is read once and each department and
// person once (the cache grows with the organisation, not with the file);
// the assets a batch of rows changes are read with one query (Load); the
// changes queued by Create and Update are written together by Write (or
// Flush) with multi-row INSERTs, their trail entries (the same as
// Create's and Update's, one per asset) with trail.RecordMany, and the
// counters moved once.
//
// New assets are registered with their search grams pending: writing them
// is most of the cost of a new asset, so IndexPending writes them after the
// import commits, and until then a search finds the asset by LIKE on its
// text (planSearch). Updated assets have their grams brought up to date at
// once, as Update does.
//
// A Batch is used by one goroutine, inside one transaction when writing,
// except that Write may run in a second goroutine while the first checks
// the next rows: every use of storage takes mu, so the transaction is used
// by one at a time (a PostgreSQL connection runs one statement at a time),
// and a check answered from the cache does not wait for the write.
type Batch struct {
	q    db.Querier
	tx   *db.Tx // nil when only checking
	sc   scope.Scope
	p    authz.Principal
	mu   *sync.Mutex
	refs *cachedRefs
	// stored holds the assets of the last Load as stored (unmasked), with
	// their search text, for the checks and writes of their rows.
	stored map[int64]storedAsset
	ops    []op
	// free are ids reserved for new assets and not yet handed out; lastID
	// is the last one handed out.
	free   []int64
	lastID int64
}

// storedAsset is an asset as stored, with its derived columns.
type storedAsset struct {
	a Asset
	r row
}

// storedColumns are assetColumns and the derived columns, for scanStored.
const storedColumns = assetColumns + `, a.search_text, a.tags, a.review_due, a.warning_count, a.restricted`

func scanStored(s interface{ Scan(...any) error }, day string) (storedAsset, error) {
	var r row
	a, err := scanAsset(scanTail{s, []any{&r.searchText, &r.tags, &r.reviewDue, &r.warnings, &r.restricted}}, day)
	return storedAsset{a, r}, err
}

// op is a change queued for Write, with what can be worked out before
// writing already worked out, so the goroutine that writes (the slower
// one) has less to do.
type op struct {
	create bool
	id     int64 // a new asset's id is reserved when it is queued
	now    int64 // its updated_at (and created_at)
	a      Asset // validated input as stored
	r      row
	before storedAsset // of an update
	args   []any       // a new asset's INSERT values, an update's values
	old    []any       // an update's values before
	// An update's grams and tags: those to remove and add, and all its
	// grams, for an asset whose grams are still pending.
	gramsOut, gramsIn, grams, tagsOut, tagsIn []string
	change                                    trail.Change
}

// NewBatch starts a batch. With tx nil it only checks (a dry run); Create,
// Update and Write then fail.
func NewBatch(q db.Querier, tx *db.Tx, sc scope.Scope, p authz.Principal) *Batch {
	if tx != nil {
		q = tx
	}
	mu := &sync.Mutex{}
	return &Batch{q: q, tx: tx, sc: sc, p: p, mu: mu, refs: newCachedRefs(q, sc, mu), stored: map[int64]storedAsset{}}
}

// Scheme returns the organisation's classification scheme, read once.
func (b *Batch) Scheme(ctx context.Context) (Scheme, error) { return b.refs.scheme(ctx) }

// Load reads the assets of ids, as Get shows each to the principal: masked
// when restricted and outside their view_restricted reach, and left out of
// the map when outside their view reach or not there at all. The assets
// are kept for the Check and Update of the rows that follow; the previous
// Load's are dropped.
func (b *Batch) Load(ctx context.Context, ids []int64) (map[int64]Asset, error) {
	clear(b.stored)
	out := map[int64]Asset{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := b.read(ctx, ids); err != nil {
		return nil, err
	}
	for id, s := range b.stored {
		path, err := b.refs.departmentPath(ctx, s.a.DepartmentID)
		if err != nil {
			return nil, err
		}
		if v, ok := Visible(b.p, authz.ViewAssets, s.a, path); ok {
			out[id] = v
		}
	}
	return out, nil
}

// read fills stored with the assets of ids.
func (b *Batch) read(ctx context.Context, ids []int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	const perQuery = 500
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for len(ids) > 0 {
		chunk := ids[:min(perQuery, len(ids))]
		ids = ids[len(chunk):]
		args := make([]any, 0, 1+len(chunk))
		args = append(args, b.sc.OrgID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := b.q.QueryContext(ctx, `SELECT `+storedColumns+` FROM assets a WHERE a.org_id = ? AND a.id IN (`+
			placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return fmt.Errorf("cannot load assets: %w", err)
		}
		day := today()
		for rows.Next() {
			s, err := scanStored(rows, day)
			if err != nil {
				rows.Close()
				return fmt.Errorf("cannot load assets: %w", err)
			}
			b.stored[s.a.ID] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("cannot load assets: %w", err)
		}
	}
	return nil
}

// MaxSameName bounds how many assets of one name IDsByName reads: enough
// to tell that a name is ambiguous.
const MaxSameName = 20

// IDsByName lists the ids of the assets of each exact name, oldest first
// and at most MaxSameName a name, whoever may see them: the caller passes
// them to Load, which leaves out what the principal may not see.
func (b *Batch) IDsByName(ctx context.Context, names []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	b.mu.Lock()
	defer b.mu.Unlock()
	const perQuery = 500
	for len(names) > 0 {
		chunk := names[:min(perQuery, len(names))]
		names = names[len(chunk):]
		args := make([]any, 0, 2+len(chunk))
		args = append(args, b.sc.OrgID)
		for _, n := range chunk {
			args = append(args, n)
		}
		args = append(args, MaxSameName)
		// Numbered within each name, so a name many assets share reads no
		// more than MaxSameName of them (through the (org_id, name) index).
		rows, err := b.q.QueryContext(ctx, `SELECT id, name FROM (
			SELECT id, name, ROW_NUMBER() OVER (PARTITION BY name ORDER BY id) AS k
			FROM assets WHERE org_id = ? AND name IN (`+placeholders(len(chunk))+`)) t
			WHERE k <= ? ORDER BY name, id`, args...)
		if err != nil {
			return nil, fmt.Errorf("cannot find assets by name: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot find assets by name: %w", err)
			}
			out[name] = append(out[name], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("cannot find assets by name: %w", err)
		}
	}
	return out, nil
}

// scanTail scans the asset columns and then those of tail.
type scanTail struct {
	s    interface{ Scan(...any) error }
	tail []any
}

func (t scanTail) Scan(dest ...any) error { return t.s.Scan(append(dest, t.tail...)...) }

// Check is Check with the batch's lookups: the same rules, the same errors.
// An update's asset is the one Load read, if it did.
func (b *Batch) Check(ctx context.Context, in *Input, id int64) error {
	_, err := b.check(ctx, in, id)
	return err
}

func (b *Batch) check(ctx context.Context, in *Input, id int64) (storedAsset, error) {
	if err := in.Validate(); err != nil {
		return storedAsset{}, err
	}
	var before storedAsset
	if id != 0 {
		var ok bool
		if before, ok = b.stored[id]; !ok {
			b.mu.Lock()
			var err error
			before, err = scanStored(b.q.QueryRowContext(ctx, `SELECT `+storedColumns+` FROM assets a WHERE a.org_id = ? AND a.id = ?`,
				b.sc.OrgID, id), today())
			b.mu.Unlock()
			if errors.Is(err, sql.ErrNoRows) {
				return before, fmt.Errorf("asset %d: %w", id, db.ErrNotFound)
			}
			if err != nil {
				return before, fmt.Errorf("cannot load asset %d: %w", id, err)
			}
		}
	}
	_, err := checkRules(ctx, b.refs, b.p, in, id, before.a)
	return before, err
}

// Create checks a new asset as Create does and queues it for Write. It
// returns the id the asset will have once written.
func (b *Batch) Create(ctx context.Context, in Input) (int64, error) {
	if b.tx == nil {
		return 0, errors.New("cannot create assets: the batch only checks")
	}
	if _, err := b.check(ctx, &in, 0); err != nil {
		return 0, err
	}
	id, err := b.newID(ctx)
	if err != nil {
		return 0, err
	}
	o := op{create: true, id: id, now: db.Now(), a: fromInput(in)}
	o.r = derive(o.a)
	o.args = insertValues(append(make([]any, 0, 2+insertColumnCount), id), b.sc.OrgID, o.a, o.r, o.now)
	// What Create's reload would return.
	a := o.a
	a.ID, a.Version, a.CreatedAt, a.UpdatedAt, a.Tags = id, 1, o.now, o.now, splitStored(o.r.tags)
	after, err := json.Marshal(a.snapshot())
	if err != nil {
		return 0, fmt.Errorf("cannot record new asset: %w", err)
	}
	o.change = trail.Change{Action: trail.Create, Entity: EntityAsset, EntityID: strconv.FormatInt(id, 10), After: json.RawMessage(after)}
	b.queue(o)
	return id, nil
}

// Update checks a change as Update does and queues it for Write.
// in.Version must be the version the user saw.
func (b *Batch) Update(ctx context.Context, id int64, in Input) error {
	if b.tx == nil {
		return errors.New("cannot update assets: the batch only checks")
	}
	stored, err := b.check(ctx, &in, id)
	if err != nil {
		return err
	}
	o := op{id: id, now: db.Now(), a: fromInput(in), before: stored}
	o.r = derive(o.a)
	o.args, o.old = values(o.a, o.r), values(stored.a, stored.r)
	o.grams = grams(o.r.searchText)
	o.gramsOut, o.gramsIn = diff(grams(stored.r.searchText), o.grams)
	o.tagsOut, o.tagsIn = diff(tagSet(stored.a.Tags), tagSet(o.a.Tags))
	// What Update's reload would return, if the version still matches
	// when it is written.
	a := o.a
	a.ID, a.Version, a.CreatedAt, a.UpdatedAt, a.Tags = id, in.Version+1, stored.a.CreatedAt, o.now, splitStored(o.r.tags)
	before, err := json.Marshal(stored.a.snapshot())
	if err != nil {
		return fmt.Errorf("cannot record change of asset %d: %w", id, err)
	}
	after, err := json.Marshal(a.snapshot())
	if err != nil {
		return fmt.Errorf("cannot record change of asset %d: %w", id, err)
	}
	o.change = trail.Change{Action: trail.Update, Entity: EntityAsset, EntityID: strconv.FormatInt(id, 10),
		Before: json.RawMessage(before), After: json.RawMessage(after)}
	b.queue(o)
	return nil
}

func (b *Batch) queue(o op) {
	if b.ops == nil {
		b.ops = make([]op, 0, 512)
	}
	b.ops = append(b.ops, o)
}

// idBlock is how many ids newID reserves at a time.
const idBlock = 500

// newID hands out the id of a new asset from a block reserved in storage.
func (b *Batch) newID(ctx context.Context) (int64, error) {
	if len(b.free) == 0 {
		b.mu.Lock()
		ids, err := reserveIDs(ctx, b.tx, idBlock, b.lastID)
		b.mu.Unlock()
		if err != nil {
			return 0, err
		}
		b.free = ids
	}
	id := b.free[0]
	b.free, b.lastID = b.free[1:], id
	return id, nil
}

// Pending reports how many changes are queued.
func (b *Batch) Pending() int { return len(b.ops) }

// Discard drops the queued changes.
func (b *Batch) Discard() { b.ops = nil }

// Queued is changes taken out of a Batch by Take, for Write.
type Queued struct{ ops []op }

// Len reports how many changes there are.
func (q Queued) Len() int { return len(q.ops) }

// Take takes the queued changes out of the batch, which goes on with an
// empty queue, so they can be written while the next rows are checked.
func (b *Batch) Take() Queued {
	q := Queued{b.ops}
	b.ops = nil
	return q
}

// Flush writes the queued changes: Write(ctx, Take()).
func (b *Batch) Flush(ctx context.Context) ([]int64, error) { return b.Write(ctx, b.Take()) }

// OpError is a queued change Flush could not write because of the change
// itself: the asset changed since it was read (db.ErrConflict). Index is
// the change's place in the queue. The transaction must be rolled back.
type OpError struct {
	Index int
	Err   error
}

func (e *OpError) Error() string { return e.Err.Error() }
func (e *OpError) Unwrap() error { return e.Err }

// Write writes changes taken from the batch, in the order queued, and
// returns the id of each asset (the new id of a created one). It may run
// in another goroutine than the checks of the rows that follow.
func (b *Batch) Write(ctx context.Context, q Queued) ([]int64, error) {
	ops := q.ops
	if len(ops) == 0 {
		return nil, nil
	}
	if b.tx == nil {
		return nil, errors.New("cannot write assets: the batch only checks")
	}
	tx, orgID := b.tx, b.sc.OrgID
	// Each step takes mu by itself rather than the whole write, so the
	// reader's next lookups and id reservations slip in between them and
	// do not wait for the batch to be written.
	ids := make([]int64, len(ops))
	changes := make([]trail.Change, len(ops))
	var created []int // positions in ops
	for i, o := range ops {
		ids[i], changes[i] = o.id, o.change
		if o.create {
			created = append(created, i)
		}
	}
	counts := map[Confidentiality]int64{}
	var tags []posting
	const perInsert = 100
	row := "(?, TRUE, " + placeholders(insertColumnCount) + ")"
	for start := 0; start < len(created); start += perInsert {
		chunk := created[start:min(start+perInsert, len(created))]
		var q strings.Builder
		q.Grow(100 + len(chunk)*(len(row)+2))
		q.WriteString(`INSERT INTO assets (id, grams_pending, ` + insertColumns + `) VALUES `)
		args := make([]any, 0, (1+insertColumnCount)*len(chunk))
		for k, i := range chunk {
			if k > 0 {
				q.WriteString(", ")
			}
			q.WriteString(row)
			o := &ops[i]
			args = append(args, o.args...)
			counts[o.a.Confidentiality]++
			for _, t := range tagSet(o.a.Tags) {
				tags = append(tags, posting{t, o.id})
			}
		}
		if err := b.locked(func() error {
			_, err := tx.ExecContext(ctx, q.String(), args...)
			return err
		}); err != nil {
			return nil, fmt.Errorf("cannot create assets: %w", err)
		}
	}
	// Updates: one UPDATE each, for its version check; their grams and
	// tags change together, as Update changes them one asset at a time.
	var gramsOut, gramsIn, tagsOut []posting
	var indexed []any // pending until now
	for i := range ops {
		o := &ops[i]
		if o.create {
			continue
		}
		var pending bool
		err := b.locked(func() (err error) {
			pending, err = updateRow(ctx, tx, orgID, o.id, o.before.a.Version, o.args, o.old, o.now)
			return err
		})
		if errors.Is(err, db.ErrConflict) {
			return nil, &OpError{Index: i, Err: err}
		}
		if err != nil {
			return nil, err
		}
		if pending {
			gramsIn = appendPostings(gramsIn, o.grams, o.id)
			indexed = append(indexed, o.id)
		} else {
			gramsOut, gramsIn = appendPostings(gramsOut, o.gramsOut, o.id), appendPostings(gramsIn, o.gramsIn, o.id)
		}
		tagsOut, tags = appendPostings(tagsOut, o.tagsOut, o.id), appendPostings(tags, o.tagsIn, o.id)
		if o.before.a.Confidentiality != o.a.Confidentiality {
			counts[o.before.a.Confidentiality]--
			counts[o.a.Confidentiality]++
		}
	}
	err := b.locked(func() error {
		if err := deletePostings(ctx, tx, "asset_grams", "gram", orgID, gramsOut); err != nil {
			return fmt.Errorf("cannot update search index: %w", err)
		}
		if err := insertPostings(ctx, tx, "asset_grams (org_id, gram, asset_id)", orgID, gramsIn); err != nil {
			return fmt.Errorf("cannot update search index: %w", err)
		}
		if err := markIndexed(ctx, tx, orgID, indexed); err != nil {
			return err
		}
		if err := deletePostings(ctx, tx, "asset_tags", "tag", orgID, tagsOut); err != nil {
			return fmt.Errorf("cannot untag assets: %w", err)
		}
		if err := insertPostings(ctx, tx, "asset_tags (org_id, tag, asset_id)", orgID, tags); err != nil {
			return fmt.Errorf("cannot tag assets: %w", err)
		}
		for _, c := range slices.Sorted(maps.Keys(counts)) {
			if counts[c] != 0 {
				if err := addCount(ctx, tx, orgID, c, counts[c]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := b.locked(func() error { return trail.RecordMany(ctx, tx, b.sc, changes) }); err != nil {
		return nil, err
	}
	return ids, nil
}

// locked runs fn holding mu: the transaction used by one goroutine at a
// time.
func (b *Batch) locked(fn func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fn()
}

// posting is one row of asset_tags or asset_grams: a word and an asset.
type posting struct {
	word string
	id   int64
}

func appendPostings(ps []posting, words []string, id int64) []posting {
	for _, w := range words {
		ps = append(ps, posting{w, id})
	}
	return ps
}

// deletePostings removes rows of asset_tags or asset_grams (whose word
// column is col), a few hundred per DELETE, each found by its primary key.
func deletePostings(ctx context.Context, tx *db.Tx, table, col string, orgID int64, ps []posting) error {
	const perDelete = 300
	for start := 0; start < len(ps); start += perDelete {
		chunk := ps[start:min(start+perDelete, len(ps))]
		args := make([]any, 0, 1+2*len(chunk))
		args = append(args, orgID)
		for _, p := range chunk {
			args = append(args, p.word, p.id)
		}
		// The cast types the list on PostgreSQL, where a parameter in
		// VALUES would otherwise be text.
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND (`+col+`, asset_id) IN (VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, CAST(? AS BIGINT)), ", len(chunk)), ", ")+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// insertPostings writes rows of asset_tags or asset_grams sorted in the
// primary key's order, so the B-tree inserts land next to each other, with
// multi-row INSERTs.
func insertPostings(ctx context.Context, tx *db.Tx, table string, orgID int64, ps []posting) error {
	slices.SortFunc(ps, func(x, y posting) int { return cmp.Or(strings.Compare(x.word, y.word), cmp.Compare(x.id, y.id)) })
	const perInsert = 1000
	for start := 0; start < len(ps); start += perInsert {
		chunk := ps[start:min(start+perInsert, len(ps))]
		args := make([]any, 0, 3*len(chunk))
		for _, p := range chunk {
			args = append(args, orgID, p.word, p.id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(chunk)), ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// reserveIDs takes n new asset ids, in increasing order, for a multi-row
// INSERT: neither engine promises which row of one gets which generated id,
// so they are given explicitly. On PostgreSQL they come from the column's
// sequence, as Create's do. On SQLite the caller's write transaction is the
// only writer until it ends (BEGIN IMMEDIATE), so the ids after the highest
// ever given (sqlite_sequence, which AUTOINCREMENT keeps) are free, and
// inserting them moves sqlite_sequence past them; after is the highest id
// the caller already handed out and may not have inserted yet. (Nothing
// else may insert assets in the transaction meanwhile: asset.Create would
// take one of them.) trail.RecordMany does the same for its entries.
func reserveIDs(ctx context.Context, tx *db.Tx, n int, after int64) ([]int64, error) {
	ids := make([]int64, 0, n)
	if tx.Dialect() == db.Postgres {
		rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('assets', 'id')) FROM generate_series(1, CAST(? AS BIGINT))`, int64(n))
		if err != nil {
			return nil, fmt.Errorf("cannot reserve asset ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("cannot reserve asset ids: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("cannot reserve asset ids: %w", err)
		}
		slices.Sort(ids)
		return ids, nil
	}
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'assets'), 0),
		COALESCE((SELECT MAX(id) FROM assets), 0), ?)`, after).Scan(&top); err != nil {
		return nil, fmt.Errorf("cannot reserve asset ids: %w", err)
	}
	for i := range n {
		ids = append(ids, top+1+int64(i))
	}
	return ids, nil
}

// cachedRefs answers a check's lookups with the same queries as liveRefs,
// each asked once: an organisation has tens of departments and hundreds or
// thousands of people, whatever the size of the file.
type cachedRefs struct {
	live   liveRefs
	mu     *sync.Mutex // taken to ask storage (see Batch)
	s      Scheme
	depts  map[int64]deptRef
	people map[int64]personRef
}

type deptRef struct {
	exists, pathRead bool
	path             []int64
}

type personRef struct{ found, active bool }

func newCachedRefs(q db.Querier, sc scope.Scope, mu *sync.Mutex) *cachedRefs {
	return &cachedRefs{live: liveRefs{q, sc}, mu: mu, depts: map[int64]deptRef{}, people: map[int64]personRef{}}
}

// ask runs a lookup in storage while no Write runs.
func ask[T any](c *cachedRefs, f func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return f()
}

func (c *cachedRefs) scheme(ctx context.Context) (Scheme, error) {
	if c.s == "" {
		s, err := ask(c, func() (Scheme, error) { return c.live.scheme(ctx) })
		if err != nil {
			return s, err
		}
		c.s = s
	}
	return c.s, nil
}

func (c *cachedRefs) dept(ctx context.Context, id int64) (deptRef, error) {
	d, ok := c.depts[id]
	if ok {
		return d, nil
	}
	exists, err := ask(c, func() (bool, error) { return c.live.departmentExists(ctx, id) })
	if err != nil {
		return d, err
	}
	d = deptRef{exists: exists}
	c.depts[id] = d
	return d, nil
}

func (c *cachedRefs) departmentExists(ctx context.Context, id int64) (bool, error) {
	d, err := c.dept(ctx, id)
	return d.exists, err
}

func (c *cachedRefs) departmentPath(ctx context.Context, id int64) ([]int64, error) {
	d, err := c.dept(ctx, id)
	if err != nil || d.pathRead {
		return d.path, err
	}
	if d.path, err = ask(c, func() ([]int64, error) { return c.live.departmentPath(ctx, id) }); err != nil {
		return nil, err
	}
	d.pathRead = true
	c.depts[id] = d
	return d.path, nil
}

func (c *cachedRefs) person(ctx context.Context, id int64) (found, active bool, err error) {
	if p, ok := c.people[id]; ok {
		return p.found, p.active, nil
	}
	p, err := ask(c, func() (personRef, error) {
		found, active, err := c.live.person(ctx, id)
		return personRef{found, active}, err
	})
	if err != nil {
		return false, false, err
	}
	c.people[id] = p
	found, active = p.found, p.active
	return found, active, nil
}

var _ refs = (*cachedRefs)(nil)
