package policy_test

import (
	"fmt"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// Pages follow each other by keyset without gaps or repeats, in type
// order (basic policy, standards, procedures, plans, guidance) and by
// number; a search pages the same way.
func TestListPagesAndOrder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		types := []policy.Type{policy.Guideline, policy.Standard, policy.Procedure, policy.EmergencyPlan, policy.Standard, policy.Guideline, policy.BasicPolicy}
		for i, typ := range types {
			in := input(typ, fmt.Sprintf("文書%d", i), fmt.Sprintf("本文%d 共通語", i))
			in.Number = fmt.Sprintf("第%d号", 9-i)
			if typ == policy.Procedure {
				in.Access = []policy.Access{{Kind: policy.AccessRole, Ref: "staff"}}
			}
			e.publish(in, "2026-04-01")
		}
		for _, limit := range []int{1, 2, 3, 7, 50} {
			for _, q := range []string{"", "共通語"} {
				var got []policy.Item
				f := policy.ListFilter{Limit: limit, Q: q}
				pages := 0
				for {
					page, err := policy.ListDocuments(ctx, e.d, e.sc, e.staffSect, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Items) > limit {
						t.Fatalf("page of %d for limit %d", len(page.Items), limit)
					}
					got = append(got, page.Items...)
					pages++
					if page.NextCursor == "" {
						break
					}
					f.Cursor = page.NextCursor
				}
				if len(got) != len(types) || len(itemIDs(got)) != len(types) {
					t.Fatalf("limit %d q %q: %d items (%d distinct) in %d pages", limit, q, len(got), len(itemIDs(got)), pages)
				}
				var order []string
				for _, it := range got {
					order = append(order, string(it.Type)+" "+it.Number)
				}
				want := []string{"basic_policy 第3号", "standard 第5号", "standard 第8号", "procedure 第7号", "emergency_plan 第6号", "guideline 第4号", "guideline 第9号"}
				if fmt.Sprint(order) != fmt.Sprint(want) {
					t.Errorf("limit %d q %q: order %v", limit, q, order)
				}
			}
		}
		// By type.
		if items := e.all(e.staffSect, policy.ListFilter{Type: policy.Standard}); len(items) != 2 {
			t.Errorf("standards: %d", len(items))
		}
		// A bad cursor or filter is an input error.
		for _, f := range []policy.ListFilter{{Cursor: "!!"}, {Cursor: "MXx4eHg"}, {Type: "memo"}, {Limit: 501}, {Q: string(make([]byte, 101))}} {
			if _, err := policy.ListDocuments(ctx, e.d, e.sc, e.staffSect, f); err == nil {
				t.Errorf("filter %+v accepted", f)
			}
		}
	})
}

// A search folds widths and case, needs every word, and finds the title
// too; a LIKE wildcard in a query is a literal character.
func TestSearchFolding(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a, _ := e.publish(input(policy.Standard, "ＰＣ管理基準", "ﾊﾟｽﾜｰﾄﾞは12文字以上とする。100%の職員が守る。"), "2026-04-01")
		b, _ := e.publish(input(policy.Guideline, "テレワーク手引", "パスワードを他人に教えない。"), "2026-04-01")
		cases := []struct {
			q    string
			want []int64
		}{
			{"パスワード", []int64{a.ID, b.ID}},
			{"ﾊﾟｽﾜｰﾄﾞ", []int64{a.ID, b.ID}},
			{"pc管理", []int64{a.ID}},
			{"パスワード　テレワーク", []int64{b.ID}},
			{"100%", []int64{a.ID}},
			{"0_", nil},
			{"存在しない語", nil},
		}
		for _, c := range cases {
			items := e.all(e.outsider, policy.ListFilter{Q: c.q})
			ids := itemIDs(items)
			if len(ids) != len(c.want) {
				t.Errorf("%q: found %v, want %v", c.q, ids, c.want)
				continue
			}
			for _, id := range c.want {
				if !ids[id] {
					t.Errorf("%q: %d missing", c.q, id)
				}
			}
			for _, it := range items {
				if it.Snippet == "" {
					t.Errorf("%q: no snippet for %d", c.q, it.ID)
				}
			}
		}
	})
}

