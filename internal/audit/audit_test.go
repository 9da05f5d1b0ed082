package audit_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/evidence"
	"mamori/internal/policy"
	"mamori/internal/trail"
)

// newAudit opens an engagement of the departments with the auditors.
func (e *env) newAudit(title string, depts []int64, auditors ...authz.Principal) (audit.Audit, error) {
	in := audit.Input{Title: title, StartsOn: "令和7年10月1日", EndsOn: "2025-10-31", Departments: depts}
	for i, a := range auditors {
		in.Auditors = append(in.Auditors, a.PersonID)
		if i == 0 {
			in.Lead = a.PersonID
		}
	}
	var a audit.Audit
	err := e.tx(func(tx *db.Tx) (err error) {
		a, err = audit.Create(ctx, tx, e.as(e.director), e.director, in)
		return err
	})
	if err == nil {
		return a, nil
	}
	if rerr := audit.RecordRefusal(ctx, e.d, e.as(e.director), err); rerr != nil {
		e.t.Fatal(rerr)
	}
	return a, err
}

func (e *env) mustAudit(title string, depts []int64, auditors ...authz.Principal) audit.Audit {
	e.t.Helper()
	a, err := e.newAudit(title, depts, auditors...)
	if err != nil {
		e.t.Fatalf("create audit %q: %v", title, err)
	}
	return a
}

