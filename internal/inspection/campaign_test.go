package inspection_test

import (
	"errors"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/evidence"
	"mamori/internal/inspection"
	"mamori/internal/trail"
)

func TestCampaignValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "計画財団")
		active := e.checklist("点検表", items())
		var draft inspection.Checklist
		e.tx(func(tx *db.Tx) (err error) {
			draft, err = inspection.CreateChecklist(ctx, tx, e.sc, e.pDirector, inspection.ChecklistInput{Title: "下書き", Items: items()})
			return err
		})
		ok := inspection.CampaignInput{Title: "令和8年度 自己点検", ChecklistID: active.ID, StartsOn: "令和8年4月1日", EndsOn: "R8.4.30",
			DepartmentIDs: inspection.IDs{e.somu.ID}}
		cases := []struct {
			name  string
			edit  func(in *inspection.CampaignInput)
			field string
			key   string
		}{
			{"no title", func(in *inspection.CampaignInput) { in.Title = " " }, "title", "error.required"},
			{"no checklist", func(in *inspection.CampaignInput) { in.ChecklistID = 0 }, "checklist_id", "error.required"},
			{"draft checklist", func(in *inspection.CampaignInput) { in.ChecklistID = draft.ID }, "checklist_id", "campaign.checklist_not_active"},
			{"unknown checklist", func(in *inspection.CampaignInput) { in.ChecklistID = 999999 }, "checklist_id", "error.invalid_choice"},
			{"bad date", func(in *inspection.CampaignInput) { in.StartsOn = "来月" }, "starts_on", "error.invalid_date"},
			{"ends first", func(in *inspection.CampaignInput) { in.EndsOn = "2026-03-01" }, "ends_on", "campaign.ends_before_start"},
			{"nobody", func(in *inspection.CampaignInput) { in.DepartmentIDs = nil }, "department_ids", "campaign.no_targets"},
			{"unknown department", func(in *inspection.CampaignInput) { in.DepartmentIDs = inspection.IDs{999999} }, "department_ids", "error.invalid_choice"},
			{"inactive person", func(in *inspection.CampaignInput) { in.PersonIDs = inspection.IDs{e.gone.ID} }, "person_ids", "campaign.person_inactive"},
		}
		for _, c := range cases {
			in := ok
			c.edit(&in)
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := inspection.CreateCampaign(ctx, tx, e.sc, e.pDirector, in)
				return err
			})
			wantField(t, err, c.field, c.key)
		}
		var c inspection.Campaign
		e.tx(func(tx *db.Tx) (err error) {
			c, err = inspection.CreateCampaign(ctx, tx, e.sc, e.pDirector, ok)
			return err
		})
		if c.StartsOn != "2026-04-01" || c.EndsOn != "2026-04-30" || c.Status != inspection.CampaignPlanned || len(c.Targets) != 1 ||
			c.Targets[0].Name != "総務部" || c.Respondents != 0 {
			t.Fatalf("planned %+v", c)
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := inspection.CreateCampaign(ctx, tx, e.sc, e.pOfficer, ok)
			return err
		}); !errors.Is(err, inspection.ErrForbidden) {
			t.Fatalf("an officer plans a campaign: %v", err)
		}
	})
}

