package action_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"mamori/internal/action"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

var ctx = context.Background()

// env: 総務部 ── 総務課, and 事業部; a campaign with one checklist item.
type env struct {
	t                     *testing.T
	d                     *db.DB
	sc                    scope.Scope
	bureau, sect, other   org.Department
	ciso, director        authz.Principal
	auditor               authz.Principal
	officer, otherOfficer authz.Principal
	owner, colleague      authz.Principal // workers in 総務課
	campaignID, itemID    int64
	itemID2               int64
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		o, err := org.Create(ctx, tx, "北海道市町村職員福祉協会")
		if err != nil {
			return err
		}
		e.sc = scope.Scope{OrgID: o.ID, ActorName: "テスト"}
		if e.bureau, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "総務部"}); err != nil {
			return err
		}
		if e.sect, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "総務課", ParentID: e.bureau.ID}); err != nil {
			return err
		}
		if e.other, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "事業部"}); err != nil {
			return err
		}
		person := func(name string, dept int64, role authz.Role, scopeID int64) authz.Principal {
			if err != nil {
				return authz.Principal{}
			}
			var p org.Person
			if p, err = org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: name, DepartmentID: dept}); err != nil {
				return authz.Principal{}
			}
			if role != "" {
				if _, err = org.Assign(ctx, tx, e.sc, p.ID, org.AssignmentInput{Role: string(role), ScopeID: scopeID}); err != nil {
					return authz.Principal{}
				}
			}
			var pr authz.Principal
			pr, err = org.Principal(ctx, tx, e.sc, p.ID)
			return pr
		}
		e.ciso = person("最高 責任者", 0, authz.CISO, 0)
		e.director = person("統括 責任者", 0, authz.SecurityDirector, 0)
		e.auditor = person("監査 一郎", e.other.ID, authz.Auditor, 0)
		e.officer = person("総務 部長", e.bureau.ID, authz.SecurityOfficer, e.bureau.ID)
		e.otherOfficer = person("事業 部長", e.other.ID, authz.SecurityOfficer, e.other.ID)
		e.owner = person("担当 花子", e.sect.ID, "", 0)
		e.colleague = person("同僚 次郎", e.sect.ID, "", 0)
		if err != nil {
			return err
		}
		// A checklist and a campaign, as package inspection writes them.
		now := db.Now()
		var checklist int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO checklists (org_id, title, status, created_at, updated_at) VALUES (?, ?, 'active', ?, ?) RETURNING id`,
			e.sc.OrgID, "自己点検表", now, now).Scan(&checklist); err != nil {
			return err
		}
		for i, id := range []*int64{&e.itemID, &e.itemID2} {
			if err := tx.QueryRowContext(ctx, `INSERT INTO checklist_items (org_id, checklist_id, seq, question, respondent) VALUES (?, ?, ?, ?, 'all') RETURNING id`,
				e.sc.OrgID, checklist, i+1, "パスワードを他人に教えていないか").Scan(id); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO campaigns (org_id, title, checklist_id, starts_on, ends_on, status, created_at, updated_at)
			VALUES (?, ?, ?, '2025-06-01', '2025-06-30', 'open', ?, ?) RETURNING id`, e.sc.OrgID, "令和7年度自己点検", checklist, now, now).Scan(&e.campaignID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) as(p authz.Principal) scope.Scope {
	sc := e.sc
	sc.ActorID = p.PersonID
	return sc
}

func (e *env) raise(p authz.Principal, in action.InspectionInput) (action.Action, error) {
	var a action.Action
	err := e.d.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = action.RaiseFromInspection(ctx, tx, e.as(p), p, in)
		return err
	})
	return a, err
}

func (e *env) inspection() action.InspectionInput {
	return action.InspectionInput{CampaignID: e.campaignID, ItemID: e.itemID, DepartmentID: e.sect.ID, OwnerID: e.owner.PersonID,
		Title: "パスワード管理の徹底", DueOn: "令和7年9月30日"}
}