// An auditor from another department audits 総務部 end to end: items, an
// evidence request answered by the department (with a file), a finding,
// a corrective action raised from it and verified, the draft report, the
// department's response, the CISO's approval, and the finding's review of
// the clause it concerns.
func TestAuditFromPlanToApprovedReport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		step := func(what string, fn func(tx *db.Tx) error) {
			t.Helper()
			if err := e.tx(fn); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		var plan, yearly audit.Plan
		step("multi-year plan", func(tx *db.Tx) (err error) {
			plan, err = audit.CreatePlan(ctx, tx, e.as(e.director), e.director, audit.PlanInput{Kind: "multi_year", Title: "中期監査計画", YearFrom: 2025, YearTo: 2027})
			return err
		})
		step("yearly plan", func(tx *db.Tx) (err error) {
			yearly, err = audit.CreatePlan(ctx, tx, e.as(e.director), e.director, audit.PlanInput{Kind: "yearly", ParentID: plan.ID, Title: "令和7年度監査計画", YearFrom: 2025})
			return err
		})
		a := e.mustAudit("総務部の情報セキュリティ監査", []int64{e.bureau.ID}, e.auditor)
		if a.Status != audit.Planned || a.StartsOn != "2025-10-01" || len(a.Auditors) != 1 || !a.Auditors[0].Lead {
			t.Fatalf("created %+v", a)
		}
		step("attach to the yearly plan", func(tx *db.Tx) (err error) {
			a, err = audit.Update(ctx, tx, e.as(e.director), e.director, a.ID, audit.Input{PlanID: yearly.ID, Title: a.Title, StartsOn: a.StartsOn, EndsOn: a.EndsOn, Version: a.Version})
			return err
		})
		step("clause in scope", func(tx *db.Tx) (err error) {
			a, err = audit.AddScope(ctx, tx, e.as(e.director), e.director, a.ID, audit.ScopeInput{Kind: "clause", Ref: strconv.FormatInt(e.docID, 10) + ":2-(2)"})
			return err
		})
		step("start", func(tx *db.Tx) (err error) {
			a, err = audit.Start(ctx, tx, e.as(e.auditor), e.auditor, a.ID)
			return err
		})

		var item audit.Item
		step("item", func(tx *db.Tx) (err error) {
			item, err = audit.AddItem(ctx, tx, e.as(e.auditor), e.auditor, a.ID, audit.ItemInput{Item: "情報資産台帳が整備されているか",
				Criteria: "対策基準2-(2)②", Method: "台帳の閲覧", DocumentID: e.docID, ClauseIdent: "2-(2)"})
			return err
		})
		var req audit.Request
		step("evidence request", func(tx *db.Tx) (err error) {
			req, err = audit.AddRequest(ctx, tx, e.as(e.auditor), e.auditor, a.ID, audit.RequestInput{DepartmentID: e.sect.ID, Request: "情報資産台帳の写し", DueOn: "2025-10-15"})
			return err
		})
		// The 課室's manager answers for 総務課, with the register as CSV.
		step("reply", func(tx *db.Tx) (err error) {
			req, err = audit.Reply(ctx, tx, e.as(e.manager), e.manager, a.ID, req.ID, audit.ReplyInput{Reply: "台帳を提出します。",
				FileName: "台帳.csv", File: strings.NewReader("名称,分類\n住民台帳,3\n")})
			return err
		})
		if !req.Answered() || req.RepliedBy != e.manager.PersonID {
			t.Fatalf("reply: %+v", req)
		}
		files, err := evidence.ListByOwner(ctx, d, e.sc, evidence.Owner{Kind: audit.OwnerRequest, Ref: strconv.FormatInt(req.ID, 10)})
		if err != nil || len(files) != 1 || !strings.HasPrefix(files[0].ContentType, "text/csv") {
			t.Fatalf("files %+v, %v", files, err)
		}
		// The file is the auditor's and the department's to read, not a
		// committee member's nor another department's.
		for _, c := range []struct {
			who  authz.Principal
			want bool
		}{{e.auditor, true}, {e.manager, true}, {e.officer, true}, {e.director, true}, {e.committee, false}, {e.otherOfficer, false}, {e.staff, false}, {e.auditor2, false}} {
			if got, err := evidence.CanRead(ctx, d, e.sc, c.who, files[0]); err != nil || got != c.want {
				t.Errorf("person %d may read the reply's file: %v (%v), want %v", c.who.PersonID, got, err, c.want)
			}
		}

		step("note", func(tx *db.Tx) error {
			_, err := audit.AddNote(ctx, tx, e.as(e.auditor), e.auditor, a.ID, "台帳の更新日が古い。")
			return err
		})
		var f audit.Finding
		step("finding", func(tx *db.Tx) (err error) {
			f, err = audit.AddFinding(ctx, tx, e.as(e.auditor), e.auditor, audit.FindingInput{AuditID: a.ID, ItemID: item.ID,
				DepartmentID: e.sect.ID, Severity: "minor", Title: "台帳が1年以上更新されていない"})
			return err
		})
		if f.DocumentID != e.docID || f.ClauseIdent != "2-(2)" {
			t.Errorf("finding on an item takes the item's clause: %+v", f)
		}

		// A corrective action from the finding, owned by a worker of 総務課.
		var act action.Action
		step("raise action", func(tx *db.Tx) (err error) {
			act, err = action.RaiseFromFinding(ctx, tx, e.as(e.auditor), e.auditor, action.FindingInput{FindingID: f.ID,
				Title: "台帳を更新する", OwnerID: e.staff.PersonID, DueOn: "2025-12-31"})
			return err
		})
		if act.DepartmentID != e.sect.ID || act.AuditID != a.ID || act.Status != action.Open {
			t.Fatalf("action %+v", act)
		}
		step("complete", func(tx *db.Tx) (err error) {
			act, err = action.Progress(ctx, tx, e.as(e.staff), e.staff, act.ID, action.ProgressInput{Status: "completed", Note: "台帳を更新した。", Version: act.Version})
			return err
		})
		// Another auditor, not of this engagement, may not verify it.
		err = e.tx(func(tx *db.Tx) error {
			_, err := action.Verify(ctx, tx, e.as(e.auditor2), e.auditor2, act.ID, action.VerifyInput{Accept: true})
			return err
		})
		if !isForbidden(err) {
			t.Errorf("verify by an auditor of another engagement: %v", err)
		}
		step("verify", func(tx *db.Tx) (err error) {
			act, err = action.Verify(ctx, tx, e.as(e.auditor), e.auditor, act.ID, action.VerifyInput{Accept: true, Note: "更新を確認した。"})
			return err
		})
		if act.Status != action.Verified || act.VerifiedBy != e.auditor.PersonID {
			t.Fatalf("verified %+v", act)
		}

		step("draft report", func(tx *db.Tx) (err error) {
			a, err = audit.IssueDraft(ctx, tx, e.as(e.auditor), e.auditor, a.ID, audit.ReportInput{Text: "指摘事項1件。"})
			return err
		})
		// The CISO cannot approve before the department responds.
		err = e.tx(func(tx *db.Tx) error { _, err := audit.Approve(ctx, tx, e.as(e.ciso), e.ciso, a.ID, 0); return err })
		if !errors.Is(err, audit.ErrState) {
			t.Errorf("approve a draft: %v", err)
		}
		step("response", func(tx *db.Tx) (err error) {
			a, err = audit.Respond(ctx, tx, e.as(e.officer), e.officer, a.ID, audit.ReportInput{Text: "指摘を受け、台帳を更新しました。", Version: a.Version})
			return err
		})
		step("final report", func(tx *db.Tx) (err error) {
			a, err = audit.SubmitFinal(ctx, tx, e.as(e.auditor), e.auditor, a.ID, audit.ReportInput{Text: "最終報告。"})
			return err
		})
		// 統括 does not approve audit reports.
		err = e.tx(func(tx *db.Tx) error {
			_, err := audit.Approve(ctx, tx, e.as(e.director), e.director, a.ID, 0)
			return err
		})
		if !isForbidden(err) {
			t.Errorf("approve by 統括: %v", err)
		}
		step("approve", func(tx *db.Tx) (err error) {
			a, err = audit.Approve(ctx, tx, e.as(e.ciso), e.ciso, a.ID, a.Version)
			return err
		})
		if a.Status != audit.Final || a.ApprovedBy != e.ciso.PersonID {
			t.Fatalf("approved %+v", a)
		}

		// The finding opens a review of its clause; the document's review
		// record names the finding.
		var rv policy.Review
		step("open review", func(tx *db.Tx) (err error) {
			f, rv, err = audit.OpenReview(ctx, tx, e.as(e.auditor), e.auditor, f.ID, "")
			return err
		})
		if f.ReviewID != rv.ID || rv.Clause != "2-(2)" || rv.Trigger.Kind != policy.TriggerAuditFinding || rv.Trigger.Ref != "finding:"+strconv.FormatInt(f.ID, 10) {
			t.Fatalf("review %+v of finding %+v", rv, f)
		}
		reviews, err := policy.ListReviews(ctx, d, e.sc, e.ciso, e.docID)
		if err != nil || len(reviews) != 1 || reviews[0].Trigger.Ref != rv.Trigger.Ref || !reviews[0].Open {
			t.Fatalf("document reviews %+v, %v", reviews, err)
		}
		err = e.tx(func(tx *db.Tx) error {
			_, _, err := audit.OpenReview(ctx, tx, e.as(e.auditor), e.auditor, f.ID, "")
			return err
		})
		if fieldKey(err, "review") != "audit.review.already_open" {
			t.Errorf("second review: %v", err)
		}

		// Every step is in the trail.
		for _, ent := range []string{audit.EntityPlan, audit.EntityAudit, audit.EntityItem, audit.EntityRequest, audit.EntityNote,
			audit.EntityFinding, action.EntityAction, evidence.EntityFile} {
			es, err := trail.List(ctx, d, e.sc, trail.Filter{Entity: ent, Limit: 1})
			if err != nil || len(es) == 0 {
				t.Errorf("no trail entry for %s (%v)", ent, err)
			}
		}
	})
}

