package inspection

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// Counts are the answers to something (an item, a department, a clause),
// one count per answer.
type Counts struct {
	Done    int `json:"done"`
	Partial int `json:"partial"`
	NotDone int `json:"not_done"`
	NA      int `json:"na"`
}

func (c *Counts) add(a Answer, n int) {
	switch a {
	case Done:
		c.Done += n
	case Partial:
		c.Partial += n
	case NotDone:
		c.NotDone += n
	case NA:
		c.NA += n
	}
}

func (c *Counts) plus(o Counts) {
	c.Done += o.Done
	c.Partial += o.Partial
	c.NotDone += o.NotDone
	c.NA += o.NA
}

// Answered is the number of answers.
func (c Counts) Answered() int { return c.Done + c.Partial + c.NotDone + c.NA }

// Applicable is the number of answers other than 該当なし.
func (c Counts) Applicable() int { return c.Done + c.Partial + c.NotDone }

// Rate is the 実施率 in percent: the share of 実施している among the
// answers other than 該当なし, one decimal; -1 when there is none.
func (c Counts) Rate() float64 {
	n := c.Applicable()
	if n == 0 {
		return -1
	}
	return math.Round(float64(c.Done)*1000/float64(n)) / 10
}

// rateDelta is the change of a rate in points, or nil without both.
func rateDelta(now, before Counts, had bool) *float64 {
	if !had || now.Rate() < 0 || before.Rate() < 0 {
		return nil
	}
	d := math.Round((now.Rate()-before.Rate())*10) / 10
	return &d
}

// deptCondition is the SQL condition for a column holding a department
// within a grant's reach (not called for an organisation-wide grant).
func deptCondition(column string, orgID int64, g authz.Grant) (string, []any) {
	return org.SubtreeCondition(column, orgID, g.Departments)
}

// readsDepartment reports whether the principal reads results of a
// department (0: respondents without one, seen organisation-wide only).
func readsDepartment(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, deptID int64) (bool, error) {
	g := authz.GrantFor(p, authz.ViewCampaignResults)
	if g.All {
		return true, nil
	}
	if deptID == 0 || len(g.Departments) == 0 {
		return false, nil
	}
	path, err := org.DepartmentPath(ctx, q, sc, deptID)
	if err != nil {
		return false, err
	}
	return authz.Can(p, authz.ViewCampaignResults, authz.Target{Departments: path}), nil
}

// Reach is how much of a campaign's results a reader sees: everything, or
// the departments of a 部局 or 課室 role and those below them.
type Reach struct {
	All   bool
	grant authz.Grant
}

// ReachOf is a reader's reach over results; ErrForbidden without any.
func ReachOf(p authz.Principal) (Reach, error) {
	g := authz.GrantFor(p, authz.ViewCampaignResults)
	if !g.Any() || (!g.All && len(g.Departments) == 0) {
		return Reach{}, fmt.Errorf("cannot read campaign results: %w", ErrForbidden)
	}
	return Reach{All: g.All, grant: g}, nil
}

// condition is the SQL condition restricting a department column to the
// reach ("1 = 1" for everything).
func (r Reach) condition(column string, orgID int64) (string, []any) {
	if r.All {
		return "1 = 1", nil
	}
	return deptCondition(column, orgID, r.grant)
}

// DeptLine is one department's line of progress or results.
type DeptLine struct {
	DepartmentID int64  `json:"department_id,string"`
	Name         string `json:"name"` // with its 部局: "総務部 総務課"
	// Bureau marks a 部局's subtotal over itself and its 課室.
	Bureau        bool   `json:"bureau"`
	ParentID      int64  `json:"parent_id,string,omitempty"`
	Respondents   int    `json:"respondents"`
	Finished      int    `json:"finished"`
	ItemsTotal    int    `json:"items_total"`
	ItemsAnswered int    `json:"items_answered"`
	Counts        Counts `json:"counts"`
	// Previous are the counts of the campaign compared with; HasPrevious
	// is false when that campaign has no answers of this department.
	Previous    Counts   `json:"previous"`
	HasPrevious bool     `json:"has_previous"`
	Delta       *float64 `json:"delta,omitempty"`
}