// A 未実施 answer raises one action per (campaign, item, department): a
// second call, even a concurrent one, returns the first.
func TestRaiseFromInspectionIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first, err := e.raise(e.director, e.inspection())
		if err != nil {
			t.Fatal(err)
		}
		if first.Source != action.FromSelfInspection || first.DueOn != "2025-09-30" || first.Status != action.Open || first.DepartmentID != e.sect.ID {
			t.Errorf("raised %+v", first)
		}
		var wg sync.WaitGroup
		got := make([]action.Action, 4)
		errs := make([]error, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := e.inspection()
				in.Title = "別の題名"
				got[i], errs[i] = e.raise(e.officer, in)
			}()
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || got[i].ID != first.ID || got[i].Title != first.Title {
				t.Errorf("call %d: %+v %v", i, got[i], errs[i])
			}
		}
		es, err := trail.List(ctx, d, e.sc, trail.Filter{Entity: action.EntityAction, Limit: 10})
		if err != nil || len(es) != 1 {
			t.Errorf("trail entries %d (%v), want 1", len(es), err)
		}
		// Another item is another action.
		in := e.inspection()
		in.ItemID = e.itemID2
		if second, err := e.raise(e.director, in); err != nil || second.ID == first.ID {
			t.Errorf("another item: %+v %v", second, err)
		}
	})
}

func TestRaiseFromInspectionRules(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		cases := []struct {
			name  string
			p     authz.Principal
			edit  func(*action.InspectionInput)
			field string // or "forbidden"
		}{
			{"officer of another bureau", e.otherOfficer, nil, "forbidden"},
			{"the would-be owner", e.owner, nil, "forbidden"},
			{"auditor", e.auditor, nil, "forbidden"},
			{"no title", e.director, func(in *action.InspectionInput) { in.Title = " " }, "title"},
			{"bad date", e.director, func(in *action.InspectionInput) { in.DueOn = "来月" }, "due_on"},
			{"no owner", e.director, func(in *action.InspectionInput) { in.OwnerID = 0 }, "owner_id"},
			{"unknown owner", e.director, func(in *action.InspectionInput) { in.OwnerID = 99999 }, "owner_id"},
			{"item of no campaign", e.director, func(in *action.InspectionInput) { in.ItemID = 99999 }, "item_id"},
		}
		for _, c := range cases {
			in := e.inspection()
			if c.edit != nil {
				c.edit(&in)
			}
			_, err := e.raise(c.p, in)
			if c.field == "forbidden" {
				if !errors.Is(err, authz.ErrForbidden) {
					t.Errorf("%s: %v", c.name, err)
				}
				continue
			}
			if ve, ok := validate.As(err); !ok || ve[c.field].Key == "" {
				t.Errorf("%s: %v, want a problem with %s", c.name, err, c.field)
			}
		}
		// The officer of the department may raise it.
		if _, err := e.raise(e.officer, e.inspection()); err != nil {
			t.Errorf("officer: %v", err)
		}
	})
}