// An auditor is never a member of an audited department: not on
// assignment, not when the scope later grows to include their department.
// Each refusal names the person and the department, saves nothing and is
// in the trail.
func TestAuditorIndependence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		cases := []struct {
			name    string
			depts   []int64
			auditor authz.Principal
			refused string // the message key, or "" when allowed
		}{
			{"own section", []int64{e.sect.ID}, e.auditorSect, "audit.refused.auditor_in_audited_department"},
			{"the bureau holding one's section", []int64{e.bureau.ID}, e.auditorSect, "audit.refused.auditor_in_audited_department"},
			{"a sibling section", []int64{e.sect2.ID}, e.auditorSect, ""},
			{"another bureau", []int64{e.other.ID}, e.auditorSect, ""},
			{"own bureau from outside", []int64{e.other.ID}, e.auditor, "audit.refused.auditor_in_audited_department"},
		}
		for _, c := range cases {
			var before int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audits WHERE org_id = ?`, e.sc.OrgID).Scan(&before); err != nil {
				t.Fatal(err)
			}
			_, err := e.newAudit(c.name, c.depts, c.auditor)
			if got := fieldKey(err, "auditors"); got != c.refused {
				t.Errorf("%s: refusal %q (%v), want %q", c.name, got, err, c.refused)
				continue
			}
			if c.refused == "" {
				continue
			}
			var after int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audits WHERE org_id = ?`, e.sc.OrgID).Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("%s: a refused engagement was half saved", c.name)
			}
			if ent, ok := e.lastDenied(); !ok || ent.Entity != audit.EntityAudit || !strings.Contains(ent.After, c.refused) {
				t.Errorf("%s: refusal not in the trail: %+v", c.name, ent)
			}
		}

		// A scope widened later to an auditor's own department.
		a := e.mustAudit("人事課の監査", []int64{e.sect2.ID}, e.auditorSect)
		err := e.tx(func(tx *db.Tx) error {
			_, err := audit.AddScope(ctx, tx, e.as(e.director), e.director, a.ID, audit.ScopeInput{Kind: "department", Ref: strconv.FormatInt(e.sect.ID, 10)})
			return err
		})
		r, ok := audit.AsRefusal(err)
		if !ok || fieldKey(err, "ref") != "audit.refused.scope_includes_auditor" || r.Fields["ref"].Args[0] != "監査 二郎" {
			t.Fatalf("widening the scope to the auditor's section: %v", err)
		}
		if err := audit.RecordRefusal(ctx, d, e.as(e.director), err); err != nil {
			t.Fatal(err)
		}
		got, _, err := audit.Get(ctx, d, e.sc, e.director, a.ID)
		if err != nil || len(got.Departments()) != 1 {
			t.Errorf("scope after the refusal: %+v, %v", got.Scope, err)
		}
		if ent, ok := e.lastDenied(); !ok || ent.EntityID != strconv.FormatInt(a.ID, 10) {
			t.Errorf("scope refusal not in the trail: %+v", ent)
		}

		// Someone without the 監査人 role cannot be assigned at all.
		err = e.tx(func(tx *db.Tx) error {
			_, err := audit.AddAuditor(ctx, tx, e.as(e.director), e.director, a.ID, audit.AuditorInput{PersonID: e.committee.PersonID})
			return err
		})
		if fieldKey(err, "person_id") != "audit.auditor_role_required" {
			t.Errorf("assign a non-auditor: %v", err)
		}
	})
}

