package assetfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

// A confirmed import is one transaction: one bad row and nothing is
// written; corrected, every row is written, each with its trail entry.
func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		old := e.create(e.input("文書管理システム"))
		header := []string{"管理番号", "名称", "種別", "所属", "管理責任者", "機密性", "完全性", "可用性", "タグ"}
		rows := [][]string{header,
			{"", "人事記録", "情報", "人事課", "hanako", "3", "2", "2", "個人情報"},
			{"", "給与明細（紙）", "文書", "人事課", "hanako", "2", "1", "1", ""},
			{fmt.Sprint(old.ID), "文書管理システム", "情報システム", "総務部／総務課", "hanako", "2", "2", "2", "電子決裁"},
			{"", "共済掛金データ", "情報", "経理部", "hanako", "2", "1", "1", ""},
		}
		head, n := e.head(), e.count()
		rep, err := assetfile.Import(ctx, d, e.sc, e.ciso, bytes.NewReader(shiftJIS(t, csvUTF8(rows...))), assetfile.Options{})
		if !errors.Is(err, assetfile.ErrHasProblems) || rep == nil || rep.Applied || rep.Failed != 1 || rep.Problems[0].Row != 5 ||
			rep.Items[0].Outcome != assetfile.Create || rep.Items[0].ID != 0 || rep.Items[2].ID != old.ID {
			t.Fatalf("import of a bad file: %v %s", err, dump(rep))
		}
		if e.head() != head || e.count() != n || e.get(old.ID).Kind != asset.KindInformation {
			t.Fatalf("a refused import wrote: trail %d→%d, assets %d→%d", head, e.head(), n, e.count())
		}

		rows[4][3] = "福祉事業課"
		rep, err = assetfile.Import(ctx, d, e.sc, e.ciso, bytes.NewReader(shiftJIS(t, csvUTF8(rows...))), assetfile.Options{})
		if err != nil || !rep.Applied || rep.Created != 3 || rep.Updated != 1 {
			t.Fatalf("import: %v %s", err, dump(rep))
		}
		if e.count() != n+3 || e.head() != head+4 {
			t.Errorf("import wrote %d assets and %d trail entries, want 3 and 4", e.count()-n, e.head()-head)
		}
		if a := e.get(old.ID); a.Kind != asset.KindSystem || a.DepartmentID != e.somuka.ID || !slices.Equal(a.Tags, []string{"電子決裁"}) {
			t.Errorf("updated asset: %+v", a)
		}
		entries, err := trail.List(ctx, d, e.sc, trail.Filter{Entity: asset.EntityAsset, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var actions []trail.Action
		for _, en := range entries[:4] { // newest first: rows 5, 4, 3, 2
			actions = append(actions, en.Action)
		}
		if !slices.Equal(actions, []trail.Action{trail.Create, trail.Update, trail.Create, trail.Create}) {
			t.Errorf("trail of the import: %v", actions)
		}
		for _, it := range rep.Items {
			if it.ID == 0 {
				t.Errorf("row %d: no id after the import", it.Row)
			}
		}
	})
}

