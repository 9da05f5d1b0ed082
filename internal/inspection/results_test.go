package inspection_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"mamori/internal/action"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/trail"
)

// twoCampaigns runs last year's campaign (closed: everyone 未実施) and this
// year's (open) over 総務部 and 企画部, and answers this year's: 総務課 all
// 実施している except alice's 1-2 (未実施); 企画課: bob 一部実施 on
// everything, dave nothing.
func twoCampaigns(e *env) (last, now inspection.Campaign) {
	e.t.Helper()
	cl := e.checklist("点検表", items())
	last = e.campaign("令和7年度 自己点検", cl.ID, e.somu.ID, e.kikaku.ID)
	e.answerAll(e.alice, e.pAlice, last.ID, inspection.NotDone)
	e.answerAll(e.manager, e.pManager, last.ID, inspection.NotDone)
	e.answerAll(e.bob, e.pBob, last.ID, inspection.NotDone)
	e.tx(func(tx *db.Tx) (err error) {
		last, err = inspection.Close(ctx, tx, e.sc, e.pDirector, last.ID)
		return err
	})
	now = e.campaign("令和8年度 自己点検", cl.ID, e.somu.ID, e.kikaku.ID)
	if now.PreviousID != last.ID {
		e.t.Fatalf("previous campaign %d, want %d", now.PreviousID, last.ID)
	}
	e.answerAll(e.director, e.pDirector, now.ID, inspection.Done)
	e.answerAll(e.officer, e.pOfficer, now.ID, inspection.Done)
	e.answerAll(e.manager, e.pManager, now.ID, inspection.Done)
	s := e.sheet(e.pAlice, now.ID)
	if err := e.answer(e.alice, e.pAlice, now.ID,
		inspection.AnswerInput{ItemID: itemByCode(e.t, s.Items, "1-1").ID, Answer: "done"},
		inspection.AnswerInput{ItemID: itemByCode(e.t, s.Items, "1-2").ID, Answer: "not_done", Comment: "共有PCのため"}); err != nil {
		e.t.Fatal(err)
	}
	e.answerAll(e.bob, e.pBob, now.ID, inspection.Partial)
	return last, now
}

