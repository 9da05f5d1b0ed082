package org_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

func newOrg(t *testing.T, d *db.DB, name string) scope.Scope {
	t.Helper()
	var o org.Organisation
	err := d.Transact(context.Background(), func(tx *db.Tx) (err error) {
		o, err = org.Create(context.Background(), tx, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return scope.Scope{OrgID: o.ID, ActorName: "tester"}
}

func TestTwoOrganisationsNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := newOrg(t, d, "A財団"), newOrg(t, d, "B財団")
		var deptA org.Department
		var personA org.Person
		err := d.Transact(ctx, func(tx *db.Tx) (err error) {
			if deptA, err = org.CreateDepartment(ctx, tx, a, org.DepartmentInput{Name: "総務部"}); err != nil {
				return err
			}
			personA, err = org.CreatePerson(ctx, tx, a, org.PersonInput{Name: "山田 太郎", NameKana: "やまだ たろう", DepartmentID: deptA.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.GetDepartment(ctx, d, b, deptA.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B reads A's department: %v", err)
		}
		if _, err := org.GetPerson(ctx, d, b, personA.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B reads A's person: %v", err)
		}
		if ds, _ := org.ListDepartments(ctx, d, b); len(ds) != 0 {
			t.Errorf("B lists A's departments: %v", ds)
		}
		page, err := org.ListPeople(ctx, d, b, authz.Grant{All: true}, 0, org.PersonFilter{})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("B lists A's people: %v %v", page.Items, err)
		}
		// B cannot attach its person to A's department.
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := org.CreatePerson(ctx, tx, b, org.PersonInput{Name: "侵入者", DepartmentID: deptA.ID})
			return err
		})
		var ve validate.Errors
		if !errors.As(err, &ve) || ve["department_id"].Key == "" {
			t.Errorf("B used A's department: %v", err)
		}
		// Writes through B's scope never touch A's rows.
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := org.UpdatePerson(ctx, tx, b, personA.ID, org.PersonInput{Name: "改ざん"})
			return err
		})
		if !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B updated A's person: %v", err)
		}
		if entries, _ := trail.List(ctx, d, b, trail.Filter{}); len(entries) != 1 || entries[0].Entity != "organisation" {
			t.Errorf("B's trail holds %d entries; want only its own creation", len(entries))
		}
	})
}

func TestDepartmentTreeAndGrants(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newOrg(t, d, "協会")
		var bureau, section, other org.Department
		var inSection, outside org.Person
		err := d.Transact(ctx, func(tx *db.Tx) (err error) {
			if bureau, err = org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "事務局"}); err != nil {
				return err
			}
			if section, err = org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務課", ParentID: bureau.ID}); err != nil {
				return err
			}
			if other, err = org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "事業部"}); err != nil {
				return err
			}
			if inSection, err = org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "佐藤 花子", NameKana: "さとう はなこ", DepartmentID: section.ID, StaffCategory: "dispatched"}); err != nil {
				return err
			}
			outside, err = org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "鈴木 一郎", NameKana: "すずき いちろう", DepartmentID: other.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A 課室 cannot hold another level.
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "係", ParentID: section.ID})
			return err
		})
		var ve validate.Errors
		if !errors.As(err, &ve) || ve["parent_id"].Key != "department.parent_must_be_bureau" {
			t.Errorf("third level accepted: %v", err)
		}
		path, err := org.DepartmentPath(ctx, d, sc, section.ID)
		if err != nil || len(path) != 2 || path[0] != section.ID || path[1] != bureau.ID {
			t.Fatalf("path = %v, %v", path, err)
		}
		officer := authz.Principal{PersonID: 999, Assignments: []authz.Assignment{{Role: authz.SecurityOfficer, ScopeKind: authz.ScopeDepartment, ScopeID: bureau.ID}}}
		page, err := org.ListPeople(ctx, d, sc, authz.GrantFor(officer, authz.ViewPeople), officer.PersonID, org.PersonFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != inSection.ID {
			t.Errorf("bureau officer sees %v; want only %d", page.Items, inSection.ID)
		}
		if !authz.Can(officer, authz.EditPeople, authz.Target{Departments: path}) {
			t.Error("bureau officer cannot edit a person of a section below")
		}
		if authz.Can(officer, authz.EditPeople, authz.Target{Departments: []int64{other.ID}}) {
			t.Errorf("bureau officer can edit %d outside their bureau", outside.ID)
		}
		// Search by kana, partial.
		page, _ = org.ListPeople(ctx, d, sc, authz.Grant{All: true}, 0, org.PersonFilter{Query: "はなこ"})
		if len(page.Items) != 1 {
			t.Errorf("search found %d", len(page.Items))
		}
		// Deleting a department still in use is refused.
		err = d.Transact(ctx, func(tx *db.Tx) error { return org.DeleteDepartment(ctx, tx, sc, bureau.ID) })
		if !errors.Is(err, org.ErrInUse) {
			t.Errorf("delete in-use department: %v", err)
		}
	})
}

func TestPeoplePagination(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newOrg(t, d, "協会")
		err := d.Transact(ctx, func(tx *db.Tx) error {
			for i := 0; i < 25; i++ {
				if _, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "職員", NameKana: "しょくいん"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			page, err := org.ListPeople(ctx, d, sc, authz.Grant{All: true}, 0, org.PersonFilter{Limit: 10, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Items {
				if seen[p.ID] {
					t.Fatalf("person %d on two pages", p.ID)
				}
				seen[p.ID] = true
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if len(seen) != 25 {
			t.Errorf("saw %d people, want 25", len(seen))
		}
	})
}

func TestValidationWritesNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    org.PersonInput
		field string
		key   string
	}{
		{"empty name", org.PersonInput{Name: "  "}, "name", "error.required"},
		{"long name", org.PersonInput{Name: strings.Repeat("あ", 101)}, "name", "error.too_long"},
		{"control character", org.PersonInput{Name: "a\x07b"}, "name", "error.control_character"},
		{"bad utf8", org.PersonInput{Name: "\xff\xfe"}, "name", "error.invalid_utf8"},
		{"bad email", org.PersonInput{Name: "a", Email: "not-an-address"}, "email", "error.email"},
		{"bad category", org.PersonInput{Name: "a", StaffCategory: "boss"}, "staff_category", "error.invalid_choice"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sc := newOrg(t, d, "協会")
		for _, c := range cases {
			err := d.Transact(ctx, func(tx *db.Tx) error {
				_, err := org.CreatePerson(ctx, tx, sc, c.in)
				return err
			})
			var ve validate.Errors
			if !errors.As(err, &ve) || ve[c.field].Key != c.key {
				t.Errorf("%s: got %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		page, _ := org.ListPeople(ctx, d, sc, authz.Grant{All: true}, 0, org.PersonFilter{})
		if len(page.Items) != 0 {
			t.Errorf("invalid input wrote %d people", len(page.Items))
		}
		seq, _, _ := trail.Head(ctx, d, sc.OrgID)
		if seq != 1 {
			t.Errorf("trail advanced to %d on invalid input", seq)
		}
	})
}
