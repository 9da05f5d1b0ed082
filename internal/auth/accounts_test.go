package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

const goodPassword = "blue-kettle-under-rain"

func TestCreateAccount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		other := newOrg(t, d, "よその町")
		taro := newPerson(t, d, org, "山田 太郎")
		hanako := newPerson(t, d, org, "Hanako Sato")
		stranger := newPerson(t, d, other, "よその人")
		sc := adminScope(org)

		create := func(person int64, login, pw string) error {
			return d.Transact(ctx, func(tx *db.Tx) error {
				return auth.CreateAccount(ctx, tx, sc, person, login, pw, true)
			})
		}
		if err := create(taro, " Yamada.Taro ", goodPassword); err != nil {
			t.Fatalf("create: %v", err)
		}

		cases := []struct {
			name   string
			person int64
			login  string
			pw     string
			key    string // InputError key, or ""
			is     error
		}{
			{"short login", hanako, "ab", goodPassword, auth.KeyLoginInvalid, nil},
			{"long login", hanako, strings.Repeat("a", 65), goodPassword, auth.KeyLoginInvalid, nil},
			{"space in login", hanako, "hanako sato", goodPassword, auth.KeyLoginInvalid, nil},
			{"kana login", hanako, "はなこ", goodPassword, auth.KeyLoginInvalid, nil},
			{"weak password", hanako, "hanako", "password1234", auth.KeyPasswordCommon, nil},
			{"password with name", hanako, "h.sato", "hanako-kettle-rain", auth.KeyPasswordContainsName, nil},
			{"login taken", hanako, "yamada.taro", goodPassword, "", db.ErrConflict},
			{"login taken other case", hanako, "YAMADA.TARO", goodPassword, "", db.ErrConflict},
			{"second account", taro, "taro2", goodPassword, "", db.ErrConflict},
			{"person of another organisation", stranger, "stranger", goodPassword, "", db.ErrNotFound},
			{"no such person", 99999, "ghost", goodPassword, "", db.ErrNotFound},
		}
		for _, c := range cases {
			err := create(c.person, c.login, c.pw)
			var ie *auth.InputError
			switch {
			case c.key != "":
				if !errors.As(err, &ie) || ie.Key() != c.key {
					t.Errorf("%s: want %s, got %v", c.name, c.key, err)
				}
			case !errors.Is(err, c.is):
				t.Errorf("%s: want %v, got %v", c.name, c.is, err)
			}
		}

		a, err := auth.GetAccountByLogin(ctx, d, "YAMADA.taro")
		if err != nil {
			t.Fatal(err)
		}
		if a.PersonID != taro || a.OrgID != org || a.Login != "yamada.taro" || !a.MustChangePassword ||
			a.MFAEnabled || a.Locale != "ja" || a.DateStyle != "wareki" || a.Name != "山田 太郎" || !a.Active {
			t.Fatalf("account %+v", a)
		}
		if _, err := auth.GetAccount(ctx, d, other, taro); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("account read through another organisation: %v", err)
		}
		if _, err := auth.GetAccountByLogin(ctx, d, "bad\xff"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("invalid login: %v", err)
		}

		es := trailOf(t, d, org, trail.Filter{Entity: "account"})
		if len(es) != 1 || es[0].Action != trail.Create || es[0].EntityID == "" {
			t.Fatalf("trail %+v", es)
		}
		if strings.Contains(es[0].After, "argon2") || strings.Contains(es[0].After, goodPassword) {
			t.Fatalf("trail holds the password: %s", es[0].After)
		}
		verifyTrail(t, d)
	})
}

