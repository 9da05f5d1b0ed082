package asset_test

import (
	"errors"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
)

func TestLinks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.register()
		in := e.input("システム設計書")
		in.Kind = "system_document"
		doc := e.create(in)
		in = e.input("バックアップ用外付けディスク")
		in.Kind = "media"
		disk := e.create(in)
		link := func(from, to int64, rel string) error {
			return d.Transact(ctx, func(tx *db.Tx) error {
				_, err := asset.AddLink(ctx, tx, e.sc, e.ciso, asset.LinkInput{FromID: from, ToID: to, Relation: rel})
				return err
			})
		}
		cases := []struct {
			name     string
			from, to int64
			rel      string
			field    string
			key      string
		}{
			{"self", r.S.ID, r.S.ID, "holds", "to_id", "asset.link_self"},
			{"duplicate", r.S.ID, r.T.ID, "holds", "to_id", "asset.link_exists"},
			{"information holds a system", r.T.ID, r.S.ID, "holds", "relation", "asset.link_kinds"},
			{"document describes information", doc.ID, r.T.ID, "describes", "relation", "asset.link_kinds"},
			{"unknown relation", doc.ID, r.S.ID, "owns", "relation", "error.invalid_choice"},
			{"unknown asset", doc.ID, 987654, "describes", "to_id", "error.invalid_choice"},
		}
		head := e.head()
		for _, c := range cases {
			if err := link(c.from, c.to, c.rel); fieldKey(err, c.field) != c.key {
				t.Errorf("%s: %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		if e.head() != head {
			t.Error("refused links reached the trail")
		}
		for _, ok := range []struct {
			from, to int64
			rel      string
		}{{doc.ID, r.S.ID, "describes"}, {r.T.ID, disk.ID, "stored_on"}, {doc.ID, disk.ID, "stored_on"}} {
			if err := link(ok.from, ok.to, ok.rel); err != nil {
				t.Errorf("%d %s %d: %v", ok.from, ok.rel, ok.to, err)
			}
		}
		ls, err := asset.Links(ctx, d, e.sc, e.ciso, r.S.ID)
		if err != nil || len(ls) != 2 {
			t.Fatalf("links of the system %+v %v", ls, err)
		}
		for _, l := range ls {
			switch l.Relation {
			case "holds":
				if !l.Outgoing || l.Asset.ID != r.T.ID {
					t.Errorf("holds %+v", l)
				}
			case "describes":
				if l.Outgoing || l.Asset.ID != doc.ID {
					t.Errorf("describes %+v", l)
				}
			}
		}
		// The system's administrator sees the system, but its links only as
		// far as their own reach goes: neither the data it holds nor the
		// document describing it belongs to the system.
		ls, err = asset.Links(ctx, d, e.sc, sysAdmin(r.S.ID), r.S.ID)
		if err != nil || len(ls) != 0 {
			t.Errorf("system admin's links %+v %v", ls, err)
		}
		// The custodian sees a linked restricted asset masked.
		ls, err = asset.Links(ctx, d, e.sc, e.ciso, disk.ID)
		if err != nil || len(ls) != 2 {
			t.Errorf("disk links %+v %v", ls, err)
		}
		ls, err = asset.Links(ctx, d, e.sc, e.staffAlice, disk.ID)
		for _, l := range ls {
			if l.Asset.ID == r.T.ID {
				t.Errorf("alice sees bob's data through a link: %+v", l)
			}
		}
		if err != nil {
			t.Error(err)
		}
		// Linking needs edit reach over "from" and a full view of "to".
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := asset.AddLink(ctx, tx, e.sc, e.officer, asset.LinkInput{FromID: doc.ID, ToID: r.T.ID, Relation: "describes"})
			return err
		})
		if fieldKey(err, "to_id") != "error.invalid_choice" {
			t.Errorf("officer linked to an asset out of reach: %v", err)
		}
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := asset.AddLink(ctx, tx, e.sc, e.auditor, asset.LinkInput{FromID: doc.ID, ToID: disk.ID, Relation: "describes"})
			return err
		})
		if !errors.Is(err, asset.ErrForbidden) {
			t.Errorf("auditor linked: %v", err)
		}
		// A linked asset, or a system someone administers, is not deleted.
		del := func(id int64) error {
			return d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, e.sc, e.ciso, id) })
		}
		if err := del(disk.ID); !errors.Is(err, asset.ErrInUse) || !errors.Is(err, org.ErrInUse) {
			t.Errorf("delete linked: %v", err)
		}
		for _, l := range []asset.LinkInput{{FromID: r.T.ID, ToID: disk.ID, Relation: "stored_on"}, {FromID: doc.ID, ToID: disk.ID, Relation: "stored_on"}} {
			if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.RemoveLink(ctx, tx, e.sc, e.ciso, l) }); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			return asset.RemoveLink(ctx, tx, e.sc, e.ciso, asset.LinkInput{FromID: doc.ID, ToID: disk.ID, Relation: "stored_on"})
		}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("removing a missing link: %v", err)
		}
		if err := del(disk.ID); err != nil {
			t.Errorf("delete unlinked: %v", err)
		}
		sys := e.input("庁内LAN")
		sys.Kind = "system"
		s2 := e.create(sys)
		if _, err := d.ExecContext(ctx, `INSERT INTO role_assignments (org_id, person_id, role, scope_kind, scope_id, created_at) VALUES (?, ?, 'system_admin', 'system', ?, 0)`,
			e.sc.OrgID, e.bob.ID, s2.ID); err != nil {
			t.Fatal(err)
		}
		if err := del(s2.ID); !errors.Is(err, asset.ErrInUse) {
			t.Errorf("delete administered system: %v", err)
		}
	})
}

