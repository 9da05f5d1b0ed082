package policy_test

import (
	"errors"
	"slices"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/trail"
)

func (e *env) requestException(p authz.Principal, in policy.ExceptionInput) (policy.Exception, error) {
	var x policy.Exception
	err := e.tx(func(tx *db.Tx) (err error) {
		x, err = policy.RequestException(ctx, tx, e.as(p), p, in)
		return err
	})
	return x, err
}

func (e *env) decide(p authz.Principal, id int64, dec policy.Decision) (policy.Exception, error) {
	var x policy.Exception
	err := e.tx(func(tx *db.Tx) (err error) {
		x, err = policy.DecideException(ctx, tx, e.as(p), p, id, dec)
		return err
	})
	return x, err
}

func (e *env) withdraw(p authz.Principal, id, version int64) (policy.Exception, error) {
	var x policy.Exception
	err := e.tx(func(tx *db.Tx) (err error) {
		x, err = policy.WithdrawException(ctx, tx, e.as(p), p, id, version)
		return err
	})
	return x, err
}

// exceptionIn is a valid request on a clause of a document, for a month
// from today.
func exceptionIn(docID int64) policy.ExceptionInput {
	start := todayJST()
	return policy.ExceptionInput{DocumentID: docID, Clause: "2-(1)", Reason: "旧システムが分類表示に対応していない。",
		Scope: "人事給与システム", Compensating: "印刷物に手書きで分類を表示する。",
		StartsOn: start.Format("2006-01-02"), EndsOn: start.AddDate(0, 1, 0).Format("2006-01-02")}
}

