package web_test

import (
	"fmt"
	"sync"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
)

// inspDirector is a principal that may do anything to self-inspection, for
// setting up checklists and campaigns without going through the pages.
func (e *adminEnv) inspDirector() authz.Principal {
	return authz.Principal{PersonID: e.admin.personID, Assignments: []authz.Assignment{{Role: authz.SecurityDirector, ScopeKind: authz.ScopeOrg}}}
}

// inspItems is a small checklist: two items for everyone, one for managers.
func inspItems() []inspection.ItemInput {
	return []inspection.ItemInput{
		{Code: "1-1", Category: "人的セキュリティ", Question: "離席時に画面をロックしているか", Respondent: "all", Priority: true},
		{Code: "1-2", Category: "人的セキュリティ", Question: "パスワードを他人に教えていないか", Respondent: "all"},
		{Code: "2-1", Category: "組織体制", Question: "課内の情報資産台帳を更新しているか", Respondent: "manager"},
	}
}

// inspChecklist creates a checklist, active unless draft is set.
func (e *adminEnv) inspChecklist(title string, draft bool) inspection.Checklist {
	e.t.Helper()
	var c inspection.Checklist
	e.tx(func(tx *db.Tx) (err error) {
		sc := e.sc
		sc.ActorID = e.admin.personID
		if c, err = inspection.CreateChecklist(e.ctx, tx, sc, e.inspDirector(), inspection.ChecklistInput{Title: title, Items: inspItems()}); err != nil || draft {
			return err
		}
		c, err = inspection.Activate(e.ctx, tx, sc, e.inspDirector(), c.ID)
		return err
	})
	return c
}

// inspCampaign plans a campaign of a checklist over departments and people,
// and opens it unless planned is set.
func (e *adminEnv) inspCampaign(title string, checklistID int64, planned bool, depts, people []int64) inspection.Campaign {
	e.t.Helper()
	var c inspection.Campaign
	e.tx(func(tx *db.Tx) (err error) {
		sc := e.sc
		sc.ActorID = e.admin.personID
		c, err = inspection.CreateCampaign(e.ctx, tx, sc, e.inspDirector(), inspection.CampaignInput{Title: title, ChecklistID: checklistID,
			StartsOn: "2026-04-01", EndsOn: "2026-04-30", DepartmentIDs: depts, PersonIDs: people})
		if err != nil || planned {
			return err
		}
		c, err = inspection.Open(e.ctx, tx, sc, e.inspDirector(), c.ID)
		return err
	})
	return c
}

// inspActivePeople lists the organisation's active people.
func (e *adminEnv) inspActivePeople() []int64 {
	e.t.Helper()
	rows, err := e.d.QueryContext(e.ctx, `SELECT id FROM people WHERE org_id = ? AND active = TRUE ORDER BY id`, e.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// inspFixture is what the route rows of the self-inspection pages work on:
// made once per environment, when the first row asks for it (by then every
// role holder exists, and all of them are asked to answer the campaign).
type inspFixture struct {
	active, draft inspection.Checklist
	draftItem     int64
	campaign      inspection.Campaign
}

var inspFixtures sync.Map // *adminEnv → *inspFixture

func (e *adminEnv) inspFix(f *routeFixture) *inspFixture {
	if x, ok := inspFixtures.Load(e); ok {
		return x.(*inspFixture)
	}
	x := &inspFixture{active: e.inspChecklist("使用中の点検表", false), draft: e.inspChecklist("下書きの点検表", true)}
	items, err := inspection.Items(e.ctx, e.d, e.sc, x.draft.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	x.draftItem = items[0].ID
	x.campaign = e.inspCampaign("全員の自己点検", x.active.ID, false, []int64{f.bureau}, e.inspActivePeople())
	inspFixtures.Store(e, x)
	e.t.Cleanup(func() { inspFixtures.Delete(e) })
	return x
}

// onInspCampaign is a path under the fixture's open campaign.
func onInspCampaign(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		return fmt.Sprintf("/campaigns/%d%s", e.inspFix(f).campaign.ID, suffix)
	}
}

// onInspChecklist is a path under the fixture's active (or draft) checklist.
func onInspChecklist(draft bool, suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		x := e.inspFix(f)
		id := x.active.ID
		if draft {
			id = x.draft.ID
		}
		return fmt.Sprintf("/checklists/%d%s", id, suffix)
	}
}
