package policy_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

var ctx = context.Background()

// env is an organisation with two 部局 (the first with a 課室) and a person
// for every role that matters to documents:
//
//	総務部 (bureau) ── 総務課 (sect)      事業部 (other)
type env struct {
	t                    testing.TB
	d                    *db.DB
	sc                   scope.Scope
	bureau, sect, other  org.Department
	ciso, director       authz.Principal // the CISO; 統括 (edits and publishes, does not approve)
	director2            authz.Principal // a second 統括
	officer              authz.Principal // 情報セキュリティ責任者 of 総務部 (reviews)
	committeeA           authz.Principal // committee members
	committeeB           authz.Principal
	admin, auditor       authz.Principal
	staffSect, staffBure authz.Principal // plain workers in 総務課 and 総務部
	outsider             authz.Principal // a plain worker in 事業部
	sysadmin             authz.Principal // 情報システム管理者 sitting in 事業部
}

func newOrg(t testing.TB, d *db.DB, name string) scope.Scope {
	t.Helper()
	var o org.Organisation
	err := d.Transact(ctx, func(tx *db.Tx) (err error) {
		o, err = org.Create(ctx, tx, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return scope.Scope{OrgID: o.ID, ActorName: "テスト担当"}
}

func newEnv(t testing.TB, d *db.DB) *env {
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
		person := func(name string, dept int64, roles ...org.AssignmentInput) authz.Principal {
			if err != nil {
				return authz.Principal{}
			}
			var p org.Person
			if p, err = org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: name, DepartmentID: dept}); err != nil {
				return authz.Principal{}
			}
			for _, r := range roles {
				if _, err = org.Assign(ctx, tx, e.sc, p.ID, r); err != nil {
					return authz.Principal{}
				}
			}
			var pr authz.Principal
			pr, err = org.Principal(ctx, tx, e.sc, p.ID)
			return pr
		}
		role := func(r authz.Role, scopeID ...int64) org.AssignmentInput {
			in := org.AssignmentInput{Role: string(r)}
			if len(scopeID) > 0 {
				in.ScopeID = scopeID[0]
			}
			return in
		}
		e.ciso = person("最高 責任者", e.bureau.ID, role(authz.CISO))
		e.director = person("統括 一郎", e.bureau.ID, role(authz.SecurityDirector))
		e.director2 = person("統括 二郎", e.bureau.ID, role(authz.SecurityDirector))
		e.officer = person("責任 三郎", e.bureau.ID, role(authz.SecurityOfficer, e.bureau.ID))
		e.committeeA = person("委員 花子", e.sect.ID, role(authz.Committee))
		e.committeeB = person("委員 次郎", e.other.ID, role(authz.Committee))
		e.admin = person("管理 者", e.other.ID, role(authz.Admin))
		e.auditor = person("監査 人", e.other.ID, role(authz.Auditor))
		e.staffSect = person("職員 課子", e.sect.ID)
		e.staffBure = person("職員 部子", e.bureau.ID)
		e.outsider = person("部外 者", e.other.ID)
		e.sysadmin = person("システム 管理", e.other.ID)
		e.sysadmin.Assignments = append(e.sysadmin.Assignments, authz.Assignment{Role: authz.SystemAdmin, ScopeKind: authz.ScopeSystem, ScopeID: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// as is the scope of a principal's request.
func (e *env) as(p authz.Principal) scope.Scope {
	sc := e.sc
	sc.ActorID = p.PersonID
	return sc
}

// tx runs fn in a transaction and returns its error.
func (e *env) tx(fn func(tx *db.Tx) error) error { return e.d.Transact(ctx, fn) }

// input is a valid document of a type.
func input(typ policy.Type, title, body string) policy.DocumentInput {
	in := policy.NewDocumentInput()
	in.Type, in.Title, in.Body = string(typ), title, body
	in.AckRequired = false
	return in
}

func (e *env) create(p authz.Principal, in policy.DocumentInput) (policy.Document, policy.Version) {
	e.t.Helper()
	var d policy.Document
	var v policy.Version
	err := e.tx(func(tx *db.Tx) (err error) {
		d, v, err = policy.CreateDocument(ctx, tx, e.as(p), p, in)
		return err
	})
	if err != nil {
		e.t.Fatalf("create %q: %v", in.Title, err)
	}
	return d, v
}

// step runs one life-cycle step and returns its error.
func (e *env) step(p authz.Principal, fn func(tx *db.Tx, sc scope.Scope) (policy.Version, error)) (policy.Version, error) {
	var v policy.Version
	err := e.tx(func(tx *db.Tx) (err error) {
		v, err = fn(tx, e.as(p))
		return err
	})
	return v, err
}

func (e *env) must(v policy.Version, err error) policy.Version {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// publish takes a new document through the whole life cycle: the director
// writes it, the CISO approves, the director publishes.
func (e *env) publish(in policy.DocumentInput, effective string) (policy.Document, policy.Version) {
	e.t.Helper()
	d, v := e.create(e.director, in)
	e.publishVersion(d.ID, v.ID, effective)
	d = e.get(e.ciso, d.ID)
	v = e.must(policy.GetVersion(ctx, e.d, e.sc, e.ciso, d.ID, v.ID))
	return d, v
}

func (e *env) publishVersion(docID, versionID int64, effective string) {
	e.t.Helper()
	e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.Submit(ctx, tx, sc, e.director, docID, versionID)
	}))
	e.must(e.step(e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.Approve(ctx, tx, sc, e.ciso, docID, versionID)
	}))
	e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
		return policy.Publish(ctx, tx, sc, e.director, docID, versionID, effective)
	}))
}

func (e *env) get(p authz.Principal, id int64) policy.Document {
	e.t.Helper()
	d, err := policy.GetDocument(ctx, e.d, e.sc, p, id)
	if err != nil {
		e.t.Fatalf("get document %d: %v", id, err)
	}
	return d
}

// all lists every document the principal may read, walking every page.
func (e *env) all(p authz.Principal, f policy.ListFilter) []policy.Item {
	e.t.Helper()
	var out []policy.Item
	for pages := 0; ; pages++ {
		page, err := policy.ListDocuments(ctx, e.d, e.sc, p, f)
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

func (e *env) newest() trail.Entry {
	e.t.Helper()
	es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		e.t.Fatalf("newest trail entry: %v %v", es, err)
	}
	return es[0]
}

func (e *env) head() int64 {
	e.t.Helper()
	seq, _, err := trail.Head(ctx, e.d, e.sc.OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

func fieldKey(err error, field string) string {
	var ve validate.Errors
	if !errors.As(err, &ve) {
		return ""
	}
	return ve[field].Key
}

func itemIDs(items []policy.Item) map[int64]bool {
	m := map[int64]bool{}
	for _, it := range items {
		m[it.ID] = true
	}
	return m
}

func isNotFound(err error) bool { return errors.Is(err, db.ErrNotFound) }

func idStr(id int64) string { return fmt.Sprint(id) }

// standardBody is a small 対策基準 with numbered clauses.
const standardBody = `# 情報セキュリティ対策基準

## 1 組織体制

情報セキュリティの組織を定める。

### (1) 最高情報セキュリティ責任者

CISOを置く。

## 2 情報資産の分類と管理

情報資産を分類し、管理する。

### (1) 分類

機密性、完全性及び可用性により分類する。

### (2) 管理

- ① 管理責任者を定める。
- ② 台帳に登録する。
`