func TestPasswordAndPreferences(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		sc := adminScope(org)
		mustTx(t, d, func(tx *db.Tx) error { return auth.CreateAccount(ctx, tx, sc, p, "taro", goodPassword, true) })

		err := d.Transact(ctx, func(tx *db.Tx) error { return auth.SetPassword(ctx, tx, sc, p, "taro-is-my-name", false) })
		var ie *auth.InputError
		if !errors.As(err, &ie) || ie.Key() != auth.KeyPasswordContainsLogin {
			t.Fatalf("weak new password: %v", err)
		}
		mustTx(t, d, func(tx *db.Tx) error { return auth.SetPassword(ctx, tx, sc, p, "green-lantern-over-bay", false) })
		if _, err := auth.Authenticate(ctx, d, "taro", goodPassword, "192.0.2.10", "r1"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("old password: %v", err)
		}
		a, err := auth.Authenticate(ctx, d, "taro", "green-lantern-over-bay", "192.0.2.10", "r2")
		if err != nil || a.MustChangePassword {
			t.Fatalf("new password: %+v %v", a, err)
		}
		es := trailOf(t, d, org, trail.Filter{Entity: "account", Action: trail.Update})
		if len(es) != 1 || !strings.Contains(es[0].After, `"password_changed":true`) || strings.Contains(es[0].After, "argon2") {
			t.Fatalf("password trail %+v", es)
		}

		prefs := []struct {
			locale, style string
			field         string
		}{
			{"en", "iso", ""},
			{"ja", "wareki", ""},
			{"fr", "iso", "locale"},
			{"en", "julian", "date_style"},
		}
		for _, c := range prefs {
			err := d.Transact(ctx, func(tx *db.Tx) error { return auth.SetPreferences(ctx, tx, sc, p, c.locale, c.style) })
			if c.field == "" {
				if err != nil {
					t.Fatalf("%s/%s: %v", c.locale, c.style, err)
				}
				a, _ := auth.GetAccount(ctx, d, org, p)
				if a.Locale != c.locale || a.DateStyle != c.style {
					t.Fatalf("preferences not stored: %+v", a)
				}
				continue
			}
			if !errors.As(err, &ie) || ie.Field != c.field {
				t.Fatalf("%s/%s: want problem in %s, got %v", c.locale, c.style, c.field, err)
			}
		}
		verifyTrail(t, d)
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		first := newOrg(t, d, "一番目")
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		gone := newPerson(t, d, org, "退職 者")
		sc := adminScope(org)
		mustTx(t, d, func(tx *db.Tx) error {
			if err := auth.CreateAccount(ctx, tx, sc, p, "taro", goodPassword, false); err != nil {
				return err
			}
			return auth.CreateAccount(ctx, tx, sc, gone, "gone", goodPassword, false)
		})
		setActive(t, d, org, gone, false)

		// Each attempt comes from its own address so only the login key
		// matters here.
		cases := []struct {
			name, login, pw string
			want            error
		}{
			{"right", "taro", goodPassword, nil},
			{"login case and spaces", " TARO ", goodPassword, nil},
			{"wrong password", "taro", "blue-kettle-under-snow", auth.ErrInvalidCredentials},
			{"unknown login", "jiro", goodPassword, auth.ErrInvalidCredentials},
			{"inactive person", "gone", goodPassword, auth.ErrInvalidCredentials},
			{"empty", "", "", auth.ErrInvalidCredentials},
			{"invalid utf8", "ta\xffro", "x\x00y", auth.ErrInvalidCredentials},
		}
		for i, c := range cases {
			a, err := auth.Authenticate(ctx, d, c.login, c.pw, "192.0.2."+string(rune('a'+i)), "req")
			if err != c.want { // the same value, not merely wrapping it
				t.Errorf("%s: want %v, got %v", c.name, c.want, err)
			}
			if c.want == nil && (a.PersonID != p || a.OrgID != org) {
				t.Errorf("%s: account %+v", c.name, a)
			}
		}
		a, _ := auth.GetAccount(ctx, d, org, p)
		if a.LastSignInAt == 0 {
			t.Error("last sign-in not recorded")
		}

		// Failed sign-ins are in the trail: a known login in its own
		// organisation, an unknown one in the first organisation.
		failed := trailOf(t, d, org, trail.Filter{Action: trail.SignInFailed})
		if len(failed) != 2 {
			t.Fatalf("want 2 failed sign-ins in the account's organisation, got %+v", failed)
		}
		for _, e := range failed {
			if e.Entity != "account" || !strings.Contains(e.After, `"login"`) || e.ClientAddr == "" || e.RequestID != "req" {
				t.Errorf("entry %+v", e)
			}
		}
		unknown := trailOf(t, d, first, trail.Filter{Action: trail.SignInFailed})
		if len(unknown) != 3 || !strings.Contains(unknown[len(unknown)-1].After, `"login":"jiro"`) {
			t.Fatalf("unknown logins in first organisation: %+v", unknown)
		}
		verifyTrail(t, d)
	})
}