func TestResults(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "結果財団")
		last, now := twoCampaigns(e)
		res, err := inspection.CampaignResults(ctx, d, e.sc, e.pDirector, now.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Previous == nil || res.Previous.ID != last.ID {
			t.Fatalf("compared with %+v", res.Previous)
		}
		// 総務課: director, officer, manager, alice answer 1-1 and 1-2;
		// officer and manager 2-1. Bob 1-1, 1-2 partial. Dave nothing:
		// 12 answers.
		want := map[string]inspection.Counts{
			"1-1": {Done: 4, Partial: 1},
			"1-2": {Done: 3, Partial: 1, NotDone: 1},
			"2-1": {Done: 2},
			"3-1": {},
		}
		for _, l := range res.Items {
			if l.Counts != want[l.Item.Code] {
				t.Errorf("item %s: %+v, want %+v", l.Item.Code, l.Counts, want[l.Item.Code])
			}
		}
		i12 := res.Items[1]
		// Last year 1-2 was 0% (alice, manager, bob 未実施): now 3 of 5 = 60%.
		if !i12.HasPrevious || i12.Previous.NotDone != 3 || i12.Delta == nil || *i12.Delta != 60 {
			t.Fatalf("1-2 compared: %+v delta %v", i12.Previous, i12.Delta)
		}
		if res.Total.Answered() != 12 || res.PrevTotal.NotDone != 7 {
			t.Fatalf("totals %+v, before %+v", res.Total, res.PrevTotal)
		}
		// Departments in tree order; a 部局 of a single 課室 has no
		// subtotal of its own.
		var names []string
		for _, l := range res.Departments {
			names = append(names, l.Name)
		}
		if strings.Join(names, ",") != "企画部 企画課,総務部 総務課" {
			t.Fatalf("departments %v", names)
		}
		kikakuKa, somuKa := res.Departments[0], res.Departments[1]
		if somuKa.Respondents != 4 || somuKa.Finished != 4 || somuKa.Counts.NotDone != 1 || somuKa.Counts.Done != 9 {
			t.Fatalf("総務課 %+v", somuKa)
		}
		if kikakuKa.Respondents != 2 || kikakuKa.Finished != 1 || kikakuKa.Counts.Partial != 2 || kikakuKa.Counts.Rate() != 0 {
			t.Fatalf("企画課 %+v", kikakuKa)
		}
		// Clauses: 基本方針 6-(3)-① is checked by 1-1 and 1-2.
		var clause inspection.ClauseLine
		for _, l := range res.Clauses {
			if l.Clause.Label == "基本方針 6-(3)-①" {
				clause = l
			}
		}
		if clause.Items != 2 || clause.Counts.Answered() != 10 || clause.Counts.Done != 7 || !clause.HasPrevious {
			t.Fatalf("clause 6-(3)-①: %+v", clause)
		}
		if len(res.NotDone) != 1 || res.NotDone[0].ItemCode != "1-2" || res.NotDone[0].Department != "総務部 総務課" || res.NotDone[0].Count != 1 {
			t.Fatalf("未実施 %+v", res.NotDone)
		}

		// The tallies agree with a GROUP BY over the answers themselves.
		if n := e.count(`SELECT COUNT(*) FROM (SELECT item_id, COALESCE(department_id, 0) AS d, answer, COUNT(*) AS n FROM campaign_answers
			WHERE campaign_id = ? GROUP BY item_id, COALESCE(department_id, 0), answer) a
			LEFT JOIN campaign_tallies t ON t.campaign_id = ? AND t.item_id = a.item_id AND t.department_id = a.d AND t.answer = a.answer
			WHERE t.n IS NULL OR t.n <> a.n`, now.ID, now.ID); n != 0 {
			t.Fatalf("%d tallies disagree with the answers", n)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM (SELECT item_id, answer, COUNT(*) AS n FROM campaign_answers WHERE campaign_id = ? GROUP BY item_id, answer) a
			LEFT JOIN campaign_item_tallies t ON t.campaign_id = ? AND t.item_id = a.item_id AND t.answer = a.answer WHERE t.n IS NULL OR t.n <> a.n`,
			`SELECT COUNT(*) FROM (SELECT COALESCE(department_id, 0) AS d, answer, COUNT(*) AS n FROM campaign_answers WHERE campaign_id = ?
			GROUP BY COALESCE(department_id, 0), answer) a
			LEFT JOIN campaign_department_tallies t ON t.campaign_id = ? AND t.department_id = a.d AND t.answer = a.answer WHERE t.n IS NULL OR t.n <> a.n`,
		} {
			if n := e.count(q, now.ID, now.ID); n != 0 {
				t.Fatalf("%d summed tallies disagree with the answers", n)
			}
		}

		// Every answer, a page at a time, by person and item.
		seen, cursor := 0, ""
		for range 20 {
			page, err := inspection.ListAnswers(ctx, d, e.sc, e.pDirector, now.ID, cursor, 5)
			if err != nil {
				t.Fatal(err)
			}
			seen += len(page.Items)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if seen != 12 {
			t.Fatalf("answer pages held %d answers, want 12", seen)
		}

		// A 課室's manager sees their 課室 only; a respondent sees nothing.
		mres, err := inspection.CampaignResults(ctx, d, e.sc, e.pManager, now.ID)
		if err != nil {
			t.Fatal(err)
		}
		if mres.Total.Answered() != 10 || len(mres.Departments) != 1 || mres.Departments[0].DepartmentID != e.somuKa.ID {
			t.Fatalf("manager's results %+v %+v", mres.Total, mres.Departments)
		}
		if _, err := inspection.CampaignResults(ctx, d, e.sc, e.pAlice, now.ID); !errors.Is(err, inspection.ErrForbidden) {
			t.Fatalf("alice reads results: %v", err)
		}
	})
}

func TestProgressAndUnfinished(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "進捗財団")
		_, now := twoCampaigns(e)
		prog, err := inspection.CampaignProgress(ctx, d, e.sc, e.pDirector, now.ID)
		if err != nil {
			t.Fatal(err)
		}
		if prog.Total.Respondents != 6 || prog.Total.Finished != 5 || prog.Total.ItemsTotal != 15 || prog.Total.ItemsAnswered != 12 {
			t.Fatalf("progress %+v", prog.Total)
		}
		// Only dave (企画課) is unfinished; pages of one, then none.
		page, err := inspection.Unfinished(ctx, d, e.sc, e.pDirector, now.ID, inspection.UnfinishedFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].PersonID != e.dave.ID || page.Items[0].DepartmentName != "企画部 企画課" || page.Items[0].Left() != 3 {
			t.Fatalf("unfinished %+v", page)
		}
		if page.NextCursor != "" {
			next, err := inspection.Unfinished(ctx, d, e.sc, e.pDirector, now.ID, inspection.UnfinishedFilter{Limit: 1, Cursor: page.NextCursor})
			if err != nil || len(next.Items) != 0 {
				t.Fatalf("second page %+v %v", next, err)
			}
		}
		// Filtered to 総務部, nobody is left; the manager of 総務課 sees nobody either.
		page, err = inspection.Unfinished(ctx, d, e.sc, e.pDirector, now.ID, inspection.UnfinishedFilter{DepartmentID: e.somu.ID})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("総務部 unfinished %+v %v", page, err)
		}
		page, err = inspection.Unfinished(ctx, d, e.sc, e.pManager, now.ID, inspection.UnfinishedFilter{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("manager's unfinished %+v %v", page, err)
		}
		if _, err := inspection.Unfinished(ctx, d, e.sc, e.pDirector, now.ID, inspection.UnfinishedFilter{Cursor: "x.y"}); err == nil {
			t.Fatal("bad cursor accepted")
		}
	})
}

func TestRaiseActionAndReview(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "是正財団")
		_, now := twoCampaigns(e)
		res, err := inspection.CampaignResults(ctx, d, e.sc, e.pDirector, now.ID)
		if err != nil {
			t.Fatal(err)
		}
		cell := res.NotDone[0]
		owner, err := inspection.DefaultOwner(ctx, d, e.sc, e.somuKa.ID)
		if err != nil || owner != e.manager.ID {
			t.Fatalf("default owner %d %v, want the manager of 総務課", owner, err)
		}
		if owner, _ := inspection.DefaultOwner(ctx, d, e.sc, e.kikakuKa.ID); owner != 0 {
			t.Fatalf("企画課 has no manager but got %d", owner)
		}
		raise := func(p authz.Principal, in inspection.ActionInput) (action.Action, error) {
			var a action.Action
			err := d.Transact(ctx, func(tx *db.Tx) (err error) {
				a, err = inspection.RaiseAction(ctx, tx, e.sc, p, now.ID, in)
				return err
			})
			return a, err
		}
		in := inspection.ActionInput{ItemID: cell.ItemID, DepartmentID: cell.DepartmentID, DueOn: "令和8年6月30日",
			Title: inspection.DefaultActionTitle(func(k string, a ...any) string { return fmt.Sprint(a...) }, res.Items[1].Item)}
		if _, err := raise(e.pOfficer, in); !errors.Is(err, inspection.ErrForbidden) {
			t.Fatalf("an officer raises: %v", err)
		}
		noDue := in
		noDue.DueOn = ""
		_, err = raise(e.pDirector, noDue)
		wantField(t, err, "due_on", "error.required")
		wrong := in
		wrong.DepartmentID = e.kikakuKa.ID
		_, err = raise(e.pDirector, wrong)
		wantField(t, err, "item_id", "campaign.no_not_done")
		a, err := raise(e.pDirector, in)
		if err != nil {
			t.Fatal(err)
		}
		if a.OwnerID != e.manager.ID || a.DueOn != "2026-06-30" || !strings.Contains(a.Title, "1-2") {
			t.Fatalf("action %+v", a)
		}
		again, err := raise(e.pDirector, in)
		if err != nil || again.ID != a.ID {
			t.Fatalf("raised twice: %d, %d %v", a.ID, again.ID, err)
		}
		res, _ = inspection.CampaignResults(ctx, d, e.sc, e.pDirector, now.ID)
		if res.NotDone[0].ActionID != a.ID {
			t.Fatalf("results do not show the action: %+v", res.NotDone[0])
		}

		// A review request for a clause the item checks.
		var rv policy.Review
		err = d.Transact(ctx, func(tx *db.Tx) (err error) {
			rv, err = inspection.RequestClauseReview(ctx, tx, e.sc, e.pDirector, now.ID, inspection.ReviewInput{ItemID: cell.ItemID,
				DocumentID: e.standard, Clause: "2-(1)", Note: "未実施が続いているため、規定の見直しを検討してください"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if rv.Trigger.Kind != policy.TriggerSelfInspection || rv.Trigger.Ref != inspection.ReviewTriggerRef(now.ID, cell.ItemID) {
			t.Fatalf("review %+v", rv)
		}
		if e.newest().Action != trail.Create {
			t.Fatalf("review request not in the trail: %+v", e.newest())
		}
		reqs, err := inspection.ReviewRequests(ctx, d, e.sc, now.ID)
		if err != nil || len(reqs) != 1 || reqs[0].ItemID != cell.ItemID || reqs[0].Clause != "2-(1)" {
			t.Fatalf("requests %+v %v", reqs, err)
		}
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := inspection.RequestClauseReview(ctx, tx, e.sc, e.pDirector, now.ID, inspection.ReviewInput{ItemID: cell.ItemID,
				DocumentID: e.basic, Clause: "8", Note: "x"})
			return err
		})
		wantField(t, err, "clause", "campaign.clause_not_linked")
	})
}

// A 部局 over two 課室 gets a subtotal line before them; one over a single
// 課室 does not.
func TestBureauSubtotals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "小計財団")
		var jinji org.Department
		e.tx(func(tx *db.Tx) (err error) {
			if jinji, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "人事課", ParentID: e.somu.ID}); err != nil {
				return err
			}
			_, err = org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: "人事 一子", DepartmentID: jinji.ID})
			return err
		})
		cl := e.checklist("点検表", items())
		c := e.campaign("自己点検", cl.ID, e.somu.ID, e.kikaku.ID)
		prog, err := inspection.CampaignProgress(ctx, d, e.sc, e.pDirector, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range prog.Lines {
			s := l.Name
			if l.Bureau {
				s += "*" + idStr(int64(l.Respondents))
			}
			got = append(got, s)
		}
		if strings.Join(got, ",") != "企画部 企画課,総務部*5,総務部 人事課,総務部 総務課" {
			t.Fatalf("lines %v", got)
		}
	})
}