// Re-importing an export changes nothing, whoever exported it and in
// whichever format and language: every row is "unchanged", masked rows
// included, and the trail gets nothing but the exports.
func TestReimportingAnExportChangesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		full := e.input("人事給与システム")
		full.Kind, full.Description = "system", "給与計算\r\n人事記録（2行目）"
		full.CustodianID, full.Location, full.ControlledArea, full.Domain = e.ichiro2.ID, "本部 サーバ室", true, "mynumber"
		full.Confidentiality, full.Integrity, full.Availability, full.RetentionYears = "3", "2", "2", asset.RetentionPermanent
		full.NextReviewDate, full.Tags = "2026-04-01", []string{"個人情報", "ＰＣ", "給与"}
		full.MFAOnTerminals, full.TakeoutDisabled = "yes", "no"
		e.create(full)
		jigyo := e.input("=HYPERLINK(\"http://example.com\")")
		jigyo.DepartmentID, jigyo.OwnerID = e.jigyoSom.ID, e.ichiro.ID
		e.create(jigyo)
		gone := e.input("廃棄したUSBメモリ")
		gone.Kind, gone.Status, gone.DisposedOn, gone.DisposalMethod, gone.DisposalWitnessID = "media", "disposed", "2025-03-31", "物理破壊", e.taro.ID
		e.create(gone)
		e.create(e.input("-5度の倉庫"))
		secret := e.input("秘匿台帳")
		secret.DepartmentID, secret.OwnerID, secret.Confidentiality = e.fukushi.ID, e.ichiro2.ID, "3"
		e.create(secret)

		for _, tt := range []struct {
			name   string
			reader string
			format assetfile.Format
			lang   string
			masked int
		}{
			{"CISO xlsx ja", "ciso", assetfile.XLSX, "ja", 0},
			{"CISO csv en", "ciso", assetfile.CSV, "en", 0},
			{"auditor csv ja", "auditor", assetfile.CSV, "ja", 2},
			{"officer xlsx ja", "officer", assetfile.XLSX, "ja", 0},
		} {
			t.Run(tt.name, func(t *testing.T) {
				reader := e.ciso
				switch tt.reader {
				case "auditor":
					reader = e.auditor
				case "officer":
					reader = e.officer
				}
				f, err := assetfile.Export(ctx, d, e.sc, reader, asset.Filter{}, assetfile.ExportOptions{Format: tt.format, Lang: tt.lang})
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				var b bytes.Buffer
				if _, err := f.WriteTo(&b); err != nil {
					t.Fatal(err)
				}
				head := e.head()
				for _, m := range []assetfile.Match{assetfile.MatchID, assetfile.MatchName} {
					rep := e.dryRun(reader, b.Bytes(), assetfile.Options{MatchBy: m})
					if m == assetfile.MatchName && tt.masked > 0 {
						// A masked row cannot be matched by its hidden name.
						if rep.Failed != tt.masked {
							t.Errorf("by name: %d masked rows refused, want %d: %s", rep.Failed, tt.masked, dump(rep))
						}
						continue
					}
					if !rep.OK() || rep.Unchanged != f.Rows || rep.Rows != f.Rows {
						t.Errorf("match by %s: %s", m, dump(rep))
					}
				}
				rep, err := assetfile.Import(ctx, d, e.sc, reader, bytes.NewReader(b.Bytes()), assetfile.Options{})
				switch {
				case !authz.CanSome(reader, authz.ImportAssets):
					if !errors.Is(err, asset.ErrForbidden) {
						t.Errorf("import without asset.import: %v", err)
					}
				case err != nil || rep.Unchanged != f.Rows || rep.Created+rep.Updated != 0:
					t.Errorf("import: %v %s", err, dump(rep))
				}
				if e.head() != head {
					t.Errorf("re-import wrote %d trail entries", e.head()-head)
				}
			})
		}
	})
}

// Matching by name finds the asset of that name the importer sees in
// full; a name given to two assets must be matched by id.
func TestImportMatchByName(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.create(e.input("職員名簿"))
		e.create(e.input("会議録"))
		e.create(e.input("会議録"))
		file := csvUTF8([]string{"名称", "種別", "所属", "管理責任者", "機密性", "完全性", "可用性"},
			[]string{"職員名簿", "情報", "人事課", "hanako", "2", "1", "1"},
			[]string{"会議録", "情報", "人事課", "hanako", "2", "1", "1"},
			[]string{"新しい台帳", "情報", "人事課", "hanako", "2", "1", "1"})
		rep := e.dryRun(e.ciso, file, assetfile.Options{MatchBy: assetfile.MatchName})
		if rep.Updated != 1 || rep.Items[0].ID != a.ID || rep.Failed != 1 || rep.Problems[0].Key != "assetfile.name_ambiguous" || rep.Created != 1 {
			t.Errorf("by name: %s", dump(rep))
		}
	})
}
