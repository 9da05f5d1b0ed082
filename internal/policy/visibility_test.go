package policy_test

import (
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// secretWord occurs only in the restricted procedure's text.
const secretWord = "ヤマザクラ符号"

// A restricted 実施手順 never reaches someone outside its access list: not
// in the list, not by a search for a word only in its text, not by id, not
// through its versions, a comparison or the trail's before/after.
func TestRestrictedProcedureIsInvisibleToOutsiders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		in := input(policy.Procedure, "バックアップ実施手順", "# バックアップ実施手順\n\n## 1 手順\n\n暗号鍵は"+secretWord+"で保管する。")
		in.Access = []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.sect.ID)}}
		doc, v1 := e.publish(in, "2026-04-01")
		if doc.Visibility != policy.Restricted {
			t.Fatalf("a procedure starts restricted: %s", doc.Visibility)
		}
		v2 := e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.NewDraft(ctx, tx, sc, e.director, doc.ID)
		}))
		public, _ := e.publish(input(policy.Guideline, "公開の手引", "誰でも読める手引。"), "2026-04-01")

		outsiders := map[string]authz.Principal{"worker of another 部局": e.outsider, "administrator": e.admin,
			"auditor": e.auditor, "committee member elsewhere": e.committeeB, "system administrator": e.sysadmin,
			"officer of the 部局 above": e.officer}
		insiders := map[string]authz.Principal{"worker of the 課室": e.staffSect, "committee member in the 課室": e.committeeA,
			"CISO": e.ciso, "統括": e.director}
		for name, p := range outsiders {
			items := e.all(p, policy.ListFilter{})
			if ids := itemIDs(items); ids[doc.ID] || !ids[public.ID] {
				t.Errorf("%s: list %v", name, ids)
			}
			if items := e.all(p, policy.ListFilter{Q: secretWord}); len(items) != 0 {
				t.Errorf("%s: search for a word of the restricted text found %d", name, len(items))
			}
			if items := e.all(p, policy.ListFilter{Q: "バックアップ"}); len(items) != 0 {
				t.Errorf("%s: search for its title found %d", name, len(items))
			}
			if _, err := policy.GetDocument(ctx, e.d, e.sc, p, doc.ID); !isNotFound(err) {
				t.Errorf("%s: get: %v", name, err)
			}
			if ok, err := policy.CanRead(ctx, e.d, e.sc, p, doc.ID); ok || err != nil {
				t.Errorf("%s: CanRead %v %v", name, ok, err)
			}
			if _, err := policy.ListVersions(ctx, e.d, e.sc, p, doc.ID); !isNotFound(err) {
				t.Errorf("%s: versions: %v", name, err)
			}
			if _, err := policy.GetVersion(ctx, e.d, e.sc, p, doc.ID, v1.ID); !isNotFound(err) {
				t.Errorf("%s: version: %v", name, err)
			}
			if _, err := policy.Compare(ctx, e.d, e.sc, p, doc.ID, v1.ID, v1.ID); !isNotFound(err) {
				t.Errorf("%s: compare: %v", name, err)
			}
			if _, err := policy.ListComments(ctx, e.d, e.sc, p, doc.ID, v1.ID); !isNotFound(err) {
				t.Errorf("%s: comments: %v", name, err)
			}
			entries := e.docEntries(doc.ID, v1.ID, v2.ID)
			if err := policy.RedactTrail(ctx, e.d, e.sc, p, entries); err != nil {
				t.Fatal(err)
			}
			for _, en := range entries {
				if strings.Contains(en.Before+en.After, secretWord) || strings.Contains(en.Before+en.After, "バックアップ") {
					t.Errorf("%s: trail entry %d shows the restricted text: %s", name, en.Seq, en.After)
				}
			}
		}
		for name, p := range insiders {
			if !itemIDs(e.all(p, policy.ListFilter{}))[doc.ID] {
				t.Errorf("%s: not listed", name)
			}
			if items := e.all(p, policy.ListFilter{Q: secretWord}); len(items) != 1 || items[0].ID != doc.ID || !strings.Contains(items[0].Snippet, secretWord) {
				t.Errorf("%s: search: %+v", name, items)
			}
			if _, err := policy.GetVersion(ctx, e.d, e.sc, p, doc.ID, v1.ID); err != nil {
				t.Errorf("%s: version: %v", name, err)
			}
			entries := e.docEntries(doc.ID, v1.ID)
			if err := policy.RedactTrail(ctx, e.d, e.sc, p, entries); err != nil {
				t.Fatal(err)
			}
			seen := false
			for _, en := range entries {
				seen = seen || strings.Contains(en.After, secretWord)
			}
			// The text is in the entry of the draft it started as, which a
			// worker (who sees no drafts) does not see either.
			if works := policy.PermissionsOf(p).Drafts; seen != works {
				t.Errorf("%s: the trail shows the text %v, sees drafts %v", name, seen, works)
			}
		}
	})
}