// Unfinished is the number of respondents with items left.
func (d DeptLine) Unfinished() int { return d.Respondents - d.Finished }

// Percent is the share of items answered, in whole percent.
func (d DeptLine) Percent() int {
	if d.ItemsTotal == 0 {
		return 0
	}
	return d.ItemsAnswered * 100 / d.ItemsTotal
}

// departments is the department tree for labels and roll-ups.
type departments struct {
	byID  map[int64]org.Department
	order map[int64]int
}

func loadDepartments(ctx context.Context, q db.Querier, sc scope.Scope) (departments, error) {
	list, err := org.ListDepartments(ctx, q, sc)
	if err != nil {
		return departments{}, err
	}
	d := departments{byID: make(map[int64]org.Department, len(list)), order: make(map[int64]int, len(list))}
	for i, x := range list {
		d.byID[x.ID] = x
		d.order[x.ID] = i
	}
	return d, nil
}

// label names a department with its 部局.
func (d departments) label(id int64) string {
	x, ok := d.byID[id]
	if !ok {
		return ""
	}
	if p, ok := d.byID[x.ParentID]; ok && x.ParentID != 0 {
		return p.Name + " " + x.Name
	}
	return x.Name
}

// bureau returns a department's 部局 (itself for a 部局).
func (d departments) bureau(id int64) int64 {
	for n := 0; n < 20; n++ {
		x, ok := d.byID[id]
		if !ok || x.ParentID == 0 {
			return id
		}
		id = x.ParentID
	}
	return id
}

// lines turns per-department lines into the tree order, each 部局 with a
// subtotal line first when it has lines of its 課室.
func (d departments) lines(per map[int64]*DeptLine) []DeptLine {
	ids := make([]int64, 0, len(per))
	for id := range per {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		oa, okA := d.order[a]
		ob, okB := d.order[b]
		switch {
		case !okA && !okB:
			return int(a - b)
		case !okA:
			return 1
		case !okB:
			return -1
		}
		return oa - ob
	})
	var out []DeptLine
	bureaus := map[int64]*DeptLine{}
	var bureauOrder []int64
	for _, id := range ids {
		b := d.bureau(id)
		if b == id || id == 0 {
			continue
		}
		bl, ok := bureaus[b]
		if !ok {
			bl = &DeptLine{DepartmentID: b, Name: d.label(b), Bureau: true}
			bureaus[b] = bl
			bureauOrder = append(bureauOrder, b)
		}
		l := per[id]
		bl.Respondents += l.Respondents
		bl.Finished += l.Finished
		bl.ItemsTotal += l.ItemsTotal
		bl.ItemsAnswered += l.ItemsAnswered
		bl.Counts.plus(l.Counts)
		if l.HasPrevious {
			bl.Previous.plus(l.Previous)
			bl.HasPrevious = true
		}
	}
	// A 部局 with people of its own adds its own line to its subtotal.
	for _, b := range bureauOrder {
		if own, ok := per[b]; ok {
			bl := bureaus[b]
			bl.Respondents += own.Respondents
			bl.Finished += own.Finished
			bl.ItemsTotal += own.ItemsTotal
			bl.ItemsAnswered += own.ItemsAnswered
			bl.Counts.plus(own.Counts)
			if own.HasPrevious {
				bl.Previous.plus(own.Previous)
				bl.HasPrevious = true
			}
		}
	}
	// A subtotal is worth a line only over two lines or more.
	under := map[int64]int{}
	for _, id := range ids {
		under[d.bureau(id)]++
	}
	done := map[int64]bool{}
	for _, id := range ids {
		b := d.bureau(id)
		if bl, ok := bureaus[b]; ok && !done[b] && under[b] > 1 {
			done[b] = true
			bl.Delta = rateDelta(bl.Counts, bl.Previous, bl.HasPrevious)
			out = append(out, *bl)
		}
		l := per[id]
		l.Name = d.label(id)
		l.ParentID = d.byID[id].ParentID
		l.Delta = rateDelta(l.Counts, l.Previous, l.HasPrevious)
		out = append(out, *l)
	}
	return out
}

