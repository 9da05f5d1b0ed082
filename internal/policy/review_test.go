package policy_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

func (e *env) review(p authz.Principal, docID int64, in policy.ReviewInput) (policy.Review, error) {
	var rv policy.Review
	err := e.tx(func(tx *db.Tx) (err error) {
		rv, err = policy.RecordReview(ctx, tx, e.as(p), p, docID, in)
		return err
	})
	return rv, err
}

func (e *env) requestReview(sc scope.Scope, docID int64, clause string, tr policy.Trigger, note string) (policy.Review, error) {
	var rv policy.Review
	err := e.tx(func(tx *db.Tx) (err error) {
		rv, err = policy.RequestReview(ctx, tx, sc, docID, clause, tr, note)
		return err
	})
	return rv, err
}

func todayJST() time.Time { return time.Now().In(wareki.Location) }

// A review record: who, when, the result, why, what prompted it. No change
// moves the next review date to the review day plus the cycle; revise
// leaves it. Bad input is refused field by field.
func TestRecordReview(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		in := input(policy.Standard, "対策基準", standardBody)
		in.ReviewMonths = 6
		doc, v := e.publish(in, "2020-04-01")
		if doc.NextReviewDate != "2020-10-01" {
			t.Fatalf("next review: %s", doc.NextReviewDate)
		}
		day := todayJST().AddDate(0, 0, -3)
		before := e.head()
		rv, err := e.review(e.director, doc.ID, policy.ReviewInput{ReviewedOn: wareki.Format(day), Result: "no_change",
			Reason: "監査の結果、変更の必要なし。", TriggerKind: "schedule"})
		if err != nil {
			t.Fatal(err)
		}
		iso := day.Format("2006-01-02")
		wantNext := day.AddDate(0, 6, 0).Format("2006-01-02")
		if day.Day() > 28 {
			wantNext = rv.NextReviewDate // month-end clamping is the core's addMonths
		}
		if rv.ReviewedOn != iso || rv.VersionID != v.ID || rv.ReviewerID != e.director.PersonID || rv.Result != policy.NoChange || rv.NextReviewDate != wantNext {
			t.Errorf("review: %+v", rv)
		}
		if got := e.get(e.ciso, doc.ID).NextReviewDate; got != rv.NextReviewDate {
			t.Errorf("next review date %s, want %s", got, rv.NextReviewDate)
		}
		if e.head() != before+1 || e.newest().Entity != policy.EntityReview || e.newest().Action != trail.Create {
			t.Errorf("trail: %+v", e.newest())
		}

		next := e.get(e.ciso, doc.ID).NextReviewDate
		rv, err = e.review(e.ciso, doc.ID, policy.ReviewInput{ReviewedOn: iso, Result: "revise", Reason: "法改正に対応する。",
			TriggerKind: "law_change", TriggerRef: "個人情報保護法 令和5年改正", Clause: "2-(1)"})
		if err != nil {
			t.Fatal(err)
		}
		if rv.Result != policy.Revise || rv.Clause != "2-(1)" || rv.Trigger != (policy.Trigger{Kind: policy.TriggerLawChange, Ref: "個人情報保護法 令和5年改正"}) {
			t.Errorf("revise: %+v", rv)
		}
		if got := e.get(e.ciso, doc.ID).NextReviewDate; got != next {
			t.Errorf("revise moved the date: %s → %s", next, got)
		}
		list, err := policy.ListReviews(ctx, d, e.sc, e.staffSect, doc.ID)
		if err != nil || len(list) != 2 || list[0].Result != policy.Revise || list[1].ReviewerName != "統括 一郎" || list[0].VersionNo != v.No {
			t.Errorf("list: %+v %v", list, err)
		}

		tomorrow := todayJST().AddDate(0, 0, 1).Format("2006-01-02")
		bad := []struct {
			name  string
			in    policy.ReviewInput
			field string
			key   string
		}{
			{"no date", policy.ReviewInput{Result: "no_change", Reason: "x", TriggerKind: "schedule"}, "reviewed_on", "error.required"},
			{"not a date", policy.ReviewInput{ReviewedOn: "昨日", Result: "no_change", Reason: "x", TriggerKind: "schedule"}, "reviewed_on", "error.invalid_date"},
			{"future", policy.ReviewInput{ReviewedOn: tomorrow, Result: "no_change", Reason: "x", TriggerKind: "schedule"}, "reviewed_on", "ack.review.future"},
			{"no result", policy.ReviewInput{ReviewedOn: iso, Reason: "x", TriggerKind: "schedule"}, "result", "error.required"},
			{"requested is not a result", policy.ReviewInput{ReviewedOn: iso, Result: "requested", Reason: "x", TriggerKind: "schedule"}, "result", "error.invalid_choice"},
			{"no reason", policy.ReviewInput{ReviewedOn: iso, Result: "revise", TriggerKind: "schedule"}, "reason", "error.required"},
			{"unknown trigger", policy.ReviewInput{ReviewedOn: iso, Result: "revise", Reason: "x", TriggerKind: "rumour"}, "trigger_kind", "error.invalid_choice"},
			{"unknown clause", policy.ReviewInput{ReviewedOn: iso, Result: "revise", Reason: "x", TriggerKind: "other", Clause: "9-(9)"}, "clause", "ack.clause_unknown"},
		}
		for _, c := range bad {
			if _, err := e.review(e.ciso, doc.ID, c.in); fieldKey(err, c.field) != c.key {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// Only those who record reviews; a document one cannot read is not
		// found.
		ok := policy.ReviewInput{ReviewedOn: iso, Result: "no_change", Reason: "x", TriggerKind: "schedule"}
		for _, p := range []authz.Principal{e.staffSect, e.officer, e.auditor} {
			if _, err := e.review(p, doc.ID, ok); !errors.Is(err, policy.ErrForbidden) {
				t.Errorf("person %d: %v", p.PersonID, err)
			}
		}
		if _, err := e.review(e.ciso, 999999, ok); !isNotFound(err) {
			t.Errorf("unknown document: %v", err)
		}
		// A document never published has nothing to review.
		draft, _ := e.create(e.director, input(policy.Guideline, "手引", "本文"))
		if _, err := e.review(e.ciso, draft.ID, ok); !errors.Is(err, policy.ErrState) {
			t.Errorf("draft: %v", err)
		}
	})
}

