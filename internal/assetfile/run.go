package assetfile

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/tabular"
	"mamori/internal/validate"
)

// DryRun reads a register file and reports what importing it would do,
// row by row, without writing anything. A problem with the file as a
// whole is in Report.File; err is for failures of storage or of reading r.
func DryRun(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, r io.Reader, opts Options) (*Report, error) {
	run, err := newRun(ctx, q, nil, sc, p, opts)
	if err != nil {
		return nil, err
	}
	return run.read(r)
}

// Import reads a register file again and applies every row in one
// transaction through an asset.Batch, which runs the rules of
// asset.Create and asset.Update, so the checks, the masking rule and the
// trail entries (one per asset) are those of the forms, a few hundred rows
// at a time. When any row has a problem (or the file as a whole does)
// nothing is written and the error is ErrHasProblems, with the report
// naming every problem. The principal needs asset.import, and each row
// their asset.edit reach. New assets' search grams are written after the
// commit, in the background (asset.IndexPending).
func Import(ctx context.Context, d *db.DB, sc scope.Scope, p authz.Principal, r io.Reader, opts Options) (*Report, error) {
	var rep *Report
	err := d.Transact(ctx, func(tx *db.Tx) (err error) {
		rep, err = importTx(ctx, tx, sc, p, r, opts)
		return err
	})
	if rep != nil {
		rep.Applied = err == nil
	}
	if err == nil && rep.Created > 0 {
		// The new assets were registered with their grams pending (see
		// asset.Batch); a search finds them meanwhile.
		go indexPending(context.WithoutCancel(ctx), d, sc.OrgID)
	}
	return rep, err
}

