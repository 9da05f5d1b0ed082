package asset

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/textfold"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Sort is a list order.
type Sort string

const (
	SortName       Sort = "name"
	SortUpdated    Sort = "updated"
	SortNextReview Sort = "next_review" // undated assets last
	SortID         Sort = "id"
)

// Sorts lists the orders, the default first.
var Sorts = []Sort{SortName, SortUpdated, SortNextReview, SortID}

// IsValid reports whether s is a known order.
func (s Sort) IsValid() bool { return slices.Contains(Sorts, s) }

func (s Sort) column() string {
	switch s {
	case SortUpdated:
		return "a.updated_at"
	case SortNextReview:
		return "a.review_due"
	case SortID:
		return ""
	}
	return "a.name"
}

// Filter narrows and orders a listing. Zero values mean "any". The JSON
// names are the API's query parameters.
type Filter struct {
	Query           string          `json:"q,omitempty"` // partial match on name, description and tags
	Kind            Kind            `json:"kind,omitempty"`
	Confidentiality Confidentiality `json:"confidentiality,omitempty"`
	Integrity       Integrity       `json:"integrity,omitempty"`
	Availability    Availability    `json:"availability,omitempty"`
	Domain          Domain          `json:"domain,omitempty"`
	DepartmentID    int64           `json:"department_id,string,omitempty"` // this department and those below it
	OwnerID         int64           `json:"owner_id,string,omitempty"`
	Status          Status          `json:"status,omitempty"`
	ReviewOverdue   bool            `json:"review_overdue,omitempty"` // next review date before today (Japan time)
	Tag             string          `json:"tag,omitempty"`            // exact, case-insensitive
	Sort            Sort            `json:"sort,omitempty"`           // default SortName
	Desc            bool            `json:"desc,omitempty"`
	Cursor          string          `json:"cursor,omitempty"` // the previous page's NextCursor
	Limit           int             `json:"limit,omitempty"`  // default 50, at most MaxLimit
}

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	MaxQuery     = 100
)

