package inspection

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
)

// TrendCampaign is a campaign as a column of the dashboard.
type TrendCampaign struct {
	ID       int64          `json:"id,string"`
	Title    string         `json:"title"`
	StartsOn string         `json:"starts_on"`
	EndsOn   string         `json:"ends_on"`
	Status   CampaignStatus `json:"status"`
}

// TrendRow is a department or a clause across campaigns: one cell per
// campaign, nil where it had no answers.
type TrendRow struct {
	Label string    `json:"label"`
	Cells []*Counts `json:"cells"`
}

// Trend is compliance campaign after campaign: overall, per 部局 and per
// clause, oldest campaign first.
type Trend struct {
	Campaigns   []TrendCampaign `json:"campaigns"`
	Overall     []Counts        `json:"overall"`
	Departments []TrendRow      `json:"departments"`
	Clauses     []TrendRow      `json:"clauses"`
}

// MaxTrend is how many campaigns the dashboard shows at most.
const MaxTrend = 8

// CampaignTrend computes the dashboard over the latest campaigns that
// have opened (at most MaxTrend), within the reader's reach: GROUP BY
// queries over the campaigns' tallies, by department and by item, the
// items then added up per clause.
func CampaignTrend(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, n int) (Trend, error) {
	reach, err := ReachOf(p)
	if err != nil {
		return Trend{}, err
	}
	if n <= 0 || n > MaxTrend {
		n = MaxTrend
	}
	tr := Trend{Campaigns: []TrendCampaign{}, Overall: []Counts{}, Departments: []TrendRow{}, Clauses: []TrendRow{}}
	rows, err := q.QueryContext(ctx, `SELECT id, title, starts_on, ends_on, status, checklist_id FROM campaigns
		WHERE org_id = ? AND status <> ? ORDER BY starts_on DESC, id DESC LIMIT ?`, sc.OrgID, string(CampaignPlanned), n)
	if err != nil {
		return tr, fmt.Errorf("cannot list campaigns: %w", err)
	}
	checklistOf := map[int64]int64{}
	for rows.Next() {
		var c TrendCampaign
		var st string
		var cl int64
		if err := rows.Scan(&c.ID, &c.Title, &c.StartsOn, &c.EndsOn, &st, &cl); err != nil {
			rows.Close()
			return tr, fmt.Errorf("cannot read campaign: %w", err)
		}
		c.Status = CampaignStatus(st)
		tr.Campaigns = append(tr.Campaigns, c)
		checklistOf[c.ID] = cl
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tr, fmt.Errorf("cannot list campaigns: %w", err)
	}
	if len(tr.Campaigns) == 0 {
		return tr, nil
	}
	slices.Reverse(tr.Campaigns)
	col := map[int64]int{}
	ids := make([]any, len(tr.Campaigns))
	for i, c := range tr.Campaigns {
		col[c.ID] = i
		ids[i] = c.ID
	}
	tr.Overall = make([]Counts, len(tr.Campaigns))
	cond, cargs := reach.condition("t.department_id", sc.OrgID)
	in := "t.campaign_id IN (" + placeholders(len(ids)) + ")"
	args := append(append([]any{sc.OrgID}, ids...), cargs...)

	// Per department, rolled up to its 部局.
	depts, err := loadDepartments(ctx, q, sc)
	if err != nil {
		return tr, err
	}
	deptTable, itemTable := "campaign_tallies", "campaign_tallies"
	if reach.All {
		deptTable, itemTable = "campaign_department_tallies", "campaign_item_tallies"
	}
	drows, err := q.QueryContext(ctx, `SELECT t.campaign_id, t.department_id, `+countColumns+` FROM `+deptTable+` t
		WHERE t.org_id = ? AND `+in+` AND `+cond+` GROUP BY t.campaign_id, t.department_id`, args...)
	if err != nil {
		return tr, fmt.Errorf("cannot count results by department: %w", err)
	}
	byBureau := map[int64][]*Counts{}
	for drows.Next() {
		var cid, dept int64
		var cnt Counts
		if err := drows.Scan(&cid, &dept, &cnt.Done, &cnt.Partial, &cnt.NotDone, &cnt.NA); err != nil {
			drows.Close()
			return tr, fmt.Errorf("cannot read result: %w", err)
		}
		tr.Overall[col[cid]].plus(cnt)
		b := depts.bureau(dept)
		cells := byBureau[b]
		if cells == nil {
			cells = make([]*Counts, len(tr.Campaigns))
			byBureau[b] = cells
		}
		if cells[col[cid]] == nil {
			cells[col[cid]] = &Counts{}
		}
		cells[col[cid]].plus(cnt)
	}
	drows.Close()
	if err := drows.Err(); err != nil {
		return tr, fmt.Errorf("cannot count results by department: %w", err)
	}
	bureaus := make([]int64, 0, len(byBureau))
	for b := range byBureau {
		bureaus = append(bureaus, b)
	}
	slices.SortFunc(bureaus, func(a, b int64) int {
		oa, okA := depts.order[a]
		ob, okB := depts.order[b]
		if !okA || !okB {
			return int(a - b)
		}
		return oa - ob
	})
	for _, b := range bureaus {
		label := depts.label(b)
		if label == "" {
			label = "—"
		}
		tr.Departments = append(tr.Departments, TrendRow{Label: label, Cells: byBureau[b]})
	}

	// Per clause: tallies per item, added up over the items that check
	// each clause.
	irows, err := q.QueryContext(ctx, `SELECT t.campaign_id, t.item_id, `+countColumns+` FROM `+itemTable+` t
		WHERE t.org_id = ? AND `+in+` AND `+cond+` GROUP BY t.campaign_id, t.item_id`, args...)
	if err != nil {
		return tr, fmt.Errorf("cannot count results by item: %w", err)
	}
	type ik struct{ campaign, item int64 }
	perItem := map[ik]*Counts{}
	for irows.Next() {
		var k ik
		var cnt Counts
		if err := irows.Scan(&k.campaign, &k.item, &cnt.Done, &cnt.Partial, &cnt.NotDone, &cnt.NA); err != nil {
			irows.Close()
			return tr, fmt.Errorf("cannot read result: %w", err)
		}
		perItem[k] = &cnt
	}
	irows.Close()
	if err := irows.Err(); err != nil {
		return tr, fmt.Errorf("cannot count results by item: %w", err)
	}
	lists := make([]any, 0, len(checklistOf))
	seen := map[int64]bool{}
	for _, cl := range checklistOf {
		if !seen[cl] {
			seen[cl] = true
			lists = append(lists, cl)
		}
	}
	lrows, err := q.QueryContext(ctx, `SELECT l.item_id, l.document_id, l.clause_ident FROM checklist_item_clauses l
		JOIN checklist_items i ON i.id = l.item_id AND i.org_id = l.org_id
		WHERE l.org_id = ? AND i.checklist_id IN (`+placeholders(len(lists))+`)`, append([]any{sc.OrgID}, lists...)...)
	if err != nil {
		return tr, fmt.Errorf("cannot list clauses: %w", err)
	}
	links := map[int64][]ClauseRef{}
	for lrows.Next() {
		var item int64
		var r ClauseRef
		if err := lrows.Scan(&item, &r.DocumentID, &r.Ident); err != nil {
			lrows.Close()
			return tr, fmt.Errorf("cannot read clause link: %w", err)
		}
		links[item] = append(links[item], r)
	}
	lrows.Close()
	if err := lrows.Err(); err != nil {
		return tr, fmt.Errorf("cannot list clauses: %w", err)
	}
	byClause := map[ClauseRef][]*Counts{}
	for k, c := range perItem {
		for _, r := range links[k.item] {
			cells := byClause[r]
			if cells == nil {
				cells = make([]*Counts, len(tr.Campaigns))
				byClause[r] = cells
			}
			if cells[col[k.campaign]] == nil {
				cells[col[k.campaign]] = &Counts{}
			}
			cells[col[k.campaign]].plus(*c)
		}
	}
	refs := make([]ClauseRef, 0, len(byClause))
	for r := range byClause {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b ClauseRef) int {
		if a.DocumentID != b.DocumentID {
			return int(a.DocumentID - b.DocumentID)
		}
		return compareIdents(a.Ident, b.Ident)
	})
	dir, err := loadClauseDirectory(ctx, q, sc)
	if err != nil {
		return tr, err
	}
	for _, r := range refs {
		tr.Clauses = append(tr.Clauses, TrendRow{Label: dir.label(r).Label, Cells: byClause[r]})
	}
	return tr, nil
}

// RateText writes a rate for people: "87.5%", or "—" when there is none.
func RateText(c *Counts) string {
	if c == nil || c.Rate() < 0 {
		return "—"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", c.Rate()), ".0") + "%"
}