func TestAuthenticateLockout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		mustTx(t, d, func(tx *db.Tx) error {
			return auth.CreateAccount(ctx, tx, adminScope(org), p, "taro", goodPassword, false)
		})

		// An unknown login and a wrong password are indistinguishable, and
		// both are locked out the same way.
		for _, login := range []string{"taro", "nobody"} {
			for i := 1; i <= auth.FreeFailures; i++ {
				_, err := auth.Authenticate(ctx, d, login, "wrong-password-guess", "", "")
				if err != auth.ErrInvalidCredentials {
					t.Fatalf("%s attempt %d: %v", login, i, err)
				}
			}
			start := time.Now()
			// Even the right password is refused while locked.
			_, err := auth.Authenticate(ctx, d, login, goodPassword, "", "")
			var le *auth.LockedError
			if !errors.Is(err, auth.ErrLocked) || !errors.As(err, &le) {
				t.Fatalf("%s: want locked, got %v", login, err)
			}
			if wait := le.Until.Sub(start); wait <= 0 || wait > 2*time.Second {
				t.Fatalf("%s: locked for %v, want about 1s", login, wait)
			}
		}

		// Once the lock has passed, the right password works and clears
		// the count.
		exec(t, d, `UPDATE signin_throttle SET locked_until = 0`)
		if _, err := auth.Authenticate(ctx, d, "taro", goodPassword, "", ""); err != nil {
			t.Fatalf("after lock: %v", err)
		}
		if _, locked, _ := auth.Locked(ctx, d, auth.LoginKey("taro")); locked {
			t.Fatal("still locked")
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_throttle WHERE key = ?`, auth.LoginKey("taro")).Scan(&n); err != nil || n != 0 {
			t.Fatalf("login counter not cleared: %d %v", n, err)
		}
	})
}

func TestAuthenticateLocksAddress(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		mustTx(t, d, func(tx *db.Tx) error {
			return auth.CreateAccount(ctx, tx, adminScope(org), p, "taro", goodPassword, false)
		})
		// A scanner trying many logins from one address is stopped even
		// though no login reaches the limit.
		for i := range auth.FreeFailures {
			login := "user" + string(rune('a'+i))
			if _, err := auth.Authenticate(ctx, d, login, "whatever-guess", "198.51.100.7", ""); err != auth.ErrInvalidCredentials {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, err := auth.Authenticate(ctx, d, "taro", goodPassword, "198.51.100.7", ""); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("address not locked: %v", err)
		}
		if _, err := auth.Authenticate(ctx, d, "taro", goodPassword, "198.51.100.8", ""); err != nil {
			t.Fatalf("other address: %v", err)
		}
	})
}

func TestAuthenticateUpgradesOldHash(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		mustTx(t, d, func(tx *db.Tx) error {
			return auth.CreateAccount(ctx, tx, adminScope(org), p, "taro", goodPassword, false)
		})
		// A hash of the same password with weaker parameters, as an older
		// release might have stored.
		exec(t, d, `UPDATE accounts SET password_hash = ? WHERE person_id = ?`, weakHash(goodPassword), p)
		if _, err := auth.Authenticate(ctx, d, "taro", goodPassword, "", ""); err != nil {
			t.Fatal(err)
		}
		var h string
		if err := d.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE person_id = ?`, p).Scan(&h); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(h, "m=8192") || auth.NeedsRehash(h) || !auth.VerifyPassword(h, goodPassword) {
			t.Fatalf("hash not upgraded: %s", h)
		}
	})
}
