package asset_test

import (
	"context"
	"errors"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

var ctx = context.Background()

// env is an organisation with two 部局 (the first with a 課室), people in
// them and a principal for every role that matters to the register.
type env struct {
	t      *testing.T
	d      *db.DB
	sc     scope.Scope
	bureau org.Department // 総務部
	sect   org.Department // 総務部 › 総務課
	other  org.Department // 事業部
	// alice works in 総務課, bob in 事業部; carol witnesses disposals;
	// gone has left (inactive).
	alice, bob, carol, gone org.Person

	ciso, director, officer, manager, otherOfficer, auditor, committee, staffAlice, staffBob, nobody authz.Principal
}

func newOrg(t *testing.T, d *db.DB, name string) scope.Scope {
	t.Helper()
	var o org.Organisation
	err := d.Transact(ctx, func(tx *db.Tx) (err error) {
		o, err = org.Create(ctx, tx, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return scope.Scope{OrgID: o.ID, ActorID: 1, ActorName: "テスト担当"}
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d, sc: newOrg(t, d, "北海道市町村職員福祉協会")}
	err := d.Transact(ctx, func(tx *db.Tx) (err error) {
		if e.bureau, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "総務部"}); err != nil {
			return err
		}
		if e.sect, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "総務課", ParentID: e.bureau.ID}); err != nil {
			return err
		}
		if e.other, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "事業部"}); err != nil {
			return err
		}
		person := func(name string, dept int64) (org.Person, error) {
			return org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: name, DepartmentID: dept})
		}
		if e.alice, err = person("佐藤 花子", e.sect.ID); err != nil {
			return err
		}
		if e.bob, err = person("鈴木 一郎", e.other.ID); err != nil {
			return err
		}
		if e.carol, err = person("高橋 三郎", e.bureau.ID); err != nil {
			return err
		}
		if e.gone, err = person("退職 太郎", e.bureau.ID); err != nil {
			return err
		}
		e.gone, err = org.SetActive(ctx, tx, e.sc, e.gone.ID, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	as := func(id int64, r authz.Role, k authz.ScopeKind, scopeID int64) authz.Principal {
		return authz.Principal{PersonID: id, Assignments: []authz.Assignment{{Role: r, ScopeKind: k, ScopeID: scopeID}}}
	}
	e.ciso = as(9001, authz.CISO, authz.ScopeOrg, 0)
	e.director = as(9002, authz.SecurityDirector, authz.ScopeOrg, 0)
	e.officer = as(9003, authz.SecurityOfficer, authz.ScopeDepartment, e.bureau.ID)
	e.manager = as(9004, authz.SecurityManager, authz.ScopeDepartment, e.sect.ID)
	e.otherOfficer = as(9005, authz.SecurityOfficer, authz.ScopeDepartment, e.other.ID)
	e.auditor = as(9006, authz.Auditor, authz.ScopeOrg, 0)
	e.committee = as(9007, authz.Committee, authz.ScopeOrg, 0)
	e.staffAlice = authz.Principal{PersonID: e.alice.ID}
	e.staffBob = authz.Principal{PersonID: e.bob.ID}
	e.nobody = authz.Principal{PersonID: 9999}
	return e
}

// sysAdmin is a 情報システム管理者 of the system asset id.
func sysAdmin(id int64) authz.Principal {
	return authz.Principal{PersonID: 9100, Assignments: []authz.Assignment{{Role: authz.SystemAdmin, ScopeKind: authz.ScopeSystem, ScopeID: id}}}
}

// input is a valid asset of 総務課 owned by alice.
func (e *env) input(name string) asset.Input {
	return asset.Input{Name: name, Kind: "information", DepartmentID: e.sect.ID, OwnerID: e.alice.ID,
		Confidentiality: "2", Integrity: "1", Availability: "1"}
}

func (e *env) create(in asset.Input) asset.Asset {
	e.t.Helper()
	var a asset.Asset
	err := e.d.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = asset.Create(ctx, tx, e.sc, e.ciso, in)
		return err
	})
	if err != nil {
		e.t.Fatalf("create %q: %v", in.Name, err)
	}
	return a
}

func (e *env) update(p authz.Principal, id int64, in asset.Input) (asset.Asset, error) {
	var a asset.Asset
	err := e.d.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = asset.Update(ctx, tx, e.sc, p, id, in)
		return err
	})
	return a, err
}

func (e *env) head() int64 {
	e.t.Helper()
	seq, _, err := trail.Head(ctx, e.d, e.sc.OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// all lists every asset the principal may view, walking every page.
func (e *env) all(p authz.Principal, f asset.Filter) []asset.Asset {
	e.t.Helper()
	var out []asset.Asset
	for pages := 0; ; pages++ {
		page, err := asset.List(ctx, e.d, e.sc, p, f)
		if err != nil {
			e.t.Fatalf("list %+v: %v", f, err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		if pages > 1000 {
			e.t.Fatal("pagination does not end")
		}
		f.Cursor = page.NextCursor
	}
}

func fieldKey(err error, field string) string {
	var ve validate.Errors
	if !errors.As(err, &ve) {
		return ""
	}
	return ve[field].Key
}

func ids(as []asset.Asset) map[int64]bool {
	m := map[int64]bool{}
	for _, a := range as {
		m[a.ID] = true
	}
	return m
}
