package asset_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// batch runs fn with a writing Batch in one transaction and writes what it
// queued.
func (e *env) batch(p authz.Principal, fn func(b *asset.Batch) error) []int64 {
	e.t.Helper()
	var ids []int64
	err := e.d.Transact(ctx, func(tx *db.Tx) (err error) {
		b := asset.NewBatch(tx, tx, e.sc, p)
		if err := fn(b); err != nil {
			return err
		}
		ids, err = b.Flush(ctx)
		return err
	})
	if err != nil {
		e.t.Fatalf("batch: %v", err)
	}
	return ids
}

// entryOf returns the newest trail entry of an asset.
func (e *env) entryOf(id int64) trail.Entry {
	e.t.Helper()
	es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Entity: asset.EntityAsset, EntityID: fmt.Sprint(id), Limit: 1})
	if err != nil || len(es) != 1 {
		e.t.Fatalf("trail of asset %d: %v %v", id, es, err)
	}
	return es[0]
}

// fields decodes a trail snapshot without what differs between two
// assets made alike: the id and the times.
func fields(t *testing.T, js string) map[string]any {
	t.Helper()
	if js == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("snapshot %q: %v", js, err)
	}
	delete(m, "id")
	delete(m, "created_at")
	delete(m, "updated_at")
	return m
}

func same(a, b asset.Asset) bool {
	a.ID, a.CreatedAt, a.UpdatedAt = 0, 0, 0
	b.ID, b.CreatedAt, b.UpdatedAt = 0, 0, 0
	return reflect.DeepEqual(a, b)
}