// Input rules of a document's settings.
func TestDocumentValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		basic, _ := e.publish(input(policy.BasicPolicy, "基本方針", "基本方針の本文"), "2016-04-01")
		std, _ := e.publish(input(policy.Standard, "対策基準", standardBody), "2026-04-01")
		cases := []struct {
			name  string
			edit  func(in *policy.DocumentInput)
			field string
			key   string
		}{
			{"no title", func(in *policy.DocumentInput) { in.Title = " " }, "title", "error.required"},
			{"no type", func(in *policy.DocumentInput) { in.Type = "" }, "type", "error.required"},
			{"unknown type", func(in *policy.DocumentInput) { in.Type = "memo" }, "type", "error.invalid_choice"},
			{"public procedure", func(in *policy.DocumentInput) { in.Type, in.Visibility = "procedure", "public" }, "visibility", "policy.procedure_not_public"},
			{"unknown visibility", func(in *policy.DocumentInput) { in.Visibility = "secret" }, "visibility", "error.invalid_choice"},
			{"unknown role", func(in *policy.DocumentInput) { in.Access = []policy.Access{{Kind: "role", Ref: "king"}} }, "access", "policy.invalid_access"},
			{"unknown department", func(in *policy.DocumentInput) { in.Access = []policy.Access{{Kind: "department", Ref: "999999"}} }, "access", "policy.invalid_access"},
			{"unknown kind", func(in *policy.DocumentInput) { in.Access = []policy.Access{{Kind: "group", Ref: "1"}} }, "access", "policy.invalid_access"},
			{"a second basic policy", func(in *policy.DocumentInput) { in.Type = "basic_policy" }, "type", "policy.basic_policy_exists"},
			{"standard under a standard", func(in *policy.DocumentInput) { in.ParentID = std.ID }, "parent_id", "policy.parent_type"},
			{"unknown parent", func(in *policy.DocumentInput) { in.ParentID = 999999 }, "parent_id", "error.invalid_choice"},
			{"review period", func(in *policy.DocumentInput) { in.ReviewMonths = 121 }, "review_months", "error.range"},
			{"staff category", func(in *policy.DocumentInput) { in.AckCategories = []string{"boss"} }, "ack_categories", "error.invalid_choice"},
			{"ack department", func(in *policy.DocumentInput) { in.AckDepartments = policy.IDs{999999} }, "ack_departments", "error.invalid_choice"},
			{"unknown clause", func(in *policy.DocumentInput) {
				in.Type = "procedure"
				in.Implements = []policy.ClauseRef{{DocumentID: std.ID, Ident: "99-(9)"}}
			}, "implements", "policy.unknown_clause"},
			{"implements the basic policy's", func(in *policy.DocumentInput) {
				in.Type = "basic_policy"
				in.Implements = []policy.ClauseRef{{DocumentID: std.ID, Ident: "1"}}
			}, "implements", "policy.basic_policy_implements"},
		}
		for _, c := range cases {
			in := input(policy.Standard, "検証用", "本文")
			in.ParentID = basic.ID
			c.edit(&in)
			before := e.head()
			err := e.tx(func(tx *db.Tx) error {
				_, _, err := policy.CreateDocument(ctx, tx, e.as(e.director), e.director, in)
				return err
			})
			if got := fieldKey(err, c.field); got != c.key {
				t.Errorf("%s: %s=%q (%v), want %q", c.name, c.field, got, err, c.key)
			}
			if e.head() != before {
				t.Errorf("%s: a refused input wrote to the trail", c.name)
			}
		}
		// A standard under the basic policy, then settings changed with the
		// lock version; the type stays.
		in := input(policy.Standard, "子の基準", "本文")
		in.ParentID = basic.ID
		in.Access = []policy.Access{{Kind: "person", Ref: " " + idStr(e.outsider.PersonID)}, {Kind: "person", Ref: idStr(e.outsider.PersonID)}}
		child, _ := e.create(e.director, in)
		if child.ParentID != basic.ID || len(child.Access) != 1 || child.Access[0].Ref != idStr(e.outsider.PersonID) {
			t.Errorf("created: %+v", child)
		}
		upd := child.Input()
		upd.Title, upd.Visibility = "子の基準（改）", "restricted"
		upd.AckCategories = []string{"temporary", "regular", "regular"}
		upd.AckDepartments = policy.IDs{e.other.ID, e.sect.ID}
		updated, err := e.updateDoc(e.director, child.ID, upd)
		if err != nil || updated.Title != "子の基準（改）" || updated.Visibility != policy.Restricted || updated.Version != 2 ||
			fmt.Sprint(updated.AckCategories) != "[regular temporary]" || len(updated.AckDepartments) != 2 {
			t.Errorf("updated: %+v %v", updated, err)
		}
		if _, err := e.updateDoc(e.director, child.ID, upd); err == nil {
			t.Error("stale settings accepted")
		}
		upd = updated.Input()
		upd.Type = "guideline"
		if _, err := e.updateDoc(e.director, child.ID, upd); fieldKey(err, "type") != "policy.type_fixed" {
			t.Errorf("type changed: %v", err)
		}
		// Workers do not create documents.
		err = e.tx(func(tx *db.Tx) error {
			_, _, err := policy.CreateDocument(ctx, tx, e.as(e.officer), e.officer, input(policy.Standard, "x", ""))
			return err
		})
		if err == nil {
			t.Error("an officer created a document")
		}
	})
}