// Opening fixes who answers what: the active people of the departments
// below the targets, managers' items for the 責任者 and 管理者, system
// administrators' items for the 情報システム管理者.
func TestOpenFixesRespondents(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "開始財団")
		cl := e.checklist("点検表", items())
		var c inspection.Campaign
		e.tx(func(tx *db.Tx) (err error) {
			c, err = inspection.CreateCampaign(ctx, tx, e.sc, e.pDirector, inspection.CampaignInput{Title: "自己点検", ChecklistID: cl.ID,
				StartsOn: "2026-04-01", EndsOn: "2026-04-30", DepartmentIDs: inspection.IDs{e.somu.ID, e.kikaku.ID}, PersonIDs: inspection.IDs{e.carol.ID}})
			return err
		})
		n, err := inspection.PlannedRespondents(ctx, d, e.sc, e.pDirector, c.ID)
		if err != nil || n != 7 {
			t.Fatalf("planned respondents %d %v", n, err)
		}
		// Before it opens, nobody has anything to answer.
		if _, err := inspection.MySheet(ctx, d, e.sc, e.pAlice, c.ID); err == nil {
			t.Fatal("a planned campaign gave alice a sheet")
		}
		e.tx(func(tx *db.Tx) (err error) { c, err = inspection.Open(ctx, tx, e.sc, e.pDirector, c.ID); return err })
		// director, officer, manager, alice (not gone) of 総務課; bob, dave of 企画課; carol named.
		if c.Status != inspection.CampaignOpen || c.Respondents != 7 || c.ItemsTotal != 7*2+2+1 {
			t.Fatalf("opened %+v", c)
		}
		for _, w := range []struct {
			name  string
			p     authz.Principal
			codes string
		}{
			{"alice", e.pAlice, "1-1 1-2 "},
			{"officer", e.pOfficer, "1-1 1-2 2-1 "},
			{"manager", e.pManager, "1-1 1-2 2-1 "},
			{"dave", e.pDave, "1-1 1-2 3-1 "},
			{"carol", e.pCarol, "1-1 1-2 "},
		} {
			s := e.sheet(w.p, c.ID)
			if got := codes(s.Items); got != w.codes || s.Respondent.ItemsTotal != len(s.Items) {
				t.Errorf("%s answers %q (total %d), want %q", w.name, got, s.Respondent.ItemsTotal, w.codes)
			}
		}
		if _, err := inspection.MySheet(ctx, d, e.sc, e.pAuditor, c.ID); err == nil {
			t.Error("the auditor of 福祉部 was asked")
		} else {
			wantRefusal(t, err, "campaign.refused.not_respondent", true)
		}
		// Opening twice is refused.
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := inspection.Open(ctx, tx, e.sc, e.pDirector, c.ID)
			return err
		})
		wantRefusal(t, err, "campaign.refused.not_planned", false)
	})
}

