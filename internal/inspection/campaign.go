package inspection

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// IDs is a list of ids, written in JSON as strings like every id.
type IDs []int64

// MarshalJSON writes the ids as strings.
func (x IDs) MarshalJSON() ([]byte, error) {
	out := make([]string, len(x))
	for i, id := range x {
		out[i] = strconv.FormatInt(id, 10)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads ids given as strings (or numbers).
func (x *IDs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(IDs, 0, len(raw))
	for _, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			s = string(r)
		}
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("not an id: %s", r)
		}
		out = append(out, id)
	}
	*x = out
	return nil
}

// Target is a department or a person a campaign asks to answer.
type Target struct {
	Kind string `json:"kind"` // department, person
	ID   int64  `json:"id,string"`
	Name string `json:"name"`
}

// Campaign is a self-inspection campaign (自己点検).
type Campaign struct {
	ID               int64          `json:"id,string"`
	Title            string         `json:"title"`
	ChecklistID      int64          `json:"checklist_id,string"`
	ChecklistTitle   string         `json:"checklist_title"`
	ChecklistVersion int            `json:"checklist_version"`
	StartsOn         string         `json:"starts_on"`
	EndsOn           string         `json:"ends_on"`
	Status           CampaignStatus `json:"status"`
	PreviousID       int64          `json:"previous_id,string,omitempty"`
	CreatedBy        int64          `json:"created_by,string,omitempty"`
	ClosedAt         int64          `json:"closed_at,omitempty"`
	Targets          []Target       `json:"targets"`
	// Progress over every respondent (zero while planned).
	Respondents   int   `json:"respondents"`
	Finished      int   `json:"finished"`
	ItemsTotal    int   `json:"items_total"`
	ItemsAnswered int   `json:"items_answered"`
	Version       int64 `json:"lock_version"`
	CreatedAt     int64 `json:"created_at"`
	UpdatedAt     int64 `json:"updated_at"`
}

// Overdue reports whether an open campaign is past its end date.
func (c Campaign) Overdue() bool { return c.Status == CampaignOpen && c.EndsOn < today() }

// CampaignInput is a new campaign: a checklist version in use, a period,
// and the departments (with those below them) and people who answer.
type CampaignInput struct {
	Title         string `json:"title"`
	ChecklistID   int64  `json:"checklist_id,string"`
	StartsOn      string `json:"starts_on"`
	EndsOn        string `json:"ends_on"`
	DepartmentIDs IDs    `json:"department_ids"`
	PersonIDs     IDs    `json:"person_ids"`
	// PreviousID is the campaign results are compared with; 0 takes the
	// latest closed campaign, unless NoPrevious asks for no comparison.
	PreviousID int64 `json:"previous_id,string"`
	NoPrevious bool  `json:"no_previous"`
}

// Validate checks the fields that need no storage.
func (in *CampaignInput) Validate() error {
	e := validate.Errors{}
	in.Title = e.Text("title", in.Title, true, maxTitle, false)
	if in.ChecklistID <= 0 {
		e.Add("checklist_id", "error.required")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"starts_on", &in.StartsOn}, {"ends_on", &in.EndsOn}} {
		v := e.Text(f.name, *f.v, true, 40, false)
		if v == "" {
			continue
		}
		d, ok := parseDate(v)
		if !ok {
			e.Add(f.name, "error.invalid_date")
			continue
		}
		*f.v = d
	}
	if _, bad := e["ends_on"]; !bad && in.StartsOn != "" && in.EndsOn != "" && in.EndsOn < in.StartsOn {
		e.Add("ends_on", "campaign.ends_before_start")
	}
	in.DepartmentIDs = uniqueIDs(in.DepartmentIDs)
	in.PersonIDs = uniqueIDs(in.PersonIDs)
	if len(in.DepartmentIDs) == 0 && len(in.PersonIDs) == 0 {
		e.Add("department_ids", "campaign.no_targets")
	}
	if len(in.DepartmentIDs) > 500 || len(in.PersonIDs) > 5000 {
		e.Add("department_ids", "campaign.too_many_targets")
	}
	return e.Err()
}