// Progress is how far a campaign's respondents have got, per department.
type Progress struct {
	Lines []DeptLine `json:"departments"`
	Total DeptLine   `json:"total"`
}

// CampaignProgress counts respondents, those finished and items answered
// per department (a GROUP BY over the respondents' counters).
func CampaignProgress(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID int64) (Progress, error) {
	reach, err := ReachOf(p)
	if err != nil {
		return Progress{}, err
	}
	cond, args := reach.condition("department_id", sc.OrgID)
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(department_id, 0), COUNT(*), SUM(CASE WHEN items_answered >= items_total THEN 1 ELSE 0 END),
		SUM(items_total), SUM(items_answered) FROM campaign_respondents WHERE org_id = ? AND campaign_id = ? AND `+cond+`
		GROUP BY COALESCE(department_id, 0)`, append([]any{sc.OrgID, campaignID}, args...)...)
	if err != nil {
		return Progress{}, fmt.Errorf("cannot count progress of campaign %d: %w", campaignID, err)
	}
	per := map[int64]*DeptLine{}
	var total DeptLine
	for rows.Next() {
		l := &DeptLine{}
		if err := rows.Scan(&l.DepartmentID, &l.Respondents, &l.Finished, &l.ItemsTotal, &l.ItemsAnswered); err != nil {
			rows.Close()
			return Progress{}, fmt.Errorf("cannot read progress: %w", err)
		}
		per[l.DepartmentID] = l
		total.Respondents += l.Respondents
		total.Finished += l.Finished
		total.ItemsTotal += l.ItemsTotal
		total.ItemsAnswered += l.ItemsAnswered
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Progress{}, fmt.Errorf("cannot count progress of campaign %d: %w", campaignID, err)
	}
	depts, err := loadDepartments(ctx, q, sc)
	if err != nil {
		return Progress{}, err
	}
	return Progress{Lines: depts.lines(per), Total: total}, nil
}

// UnfinishedFilter narrows the list of respondents who have not finished.
type UnfinishedFilter struct {
	DepartmentID int64 // this department and those below it
	Cursor       string
	Limit        int
}

// UnfinishedPage is one page of respondents who have not finished.
type UnfinishedPage struct {
	Items      []RespondentStatus
	NextCursor string
}

// Unfinished lists the respondents with items left unanswered, by
// department and person, a page at a time.
func Unfinished(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID int64, f UnfinishedFilter) (UnfinishedPage, error) {
	reach, err := ReachOf(p)
	if err != nil {
		return UnfinishedPage{}, err
	}
	cond, args := reach.condition("r.department_id", sc.OrgID)
	where := []string{"r.org_id = ?", "r.campaign_id = ?", "r.items_answered < r.items_total", cond}
	args = append([]any{sc.OrgID, campaignID}, args...)
	if f.DepartmentID != 0 {
		c, a := org.SubtreeCondition("r.department_id", sc.OrgID, []int64{f.DepartmentID})
		where = append(where, c)
		args = append(args, a...)
	}
	if f.Cursor != "" {
		a, b, ok := strings.Cut(f.Cursor, ".")
		dept, err1 := strconv.ParseInt(a, 10, 64)
		person, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil || dept < 0 || person <= 0 {
			return UnfinishedPage{}, invalidCursor()
		}
		where = append(where, "(COALESCE(r.department_id, 0) > ? OR (COALESCE(r.department_id, 0) = ? AND r.person_id > ?))")
		args = append(args, dept, dept, person)
	}
	limit := limitOf(f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT r.campaign_id, r.person_id, p.name, COALESCE(r.department_id, 0), r.respondent_kinds,
		r.items_total, r.items_answered FROM campaign_respondents r JOIN people p ON p.id = r.person_id AND p.org_id = r.org_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY COALESCE(r.department_id, 0), r.person_id LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return UnfinishedPage{}, fmt.Errorf("cannot list unfinished respondents of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var page UnfinishedPage
	for rows.Next() {
		var r RespondentStatus
		var kinds string
		if err := rows.Scan(&r.CampaignID, &r.PersonID, &r.Name, &r.DepartmentID, &kinds, &r.ItemsTotal, &r.ItemsAnswered); err != nil {
			return page, fmt.Errorf("cannot read respondent: %w", err)
		}
		r.Kinds = parseKinds(kinds)
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("cannot list unfinished respondents: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = idText(last.DepartmentID) + "." + idText(last.PersonID)
	}
	if len(page.Items) > 0 {
		depts, err := loadDepartments(ctx, q, sc)
		if err != nil {
			return page, err
		}
		for i := range page.Items {
			page.Items[i].DepartmentName = depts.label(page.Items[i].DepartmentID)
		}
	}
	return page, nil
}

// ItemLine is one item's results.
type ItemLine struct {
	Item        Item     `json:"item"`
	Counts      Counts   `json:"counts"`
	Previous    Counts   `json:"previous"`
	HasPrevious bool     `json:"has_previous"`
	Delta       *float64 `json:"delta,omitempty"`
}

// ClauseLine is one clause's results over the items that check it.
type ClauseLine struct {
	Clause      ClauseLink `json:"clause"`
	Items       int        `json:"items"`
	Counts      Counts     `json:"counts"`
	Previous    Counts     `json:"previous"`
	HasPrevious bool       `json:"has_previous"`
	Delta       *float64   `json:"delta,omitempty"`
}

// Results are a campaign's results per item, department and clause,
// compared with the campaign it names as previous, within a reader's reach.
type Results struct {
	Campaign    Campaign     `json:"campaign"`
	Previous    *Campaign    `json:"previous,omitempty"`
	Total       Counts       `json:"total"`
	PrevTotal   Counts       `json:"previous_total"`
	Delta       *float64     `json:"delta,omitempty"`
	Items       []ItemLine   `json:"items"`
	Departments []DeptLine   `json:"departments"`
	Clauses     []ClauseLine `json:"clauses"`
	// NotDone lists item × department with 未実施 answers, for raising
	// corrective actions: the first MaxNotDone of NotDoneTotal.
	NotDone      []NotDoneCell `json:"not_done"`
	NotDoneTotal int           `json:"not_done_total"`
}

// MaxNotDone bounds the 未実施 cells a results listing holds.
const MaxNotDone = 500

// NotDoneCell is an item with 未実施 answers in a department, and the
// corrective action raised for it, if any.
type NotDoneCell struct {
	ItemID       int64  `json:"item_id,string"`
	ItemCode     string `json:"item_code"`
	Question     string `json:"question"`
	DepartmentID int64  `json:"department_id,string"`
	Department   string `json:"department"`
	Count        int    `json:"count"`
	ActionID     int64  `json:"action_id,string,omitempty"`
	ActionStatus string `json:"action_status,omitempty"`
	ActionOwner  string `json:"action_owner,omitempty"`
	ActionDueOn  string `json:"action_due_on,omitempty"`
}

// countColumns sums a tally query's answers into one column each, so a
// GROUP BY by item or department reads the tallies in key order without
// sorting them.
const countColumns = `SUM(CASE WHEN t.answer = 'done' THEN t.n ELSE 0 END), SUM(CASE WHEN t.answer = 'partial' THEN t.n ELSE 0 END),
	SUM(CASE WHEN t.answer = 'not_done' THEN t.n ELSE 0 END), SUM(CASE WHEN t.answer = 'na' THEN t.n ELSE 0 END)`

// tallies runs a GROUP BY over a campaign's tallies by one column
// (item_id or department_id), within the reach.
func tallies(ctx context.Context, q db.Querier, sc scope.Scope, reach Reach, campaignID int64, by string) (map[int64]*Counts, error) {
	// The whole organisation's readers read the counts already summed.
	table := "campaign_tallies"
	if reach.All {
		table = map[string]string{"item_id": "campaign_item_tallies", "department_id": "campaign_department_tallies"}[by]
	}
	cond, args := reach.condition("t.department_id", sc.OrgID)
	rows, err := q.QueryContext(ctx, `SELECT t.`+by+`, `+countColumns+` FROM `+table+` t
		WHERE t.org_id = ? AND t.campaign_id = ? AND `+cond+` GROUP BY t.`+by,
		append([]any{sc.OrgID, campaignID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot count results of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := map[int64]*Counts{}
	for rows.Next() {
		var key int64
		var c Counts
		if err := rows.Scan(&key, &c.Done, &c.Partial, &c.NotDone, &c.NA); err != nil {
			return nil, fmt.Errorf("cannot read result: %w", err)
		}
		out[key] = &c
	}
	return out, rows.Err()
}

// sum adds counts up.
func sum(m map[int64]*Counts) Counts {
	var total Counts
	for _, c := range m {
		total.plus(*c)
	}
	return total
}

// clauseCounts adds item counts up per clause: a clause's answers are
// those of the items that check it.
func clauseCounts(items []Item, counts map[int64]*Counts) map[ClauseRef]*Counts {
	out := map[ClauseRef]*Counts{}
	for _, it := range items {
		ct := counts[it.ID]
		if ct == nil {
			continue
		}
		for _, cl := range it.Clauses {
			c := out[cl.ClauseRef]
			if c == nil {
				c = &Counts{}
				out[cl.ClauseRef] = c
			}
			c.plus(*ct)
		}
	}
	return out
}

// CampaignResults computes a campaign's results, compared with its
// previous campaign: per item (matched by 番号, else by question), per
// department and per clause. Every count is a GROUP BY over the tallies.
func CampaignResults(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID int64) (Results, error) {
	reach, err := ReachOf(p)
	if err != nil {
		return Results{}, err
	}
	c, err := loadCampaign(ctx, q, sc, campaignID)
	if err != nil {
		return Results{}, err
	}
	res := Results{Campaign: c, Items: []ItemLine{}, Departments: []DeptLine{}, Clauses: []ClauseLine{}, NotDone: []NotDoneCell{}}
	items, err := Items(ctx, q, sc, c.ChecklistID)
	if err != nil {
		return res, err
	}
	counts, err := tallies(ctx, q, sc, reach, campaignID, "item_id")
	if err != nil {
		return res, err
	}
	res.Total = sum(counts)
	// The previous campaign, matched item by item.
	prevItems := map[string]Counts{}
	var prevDept map[int64]*Counts
	var prevClause map[ClauseRef]*Counts
	if c.PreviousID != 0 {
		prev, err := loadCampaign(ctx, q, sc, c.PreviousID)
		if err != nil {
			return res, err
		}
		res.Previous = &prev
		pitems, err := Items(ctx, q, sc, prev.ChecklistID)
		if err != nil {
			return res, err
		}
		keyOf := map[int64]string{}
		for _, it := range pitems {
			keyOf[it.ID] = itemKey(it)
		}
		pcounts, err := tallies(ctx, q, sc, reach, prev.ID, "item_id")
		if err != nil {
			return res, err
		}
		for id, c := range pcounts {
			k := keyOf[id]
			ct := prevItems[k]
			ct.plus(*c)
			prevItems[k] = ct
		}
		res.PrevTotal = sum(pcounts)
		prevClause = clauseCounts(pitems, pcounts)
		if prevDept, err = tallies(ctx, q, sc, reach, prev.ID, "department_id"); err != nil {
			return res, err
		}
		res.Delta = rateDelta(res.Total, res.PrevTotal, true)
	}
	for _, it := range items {
		l := ItemLine{Item: it}
		if ct := counts[it.ID]; ct != nil {
			l.Counts = *ct
		}
		if pc, ok := prevItems[itemKey(it)]; ok {
			l.Previous, l.HasPrevious = pc, true
			l.Delta = rateDelta(l.Counts, l.Previous, true)
		}
		res.Items = append(res.Items, l)
	}
	// Departments: the answers' tallies, and the respondents' progress.
	dcounts, err := tallies(ctx, q, sc, reach, campaignID, "department_id")
	if err != nil {
		return res, err
	}
	prog, err := CampaignProgress(ctx, q, sc, p, campaignID)
	if err != nil {
		return res, err
	}
	per := map[int64]*DeptLine{}
	line := func(id int64) *DeptLine {
		l := per[id]
		if l == nil {
			l = &DeptLine{DepartmentID: id}
			per[id] = l
		}
		return l
	}
	for id, c := range dcounts {
		line(id).Counts = *c
	}
	for _, pl := range prog.Lines {
		if pl.Bureau {
			continue
		}
		l := line(pl.DepartmentID)
		l.Respondents, l.Finished, l.ItemsTotal, l.ItemsAnswered = pl.Respondents, pl.Finished, pl.ItemsTotal, pl.ItemsAnswered
	}
	for id, pc := range prevDept {
		if l, ok := per[id]; ok {
			l.Previous, l.HasPrevious = *pc, true
		}
	}
	depts, err := loadDepartments(ctx, q, sc)
	if err != nil {
		return res, err
	}
	res.Departments = depts.lines(per)
	// Clauses.
	ctall := clauseCounts(items, counts)
	dir, err := loadClauseDirectory(ctx, q, sc)
	if err != nil {
		return res, err
	}
	perClause := map[ClauseRef]*ClauseLine{}
	var order []ClauseRef
	for _, it := range items {
		for _, cl := range it.Clauses {
			l := perClause[cl.ClauseRef]
			if l == nil {
				l = &ClauseLine{Clause: dir.label(cl.ClauseRef)}
				perClause[cl.ClauseRef] = l
				order = append(order, cl.ClauseRef)
			}
			l.Items++
		}
	}
	slices.SortStableFunc(order, func(a, b ClauseRef) int {
		if a.DocumentID != b.DocumentID {
			return int(a.DocumentID - b.DocumentID)
		}
		return compareIdents(a.Ident, b.Ident)
	})
	for _, r := range order {
		l := perClause[r]
		if ct := ctall[r]; ct != nil {
			l.Counts = *ct
		}
		if pc := prevClause[r]; pc != nil {
			l.Previous, l.HasPrevious = *pc, true
			l.Delta = rateDelta(l.Counts, l.Previous, true)
		}
		res.Clauses = append(res.Clauses, *l)
	}
	// 未実施 per item and department, with the actions raised.
	if res.NotDone, err = notDone(ctx, q, sc, reach, campaignID, items, depts); err != nil {
		return res, err
	}
	res.NotDoneTotal = len(res.NotDone)
	if res.NotDoneTotal == MaxNotDone {
		cond, args := reach.condition("t.department_id", sc.OrgID)
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_tallies t WHERE t.org_id = ? AND t.campaign_id = ? AND t.answer = ?
			AND t.n > 0 AND `+cond, append([]any{sc.OrgID, campaignID, string(NotDone)}, args...)...).Scan(&res.NotDoneTotal); err != nil {
			return res, fmt.Errorf("cannot count 未実施 answers of campaign %d: %w", campaignID, err)
		}
	}
	return res, nil
}