// A finding is always of an engagement: without one (or with one of
// another organisation) it is refused with a clear message, nothing is
// saved, and the refusal is in the trail.
func TestFindingNeedsEngagement(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.mustAudit("総務部の監査", []int64{e.bureau.ID}, e.auditor)
		for _, c := range []struct {
			name    string
			auditID int64
		}{{"none", 0}, {"unknown", a.ID + 1000}} {
			err := e.tx(func(tx *db.Tx) error {
				_, err := audit.AddFinding(ctx, tx, e.as(e.auditor), e.auditor, audit.FindingInput{AuditID: c.auditID, Severity: "major", Title: "x"})
				return err
			})
			if fieldKey(err, "audit_id") != "audit.refused.finding_without_audit" {
				t.Errorf("%s: %v", c.name, err)
			}
			if err := audit.RecordRefusal(ctx, d, e.as(e.auditor), err); err != nil {
				t.Fatal(err)
			}
			if ent, ok := e.lastDenied(); !ok || !strings.Contains(ent.After, "finding_without_audit") {
				t.Errorf("%s: refusal not in the trail: %+v", c.name, ent)
			}
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM findings WHERE org_id = ?`, e.sc.OrgID).Scan(&n); err != nil || n != 0 {
			t.Errorf("findings saved: %d (%v)", n, err)
		}
	})
}

// Who sees an engagement, conducts it, replies, reads the working notes.
func TestAuditPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.mustAudit("総務課の監査", []int64{e.sect.ID}, e.auditor)
		cases := []struct {
			name                          string
			p                             authz.Principal
			view, conduct, respond, notes bool
		}{
			{"assigned auditor", e.auditor, true, true, false, true},
			{"another auditor", e.auditor2, true, false, false, false},
			{"CISO", e.ciso, true, false, false, true},
			{"統括", e.director, true, false, false, true},
			{"officer of the bureau", e.officer, true, false, true, false},
			{"manager of the section", e.manager, true, false, true, false},
			{"officer of another bureau", e.otherOfficer, false, false, false, false},
			{"committee", e.committee, true, false, false, false},
			{"staff", e.staff, false, false, false, false},
		}
		for _, c := range cases {
			_, perm, err := audit.Get(ctx, d, e.sc, c.p, a.ID)
			if !c.view {
				if !errors.Is(err, db.ErrNotFound) {
					t.Errorf("%s: get %v, want not found", c.name, err)
				}
			} else if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if perm.Conduct != c.conduct || perm.Respond != c.respond || perm.Notes != c.notes {
				t.Errorf("%s: %+v", c.name, perm)
			}
			page, err := audit.List(ctx, d, e.sc, c.p, audit.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if listed := len(page.Items) == 1; listed != c.view {
				t.Errorf("%s: listed %v, want %v", c.name, listed, c.view)
			}
			err = e.tx(func(tx *db.Tx) error {
				_, err := audit.AddItem(ctx, tx, e.as(c.p), c.p, a.ID, audit.ItemInput{Item: "項目"})
				return err
			})
			if (err == nil) != c.conduct {
				t.Errorf("%s: add item %v", c.name, err)
			}
		}
		// Another organisation sees nothing.
		other := newEnv(t, d)
		if _, _, err := audit.Get(ctx, d, other.sc, other.ciso, a.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("other organisation: %v", err)
		}
	})
}

// Lists are read a page at a time with a cursor.
func TestAuditListPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for i := 0; i < 5; i++ {
			e.mustAudit("監査"+strconv.Itoa(i), []int64{e.sect.ID}, e.auditor)
		}
		seen := map[int64]bool{}
		f := audit.Filter{Limit: 2}
		for pages := 0; pages < 10; pages++ {
			page, err := audit.List(ctx, d, e.sc, e.ciso, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Items {
				if seen[a.ID] {
					t.Errorf("audit %d listed twice", a.ID)
				}
				seen[a.ID] = true
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		if len(seen) != 5 {
			t.Errorf("listed %d audits, want 5", len(seen))
		}
		if _, err := audit.List(ctx, d, e.sc, e.ciso, audit.Filter{Cursor: "%%%"}); err == nil {
			t.Error("a bad cursor was accepted")
		}
	})
}