func uniqueIDs(ids IDs) IDs {
	out := IDs{}
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

const campaignColumns = `c.id, c.title, c.checklist_id, k.title, k.version_no, c.starts_on, c.ends_on, c.status, COALESCE(c.previous_id, 0),
	COALESCE(c.created_by, 0), COALESCE(c.closed_at, 0), c.version, c.created_at, c.updated_at`

const campaignFrom = ` FROM campaigns c JOIN checklists k ON k.id = c.checklist_id AND k.org_id = c.org_id `

// countRespondents fills in the campaigns' progress over every respondent
// with one GROUP BY over their counters (a covering index: no row is read).
func countRespondents(ctx context.Context, q db.Querier, sc scope.Scope, cs []Campaign) error {
	if len(cs) == 0 {
		return nil
	}
	args := []any{sc.OrgID}
	at := map[int64]int{}
	for i, c := range cs {
		args = append(args, c.ID)
		at[c.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT campaign_id, COUNT(*), SUM(CASE WHEN items_answered >= items_total THEN 1 ELSE 0 END),
		SUM(items_total), SUM(items_answered) FROM campaign_respondents WHERE org_id = ? AND campaign_id IN (`+placeholders(len(cs))+`)
		GROUP BY campaign_id`, args...)
	if err != nil {
		return fmt.Errorf("cannot count respondents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n, finished, total, answered int
		if err := rows.Scan(&id, &n, &finished, &total, &answered); err != nil {
			return fmt.Errorf("cannot read respondents: %w", err)
		}
		c := &cs[at[id]]
		c.Respondents, c.Finished, c.ItemsTotal, c.ItemsAnswered = n, finished, total, answered
	}
	return rows.Err()
}

func scanCampaign(s interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var status string
	err := s.Scan(&c.ID, &c.Title, &c.ChecklistID, &c.ChecklistTitle, &c.ChecklistVersion, &c.StartsOn, &c.EndsOn, &status,
		&c.PreviousID, &c.CreatedBy, &c.ClosedAt, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	c.Status = CampaignStatus(status)
	c.Targets = []Target{}
	return c, err
}

func loadCampaign(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignColumns+campaignFrom+`WHERE c.org_id = ? AND c.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("campaign %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("cannot load campaign %d: %w", id, err)
	}
	if c.Targets, err = loadTargets(ctx, q, sc, id); err != nil {
		return c, err
	}
	one := []Campaign{c}
	if err := countRespondents(ctx, q, sc, one); err != nil {
		return c, err
	}
	return one[0], nil
}

func loadTargets(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]Target, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.kind, t.ref_id, COALESCE(d.name, p.name, '')
		FROM campaign_targets t
		LEFT JOIN departments d ON t.kind = 'department' AND d.id = t.ref_id AND d.org_id = t.org_id
		LEFT JOIN people p ON t.kind = 'person' AND p.id = t.ref_id AND p.org_id = t.org_id
		WHERE t.org_id = ? AND t.campaign_id = ? ORDER BY t.kind, t.ref_id`, sc.OrgID, id)
	if err != nil {
		return nil, fmt.Errorf("cannot list targets of campaign %d: %w", id, err)
	}
	defer rows.Close()
	out := []Target{}
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.Kind, &t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("cannot read campaign target: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// seesCampaign reports whether a person may open a campaign at all: its
// managers and readers of results, and its respondents.
func seesCampaign(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (bool, error) {
	if authz.CanSome(p, authz.ManageCampaigns) || authz.CanSome(p, authz.ViewCampaignResults) {
		return true, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_respondents WHERE org_id = ? AND campaign_id = ? AND person_id = ?`,
		sc.OrgID, id, p.PersonID).Scan(&n); err != nil {
		return false, fmt.Errorf("cannot check respondent of campaign %d: %w", id, err)
	}
	return n > 0, nil
}

// GetCampaign returns a campaign to someone who may see it; to anyone else
// it does not exist.
func GetCampaign(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (Campaign, error) {
	ok, err := seesCampaign(ctx, q, sc, p, id)
	if err != nil {
		return Campaign{}, err
	}
	if !ok {
		return Campaign{}, fmt.Errorf("campaign %d: %w", id, db.ErrNotFound)
	}
	return loadCampaign(ctx, q, sc, id)
}

// CampaignFilter narrows a campaign listing.
type CampaignFilter struct {
	Status CampaignStatus
	Cursor string
	Limit  int
}

// CampaignPage is one page of campaigns, newest first.
type CampaignPage struct {
	Items      []Campaign
	NextCursor string
}

// ListCampaigns lists the campaigns a person may see: every campaign for
// its managers and readers of results, the ones they answer for others.
func ListCampaigns(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f CampaignFilter) (CampaignPage, error) {
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return CampaignPage{}, err
	}
	where := []string{"c.org_id = ?"}
	args := []any{sc.OrgID}
	if !authz.CanSome(p, authz.ManageCampaigns) && !authz.CanSome(p, authz.ViewCampaignResults) {
		where = append(where, "EXISTS (SELECT 1 FROM campaign_respondents r WHERE r.org_id = c.org_id AND r.campaign_id = c.id AND r.person_id = ?)")
		args = append(args, p.PersonID)
	}
	if f.Status != "" {
		where = append(where, "c.status = ?")
		args = append(args, string(f.Status))
	}
	if after > 0 {
		where = append(where, "c.id < ?")
		args = append(args, after)
	}
	limit := limitOf(f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT `+campaignColumns+campaignFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY c.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return CampaignPage{}, fmt.Errorf("cannot list campaigns: %w", err)
	}
	defer rows.Close()
	var page CampaignPage
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return page, fmt.Errorf("cannot read campaign: %w", err)
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("cannot list campaigns: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = idText(page.Items[limit-1].ID)
	}
	return page, countRespondents(ctx, q, sc, page.Items)
}

// LatestClosed returns the newest closed campaign (by its period), the
// default for comparison; 0 when there is none.
func LatestClosed(ctx context.Context, q db.Querier, sc scope.Scope) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM campaigns WHERE org_id = ? AND status = ? ORDER BY ends_on DESC, id DESC LIMIT 1`,
		sc.OrgID, string(CampaignClosed)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cannot find the latest campaign: %w", err)
	}
	return id, nil
}

func canManage(p authz.Principal) bool { return authz.CanSome(p, authz.ManageCampaigns) }

// CreateCampaign plans a campaign. Nobody is asked yet: Open fixes the
// respondents.
func CreateCampaign(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in CampaignInput) (Campaign, error) {
	if !canManage(p) {
		return Campaign{}, fmt.Errorf("cannot create campaign: %w", ErrForbidden)
	}
	if err := in.Validate(); err != nil {
		return Campaign{}, err
	}
	e := validate.Errors{}
	cl, err := loadChecklist(ctx, tx, sc, in.ChecklistID)
	switch {
	case errors.Is(err, db.ErrNotFound):
		e.Add("checklist_id", "error.invalid_choice")
	case err != nil:
		return Campaign{}, err
	case cl.Status != ChecklistActive:
		e.Add("checklist_id", "campaign.checklist_not_active")
	}
	for _, id := range in.DepartmentIDs {
		if _, err := org.GetDepartment(ctx, tx, sc, id); errors.Is(err, db.ErrNotFound) {
			e.Add("department_ids", "error.invalid_choice")
		} else if err != nil {
			return Campaign{}, err
		}
	}
	for _, id := range in.PersonIDs {
		person, err := org.GetPerson(ctx, tx, sc, id)
		if errors.Is(err, db.ErrNotFound) {
			e.Add("person_ids", "error.invalid_choice")
			continue
		}
		if err != nil {
			return Campaign{}, err
		}
		if !person.Active {
			e.Add("person_ids", "campaign.person_inactive", person.Name)
		}
	}
	if in.PreviousID != 0 {
		prev, err := loadCampaign(ctx, tx, sc, in.PreviousID)
		if errors.Is(err, db.ErrNotFound) {
			e.Add("previous_id", "error.invalid_choice")
		} else if err != nil {
			return Campaign{}, err
		} else if prev.Status == CampaignPlanned {
			e.Add("previous_id", "campaign.previous_planned")
		}
	} else if !in.NoPrevious {
		if in.PreviousID, err = LatestClosed(ctx, tx, sc); err != nil {
			return Campaign{}, err
		}
	}
	if err := e.Err(); err != nil {
		return Campaign{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (org_id, title, checklist_id, starts_on, ends_on, status, previous_id, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`, sc.OrgID, in.Title, in.ChecklistID, in.StartsOn, in.EndsOn,
		string(CampaignPlanned), nullID(in.PreviousID), nullID(sc.ActorID), now, now).Scan(&id); err != nil {
		return Campaign{}, fmt.Errorf("cannot create campaign: %w", err)
	}
	for _, t := range []struct {
		kind string
		ids  IDs
	}{{"department", in.DepartmentIDs}, {"person", in.PersonIDs}} {
		for _, ref := range t.ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_targets (org_id, campaign_id, kind, ref_id) VALUES (?, ?, ?, ?)`,
				sc.OrgID, id, t.kind, ref); err != nil {
				return Campaign{}, fmt.Errorf("cannot add target of campaign %d: %w", id, err)
			}
		}
	}
	c, err := loadCampaign(ctx, tx, sc, id)
	if err != nil {
		return c, err
	}
	return c, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityCampaign, EntityID: idText(id), After: c})
}

