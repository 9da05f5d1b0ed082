package web_test

import (
	"fmt"
	"sync"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// Documents for the page tests are made through package policy, as the
// pages make them: written by one CISO (the bootstrap administrator, acting
// as CISO: e.ciso()) and approved by another, since nobody approves their
// own version.

var docApprovers sync.Map // *adminEnv → int64

// docApprover is a second CISO, who approves what e.ciso() writes.
func (e *adminEnv) docApprover() authz.Principal {
	e.t.Helper()
	v, ok := docApprovers.Load(e)
	if !ok {
		v = e.person("承認 花子", 0, false)
		docApprovers.Store(e, v)
	}
	return authz.Principal{PersonID: v.(int64), Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
}

// docStep runs one life-cycle step as p and fails the test on error.
func (e *adminEnv) docStep(p authz.Principal, fn func(tx *db.Tx, sc scope.Scope, p authz.Principal) error) {
	e.t.Helper()
	sc := e.sc
	sc.ActorID = p.PersonID
	e.tx(func(tx *db.Tx) error { return fn(tx, sc, p) })
}

// docInput is a valid new document: no acknowledgement asked, so tests
// do not depend on who is in scope.
func docInput(typ policy.Type, title, body string, vis policy.Visibility, access ...policy.Access) policy.DocumentInput {
	in := policy.NewDocumentInput()
	in.Type, in.Title, in.Body, in.Visibility, in.Access = string(typ), title, body, string(vis), access
	in.AckRequired = false
	return in
}

// newDoc creates a document with its first draft.
func (e *adminEnv) newDoc(in policy.DocumentInput) (policy.Document, policy.Version) {
	e.t.Helper()
	var d policy.Document
	var v policy.Version
	e.tx(func(tx *db.Tx) error {
		var err error
		d, v, err = policy.CreateDocument(e.ctx, tx, e.sc, e.ciso(), in)
		return err
	})
	return d, v
}

// submitDoc, approveDoc and publishDoc take a version a step on.
func (e *adminEnv) submitDoc(docID, vid int64) {
	e.t.Helper()
	e.docStep(e.ciso(), func(tx *db.Tx, sc scope.Scope, p authz.Principal) error {
		_, err := policy.Submit(e.ctx, tx, sc, p, docID, vid)
		return err
	})
}

func (e *adminEnv) approveDoc(docID, vid int64) {
	e.t.Helper()
	e.docStep(e.docApprover(), func(tx *db.Tx, sc scope.Scope, p authz.Principal) error {
		_, err := policy.Approve(e.ctx, tx, sc, p, docID, vid)
		return err
	})
}

func (e *adminEnv) publishDoc(docID, vid int64, effective string) {
	e.t.Helper()
	e.submitDoc(docID, vid)
	e.approveDoc(docID, vid)
	e.docStep(e.ciso(), func(tx *db.Tx, sc scope.Scope, p authz.Principal) error {
		_, err := policy.Publish(e.ctx, tx, sc, p, docID, vid, effective)
		return err
	})
}

// publishedDoc creates a document and puts its first version in force.
func (e *adminEnv) publishedDoc(in policy.DocumentInput, effective string) (policy.Document, policy.Version) {
	e.t.Helper()
	d, v := e.newDoc(in)
	e.publishDoc(d.ID, v.ID, effective)
	return e.getDoc(d.ID), e.getVersion(d.ID, v.ID)
}

// reviseDoc starts the next version of a document with a new text.
func (e *adminEnv) reviseDoc(docID int64, body, summary string) policy.Version {
	e.t.Helper()
	var v policy.Version
	e.docStep(e.ciso(), func(tx *db.Tx, sc scope.Scope, p authz.Principal) error {
		var err error
		if v, err = policy.NewDraft(e.ctx, tx, sc, p, docID); err != nil {
			return err
		}
		v, err = policy.UpdateDraft(e.ctx, tx, sc, p, docID, v.ID, policy.DraftInput{Title: v.Title, Body: body,
			ChangeSummary: summary, LockVersion: v.LockVersion})
		return err
	})
	return v
}

func (e *adminEnv) getDoc(id int64) policy.Document {
	e.t.Helper()
	d, err := policy.GetDocument(e.ctx, e.d, e.sc, e.ciso(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *adminEnv) getVersion(docID, vid int64) policy.Version {
	e.t.Helper()
	v, err := policy.GetVersion(e.ctx, e.d, e.sc, e.ciso(), docID, vid)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// standardText is a small 対策基準 with numbered clauses.
const standardText = `# 情報セキュリティ対策基準

## 1 組織体制

情報セキュリティの組織を定める。

### (1) 最高情報セキュリティ責任者

CISOを置く。

## 2 情報資産の分類と管理

情報資産を分類し、管理する。

### (1) 分類

機密性、完全性及び可用性により分類する。
`

// The route × role table's document rows work on documents made once per
// environment: one in force (readable by all staff, two versions), one
// draft, one in review and one approved; the steps that consume a
// version get a fresh one each time.
type docRouteFixture struct {
	doc                  policy.Document
	current, previous    policy.Version
	draft, review, ready [2]int64 // document id, version id
}

var docRouteFixtures sync.Map // *adminEnv → *docRouteFixture

func docRoutes(e *adminEnv) *docRouteFixture {
	if v, ok := docRouteFixtures.Load(e); ok {
		return v.(*docRouteFixture)
	}
	x := &docRouteFixture{}
	d, v1 := e.publishedDoc(docInput(policy.Standard, "経路確認用の対策基準", standardText, policy.Staff), "2024-04-01")
	v2 := e.reviseDoc(d.ID, standardText+"\n## 3 物理的セキュリティ\n\n管理区域を定める。\n", "物理的セキュリティを追加")
	e.publishDoc(d.ID, v2.ID, "2025-04-01")
	x.doc, x.previous, x.current = e.getDoc(d.ID), e.getVersion(d.ID, v1.ID), e.getVersion(d.ID, v2.ID)
	dd, dv := e.newDoc(docInput(policy.Guideline, "経路確認用の下書き", standardText, policy.Staff))
	x.draft = [2]int64{dd.ID, dv.ID}
	rd, rv := e.newDoc(docInput(policy.Guideline, "経路確認用の審査中", standardText, policy.Staff))
	e.submitDoc(rd.ID, rv.ID)
	x.review = [2]int64{rd.ID, rv.ID}
	ad, av := e.newDoc(docInput(policy.Guideline, "経路確認用の承認済み", standardText, policy.Staff))
	e.submitDoc(ad.ID, av.ID)
	e.approveDoc(ad.ID, av.ID)
	x.ready = [2]int64{ad.ID, av.ID}
	docRouteFixtures.Store(e, x)
	return x
}

// onDoc is a path on the document in force; onCurrent on its version in
// force.
func onDoc(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, _ *routeFixture) string {
		return fmt.Sprintf("/documents/%d%s", docRoutes(e).doc.ID, suffix)
	}
}

func onCurrent(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, _ *routeFixture) string {
		x := docRoutes(e)
		return fmt.Sprintf("/documents/%d/versions/%d%s", x.doc.ID, x.current.ID, suffix)
	}
}

// onVersion is a path on one of the fixture's versions in progress.
func onVersion(which func(*docRouteFixture) [2]int64, suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, _ *routeFixture) string {
		dv := which(docRoutes(e))
		return fmt.Sprintf("/documents/%d/versions/%d%s", dv[0], dv[1], suffix)
	}
}

func draftOf(x *docRouteFixture) [2]int64  { return x.draft }
func reviewOf(x *docRouteFixture) [2]int64 { return x.review }
func readyOf(x *docRouteFixture) [2]int64  { return x.ready }

// onFresh is a path on a new version brought to a status ("draft",
// "in_review", "published"), for a step that consumes it.
func onFresh(status, suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, _ *routeFixture) string {
		e.n++
		d, v := e.newDoc(docInput(policy.Guideline, fmt.Sprintf("経路確認用%d", e.n), standardText, policy.Staff))
		switch status {
		case "in_review":
			e.submitDoc(d.ID, v.ID)
		case "published":
			e.publishDoc(d.ID, v.ID, "2025-04-01")
			return fmt.Sprintf("/documents/%d%s", d.ID, suffix)
		}
		return fmt.Sprintf("/documents/%d/versions/%d%s", d.ID, v.ID, suffix)
	}
}

// docEditors are the roles that write documents: create, edit, publish.
var docEditors = []authz.Role{rCISO, rDirector}

// docReviewers comment on versions in review.
var docReviewers = []authz.Role{rCISO, rDirector, rOfficer, rCommitee}
