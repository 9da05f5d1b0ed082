package audit_test

import (
	"context"
	"errors"
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

// env is an organisation with two 部局 (the first with two 課室) and a
// person for every role an audit needs:
//
//	総務部 (bureau) ── 総務課 (sect), 人事課 (sect2)      事業部 (other)
type env struct {
	t                          *testing.T
	d                          *db.DB
	sc                         scope.Scope
	bureau, sect, sect2, other org.Department
	ciso, director             authz.Principal
	auditor                    authz.Principal // sits in 事業部
	auditorSect                authz.Principal // an auditor who sits in 総務課
	auditor2                   authz.Principal // sits in no department
	officer                    authz.Principal // 情報セキュリティ責任者 of 総務部
	manager                    authz.Principal // 情報セキュリティ管理者 of 総務課
	otherOfficer               authz.Principal // of 事業部
	committee                  authz.Principal
	staff                      authz.Principal // a plain worker in 総務課
	docID                      int64           // a published standard with clause 2-(2)
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		o, err := org.Create(ctx, tx, "北海道市町村職員福祉協会")
		if err != nil {
			return err
		}
		e.sc = scope.Scope{OrgID: o.ID, ActorName: "テスト担当"}
		if e.bureau, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "総務部"}); err != nil {
			return err
		}
		if e.sect, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "総務課", ParentID: e.bureau.ID}); err != nil {
			return err
		}
		if e.sect2, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: "人事課", ParentID: e.bureau.ID}); err != nil {
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
		e.ciso = person("最高 責任者", 0, role(authz.CISO))
		e.director = person("統括 責任者", 0, role(authz.SecurityDirector))
		e.auditor = person("監査 一郎", e.other.ID, role(authz.Auditor))
		e.auditorSect = person("監査 二郎", e.sect.ID, role(authz.Auditor))
		e.auditor2 = person("監査 三郎", 0, role(authz.Auditor))
		e.officer = person("総務 部長", e.bureau.ID, role(authz.SecurityOfficer, e.bureau.ID))
		e.manager = person("総務 課長", e.sect.ID, role(authz.SecurityManager, e.sect.ID))
		e.otherOfficer = person("事業 部長", e.other.ID, role(authz.SecurityOfficer, e.other.ID))
		e.committee = person("委員 花子", 0, role(authz.Committee))
		e.staff = person("職員 太郎", e.sect.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.docID = e.publishStandard()
	return e
}

// as is the scope of a person acting.
func (e *env) as(p authz.Principal) scope.Scope {
	sc := e.sc
	sc.ActorID, sc.ActorName = p.PersonID, "person"
	return sc
}

func (e *env) tx(fn func(tx *db.Tx) error) error { return e.d.Transact(ctx, fn) }

// publishStandard publishes a small 対策基準 with clauses 1, 1-(1), 2,
// 2-(1), 2-(2).
func (e *env) publishStandard() int64 {
	e.t.Helper()
	in := policy.NewDocumentInput()
	in.Type, in.Title, in.Body, in.AckRequired = string(policy.Standard), "情報セキュリティ対策基準", standardBody, false
	var d policy.Document
	var v policy.Version
	steps := []func(tx *db.Tx) error{
		func(tx *db.Tx) (err error) {
			d, v, err = policy.CreateDocument(ctx, tx, e.as(e.director), e.director, in)
			return err
		},
		func(tx *db.Tx) error {
			_, err := policy.Submit(ctx, tx, e.as(e.director), e.director, d.ID, v.ID)
			return err
		},
		func(tx *db.Tx) error { _, err := policy.Approve(ctx, tx, e.as(e.ciso), e.ciso, d.ID, v.ID); return err },
		func(tx *db.Tx) error {
			_, err := policy.Publish(ctx, tx, e.as(e.director), e.director, d.ID, v.ID, "2025-04-01")
			return err
		},
	}
	for _, s := range steps {
		if err := e.tx(s); err != nil {
			e.t.Fatalf("publish the standard: %v", err)
		}
	}
	return d.ID
}

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

// fieldKey returns the message key of a field's problem in err, or "".
func fieldKey(err error, field string) string {
	ve, ok := validate.As(err)
	if !ok {
		return ""
	}
	return ve[field].Key
}

// lastDenied returns the newest denial in the trail.
func (e *env) lastDenied() (trail.Entry, bool) {
	es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Action: trail.Denied, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(es) == 0 {
		return trail.Entry{}, false
	}
	return es[0], true
}

func isForbidden(err error) bool { return errors.Is(err, authz.ErrForbidden) }
