package auth_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewMFASecretAndQRCode(t *testing.T) {
	t.Parallel()
	cases := []struct{ login, issuer, wantIssuer string }{
		{"yamada.taro", "", "mamori"},
		{"sato", "テスト市 mamori", "テスト市 mamori"},
	}
	for _, c := range cases {
		secret, u, err := auth.NewMFASecret(c.login, c.issuer)
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) < 32 {
			t.Errorf("secret %q shorter than 160 bits", secret)
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme != "otpauth" || pu.Host != "totp" {
			t.Fatalf("url %q: %v", u, err)
		}
		q := pu.Query()
		if q.Get("secret") != secret || q.Get("issuer") != c.wantIssuer || q.Get("digits") != "6" ||
			q.Get("period") != "30" || q.Get("algorithm") != "SHA1" || !strings.Contains(pu.Path, c.login) {
			t.Errorf("url %q", u)
		}
		pngData, err := auth.MFAQRCodePNG(u)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(pngData))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 240 || b.Dy() != 240 {
			t.Errorf("QR code is %v", b)
		}
	}
	if _, err := auth.MFAQRCodePNG("%zz"); err == nil {
		t.Error("bad URL accepted")
	}
}

func TestMFA(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		sc := adminScope(org)
		mustTx(t, d, func(tx *db.Tx) error { return auth.CreateAccount(ctx, tx, sc, p, "taro", goodPassword, false) })
		secret, _, err := auth.NewMFASecret("taro", "")
		if err != nil {
			t.Fatal(err)
		}
		check := func(c string) error {
			return d.Transact(ctx, func(tx *db.Tx) error { return auth.CheckMFA(ctx, tx, sc, p, c) })
		}
		now := time.Now()

		if err := check(code(t, secret, now)); !errors.Is(err, auth.ErrInvalidMFACode) {
			t.Fatalf("MFA not enabled yet: %v", err)
		}
		enable := func(c string) ([]string, error) {
			var codes []string
			err := d.Transact(ctx, func(tx *db.Tx) error {
				var err error
				codes, err = auth.EnableMFA(ctx, tx, sc, p, secret, c)
				return err
			})
			return codes, err
		}
		if _, err := enable(code(t, secret, now.Add(-5*time.Minute))); !errors.Is(err, auth.ErrInvalidMFACode) {
			t.Fatalf("stale enrolment code: %v", err)
		}
		current := code(t, secret, now)
		recovery, err := enable(current)
		if err != nil {
			t.Fatal(err)
		}
		if len(recovery) != 10 {
			t.Fatalf("%d recovery codes", len(recovery))
		}
		for _, rc := range recovery {
			if len(rc) != 14 || rc[4] != '-' || rc[9] != '-' || strings.ContainsAny(rc, "01ilo") || rc != strings.ToLower(rc) {
				t.Fatalf("recovery code %q", rc)
			}
		}
		var stored string
		if err := d.QueryRowContext(ctx, `SELECT recovery_codes FROM accounts WHERE person_id = ?`, p).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		for _, rc := range recovery {
			if strings.Contains(stored, rc) || strings.Contains(stored, strings.ReplaceAll(rc, "-", "")) {
				t.Fatal("recovery codes stored in clear")
			}
		}
		a, _ := auth.GetAccount(ctx, d, org, p)
		if !a.MFAEnabled || a.RecoveryCodesLeft != 10 {
			t.Fatalf("account %+v", a)
		}

		steps := []struct {
			name string
			code string
			ok   bool
		}{
			{"enrolment code replayed", current, false},
			{"wrong code", "000000", false},
			{"not digits", "abcdef", false},
			{"too long ago", code(t, secret, now.Add(-2*time.Minute)), false},
			{"next step", code(t, secret, now.Add(30*time.Second)), true},
			{"next step replayed", code(t, secret, now.Add(30*time.Second)), false},
			{"earlier step after a later one", code(t, secret, now), false},
			{"recovery code", recovery[0], true},
			{"recovery code reused", recovery[0], false},
			{"recovery code upper case with spaces", strings.ToUpper(strings.ReplaceAll(recovery[1], "-", " ")), true},
			{"recovery code without hyphens reused", strings.ReplaceAll(recovery[1], "-", ""), false},
			{"made-up recovery code", "abcd-efgh-jkmn", false},
			{"empty", "", false},
		}
		for _, s := range steps {
			err := check(s.code)
			if s.ok && err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if !s.ok && !errors.Is(err, auth.ErrInvalidMFACode) {
				t.Fatalf("%s: want refused, got %v", s.name, err)
			}
		}
		a, _ = auth.GetAccount(ctx, d, org, p)
		if a.RecoveryCodesLeft != 8 {
			t.Fatalf("%d recovery codes left, want 8", a.RecoveryCodesLeft)
		}

		var renewed []string
		mustTx(t, d, func(tx *db.Tx) error {
			var err error
			renewed, err = auth.RegenerateRecoveryCodes(ctx, tx, sc, p)
			return err
		})
		if err := check(recovery[2]); !errors.Is(err, auth.ErrInvalidMFACode) {
			t.Fatalf("old recovery code after renewal: %v", err)
		}
		if err := check(renewed[0]); err != nil {
			t.Fatalf("renewed recovery code: %v", err)
		}

		mustTx(t, d, func(tx *db.Tx) error { return auth.DisableMFA(ctx, tx, sc, p) })
		a, _ = auth.GetAccount(ctx, d, org, p)
		if a.MFAEnabled || a.RecoveryCodesLeft != 0 {
			t.Fatalf("after disable %+v", a)
		}
		if err := check(code(t, secret, now.Add(30*time.Second))); !errors.Is(err, auth.ErrInvalidMFACode) {
			t.Fatalf("code accepted after disable: %v", err)
		}
		if err := check(renewed[1]); !errors.Is(err, auth.ErrInvalidMFACode) {
			t.Fatalf("recovery code accepted after disable: %v", err)
		}

		es := trailOf(t, d, org, trail.Filter{Entity: "account", Action: trail.Update})
		for _, e := range es {
			if strings.Contains(e.After, secret) || strings.Contains(e.Before, secret) {
				t.Fatal("MFA secret in the trail")
			}
		}
		if len(es) < 4 {
			t.Fatalf("want trail entries for enable, recovery use, renewal and disable; got %d", len(es))
		}
		verifyTrail(t, d)
	})
}

