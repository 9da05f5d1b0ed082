package asset_test

import (
	"errors"
	"slices"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// register is a small register across two 部局 with restricted assets, a
// system and the information it holds.
type register struct {
	A, B, C, D, S, T asset.Asset
}

func (e *env) register() register {
	var r register
	in := e.input("職員名簿")
	in.Confidentiality, in.Description, in.Tags, in.Location = "3", "職員の個人番号を含む", []string{"個人番号"}, "書庫"
	r.A = e.create(in)
	r.B = e.create(e.input("会議録"))
	in = e.input("給付台帳")
	in.Confidentiality, in.DepartmentID, in.OwnerID, in.CustodianID, in.Description = "3", e.other.ID, e.bob.ID, e.alice.ID, "給付の記録"
	r.C = e.create(in)
	in = e.input("広報資料")
	in.Confidentiality, in.DepartmentID, in.OwnerID = "1", e.other.ID, e.bob.ID
	r.D = e.create(in)
	in = e.input("共済システム")
	in.Kind, in.Confidentiality, in.DepartmentID, in.OwnerID, in.Domain = "system", "3", e.other.ID, e.bob.ID, "lgwan"
	r.S = e.create(in)
	in = e.input("共済加入者データ")
	in.Confidentiality, in.DepartmentID, in.OwnerID = "3", e.other.ID, e.bob.ID
	r.T = e.create(in)
	if err := e.d.Transact(ctx, func(tx *db.Tx) error {
		_, err := asset.AddLink(ctx, tx, e.sc, e.ciso, asset.LinkInput{FromID: r.S.ID, ToID: r.T.ID, Relation: "holds"})
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.register()
		all := []asset.Asset{r.A, r.B, r.C, r.D, r.S, r.T}
		name := map[int64]string{}
		for _, a := range all {
			name[a.ID] = a.Name
		}
		type want struct {
			full, masked []asset.Asset // what List shows, in detail and masked
			edit         []asset.Asset // what Update accepts
			export       int           // rows Walk gives
		}
		cases := []struct {
			role string
			p    authz.Principal
			want want
		}{
			{"ciso", e.ciso, want{all, nil, all, 6}},
			{"security_director", e.director, want{all, nil, all, 6}},
			{"security_officer of the bureau", e.officer, want{[]asset.Asset{r.A, r.B}, nil, []asset.Asset{r.A, r.B}, 2}},
			{"security_manager of the section", e.manager, want{[]asset.Asset{r.A, r.B}, nil, []asset.Asset{r.A, r.B}, 2}},
			{"security_officer of the other bureau", e.otherOfficer, want{[]asset.Asset{r.C, r.D, r.S, r.T}, nil, []asset.Asset{r.C, r.D, r.S, r.T}, 4}},
			{"auditor", e.auditor, want{[]asset.Asset{r.B, r.D}, []asset.Asset{r.A, r.C, r.S, r.T}, nil, 6}},
			{"committee", e.committee, want{[]asset.Asset{r.B, r.D}, []asset.Asset{r.A, r.C, r.S, r.T}, nil, 6}},
			{"system_admin of the system", sysAdmin(r.S.ID), want{[]asset.Asset{r.S}, nil, []asset.Asset{r.S}, 0}},
			{"system_admin of a non-system", sysAdmin(r.T.ID), want{nil, nil, nil, 0}},
			{"staff: owner and custodian", e.staffAlice, want{[]asset.Asset{r.A, r.B, r.C}, nil, nil, 0}},
			{"staff: owner", e.staffBob, want{[]asset.Asset{r.C, r.D, r.S, r.T}, nil, nil, 0}},
			{"staff with no assets", e.nobody, want{nil, nil, nil, 0}},
		}
		for _, c := range cases {
			got := e.all(c.p, asset.Filter{})
			full, masked := map[int64]bool{}, map[int64]bool{}
			for _, a := range got {
				if a.Masked {
					masked[a.ID] = true
					if a.Name != asset.MaskedName || a.Description != "" || a.Location != "" || len(a.Tags) != 0 || a.OwnerID != 0 ||
						a.CustodianID != 0 || a.Domain != "" || a.Version != 0 || a.Kind == "" || a.Confidentiality == "" || a.DepartmentID == 0 {
						t.Errorf("%s: masked row %d shows %+v", c.role, a.ID, a)
					}
				} else {
					full[a.ID] = true
					if a.Name != name[a.ID] {
						t.Errorf("%s: row %d named %q", c.role, a.ID, a.Name)
					}
				}
			}
			if !sameIDs(full, c.want.full) || !sameIDs(masked, c.want.masked) {
				t.Errorf("%s: sees %v in full and %v masked; want %v and %v", c.role, full, masked, ids(c.want.full), ids(c.want.masked))
			}
			// Get agrees with the list, and hides what the list leaves out.
			for _, a := range all {
				g, err := asset.Get(ctx, d, e.sc, c.p, a.ID)
				switch {
				case full[a.ID]:
					if err != nil || g.Masked || g.Name != a.Name {
						t.Errorf("%s: Get %d = %+v, %v", c.role, a.ID, g, err)
					}
				case masked[a.ID]:
					if err != nil || !g.Masked || g.Name != asset.MaskedName || g.Description != "" {
						t.Errorf("%s: Get %d = %+v, %v; want masked", c.role, a.ID, g, err)
					}
					if h, err := asset.History(ctx, d, e.sc, c.p, a.ID); err != nil || len(h) != 0 {
						t.Errorf("%s: history of masked %d: %v %v", c.role, a.ID, h, err)
					}
					if l, err := asset.Links(ctx, d, e.sc, c.p, a.ID); err != nil || len(l) != 0 {
						t.Errorf("%s: links of masked %d: %v %v", c.role, a.ID, l, err)
					}
				default:
					if !errors.Is(err, db.ErrNotFound) {
						t.Errorf("%s: Get %d outside reach = %+v, %v", c.role, a.ID, g, err)
					}
				}
			}
			// Update: allowed within edit reach, forbidden where only seen,
			// not found where not seen at all.
			canEdit := ids(c.want.edit)
			for _, a := range all {
				cur, err := asset.Get(ctx, d, e.sc, e.ciso, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				in := cur.Input()
				in.Description = "見直し済み " + c.role
				_, err = e.update(c.p, a.ID, in)
				switch {
				case canEdit[a.ID]:
					if err != nil {
						t.Errorf("%s: cannot edit %d: %v", c.role, a.ID, err)
					}
				case full[a.ID] || masked[a.ID]:
					if !errors.Is(err, asset.ErrForbidden) {
						t.Errorf("%s: edit of %d seen only: %v", c.role, a.ID, err)
					}
				default:
					if !errors.Is(err, db.ErrNotFound) {
						t.Errorf("%s: edit of %d out of reach: %v", c.role, a.ID, err)
					}
				}
			}
			n := 0
			if err := asset.Walk(ctx, d, e.sc, c.p, asset.Filter{}, func(a asset.Asset) error {
				n++
				if a.Restricted() && !a.Masked && !full[a.ID] {
					t.Errorf("%s: export shows %d in full", c.role, a.ID)
				}
				return nil
			}); err != nil || n != c.want.export {
				t.Errorf("%s: export gives %d rows (%v), want %d", c.role, n, err, c.want.export)
			}
			counts, err := asset.Counts(ctx, d, e.sc, c.p, asset.Filter{})
			if err != nil || counts.Total != len(got) {
				t.Errorf("%s: counts %+v (%v), list %d", c.role, counts, err, len(got))
			}
		}

		// Nobody moves an asset out of the reach of those responsible for it,
		// or into their own.
		a, _ := asset.Get(ctx, d, e.sc, e.ciso, r.B.ID)
		in := a.Input()
		in.DepartmentID = e.other.ID
		if _, err := e.update(e.officer, r.B.ID, in); !errors.Is(err, asset.ErrForbidden) {
			t.Errorf("officer moved an asset out of their bureau: %v", err)
		}
		in = e.input("他部局への登録")
		in.DepartmentID = e.other.ID
		err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := asset.Create(ctx, tx, e.sc, e.officer, in)
			return err
		})
		if !errors.Is(err, asset.ErrForbidden) {
			t.Errorf("officer registered an asset in another bureau: %v", err)
		}
		for _, p := range []authz.Principal{e.staffAlice, e.auditor} {
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := asset.Create(ctx, tx, e.sc, p, e.input("登録"))
				return err
			})
			if !errors.Is(err, asset.ErrForbidden) {
				t.Errorf("%v registered an asset: %v", p, err)
			}
		}
		// Only the CISO and 統括 set the scheme and the level texts.
		for _, p := range []authz.Principal{e.officer, e.auditor, e.staffAlice} {
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := asset.SwitchScheme(ctx, tx, e.sc, p, asset.SchemeSwitch{To: "2024"})
				return err
			})
			if !errors.Is(err, asset.ErrForbidden) {
				t.Errorf("%v switched the scheme: %v", p, err)
			}
		}
		// Deleting follows edit reach too.
		if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, e.sc, e.auditor, r.B.ID) }); !errors.Is(err, asset.ErrForbidden) {
			t.Errorf("auditor deleted: %v", err)
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, e.sc, e.officer, r.D.ID) }); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("officer deleted another bureau's asset: %v", err)
		}
	})
}