// respondentPlan is one person a campaign would ask.
type respondentPlan struct {
	personID, departmentID int64
	kinds                  []Respondent
	total                  int
}

// planRespondents works out who answers: the active people of the target
// departments and those below them, and the people named; each answers the
// items for everyone, the items for managers when they are 情報セキュリティ
// 責任者 or 管理者 of a department the campaign covers or of their own
// department (or its 部局), and the items for system administrators when
// they are 情報システム管理者. People with no item to answer are left out.
func planRespondents(ctx context.Context, q db.Querier, sc scope.Scope, c Campaign) ([]respondentPlan, error) {
	var depts, people []int64
	for _, t := range c.Targets {
		if t.Kind == "department" {
			depts = append(depts, t.ID)
		} else {
			people = append(people, t.ID)
		}
	}
	covered := map[int64]bool{}
	if len(depts) > 0 {
		cond, args := org.SubtreeCondition("id", sc.OrgID, depts)
		rows, err := q.QueryContext(ctx, `SELECT id FROM departments WHERE org_id = ? AND `+cond, append([]any{sc.OrgID}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("cannot list departments of campaign %d: %w", c.ID, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read department: %w", err)
			}
			covered[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("cannot list departments of campaign %d: %w", c.ID, err)
		}
	}
	parent := map[int64]int64{}
	all, err := org.ListDepartments(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	for _, d := range all {
		parent[d.ID] = d.ParentID
	}
	// Roles that make a person answer more items.
	managerOf := map[int64][]int64{}
	sysAdmin := map[int64]bool{}
	rows, err := q.QueryContext(ctx, `SELECT person_id, role, scope_id FROM role_assignments WHERE org_id = ? AND role IN (?, ?, ?)`,
		sc.OrgID, string(authz.SecurityOfficer), string(authz.SecurityManager), string(authz.SystemAdmin))
	if err != nil {
		return nil, fmt.Errorf("cannot list roles: %w", err)
	}
	for rows.Next() {
		var pid, scopeID int64
		var role string
		if err := rows.Scan(&pid, &role, &scopeID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read role: %w", err)
		}
		if authz.Role(role) == authz.SystemAdmin {
			sysAdmin[pid] = true
		} else {
			managerOf[pid] = append(managerOf[pid], scopeID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list roles: %w", err)
	}
	perKind := map[Respondent]int{}
	krows, err := q.QueryContext(ctx, `SELECT respondent, COUNT(*) FROM checklist_items WHERE org_id = ? AND checklist_id = ? GROUP BY respondent`,
		sc.OrgID, c.ChecklistID)
	if err != nil {
		return nil, fmt.Errorf("cannot count items of checklist %d: %w", c.ChecklistID, err)
	}
	for krows.Next() {
		var r string
		var n int
		if err := krows.Scan(&r, &n); err != nil {
			krows.Close()
			return nil, fmt.Errorf("cannot count items: %w", err)
		}
		perKind[Respondent(r)] = n
	}
	krows.Close()
	if err := krows.Err(); err != nil {
		return nil, fmt.Errorf("cannot count items of checklist %d: %w", c.ChecklistID, err)
	}

	var conds []string
	args := []any{sc.OrgID}
	if len(covered) > 0 {
		ids := make([]any, 0, len(covered))
		for id := range covered {
			ids = append(ids, id)
		}
		conds = append(conds, "department_id IN ("+placeholders(len(ids))+")")
		args = append(args, ids...)
	}
	if len(people) > 0 {
		conds = append(conds, "id IN ("+placeholders(len(people))+")")
		for _, id := range people {
			args = append(args, id)
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	prow, err := q.QueryContext(ctx, `SELECT id, COALESCE(department_id, 0) FROM people WHERE org_id = ? AND active = TRUE AND (`+
		strings.Join(conds, " OR ")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list people of campaign %d: %w", c.ID, err)
	}
	defer prow.Close()
	var out []respondentPlan
	for prow.Next() {
		var rp respondentPlan
		if err := prow.Scan(&rp.personID, &rp.departmentID); err != nil {
			return nil, fmt.Errorf("cannot read person: %w", err)
		}
		rp.kinds = []Respondent{RespondAll}
		path := map[int64]bool{}
		for d, n := rp.departmentID, 0; d != 0 && n < 20; d, n = parent[d], n+1 {
			path[d] = true
		}
		for _, d := range managerOf[rp.personID] {
			if covered[d] || path[d] {
				rp.kinds = append(rp.kinds, RespondManager)
				break
			}
		}
		if sysAdmin[rp.personID] {
			rp.kinds = append(rp.kinds, RespondSystemAdmin)
		}
		for _, k := range rp.kinds {
			rp.total += perKind[k]
		}
		if rp.total > 0 {
			out = append(out, rp)
		}
	}
	return out, prow.Err()
}

// PlannedRespondents counts the people a planned campaign would ask if it
// opened now.
func PlannedRespondents(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) (int, error) {
	c, err := GetCampaign(ctx, q, sc, p, id)
	if err != nil {
		return 0, err
	}
	plan, err := planRespondents(ctx, q, sc, c)
	return len(plan), err
}

func kindsText(kinds []Respondent) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

func parseKinds(s string) []Respondent {
	var out []Respondent
	for _, f := range strings.Fields(s) {
		out = append(out, Respondent(f))
	}
	return out
}

// campaignChange is what the trail keeps of a change of a campaign's status.
type campaignChange struct {
	Status      CampaignStatus `json:"status"`
	Respondents int            `json:"respondents"`
	Finished    int            `json:"finished"`
}

// Open starts a planned campaign: the respondents are fixed now, each with
// the department they answer for and the number of items they are asked.
func Open(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64) (Campaign, error) {
	if !canManage(p) {
		return Campaign{}, fmt.Errorf("cannot open campaign %d: %w", id, ErrForbidden)
	}
	c, err := loadCampaign(ctx, tx, sc, id)
	if err != nil {
		return c, err
	}
	if c.Status != CampaignPlanned {
		return c, &Refusal{Key: "campaign.refused.not_planned", Step: "open", CampaignID: id}
	}
	plan, err := planRespondents(ctx, tx, sc, c)
	if err != nil {
		return c, err
	}
	if len(plan) == 0 {
		return c, validate.Errors{"department_ids": {Key: "campaign.no_respondents"}}
	}
	// Many rows per statement: a campaign may ask thousands of people.
	const batch = 100
	for i := 0; i < len(plan); i += batch {
		part := plan[i:min(i+batch, len(plan))]
		vals := make([]string, len(part))
		args := make([]any, 0, len(part)*6)
		for j, rp := range part {
			vals[j] = "(?, ?, ?, ?, ?, ?, 0)"
			args = append(args, sc.OrgID, id, rp.personID, nullID(rp.departmentID), kindsText(rp.kinds), rp.total)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_respondents (org_id, campaign_id, person_id, department_id, respondent_kinds, items_total, items_answered)
			VALUES `+strings.Join(vals, ", "), args...); err != nil {
			return c, fmt.Errorf("cannot add respondents of campaign %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND status = ?`,
		string(CampaignOpen), db.Now(), sc.OrgID, id, string(CampaignPlanned)); err != nil {
		return c, fmt.Errorf("cannot open campaign %d: %w", id, err)
	}
	after, err := loadCampaign(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityCampaign, EntityID: idText(id),
		Before: campaignChange{Status: c.Status}, After: campaignChange{Status: after.Status, Respondents: after.Respondents}})
}

// Close ends an open campaign: its answers are locked from now on, and
// its tallies are counted afresh from the answers.
func Close(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64) (Campaign, error) {
	if !canManage(p) {
		return Campaign{}, fmt.Errorf("cannot close campaign %d: %w", id, ErrForbidden)
	}
	c, err := loadCampaign(ctx, tx, sc, id)
	if err != nil {
		return c, err
	}
	if c.Status != CampaignOpen {
		return c, &Refusal{Key: "campaign.refused.not_open", Step: "close", CampaignID: id}
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, closed_at = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND status = ?`,
		string(CampaignClosed), now, now, sc.OrgID, id, string(CampaignOpen)); err != nil {
		return c, fmt.Errorf("cannot close campaign %d: %w", id, err)
	}
	if err := Retally(ctx, tx, sc, id); err != nil {
		return c, err
	}
	after, err := loadCampaign(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityCampaign, EntityID: idText(id),
		Before: campaignChange{Status: c.Status, Respondents: c.Respondents, Finished: c.Finished},
		After:  campaignChange{Status: after.Status, Respondents: after.Respondents, Finished: after.Finished}})
}

// Retally counts a campaign's tallies and its respondents' answered items
// afresh from the answers, with GROUP BY queries. Close calls it; a
// program that writes answers in bulk (a data load) calls it after.
func Retally(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64) error {
	for _, t := range []string{"campaign_tallies", "campaign_item_tallies", "campaign_department_tallies"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE org_id = ? AND campaign_id = ?`, sc.OrgID, id); err != nil {
			return fmt.Errorf("cannot clear tallies of campaign %d: %w", id, err)
		}
	}
	for _, q := range []string{
		`INSERT INTO campaign_tallies (org_id, campaign_id, item_id, department_id, answer, n)
		SELECT org_id, campaign_id, item_id, COALESCE(department_id, 0), answer, COUNT(*) FROM campaign_answers
		WHERE org_id = ? AND campaign_id = ? GROUP BY org_id, campaign_id, item_id, COALESCE(department_id, 0), answer`,
		`INSERT INTO campaign_item_tallies (org_id, campaign_id, item_id, answer, n)
		SELECT org_id, campaign_id, item_id, answer, SUM(n) FROM campaign_tallies
		WHERE org_id = ? AND campaign_id = ? GROUP BY org_id, campaign_id, item_id, answer`,
		`INSERT INTO campaign_department_tallies (org_id, campaign_id, department_id, answer, n)
		SELECT org_id, campaign_id, department_id, answer, SUM(n) FROM campaign_tallies
		WHERE org_id = ? AND campaign_id = ? GROUP BY org_id, campaign_id, department_id, answer`,
	} {
		if _, err := tx.ExecContext(ctx, q, sc.OrgID, id); err != nil {
			return fmt.Errorf("cannot count tallies of campaign %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaign_respondents SET items_answered = (SELECT COUNT(*) FROM campaign_answers a
		WHERE a.org_id = campaign_respondents.org_id AND a.campaign_id = campaign_respondents.campaign_id AND a.person_id = campaign_respondents.person_id)
		WHERE org_id = ? AND campaign_id = ?`, sc.OrgID, id); err != nil {
		return fmt.Errorf("cannot count answers of campaign %d: %w", id, err)
	}
	return nil
}
