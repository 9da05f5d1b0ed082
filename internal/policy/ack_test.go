package policy_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// ackPerson adds a person with a staff category to a department; inactive
// ones are disabled at once.
func (e *env) ackPerson(name string, dept int64, cat org.StaffCategory, active bool) authz.Principal {
	e.t.Helper()
	var p org.Person
	err := e.tx(func(tx *db.Tx) (err error) {
		if p, err = org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: name, DepartmentID: dept, StaffCategory: string(cat)}); err != nil {
			return err
		}
		if !active {
			_, err = org.SetActive(ctx, tx, e.sc, p.ID, false)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return authz.Principal{PersonID: p.ID}
}

// asked returns the people asked to acknowledge a version.
func (e *env) asked(versionID int64) []int64 {
	e.t.Helper()
	rows, err := e.d.QueryContext(ctx, `SELECT person_id FROM acknowledgements WHERE org_id = ? AND version_id = ? ORDER BY person_id`, e.sc.OrgID, versionID)
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

// everyone lists the organisation's active people with their principals.
func (e *env) everyone() []authz.Principal {
	e.t.Helper()
	rows, err := e.d.QueryContext(ctx, `SELECT id FROM people WHERE org_id = ? AND active = TRUE ORDER BY id`, e.sc.OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []authz.Principal
	for _, id := range ids {
		p, err := org.Principal(ctx, e.d, e.sc, id)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func ids(ps ...authz.Principal) []int64 {
	out := make([]int64, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.PersonID)
	}
	slices.Sort(out)
	return out
}

func ackInput(title string) policy.DocumentInput {
	in := input(policy.Standard, title, standardBody)
	in.AckRequired = true
	return in
}

func (e *env) acknowledge(p authz.Principal, docID, versionID int64) error {
	return e.tx(func(tx *db.Tx) error {
		return policy.Acknowledge(ctx, tx, e.as(p), p, docID, versionID)
	})
}

// Publishing asks exactly the active people of the document's staff
// categories and departments (a 部局 covering its 課室), and of a
// restricted document only those who may read it.
func TestAckRequestScope(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		dispatched := e.ackPerson("派遣 職員", e.sect.ID, org.Dispatched, true)
		contract := e.ackPerson("嘱託 職員", e.other.ID, org.Contract, true)
		gone := e.ackPerson("退職 者", e.sect.ID, org.Regular, false)
		nodept := e.ackPerson("所属 なし", 0, org.Regular, true)
		all := e.everyone()
		allIDs := ids(all...)
		if slices.Contains(allIDs, gone.PersonID) {
			t.Fatal("an inactive person is listed as active")
		}
		bureauPeople := ids(e.ciso, e.director, e.director2, e.officer, e.staffBure, e.committeeA, e.staffSect, dispatched)

		cases := []struct {
			name string
			edit func(in *policy.DocumentInput)
			want []int64
		}{
			{"everyone", func(in *policy.DocumentInput) {}, allIDs},
			{"not asked", func(in *policy.DocumentInput) { in.AckRequired = false }, nil},
			{"one category", func(in *policy.DocumentInput) { in.AckCategories = []string{string(org.Dispatched)} }, ids(dispatched)},
			{"two categories", func(in *policy.DocumentInput) {
				in.AckCategories = []string{string(org.Dispatched), string(org.Contract)}
			}, ids(dispatched, contract)},
			{"a 部局 with its 課室", func(in *policy.DocumentInput) { in.AckDepartments = policy.IDs{e.bureau.ID} }, bureauPeople},
			{"a 課室", func(in *policy.DocumentInput) { in.AckDepartments = policy.IDs{e.sect.ID} }, ids(e.committeeA, e.staffSect, dispatched)},
			{"a 課室 and a category", func(in *policy.DocumentInput) {
				in.AckDepartments = policy.IDs{e.sect.ID}
				in.AckCategories = []string{string(org.Regular)}
			}, ids(e.committeeA, e.staffSect)},
			{"restricted to a department", func(in *policy.DocumentInput) {
				in.Visibility = string(policy.Restricted)
				in.Access = []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.other.ID)}}
			}, ids(e.ciso, e.director, e.director2, e.committeeB, e.admin, e.auditor, e.outsider, e.sysadmin, contract)},
			{"restricted to a role and a person", func(in *policy.DocumentInput) {
				in.Visibility = string(policy.Restricted)
				in.Access = []policy.Access{{Kind: policy.AccessRole, Ref: string(authz.Auditor)}, {Kind: policy.AccessPerson, Ref: idStr(nodept.PersonID)}}
			}, ids(e.ciso, e.director, e.director2, e.auditor, nodept)},
			{"restricted to a 部局, asking one category", func(in *policy.DocumentInput) {
				in.Visibility = string(policy.Restricted)
				in.Access = []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.bureau.ID)}}
				in.AckCategories = []string{string(org.Dispatched), string(org.Contract)}
			}, ids(dispatched)},
		}
		for _, c := range cases {
			in := ackInput(c.name)
			c.edit(&in)
			doc, v := e.publish(in, "2026-04-01")
			got := e.asked(v.ID)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: asked %v, want %v", c.name, got, c.want)
			}
			// Nobody is asked to acknowledge a text they cannot open, and
			// with no other limit every reader is asked.
			for _, p := range all {
				can, err := policy.CanRead(ctx, d, e.sc, p, doc.ID)
				if err != nil {
					t.Fatal(err)
				}
				if slices.Contains(got, p.PersonID) && !can {
					t.Errorf("%s: person %d is asked but cannot read the document", c.name, p.PersonID)
				}
				if in.AckRequired && len(in.AckCategories) == 0 && len(in.AckDepartments) == 0 && can && !slices.Contains(got, p.PersonID) {
					t.Errorf("%s: person %d can read the document but is not asked", c.name, p.PersonID)
				}
			}
		}
	})
}

