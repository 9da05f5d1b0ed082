package assetfile

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"

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
// transaction, each through asset.Create or asset.Update, so the checks,
// the masking rule and the trail entries are those of the forms. When any
// row has a problem (or the file as a whole does) nothing is written and
// the error is ErrHasProblems, with the report naming every problem. The
// principal needs asset.import, and each row their asset.edit reach.
func Import(ctx context.Context, d *db.DB, sc scope.Scope, p authz.Principal, r io.Reader, opts Options) (*Report, error) {
	var rep *Report
	err := d.Transact(ctx, func(tx *db.Tx) (err error) {
		rep, err = importTx(ctx, tx, sc, p, r, opts)
		return err
	})
	if rep != nil {
		rep.Applied = err == nil
	}
	return rep, err
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
	q      db.Querier
	tx     *db.Tx // set when applying
	sc     scope.Scope
	p      authz.Principal
	opts   Options
	dir    *directory
	scheme asset.Scheme
	rp     *rowParser
	rep    *Report
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
	scheme, err := asset.SchemeOf(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	return &run{ctx: ctx, q: q, tx: tx, sc: sc, p: p, opts: opts, dir: dir, scheme: scheme,
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
			if errors.As(err, &te) && te.Recoverable() {
				x.rep.Rows++
				rr := RowReport{Row: row.Number, Outcome: Failed, Problems: []Problem{*fileProblem(err)}}
				x.record(rr)
				continue
			}
			return x.fileFailed(err)
		}
		x.rep.Rows++
		rr, err := x.row(row)
		if err != nil {
			return nil, fmt.Errorf("cannot import row %d: %w", row.Number, err)
		}
		x.record(rr)
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

// failing reports whether a problem has been found: an import then only
// checks the remaining rows, since nothing will be written.
func (x *run) failing() bool { return x.rep.Failed > 0 }

// row works out one row's outcome and, when applying, applies it.
func (x *run) row(row tabular.Row) (RowReport, error) {
	l := x.rp.l
	rr := RowReport{Row: row.Number}
	if name, ok := l.cell(row.Cells, ColName); ok {
		rr.Name = strings.TrimSpace(name)
	}
	fail := func(ps ...Problem) (RowReport, error) {
		rr.Outcome, rr.Problems = Failed, append(rr.Problems, ps...)
		return rr, nil
	}

	// Which asset the row is about.
	var existing asset.Asset
	found := false
	id, bad := x.rp.matchID(row)
	if bad != nil {
		return fail(*bad)
	}
	switch x.opts.MatchBy {
	case MatchID:
		if id != 0 {
			if p := x.once(row.Number, ColID, "i"+strconv.FormatInt(id, 10)); p != nil {
				return fail(*p)
			}
			a, err := asset.Get(x.ctx, x.q, x.sc, x.p, id)
			if errors.Is(err, db.ErrNotFound) {
				return fail(l.problem(row.Number, ColID, "assetfile.not_found", strconv.FormatInt(id, 10)))
			}
			if err != nil {
				return rr, err
			}
			existing, found = a, true
		}
	case MatchName:
		if rr.Name == asset.MaskedName {
			return fail(l.problem(row.Number, ColName, "assetfile.masked_by_name"))
		}
		if rr.Name != "" {
			if p := x.once(row.Number, ColName, "n"+rr.Name); p != nil {
				return fail(*p)
			}
			a, n, err := x.byName(rr.Name)
			if err != nil {
				return rr, err
			}
			switch {
			case n > 1:
				return fail(l.problem(row.Number, ColName, "assetfile.name_ambiguous", n))
			case n == 1 && (id == 0 || id == a.ID):
				existing, found = a, true
			case id != 0:
				// The number names another asset than the name does.
				return fail(l.problem(row.Number, ColID, "assetfile.id_mismatch"))
			}
		}
	}

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
	probs := x.rp.apply(row, &in)
	if found && len(probs) == 0 && sameInput(in, existing.Input()) {
		rr.Outcome = Unchanged
		return rr, nil
	}

	// Checked (and applied) by package asset.
	var err error
	switch {
	case x.tx == nil || x.failing() || len(probs) > 0:
		err = asset.Check(x.ctx, x.q, x.sc, x.p, &in, rr.ID)
	case found:
		in.Version = existing.Version
		_, err = asset.Update(x.ctx, x.tx, x.sc, x.p, existing.ID, in)
	default:
		var a asset.Asset
		a, err = asset.Create(x.ctx, x.tx, x.sc, x.p, in)
		rr.ID = a.ID
	}
	if err != nil {
		more, ferr := x.problems(row.Number, err, found, existing, in)
		if ferr != nil {
			return rr, ferr
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
		return fail(probs...)
	}
	rr.Outcome = Create
	if found {
		rr.Outcome = Update
	}
	return rr, nil
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

// byName finds the assets of a name that the principal sees in full. n is
// how many there are; a is the asset when there is one.
func (x *run) byName(name string) (a asset.Asset, n int, err error) {
	ids, err := assetIDsByName(x.ctx, x.q, x.sc, name)
	if err != nil {
		return a, 0, err
	}
	for _, id := range ids {
		got, err := asset.Get(x.ctx, x.q, x.sc, x.p, id)
		if errors.Is(err, db.ErrNotFound) {
			continue
		}
		if err != nil {
			return a, 0, err
		}
		if got.Masked {
			// Its name is hidden from this reader: matching it would tell.
			continue
		}
		a = got
		n++
	}
	return a, n, nil
}

// assetIDsByName lists the ids of the assets of an exact name, through the
// (org_id, name) index; at most a few are read.
// TODO: belongs in package asset (owned elsewhere), as asset.IDsByName.
func assetIDsByName(ctx context.Context, q db.Querier, sc scope.Scope, name string) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM assets WHERE org_id = ? AND name = ? ORDER BY id LIMIT 20`, sc.OrgID, name)
	if err != nil {
		return nil, fmt.Errorf("cannot find assets named %q: %w", name, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cannot find assets by name: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
