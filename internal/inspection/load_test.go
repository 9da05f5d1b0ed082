package inspection_test

import (
	"errors"
	"reflect"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/inspection"
	"mamori/internal/org"
)

// A bulk load ends where answering one person at a time ends: the same
// results, the same progress, one submission per person in the trail.
func TestLoadAnswersMatchesSaving(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "一括財団")
		cl := e.checklist("点検表", items())
		saved := e.campaign("一件ずつ", cl.ID, e.somu.ID)
		loaded := e.campaign("一括", cl.ID, e.somu.ID)
		choices := []string{"done", "partial", "not_done", "na"}
		var load []inspection.LoadedAnswers
		for i, who := range []org.Person{e.alice, e.manager, e.officer} {
			p, err := org.Principal(ctx, d, e.sc, who.ID)
			if err != nil {
				t.Fatal(err)
			}
			la := inspection.LoadedAnswers{PersonID: who.ID}
			var in []inspection.AnswerInput
			for j, it := range e.sheet(p, saved.ID).Items {
				a := inspection.AnswerInput{ItemID: it.ID, Answer: choices[(i+j)%len(choices)], Comment: "確認済み"}
				in = append(in, a)
				la.Answers = append(la.Answers, a)
			}
			if err := e.answer(who, p, saved.ID, in...); err != nil {
				t.Fatal(err)
			}
			load = append(load, la)
		}
		before := e.head()
		e.tx(func(tx *db.Tx) error { return inspection.LoadAnswers(ctx, tx, e.sc, e.pDirector, loaded.ID, load) })
		if got := e.head() - before; got != int64(len(load)) {
			t.Errorf("%d trail entries for %d people", got, len(load))
		}
		if last := e.newest(); last.Entity != inspection.EntityAnswers || last.EntityID != idStr(loaded.ID)+":"+idStr(e.officer.ID) {
			t.Errorf("newest entry %s %s", last.Entity, last.EntityID)
		}
		a, err := inspection.CampaignResults(ctx, d, e.sc, e.pDirector, saved.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := inspection.CampaignResults(ctx, d, e.sc, e.pDirector, loaded.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Total, b.Total) || !reflect.DeepEqual(a.Items, b.Items) || !reflect.DeepEqual(a.Departments, b.Departments) {
			t.Errorf("results differ:\nsaved  %+v\nloaded %+v", a.Total, b.Total)
		}
		pa, err := inspection.CampaignProgress(ctx, d, e.sc, e.pDirector, saved.ID)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := inspection.CampaignProgress(ctx, d, e.sc, e.pDirector, loaded.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(pa.Total, pb.Total) {
			t.Errorf("progress differs: %+v, %+v", pa.Total, pb.Total)
		}
	})
}

// A load with anything wrong in it writes nothing.
func TestLoadAnswersRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "拒否財団")
		cl := e.checklist("点検表", items())
		c := e.campaign("令和8年度", cl.ID, e.somu.ID)
		closed := e.campaign("令和7年度", cl.ID, e.somu.ID)
		e.tx(func(tx *db.Tx) error { _, err := inspection.Close(ctx, tx, e.sc, e.pDirector, closed.ID); return err })
		sheet := e.sheet(e.pAlice, c.ID).Items
		all := func(who int64, answer string) inspection.LoadedAnswers {
			la := inspection.LoadedAnswers{PersonID: who}
			for _, it := range sheet {
				la.Answers = append(la.Answers, inspection.AnswerInput{ItemID: it.ID, Answer: answer})
			}
			return la
		}
		var managerItem int64
		for _, it := range e.sheet(e.pManager, c.ID).Items {
			if it.Code == "2-1" {
				managerItem = it.ID
			}
		}
		e.answerAll(e.officer, e.pOfficer, c.ID, inspection.Done)
		cases := []struct {
			name     string
			campaign int64
			who      string // principal: director or officer
			in       []inspection.LoadedAnswers
			refusal  string
			err      error
		}{
			{"a closed campaign", closed.ID, "director", []inspection.LoadedAnswers{all(e.alice.ID, "done")}, "campaign.refused.closed", nil},
			{"someone not asked", c.ID, "director", []inspection.LoadedAnswers{all(e.alice.ID, "done"), all(e.carol.ID, "done")}, "campaign.refused.not_respondent", nil},
			{"an item not theirs", c.ID, "director", []inspection.LoadedAnswers{{PersonID: e.alice.ID, Answers: []inspection.AnswerInput{{ItemID: managerItem, Answer: "done"}}}}, "campaign.refused.not_your_item", nil},
			{"no such choice", c.ID, "director", []inspection.LoadedAnswers{all(e.alice.ID, "maybe")}, "", inspection.ErrInvalidAnswer},
			{"someone who has answered", c.ID, "director", []inspection.LoadedAnswers{all(e.alice.ID, "done"), all(e.officer.ID, "done")}, "", inspection.ErrAlreadyAnswered},
			{"the same person twice", c.ID, "director", []inspection.LoadedAnswers{all(e.alice.ID, "done"), all(e.alice.ID, "na")}, "", inspection.ErrAlreadyAnswered},
			{"not one who runs campaigns", c.ID, "officer", []inspection.LoadedAnswers{all(e.alice.ID, "done")}, "", inspection.ErrForbidden},
		}
		for _, tc := range cases {
			head := e.head()
			answers := e.count(`SELECT COUNT(*) FROM campaign_answers WHERE campaign_id = ?`, tc.campaign)
			p := e.pDirector
			if tc.who == "officer" {
				p = e.pOfficer
			}
			err := d.Transact(ctx, func(tx *db.Tx) error { return inspection.LoadAnswers(ctx, tx, e.sc, p, tc.campaign, tc.in) })
			switch {
			case tc.refusal != "":
				wantRefusal(t, err, tc.refusal, tc.refusal != "campaign.refused.closed")
			case !errors.Is(err, tc.err):
				t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
			}
			if e.head() != head || e.count(`SELECT COUNT(*) FROM campaign_answers WHERE campaign_id = ?`, tc.campaign) != answers {
				t.Errorf("%s: something was written", tc.name)
			}
		}
	})
}