func TestAnswers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "回答財団")
		cl := e.checklist("点検表", items())
		c := e.campaign("自己点検", cl.ID, e.somu.ID)
		s := e.sheet(e.pManager, c.ID)
		i11, i12, i21 := itemByCode(t, s.Items, "1-1"), itemByCode(t, s.Items, "1-2"), itemByCode(t, s.Items, "2-1")

		// One submission, one trail entry; the counters follow.
		before := e.head()
		if err := e.answer(e.manager, e.pManager, c.ID,
			inspection.AnswerInput{ItemID: i11.ID, Answer: "done", Comment: "毎日確認"},
			inspection.AnswerInput{ItemID: i12.ID, Answer: "not_done"},
			inspection.AnswerInput{ItemID: i21.ID, Answer: ""}); err != nil {
			t.Fatal(err)
		}
		if e.head() != before+1 || e.newest().Entity != inspection.EntityAnswers || e.newest().Action != trail.Update {
			t.Fatalf("submission in the trail: %d entries, newest %+v", e.head()-before, e.newest())
		}
		s = e.sheet(e.pManager, c.ID)
		if s.Respondent.ItemsAnswered != 2 || s.Respondent.Finished() || itemByCode(t, s.Items, "1-1").Comment != "毎日確認" ||
			itemByCode(t, s.Items, "1-2").Answer != inspection.NotDone {
			t.Fatalf("sheet after answering %+v", s)
		}
		// Changing an answer moves the tallies, not the count of items answered.
		if err := e.answer(e.manager, e.pManager, c.ID, inspection.AnswerInput{ItemID: i12.ID, Answer: "partial"},
			inspection.AnswerInput{ItemID: i21.ID, Answer: "na"}); err != nil {
			t.Fatal(err)
		}
		s = e.sheet(e.pManager, c.ID)
		if s.Respondent.ItemsAnswered != 3 || !s.Respondent.Finished() || s.Respondent.SubmittedAt == 0 {
			t.Fatalf("finished sheet %+v", s.Respondent)
		}
		if n := e.count(`SELECT COALESCE(SUM(n), 0) FROM campaign_tallies WHERE campaign_id = ? AND answer = 'not_done'`, c.ID); n != 0 {
			t.Fatalf("not_done tally %d after the change", n)
		}
		if n := e.count(`SELECT COALESCE(SUM(n), 0) FROM campaign_tallies WHERE campaign_id = ?`, c.ID); n != 3 {
			t.Fatalf("tallies count %d answers", n)
		}
		// Saving the same answers again writes nothing.
		before = e.head()
		if err := e.answer(e.manager, e.pManager, c.ID, inspection.AnswerInput{ItemID: i12.ID, Answer: "partial"}); err != nil {
			t.Fatal(err)
		}
		if e.head() != before {
			t.Fatal("an unchanged submission was recorded")
		}

		// Bad input: the whole submission is refused and nothing is saved.
		bad := []struct {
			name      string
			who       int // 0 alice, 1 carol (not asked)
			in        []inspection.AnswerInput
			field     string // a validation problem, or
			refusal   string // a refusal
			forbidden bool
		}{
			{"unknown answer", 0, []inspection.AnswerInput{{ItemID: i11.ID, Answer: "done"}, {ItemID: i12.ID, Answer: "maybe"}}, "answers." + idStr(i12.ID) + ".answer", "", false},
			{"comment too long", 0, []inspection.AnswerInput{{ItemID: i11.ID, Answer: "done", Comment: strings.Repeat("長", 2001)}}, "answers." + idStr(i11.ID) + ".comment", "", false},
			{"an item for managers", 0, []inspection.AnswerInput{{ItemID: i11.ID, Answer: "done"}, {ItemID: i21.ID, Answer: "done"}}, "", "campaign.refused.not_your_item", true},
			{"not asked at all", 1, []inspection.AnswerInput{{ItemID: i11.ID, Answer: "done"}}, "", "campaign.refused.not_respondent", true},
		}
		for _, b := range bad {
			who, p := e.alice, e.pAlice
			if b.who == 1 {
				who, p = e.carol, e.pCarol
			}
			before := e.head()
			err := e.answer(who, p, c.ID, b.in...)
			if b.field != "" {
				if _, ok := inspection.AsRefusal(err); ok {
					t.Fatalf("%s: refusal %v", b.name, err)
				}
				if ve, ok := errorsAs(err); !ok || ve[b.field].Key == "" {
					t.Errorf("%s: %v", b.name, err)
				}
			} else {
				wantRefusal(t, err, b.refusal, b.forbidden)
				if rerr := inspection.RecordRefusal(ctx, d, e.as(who), err); rerr != nil {
					t.Fatal(rerr)
				}
				last := e.newest()
				if last.Action != trail.Denied || !strings.Contains(last.After, b.refusal) || last.ActorID != who.ID {
					t.Errorf("%s: refusal not in the trail: %+v", b.name, last)
				}
				before++
			}
			if e.head() != before {
				t.Errorf("%s: trail moved by %d", b.name, e.head()-before)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM campaign_answers WHERE campaign_id = ? AND person_id = ?`, c.ID, e.alice.ID); n != 0 {
			t.Fatalf("refused submissions saved %d answers", n)
		}

		// After closing, answers are locked.
		e.tx(func(tx *db.Tx) (err error) { c, err = inspection.Close(ctx, tx, e.sc, e.pDirector, c.ID); return err })
		err := e.answer(e.manager, e.pManager, c.ID, inspection.AnswerInput{ItemID: i11.ID, Answer: "not_done"})
		wantRefusal(t, err, "campaign.refused.closed", false)
		if got := itemByCode(t, e.sheet(e.pManager, c.ID).Items, "1-1").Answer; got != inspection.Done {
			t.Fatalf("a closed campaign's answer became %s", got)
		}
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := inspection.Close(ctx, tx, e.sc, e.pDirector, c.ID)
			return err
		})
		wantRefusal(t, err, "campaign.refused.not_open", false)
	})
}

func TestCampaignVisibility(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "閲覧財団")
		other := newEnv(t, d, "別の財団")
		cl := e.checklist("点検表", items())
		mine := e.campaign("総務部の点検", cl.ID, e.somu.ID)
		ocl := other.checklist("点検表", items())
		theirs := other.campaign("よその点検", ocl.ID, other.somu.ID)
		cases := []struct {
			name string
			p    authz.Principal
			sees bool
		}{
			{"director", e.pDirector, true}, {"auditor", e.pAuditor, true}, {"officer", e.pOfficer, true},
			{"alice, asked", e.pAlice, true}, {"bob, not asked", e.pBob, false},
		}
		for _, c := range cases {
			_, err := inspection.GetCampaign(ctx, d, e.sc, c.p, mine.ID)
			if c.sees != (err == nil) || (!c.sees && !errors.Is(err, db.ErrNotFound)) {
				t.Errorf("%s gets the campaign: %v", c.name, err)
			}
			page, err := inspection.ListCampaigns(ctx, d, e.sc, c.p, inspection.CampaignFilter{})
			if err != nil || (len(page.Items) == 1) != c.sees {
				t.Errorf("%s lists %d campaigns: %v", c.name, len(page.Items), err)
			}
			if _, err := inspection.GetCampaign(ctx, d, e.sc, c.p, theirs.ID); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s sees another organisation's campaign: %v", c.name, err)
			}
		}
	})
}

// An answer's evidence file is kept with it; who may download it is the
// respondent, the campaign's managers and readers of the department's
// results.
func TestAnswerEvidence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "証跡財団")
		cl := e.checklist("点検表", items())
		c := e.campaign("自己点検", cl.ID, e.somu.ID, e.kikaku.ID)
		i11 := itemByCode(t, e.sheet(e.pAlice, c.ID).Items, "1-1")
		png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
		if err := e.answer(e.alice, e.pAlice, c.ID, inspection.AnswerInput{ItemID: i11.ID, Answer: "done",
			File: &inspection.FileInput{Name: "保管庫.png", R: strings.NewReader(png)}}); err != nil {
			t.Fatal(err)
		}
		got := itemByCode(t, e.sheet(e.pAlice, c.ID).Items, "1-1")
		if got.EvidenceID == 0 {
			t.Fatal("no evidence kept with the answer")
		}
		f, err := evidence.Get(ctx, d, e.sc, got.EvidenceID)
		if err != nil || f.Owner.Kind != inspection.EvidenceKind || f.Owner.Ref != inspection.EvidenceRef(c.ID, i11.ID, e.alice.ID) {
			t.Fatalf("file %+v %v", f, err)
		}
		for _, w := range []struct {
			name string
			p    authz.Principal
			may  bool
		}{{"alice", e.pAlice, true}, {"director", e.pDirector, true}, {"manager of 総務課", e.pManager, true},
			{"auditor", e.pAuditor, true}, {"bob of 企画課", e.pBob, false}} {
			ok, err := evidence.CanRead(ctx, d, e.sc, w.p, f)
			if err != nil || ok != w.may {
				t.Errorf("%s reads the evidence: %v %v", w.name, ok, err)
			}
		}
		// A refused file (an executable) refuses the whole submission.
		err = e.answer(e.alice, e.pAlice, c.ID, inspection.AnswerInput{ItemID: i11.ID, Answer: "partial",
			File: &inspection.FileInput{Name: "tool.exe", R: strings.NewReader("MZ\x90\x00\x03\x00\x00\x00")}})
		var er *inspection.EvidenceRefused
		if !errors.As(err, &er) || er.ItemID != i11.ID {
			t.Fatalf("an executable as evidence: %v", err)
		}
		if got := itemByCode(t, e.sheet(e.pAlice, c.ID).Items, "1-1"); got.Answer != inspection.Done {
			t.Fatalf("a refused submission changed the answer to %s", got.Answer)
		}
	})
}
