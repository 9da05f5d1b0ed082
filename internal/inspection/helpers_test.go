package inspection_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

var ctx = context.Background()

// env is an organisation with three 部局 (two with a 課室), the basic
// policy and the standards in effect, and people in every role that
// matters to self-inspection:
//
//	総務部 › 総務課: director (統括), officer (責任者 of 総務部), manager
//	                 (管理者 of 総務課), alice, gone (inactive)
//	企画部 › 企画課: bob, dave (情報システム管理者)
//	福祉部:          carol
type env struct {
	t  *testing.T
	d  *db.DB
	sc scope.Scope // acting as the director

	somu, somuKa, kikaku, kikakuKa, fukushi                            org.Department
	director, officer, manager, alice, gone, bob, dave, carol, auditor org.Person

	basic, standard int64 // documents

	pDirector, pOfficer, pManager, pAlice, pBob, pDave, pCarol, pAuditor authz.Principal
}

func newEnv(t *testing.T, d *db.DB, name string) *env {
	t.Helper()
	e := &env{t: t, d: d}
	var o org.Organisation
	e.tx(func(tx *db.Tx) (err error) {
		o, err = org.Create(ctx, tx, name)
		return err
	})
	sys := scope.System(o.ID, "test")
	e.tx(func(tx *db.Tx) error {
		dept := func(name string, parent int64) org.Department {
			x, err := org.CreateDepartment(ctx, tx, sys, org.DepartmentInput{Name: name, ParentID: parent})
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		e.somu = dept("総務部", 0)
		e.somuKa = dept("総務課", e.somu.ID)
		e.kikaku = dept("企画部", 0)
		e.kikakuKa = dept("企画課", e.kikaku.ID)
		e.fukushi = dept("福祉部", 0)
		person := func(name, kana string, dept int64, roles ...org.AssignmentInput) org.Person {
			p, err := org.CreatePerson(ctx, tx, sys, org.PersonInput{Name: name, NameKana: kana, DepartmentID: dept})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range roles {
				if _, err := org.Assign(ctx, tx, sys, p.ID, r); err != nil {
					t.Fatalf("assign %s: %v", r.Role, err)
				}
			}
			return p
		}
		e.director = person("統括 一郎", "とうかつ いちろう", e.somuKa.ID, org.AssignmentInput{Role: string(authz.SecurityDirector)})
		e.officer = person("責任 次郎", "せきにん じろう", e.somuKa.ID, org.AssignmentInput{Role: string(authz.SecurityOfficer), ScopeID: e.somu.ID})
		e.manager = person("管理 三郎", "かんり さぶろう", e.somuKa.ID, org.AssignmentInput{Role: string(authz.SecurityManager), ScopeID: e.somuKa.ID})
		e.alice = person("佐藤 花子", "さとう はなこ", e.somuKa.ID)
		e.gone = person("退職 太郎", "たいしょく たろう", e.somuKa.ID)
		var err error
		if e.gone, err = org.SetActive(ctx, tx, sys, e.gone.ID, false); err != nil {
			return err
		}
		e.bob = person("鈴木 一郎", "すずき いちろう", e.kikakuKa.ID)
		e.dave = person("情報 四郎", "じょうほう しろう", e.kikakuKa.ID, org.AssignmentInput{Role: string(authz.SystemAdmin), ScopeID: 1})
		e.carol = person("高橋 三子", "たかはし みつこ", e.fukushi.ID)
		e.auditor = person("監査 五郎", "かんさ ごろう", e.fukushi.ID, org.AssignmentInput{Role: string(authz.Auditor)})
		return nil
	})
	e.sc = scope.Scope{OrgID: o.ID, ActorID: e.director.ID, ActorName: e.director.Name}
	for _, x := range []struct {
		p  *authz.Principal
		id int64
	}{{&e.pDirector, e.director.ID}, {&e.pOfficer, e.officer.ID}, {&e.pManager, e.manager.ID}, {&e.pAlice, e.alice.ID},
		{&e.pBob, e.bob.ID}, {&e.pDave, e.dave.ID}, {&e.pCarol, e.carol.ID}, {&e.pAuditor, e.auditor.ID}} {
		p, err := org.Principal(ctx, d, e.sc, x.id)
		if err != nil {
			t.Fatal(err)
		}
		*x.p = p
	}
	e.basic = e.document("basic_policy", "情報セキュリティ基本方針", "6", "6-(3)", "6-(3)-①", "6-(4)", "8")
	e.standard = e.document("standard", "情報セキュリティ対策基準", "2", "2-(1)", "2-(2)", "2-(10)")
	return e
}

// as is the env's scope acting as another person.
func (e *env) as(p org.Person) scope.Scope {
	sc := e.sc
	sc.ActorID, sc.ActorName = p.ID, p.Name
	return sc
}

func (e *env) tx(fn func(tx *db.Tx) error) {
	e.t.Helper()
	if err := e.d.Transact(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// document puts a published document with clauses straight into storage
// (package policy owns their life cycle; this test needs only the result).
func (e *env) document(docType, title string, idents ...string) int64 {
	e.t.Helper()
	var docID, verID int64
	now := db.Now()
	e.tx(func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (org_id, doc_type, title, visibility, owner_id, created_at, updated_at)
			VALUES (?, ?, ?, 'staff', ?, ?, ?) RETURNING id`, e.sc.OrgID, docType, title, e.director.ID, now, now).Scan(&docID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO document_versions (org_id, document_id, version_no, status, title, body, created_at, updated_at)
			VALUES (?, ?, 1, 'published', ?, '', ?, ?) RETURNING id`, e.sc.OrgID, docID, title, now, now).Scan(&verID); err != nil {
			return err
		}
		for i, id := range idents {
			if _, err := tx.ExecContext(ctx, `INSERT INTO document_clauses (org_id, version_id, seq, ident, depth) VALUES (?, ?, ?, ?, 1)`,
				e.sc.OrgID, verID, i+1, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE documents SET current_version_id = ? WHERE id = ?`, verID, docID)
		return err
	})
	return docID
}

// items are the standard test checklist: two items for everyone (one a
// priority item), one for managers and one for system administrators.
func items() []inspection.ItemInput {
	return []inspection.ItemInput{
		{Code: "1-1", Category: "人的セキュリティ", Question: "離席時に画面をロックしているか", Respondent: "all", ClauseText: "基本方針 6-(3)-①"},
		{Code: "1-2", Category: "人的セキュリティ", Question: "パスワードを他人に教えていないか", Respondent: "all", Priority: true, ClauseText: "対策基準 2-(1); 基本方針 6-(3)-①"},
		{Code: "2-1", Category: "組織体制", Question: "課内の情報資産台帳を更新しているか", Respondent: "manager", ClauseText: "対策基準 2-(2)"},
		{Code: "3-1", Category: "技術的セキュリティ", Question: "ログを定期的に確認しているか", Respondent: "system_admin", ClauseText: "基本方針 6-(4)"},
	}
}

// checklist creates and activates a checklist of the given items.
func (e *env) checklist(title string, in []inspection.ItemInput) inspection.Checklist {
	e.t.Helper()
	var c inspection.Checklist
	e.tx(func(tx *db.Tx) (err error) {
		if c, err = inspection.CreateChecklist(ctx, tx, e.sc, e.pDirector, inspection.ChecklistInput{Title: title, Items: in}); err != nil {
			return err
		}
		c, err = inspection.Activate(ctx, tx, e.sc, e.pDirector, c.ID)
		return err
	})
	return c
}

// campaign plans and opens a campaign over departments.
func (e *env) campaign(title string, checklistID int64, depts ...int64) inspection.Campaign {
	e.t.Helper()
	var c inspection.Campaign
	e.tx(func(tx *db.Tx) (err error) {
		c, err = inspection.CreateCampaign(ctx, tx, e.sc, e.pDirector, inspection.CampaignInput{Title: title, ChecklistID: checklistID,
			StartsOn: "2026-04-01", EndsOn: "2026-04-30", DepartmentIDs: depts})
		if err != nil {
			return err
		}
		c, err = inspection.Open(ctx, tx, e.sc, e.pDirector, c.ID)
		return err
	})
	return c
}

// answer saves answers as a person; it returns the error.
func (e *env) answer(who org.Person, p authz.Principal, campaignID int64, in ...inspection.AnswerInput) error {
	return e.d.Transact(ctx, func(tx *db.Tx) error {
		_, err := inspection.SaveAnswers(ctx, tx, e.as(who), p, campaignID, in)
		return err
	})
}

// sheet returns a person's items in a campaign.
func (e *env) sheet(p authz.Principal, campaignID int64) inspection.Sheet {
	e.t.Helper()
	s, err := inspection.MySheet(ctx, e.d, e.sc, p, campaignID)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// answerAll answers every item of a person's sheet with a.
func (e *env) answerAll(who org.Person, p authz.Principal, campaignID int64, a inspection.Answer) {
	e.t.Helper()
	var in []inspection.AnswerInput
	for _, it := range e.sheet(p, campaignID).Items {
		in = append(in, inspection.AnswerInput{ItemID: it.ID, Answer: string(a)})
	}
	if err := e.answer(who, p, campaignID, in...); err != nil {
		e.t.Fatal(err)
	}
}

// head is the trail's sequence number.
func (e *env) head() int64 {
	e.t.Helper()
	seq, _, err := trail.Head(ctx, e.d, e.sc.OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// newest is the newest trail entry.
func (e *env) newest() trail.Entry {
	e.t.Helper()
	es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Limit: 1})
	if err != nil || len(es) == 0 {
		e.t.Fatalf("trail: %v %v", es, err)
	}
	return es[0]
}

// count runs a COUNT(*) query.
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantField fails unless err is a validation error naming field with key.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	ve, ok := validate.As(err)
	if !ok {
		t.Fatalf("want validation error %s=%s, got %v", field, key, err)
	}
	if p, ok := ve[field]; !ok || p.Key != key {
		t.Fatalf("want %s=%s, got %v", field, key, ve)
	}
}

// wantRefusal fails unless err is a refusal with key.
func wantRefusal(t *testing.T, err error, key string, forbidden bool) {
	t.Helper()
	r, ok := inspection.AsRefusal(err)
	if !ok || r.Key != key {
		t.Fatalf("want refusal %s, got %v", key, err)
	}
	if forbidden != errors.Is(err, inspection.ErrForbidden) || forbidden == errors.Is(err, inspection.ErrState) {
		t.Fatalf("refusal %s: forbidden=%v but errors.Is says otherwise", key, forbidden)
	}
}

func itemByCode(t *testing.T, items []inspection.AnsweredItem, code string) inspection.AnsweredItem {
	t.Helper()
	for _, it := range items {
		if it.Code == code {
			return it
		}
	}
	t.Fatalf("no item %s among %d", code, len(items))
	return inspection.AnsweredItem{}
}

func codes(items []inspection.AnsweredItem) string {
	s := ""
	for _, it := range items {
		s += fmt.Sprintf("%s ", it.Code)
	}
	return s
}

func idStr(id int64) string { return fmt.Sprint(id) }

func errorsAs(err error) (validate.Errors, bool) { return validate.As(err) }
