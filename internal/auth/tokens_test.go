package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		other := newOrg(t, d, "よその町")
		p := newPerson(t, d, org, "山田 太郎")
		q := newPerson(t, d, org, "佐藤 花子")
		stranger := newPerson(t, d, other, "よその人")
		sc := adminScope(org)

		create := func(person int64, name string) (string, int64, error) {
			var pt string
			var id int64
			err := d.Transact(ctx, func(tx *db.Tx) error {
				var err error
				pt, id, err = auth.CreateToken(ctx, tx, sc, person, name)
				return err
			})
			return pt, id, err
		}

		bad := []struct {
			name   string
			person int64
			label  string
			key    string
			is     error
		}{
			{"empty name", p, "  ", "error.required", nil},
			{"long name", p, strings.Repeat("名", 101), "error.too_long", nil},
			{"newline", p, "a\nb", "error.control_character", nil},
			{"person of another organisation", stranger, "x", "", db.ErrNotFound},
		}
		for _, c := range bad {
			_, _, err := create(c.person, c.label)
			var ie *auth.InputError
			if c.key != "" && (!errors.As(err, &ie) || ie.Key() != c.key) || c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%s: %v", c.name, err)
			}
		}

		pt, id, err := create(p, "監査スクリプト")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(pt, "mamori_") || len(pt) != 50 {
			t.Fatalf("token %q", pt)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? OR name = ?`, pt, pt).Scan(&n); err != nil || n != 0 {
			t.Fatal("token stored in clear")
		}
		gotOrg, gotPerson, gotID, err := auth.LookupToken(ctx, d, pt)
		if err != nil || gotOrg != org || gotPerson != p || gotID != id {
			t.Fatalf("lookup: %d %d %d %v", gotOrg, gotPerson, gotID, err)
		}
		flipped := pt[:49] + "A"
		if pt[49] == 'A' {
			flipped = pt[:49] + "B"
		}
		for _, s := range []string{"", "mamori_", pt[:49], pt + "x", "xamori_" + pt[7:], flipped} {
			if _, _, _, err := auth.LookupToken(ctx, d, s); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("lookup %q: %v", s, err)
			}
		}

		list, err := auth.ListTokens(ctx, d, org, p)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %+v %v", list, err)
		}
		tk := list[0]
		if tk.ID != id || tk.Prefix != pt[:12] || tk.Name != "監査スクリプト" || tk.LastUsedAt == 0 || tk.RevokedAt != 0 {
			t.Fatalf("token %+v", tk)
		}
		// A second use within the minute does not write again.
		if _, _, _, err := auth.LookupToken(ctx, d, pt); err != nil {
			t.Fatal(err)
		}
		if again, _ := auth.GetToken(ctx, d, org, id); again.LastUsedAt != tk.LastUsedAt {
			t.Fatal("last_used_at rewritten within a minute")
		}

		// Another organisation cannot see or revoke it.
		if _, err := auth.GetToken(ctx, d, other, id); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("read across organisations: %v", err)
		}
		err = d.Transact(ctx, func(tx *db.Tx) error { return auth.RevokeToken(ctx, tx, adminScope(other), id) })
		if !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("revoke across organisations: %v", err)
		}
		if _, _, _, err := auth.LookupToken(ctx, d, pt); err != nil {
			t.Fatalf("token stopped working: %v", err)
		}

		mustTx(t, d, func(tx *db.Tx) error { return auth.RevokeToken(ctx, tx, sc, id) })
		mustTx(t, d, func(tx *db.Tx) error { return auth.RevokeToken(ctx, tx, sc, id) })
		if _, _, _, err := auth.LookupToken(ctx, d, pt); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("revoked token: %v", err)
		}
		if tk, _ := auth.GetToken(ctx, d, org, id); tk.RevokedAt == 0 {
			t.Fatal("revocation not recorded")
		}

		es := trailOf(t, d, org, trail.Filter{Entity: "api_token"})
		if len(es) != 2 || es[1].Action != trail.Create || es[0].Action != trail.Update {
			t.Fatalf("trail %+v", es)
		}
		for _, e := range es {
			if strings.Contains(e.After, pt) || strings.Contains(e.After, pt[12:]) {
				t.Fatal("token secret in the trail")
			}
		}

		// Disabling a person: their tokens fail at once, and revoking them
		// keeps them dead after reactivation. Others' tokens are untouched.
		p2, _, _ := create(p, "second")
		q1, _, _ := create(q, "hanako's")
		setActive(t, d, org, p, false)
		if _, _, _, err := auth.LookupToken(ctx, d, p2); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("inactive person's token: %v", err)
		}
		mustTx(t, d, func(tx *db.Tx) error { return auth.RevokeTokensOf(ctx, tx, org, p) })
		setActive(t, d, org, p, true)
		if _, _, _, err := auth.LookupToken(ctx, d, p2); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("token after reactivation: %v", err)
		}
		if _, _, _, err := auth.LookupToken(ctx, d, q1); err != nil {
			t.Fatalf("someone else's token: %v", err)
		}
		all, err := auth.ListTokens(ctx, d, org, 0)
		if err != nil || len(all) != 3 || all[0].PersonID != q {
			t.Fatalf("organisation list %+v %v", all, err)
		}
		verifyTrail(t, d)
	})
}