func sameIDs(got map[int64]bool, want []asset.Asset) bool {
	if len(got) != len(want) {
		return false
	}
	for _, a := range want {
		if !got[a.ID] {
			return false
		}
	}
	return true
}

func TestPermissionsOn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.register()
		cases := []struct {
			name string
			p    authz.Principal
			a    asset.Asset
			want asset.Permissions
		}{
			{"ciso", e.ciso, r.A, asset.Permissions{View: true, ViewRestricted: true, Edit: true, Export: true}},
			{"auditor on restricted", e.auditor, r.A, asset.Permissions{View: true, Export: true}},
			{"auditor on ordinary", e.auditor, r.B, asset.Permissions{View: true, ViewRestricted: true, Export: true}},
			{"custodian", e.staffAlice, r.C, asset.Permissions{View: true, ViewRestricted: true}},
			{"system admin", sysAdmin(r.S.ID), r.S, asset.Permissions{View: true, ViewRestricted: true, Edit: true}},
			{"system admin on held data", sysAdmin(r.S.ID), r.T, asset.Permissions{}},
			{"manager", e.manager, r.A, asset.Permissions{View: true, ViewRestricted: true, Edit: true, Export: true}},
		}
		for _, c := range cases {
			got, err := asset.PermissionsOn(ctx, d, e.sc, c.p, c.a)
			if err != nil || got != c.want {
				t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
			}
		}
	})
}

func TestOrganisationsNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newEnv(t, d)
		b := newEnv(t, d)
		ra := a.register()
		rb := b.register()
		got := b.all(b.ciso, asset.Filter{})
		if len(got) != 6 {
			t.Fatalf("B lists %d assets", len(got))
		}
		for _, x := range got {
			if ids([]asset.Asset{ra.A, ra.B, ra.C, ra.D, ra.S, ra.T})[x.ID] {
				t.Errorf("B lists A's asset %d", x.ID)
			}
		}
		if _, err := asset.Get(ctx, d, b.sc, b.ciso, ra.A.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B reads A's asset: %v", err)
		}
		in := ra.B.Input()
		in.DepartmentID, in.OwnerID = b.sect.ID, b.alice.ID
		if _, err := b.update(b.ciso, ra.B.ID, in); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B updates A's asset: %v", err)
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error { return asset.Delete(ctx, tx, b.sc, b.ciso, ra.D.ID) }); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B deletes A's asset: %v", err)
		}
		// A's people and departments are unknown to B.
		in = b.input("越境")
		in.OwnerID = a.alice.ID
		if err := d.Transact(ctx, func(tx *db.Tx) error { _, err := asset.Create(ctx, tx, b.sc, b.ciso, in); return err }); fieldKey(err, "owner_id") != "error.invalid_choice" {
			t.Errorf("B names A's person: %v", err)
		}
		// Links never cross.
		err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := asset.AddLink(ctx, tx, b.sc, b.ciso, asset.LinkInput{FromID: rb.S.ID, ToID: ra.T.ID, Relation: "holds"})
			return err
		})
		if fieldKey(err, "to_id") != "error.invalid_choice" {
			t.Errorf("B links to A's asset: %v", err)
		}
		// Search, counts and the attention list stay within the organisation.
		if page, err := asset.List(ctx, d, b.sc, b.ciso, asset.Filter{Query: "職員名簿"}); err != nil || len(page.Items) != 1 || page.Items[0].ID != rb.A.ID {
			t.Errorf("B's search: %+v %v", page.Items, err)
		}
		if c, err := asset.Counts(ctx, d, b.sc, b.ciso, asset.Filter{}); err != nil || c.Total != 6 {
			t.Errorf("B's counts: %+v %v", c, err)
		}
		if c, err := asset.Counts(ctx, d, b.sc, b.ciso, asset.Filter{Kind: "system"}); err != nil || c.Total != 1 {
			t.Errorf("B's filtered counts: %+v %v", c, err)
		}
		if l, err := asset.Links(ctx, d, b.sc, b.ciso, rb.S.ID); err != nil || len(l) != 1 || l[0].Asset.ID != rb.T.ID {
			t.Errorf("B's links: %+v %v", l, err)
		}
	})
}

func TestIDsByName(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.register()
		twin := e.create(e.input("会議録"))
		cases := []struct {
			name string
			p    authz.Principal
			q    string
			want []int64
		}{
			{"ciso finds both", e.ciso, "会議録", []int64{r.B.ID, twin.ID}},
			{"officer within reach", e.officer, " 会議録 ", []int64{r.B.ID, twin.ID}},
			{"other officer cannot", e.otherOfficer, "会議録", nil},
			{"auditor edits nothing", e.auditor, "給付台帳", nil},
			{"staff edits nothing", e.staffAlice, "職員名簿", nil},
			{"system admin's system", sysAdmin(r.S.ID), "共済システム", []int64{r.S.ID}},
			{"partial names do not match", e.ciso, "会議", nil},
		}
		for _, c := range cases {
			got, err := asset.IDsByName(ctx, d, e.sc, c.p, c.q)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
			}
		}
	})
}