func TestNeedingAttention(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		in := e.input("マイナンバー利用端末")
		in.Kind, in.Domain, in.MFAOnTerminals, in.TakeoutDisabled = "equipment", "mynumber", "yes", "yes" // isolation unknown
		mynumber := e.create(in)
		in = e.input("ホームページ管理システム")
		in.Kind, in.Domain, in.TrafficMonitoring, in.DepartmentID, in.OwnerID, in.CustodianID = "system", "internet", "yes", e.other.ID, e.bob.ID, e.alice.ID
		e.create(in) // fine
		in = e.input("職員研修資料")
		in.NextReviewDate, in.DepartmentID, in.OwnerID = "2020-04-01", e.other.ID, e.bob.ID
		overdue := e.create(in)
		in = e.input("旧メールサーバ")
		in.Kind, in.Domain, in.Status, in.DisposedOn, in.DisposalMethod, in.DisposalWitnessID = "equipment", "internet", "disposed", "2023-03-31", "物理破壊", e.carol.ID
		in.NextReviewDate = "2020-01-01"
		e.create(in) // disposed: needs nothing
		in = e.input("来年見直し")
		in.NextReviewDate = "2099-04-01"
		e.create(in)
		in = e.input("インターネット系ファイアウォール")
		in.Kind, in.Domain, in.TrafficMonitoring, in.DepartmentID, in.OwnerID, in.CustodianID, in.Confidentiality = "equipment", "internet", "no", e.other.ID, e.bob.ID, e.alice.ID, "3"
		firewall := e.create(in)

		cases := []struct {
			name string
			p    authz.Principal
			want []asset.Asset
		}{
			{"ciso", e.ciso, []asset.Asset{overdue, mynumber, firewall}},
			{"alice (owner, custodian)", e.staffAlice, []asset.Asset{mynumber, firewall}},
			{"bob (owner)", e.staffBob, []asset.Asset{overdue, firewall}},
			{"officer of 総務部", e.officer, []asset.Asset{mynumber}},
			{"officer of 事業部", e.otherOfficer, []asset.Asset{overdue, firewall}},
			{"auditor", e.auditor, nil},
		}
		for _, c := range cases {
			page, err := asset.ListNeedingAttention(ctx, d, e.sc, c.p, 10)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(c.want) || !sameIDs(ids(page.Items), c.want) {
				t.Errorf("%s: %v (total %d), want %v", c.name, names(page.Items), page.Total, names(c.want))
			}
			for _, a := range page.Items {
				if !a.NeedsAttention() {
					t.Errorf("%s: %s listed without need", c.name, a.Name)
				}
			}
			if len(page.Items) > 0 && page.Items[0].ID != c.want[0].ID {
				t.Errorf("%s: the longest overdue is not first: %v", c.name, names(page.Items))
			}
		}
		// Recording the fact clears the warning at once.
		cur, _ := asset.Get(ctx, d, e.sc, e.ciso, mynumber.ID)
		fix := cur.Input()
		fix.IsolatedFromOtherDomains = "yes"
		if _, err := e.update(e.ciso, mynumber.ID, fix); err != nil {
			t.Fatal(err)
		}
		page, _ := asset.ListNeedingAttention(ctx, d, e.sc, e.staffAlice, 10)
		if len(page.Items) != 1 || page.Items[0].ID != firewall.ID {
			t.Errorf("after the fix alice has %v", names(page.Items))
		}
		overdueList := e.all(e.ciso, asset.Filter{ReviewOverdue: true})
		if len(overdueList) != 1 || overdueList[0].ID != overdue.ID || !overdueList[0].ReviewOverdue {
			t.Errorf("review_overdue filter: %v", names(overdueList))
		}
	})
}
