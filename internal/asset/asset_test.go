package asset_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mamori/internal/asset"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

func TestTypes(t *testing.T) {
	t.Parallel()
	for _, k := range asset.Kinds {
		if !k.IsValid() || k.Group() == 0 {
			t.Errorf("kind %s: valid %v group %d", k, k.IsValid(), k.Group())
		}
	}
	groups := map[asset.Kind]int{"network": 1, "system": 1, "equipment": 1, "media": 1, "software": 1, "service": 1,
		"information": 2, "document": 2, "system_document": 3}
	for k, g := range groups {
		if asset.Kind(k).Group() != g {
			t.Errorf("%s is in group %d, want %d", k, asset.Kind(k).Group(), g)
		}
	}
	bad := []string{"", "System", "person", "system "}
	for _, b := range bad {
		if asset.Kind(b).IsValid() || asset.Domain(b).IsValid() || asset.Status(b).IsValid() || asset.Fact(b).IsValid() {
			t.Errorf("%q accepted", b)
		}
	}
	levels := []struct {
		c           asset.Confidentiality
		legacy, new bool
		restricted  bool
	}{
		{"3A", false, true, true}, {"3B", false, true, true}, {"3C", false, true, false},
		{"3", true, false, true}, {"2", true, true, false}, {"1", true, true, false},
		{"4", false, false, false}, {"3a", false, false, false}, {"", false, false, false},
	}
	for _, l := range levels {
		if l.c.In(asset.SchemeLegacy) != l.legacy || l.c.In(asset.Scheme2024) != l.new || l.c.Restricted() != l.restricted {
			t.Errorf("level %q: legacy %v 2024 %v restricted %v", l.c, l.c.In(asset.SchemeLegacy), l.c.In(asset.Scheme2024), l.c.Restricted())
		}
		if l.c.IsValid() != (l.legacy || l.new) {
			t.Errorf("level %q: IsValid %v", l.c, l.c.IsValid())
		}
	}
	if !asset.Integrity("2").IsValid() || asset.Integrity("3").IsValid() || !asset.Availability("1").IsValid() || asset.Availability("0").IsValid() {
		t.Error("integrity or availability levels")
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true}, {"5", 5, true}, {"5年", 5, true}, {"５年", 5, true}, {" 30年 ", 30, true}, {"永年", -1, true},
		{"永久", -1, true}, {"permanent", -1, true}, {"0", 0, false}, {"101年", 0, false}, {"五年", 0, false}, {"-3", 0, false},
	}
	for _, c := range cases {
		got, ok := asset.ParseRetention(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRetention(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
		if ok && got != 0 {
			if back, _ := asset.ParseRetention(asset.FormatRetention(got)); back != got {
				t.Errorf("%q does not round-trip through %q", c.in, asset.FormatRetention(got))
			}
		}
	}
}

func TestGramsAndTags(t *testing.T) {
	t.Parallel()
	if g := asset.Grams("人事給与 pc 人事"); !slices.Equal(g, []string{"c", "pc", "与", "事", "事給", "人事", "給与"}) {
		t.Errorf("grams = %q", g)
	}
	if got := asset.Grams("あ"); !slices.Equal(got, []string{"あ"}) {
		t.Errorf("one character makes grams %q", got)
	}
	if got := asset.ParseTags("個人情報、サーバ室　ＰＣ,個人情報 pc"); !slices.Equal(got, []string{"個人情報", "サーバ室", "PC"}) {
		t.Errorf("ParseTags = %q", got)
	}
}

func TestValidationWritesNothing(t *testing.T) {
	t.Parallel()
	tomorrow := time.Now().In(wareki.Location).AddDate(0, 0, 1).Format("2006-01-02")
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		other := newOrg(t, d, "別の財団")
		var foreign int64
		if err := d.QueryRowContext(ctx, `INSERT INTO departments (org_id, kind, name, created_at, updated_at) VALUES (?, 'bureau', '他部', 0, 0) RETURNING id`, other.OrgID).Scan(&foreign); err != nil {
			t.Fatal(err)
		}
		disposed := func(in *asset.Input) {
			in.Status, in.DisposedOn, in.DisposalMethod, in.DisposalWitnessID = "disposed", "2024-04-01", "溶解処理", e.carol.ID
		}
		cases := []struct {
			name   string
			change func(*asset.Input)
			field  string
			key    string
		}{
			{"missing name", func(in *asset.Input) { in.Name = " \u3000" }, "name", "error.required"},
			{"long name", func(in *asset.Input) { in.Name = strings.Repeat("資", asset.MaxName+1) }, "name", "error.too_long"},
			{"control character", func(in *asset.Input) { in.Name = "台帳\x07" }, "name", "error.control_character"},
			{"bad utf8", func(in *asset.Input) { in.Description = "\xff" }, "description", "error.invalid_utf8"},
			{"missing kind", func(in *asset.Input) { in.Kind = "" }, "kind", "error.required"},
			{"wrong kind", func(in *asset.Input) { in.Kind = "server" }, "kind", "error.invalid_choice"},
			{"wrong domain", func(in *asset.Input) { in.Domain = "lan" }, "domain", "error.invalid_choice"},
			{"3A in legacy scheme", func(in *asset.Input) { in.Confidentiality = "3A" }, "confidentiality", "asset.level_not_in_scheme"},
			{"unknown level", func(in *asset.Input) { in.Confidentiality = "4" }, "confidentiality", "error.invalid_choice"},
			{"missing confidentiality", func(in *asset.Input) { in.Confidentiality = "" }, "confidentiality", "error.required"},
			{"wrong integrity", func(in *asset.Input) { in.Integrity = "3" }, "integrity", "error.invalid_choice"},
			{"wrong availability", func(in *asset.Input) { in.Availability = "A" }, "availability", "error.invalid_choice"},
			{"wrong status", func(in *asset.Input) { in.Status = "lost" }, "status", "error.invalid_choice"},
			{"wrong fact", func(in *asset.Input) { in.MFAOnTerminals = "maybe" }, "mfa_on_terminals", "error.invalid_choice"},
			{"missing department", func(in *asset.Input) { in.DepartmentID = 0 }, "department_id", "error.required"},
			{"unknown department", func(in *asset.Input) { in.DepartmentID = 987654 }, "department_id", "error.invalid_choice"},
			{"another organisation's department", func(in *asset.Input) { in.DepartmentID = foreign }, "department_id", "error.invalid_choice"},
			{"missing owner", func(in *asset.Input) { in.OwnerID = 0 }, "owner_id", "error.required"},
			{"unknown owner", func(in *asset.Input) { in.OwnerID = 987654 }, "owner_id", "error.invalid_choice"},
			{"unknown custodian", func(in *asset.Input) { in.CustodianID = 987654 }, "custodian_id", "error.invalid_choice"},
			{"owner who has left", func(in *asset.Input) { in.OwnerID = e.gone.ID }, "owner_id", "asset.person_inactive"},
			{"disposal without witness", func(in *asset.Input) { disposed(in); in.DisposalWitnessID = 0 }, "disposal_witness_id", "asset.disposal_witness_required"},
			{"disposal without date", func(in *asset.Input) { disposed(in); in.DisposedOn = "" }, "disposed_on", "asset.disposal_date_required"},
			{"disposal without method", func(in *asset.Input) { disposed(in); in.DisposalMethod = "" }, "disposal_method", "asset.disposal_method_required"},
			{"disposal in the future", func(in *asset.Input) { disposed(in); in.DisposedOn = tomorrow }, "disposed_on", "asset.disposal_date_future"},
			{"unknown witness", func(in *asset.Input) { disposed(in); in.DisposalWitnessID = 987654 }, "disposal_witness_id", "error.invalid_choice"},
			{"disposal fields while in use", func(in *asset.Input) { in.DisposalMethod = "裁断" }, "status", "asset.disposal_without_status"},
			{"bad review date", func(in *asset.Input) { in.NextReviewDate = "来年" }, "next_review_date", "error.invalid_date"},
			{"impossible date", func(in *asset.Input) { in.NextReviewDate = "2025-02-30" }, "next_review_date", "error.invalid_date"},
			{"retention too long", func(in *asset.Input) { in.RetentionYears = 101 }, "retention_years", "asset.retention_invalid"},
			{"negative retention", func(in *asset.Input) { in.RetentionYears = -5 }, "retention_years", "asset.retention_invalid"},
			{"too many tags", func(in *asset.Input) { in.Tags = strings.Fields("a b c d e f g h i j k l m n o p q r s t u") }, "tags", "asset.too_many_tags"},
			{"tag too long", func(in *asset.Input) { in.Tags = []string{strings.Repeat("長", asset.MaxTag+1)} }, "tags", "asset.tag_too_long"},
		}
		before := e.head()
		for _, c := range cases {
			in := e.input("人事給与データ")
			c.change(&in)
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := asset.Create(ctx, tx, e.sc, e.ciso, in)
				return err
			})
			if got := fieldKey(err, c.field); got != c.key {
				t.Errorf("%s: got %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		if after := e.head(); after != before {
			t.Errorf("invalid input moved the trail from %d to %d", before, after)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM assets) + (SELECT COUNT(*) FROM asset_grams) + (SELECT COUNT(*) FROM asset_tags) + (SELECT COUNT(*) FROM asset_counts)`).Scan(&n); err != nil || n != 0 {
			t.Errorf("invalid input wrote %d rows (%v)", n, err)
		}

		// A valid input normalises what people type.
		in := e.input("  人事給与データ ")
		in.NextReviewDate, in.Tags, in.RetentionYears = "令和8年4月1日", []string{"個人情報、ＰＣ", "個人情報"}, asset.RetentionPermanent
		a := e.create(in)
		if a.Name != "人事給与データ" || a.NextReviewDate != "2026-04-01" || !slices.Equal(a.Tags, []string{"個人情報", "PC"}) ||
			a.RetentionYears != -1 || a.Domain != "none" || a.Status != "in_use" || a.MFAOnTerminals != "unknown" || a.Version != 1 {
			t.Errorf("stored %+v", a)
		}
	})
}

func TestHandlingRules(t *testing.T) {
	t.Parallel()
	key := func(rules []asset.Rule, a asset.Aspect) string {
		for _, r := range rules {
			if r.Aspect == a {
				return r.Key
			}
		}
		return ""
	}
	cases := []struct {
		scheme asset.Scheme
		c      asset.Confidentiality
		i      asset.Integrity
		a      asset.Availability
		want   map[asset.Aspect]string
	}{
		{asset.Scheme2024, "3A", "1", "1", map[asset.Aspect]string{
			asset.AspectLabelling: "handling.labelling.c3a", asset.AspectCopying: "handling.copying.c3a",
			asset.AspectTakeout: "handling.takeout.c3a", asset.AspectTerminal: "handling.terminal.issued_only",
			asset.AspectDisposal: "handling.disposal.c3a", asset.AspectBackup: "handling.backup.none", asset.AspectRecovery: "handling.recovery.a1"}},
		{asset.Scheme2024, "3B", "2", "1", map[asset.Aspect]string{
			asset.AspectTerminal: "handling.terminal.issued_only", asset.AspectChange: "handling.change.i2",
			asset.AspectBackup: "handling.backup.i2", asset.AspectRecovery: "handling.recovery.a1"}},
		{asset.Scheme2024, "3C", "1", "2", map[asset.Aspect]string{
			asset.AspectTerminal: "handling.terminal.c3c", asset.AspectBackup: "handling.backup.a2", asset.AspectRecovery: "handling.recovery.a2",
			asset.AspectChange: "handling.change.i1"}},
		{asset.SchemeLegacy, "3", "2", "2", map[asset.Aspect]string{
			asset.AspectLabelling: "handling.labelling.c3", asset.AspectCopying: "handling.copying.c3b",
			asset.AspectTerminal: "handling.terminal.issued_only", asset.AspectBackup: "handling.backup.a2",
			asset.AspectChange: "handling.change.i2", asset.AspectRecovery: "handling.recovery.a2"}},
		{asset.SchemeLegacy, "2", "1", "1", map[asset.Aspect]string{
			asset.AspectLabelling: "handling.labelling.c2", asset.AspectTakeout: "handling.takeout.c2", asset.AspectTerminal: "handling.terminal.c2"}},
		{asset.Scheme2024, "1", "1", "1", map[asset.Aspect]string{
			asset.AspectLabelling: "handling.labelling.c1", asset.AspectTransmission: "handling.transmission.c1", asset.AspectDisposal: "handling.disposal.c1"}},
	}
	for _, c := range cases {
		rules := asset.Handling(c.scheme, c.c, c.i, c.a)
		if len(rules) != len(asset.Aspects) {
			t.Errorf("%s/%s/%s/%s: %d rules, want one per aspect", c.scheme, c.c, c.i, c.a, len(rules))
		}
		for i, r := range rules {
			if r.Aspect != asset.Aspects[i] {
				t.Errorf("rule %d is %s, want %s", i, r.Aspect, asset.Aspects[i])
			}
		}
		for asp, want := range c.want {
			if got := key(rules, asp); got != want {
				t.Errorf("%s/%s/%s/%s %s = %s, want %s", c.scheme, c.c, c.i, c.a, asp, got, want)
			}
		}
	}
	// Every level of both schemes has a rule for every aspect.
	for _, s := range asset.Schemes {
		for _, c := range s.Levels() {
			for _, i := range asset.IntegrityLevels {
				for _, a := range asset.AvailabilityLevels {
					if n := len(asset.Handling(s, c, i, a)); n != len(asset.Aspects) {
						t.Errorf("%s %s/%s/%s has %d rules", s, c, i, a, n)
					}
				}
			}
		}
	}
	// A level the scheme lacks gives no confidentiality rules, never guessed ones.
	if r := asset.Handling(asset.SchemeLegacy, "3A", "1", "1"); key(r, asset.AspectLabelling) != "" || key(r, asset.AspectBackup) == "" {
		t.Errorf("3A under legacy gave %v", r)
	}
	// The asset's own level names its scheme; legacy 3 is never handled more
	// loosely than the 3B it maps to.
	legacy3 := asset.Asset{Confidentiality: "3", Integrity: "1", Availability: "1"}.Handling()
	as3B := asset.Handling(asset.Scheme2024, "3B", "1", "1")
	for i := range legacy3 {
		if legacy3[i].Aspect != asset.AspectLabelling && legacy3[i].Key != as3B[i].Key {
			t.Errorf("legacy 3 %s = %s, 3B = %s", legacy3[i].Aspect, legacy3[i].Key, as3B[i].Key)
		}
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	yes := asset.Asset{Kind: "system", Domain: "mynumber", MFAOnTerminals: "yes", TakeoutDisabled: "yes", IsolatedFromOtherDomains: "yes", TrafficMonitoring: "unknown"}
	cases := []struct {
		name   string
		change func(*asset.Asset)
		want   []string
	}{
		{"mynumber all recorded", func(*asset.Asset) {}, nil},
		{"mynumber mfa missing", func(a *asset.Asset) { a.MFAOnTerminals = "unknown" }, []string{"asset.warning.mfa_on_terminals.unknown"}},
		{"mynumber takeout allowed", func(a *asset.Asset) { a.TakeoutDisabled = "no" }, []string{"asset.warning.takeout_disabled.no"}},
		{"mynumber connected", func(a *asset.Asset) { a.IsolatedFromOtherDomains = "no" }, []string{"asset.warning.isolated_from_other_domains.no"}},
		{"mynumber nothing recorded", func(a *asset.Asset) {
			a.MFAOnTerminals, a.TakeoutDisabled, a.IsolatedFromOtherDomains = "", "unknown", "unknown"
		}, []string{"asset.warning.mfa_on_terminals.unknown", "asset.warning.takeout_disabled.unknown", "asset.warning.isolated_from_other_domains.unknown"}},
		{"mynumber information too", func(a *asset.Asset) { a.Kind = "information"; a.MFAOnTerminals = "no" }, []string{"asset.warning.mfa_on_terminals.no"}},
		{"internet system unmonitored", func(a *asset.Asset) { a.Domain = "internet" }, []string{"asset.warning.traffic_monitoring.unknown"}},
		{"internet network monitoring off", func(a *asset.Asset) { a.Domain, a.Kind, a.TrafficMonitoring = "internet", "network", "no" }, []string{"asset.warning.traffic_monitoring.no"}},
		{"internet equipment monitored", func(a *asset.Asset) { a.Domain, a.Kind, a.TrafficMonitoring = "internet", "equipment", "yes" }, nil},
		{"internet information", func(a *asset.Asset) { a.Domain, a.Kind = "internet", "information" }, nil},
		{"lgwan", func(a *asset.Asset) { a.Domain, a.MFAOnTerminals = "lgwan", "no" }, nil},
		{"disposed", func(a *asset.Asset) { a.Status, a.MFAOnTerminals = "disposed", "no" }, nil},
	}
	for _, c := range cases {
		a := yes
		c.change(&a)
		var got []string
		for _, w := range asset.Warnings(a) {
			got = append(got, w.Key)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		a.Masked = true
		if len(a.Warnings()) != 0 {
			t.Errorf("%s: a masked asset shows warnings", c.name)
		}
	}
}

func TestEveryChangeIsInTheTrail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		start := e.head()
		sys := e.input("財務会計システム")
		sys.Kind, sys.Confidentiality, sys.Integrity, sys.Availability = "system", "2", "2", "2"
		s := e.create(sys)
		info := e.create(e.input("予算執行データ"))
		steps := []struct {
			name string
			do   func(tx *db.Tx) error
		}{
			{"classify", func(tx *db.Tx) error {
				in := info.Input()
				in.Confidentiality = "3"
				var err error
				info, err = asset.Update(ctx, tx, e.sc, e.ciso, info.ID, in)
				return err
			}},
			{"link", func(tx *db.Tx) error {
				_, err := asset.AddLink(ctx, tx, e.sc, e.ciso, asset.LinkInput{FromID: s.ID, ToID: info.ID, Relation: "holds"})
				return err
			}},
			{"retire", func(tx *db.Tx) error {
				var err error
				info, err = asset.SetStatus(ctx, tx, e.sc, e.ciso, info.ID, asset.StatusInput{Status: "retired", Version: info.Version})
				return err
			}},
			{"dispose", func(tx *db.Tx) error {
				var err error
				info, err = asset.SetStatus(ctx, tx, e.sc, e.ciso, info.ID, asset.StatusInput{Status: "disposed", DisposedOn: "R6.4.1",
					DisposalMethod: "物理破壊", DisposalWitnessID: e.carol.ID, Version: info.Version})
				return err
			}},
			{"unlink", func(tx *db.Tx) error {
				return asset.RemoveLink(ctx, tx, e.sc, e.ciso, asset.LinkInput{FromID: s.ID, ToID: info.ID, Relation: "holds"})
			}},
			{"level text", func(tx *db.Tx) error {
				_, err := asset.SetLevelDescription(ctx, tx, e.sc, e.ciso, asset.LevelInput{Dimension: "confidentiality", Level: "3", Description: "当協会の独自の説明"})
				return err
			}},
		}
		for i, st := range steps {
			if err := d.Transact(ctx, st.do); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := e.head(); got != start+3+int64(i) {
				t.Errorf("after %s the trail is at %d, want %d", st.name, got, start+3+int64(i))
			}
		}
		if info.DisposedOn != "2024-04-01" || info.DisposalWitnessID != e.carol.ID {
			t.Errorf("disposal stored as %+v", info)
		}
		// Each change shows who made it and each field before → after; the
		// links show on the "from" asset.
		hist, err := asset.History(ctx, d, e.sc, e.ciso, info.ID)
		if err != nil || len(hist) != 4 {
			t.Fatalf("history %+v %v", hist, err)
		}
		want := [][]asset.FieldChange{
			{{Field: "status", Before: "retired", After: "disposed"}, {Field: "disposed_on", After: "2024-04-01"},
				{Field: "disposal_method", After: "物理破壊"}, {Field: "disposal_witness_id", After: fmt.Sprint(e.carol.ID)}},
			{{Field: "status", Before: "in_use", After: "retired"}},
			{{Field: "confidentiality", Before: "2", After: "3"}},
		}
		for i, w := range want {
			if !slices.Equal(hist[i].Changes, w) || hist[i].ActorName != "テスト担当" || hist[i].Action != "update" {
				t.Errorf("history[%d] = %+v, want %+v", i, hist[i], w)
			}
		}
		if hist[3].Action != "create" {
			t.Errorf("oldest entry %+v", hist[3])
		}
		sh, err := asset.History(ctx, d, e.sc, e.ciso, s.ID)
		if err != nil || len(sh) != 3 || sh[0].Link == nil || sh[0].Action != "delete" || sh[1].Link == nil || sh[1].Link.Relation != "holds" {
			t.Fatalf("system history %+v %v", sh, err)
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, e.sc, e.ciso, info.ID) }); err != nil {
			t.Fatal(err)
		}
		if got := e.head(); got != start+3+int64(len(steps)) {
			t.Errorf("delete left the trail at %d", got)
		}
		if _, err = asset.History(ctx, d, e.sc, e.ciso, info.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("history of a deleted asset: %v", err)
		}
		rep, err := trail.Verify(ctx, d)
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("trail verify: %+v %v", rep, err)
		}
	})
}