// Asking 2,000 people is one statement, not a loop: it stays quick.
func TestAckRequestMany(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		const n = 2000
		now := db.Now()
		err := e.tx(func(tx *db.Tx) error {
			for i := 0; i < n; i += 500 {
				q := `INSERT INTO people (org_id, name, name_kana, email, title, department_id, staff_category, active, created_at, updated_at) VALUES `
				var args []any
				for j := i; j < i+500; j++ {
					if j > i {
						q += ", "
					}
					q += "(?, ?, '', '', '', ?, 'regular', TRUE, ?, ?)"
					args = append(args, e.sc.OrgID, fmt.Sprintf("職員%04d", j), e.sect.ID, now, now)
				}
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		doc, v := e.create(e.director, ackInput("全職員向け"))
		e.must(e.step(e.director, submitStep(doc.ID, v.ID, e.director)))
		e.must(e.step(e.ciso, approveStep(doc.ID, v.ID, e.ciso)))
		start := time.Now()
		e.must(e.step(e.director, publishStep(doc.ID, v.ID, e.director)))
		took := time.Since(start)
		if got := len(e.asked(v.ID)); got != n+12 {
			t.Errorf("asked %d people, want %d", got, n+12)
		}
		t.Logf("%s: publishing to %d people took %v", d.Dialect(), n+12, took)
		if took > 10*time.Second {
			t.Errorf("publishing to %d people took %v", n, took)
		}
	})
}

// Acknowledging: once, with its time, in the trail; a second time is
// refused without a second row or entry; a person not asked, or a version
// no longer in effect, is refused (and the refusal can be recorded); a
// restricted document's outsider finds nothing.
func TestAcknowledge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		in := ackInput("総務部向け手順")
		in.AckDepartments = policy.IDs{e.bureau.ID}
		doc, v1 := e.publish(in, "2026-04-01")

		st, err := policy.MyAcknowledgement(ctx, d, e.sc, e.staffSect, doc.ID, v1.ID)
		if err != nil || !st.Asked || st.Done() {
			t.Fatalf("before: %+v %v", st, err)
		}
		before := e.head()
		if err := e.acknowledge(e.staffSect, doc.ID, v1.ID); err != nil {
			t.Fatal(err)
		}
		if e.head() != before+1 {
			t.Errorf("acknowledging wrote %d trail entries", e.head()-before)
		}
		got := e.newest()
		if got.Action != trail.Update || got.Entity != policy.EntityAcknowledgment || got.EntityID != fmt.Sprintf("%d:%d", v1.ID, e.staffSect.PersonID) || got.ActorID != e.staffSect.PersonID {
			t.Errorf("trail entry: %+v", got)
		}
		st, err = policy.MyAcknowledgement(ctx, d, e.sc, e.staffSect, doc.ID, v1.ID)
		if err != nil || !st.Done() || st.AcknowledgedAt < st.RequestedAt {
			t.Errorf("after: %+v %v", st, err)
		}
		// Twice: a clear answer, nothing written.
		before = e.head()
		if err := e.acknowledge(e.staffSect, doc.ID, v1.ID); !errors.Is(err, policy.ErrAlreadyAcknowledged) || !errors.Is(err, db.ErrConflict) {
			t.Errorf("second acknowledgement: %v", err)
		}
		if e.head() != before {
			t.Error("a second acknowledgement was recorded")
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM acknowledgements WHERE version_id = ? AND person_id = ?`, v1.ID, e.staffSect.PersonID).Scan(&n); err != nil || n != 1 {
			t.Errorf("rows: %d %v", n, err)
		}

		// Out of scope: refused, and the refusal goes to the trail.
		err = e.acknowledge(e.outsider, doc.ID, v1.ID)
		ref, ok := policy.AsRefusal(err)
		if !ok || !errors.Is(err, policy.ErrForbidden) || ref.Key != "ack.refused.out_of_scope" || ref.Step != policy.StepAcknowledge {
			t.Fatalf("outsider: %v", err)
		}
		if err := policy.RecordRefusal(ctx, d, e.as(e.outsider), err); err != nil {
			t.Fatal(err)
		}
		if got := e.newest(); got.Action != trail.Denied || got.ActorID != e.outsider.PersonID || got.EntityID != idStr(v1.ID) {
			t.Errorf("refusal entry: %+v", got)
		}

		// A new version supersedes the first: acknowledging the old one is
		// refused; the new one is asked of the same people again.
		v2 := e.must(e.step(e.director, newDraftStep(doc.ID, e.director)))
		e.publishVersion(doc.ID, v2.ID, "2027-04-01")
		if err := e.acknowledge(e.staffBure, doc.ID, v1.ID); !errors.Is(err, policy.ErrForbidden) {
			t.Errorf("superseded version: %v", err)
		} else if ref, _ := policy.AsRefusal(err); ref.Key != "ack.refused.not_in_effect" {
			t.Errorf("superseded version: %v", err)
		}
		if st, err := policy.MyAcknowledgement(ctx, d, e.sc, e.staffSect, doc.ID, v2.ID); err != nil || !st.Asked || st.Done() {
			t.Errorf("new version: %+v %v", st, err)
		}
		if err := e.acknowledge(e.staffBure, doc.ID, 999999); !isNotFound(err) {
			t.Errorf("unknown version: %v", err)
		}

		// A restricted document is not found by those outside its list.
		rin := ackInput("制限文書")
		rin.Visibility = string(policy.Restricted)
		rin.Access = []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.sect.ID)}}
		rdoc, rv := e.publish(rin, "2026-04-01")
		if err := e.acknowledge(e.outsider, rdoc.ID, rv.ID); !isNotFound(err) {
			t.Errorf("outsider on a restricted document: %v", err)
		}
		if err := e.acknowledge(e.staffSect, rdoc.ID, rv.ID); err != nil {
			t.Errorf("reader of a restricted document: %v", err)
		}
	})
}

// What awaits a person: the versions in effect they were asked about and
// have not acknowledged, of documents they can still read.
func TestPendingAcknowledgements(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a, va := e.publish(ackInput("文書A"), "2026-04-01")
		b, vb := e.publish(ackInput("文書B"), "2026-04-02")
		rin := ackInput("制限文書")
		rin.Visibility = string(policy.Restricted)
		rin.Access = []policy.Access{{Kind: policy.AccessPerson, Ref: idStr(e.staffSect.PersonID)}}
		r, vr := e.publish(rin, "2026-04-03")
		pending := func(p authz.Principal) []int64 {
			t.Helper()
			list, err := policy.PendingAcknowledgements(ctx, d, e.sc, p)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, x := range list {
				out = append(out, x.VersionID)
			}
			return out
		}
		if got := pending(e.staffSect); !slices.Equal(got, []int64{va.ID, vb.ID, vr.ID}) {
			t.Errorf("pending: %v", got)
		}
		if got := pending(e.outsider); !slices.Equal(got, []int64{va.ID, vb.ID}) {
			t.Errorf("outsider's pending: %v", got)
		}
		if err := e.acknowledge(e.staffSect, a.ID, va.ID); err != nil {
			t.Fatal(err)
		}
		if got := pending(e.staffSect); !slices.Equal(got, []int64{vb.ID, vr.ID}) {
			t.Errorf("after acknowledging A: %v", got)
		}
		// Taken off the access list: no longer asked to read what they
		// cannot open.
		upd := r.Input()
		upd.Access = []policy.Access{{Kind: policy.AccessPerson, Ref: idStr(e.staffBure.PersonID)}}
		if err := e.tx(func(tx *db.Tx) error {
			_, err := policy.UpdateDocument(ctx, tx, e.as(e.director), e.director, r.ID, upd)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := pending(e.staffSect); !slices.Equal(got, []int64{vb.ID}) {
			t.Errorf("after losing access: %v", got)
		}
		_ = b
	})
}

// Progress per department within the tracker's reach: the CISO sees every
// department, a 部局's officer their 部局 and its 課室, and nobody without
// document.track_acks anything.
func TestAckProgress(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, v := e.publish(ackInput("全員向け"), "2026-04-01")
		for _, p := range []authz.Principal{e.staffSect, e.officer, e.outsider} {
			if err := e.acknowledge(p, doc.ID, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		// 総務部: ciso, director, director2, officer*, staffBure; 総務課:
		// committeeA, staffSect*; 事業部: committeeB, admin, auditor,
		// outsider*, sysadmin.
		want := map[int64][2]int{e.bureau.ID: {5, 1}, e.sect.ID: {2, 1}, e.other.ID: {5, 1}}
		check := func(who string, p authz.Principal, depts ...int64) {
			t.Helper()
			pr, err := policy.AckProgress(ctx, d, e.sc, p, doc.ID, v.ID)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			asked, done := 0, 0
			var got []int64
			for _, dp := range pr.Departments {
				got = append(got, dp.DepartmentID)
				if w := want[dp.DepartmentID]; dp.Asked != w[0] || dp.Done != w[1] {
					t.Errorf("%s: department %d: %d/%d, want %d/%d", who, dp.DepartmentID, dp.Done, dp.Asked, w[1], w[0])
				}
				asked += dp.Asked
				done += dp.Done
			}
			slices.Sort(depts)
			if !slices.Equal(got, depts) || pr.Asked != asked || pr.Done != done {
				t.Errorf("%s: departments %v (%d/%d), want %v", who, got, pr.Done, pr.Asked, depts)
			}
			overview, err := policy.AckOverview(ctx, d, e.sc, p)
			if err != nil || len(overview) != 1 || overview[0].VersionID != v.ID || overview[0].Asked != asked || overview[0].Done != done {
				t.Errorf("%s: overview %+v %v", who, overview, err)
			}
		}
		check("CISO", e.ciso, e.bureau.ID, e.sect.ID, e.other.ID)
		check("統括", e.director, e.bureau.ID, e.sect.ID, e.other.ID)
		check("情報セキュリティ責任者", e.officer, e.bureau.ID, e.sect.ID)
		for _, p := range []authz.Principal{e.staffSect, e.auditor, e.committeeA} {
			if _, err := policy.AckProgress(ctx, d, e.sc, p, doc.ID, v.ID); !errors.Is(err, policy.ErrForbidden) {
				t.Errorf("person %d: %v", p.PersonID, err)
			}
			if _, err := policy.AckOverview(ctx, d, e.sc, p); !errors.Is(err, policy.ErrForbidden) {
				t.Errorf("person %d overview: %v", p.PersonID, err)
			}
		}

		// Who has not acknowledged, a page at a time, by department.
		walk := func(p authz.Principal, f policy.AckFilter) []int64 {
			t.Helper()
			var out []int64
			f.Limit = 2
			for i := 0; ; i++ {
				page, err := policy.ListAckPeople(ctx, d, e.sc, p, doc.ID, v.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range page.Items {
					out = append(out, x.PersonID)
				}
				if page.NextCursor == "" || i > 20 {
					break
				}
				f.Cursor = page.NextCursor
			}
			slices.Sort(out)
			return out
		}
		if got, want := walk(e.officer, policy.AckFilter{}), ids(e.ciso, e.director, e.director2, e.staffBure, e.committeeA); !slices.Equal(got, want) {
			t.Errorf("officer's pending: %v, want %v", got, want)
		}
		if got, want := walk(e.ciso, policy.AckFilter{DepartmentID: e.sect.ID}), ids(e.committeeA); !slices.Equal(got, want) {
			t.Errorf("section's pending: %v, want %v", got, want)
		}
		if got, want := walk(e.ciso, policy.AckFilter{Status: "done"}), ids(e.staffSect, e.officer, e.outsider); !slices.Equal(got, want) {
			t.Errorf("done: %v, want %v", got, want)
		}
		// The officer's filter cannot reach past their 部局.
		if got := walk(e.officer, policy.AckFilter{DepartmentID: e.other.ID}); len(got) != 0 {
			t.Errorf("officer outside their 部局: %v", got)
		}
		if _, err := policy.ListAckPeople(ctx, d, e.sc, e.ciso, doc.ID, v.ID, policy.AckFilter{Cursor: "!!"}); fieldKey(err, "cursor") == "" {
			t.Errorf("bad cursor: %v", err)
		}
		var walked []int64
		if err := policy.WalkAckPeople(ctx, d, e.sc, e.officer, doc.ID, v.ID, policy.AckFilter{Status: "all"}, func(x policy.AckPerson) error {
			walked = append(walked, x.PersonID)
			return nil
		}); err != nil || len(walked) != 7 {
			t.Errorf("walked %v %v", walked, err)
		}
	})
}

func submitStep(docID, versionID int64, p authz.Principal) func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
	return func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.Submit(ctx, tx, sc, p, docID, versionID)
	}
}

func approveStep(docID, versionID int64, p authz.Principal) func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
	return func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.Approve(ctx, tx, sc, p, docID, versionID)
	}
}

func publishStep(docID, versionID int64, p authz.Principal) func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
	return func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.Publish(ctx, tx, sc, p, docID, versionID, "2026-04-01")
	}
}

func newDraftStep(docID int64, p authz.Principal) func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
	return func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.NewDraft(ctx, tx, sc, p, docID)
	}
}

// Every message key the acknowledgement, review and exception rules can
// hand to the edges is in both catalogues.
// Acknowledgements recorded in bulk (from a paper list) count in the
// progress as those given one by one do, and each is counted once.
func TestAckProgressBulk(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, v := e.publish(ackInput("紙で確認"), "2026-04-01")
		if err := e.acknowledge(e.staffSect, doc.ID, v.ID); err != nil {
			t.Fatal(err)
		}
		ids := []int64{e.staffSect.PersonID, e.officer.PersonID, e.outsider.PersonID}
		if err := e.tx(func(tx *db.Tx) error {
			n, err := policy.RecordAcknowledgements(ctx, tx, e.sc, doc.ID, v.ID, ids, db.Now())
			if err == nil && n != 2 {
				t.Errorf("recorded %d, want 2 (one had already acknowledged)", n)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		pr, err := policy.AckProgress(ctx, d, e.sc, e.ciso, doc.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Done != 3 || pr.Asked != 12 {
			t.Errorf("progress %d/%d, want 3/12", pr.Done, pr.Asked)
		}
	})
}

func TestAckCatalogue(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"ack.refused.not_in_effect", "ack.refused.out_of_scope", "ack.refused.own_exception",
		"ack.refused.exception_decided", "ack.refused.not_requester", "ack.review.future", "ack.review.not_published",
		"ack.clause_unknown", "ack.exception.ends_before_start", "ack.exception.too_long", "ack.exception.already_over",
		"ack.exception.not_in_effect", policy.Requested.Key()}
	for _, k := range policy.TriggerKinds {
		keys = append(keys, k.Key())
	}
	for _, r := range policy.ReviewResults {
		keys = append(keys, r.Key())
	}
	for _, s := range policy.ExceptionStatuses {
		keys = append(keys, s.Key())
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%q has no %s text", k, lang)
			}
		}
	}
}