// indexPending writes the search grams of the organisation's assets an
// import registered, after it committed, in small transactions. Should it
// stop (the server shutting down), the assets stay searchable and the next
// import's indexing takes them up.
func indexPending(ctx context.Context, d *db.DB, orgID int64) {
	defer func() {
		if p := recover(); p != nil {
			slog.ErrorContext(ctx, "indexing of imported assets failed", "org", orgID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	start := time.Now()
	n, err := asset.IndexPending(ctx, d, orgID)
	if err != nil && d.SQL().PingContext(ctx) != nil {
		// The database is gone (closed on shutdown): the next run goes on.
		slog.DebugContext(ctx, "indexing of imported assets stopped", "org", orgID, "indexed", n, "err", err)
		return
	}
	if err != nil {
		slog.WarnContext(ctx, "imported assets not yet fully indexed for search (search still finds them)",
			"org", orgID, "indexed", n, "err", err)
		return
	}
	slog.DebugContext(ctx, "imported assets indexed for search", "org", orgID, "indexed", n, "took", time.Since(start))
}

// importTx is Import in the caller's transaction, which must be rolled
// back when it returns an error.
func importTx(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, r io.Reader, opts Options) (*Report, error) {
	if !authz.CanSome(p, authz.ImportAssets) {
		return nil, fmt.Errorf("cannot import assets: %w", asset.ErrForbidden)
	}
	run, err := newRun(ctx, tx, tx, sc, p, opts)
	if err != nil {
		return nil, err
	}
	rep, err := run.read(r)
	if err == nil && !rep.OK() {
		err = ErrHasProblems
	}
	if err != nil && rep != nil {
		// The rows already written are rolled back with the rest: their
		// new ids name nothing.
		for i := range rep.Items {
			if rep.Items[i].Outcome == Create {
				rep.Items[i].ID = 0
			}
		}
	}
	return rep, err
}

// run is one reading of a file.
type run struct {
	ctx    context.Context
	tx     *db.Tx // set when applying
	sc     scope.Scope
	p      authz.Principal
	opts   Options
	dir    *directory
	scheme asset.Scheme
	b      *asset.Batch
	rp     *rowParser
	rep    *Report
	// rows are read and not yet worked out: batchRows of them are looked
	// up, checked and written together.
	rows []pendingRow
	// writing is the batch being written, if any.
	writing *writing
	// failed is set once a row has failed (reported or not yet): an import
	// then only checks the remaining rows, since nothing will be written.
	failed bool
	// b checks the rows and writes their changes; it holds what a run
	// keeps of storage (the assets a batch names, the departments and
	// people asked about), all bounded by the batch or the organisation.
	// seen fingerprints each match key (an id, or a name) with the row
	// that gave it, to refuse a key given twice: 12 bytes or so per row,
	// the only thing a run keeps per row.
	seen map[uint64]int32
	seed maphash.Seed
}

func newRun(ctx context.Context, q db.Querier, tx *db.Tx, sc scope.Scope, p authz.Principal, opts Options) (*run, error) {
	opts = opts.withDefaults()
	if !opts.MatchBy.IsValid() {
		return nil, validate.Errors{"match_by": {Key: "error.invalid_choice"}}
	}
	dir, err := loadDirectory(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	b := asset.NewBatch(q, tx, sc, p)
	scheme, err := b.Scheme(ctx)
	if err != nil {
		return nil, err
	}
	return &run{ctx: ctx, tx: tx, sc: sc, p: p, opts: opts, dir: dir, scheme: scheme, b: b,
		rep:  &Report{MatchBy: opts.MatchBy, Columns: []string{}, Ignored: []string{}, Problems: []Problem{}, Items: []RowReport{}},
		seen: map[uint64]int32{}, seed: maphash.MakeSeed(), rp: &rowParser{l: &layout{}}}, nil
}

// read goes through the file.
func (x *run) read(r io.Reader) (*Report, error) {
	rd, err := tabular.Open(r, x.opts.FileName, x.opts.Size, tabular.Options{MaxBytes: x.opts.MaxBytes, UnescapeFormula: true})
	if err != nil {
		return x.fileFailed(err)
	}
	defer rd.Close()
	x.rep.Format = rd.Format().String()
	x.rep.Encoding = rd.Encoding().String()
	l, unknown, err := newLayout(rd.Header())
	if err != nil {
		return x.fileFailed(err)
	}
	if unknown != nil {
		x.rep.Ignored = unknown
	}
	for i := range rd.Header() {
		for k, pos := range l.index {
			if pos == i {
				x.rep.Columns = append(x.rep.Columns, k)
			}
		}
	}
	x.rp = newRowParser(l, x.dir, x.scheme)
	defer x.wait()
	for {
		if err := x.ctx.Err(); err != nil {
			return nil, err
		}
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var te *tabular.Error
			if !errors.As(err, &te) || !te.Recoverable() {
				// The rows before are reported as they would be.
				if err := x.flush(); err != nil {
					return nil, err
				}
				if err := x.settle(); err != nil {
					return nil, err
				}
				return x.fileFailed(err)
			}
			x.rep.Rows++
			rr := RowReport{Row: row.Number, Outcome: Failed, Problems: []Problem{*fileProblem(err)}}
			x.rows = append(x.rows, pendingRow{done: &rr})
		} else {
			x.rep.Rows++
			x.rows = append(x.rows, pendingRow{row: row})
		}
		if len(x.rows) >= batchRows {
			if err := x.flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := x.flush(); err != nil {
		return nil, err
	}
	if err := x.settle(); err != nil {
		return nil, err
	}
	// Encoding is known for certain only at the end of a CSV.
	x.rep.Encoding = rd.Encoding().String()
	return x.rep, nil
}

// fileFailed ends the run on a problem with the whole file, or returns an
// error that is not about the data.
func (x *run) fileFailed(err error) (*Report, error) {
	p := fileProblem(err)
	if p == nil {
		return nil, fmt.Errorf("cannot read register file: %w", err)
	}
	x.rep.File = p
	x.rep.ProblemCount++
	if len(x.rep.Problems) < MaxReported {
		x.rep.Problems = append(x.rep.Problems, *p)
	}
	return x.rep, nil
}

// record counts a row and keeps it while there is room.
func (x *run) record(rr RowReport) {
	switch rr.Outcome {
	case Create:
		x.rep.Created++
	case Update:
		x.rep.Updated++
	case Unchanged:
		x.rep.Unchanged++
	case Failed:
		x.rep.Failed++
	}
	x.rep.ProblemCount += len(rr.Problems)
	for _, p := range rr.Problems {
		if len(x.rep.Problems) >= MaxReported {
			break
		}
		x.rep.Problems = append(x.rep.Problems, p)
	}
	if len(x.rep.Items) < MaxReported {
		x.rep.Items = append(x.rep.Items, rr)
	}
}

// batchRows is how many rows are worked out together: the assets they
// name read with one query, their changes written with multi-row INSERTs
// (asset.Batch). What a run keeps stays this size whatever the file's.
const batchRows = 500

// pendingRow is a row read and not yet worked out.
type pendingRow struct {
	row  tabular.Row
	done *RowReport // the outcome of a row the reader refused
}

// rowState is a row being worked out.
type rowState struct {
	row      tabular.Row
	rr       RowReport
	done     bool  // rr is final
	id       int64 // the 管理番号 the row gives, 0 for none
	existing asset.Asset
	found    bool
	in       asset.Input
	op       int // the row's change in the batch's queue, or -1
}

// flush works out the rows read so far, in order: which asset each is
// about (looked up together), what it makes of it and the checks. When
// applying and nothing has failed, their changes are written by another
// goroutine while the next rows are read and checked, using the second
// core; the rows are reported once written, so the report keeps the file's
// order.
func (x *run) flush() error {
	if len(x.rows) == 0 {
		return nil
	}
	rows := make([]rowState, len(x.rows))
	for i, pr := range x.rows {
		if pr.done != nil {
			rows[i] = rowState{rr: *pr.done, done: true, op: -1}
			continue
		}
		rows[i] = x.match(pr.row)
	}
	x.rows = x.rows[:0]
	if err := x.lookUp(rows); err != nil {
		return err
	}
	for i := range rows {
		st := &rows[i]
		if !st.done {
			if err := x.work(st, x.failed); err != nil {
				return fmt.Errorf("cannot import row %d: %w", st.row.Number, err)
			}
		}
		x.failed = x.failed || st.rr.Outcome == Failed
	}
	queued := x.b.Take()
	if err := x.settle(); err != nil {
		return err
	}
	if x.tx == nil || x.failed || queued.Len() == 0 {
		// Nothing will be written: once a row has failed, the rest are
		// only checked.
		x.report(rows)
		return nil
	}
	w := &writing{rows: rows, done: make(chan struct{})}
	x.writing = w
	go func() {
		defer close(w.done)
		defer func() {
			// A panic here would take the server down rather than the
			// request; it fails the import (and so rolls it back) instead.
			if p := recover(); p != nil {
				w.err = fmt.Errorf("panic while writing assets: %v\n%s", p, debug.Stack())
			}
		}()
		w.ids, w.err = x.b.Write(x.ctx, queued)
	}()
	return nil
}

// writing is a batch of rows whose changes are being written.
type writing struct {
	rows []rowState
	done chan struct{}
	ids  []int64
	err  error
}

// settle waits for the batch being written, if any, and reports its rows.
func (x *run) settle() error {
	w := x.writing
	if w == nil {
		return nil
	}
	<-w.done
	x.writing = nil
	var oe *asset.OpError
	switch {
	case errors.As(w.err, &oe):
		// Changed by someone else since it was read: a problem of its
		// row, and nothing is written.
		for i := range w.rows {
			if st := &w.rows[i]; st.op == oe.Index {
				more, err := x.problems(st.row.Number, oe.Err, st.found, st.existing, st.in)
				if err != nil {
					return err
				}
				st.rr.ID, st.rr.Outcome, st.rr.Problems = st.existing.ID, Failed, append(st.rr.Problems, more...)
			}
		}
		x.failed = true
	case w.err != nil:
		return fmt.Errorf("cannot import rows %d–%d: %w", w.rows[0].rr.Row, w.rows[len(w.rows)-1].rr.Row, w.err)
	default:
		for i := range w.rows {
			if st := &w.rows[i]; st.op >= 0 {
				st.rr.ID = w.ids[st.op]
			}
		}
	}
	x.report(w.rows)
	return nil
}

// wait waits for the batch being written, if any, without reporting it:
// the run is ending on an error, and the transaction must not be in use
// when it is rolled back.
func (x *run) wait() {
	if x.writing != nil {
		<-x.writing.done
		x.writing = nil
	}
}

func (x *run) report(rows []rowState) {
	for i := range rows {
		x.record(rows[i].rr)
	}
}

// match reads which asset a row is about, refusing a key an earlier row
// gave; the asset itself is looked up with the rest of the batch.
func (x *run) match(row tabular.Row) rowState {
	l := x.rp.l
	st := rowState{row: row, rr: RowReport{Row: row.Number}, op: -1}
	if name, ok := l.cell(row.Cells, ColName); ok {
		st.rr.Name = strings.TrimSpace(name)
	}
	fail := func(p Problem) rowState {
		st.rr.Outcome, st.rr.Problems, st.done = Failed, append(st.rr.Problems, p), true
		return st
	}
	id, bad := x.rp.matchID(row)
	if bad != nil {
		return fail(*bad)
	}
	st.id = id
	switch x.opts.MatchBy {
	case MatchID:
		if id != 0 {
			if p := x.once(row.Number, ColID, "i"+strconv.FormatInt(id, 10)); p != nil {
				return fail(*p)
			}
		}
	case MatchName:
		if st.rr.Name == asset.MaskedName {
			return fail(l.problem(row.Number, ColName, "assetfile.masked_by_name"))
		}
		if st.rr.Name != "" {
			if p := x.once(row.Number, ColName, "n"+st.rr.Name); p != nil {
				return fail(*p)
			}
		}
	}
	return st
}

// lookUp finds the asset each row is about, for the whole batch at once:
// by number, or by name among the assets of that name the principal sees
// in full. A row naming an asset it cannot have fails here.
func (x *run) lookUp(rows []rowState) error {
	l := x.rp.l
	fail := func(st *rowState, p Problem) {
		st.rr.Outcome, st.rr.Problems, st.done = Failed, append(st.rr.Problems, p), true
	}
	switch x.opts.MatchBy {
	case MatchID:
		var ids []int64
		for _, st := range rows {
			if !st.done && st.id != 0 {
				ids = append(ids, st.id)
			}
		}
		seen, err := x.b.Load(x.ctx, ids)
		if err != nil {
			return err
		}
		for i := range rows {
			st := &rows[i]
			if st.done || st.id == 0 {
				continue
			}
			a, ok := seen[st.id]
			if !ok {
				fail(st, l.problem(st.row.Number, ColID, "assetfile.not_found", strconv.FormatInt(st.id, 10)))
				continue
			}
			st.existing, st.found = a, true
		}
	case MatchName:
		var names []string
		for _, st := range rows {
			if !st.done && st.rr.Name != "" {
				names = append(names, st.rr.Name)
			}
		}
		byName, err := x.b.IDsByName(x.ctx, names)
		if err != nil {
			return err
		}
		var ids []int64
		for _, found := range byName {
			ids = append(ids, found...)
		}
		seen, err := x.b.Load(x.ctx, ids)
		if err != nil {
			return err
		}
		for i := range rows {
			st := &rows[i]
			if st.done || st.rr.Name == "" {
				continue
			}
			// The assets of the name the principal sees in full: one whose
			// name is hidden from them cannot be matched, which would tell.
			var a asset.Asset
			n := 0
			for _, id := range byName[st.rr.Name] {
				if got, ok := seen[id]; ok && !got.Masked {
					a = got
					n++
				}
			}
			switch {
			case n > 1:
				fail(st, l.problem(st.row.Number, ColName, "assetfile.name_ambiguous", n))
			case n == 1 && (st.id == 0 || st.id == a.ID):
				st.existing, st.found = a, true
			case st.id != 0:
				// The number names another asset than the name does.
				fail(st, l.problem(st.row.Number, ColID, "assetfile.id_mismatch"))
			}
		}
	}
	return nil
}

// work works out one row's outcome and, when applying and nothing has
// failed, queues its change.
func (x *run) work(st *rowState, failing bool) error {
	rr := &st.rr
	existing, found := st.existing, st.found

	// What the row makes of it.
	var in asset.Input
	if found {
		in = existing.Input()
		rr.ID = existing.ID
		if existing.Masked {
			rr.Name = existing.Name
		}
	} else {
		in.Tags = []string{}
	}
	probs := x.rp.apply(st.row, &in)
	if found && len(probs) == 0 && sameInput(in, existing.Input()) {
		rr.Outcome = Unchanged
		return nil
	}

	// Checked (and queued) by package asset.
	var err error
	queued := false
	switch {
	case x.tx == nil || failing || len(probs) > 0:
		err = x.b.Check(x.ctx, &in, rr.ID)
	case found:
		in.Version = existing.Version
		err = x.b.Update(x.ctx, existing.ID, in)
		queued = err == nil
	default:
		_, err = x.b.Create(x.ctx, in)
		queued = err == nil
	}
	st.in = in
	if err != nil {
		more, ferr := x.problems(st.row.Number, err, found, existing, in)
		if ferr != nil {
			return ferr
		}
		// A column with a problem of its own reading is not named twice.
		for _, m := range more {
			if !hasColumn(probs, m.Column) {
				probs = append(probs, m)
			}
		}
	}
	if len(probs) > 0 {
		rr.ID = existing.ID
		rr.Outcome, rr.Problems = Failed, append(rr.Problems, probs...)
		return nil
	}
	if queued {
		st.op = x.b.Pending() - 1
	}
	rr.Outcome = Create
	if found {
		rr.Outcome = Update
	}
	return nil
}

func hasColumn(ps []Problem, key string) bool {
	for _, p := range ps {
		if p.Column == key && key != "" {
			return true
		}
	}
	return false
}

// once refuses a match key given by an earlier row.
func (x *run) once(row int, col, key string) *Problem {
	h := maphash.String(x.seed, key)
	if first, dup := x.seen[h]; dup {
		p := x.rp.l.problem(row, col, "assetfile.duplicate_key", int(first))
		return &p
	}
	x.seen[h] = int32(row)
	return nil
}

// problems turns what package asset refused into problems of the row's
// columns. Errors that are not about the row are returned as they are.
func (x *run) problems(row int, err error, found bool, existing asset.Asset, in asset.Input) ([]Problem, error) {
	l := x.rp.l
	key := ColName
	if x.opts.MatchBy == MatchID && found {
		key = ColID
	}
	if ve, ok := validate.As(err); ok {
		var out []Problem
		for _, field := range fieldOrder {
			prob, ok := ve[field]
			if !ok {
				continue
			}
			col := x.columnOf(field)
			if !l.has(col) && prob.Key == "error.required" {
				out = append(out, l.problem(row, col, "assetfile.column_missing"))
				continue
			}
			out = append(out, l.problem(row, col, prob.Key, prob.Args...))
		}
		for field, prob := range ve {
			if !isKnownField(field) {
				out = append(out, l.problem(row, "", prob.Key, prob.Args...))
			}
		}
		return out, nil
	}
	switch {
	case errors.Is(err, asset.ErrForbidden):
		if !found || in.DepartmentID != existing.DepartmentID {
			return []Problem{l.problem(row, x.columnOf("department_id"), "assetfile.forbidden_department")}, nil
		}
		return []Problem{l.problem(row, key, "assetfile.forbidden_asset")}, nil
	case errors.Is(err, db.ErrConflict):
		return []Problem{l.problem(row, key, "assetfile.changed")}, nil
	case errors.Is(err, db.ErrNotFound):
		return []Problem{l.problem(row, key, "assetfile.not_found", strconv.FormatInt(existing.ID, 10))}, nil
	}
	return nil, err
}

// fieldOrder lists asset.Input's fields in column order, so a row's
// problems read left to right.
var fieldOrder = func() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range Columns {
		if c.Field != "" && !seen[c.Field] {
			seen[c.Field] = true
			out = append(out, c.Field)
		}
	}
	return out
}()

func isKnownField(f string) bool {
	for _, k := range fieldOrder {
		if k == f {
			return true
		}
	}
	return false
}

// columnOf names the column a field of asset.Input came from: the one the
// file has (a reference by name before one by number).
func (x *run) columnOf(field string) string {
	var first string
	for _, c := range Columns {
		if c.Field != field {
			continue
		}
		if first == "" {
			first = c.Key
		}
		if x.rp.l.has(c.Key) {
			return c.Key
		}
	}
	return first
}