// A batch stores every asset, tag, count and trail entry as Create and
// Update do one by one, and the chain still verifies.
func TestBatchWritesWhatCreateAndUpdateWrite(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var ins []asset.Input
		plain := e.input("職員名簿データ")
		ins = append(ins, plain)
		tagged := e.input("  給与明細（紙）　")
		tagged.Kind, tagged.Description, tagged.Tags, tagged.Location = "document", "給与計算の\n控え", []string{"個人情報、ＰＣ", "個人情報 紙"}, "書庫"
		tagged.ControlledArea, tagged.NextReviewDate, tagged.RetentionYears = true, "令和8年4月1日", asset.RetentionPermanent
		ins = append(ins, tagged)
		restricted := e.input("人事記録")
		restricted.Confidentiality, restricted.CustodianID, restricted.Domain, restricted.MFAOnTerminals = "3", e.bob.ID, "mynumber", "no"
		ins = append(ins, restricted)
		disposed := e.input("旧サーバ")
		disposed.Kind, disposed.Status, disposed.DisposedOn, disposed.DisposalMethod, disposed.DisposalWitnessID = "equipment", "disposed", "2024-04-01", "溶解処理", e.carol.ID
		ins = append(ins, disposed)
		system := e.input("文書管理システム")
		system.Kind, system.Domain, system.Integrity, system.Availability = "system", "lgwan", "2", "2"
		ins = append(ins, system)

		var single []asset.Asset
		for _, in := range ins {
			single = append(single, e.create(in))
		}
		ids := e.batch(e.ciso, func(b *asset.Batch) error {
			for _, in := range ins {
				if _, err := b.Create(ctx, in); err != nil {
					return err
				}
			}
			return nil
		})
		if len(ids) != len(ins) {
			t.Fatalf("batch returned %d ids for %d assets", len(ids), len(ins))
		}
		for i, id := range ids {
			got := e.get(id)
			if !same(got, single[i]) || got.ID != id {
				t.Errorf("batch stored\n%+v\nCreate stored\n%+v", got, single[i])
			}
			be, ce := e.entryOf(id), e.entryOf(single[i].ID)
			if be.Action != trail.Create || be.Before != "" || !reflect.DeepEqual(fields(t, be.After), fields(t, ce.After)) {
				t.Errorf("batch recorded %s %s, Create recorded %s", be.Action, be.After, ce.After)
			}
			var a asset.Asset
			if err := json.Unmarshal([]byte(be.After), &a); err != nil || a.ID != id || a.CreatedAt != got.CreatedAt || a.UpdatedAt != got.UpdatedAt {
				t.Errorf("trail entry of %d names %d, created %d, updated %d; stored %+v (%v)", id, a.ID, a.CreatedAt, a.UpdatedAt, got, err)
			}
		}

		// The same change through Update and through a batch, of assets
		// indexed (the grams change by their difference) and pending (all
		// are written).
		if _, err := asset.IndexPending(ctx, d, e.sc.OrgID); err != nil {
			t.Fatal(err)
		}
		more := e.batch(e.ciso, func(b *asset.Batch) error {
			for _, in := range ins {
				if _, err := b.Create(ctx, in); err != nil {
					return err
				}
			}
			return nil
		})
		ids = append(ids, more...)
		single = append(single, single...)
		for i := range ins {
			single[len(ins)+i] = e.create(ins[i])
		}
		changes := func(in asset.Input, i int) asset.Input {
			in.Name, in.Tags, in.Confidentiality = in.Name+"（改）", []string{"紙", "委託"}, []string{"1", "2", "3", "2", "1"}[i%5]
			in.Description = "更新後の説明"
			return in
		}
		for i, a := range single {
			if _, err := e.update(e.ciso, a.ID, changes(a.Input(), i)); err != nil {
				t.Fatal(err)
			}
		}
		e.batch(e.ciso, func(b *asset.Batch) error {
			seen, err := b.Load(ctx, ids)
			if err != nil || len(seen) != len(ids) {
				return fmt.Errorf("load: %d of %d, %v", len(seen), len(ids), err)
			}
			for i, id := range ids {
				if err := b.Update(ctx, id, changes(seen[id].Input(), i)); err != nil {
					return err
				}
			}
			return nil
		})
		for i, id := range ids {
			got := e.get(id)
			if !same(got, e.get(single[i].ID)) || got.Version != 2 {
				t.Errorf("batch updated to\n%+v\nUpdate to\n%+v", got, e.get(single[i].ID))
			}
			be, ue := e.entryOf(id), e.entryOf(single[i].ID)
			if be.Action != trail.Update || !reflect.DeepEqual(fields(t, be.Before), fields(t, ue.Before)) ||
				!reflect.DeepEqual(fields(t, be.After), fields(t, ue.After)) {
				t.Errorf("batch recorded %s → %s\nUpdate recorded %s → %s", be.Before, be.After, ue.Before, ue.After)
			}
		}
		tagsOf := func(id int64) []string {
			rows, err := d.QueryContext(ctx, `SELECT tag FROM asset_tags WHERE org_id = ? AND asset_id = ? ORDER BY tag`, e.sc.OrgID, id)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				rows.Scan(&s)
				out = append(out, s)
			}
			return out
		}
		for i, id := range ids {
			if got, want := tagsOf(id), tagsOf(single[i].ID); !slices.Equal(got, want) || len(got) != 2 {
				t.Errorf("asset %d tagged %v, Update tagged %v", id, got, want)
			}
		}
		checkCounts(t, e)
		checkIndex(t, e)
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}

// checkIndex compares asset_grams with the text of every asset: all its
// grams for an indexed asset, none for one whose grams are pending.
func checkIndex(t *testing.T, e *env) {
	t.Helper()
	stored := map[int64][]string{}
	rows, err := e.d.QueryContext(ctx, `SELECT asset_id, gram FROM asset_grams WHERE org_id = ? ORDER BY asset_id, gram`, e.sc.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var g string
		if err := rows.Scan(&id, &g); err != nil {
			t.Fatal(err)
		}
		stored[id] = append(stored[id], g)
	}
	rows.Close()
	rows, err = e.d.QueryContext(ctx, `SELECT id, search_text, grams_pending FROM assets WHERE org_id = ?`, e.sc.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		var pending bool
		if err := rows.Scan(&id, &text, &pending); err != nil {
			t.Fatal(err)
		}
		var want []string
		if !pending {
			want = asset.Grams(text)
		}
		if !slices.Equal(stored[id], want) {
			t.Errorf("asset %d (pending %v) has grams %q, want %q", id, pending, stored[id], want)
		}
		delete(stored, id)
	}
	if len(stored) != 0 {
		t.Errorf("grams of no asset: %v", stored)
	}
}

