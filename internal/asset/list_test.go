package asset_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		mk := func(name, desc string, conf string, tags ...string) asset.Asset {
			in := e.input(name)
			in.Description, in.Confidentiality, in.Tags = desc, conf, tags
			return e.create(in)
		}
		payroll := mk("人事給与システム", "給与計算と人事記録", "2")
		residents := mk("住民情報データ", "", "2", "個人情報")
		secret := mk("給与明細（職員別）", "マイナンバーを含む明細", "3", "秘密区分")
		key := mk("ｻｰﾊﾞ室の鍵", "", "1")
		pct := mk("100%達成報告", "", "1")
		cases := []struct {
			q       string
			ciso    []asset.Asset
			auditor []asset.Asset
		}{
			{"給与", []asset.Asset{payroll, secret}, []asset.Asset{payroll}},
			{"人事給与", []asset.Asset{payroll}, []asset.Asset{payroll}},
			{"給", []asset.Asset{payroll, secret}, []asset.Asset{payroll}},
			{"マイナンバー", []asset.Asset{secret}, nil},
			{"秘密", []asset.Asset{secret}, nil},
			{"職員別", []asset.Asset{secret}, nil},
			{"明細", []asset.Asset{secret}, nil},
			{"個人情報", []asset.Asset{residents}, []asset.Asset{residents}},
			{"サーバ", []asset.Asset{key}, []asset.Asset{key}},
			{"ｼｽﾃﾑ", []asset.Asset{payroll}, []asset.Asset{payroll}},
			{"ＳＥＲＶＥＲ", nil, nil},
			{"%", []asset.Asset{pct}, []asset.Asset{pct}},
			{"0%達", []asset.Asset{pct}, []asset.Asset{pct}},
			{"_", nil, nil},
			{"人事 システム", []asset.Asset{payroll}, []asset.Asset{payroll}},
			{"給与　住民", nil, nil},
			{"存在しない語", nil, nil},
			{"給与計算", []asset.Asset{payroll}, []asset.Asset{payroll}},
		}
		for _, c := range cases {
			for _, who := range []struct {
				name string
				want []asset.Asset
				p    func() []asset.Asset
			}{
				{"ciso", c.ciso, func() []asset.Asset { return e.all(e.ciso, asset.Filter{Query: c.q}) }},
				{"auditor", c.auditor, func() []asset.Asset { return e.all(e.auditor, asset.Filter{Query: c.q}) }},
			} {
				got := who.p()
				if !sameIDs(ids(got), who.want) {
					t.Errorf("%s searching %q finds %v, want %v", who.name, c.q, names(got), names(who.want))
				}
				for _, a := range got {
					if a.Masked {
						t.Errorf("%s searching %q finds masked %d", who.name, c.q, a.ID)
					}
				}
				counts, err := asset.Counts(ctx, d, e.sc, e.ciso, asset.Filter{Query: c.q})
				if who.name == "ciso" && (err != nil || counts.Total != len(c.ciso)) {
					t.Errorf("counts for %q: %+v %v", c.q, counts, err)
				}
			}
		}
		// Filters on hidden fields never match a masked asset either; those
		// on what stays visible do.
		hidden := []asset.Filter{{OwnerID: e.alice.ID}, {Domain: "none"}, {Tag: "秘密区分"}, {Query: "給与明細"}}
		for _, f := range hidden {
			for _, a := range e.all(e.auditor, f) {
				if a.Masked {
					t.Errorf("auditor's filter %+v matches masked %d", f, a.ID)
				}
			}
		}
		visible := e.all(e.auditor, asset.Filter{Confidentiality: "3", Kind: "information", DepartmentID: e.bureau.ID, Status: "in_use"})
		if len(visible) != 1 || !visible[0].Masked || visible[0].ID != secret.ID {
			t.Errorf("auditor's filter on visible fields: %+v", visible)
		}
		if got := e.all(e.ciso, asset.Filter{Tag: "ｺ個人情報"}); len(got) != 0 {
			t.Errorf("tag filter is not exact: %v", names(got))
		}
		if got := e.all(e.ciso, asset.Filter{Tag: "個人情報"}); len(got) != 1 || got[0].ID != residents.ID {
			t.Errorf("tag filter: %v", names(got))
		}
		// The index follows edits: the old words stop matching, new ones match.
		in := payroll.Input()
		in.Name, in.Description = "勤怠管理システム", ""
		if _, err := e.update(e.ciso, payroll.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := e.all(e.ciso, asset.Filter{Query: "人事給与"}); len(got) != 0 {
			t.Errorf("old name still found: %v", names(got))
		}
		if got := e.all(e.ciso, asset.Filter{Query: "勤怠"}); len(got) != 1 {
			t.Errorf("new name not found: %v", names(got))
		}
		var grams int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_grams WHERE org_id = ? AND asset_id = ?`, e.sc.OrgID, payroll.ID).Scan(&grams); err != nil ||
			grams != len(asset.Grams(asset.SearchText("勤怠管理システム", "", nil))) {
			t.Errorf("asset has %d grams (%v)", grams, err)
		}
	})
}

func names(as []asset.Asset) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func TestPaginationWalksEveryRowOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		words := []string{"文書", "台帳", "システム", "端末", "名簿"}
		const n = 41
		for i := 0; i < n; i++ {
			in := e.input(words[i%len(words)]) // repeated names
			if i%3 == 0 {
				in.NextReviewDate = fmt.Sprintf("2025-%02d-01", 1+i%12) // repeated dates, some undated
			}
			if i%4 == 0 {
				in.Confidentiality = "3"
			}
			e.create(in)
		}
		for _, s := range asset.Sorts {
			for _, desc := range []bool{false, true} {
				for _, p := range []struct {
					name string
					f    asset.Filter
				}{{"ciso", asset.Filter{}}, {"auditor", asset.Filter{}}} {
					f := p.f
					f.Sort, f.Desc, f.Limit = s, desc, 6
					who := e.ciso
					if p.name == "auditor" {
						who = e.auditor
					}
					got := e.all(who, f)
					seen := map[int64]bool{}
					for _, a := range got {
						if seen[a.ID] {
							t.Errorf("%s %s desc=%v: %d twice", p.name, s, desc, a.ID)
						}
						seen[a.ID] = true
					}
					if len(seen) != n {
						t.Errorf("%s %s desc=%v: saw %d of %d", p.name, s, desc, len(seen), n)
					}
					// Visible rows in order; masked ones after them, by id.
					var vis, masked []asset.Asset
					for i, a := range got {
						if a.Masked {
							masked = append(masked, a)
						} else if len(masked) > 0 {
							t.Errorf("%s %s: visible row %d after a masked one", p.name, s, i)
						}
						if !a.Masked {
							vis = append(vis, a)
						}
					}
					if p.name == "auditor" && len(masked) != 11 {
						t.Errorf("auditor saw %d masked rows", len(masked))
					}
					if !slices.IsSortedFunc(masked, func(x, y asset.Asset) int { return cmp.Compare(x.ID, y.ID) }) {
						t.Errorf("masked rows out of id order")
					}
					key := func(a asset.Asset) string {
						switch s {
						case asset.SortUpdated:
							return fmt.Sprintf("%020d|%020d", a.UpdatedAt, a.ID)
						case asset.SortNextReview:
							due := a.NextReviewDate
							if due == "" {
								due = "9999-12-31"
							}
							return fmt.Sprintf("%s|%020d", due, a.ID)
						case asset.SortID:
							return fmt.Sprintf("%020d", a.ID)
						}
						return "" // names sort in the engine's collation
					}
					ordered := slices.IsSortedFunc(vis, func(x, y asset.Asset) int {
						if desc {
							return cmp.Compare(key(y), key(x))
						}
						return cmp.Compare(key(x), key(y))
					})
					if !ordered {
						t.Errorf("%s %s desc=%v: out of order", p.name, s, desc)
					}
				}
			}
		}
		// A cursor belongs to its order, and a forged one is refused.
		page, err := asset.List(ctx, d, e.sc, e.ciso, asset.Filter{Limit: 5})
		if err != nil || page.NextCursor == "" {
			t.Fatal(err)
		}
		for _, f := range []asset.Filter{{Cursor: page.NextCursor, Sort: asset.SortID}, {Cursor: page.NextCursor, Desc: true}, {Cursor: "!!"}, {Cursor: "MXgy"}} {
			if _, err := asset.List(ctx, d, e.sc, e.ciso, f); fieldKey(err, "cursor") != "error.invalid_cursor" {
				t.Errorf("cursor %+v accepted: %v", f, err)
			}
		}
		for _, f := range []asset.Filter{{Kind: "x"}, {Confidentiality: "9"}, {Sort: "size"}, {Limit: asset.MaxLimit + 1}, {Domain: "lan"}, {Status: "gone"}} {
			if _, err := asset.List(ctx, d, e.sc, e.ciso, f); err == nil {
				t.Errorf("filter %+v accepted", f)
			}
		}
	})
}

func TestCountsFollowTheFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.register()
		filters := []asset.Filter{{}, {Kind: "information"}, {DepartmentID: e.other.ID}, {Query: "台帳"}, {OwnerID: e.bob.ID},
			{Confidentiality: "3"}, {Status: "in_use"}, {Domain: "lgwan"}}
		readers := map[string]authz.Principal{"ciso": e.ciso, "auditor": e.auditor, "officer": e.otherOfficer, "alice": e.staffAlice}
		for who, p := range readers {
			for _, f := range filters {
				// Counts ignore the level filter, so the level tabs all count.
				all := f
				all.Confidentiality = ""
				list := e.all(p, all)
				tally := map[asset.Confidentiality]int{}
				for _, a := range list {
					tally[a.Confidentiality]++
				}
				c, err := asset.Counts(ctx, d, e.sc, p, f)
				if err != nil {
					t.Fatal(err)
				}
				if c.Total != len(list) {
					t.Errorf("%s %+v: total %d, list %d", who, f, c.Total, len(list))
				}
				for _, lc := range c.Levels {
					if lc.Count != tally[lc.Level] {
						t.Errorf("%s %+v: level %s count %d, list %d", who, f, lc.Level, lc.Count, tally[lc.Level])
					}
				}
				if len(c.Levels) != 3 || c.Levels[0].Level != "3" {
					t.Errorf("levels %+v", c.Levels)
				}
			}
		}
		// The stored counters follow every write.
		if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, e.sc, e.ciso, r.D.ID) }); err != nil {
			t.Fatal(err)
		}
		in := r.B.Input()
		in.Confidentiality = "3"
		if _, err := e.update(e.ciso, r.B.ID, in); err != nil {
			t.Fatal(err)
		}
		var bad int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_counts c WHERE c.org_id = ? AND c.n <>
			(SELECT COUNT(*) FROM assets a WHERE a.org_id = c.org_id AND a.confidentiality = c.confidentiality)`, e.sc.OrgID).Scan(&bad); err != nil || bad != 0 {
			t.Errorf("%d counters disagree with the table (%v)", bad, err)
		}
		c, _ := asset.Counts(ctx, d, e.sc, e.ciso, asset.Filter{})
		if c.Total != 5 || c.Levels[0].Count != 5 {
			t.Errorf("after delete and reclassification: %+v", c)
		}
	})
}