// Review requests from other modules stay open until a review of the
// document (or of their clause) is recorded after them; overdue reviews
// and open requests await the owner and the CISO and 統括.
func TestReviewRequestsAndDue(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		in := input(policy.Standard, "期限切れの基準", standardBody)
		in.OwnerID = e.officer.PersonID
		overdue, _ := e.publish(in, "2020-04-01")
		in2 := input(policy.Guideline, "期限内の手引", standardBody)
		in2.OwnerID = e.staffBure.PersonID
		fresh, _ := e.publish(in2, todayJST().Format("2006-01-02"))

		// An audit finding asks for a review of a clause.
		auditor := e.as(e.auditor)
		tr := policy.Trigger{Kind: policy.TriggerAuditFinding, Ref: policy.TriggerRef("finding", 12)}
		req, err := e.requestReview(auditor, fresh.ID, "2-(1)", tr, "分類基準が実態と合っていない。")
		if err != nil {
			t.Fatal(err)
		}
		if !req.Open || !req.IsRequest() || req.ReviewerID != e.auditor.PersonID || req.Trigger.Ref != "finding:12" {
			t.Errorf("request: %+v", req)
		}
		// Made by the system, it is in the owner's name.
		sys := e.sc
		sys.ActorID = 0
		req2, err := e.requestReview(sys, fresh.ID, "", policy.Trigger{Kind: policy.TriggerIncident, Ref: "incident:3"}, "インシデント対応の反映")
		if err != nil || req2.ReviewerID != e.staffBure.PersonID {
			t.Errorf("system request: %+v %v", req2, err)
		}
		for _, c := range []struct {
			clause string
			tr     policy.Trigger
			note   string
			field  string
		}{
			{"", policy.Trigger{Kind: "gossip"}, "x", "trigger_kind"},
			{"", tr, "", "note"},
			{"7-(7)", tr, "x", "clause"},
		} {
			if _, err := e.requestReview(auditor, fresh.ID, c.clause, c.tr, c.note); fieldKey(err, c.field) == "" {
				t.Errorf("request %+v: %v", c, err)
			}
		}
		if _, err := e.requestReview(auditor, 999999, "", tr, "x"); !isNotFound(err) {
			t.Errorf("unknown document: %v", err)
		}

		due := func(p authz.Principal) map[int64]policy.ReviewDue {
			t.Helper()
			list, err := policy.ReviewsDue(ctx, d, e.sc, p)
			if err != nil {
				t.Fatal(err)
			}
			m := map[int64]policy.ReviewDue{}
			for _, x := range list {
				m[x.DocumentID] = x
			}
			return m
		}
		if got := due(e.officer); len(got) != 1 || !got[overdue.ID].Overdue {
			t.Errorf("owner of the overdue document: %+v", got)
		}
		if got := due(e.staffBure); len(got) != 1 || got[fresh.ID].Overdue || got[fresh.ID].OpenRequests != 2 {
			t.Errorf("owner of the requested document: %+v", got)
		}
		for _, p := range []authz.Principal{e.ciso, e.director} {
			if got := due(p); len(got) != 2 {
				t.Errorf("person %d: %+v", p.PersonID, got)
			}
		}
		if got := due(e.staffSect); len(got) != 0 {
			t.Errorf("a worker: %+v", got)
		}

		// A review of a clause answers the requests about that clause; a
		// review of the whole document answers every request.
		today := todayJST().Format("2006-01-02")
		open := func() []int64 {
			list, err := policy.ListReviews(ctx, d, e.sc, e.ciso, fresh.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, x := range list {
				if x.Open {
					out = append(out, x.ID)
				}
			}
			return out
		}
		if _, err := e.review(e.director, fresh.ID, policy.ReviewInput{ReviewedOn: today, Result: "no_change", Reason: "確認",
			TriggerKind: "audit_finding", TriggerRef: "finding:12", Clause: "1-(1)"}); err != nil {
			t.Fatal(err)
		}
		if got := open(); !slices.Equal(got, []int64{req2.ID, req.ID}) {
			t.Errorf("open after a review of another clause: %v", got)
		}
		if _, err := e.review(e.director, fresh.ID, policy.ReviewInput{ReviewedOn: today, Result: "revise", Reason: "分類を見直す",
			TriggerKind: "audit_finding", TriggerRef: "finding:12", Clause: "2-(1)"}); err != nil {
			t.Fatal(err)
		}
		if got := open(); !slices.Equal(got, []int64{req2.ID}) {
			t.Errorf("open after a review of its clause: %v", got)
		}
		if _, err := e.review(e.director, fresh.ID, policy.ReviewInput{ReviewedOn: today, Result: "no_change", Reason: "手順に反映済み",
			TriggerKind: "incident", TriggerRef: "incident:3"}); err != nil {
			t.Fatal(err)
		}
		if got := open(); len(got) != 0 {
			t.Errorf("open after a whole review: %v", got)
		}
		if got := due(e.staffBure); len(got) != 0 {
			t.Errorf("owner after the review: %+v", got)
		}
		// The overdue one is reviewed with no change: no longer due.
		if _, err := e.review(e.ciso, overdue.ID, policy.ReviewInput{ReviewedOn: today, Result: "no_change", Reason: "変更なし", TriggerKind: "schedule"}); err != nil {
			t.Fatal(err)
		}
		if got := due(e.officer); len(got) != 0 {
			t.Errorf("after reviewing the overdue one: %+v", got)
		}
	})
}
