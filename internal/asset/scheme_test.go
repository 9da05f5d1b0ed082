package asset_test

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

func TestSchemeSwitchMapsEveryAsset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		levels := []string{"3", "3", "3", "2", "1"}
		var as []asset.Asset
		for _, l := range levels {
			in := e.input("文書" + l)
			in.Confidentiality = l
			as = append(as, e.create(in))
		}
		switchTo := func(to, level3 string) (asset.SchemeChange, error) {
			var ch asset.SchemeChange
			err := d.Transact(ctx, func(tx *db.Tx) (err error) {
				ch, err = asset.SwitchScheme(ctx, tx, e.sc, e.ciso, asset.SchemeSwitch{To: to, Level3To: level3})
				return err
			})
			return ch, err
		}
		levelsNow := func() []string {
			var out []string
			for _, a := range as {
				g, err := asset.Get(ctx, d, e.sc, e.ciso, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, string(g.Confidentiality))
			}
			return out
		}
		if _, err := switchTo("legacy", ""); fieldKey(err, "to") != "asset.scheme_unchanged" {
			t.Errorf("switch to the same scheme: %v", err)
		}
		if _, err := switchTo("2025", ""); fieldKey(err, "to") != "error.invalid_choice" {
			t.Errorf("switch to an unknown scheme: %v", err)
		}
		if _, err := switchTo("2024", "2"); fieldKey(err, "level3_to") != "error.invalid_choice" {
			t.Errorf("legacy 3 mapped below 3: %v", err)
		}
		head := e.head()
		ch, err := switchTo("2024", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := levelsNow(); !slices.Equal(got, []string{"3B", "3B", "3B", "2", "1"}) {
			t.Errorf("after switching to 2024: %v", got)
		}
		if ch.Total != 3 || ch.Changed["3→3B"] != 3 || ch.Mapping["3"] != "3B" {
			t.Errorf("change %+v", ch)
		}
		// One trail entry states the decision and its mapping.
		if got := e.head(); got != head+1 {
			t.Errorf("switch wrote %d trail entries", got-head)
		}
		es, err := trail.List(ctx, d, e.sc, trail.Filter{Entity: asset.EntityScheme})
		if err != nil || len(es) != 1 {
			t.Fatalf("scheme entries %v %v", es, err)
		}
		var recorded asset.SchemeChange
		if err := json.Unmarshal([]byte(es[0].After), &recorded); err != nil || recorded.Changed["3→3B"] != 3 || recorded.From != "legacy" || recorded.To != "2024" {
			t.Errorf("recorded %s (%v)", es[0].After, err)
		}
		// Each asset's history shows what the switch did to it; an asset
		// whose level means the same in both schemes shows nothing.
		h, err := asset.History(ctx, d, e.sc, e.ciso, as[0].ID)
		if err != nil || len(h) != 2 || h[0].Entity != asset.EntityScheme ||
			!slices.Equal(h[0].Changes, []asset.FieldChange{{Field: "confidentiality", Before: "3", After: "3B"}}) {
			t.Errorf("history after switch: %+v %v", h, err)
		}
		if h, _ := asset.History(ctx, d, e.sc, e.ciso, as[3].ID); len(h) != 1 {
			t.Errorf("unchanged asset's history: %+v", h)
		}
		// Versions move only for the assets that changed, so a form opened
		// before the switch on such an asset conflicts.
		if g, _ := asset.Get(ctx, d, e.sc, e.ciso, as[0].ID); g.Version != 2 {
			t.Errorf("reclassified asset at version %d", g.Version)
		}
		if g, _ := asset.Get(ctx, d, e.sc, e.ciso, as[3].ID); g.Version != 1 {
			t.Errorf("untouched asset at version %d", g.Version)
		}
		if _, err := e.update(e.ciso, as[0].ID, as[0].Input()); !errors.Is(err, db.ErrConflict) {
			t.Errorf("stale form after switch: %v", err)
		}
		// The 2024 levels are now the valid ones.
		cur, _ := asset.Get(ctx, d, e.sc, e.ciso, as[1].ID)
		in := cur.Input()
		in.Confidentiality = "3C"
		if _, err := e.update(e.ciso, as[1].ID, in); err != nil {
			t.Fatal(err)
		}
		in = e.input("旧区分")
		in.Confidentiality = "3"
		if err := d.Transact(ctx, func(tx *db.Tx) error { _, err := asset.Create(ctx, tx, e.sc, e.ciso, in); return err }); fieldKey(err, "confidentiality") != "asset.level_not_in_scheme" {
			t.Errorf("legacy level accepted under 2024: %v", err)
		}
		cur, _ = asset.Get(ctx, d, e.sc, e.ciso, as[2].ID)
		in = cur.Input()
		in.Confidentiality = "3A"
		if _, err := e.update(e.ciso, as[2].ID, in); err != nil {
			t.Fatal(err)
		}
		c, _ := asset.Counts(ctx, d, e.sc, e.ciso, asset.Filter{})
		if len(c.Levels) != 5 || c.Levels[0].Count != 1 || c.Levels[1].Count != 1 || c.Levels[2].Count != 1 {
			t.Errorf("2024 counts %+v", c)
		}
		// Back to legacy: all of 3A, 3B and 3C become 3.
		if ch, err = switchTo("legacy", ""); err != nil {
			t.Fatal(err)
		}
		if got := levelsNow(); !slices.Equal(got, []string{"3", "3", "3", "2", "1"}) {
			t.Errorf("after switching back: %v", got)
		}
		if ch.Total != 3 {
			t.Errorf("back: %+v", ch)
		}
		c, _ = asset.Counts(ctx, d, e.sc, e.ciso, asset.Filter{})
		if c.Levels[0].Count != 3 || c.Total != 5 {
			t.Errorf("legacy counts %+v", c)
		}
		// Legacy 3 may go to 3A instead, by choice.
		if _, err = switchTo("2024", "3A"); err != nil {
			t.Fatal(err)
		}
		if got := levelsNow(); !slices.Equal(got, []string{"3A", "3A", "3A", "2", "1"}) {
			t.Errorf("after switching with 3→3A: %v", got)
		}
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("verify %+v %v", rep, err)
		}
	})
}