// checkCounts compares the counters with the assets.
func checkCounts(t *testing.T, e *env) {
	t.Helper()
	count := func(q string) map[string]int64 {
		rows, err := e.d.QueryContext(ctx, q, e.sc.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string]int64{}
		for rows.Next() {
			var c string
			var n int64
			if err := rows.Scan(&c, &n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				m[c] = n
			}
		}
		return m
	}
	kept := count(`SELECT confidentiality, n FROM asset_counts WHERE org_id = ?`)
	real := count(`SELECT confidentiality, COUNT(*) FROM assets WHERE org_id = ? GROUP BY confidentiality`)
	if !maps.Equal(kept, real) {
		t.Errorf("asset_counts %v, assets %v", kept, real)
	}
}

// A batch refuses what Check refuses, with the same error, whoever asks:
// both run the same rules, the batch with its lookups cached.
func TestBatchChecksAsCheckDoes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		mine := e.create(e.input("総務課の台帳"))
		other := e.input("事業部の台帳")
		other.DepartmentID, other.OwnerID = e.other.ID, e.bob.ID
		theirs := e.create(other)
		secret := e.input("秘密の台帳")
		secret.Confidentiality = "3"
		hidden := e.create(secret)
		witnessGone := e.input("廃棄済み")
		witnessGone.Status, witnessGone.DisposedOn, witnessGone.DisposalMethod, witnessGone.DisposalWitnessID = "disposed", "2024-04-01", "裁断", e.carol.ID
		disposed := e.create(witnessGone)
		cases := []struct {
			name   string
			p      authz.Principal
			id     int64
			change func(*asset.Input)
		}{
			{"valid", e.ciso, 0, func(*asset.Input) {}},
			{"missing name", e.ciso, 0, func(in *asset.Input) { in.Name = "" }},
			{"3A in legacy scheme", e.ciso, 0, func(in *asset.Input) { in.Confidentiality = "3A" }},
			{"unknown department", e.ciso, 0, func(in *asset.Input) { in.DepartmentID = 987654 }},
			{"unknown owner and custodian", e.ciso, 0, func(in *asset.Input) { in.OwnerID, in.CustodianID = 987654, 987655 }},
			{"owner who has left", e.ciso, 0, func(in *asset.Input) { in.OwnerID = e.gone.ID }},
			{"officer's department", e.officer, 0, func(*asset.Input) {}},
			{"another officer's department", e.otherOfficer, 0, func(*asset.Input) {}},
			{"staff's own", e.staffAlice, 0, func(*asset.Input) {}},
			{"auditor", e.auditor, 0, func(*asset.Input) {}},
			{"update", e.officer, mine.ID, func(in *asset.Input) { in.Name = "改名" }},
			{"update out of reach", e.officer, theirs.ID, func(in *asset.Input) { in.Name = "改名" }},
			{"move out of reach", e.officer, mine.ID, func(in *asset.Input) { in.DepartmentID = e.other.ID }},
			{"restricted, seen masked", e.manager, hidden.ID, func(in *asset.Input) { in.Name = "改名" }},
			{"stale version", e.ciso, mine.ID, func(in *asset.Input) { in.Version = 7 }},
			{"unknown asset", e.ciso, 987654, func(*asset.Input) {}},
			{"witness who has left stays", e.ciso, disposed.ID, func(in *asset.Input) { in.Description = "追記" }},
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := org.SetActive(ctx, tx, e.sc, e.carol.ID, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, loaded := range []bool{false, true} {
			for _, c := range cases {
				in := e.input("新しい台帳")
				if c.id != 0 {
					if a, err := asset.Get(ctx, d, e.sc, e.ciso, c.id); err == nil {
						in = a.Input()
					}
				}
				c.change(&in)
				one, many := in, in
				want := asset.Check(ctx, d, e.sc, c.p, &one, c.id)
				b := asset.NewBatch(d, nil, e.sc, c.p)
				if loaded {
					if _, err := b.Load(ctx, []int64{c.id, mine.ID}); err != nil {
						t.Fatal(err)
					}
				}
				got := b.Check(ctx, &many, c.id)
				if !sameError(got, want) || !reflect.DeepEqual(one, many) {
					t.Errorf("%s (loaded %v): batch says %v, Check says %v", c.name, loaded, got, want)
				}
			}
		}
	})
}