func (e *env) updateDoc(p authz.Principal, id int64, in policy.DocumentInput) (policy.Document, error) {
	var out policy.Document
	err := e.tx(func(tx *db.Tx) (err error) {
		out, err = policy.UpdateDocument(ctx, tx, e.as(p), p, id, in)
		return err
	})
	return out, err
}

// The public pages show public documents in effect and nothing else.
func TestPublicDocuments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		basic, bv := e.publish(input(policy.BasicPolicy, "情報セキュリティ基本方針", "1 目的\n\n情報資産を守る。"), "2016-04-01")
		staff, _ := e.publish(input(policy.Standard, "職員向け基準", "本文"), "2026-04-01")
		draft, _ := e.create(e.director, func() policy.DocumentInput {
			in := input(policy.Guideline, "未公表の公開手引", "本文")
			in.Visibility = "public"
			return in
		}())
		items, err := policy.ListPublic(ctx, e.d, e.sc.OrgID)
		if err != nil || len(items) != 1 || items[0].ID != basic.ID || items[0].VersionID != bv.ID || items[0].EffectiveDate != "2016-04-01" {
			t.Fatalf("public list: %+v %v", items, err)
		}
		doc, v, err := policy.GetPublic(ctx, e.d, e.sc.OrgID, basic.ID)
		if err != nil || doc.ID != basic.ID || v.ID != bv.ID || v.Body == "" || v.AuthorName != "" || v.ApproverName != "" {
			t.Errorf("public document: %+v %+v %v", doc, v, err)
		}
		for _, id := range []int64{staff.ID, draft.ID} {
			if _, _, err := policy.GetPublic(ctx, e.d, e.sc.OrgID, id); !isNotFound(err) {
				t.Errorf("document %d public: %v", id, err)
			}
		}
		// A new draft of the basic policy stays inside until published.
		e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.NewDraft(ctx, tx, sc, e.director, basic.ID)
		}))
		if _, v2, err := policy.GetPublic(ctx, e.d, e.sc.OrgID, basic.ID); err != nil || v2.ID != bv.ID {
			t.Errorf("public version after a new draft: %+v %v", v2, err)
		}
	})
}