// Progress by the owner, verification by an auditor or 統括 who is not
// the owner, and sending back.
func TestProgressAndVerify(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a, err := e.raise(e.director, e.inspection())
		if err != nil {
			t.Fatal(err)
		}
		progress := func(p authz.Principal, in action.ProgressInput) (action.Action, error) {
			var out action.Action
			err := d.Transact(ctx, func(tx *db.Tx) (err error) { out, err = action.Progress(ctx, tx, e.as(p), p, a.ID, in); return err })
			return out, err
		}
		verify := func(p authz.Principal, in action.VerifyInput) (action.Action, error) {
			var out action.Action
			err := d.Transact(ctx, func(tx *db.Tx) (err error) { out, err = action.Verify(ctx, tx, e.as(p), p, a.ID, in); return err })
			return out, err
		}
		// A colleague sees nothing; another bureau's officer neither.
		for _, p := range []authz.Principal{e.colleague, e.otherOfficer} {
			if _, err := progress(p, action.ProgressInput{Status: "in_progress"}); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("person %d: %v", p.PersonID, err)
			}
		}
		// Completing needs a note of what was done.
		if _, err := progress(e.owner, action.ProgressInput{Status: "completed"}); err == nil {
			t.Error("completed without a note")
		}
		// Verifying an action not yet completed is a conflict.
		if _, err := verify(e.auditor, action.VerifyInput{Accept: true}); !errors.Is(err, action.ErrState) {
			t.Errorf("verify an open action: %v", err)
		}
		if a, err = progress(e.owner, action.ProgressInput{Status: "completed", Note: "全員に周知した。", Version: a.Version}); err != nil {
			t.Fatal(err)
		}
		// A stale version is refused.
		if _, err := progress(e.owner, action.ProgressInput{Status: "in_progress", Version: a.Version - 1}); !errors.Is(err, db.ErrConflict) {
			t.Errorf("stale: %v", err)
		}
		// The CISO has no action.verify; the owner never verifies their own.
		for _, p := range []authz.Principal{e.ciso, e.officer} {
			if _, err := verify(p, action.VerifyInput{Accept: true}); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("verify by %d: %v", p.PersonID, err)
			}
		}
		// Sending back needs a note, and reopens it.
		if _, err := verify(e.auditor, action.VerifyInput{Accept: false}); err == nil {
			t.Error("sent back without a note")
		}
		if a, err = verify(e.auditor, action.VerifyInput{Accept: false, Note: "周知の記録がない。"}); err != nil || a.Status != action.InProgress {
			t.Fatalf("send back: %+v %v", a, err)
		}
		if a, err = progress(e.owner, action.ProgressInput{Status: "completed", Note: "周知の記録を添付した。"}); err != nil {
			t.Fatal(err)
		}
		if a, err = verify(e.director, action.VerifyInput{Accept: true}); err != nil || a.Status != action.Verified || a.VerifiedBy != e.director.PersonID {
			t.Fatalf("verify: %+v %v", a, err)
		}
		if _, err := progress(e.owner, action.ProgressInput{Status: "in_progress"}); !errors.Is(err, action.ErrState) {
			t.Errorf("progress on a closed action: %v", err)
		}
	})
}

// Lists: who sees which, the filters, overdue, and pages.
func TestList(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var ids []int64
		for i, due := range []string{"2020-01-01", "2099-01-01", "2020-06-01"} {
			in := e.inspection()
			if i == 1 {
				in.ItemID = e.itemID2
			}
			if i == 2 {
				in.DepartmentID, in.OwnerID = e.other.ID, e.colleague.PersonID
			}
			in.DueOn = due
			a, err := e.raise(e.director, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		list := func(p authz.Principal, f action.Filter) []int64 {
			t.Helper()
			var out []int64
			for {
				page, err := action.List(ctx, d, e.sc, p, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range page.Items {
					out = append(out, a.ID)
				}
				if page.NextCursor == "" {
					return out
				}
				f.Cursor = page.NextCursor
			}
		}
		same := func(a, b []int64) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if a[i] != b[i] {
					return false
				}
			}
			return true
		}
		cases := []struct {
			name string
			p    authz.Principal
			f    action.Filter
			want []int64
		}{
			{"CISO, by due date", e.ciso, action.Filter{Limit: 1}, []int64{ids[0], ids[2], ids[1]}},
			{"officer of 総務部", e.officer, action.Filter{}, []int64{ids[0], ids[1]}},
			{"owner", e.owner, action.Filter{}, []int64{ids[0], ids[1]}},
			{"colleague owns one elsewhere", e.colleague, action.Filter{}, []int64{ids[2]}},
			{"overdue", e.auditor, action.Filter{Overdue: true}, []int64{ids[0], ids[2]}},
			{"by owner", e.director, action.Filter{OwnerID: e.colleague.PersonID}, []int64{ids[2]}},
			{"by department", e.director, action.Filter{DepartmentID: e.bureau.ID}, []int64{ids[0], ids[1]}},
			{"by status", e.director, action.Filter{Status: action.Verified}, nil},
		}
		for _, c := range cases {
			if got := list(c.p, c.f); !same(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		own, _, err := action.Responsible(ctx, d, e.sc, e.owner, 5)
		if err != nil || len(own) != 2 || !own[0].Overdue || own[1].Overdue {
			t.Errorf("responsible: %+v %v", own, err)
		}
	})
}