// The life of an exception: asked for, decided by the CISO (never by the
// one who asked), or withdrawn before that; it lapses by itself.
func TestExceptionLifeCycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, _ := e.publish(input(policy.Standard, "対策基準", standardBody), "2026-04-01")

		x, err := e.requestException(e.staffSect, exceptionIn(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if x.Status != policy.ExceptionRequested || x.RequesterID != e.staffSect.PersonID || x.DepartmentID != e.sect.ID ||
			x.DocumentTitle != "対策基準" || x.Clause != "2-(1)" || x.Current() != policy.ExceptionRequested {
			t.Errorf("requested: %+v", x)
		}
		if got := e.newest(); got.Entity != policy.EntityException || got.Action != trail.Create || got.EntityID != idStr(x.ID) {
			t.Errorf("trail: %+v", got)
		}
		// Nobody decides their own request; a worker cannot decide at all;
		// a rejection gives a reason.
		own, err := e.requestException(e.ciso, exceptionIn(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.decide(e.ciso, own.ID, policy.Decision{Approve: true}); !errors.Is(err, policy.ErrForbidden) {
			t.Errorf("CISO deciding their own: %v", err)
		} else if ref, _ := policy.AsRefusal(err); ref == nil || ref.Key != "ack.refused.own_exception" {
			t.Errorf("own refusal: %v", err)
		}
		if _, err := e.decide(e.director, x.ID, policy.Decision{Approve: true}); !errors.Is(err, policy.ErrForbidden) {
			t.Errorf("統括 deciding: %v", err)
		}
		if _, err := e.decide(e.ciso, x.ID, policy.Decision{Approve: false}); fieldKey(err, "note") != "error.required" {
			t.Errorf("rejection without a note: %v", err)
		}
		// Only the requester withdraws.
		if _, err := e.withdraw(e.ciso, x.ID, x.Version); !errors.Is(err, policy.ErrForbidden) {
			t.Errorf("someone else withdrawing: %v", err)
		}
		if _, err := e.decide(e.ciso, x.ID, policy.Decision{Approve: true, Version: x.Version + 5}); !errors.Is(err, db.ErrConflict) {
			t.Errorf("stale decision: %v", err)
		}
		approved, err := e.decide(e.ciso, x.ID, policy.Decision{Approve: true, Note: "半年以内に改修すること。", Version: x.Version})
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != policy.ExceptionApproved || approved.DecidedBy != e.ciso.PersonID || approved.DeciderName != "最高 責任者" ||
			approved.DecidedAt == 0 || approved.Version != x.Version+1 || !approved.InForce(todayJST().Format("2006-01-02")) {
			t.Errorf("approved: %+v", approved)
		}
		if _, err := e.decide(e.ciso, x.ID, policy.Decision{Approve: false, Note: "やはり不可"}); !errors.Is(err, policy.ErrState) {
			t.Errorf("deciding twice: %v", err)
		}
		if _, err := e.withdraw(e.staffSect, x.ID, 0); !errors.Is(err, policy.ErrState) {
			t.Errorf("withdrawing a decided one: %v", err)
		}

		y, err := e.requestException(e.staffSect, exceptionIn(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if y, err = e.withdraw(e.staffSect, y.ID, y.Version); err != nil || y.Status != policy.ExceptionWithdrawn {
			t.Errorf("withdrawn: %+v %v", y, err)
		}
		z, err := e.requestException(e.staffBure, exceptionIn(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if z, err = e.decide(e.ciso, z.ID, policy.Decision{Note: "代替措置が不十分。"}); err != nil || z.Status != policy.ExceptionRejected {
			t.Errorf("rejected: %+v %v", z, err)
		}

		// Expiry is computed: an approved exception whose last day has
		// passed is 期限切れ, with no job run; one ending within 30 days is
		// listed as expiring.
		if _, err := d.ExecContext(ctx, `UPDATE policy_exceptions SET starts_on = '2025-01-01', ends_on = '2025-03-31' WHERE id = ?`, x.ID); err != nil {
			t.Fatal(err)
		}
		x, err = policy.GetException(ctx, d, e.sc, e.ciso, x.ID)
		if err != nil || x.Status != policy.ExceptionApproved || x.Current() != policy.ExceptionExpired || x.InForce(todayJST().Format("2006-01-02")) {
			t.Errorf("expired: %+v %v", x, err)
		}
		soon, err := e.requestException(e.staffBure, exceptionIn(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.decide(e.ciso, soon.ID, policy.Decision{Approve: true}); err != nil {
			t.Fatal(err)
		}
		late := exceptionIn(doc.ID)
		late.EndsOn = todayJST().AddDate(0, 6, 0).Format("2006-01-02")
		far, err := e.requestException(e.staffBure, late)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.decide(e.ciso, far.ID, policy.Decision{Approve: true}); err != nil {
			t.Fatal(err)
		}
		list := func(status string) []int64 {
			t.Helper()
			page, err := policy.ListExceptions(ctx, d, e.sc, e.ciso, policy.ExceptionFilter{Status: status})
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, x := range page.Items {
				out = append(out, x.ID)
			}
			return out
		}
		for status, want := range map[string][]int64{
			"":          {far.ID, soon.ID, z.ID, y.ID, own.ID, x.ID},
			"requested": {own.ID},
			"approved":  {far.ID, soon.ID},
			"expiring":  {soon.ID},
			"expired":   {x.ID},
			"rejected":  {z.ID},
			"withdrawn": {y.ID},
		} {
			if got := list(status); !slices.Equal(got, want) {
				t.Errorf("status %q: %v, want %v", status, got, want)
			}
		}
		if _, err := policy.ListExceptions(ctx, d, e.sc, e.ciso, policy.ExceptionFilter{Status: "lost"}); fieldKey(err, "status") == "" {
			t.Errorf("unknown status: %v", err)
		}
		// Pages of two, newest first.
		var walked []int64
		f := policy.ExceptionFilter{Limit: 2}
		for i := 0; i < 10; i++ {
			page, err := policy.ListExceptions(ctx, d, e.sc, e.ciso, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page.Items {
				walked = append(walked, x.ID)
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		if !slices.Equal(walked, list("")) {
			t.Errorf("pages: %v", walked)
		}

		// The document's page lists those not ended, under their clause.
		open, err := policy.DocumentExceptions(ctx, d, e.sc, e.ciso, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var openIDs []int64
		for _, x := range open {
			openIDs = append(openIDs, x.ID)
		}
		slices.Sort(openIDs)
		if want := []int64{own.ID, soon.ID, far.ID}; !slices.Equal(openIDs, want) {
			t.Errorf("document's exceptions: %v, want %v", openIDs, want)
		}

		// Home: the requester's own open or in force; the CISO's to decide
		// (not their own) and expiring.
		due, err := policy.DueExceptions(ctx, d, e.sc, e.staffBure)
		if err != nil || len(due.Mine) != 2 || due.ToDecide != 0 {
			t.Errorf("worker's due: %+v %v", due, err)
		}
		due, err = policy.DueExceptions(ctx, d, e.sc, e.ciso)
		if err != nil || len(due.Mine) != 1 || due.ToDecide != 0 || due.Expiring != 1 {
			t.Errorf("CISO's due: %+v %v", due, err)
		}
		if _, err := e.requestException(e.staffSect, exceptionIn(doc.ID)); err != nil {
			t.Fatal(err)
		}
		if due, _ = policy.DueExceptions(ctx, d, e.sc, e.ciso); due.ToDecide != 1 {
			t.Errorf("CISO's due after a new request: %+v", due)
		}
	})
}

// Bad requests are refused field by field.
func TestExceptionInput(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, _ := e.publish(input(policy.Standard, "対策基準", standardBody), "2026-04-01")
		draft, _ := e.create(e.director, input(policy.Standard, "未公開の基準", standardBody))
		today := todayJST()
		day := func(months, days int) string { return today.AddDate(0, months, days).Format("2006-01-02") }
		cases := []struct {
			name  string
			edit  func(in *policy.ExceptionInput)
			field string
			key   string
		}{
			{"no document", func(in *policy.ExceptionInput) { in.DocumentID = 0 }, "document_id", "error.required"},
			{"unknown document", func(in *policy.ExceptionInput) { in.DocumentID = 999999 }, "document_id", "error.invalid_choice"},
			{"not readable before publication", func(in *policy.ExceptionInput) { in.DocumentID = draft.ID }, "document_id", "error.invalid_choice"},
			{"no clause", func(in *policy.ExceptionInput) { in.Clause = "" }, "clause", "error.required"},
			{"unknown clause", func(in *policy.ExceptionInput) { in.Clause = "9-(9)" }, "clause", "ack.clause_unknown"},
			{"no reason", func(in *policy.ExceptionInput) { in.Reason = "  " }, "reason", "error.required"},
			{"no scope", func(in *policy.ExceptionInput) { in.Scope = "" }, "scope", "error.required"},
			{"no measures", func(in *policy.ExceptionInput) { in.Compensating = "" }, "compensating", "error.required"},
			{"no start", func(in *policy.ExceptionInput) { in.StartsOn = "" }, "starts_on", "error.required"},
			{"bad end", func(in *policy.ExceptionInput) { in.EndsOn = "来月" }, "ends_on", "error.invalid_date"},
			{"end before start", func(in *policy.ExceptionInput) { in.StartsOn, in.EndsOn = day(0, 10), day(0, 5) }, "ends_on", "ack.exception.ends_before_start"},
			{"over a year", func(in *policy.ExceptionInput) { in.StartsOn, in.EndsOn = day(0, 0), day(12, 1) }, "ends_on", "ack.exception.too_long"},
			{"already over", func(in *policy.ExceptionInput) { in.StartsOn, in.EndsOn = day(-2, 0), day(-1, 0) }, "ends_on", "ack.exception.already_over"},
		}
		for _, c := range cases {
			in := exceptionIn(doc.ID)
			c.edit(&in)
			if _, err := e.requestException(e.staffSect, in); fieldKey(err, c.field) != c.key {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// An editor sees the draft, but there is no clause in effect yet.
		notYet := exceptionIn(draft.ID)
		if _, err := e.requestException(e.director, notYet); fieldKey(err, "document_id") != "ack.exception.not_in_effect" {
			t.Errorf("not in effect: %v", err)
		}
		// 和暦 is read; a year to the day is allowed; one day is allowed.
		in := exceptionIn(doc.ID)
		in.StartsOn, in.EndsOn = "令和8年4月1日", "R9.4.1"
		if today.Format("2006-01-02") > "2027-04-01" {
			in.StartsOn, in.EndsOn = day(0, 0), day(12, 0)
		}
		if _, err := e.requestException(e.staffSect, in); err != nil {
			t.Errorf("a year: %v", err)
		}
		in.StartsOn, in.EndsOn = day(0, 0), day(0, 0)
		if _, err := e.requestException(e.staffSect, in); err != nil {
			t.Errorf("one day: %v", err)
		}
	})
}

// Who sees an exception: its requester, their department's officer and
// manager, the organisation-wide roles — and of a restricted document only
// those among them who may read it.
func TestExceptionVisibility(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, _ := e.publish(input(policy.Standard, "対策基準", standardBody), "2026-04-01")
		rin := input(policy.Procedure, "制限された手順", standardBody)
		rin.Visibility = string(policy.Restricted)
		rin.Access = []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.sect.ID)}}
		rdoc, _ := e.publish(rin, "2026-04-01")

		open, err := e.requestException(e.staffSect, exceptionIn(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		hidden, err := e.requestException(e.staffSect, exceptionIn(rdoc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.requestException(e.outsider, exceptionIn(rdoc.ID)); fieldKey(err, "document_id") != "error.invalid_choice" {
			t.Errorf("outsider asking on a restricted document: %v", err)
		}
		cases := []struct {
			name string
			p    authz.Principal
			want []int64
		}{
			{"requester", e.staffSect, []int64{hidden.ID, open.ID}},
			{"CISO", e.ciso, []int64{hidden.ID, open.ID}},
			{"統括", e.director, []int64{hidden.ID, open.ID}},
			// The 部局's officer sits in 総務部, outside the access list (総務課).
			{"officer of the 部局", e.officer, []int64{open.ID}},
			{"auditor", e.auditor, []int64{open.ID}},
			{"another worker of the 課室", e.committeeA, nil},
			{"outsider", e.outsider, nil},
		}
		for _, c := range cases {
			page, err := policy.ListExceptions(ctx, d, e.sc, c.p, policy.ExceptionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, x := range page.Items {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s lists %v, want %v", c.name, got, c.want)
			}
			_, err = policy.GetException(ctx, d, e.sc, c.p, hidden.ID)
			if sees := slices.Contains(c.want, hidden.ID); sees != (err == nil) || (!sees && !isNotFound(err)) {
				t.Errorf("%s gets the hidden one: %v", c.name, err)
			}
		}
		// The decider may decide only what they may see: the CISO may; the
		// document page and home page apply the same condition.
		if list, err := policy.DocumentExceptions(ctx, d, e.sc, e.outsider, rdoc.ID); err != nil || len(list) != 0 {
			t.Errorf("outsider's document list: %v %v", list, err)
		}
		if due, err := policy.DueExceptions(ctx, d, e.sc, e.ciso); err != nil || due.ToDecide != 2 {
			t.Errorf("CISO to decide: %+v %v", due, err)
		}
		// Taken off the access list, the requester no longer sees their own
		// request on a document they cannot open.
		upd := rdoc.Input()
		upd.Access = []policy.Access{{Kind: policy.AccessPerson, Ref: idStr(e.staffBure.PersonID)}}
		if err := e.tx(func(tx *db.Tx) error {
			_, err := policy.UpdateDocument(ctx, tx, e.as(e.director), e.director, rdoc.ID, upd)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := policy.GetException(ctx, d, e.sc, e.staffSect, hidden.ID); !isNotFound(err) {
			t.Errorf("requester without access: %v", err)
		}
		if due, err := policy.DueExceptions(ctx, d, e.sc, e.staffSect); err != nil || len(due.Mine) != 1 {
			t.Errorf("requester's home without access: %+v %v", due, err)
		}
	})
}