// itemKey matches an item with the same item of another checklist
// version: by its 番号, or by its question when it has none.
func itemKey(it Item) string {
	if it.Code != "" {
		return "code:" + foldName(it.Code)
	}
	return "q:" + foldName(it.Question)
}

// compareIdents orders clause identifiers by their numbers: "2-(10)"
// after "2-(9)".
func compareIdents(a, b string) int {
	pa, pb := strings.Split(a, "-"), strings.Split(b, "-")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, okA := identNumber(pa[i])
		nb, okB := identNumber(pb[i])
		if okA && okB && na != nb {
			return na - nb
		}
		if c := strings.Compare(pa[i], pb[i]); c != 0 && !(okA && okB) {
			return c
		}
	}
	return len(pa) - len(pb)
}

// identNumber reads "6", "(3)" or "③" as a number.
func identNumber(s string) (int, bool) {
	s = strings.Trim(s, "()（）")
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	for _, r := range s {
		if r >= '①' && r <= '⑳' {
			return int(r-'①') + 1, true
		}
		break
	}
	return 0, false
}

func notDone(ctx context.Context, q db.Querier, sc scope.Scope, reach Reach, campaignID int64, items []Item, depts departments) ([]NotDoneCell, error) {
	cond, args := reach.condition("t.department_id", sc.OrgID)
	rows, err := q.QueryContext(ctx, `SELECT t.item_id, t.department_id, t.n FROM campaign_tallies t
		WHERE t.org_id = ? AND t.campaign_id = ? AND t.answer = ? AND t.n > 0 AND `+cond+`
		ORDER BY t.item_id, t.department_id LIMIT `+strconv.Itoa(MaxNotDone),
		append([]any{sc.OrgID, campaignID, string(NotDone)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list 未実施 answers of campaign %d: %w", campaignID, err)
	}
	itemOrder := map[int64]int{}
	byID := map[int64]Item{}
	for i, it := range items {
		itemOrder[it.ID] = i
		byID[it.ID] = it
	}
	var out []NotDoneCell
	for rows.Next() {
		var c NotDoneCell
		if err := rows.Scan(&c.ItemID, &c.DepartmentID, &c.Count); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read 未実施 answers: %w", err)
		}
		it := byID[c.ItemID]
		c.ItemCode, c.Question, c.Department = it.Code, it.Question, depts.label(c.DepartmentID)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list 未実施 answers: %w", err)
	}
	arows, err := q.QueryContext(ctx, `SELECT a.item_id, COALESCE(a.department_id, 0), a.id, a.status, COALESCE(p.name, ''), a.due_on
		FROM corrective_actions a LEFT JOIN people p ON p.id = a.owner_id AND p.org_id = a.org_id
		WHERE a.org_id = ? AND a.campaign_id = ?`, sc.OrgID, campaignID)
	if err != nil {
		return nil, fmt.Errorf("cannot list corrective actions of campaign %d: %w", campaignID, err)
	}
	type key struct{ item, dept int64 }
	acts := map[key]NotDoneCell{}
	for arows.Next() {
		var k key
		var a NotDoneCell
		if err := arows.Scan(&k.item, &k.dept, &a.ActionID, &a.ActionStatus, &a.ActionOwner, &a.ActionDueOn); err != nil {
			arows.Close()
			return nil, fmt.Errorf("cannot read corrective action: %w", err)
		}
		acts[k] = a
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list corrective actions: %w", err)
	}
	for i := range out {
		if a, ok := acts[key{out[i].ItemID, out[i].DepartmentID}]; ok {
			out[i].ActionID, out[i].ActionStatus, out[i].ActionOwner, out[i].ActionDueOn = a.ActionID, a.ActionStatus, a.ActionOwner, a.ActionDueOn
		}
	}
	slices.SortFunc(out, func(a, b NotDoneCell) int {
		if a.ItemID != b.ItemID {
			return itemOrder[a.ItemID] - itemOrder[b.ItemID]
		}
		return depts.order[a.DepartmentID] - depts.order[b.DepartmentID]
	})
	return out, nil
}