// sameError reports whether two checks failed alike: the same fields with
// the same messages, or the same error.
func sameError(a, b error) bool {
	var va, vb validate.Errors
	if errors.As(a, &va) || errors.As(b, &vb) {
		return errors.As(a, &va) && errors.As(b, &vb) && reflect.DeepEqual(va, vb)
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// New assets get ids in the order they were queued, on both engines, after
// every id given before and before every id given after, however batches
// and single creates take turns; each id names the asset queued with it.
func TestBatchIDsFollowTheQueue(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var all []int64
		names := map[int64]string{}
		round := func(prefix string, n, perWrite int) {
			err := d.Transact(ctx, func(tx *db.Tx) error {
				b := asset.NewBatch(tx, tx, e.sc, e.ciso)
				for i := 0; i < n; i++ {
					name := fmt.Sprintf("%s%04d", prefix, i)
					id, err := b.Create(ctx, e.input(name))
					if err != nil {
						return err
					}
					names[id] = name
					if (i+1)%perWrite == 0 || i == n-1 {
						got, err := b.Flush(ctx)
						if err != nil {
							return err
						}
						all = append(all, got...)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		round("一括A", 1234, 500)
		all = append(all, e.create(e.input("単独1")).ID)
		round("一括B", 7, 3)
		all = append(all, e.create(e.input("単独2")).ID)
		if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) {
			t.Fatalf("ids out of order or repeated: %v", all)
		}
		rows, err := d.QueryContext(ctx, `SELECT id, name FROM assets WHERE org_id = ?`, e.sc.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			if want, ok := names[id]; ok && want != name {
				t.Errorf("asset %d is %q, queued as %q", id, name, want)
			}
			n++
		}
		if n != 1234+7+2 {
			t.Errorf("%d assets", n)
		}
		checkCounts(t, e)
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}

// Search finds an asset an import has just registered, before its grams
// are written and after, with every plan a query can take: through a rare
// gram, through two common words, with too many pending assets to fetch,
// and when no gram matches at all.
func TestSearchFindsPendingAssets(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		indexed := e.create(e.input("人事給与システム"))
		mk := func(name, desc string, tags ...string) asset.Input {
			in := e.input(name)
			in.Description, in.Tags = desc, tags
			return in
		}
		var pending []int64
		pending = append(pending, e.batch(e.ciso, func(b *asset.Batch) error {
			for _, in := range []asset.Input{mk("共済掛金データ", "掛金の記録"), mk("ｻｰﾊﾞ室の鍵", "", "施錠"), mk("人事記録", "給与計算の控え")} {
				if _, err := b.Create(ctx, in); err != nil {
					return err
				}
			}
			return nil
		})...)
		search := func(q string) []int64 {
			t.Helper()
			var out []int64
			for _, a := range e.all(e.ciso, asset.Filter{Query: q}) {
				out = append(out, a.ID)
			}
			slices.Sort(out)
			c, err := asset.Counts(ctx, d, e.sc, e.ciso, asset.Filter{Query: q})
			if err != nil || c.Total != len(out) {
				t.Errorf("counts for %q: %+v %v, listed %d", q, c, err, len(out))
			}
			return out
		}
		cases := []struct {
			q    string
			want []int64
		}{
			{"掛金", []int64{pending[0]}},      // grams find nothing: only a pending asset can match
			{"共済掛金データ", []int64{pending[0]}}, // every gram unknown
			{"サーバ", []int64{pending[1]}},     // folded half-width kana
			{"施錠", []int64{pending[1]}},      // a tag
			{"人事", []int64{indexed.ID, pending[2]}},
			{"給与", []int64{indexed.ID, pending[2]}},
			{"人事 給与", []int64{indexed.ID, pending[2]}},
			{"シ", []int64{indexed.ID}},
			{"鍵", []int64{pending[1]}},
			{"存在しない語", nil},
			{"システム 掛金", nil},
		}
		run := func(when string) {
			t.Helper()
			for _, c := range cases {
				if got := search(c.q); !slices.Equal(got, c.want) {
					t.Errorf("%s: %q finds %v, want %v", when, c.q, got, c.want)
				}
			}
		}
		grams := func() (n int) {
			t.Helper()
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_grams WHERE org_id = ? AND asset_id <> ?`, e.sc.OrgID, indexed.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		pendingCount := func() (n int) {
			t.Helper()
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ? AND grams_pending = TRUE`, e.sc.OrgID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if grams() != 0 || pendingCount() != 3 {
			t.Fatalf("before indexing: %d grams, %d pending", grams(), pendingCount())
		}
		run("pending")

		// Too many pending assets to fetch as candidates: LIKE decides alone.
		e.batch(e.ciso, func(b *asset.Batch) error {
			for i := 0; i < 3100; i++ {
				if _, err := b.Create(ctx, mk(fmt.Sprintf("一括登録資産%04d", i), "")); err != nil {
					return err
				}
			}
			return nil
		})
		run("many pending")
		if got := search("一括登録資産3099"); len(got) != 1 {
			t.Errorf("many pending: one of them found %d times", len(got))
		}

		n, err := asset.IndexPending(ctx, d, e.sc.OrgID)
		if err != nil || n != 3103 || pendingCount() != 0 {
			t.Fatalf("indexed %d (%v), %d still pending", n, err, pendingCount())
		}
		want := 0
		rows, err := d.QueryContext(ctx, `SELECT search_text FROM assets WHERE org_id = ? AND id <> ?`, e.sc.OrgID, indexed.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var text string
			rows.Scan(&text)
			want += len(asset.Grams(text))
		}
		rows.Close()
		if got := grams(); got != want {
			t.Errorf("%d grams written, want %d", got, want)
		}
		run("indexed")
		if n, err := asset.IndexPending(ctx, d, e.sc.OrgID); n != 0 || err != nil {
			t.Errorf("second indexing: %d %v", n, err)
		}
		checkIndex(t, e)
	})
}

// An asset edited or deleted while its grams are pending leaves the index
// right: an edit writes its grams at once, a deletion leaves none behind.
func TestEditingAPendingAsset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ids := e.batch(e.ciso, func(b *asset.Batch) error {
			for _, name := range []string{"共済掛金データ", "貸付金台帳"} {
				if _, err := b.Create(ctx, e.input(name)); err != nil {
					return err
				}
			}
			return nil
		})
		a := e.get(ids[0])
		in := a.Input()
		in.Name = "福利厚生データ"
		if _, err := e.update(e.ciso, a.ID, in); err != nil {
			t.Fatal(err)
		}
		var pending bool
		var n int
		if err := d.QueryRowContext(ctx, `SELECT grams_pending, (SELECT COUNT(*) FROM asset_grams g WHERE g.org_id = a.org_id AND g.asset_id = a.id)
			FROM assets a WHERE a.org_id = ? AND a.id = ?`, e.sc.OrgID, a.ID).Scan(&pending, &n); err != nil {
			t.Fatal(err)
		}
		if pending || n != len(asset.Grams(asset.SearchText("福利厚生データ", "", nil))) {
			t.Errorf("edited pending asset: pending %v, %d grams", pending, n)
		}
		if got := e.all(e.ciso, asset.Filter{Query: "福利"}); len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("new name not found: %v", names(got))
		}
		if got := e.all(e.ciso, asset.Filter{Query: "掛金"}); len(got) != 0 {
			t.Errorf("old name still found: %v", names(got))
		}
		// And through a batch.
		more := e.batch(e.ciso, func(b *asset.Batch) error {
			_, err := b.Create(ctx, e.input("医療費助成台帳"))
			return err
		})
		e.batch(e.ciso, func(b *asset.Batch) error {
			seen, err := b.Load(ctx, more)
			if err != nil {
				return err
			}
			in := seen[more[0]].Input()
			in.Description, in.Tags = "令和6年度分", []string{"個人情報"}
			return b.Update(ctx, more[0], in)
		})
		checkIndex(t, e)
		if got := e.all(e.ciso, asset.Filter{Query: "令和6"}); len(got) != 1 || got[0].ID != more[0] {
			t.Errorf("batch-updated pending asset not found: %v", names(got))
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, e.sc, e.ciso, ids[1]) }); err != nil {
			t.Fatal(err)
		}
		if n, err := asset.IndexPending(ctx, d, e.sc.OrgID); err != nil || n != 0 {
			t.Errorf("indexing after the edit and the deletion: %d %v", n, err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_grams WHERE org_id = ? AND asset_id = ?`, e.sc.OrgID, ids[1]).Scan(&n); err != nil || n != 0 {
			t.Errorf("deleted asset left %d grams (%v)", n, err)
		}
		checkCounts(t, e)
		checkIndex(t, e)
	})
}

// Several indexers at once (two imports, two instances) index every asset
// once: none fails on a gram another wrote, and none is left out.
func TestIndexersRunningTogether(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.batch(e.ciso, func(b *asset.Batch) error {
			for i := 0; i < 1700; i++ {
				if _, err := b.Create(ctx, e.input(fmt.Sprintf("台帳%04d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		var wg sync.WaitGroup
		counts := make([]int, 3)
		errs := make([]error, 3)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = asset.IndexPending(ctx, d, e.sc.OrgID)
			}()
		}
		wg.Wait()
		total := 0
		for i := range counts {
			if errs[i] != nil {
				t.Errorf("indexer %d: %v", i, errs[i])
			}
			total += counts[i]
		}
		var left, grams, want int
		if err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM assets WHERE org_id = ? AND grams_pending = TRUE),
			(SELECT COUNT(*) FROM asset_grams WHERE org_id = ?)`, e.sc.OrgID, e.sc.OrgID).Scan(&left, &grams); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1700; i++ {
			want += len(asset.Grams(asset.SearchText(fmt.Sprintf("台帳%04d", i), "", nil)))
		}
		if total != 1700 || left != 0 || grams != want {
			t.Errorf("indexed %d of 1700 (%v), %d left, %d grams of %d", total, counts, left, grams, want)
		}
	})
}

// SQLite finds the pending assets through their partial index, not by
// reading the register.
func TestPendingAssetsUseTheirIndex(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	for _, q := range []string{
		`SELECT id, search_text FROM assets WHERE org_id = ? AND grams_pending = TRUE ORDER BY id LIMIT 10`,  // indexing
		`SELECT COUNT(*) FROM (SELECT 1 FROM assets WHERE org_id = ? AND grams_pending = TRUE LIMIT 3000) t`, // weighing a search
		`SELECT a.id FROM assets a WHERE a.org_id = ? AND a.id IN (SELECT id FROM assets WHERE org_id = ? AND grams_pending = TRUE)`,
	} {
		args := []any{1, 1}[:strings.Count(q, "?")]
		rows, err := d.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "\n"
		}
		rows.Close()
		if want := "INDEX assets_grams_pending"; !strings.Contains(plan, want) {
			t.Errorf("%s\nplan:\n%s\nwant %s", q, plan, want)
		}
	}
}

// get reads an asset as the CISO sees it.
func (e *env) get(id int64) asset.Asset {
	e.t.Helper()
	a, err := asset.Get(ctx, e.d, e.sc, e.ciso, id)
	if err != nil {
		e.t.Fatalf("get %d: %v", id, err)
	}
	return a
}