func TestVerifyMFAThrottles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		sc := adminScope(org)
		mustTx(t, d, func(tx *db.Tx) error { return auth.CreateAccount(ctx, tx, sc, p, "taro", goodPassword, false) })
		secret, _, _ := auth.NewMFASecret("taro", "")
		now := time.Now()
		mustTx(t, d, func(tx *db.Tx) error {
			_, err := auth.EnableMFA(ctx, tx, sc, p, secret, code(t, secret, now.Add(-30*time.Second)))
			return err
		})
		for i := range auth.FreeFailures {
			if err := auth.VerifyMFA(ctx, d, sc, p, "000000"); !errors.Is(err, auth.ErrInvalidMFACode) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// A password sign-in clears the login counter but not this one.
		if _, err := auth.Authenticate(ctx, d, "taro", goodPassword, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := auth.VerifyMFA(ctx, d, sc, p, code(t, secret, now)); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("want locked, got %v", err)
		}
		exec(t, d, `UPDATE signin_throttle SET locked_until = 0`)
		if err := auth.VerifyMFA(ctx, d, sc, p, code(t, secret, now)); err != nil {
			t.Fatalf("right code after lock: %v", err)
		}
		if n := len(trailOf(t, d, org, trail.Filter{Action: trail.SignInFailed})); n != auth.FreeFailures {
			t.Fatalf("%d failed MFA entries in trail", n)
		}
	})
}