// Validate checks the filter's codes, so the API can answer a bad query
// parameter by name.
func (f *Filter) Validate() error {
	e := validate.Errors{}
	f.Query = e.Text("q", f.Query, false, MaxQuery, false)
	f.Tag = strings.TrimSpace(f.Tag)
	if f.Kind != "" && !f.Kind.IsValid() {
		e.Add("kind", "error.invalid_choice")
	}
	if f.Confidentiality != "" && !f.Confidentiality.IsValid() {
		e.Add("confidentiality", "error.invalid_choice")
	}
	if f.Integrity != "" && !f.Integrity.IsValid() {
		e.Add("integrity", "error.invalid_choice")
	}
	if f.Availability != "" && !f.Availability.IsValid() {
		e.Add("availability", "error.invalid_choice")
	}
	if f.Domain != "" && !f.Domain.IsValid() {
		e.Add("domain", "error.invalid_choice")
	}
	if f.Status != "" && !f.Status.IsValid() {
		e.Add("status", "error.invalid_choice")
	}
	if f.Sort == "" {
		f.Sort = SortName
	}
	if !f.Sort.IsValid() {
		e.Add("sort", "error.invalid_choice")
	}
	if f.DepartmentID < 0 {
		e.Add("department_id", "error.invalid_choice")
	}
	if f.OwnerID < 0 {
		e.Add("owner_id", "error.invalid_choice")
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		e.Add("limit", "error.range", 1, MaxLimit)
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	return e.Err()
}

// hidesMasked reports whether the filter looks at a field a masked asset
// hides; masked assets then never match it.
func (f Filter) hidesMasked() bool {
	return strings.TrimSpace(f.Query) != "" || f.Domain != "" || f.OwnerID != 0 || f.ReviewOverdue || f.Tag != ""
}

// Page is one page of a listing.
type Page struct {
	Items []Asset `json:"items"`
	// NextCursor fetches the next page; empty on the last.
	NextCursor string `json:"next_cursor"`
}

// cursor is where a page ended. It is opaque to clients. Phase 1 holds the
// rows the reader sees in full, in the chosen order, and its cursor carries
// the last row's sort value: harmless, since the reader saw that row, and a
// forged value only moves within rows they may see. Phase 2 holds the
// masked rows in id order, and its cursor carries only an id.
type cursor struct {
	sort  Sort
	desc  bool
	phase int
	id    int64
	value string
}

func (c cursor) encode() string {
	d := "a"
	if c.desc {
		d = "d"
	}
	s := strings.Join([]string{"1", string(c.sort), d, strconv.Itoa(c.phase), strconv.FormatInt(c.id, 10), c.value}, "\x1f")
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(s string, f Filter) (cursor, error) {
	bad := validate.Errors{"cursor": {Key: "error.invalid_cursor"}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	parts := strings.SplitN(string(b), "\x1f", 6)
	if len(parts) != 6 || parts[0] != "1" || Sort(parts[1]) != f.Sort || (parts[2] == "d") != f.Desc {
		return cursor{}, bad
	}
	c := cursor{sort: f.Sort, desc: f.Desc, value: parts[5]}
	if c.phase, err = strconv.Atoi(parts[3]); err != nil || (c.phase != 1 && c.phase != 2) {
		return cursor{}, bad
	}
	if c.id, err = strconv.ParseInt(parts[4], 10, 64); err != nil || c.id < 0 {
		return cursor{}, bad
	}
	if c.phase == 1 && f.Sort == SortUpdated {
		if _, err := strconv.ParseInt(c.value, 10, 64); err != nil {
			return cursor{}, bad
		}
	}
	return c, nil
}

// query is one listing being built: the reader, the filter and how to
// read them.
type query struct {
	sc     scope.Scope
	r      reader
	f      Filter
	person int64
	today  string
	plan   searchPlan
	phase1 bool // some row may be seen in full
	phase2 bool // some row may be masked
	// reach, when set, replaces the reader's reach in the conditions (a
	// part of it, when counting part by part).
	reach *sqlCond
	// drive is set when a condition selects few rows (a search term, a
	// tag, a department, the reader's own reach): the page is then read
	// from that condition's index and sorted, instead of walking the sort
	// order until a page of matches turns up. SQLite's statistics (see the
	// migration) describe a typical register, not how many rows this tag
	// or this department has, so the choice is made here from bounded counts.
	drive bool
}

// selective is the row count under which a condition drives a listing.
// Counting stops there, so weighing a condition reads at most this many
// index entries; walking the sort order finds a page of 50 among rows this
// common within a couple of thousand rows.
const selective = 3000

// walkBeats is the row count under which a reach over departments drives a
// listing (see weigh).
const walkBeats = 500

// prepare validates the filter and works out how to read it; ordered is
// false when only counting, which needs no choice of order.
func prepare(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, action authz.Action, f Filter, ordered bool) (*query, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	x := &query{sc: sc, r: newReader(p, action), f: f, person: p.PersonID, today: today()}
	x.phase1 = x.r.rows.Any()
	x.phase2 = x.r.rows.Any() && !x.r.seesAllInFull() && !f.hidesMasked()
	if f.Confidentiality != "" {
		if f.Confidentiality.Restricted() {
			x.phase1 = x.phase1 && !x.r.seesNoneInFull()
		} else {
			x.phase2 = false
		}
	}
	if !x.phase1 && !x.phase2 {
		return x, nil
	}
	if terms(f.Query) != nil {
		plan, err := planSearch(ctx, q, sc.OrgID, f.Query)
		if err != nil {
			return nil, err
		}
		if plan.none {
			x.phase1, x.phase2 = false, false
			return x, nil
		}
		x.plan = plan
		x.drive = plan.cond != ""
	}
	if !x.drive && x.phase1 && ordered {
		drive, err := x.weigh(ctx, q)
		if err != nil {
			return nil, err
		}
		x.drive = drive
	}
	return x, nil
}

// weigh reports whether one of the conditions that can drive a listing
// selects fewer than selective rows. A condition made of alternatives (a
// reach over departments or of one's own assets) is weighed as the sum of
// its parts, each read from its own index.
func (x *query) weigh(ctx context.Context, q db.Querier) (bool, error) {
	var parts []string
	var args []any
	var group []int // which candidate each part belongs to
	bounded := func(candidate int, from string, a ...any) {
		parts = append(parts, `(SELECT COUNT(*) FROM (SELECT 1 FROM `+from+` LIMIT ?) t)`)
		args = append(append(args, a...), selective)
		group = append(group, candidate)
	}
	n := 0
	// Below which count each candidate drives. A reach over departments
	// drives only when very small: the department is in every sort index
	// and one's own assets are a set of ids, so walking the sort order
	// checks each entry without reading its row and stops at a page,
	// where driving reads and sorts every row of the reach.
	var limits []int
	grant := func(g authz.Grant) {
		limit := selective
		if len(g.Departments) > 0 {
			limit = walkBeats
		}
		limits = append(limits, limit)
		if len(g.Departments) > 0 {
			c, a := org.SubtreeCondition("a.department_id", x.sc.OrgID, g.Departments)
			bounded(n, `assets a WHERE a.org_id = ? AND `+c, append([]any{x.sc.OrgID}, a...)...)
		}
		if g.Self && x.person != 0 {
			bounded(n, `assets a WHERE a.org_id = ? AND a.owner_id = ?`, x.sc.OrgID, x.person)
			bounded(n, `assets a WHERE a.org_id = ? AND a.custodian_id = ?`, x.sc.OrgID, x.person)
		}
		// Systems are a handful of rows by id and need no weighing.
		n++
	}
	if x.f.Tag != "" {
		bounded(n, `asset_tags WHERE org_id = ? AND tag = ?`, x.sc.OrgID, textfold.Fold(x.f.Tag))
		limits = append(limits, selective)
		n++
	}
	if x.f.DepartmentID != 0 {
		grant(authz.Grant{Departments: []int64{x.f.DepartmentID}})
	}
	if x.f.OwnerID != 0 {
		bounded(n, `assets a WHERE a.org_id = ? AND a.owner_id = ?`, x.sc.OrgID, x.f.OwnerID)
		limits = append(limits, selective)
		n++
	}
	if !x.r.rows.All {
		if len(x.r.rows.Departments) == 0 && !x.r.rows.Self {
			return true, nil // a few systems
		}
		grant(x.r.rows)
	}
	if x.f.Confidentiality.Restricted() && !x.r.full.All {
		// Only the restricted rows within the full-view grant are seen in
		// full; the rest follow masked.
		if len(x.r.full.Departments) == 0 && !x.r.full.Self {
			return true, nil
		}
		grant(x.r.full)
	}
	if len(parts) == 0 {
		return false, nil
	}
	counts := make([]int, len(parts))
	dest := make([]any, len(parts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := q.QueryRowContext(ctx, `SELECT `+strings.Join(parts, ", "), args...).Scan(dest...); err != nil {
		return false, fmt.Errorf("cannot weigh asset filters: %w", err)
	}
	sums := make([]int, n)
	for i, c := range counts {
		sums[group[i]] += c
	}
	for i, sum := range sums {
		if sum < limits[i] {
			return true, nil
		}
	}
	return false, nil
}

// How a listing is read, which decides which conditions may use an index.
// A condition written as an expression (a text column with an empty string
// appended, a number column plus zero) selects the same rows, but SQLite
// does not read it through an index, so the index meant to drive the read
// is the one used.
type readMode int

const (
	// byCondition: every condition may use its index (counting).
	byCondition readMode = iota
	// driven: a weighed condition (search term, tag, department, owner,
	// the reader's reach) drives and the rows are sorted (query.drive);
	// the equality filters are expressions.
	driven
	// inOrder: the sort order's index drives; conditions that could take
	// over only through a large index range (a department, a tag, the
	// reader's reach) are expressions. Equality filters keep their index,
	// which ends in the default order.
	inOrder
	// masked: the restricted rows are walked in id order; every filter is an
	// expression.
	masked
)

// indexed reports whether the reach and the weighed conditions may use
// their indexes.
func (m readMode) indexed() bool { return m == byCondition || m == driven }

// conds returns the conditions of the reader's reach and the filter.
func (x *query) conds(mode readMode) ([]string, []any) {
	var where []string
	var args []any
	add := func(c string, a ...any) {
		where = append(where, c)
		args = append(args, a...)
	}
	// An equality filter keeps its index when the sort order's index
	// drives (it ends in that order) and when counting. When a weighed
	// condition drives a listing, the filters are expressions: SQLite's
	// statistics give each of their values thousands of rows, fewer than a
	// reach over departments looks to it, and it would walk a third of the
	// register through the status index instead of the reach's few
	// thousand rows.
	col := func(c string) string {
		if mode == inOrder || mode == byCondition {
			return c
		}
		return c + " || ''"
	}
	wide := func(c string) string { // a column of a large range
		if mode.indexed() {
			return c
		}
		return c + " + 0"
	}
	add("a.org_id = ?", x.sc.OrgID)
	if x.reach != nil {
		add(x.reach.text, x.reach.args...)
	} else if c, a := grantCond(x.r.rows, x.sc.OrgID, x.person, false, mode.indexed()); c != "1 = 1" {
		add(c, a...)
	}
	f := x.f
	if f.Kind != "" {
		add(col("a.kind")+" = ?", string(f.Kind))
	}
	if f.Confidentiality != "" {
		add(col("a.confidentiality")+" = ?", string(f.Confidentiality))
	}
	if f.Integrity != "" {
		add(col("a.integrity")+" = ?", string(f.Integrity))
	}
	if f.Availability != "" {
		add(col("a.availability")+" = ?", string(f.Availability))
	}
	if f.Status != "" {
		add(col("a.status")+" = ?", string(f.Status))
	}
	if f.DepartmentID != 0 {
		c, a := org.SubtreeCondition(wide("a.department_id"), x.sc.OrgID, []int64{f.DepartmentID})
		add(c, a...)
	}
	// The filters on hidden fields; masked rows are out of the listing when
	// any of these is set (phase2 is false).
	if f.Domain != "" {
		add(col("a.domain")+" = ?", string(f.Domain))
	}
	if f.OwnerID != 0 {
		add("a.owner_id = ?", f.OwnerID)
	}
	if f.ReviewOverdue {
		// Listed in sort order, never through the review index: a third of
		// a register is often overdue, and walking the sort order finds a
		// page among them sooner than collecting them all to sort.
		due := "a.review_due"
		if !mode.indexed() {
			due += " || ''"
		}
		add(due+" < ? AND a.status <> 'disposed'", x.today)
	}
	if f.Tag != "" {
		if mode.indexed() {
			add("a.id IN (SELECT asset_id FROM asset_tags WHERE org_id = ? AND tag = ?)", x.sc.OrgID, textfold.Fold(f.Tag))
		} else {
			// Checked row by row as the sort order is walked, rather than
			// collecting every tagged asset first.
			add("EXISTS (SELECT 1 FROM asset_tags t WHERE t.org_id = a.org_id AND t.tag = ? AND t.asset_id = a.id)", textfold.Fold(f.Tag))
		}
	}
	if x.plan.cond != "" {
		add(x.plan.cond, x.plan.args...)
	}
	if x.plan.filter != "" {
		add(x.plan.filter, x.plan.filterArgs...)
	}
	for _, l := range x.plan.likes {
		add(`a.search_text LIKE ? ESCAPE '\'`, l)
	}
	return where, args
}

// phaseWhere returns the conditions of a phase: phase 1 the rows seen in
// full, phase 2 the masked ones (restricted and outside the full-view
// grant), read in id order through the assets_restricted index.
func (x *query) phaseWhere(phase int, mode readMode) (string, []any) {
	where, args := x.conds(mode)
	switch {
	case phase == 1 && x.r.seesAllInFull():
		// Every row in reach is seen in full.
	case phase == 1 && x.f.Confidentiality != "" && !x.f.Confidentiality.Restricted():
		// Only unrestricted rows match: all seen in full.
	case phase == 1 && x.f.Confidentiality != "":
		// Only restricted rows match: those within the full-view grant.
		full, fargs := grantCond(x.r.full, x.sc.OrgID, x.person, false, mode.indexed())
		where = append(where, full)
		args = append(args, fargs...)
	case phase == 1:
		// Never an index's work: it holds most rows.
		full, fargs := grantCond(x.r.full, x.sc.OrgID, x.person, false, false)
		where = append(where, "(a.restricted <> TRUE OR "+full+")")
		args = append(args, fargs...)
	default:
		outside, fargs := outsideSQL(x.r.full, x.sc.OrgID, x.person)
		where = append(where, "a.restricted = TRUE", outside)
		args = append(args, fargs...)
	}
	return strings.Join(where, " AND "), args
}

// fetch reads up to limit rows of a phase after the cursor.
func (x *query) fetch(ctx context.Context, q db.Querier, phase int, after *cursor, limit int) ([]Asset, error) {
	mode := masked
	if phase == 1 {
		mode = inOrder
		if x.drive {
			mode = driven
		}
	}
	where, args := x.phaseWhere(phase, mode)
	dir, cmp := "ASC", ">"
	col, id := "", "a.id"
	if phase == 1 {
		col = x.f.Sort.column()
		if x.f.Desc {
			dir, cmp = "DESC", "<"
		}
		if x.drive {
			// Expressions keep SQLite off the sort index, so the selective
			// condition's index drives and the few rows it finds are sorted.
			id = "(a.id + 0)"
			switch x.f.Sort {
			case SortUpdated:
				col = "(a.updated_at + 0)"
			case SortID:
			default:
				col = "(" + col + " || '')"
			}
		}
	}
	if after != nil {
		if col == "" {
			where += " AND " + id + " " + cmp + " ?"
			args = append(args, after.id)
		} else {
			var v any = after.value
			if x.f.Sort == SortUpdated {
				n, _ := strconv.ParseInt(after.value, 10, 64)
				v = n
			}
			where += " AND " + col + " " + cmp + "= ? AND (" + col + " " + cmp + " ? OR a.id " + cmp + " ?)"
			args = append(args, v, v, after.id)
		}
	}
	order := id + " " + dir
	if col != "" {
		order = col + " " + dir + ", " + order
	}
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, `SELECT `+assetColumns+` FROM assets a WHERE `+where+` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list assets: %w", err)
	}
	defer rows.Close()
	var out []Asset
	for rows.Next() {
		a, err := scanAsset(rows, x.today)
		if err != nil {
			return nil, fmt.Errorf("cannot read asset: %w", err)
		}
		if phase == 2 {
			a = Mask(a)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list assets: %w", err)
	}
	return out, nil
}

// cursorAfter is the cursor that continues after a in a phase.
func (x *query) cursorAfter(phase int, a Asset) string {
	c := cursor{sort: x.f.Sort, desc: x.f.Desc, phase: phase, id: a.ID}
	if phase == 1 {
		switch x.f.Sort {
		case SortName:
			c.value = a.Name
		case SortUpdated:
			c.value = strconv.FormatInt(a.UpdatedAt, 10)
		case SortNextReview:
			c.value = reviewDue(a.NextReviewDate)
		}
	}
	return c.encode()
}

func reviewDue(next string) string {
	if next == "" {
		return noReview
	}
	return next
}

// page reads one page: rows seen in full in the chosen order, then, once
// those are exhausted, masked rows in id order.
func (x *query) page(ctx context.Context, q db.Querier) (Page, error) {
	var after *cursor
	phase := 1
	if x.f.Cursor != "" {
		c, err := decodeCursor(x.f.Cursor, x.f)
		if err != nil {
			return Page{}, err
		}
		after, phase = &c, c.phase
	}
	limit := x.f.Limit
	page := Page{Items: []Asset{}}
	if phase == 1 && x.phase1 {
		items, err := x.fetch(ctx, q, 1, after, limit+1)
		if err != nil {
			return Page{}, err
		}
		if len(items) > limit {
			page.Items = items[:limit]
			page.NextCursor = x.cursorAfter(1, page.Items[limit-1])
			return page, nil
		}
		page.Items = items
	}
	if !x.phase2 {
		return page, nil
	}
	if phase == 1 {
		after = &cursor{sort: x.f.Sort, desc: x.f.Desc, phase: 2}
	}
	need := limit - len(page.Items)
	items, err := x.fetch(ctx, q, 2, after, need+1)
	if err != nil {
		return Page{}, err
	}
	if len(items) > need {
		page.Items = append(page.Items, items[:need]...)
		last := cursor{sort: x.f.Sort, desc: x.f.Desc, phase: 2, id: after.id}
		if need > 0 {
			last.id = items[need-1].ID
		}
		page.NextCursor = last.encode()
		return page, nil
	}
	page.Items = append(page.Items, items...)
	return page, nil
}

// List returns one page of the assets the principal may view (asset.view),
// filtered and sorted, with restricted assets outside their view_restricted
// reach masked and placed after the others.
func List(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f Filter) (Page, error) {
	x, err := prepare(ctx, q, sc, p, authz.ViewAssets, f, true)
	if err != nil {
		return Page{}, err
	}
	return x.page(ctx, q)
}

// Walk calls fn for every asset the principal may export (asset.export)
// under the filter, in the filter's order, masked as List masks them. It
// reads a page at a time, so memory stays flat for any register size and
// fn may use q itself. f.Cursor and f.Limit are ignored. The caller records
// the export in the trail (RecordExport).
func Walk(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f Filter, fn func(Asset) error) error {
	f.Cursor, f.Limit = "", MaxLimit
	x, err := prepare(ctx, q, sc, p, authz.ExportAssets, f, true)
	if err != nil {
		return err
	}
	for {
		page, err := x.page(ctx, q)
		if err != nil {
			return err
		}
		for _, a := range page.Items {
			if err := fn(a); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		x.f.Cursor = page.NextCursor
	}
}

// unfiltered reports whether the filter selects every row.
func (x *query) unfiltered() bool {
	f := x.f
	return f.Kind == "" && f.Confidentiality == "" && f.Integrity == "" && f.Availability == "" && f.Status == "" &&
		f.DepartmentID == 0 && !f.hidesMasked()
}

// LevelCount is how many assets of a listing have one confidentiality level.
type LevelCount struct {
	Level Confidentiality `json:"level"`
	Count int             `json:"count"`
}

// LevelCounts are a listing's counts per level, in the scheme's order.
type LevelCounts struct {
	Total  int          `json:"total"`
	Levels []LevelCount `json:"levels"`
}

// Counts counts the assets List would list under the filter, per
// confidentiality level. The filter's own confidentiality is ignored, so a
// row of level tabs shows every level's count while one is selected. With
// no filter and an organisation-wide view the counts come from the counters
// every write keeps (asset_counts); otherwise they are counted, from the
// filter's index where it holds the level.
func Counts(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f Filter) (LevelCounts, error) {
	f.Confidentiality, f.Cursor, f.Limit, f.Sort, f.Desc = "", "", 0, "", false
	x, err := prepare(ctx, q, sc, p, authz.ViewAssets, f, false)
	if err != nil {
		return LevelCounts{}, err
	}
	scheme, err := SchemeOf(ctx, q, sc)
	if err != nil {
		return LevelCounts{}, err
	}
	got := map[Confidentiality]int{}
	// Grouped by an expression, so SQLite reads the filter's index (which
	// ends in the level) rather than walking the level index in order and
	// fetching every row to test the filter.
	const level = "a.confidentiality || ''"
	if x.phase1 || x.phase2 {
		var sqlText string
		var args []any
		switch {
		case x.r.rows.All && x.unfiltered():
			// Unfiltered and organisation-wide: every row counts, masked or not.
			sqlText, args = `SELECT confidentiality, n FROM asset_counts WHERE org_id = ?`, []any{sc.OrgID}
		case (x.phase1 && x.phase2 || x.r.seesAllInFull()) && !x.r.rows.All:
			// Every row in reach counts: part by part of the reach.
			var parts []string
			// The filters read through an index that ends in the
			// department and the level (migration 0010).
			byFilter := f.Kind != "" || f.Status != "" || f.Domain != "" || f.ReviewOverdue
			for _, part := range grantParts(x.r.rows, sc.OrgID, p.PersonID, byFilter) {
				x.reach = &part
				where, a := x.conds(byCondition)
				parts = append(parts, `SELECT `+level+`, COUNT(*) FROM assets a WHERE `+strings.Join(where, " AND ")+` GROUP BY `+level)
				args = append(args, a...)
			}
			x.reach = nil
			sqlText = strings.Join(parts, " UNION ALL ")
		case x.phase1 && x.phase2 || x.r.full.All:
			// Both phases together are every row the conditions select.
			where, a := x.conds(byCondition)
			sqlText = `SELECT ` + level + `, COUNT(*) FROM assets a WHERE ` + strings.Join(where, " AND ") + ` GROUP BY ` + level
			args = a
		case x.phase1:
			where, a := x.phaseWhere(1, byCondition)
			sqlText, args = `SELECT `+level+`, COUNT(*) FROM assets a WHERE `+where+` GROUP BY `+level, a
		default:
			where, a := x.phaseWhere(2, masked)
			sqlText, args = `SELECT `+level+`, COUNT(*) FROM assets a WHERE `+where+` GROUP BY `+level, a
		}
		rows, err := q.QueryContext(ctx, sqlText, args...)
		if err != nil {
			return LevelCounts{}, fmt.Errorf("cannot count assets: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			var n int
			if err := rows.Scan(&c, &n); err != nil {
				return LevelCounts{}, fmt.Errorf("cannot read asset count: %w", err)
			}
			got[Confidentiality(c)] += n
		}
		if err := rows.Err(); err != nil {
			return LevelCounts{}, fmt.Errorf("cannot count assets: %w", err)
		}
	}
	var out LevelCounts
	for _, l := range scheme.Levels() {
		out.Levels = append(out.Levels, LevelCount{Level: l, Count: got[l]})
		out.Total += got[l]
	}
	return out, nil
}

// AttentionPage is the 要対応 list of a person's home page.
type AttentionPage struct {
	Items []Asset `json:"items"`
	// Total counts up to MaxAttention; at MaxAttention there may be more
	// ("1,000件以上"), and counting further would only slow the home page.
	Total int `json:"total"`
}

// MaxAttention is where the 要対応 count stops.
const MaxAttention = 1000

// ListNeedingAttention returns the assets that break a network-domain rule
// or are overdue for review, and for which the principal is responsible:
// as 管理責任者 or custodian, or within their asset.edit reach (a department
// for its 情報セキュリティ責任者・管理者, the whole organisation for the CISO
// and 統括, a system for its administrator). Disposed assets need nothing.
// Most pressing first: the longest overdue, then by id. It reads the stored
// warning_count and review_due through their indexes, never the rules.
func ListNeedingAttention(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, limit int) (AttentionPage, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	r := newReader(p, authz.ViewAssets)
	edit := authz.GrantFor(p, authz.EditAssets)
	edit.Self = true
	resp, respArgs := grantSQL(edit, sc.OrgID, p.PersonID)
	rows, rowsArgs := grantSQL(r.rows, sc.OrgID, p.PersonID)
	outside, fullArgs := outsideSQL(r.full, sc.OrgID, p.PersonID)
	now := today()
	// Those one is responsible for are usually those one sees: one set.
	reach, reachArgs := []string{resp}, respArgs
	if rows != resp || fmt.Sprint(rowsArgs) != fmt.Sprint(respArgs) {
		reach, reachArgs = append(reach, rows), append(slices.Clone(respArgs), rowsArgs...)
	}
	const needs = ` AND a.status <> 'disposed' AND (a.warning_count > 0 OR a.review_due < ?)`
	where := `a.org_id = ? AND ` + strings.Join(reach, " AND ") + needs
	args := append(append([]any{sc.OrgID}, reachArgs...), now)
	// The page is read in review order. Over departments or the whole
	// organisation (thousands of assets) the review index is walked, each
	// entry checked against the reach's set of ids without reading its row,
	// until a page is found; read through the reach's ids instead, every
	// one of them would be read and sorted (60 ms for a bureau).
	listWhere, listArgs := where, args
	if edit.All || len(edit.Departments) > 0 {
		var sets []string
		var setArgs []any
		for i, c := range reach {
			if c == "1 = 1" {
				continue
			}
			sets = append(sets, `(a.id + 0) IN (SELECT a.id FROM assets a WHERE a.org_id = ? AND `+c+`)`)
			setArgs = append(setArgs, sc.OrgID)
			if i == 0 {
				setArgs = append(setArgs, respArgs...)
			} else {
				setArgs = append(setArgs, rowsArgs...)
			}
		}
		listWhere = `a.org_id = ?` + needs
		if len(sets) > 0 {
			listWhere = `a.org_id = ? AND ` + strings.Join(sets, " AND ") + needs
		}
		listArgs = append(append([]any{sc.OrgID}, setArgs...), now)
	}
	var out AttentionPage
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM assets a WHERE `+where+` LIMIT ?) t`,
		append(slices.Clone(args), MaxAttention)...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("cannot count assets needing attention: %w", err)
	}
	out.Items = []Asset{}
	if out.Total == 0 {
		return out, nil
	}
	masked := `CASE WHEN a.restricted = TRUE AND ` + outside + ` THEN 1 ELSE 0 END`
	qargs := append(append(slices.Clone(fullArgs), listArgs...), limit)
	res, err := q.QueryContext(ctx, `SELECT `+assetColumns+`, `+masked+` FROM assets a WHERE `+listWhere+
		` ORDER BY a.review_due, a.id LIMIT ?`, qargs...)
	if err != nil {
		return out, fmt.Errorf("cannot list assets needing attention: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var m int
		a, err := scanAsset(extra{res, []any{&m}}, now)
		if err != nil {
			return out, fmt.Errorf("cannot read asset: %w", err)
		}
		if m == 1 {
			a = Mask(a)
		}
		out.Items = append(out.Items, a)
	}
	if err := res.Err(); err != nil {
		return out, fmt.Errorf("cannot list assets needing attention: %w", err)
	}
	return out, nil
}

// RecordExport records an export of the register in the trail, in the
// transaction the caller opens for it: the filter it honoured, the file
// format and how many rows went out.
func RecordExport(ctx context.Context, tx *db.Tx, sc scope.Scope, f Filter, format string, rows int) error {
	f.Cursor, f.Limit = "", 0
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: EntityAsset,
		After: map[string]any{"format": format, "rows": rows, "filter": f}})
}
