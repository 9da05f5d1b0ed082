package inspection_test

import (
	"errors"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/inspection"
	"mamori/internal/trail"
)

func TestClauseReferences(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "条項財団")
		cases := []struct {
			name, text string
			want       string // "doc ident; …" with doc b(asic) or s(tandard), or the problem key
		}{
			{"one", "基本方針 6-(3)-①", "b 6-(3)-①"},
			{"two with semicolon", "基本方針 6-(3)-①; 対策基準 2-(1)", "b 6-(3)-①; s 2-(1)"},
			{"full-width forms", "基本方針　６－（３）－①；対策基準　２－（１）", "b 6-(3)-①; s 2-(1)"},
			{"by title", "情報セキュリティ対策基準 2-(10)", "s 2-(10)"},
			{"document carried over", "対策基準 2-(1); 2-(2)", "s 2-(1); s 2-(2)"},
			{"no space after the name", "基本方針6-(4)", "b 6-(4)"},
			{"comma list", "基本方針 8、対策基準 2", "b 8; s 2"},
			{"duplicate kept once", "基本方針 8; 基本方針 8", "b 8"},
			{"unknown document", "実施要領 1-(1)", "checklist.clause_unknown_document"},
			{"unknown clause", "基本方針 6-(9)", "checklist.clause_unknown"},
			{"no document at all", "6-(3)", "checklist.clause_no_document"},
		}
		for _, c := range cases {
			var err error
			var item inspection.Item
			e.d.Transact(ctx, func(tx *db.Tx) error {
				var cl inspection.Checklist
				cl, err = inspection.CreateChecklist(ctx, tx, e.sc, e.pDirector, inspection.ChecklistInput{Title: c.name,
					Items: []inspection.ItemInput{{Question: "確認", ClauseText: c.text}}})
				if err != nil {
					return err
				}
				items, lerr := inspection.Items(ctx, tx, e.sc, cl.ID)
				if lerr != nil || len(items) != 1 {
					t.Fatalf("%s: items %v %v", c.name, items, lerr)
				}
				item = items[0]
				return errors.New("roll back")
			})
			if strings.HasPrefix(c.want, "checklist.") {
				wantField(t, err, "items.1.clause_text", c.want)
				continue
			}
			var got []string
			for _, l := range item.Clauses {
				doc := "b"
				if l.DocumentID == e.standard {
					doc = "s"
				}
				got = append(got, doc+" "+l.Ident)
			}
			// Links come back in document, then identifier order.
			want := strings.Split(c.want, "; ")
			if strings.Join(sorted(got), "; ") != strings.Join(sorted(want), "; ") {
				t.Errorf("%s: %q gives %v, want %v", c.name, c.text, got, want)
			}
		}
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestChecklistLifeCycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "点検表財団")
		before := e.head()
		var c inspection.Checklist
		e.tx(func(tx *db.Tx) (err error) {
			c, err = inspection.CreateChecklist(ctx, tx, e.sc, e.pDirector, inspection.ChecklistInput{Title: "令和8年度 自己点検表", Items: items()})
			return err
		})
		if c.Status != inspection.ChecklistDraft || c.VersionNo != 1 || c.ItemCount != 4 || !c.Editable() {
			t.Fatalf("new checklist %+v", c)
		}
		if e.head() != before+1 || e.newest().Entity != inspection.EntityChecklist || e.newest().Action != trail.Create {
			t.Fatalf("creation not in the trail: %+v", e.newest())
		}
		got, err := inspection.Items(ctx, d, e.sc, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || got[1].Code != "1-2" || !got[1].Priority || got[2].Respondent != inspection.RespondManager ||
			len(got[1].Clauses) != 2 || inspection.FormatClauses(got[1].Clauses) != "基本方針 6-(3)-①; 対策基準 2-(1)" {
			t.Fatalf("items %+v", got)
		}

		// A draft is edited item by item, each change in the trail.
		var added inspection.Item
		e.tx(func(tx *db.Tx) (err error) {
			added, err = inspection.AddItem(ctx, tx, e.sc, e.pDirector, c.ID, inspection.ItemInput{Code: "4-1", Question: "USBメモリを登録しているか", ClauseText: "対策基準 2-(10)"})
			if err != nil {
				return err
			}
			added, err = inspection.UpdateItem(ctx, tx, e.sc, e.pDirector, c.ID, added.ID, inspection.ItemInput{Code: "4-1",
				Question: "USBメモリを台帳に登録しているか", Respondent: "manager", Priority: true})
			return err
		})
		if added.Seq != 5 || added.Respondent != inspection.RespondManager || len(added.Clauses) != 0 {
			t.Fatalf("edited item %+v", added)
		}
		e.tx(func(tx *db.Tx) error { return inspection.DeleteItem(ctx, tx, e.sc, e.pDirector, c.ID, added.ID) })
		if e.newest().Action != trail.Delete || e.newest().Entity != inspection.EntityItem {
			t.Fatalf("deletion not in the trail: %+v", e.newest())
		}

		// Activation freezes it.
		e.tx(func(tx *db.Tx) (err error) {
			c, err = inspection.Activate(ctx, tx, e.sc, e.pDirector, c.ID)
			return err
		})
		if c.Status != inspection.ChecklistActive || c.Editable() {
			t.Fatalf("activated %+v", c)
		}
		frozen := []struct {
			name string
			fn   func(tx *db.Tx) error
		}{
			{"add", func(tx *db.Tx) error {
				_, err := inspection.AddItem(ctx, tx, e.sc, e.pDirector, c.ID, inspection.ItemInput{Question: "追加"})
				return err
			}},
			{"update", func(tx *db.Tx) error {
				_, err := inspection.UpdateItem(ctx, tx, e.sc, e.pDirector, c.ID, got[0].ID, inspection.ItemInput{Question: "変更"})
				return err
			}},
			{"delete", func(tx *db.Tx) error { return inspection.DeleteItem(ctx, tx, e.sc, e.pDirector, c.ID, got[0].ID) }},
			{"replace", func(tx *db.Tx) error {
				_, err := inspection.ReplaceItems(ctx, tx, e.sc, e.pDirector, c.ID, items())
				return err
			}},
			{"rename", func(tx *db.Tx) error {
				_, err := inspection.UpdateChecklist(ctx, tx, e.sc, e.pDirector, c.ID, inspection.HeadInput{Title: "別名"})
				return err
			}},
		}
		for _, f := range frozen {
			if err := d.Transact(ctx, f.fn); !errors.Is(err, inspection.ErrState) || !errors.Is(err, db.ErrConflict) {
				t.Errorf("%s of an active checklist: %v", f.name, err)
			}
		}

		// A new version copies the items; activating it retires the first.
		var v2 inspection.Checklist
		e.tx(func(tx *db.Tx) (err error) {
			v2, err = inspection.NewVersion(ctx, tx, e.sc, e.pDirector, c.ID, nil)
			return err
		})
		if v2.VersionNo != 2 || v2.PreviousID != c.ID || v2.ItemCount != 4 || v2.Status != inspection.ChecklistDraft {
			t.Fatalf("version 2 %+v", v2)
		}
		e.tx(func(tx *db.Tx) (err error) {
			again, err := inspection.NewVersion(ctx, tx, e.sc, e.pDirector, c.ID, nil)
			if err == nil && again.ID != v2.ID {
				t.Errorf("a second new version made another draft %d", again.ID)
			}
			return err
		})
		e.tx(func(tx *db.Tx) (err error) {
			v2, err = inspection.Activate(ctx, tx, e.sc, e.pDirector, v2.ID)
			return err
		})
		first, err := inspection.GetChecklist(ctx, d, e.sc, e.pDirector, c.ID)
		if err != nil || first.Status != inspection.ChecklistRetired {
			t.Fatalf("first version after the second's activation: %+v %v", first, err)
		}
		vs, err := inspection.Versions(ctx, d, e.sc, c.ID)
		if err != nil || len(vs) != 2 || vs[0].ID != v2.ID {
			t.Fatalf("versions %+v %v", vs, err)
		}
	})
}

func TestChecklistValidationAndPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "検証財団")
		cases := []struct {
			name  string
			in    inspection.ChecklistInput
			field string
			key   string
		}{
			{"no title", inspection.ChecklistInput{Items: items()}, "title", "error.required"},
			{"no question", inspection.ChecklistInput{Title: "x", Items: []inspection.ItemInput{{Code: "1"}}}, "items.1.question", "error.required"},
			{"bad respondent", inspection.ChecklistInput{Title: "x", Items: []inspection.ItemInput{{Question: "q", Respondent: "boss"}}}, "items.1.respondent", "error.invalid_choice"},
			{"code too long", inspection.ChecklistInput{Title: "x", Items: []inspection.ItemInput{{Question: "q", Code: strings.Repeat("1", 21)}}}, "items.1.code", "error.too_long"},
			{"bad clause ref", inspection.ChecklistInput{Title: "x", Items: []inspection.ItemInput{{Question: "q", Clauses: []inspection.ClauseRef{{DocumentID: e.basic, Ident: "99"}}}}}, "items.1.clauses", "checklist.clause_unknown"},
		}
		for _, c := range cases {
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := inspection.CreateChecklist(ctx, tx, e.sc, e.pDirector, c.in)
				return err
			})
			wantField(t, err, c.field, c.key)
		}
		if n := e.count(`SELECT COUNT(*) FROM checklists WHERE org_id = ?`, e.sc.OrgID); n != 0 {
			t.Fatalf("%d checklists written by refused input", n)
		}
		// Only the CISO and 統括 edit; department roles and auditors read.
		for _, c := range []struct {
			name       string
			p          authz.Principal
			edit, read bool
		}{{"officer", e.pOfficer, false, true}, {"manager", e.pManager, false, true}, {"auditor", e.pAuditor, false, true},
			{"alice", e.pAlice, false, false}, {"director", e.pDirector, true, true}} {
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := inspection.CreateChecklist(ctx, tx, e.sc, c.p, inspection.ChecklistInput{Title: "x", Items: items()})
				return err
			})
			if c.edit != (err == nil) || (!c.edit && !errors.Is(err, inspection.ErrForbidden)) {
				t.Errorf("%s creates a checklist: %v", c.name, err)
			}
			_, err = inspection.ListChecklists(ctx, d, e.sc, c.p, inspection.ChecklistFilter{})
			if c.read != (err == nil) {
				t.Errorf("%s lists checklists: %v", c.name, err)
			}
		}
	})
}

func TestChecklistListPagesAndIsolation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "一覧財団")
		other := newEnv(t, d, "よその財団")
		for i := range 5 {
			e.checklist("点検表"+string(rune('A'+i)), items())
		}
		theirs := other.checklist("よその点検表", items())
		var seen []int64
		f := inspection.ChecklistFilter{Limit: 2}
		for range 10 {
			page, err := inspection.ListChecklists(ctx, d, e.sc, e.pDirector, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				seen = append(seen, c.ID)
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		if len(seen) != 5 {
			t.Fatalf("pages gave %v", seen)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] >= seen[i-1] {
				t.Fatalf("not newest first: %v", seen)
			}
		}
		if _, err := inspection.GetChecklist(ctx, d, e.sc, e.pDirector, theirs.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another organisation's checklist: %v", err)
		}
		if _, err := inspection.ListChecklists(ctx, d, e.sc, e.pDirector, inspection.ChecklistFilter{Cursor: "x"}); err == nil {
			t.Fatal("a bad cursor was accepted")
		}
	})
}