// docEntries are the trail entries about a document and its versions.
func (e *env) docEntries(docID int64, versions ...int64) []trail.Entry {
	e.t.Helper()
	var out []trail.Entry
	add := func(entity, id string) {
		es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Entity: entity, EntityID: id, Limit: 100})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, es...)
	}
	add(policy.EntityDocument, idStr(docID))
	for _, v := range versions {
		add(policy.EntityVersion, idStr(v))
	}
	if len(out) == 0 {
		e.t.Fatal("no trail entries")
	}
	return out
}

// Each kind of access list entry: a role, a department (with those below
// it) and a person.
func TestAccessListEntries(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		cases := []struct {
			name   string
			access []policy.Access
			reads  []authz.Principal
			not    []authz.Principal
		}{
			{"role", []policy.Access{{Kind: policy.AccessRole, Ref: "security_officer"}},
				[]authz.Principal{e.officer, e.ciso, e.director}, []authz.Principal{e.staffSect, e.outsider, e.committeeA}},
			{"role of everyone", []policy.Access{{Kind: policy.AccessRole, Ref: "staff"}},
				[]authz.Principal{e.outsider, e.staffSect}, nil},
			{"部局 covers its 課室", []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.bureau.ID)}},
				[]authz.Principal{e.staffSect, e.staffBure, e.officer, e.committeeA}, []authz.Principal{e.outsider, e.committeeB}},
			{"課室 alone", []policy.Access{{Kind: policy.AccessDepartment, Ref: idStr(e.sect.ID)}},
				[]authz.Principal{e.staffSect}, []authz.Principal{e.staffBure, e.outsider}},
			{"person", []policy.Access{{Kind: policy.AccessPerson, Ref: idStr(e.outsider.PersonID)}},
				[]authz.Principal{e.outsider}, []authz.Principal{e.staffSect, e.committeeB}},
			{"empty list: the CISO and 統括 only", nil,
				[]authz.Principal{e.ciso, e.director}, []authz.Principal{e.staffSect, e.officer, e.admin}},
		}
		for _, c := range cases {
			in := input(policy.Procedure, "手順 "+c.name, "手順の本文")
			in.Access = c.access
			doc, _ := e.publish(in, "2026-04-01")
			for _, p := range c.reads {
				if ok, err := policy.CanRead(ctx, e.d, e.sc, p, doc.ID); !ok || err != nil {
					t.Errorf("%s: person %d cannot read: %v", c.name, p.PersonID, err)
				}
				if !itemIDs(e.all(p, policy.ListFilter{Type: policy.Procedure}))[doc.ID] {
					t.Errorf("%s: person %d does not see it listed", c.name, p.PersonID)
				}
			}
			for _, p := range c.not {
				if ok, err := policy.CanRead(ctx, e.d, e.sc, p, doc.ID); ok || err != nil {
					t.Errorf("%s: person %d reads it: %v", c.name, p.PersonID, err)
				}
			}
		}
	})
}