func TestLevelDescriptions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s, ls, err := asset.Levels(ctx, d, e.sc)
		if err != nil || s != asset.SchemeLegacy || len(ls) != 3+2+2 {
			t.Fatalf("levels %v %v %v", s, ls, err)
		}
		for _, l := range ls {
			if l.Description != "" || l.DefaultKey == "" || l.NameKey == "" {
				t.Errorf("default level %+v", l)
			}
		}
		set := func(in asset.LevelInput) error {
			return d.Transact(ctx, func(tx *db.Tx) error {
				_, err := asset.SetLevelDescription(ctx, tx, e.sc, e.director, in)
				return err
			})
		}
		head := e.head()
		if err := set(asset.LevelInput{Dimension: "confidentiality", Level: "3", Description: "個人情報・人事情報など、協会の外に出せない情報"}); err != nil {
			t.Fatal(err)
		}
		if err := set(asset.LevelInput{Dimension: "confidentiality", Level: "3", Description: "協会の外に出せない情報"}); err != nil {
			t.Fatal(err)
		}
		if err := set(asset.LevelInput{Dimension: "confidentiality", Level: "3B"}); fieldKey(err, "level") != "asset.level_not_in_scheme" {
			t.Errorf("3B under legacy: %v", err)
		}
		if err := set(asset.LevelInput{Dimension: "secrecy", Level: "3"}); fieldKey(err, "dimension") != "error.invalid_choice" {
			t.Errorf("unknown dimension: %v", err)
		}
		if err := set(asset.LevelInput{Dimension: "integrity", Level: "2", Description: "\x00"}); fieldKey(err, "description") != "error.control_character" {
			t.Errorf("control character: %v", err)
		}
		if got := e.head(); got != head+2 {
			t.Errorf("trail moved by %d", got-head)
		}
		_, ls, _ = asset.Levels(ctx, d, e.sc)
		if ls[0].Level != "3" || ls[0].Description != "協会の外に出せない情報" {
			t.Errorf("own text %+v", ls[0])
		}
		// Each scheme keeps its own texts; an empty text restores the default.
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := asset.SwitchScheme(ctx, tx, e.sc, e.ciso, asset.SchemeSwitch{To: "2024"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, ls, _ = asset.Levels(ctx, d, e.sc)
		if len(ls) != 5+2+2 || ls[0].Level != "3A" || ls[0].Description != "" {
			t.Errorf("2024 levels %+v", ls)
		}
		if err := set(asset.LevelInput{Dimension: "confidentiality", Level: "3B", Description: "特に重い個人情報"}); err != nil {
			t.Fatal(err)
		}
		if err := set(asset.LevelInput{Dimension: "confidentiality", Level: "3B", Description: ""}); err != nil {
			t.Fatal(err)
		}
		_, ls, _ = asset.Levels(ctx, d, e.sc)
		if ls[1].Description != "" {
			t.Errorf("reset text %+v", ls[1])
		}
	})
}

func TestConcurrentUpdatesConflict(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.create(e.input("共有フォルダ"))
		const writers = 6
		var wg sync.WaitGroup
		results := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := a.Input() // everyone edits version 1
				in.Confidentiality = []string{"3", "1"}[i%2]
				_, err := e.update(e.ciso, a.ID, in)
				results <- err
			}(i)
		}
		wg.Wait()
		close(results)
		ok, conflicts := 0, 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, db.ErrConflict):
				conflicts++
			default:
				t.Errorf("unexpected %v", err)
			}
		}
		if ok != 1 || conflicts != writers-1 {
			t.Errorf("%d succeeded and %d conflicted", ok, conflicts)
		}
		g, _ := asset.Get(ctx, d, e.sc, e.ciso, a.ID)
		if g.Version != 2 {
			t.Errorf("version %d", g.Version)
		}
		var bad int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_counts c WHERE c.org_id = ? AND c.n <>
			(SELECT COUNT(*) FROM assets a WHERE a.org_id = c.org_id AND a.confidentiality = c.confidentiality)`, e.sc.OrgID).Scan(&bad); err != nil || bad != 0 {
			t.Errorf("%d counters disagree (%v)", bad, err)
		}
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("verify %+v %v", rep, err)
		}
	})
}