// Versions before publication are for those who work on documents: a
// worker sees neither a document that was never published nor the draft
// of the next version.
func TestDraftsOnlyForThoseWhoWorkOnDocuments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		unpublished, uv := e.create(e.director, input(policy.Standard, "未公表の基準", "下書きの本文 未公表語"))
		doc, v1 := e.publish(input(policy.Standard, "公表済みの基準", "第1版の本文"), "2026-04-01")
		v2 := e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.NewDraft(ctx, tx, sc, e.director, doc.ID)
		}))
		in := v2.Input()
		in.Body = "第2版の下書き 改訂語"
		v2 = e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.UpdateDraft(ctx, tx, sc, e.director, doc.ID, v2.ID, in)
		}))
		for _, p := range []authz.Principal{e.staffSect, e.admin, e.auditor} {
			items := e.all(p, policy.ListFilter{})
			ids := itemIDs(items)
			if ids[unpublished.ID] || !ids[doc.ID] {
				t.Errorf("person %d: list %v", p.PersonID, ids)
			}
			for _, it := range items {
				if it.ID == doc.ID && (it.VersionID != v1.ID || it.HasDraft) {
					t.Errorf("person %d sees the draft in the list: %+v", p.PersonID, it)
				}
			}
			if len(e.all(p, policy.ListFilter{Q: "未公表語"})) != 0 || len(e.all(p, policy.ListFilter{Q: "改訂語"})) != 0 {
				t.Errorf("person %d finds draft text", p.PersonID)
			}
			if _, err := policy.GetDocument(ctx, e.d, e.sc, p, unpublished.ID); !isNotFound(err) {
				t.Errorf("person %d gets the unpublished document: %v", p.PersonID, err)
			}
			if vs, err := policy.ListVersions(ctx, e.d, e.sc, p, doc.ID); err != nil || len(vs) != 1 || vs[0].ID != v1.ID {
				t.Errorf("person %d: versions %+v %v", p.PersonID, vs, err)
			}
			if _, err := policy.GetVersion(ctx, e.d, e.sc, p, doc.ID, v2.ID); !isNotFound(err) {
				t.Errorf("person %d reads the draft: %v", p.PersonID, err)
			}
			if _, err := policy.Compare(ctx, e.d, e.sc, p, doc.ID, v1.ID, v2.ID); !isNotFound(err) {
				t.Errorf("person %d compares with the draft: %v", p.PersonID, err)
			}
			entries := e.docEntries(doc.ID, v1.ID, v2.ID, uv.ID)
			entries = append(entries, e.docEntries(unpublished.ID)...)
			if err := policy.RedactTrail(ctx, e.d, e.sc, p, entries); err != nil {
				t.Fatal(err)
			}
			for _, en := range entries {
				if strings.Contains(en.Before+en.After, "改訂語") || strings.Contains(en.Before+en.After, "未公表") {
					t.Errorf("person %d: trail entry %d shows draft text: %s", p.PersonID, en.Seq, en.After)
				}
			}
		}
		// A reviewer (情報セキュリティ責任者) sees drafts.
		items := e.all(e.officer, policy.ListFilter{})
		if ids := itemIDs(items); !ids[unpublished.ID] || !ids[doc.ID] {
			t.Errorf("officer: list %v", ids)
		}
		for _, it := range items {
			if it.ID == doc.ID && (it.VersionID != v1.ID || !it.HasDraft) {
				t.Errorf("officer: the list shows %+v", it)
			}
			if it.ID == unpublished.ID && (it.VersionID != uv.ID || it.Status != policy.Draft) {
				t.Errorf("officer: the unpublished document shows %+v", it)
			}
		}
		if items := e.all(e.officer, policy.ListFilter{Q: "未公表語"}); len(items) != 1 {
			t.Errorf("officer cannot find the draft: %v", items)
		}
		cmp, err := policy.Compare(ctx, e.d, e.sc, e.officer, doc.ID, v1.ID, v2.ID)
		if err != nil || cmp.From.ID != v1.ID || cmp.To.ID != v2.ID || cmp.To.Body != "第2版の下書き 改訂語" {
			t.Errorf("officer's comparison: %+v %v", cmp, err)
		}
	})
}

// Two organisations never see each other's documents, whatever the role.
func TestTwoOrganisations(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newEnv(t, d)
		b := newEnv(t, d)
		doc, v := a.publish(input(policy.Standard, "甲の基準", "甲の本文 甲固有語"), "2026-04-01")
		for _, p := range []authz.Principal{b.ciso, b.director, b.staffSect} {
			if items := b.all(p, policy.ListFilter{}); len(items) != 0 {
				t.Errorf("the other organisation lists %d", len(items))
			}
			if items := b.all(p, policy.ListFilter{Q: "甲固有語"}); len(items) != 0 {
				t.Errorf("the other organisation finds %d", len(items))
			}
			if _, err := policy.GetDocument(ctx, b.d, b.sc, p, doc.ID); !isNotFound(err) {
				t.Errorf("get across organisations: %v", err)
			}
			if _, err := policy.GetVersion(ctx, b.d, b.sc, p, doc.ID, v.ID); !isNotFound(err) {
				t.Errorf("version across organisations: %v", err)
			}
		}
		if _, err := b.step(b.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.NewDraft(ctx, tx, sc, b.director, doc.ID)
		}); !isNotFound(err) {
			t.Errorf("draft across organisations: %v", err)
		}
		if _, _, err := policy.GetPublic(ctx, b.d, b.sc.OrgID, doc.ID); !isNotFound(err) {
			t.Errorf("public across organisations: %v", err)
		}
		entries := a.docEntries(doc.ID, v.ID)
		if err := policy.RedactTrail(ctx, b.d, b.sc, b.ciso, entries); err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if strings.Contains(en.After, "甲") {
				t.Errorf("the other organisation's CISO sees the text in the trail: %s", en.After)
			}
		}
	})
}
