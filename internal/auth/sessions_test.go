package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		const idle = 30 * time.Minute

		newSession := func(mfa bool) (string, auth.Session) {
			var cookie string
			var s auth.Session
			mustTx(t, d, func(tx *db.Tx) error {
				var err error
				cookie, s, err = auth.CreateSession(ctx, tx, org, p, mfa, 12*time.Hour, "192.0.2.1", "Mozilla/5.0 \xff\x00")
				return err
			})
			return cookie, s
		}

		cookie, s := newSession(false)
		if len(cookie) != 43 || strings.ContainsAny(cookie, "+/=") || len(s.CSRFToken) != 43 || s.CSRFToken == cookie {
			t.Fatalf("cookie %q csrf %q", cookie, s.CSRFToken)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = ?`, cookie).Scan(&n); err != nil || n != 0 {
			t.Fatal("session id stored in clear")
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = ?`, idHash(cookie)).Scan(&n); err != nil || n != 1 {
			t.Fatal("session not stored under the SHA-256 of its id")
		}
		got, err := auth.LookupSession(ctx, d, cookie, idle)
		if err != nil {
			t.Fatal(err)
		}
		if got.PersonID != p || got.OrgID != org || got.CSRFToken != s.CSRFToken || got.MFAPassed ||
			got.ExpiresAt-got.CreatedAt != (12*time.Hour).Microseconds() {
			t.Fatalf("session %+v, want %+v", got, s)
		}

		for _, bad := range []string{"", "x", cookie + "x", strings.Repeat("A", 43), cookie[:42] + "\xff"} {
			if _, err := auth.LookupSession(ctx, d, bad, idle); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("lookup %q: %v", bad, err)
			}
		}

		// Rotation on MFA: the old id stops working, the data stays.
		var rotated string
		mustTx(t, d, func(tx *db.Tx) error {
			var err error
			rotated, err = auth.MarkMFAPassed(ctx, tx, cookie)
			return err
		})
		if rotated == cookie {
			t.Fatal("session id not rotated")
		}
		if _, err := auth.LookupSession(ctx, d, cookie, idle); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("old id still works: %v", err)
		}
		got, err = auth.LookupSession(ctx, d, rotated, idle)
		if err != nil || !got.MFAPassed || got.CSRFToken != s.CSRFToken || got.CreatedAt != s.CreatedAt || got.ExpiresAt != s.ExpiresAt {
			t.Fatalf("rotated session %+v %v", got, err)
		}
		err = d.Transact(ctx, func(tx *db.Tx) error { _, err := auth.MarkMFAPassed(ctx, tx, cookie); return err })
		if !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("rotating a dead id: %v", err)
		}

		// last_seen_at is written at most once a minute.
		lastSeen := func(c string) int64 {
			s, err := auth.LookupSession(ctx, d, c, idle)
			if err != nil {
				t.Fatal(err)
			}
			return s.LastSeenAt
		}
		recent := db.Now() - (20 * time.Second).Microseconds()
		exec(t, d, `UPDATE sessions SET last_seen_at = ? WHERE person_id = ?`, recent, p)
		if lastSeen(rotated) != recent {
			t.Fatal("last_seen_at rewritten within a minute")
		}
		older := db.Now() - (2 * time.Minute).Microseconds()
		exec(t, d, `UPDATE sessions SET last_seen_at = ? WHERE person_id = ?`, older, p)
		if lastSeen(rotated) <= older {
			t.Fatal("last_seen_at not refreshed")
		}

		expiry := []struct {
			name string
			set  string
			arg  int64
			idle time.Duration
			live bool
		}{
			{"idle but within limit", `last_seen_at = ?`, db.Now() - (29 * time.Minute).Microseconds(), idle, true},
			{"idle too long", `last_seen_at = ?`, db.Now() - (31 * time.Minute).Microseconds(), idle, false},
			{"no idle limit", `last_seen_at = ?`, db.Now() - (10 * time.Hour).Microseconds(), 0, true},
			{"past absolute end", `expires_at = ?`, db.Now() - 1, idle, false},
		}
		for _, c := range expiry {
			c2, _ := newSession(true)
			id := idHash(c2)
			exec(t, d, `UPDATE sessions SET `+c.set+` WHERE id_hash = ?`, c.arg, id)
			_, err := auth.LookupSession(ctx, d, c2, c.idle)
			if c.live {
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				continue
			}
			if !errors.Is(err, auth.ErrNoSession) {
				t.Fatalf("%s: want ErrNoSession, got %v", c.name, err)
			}
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = ?`, id).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s: expired session not deleted", c.name)
			}
		}
	})
}

func TestSessionEndings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg(t, d, "テスト市")
		p := newPerson(t, d, org, "山田 太郎")
		q := newPerson(t, d, org, "佐藤 花子")
		create := func(person int64) string {
			var c string
			mustTx(t, d, func(tx *db.Tx) error {
				var err error
				c, _, err = auth.CreateSession(ctx, tx, org, person, true, time.Hour, "", "")
				return err
			})
			return c
		}
		alive := func(c string) bool {
			_, err := auth.LookupSession(ctx, d, c, time.Hour)
			if err != nil && !errors.Is(err, auth.ErrNoSession) {
				t.Fatal(err)
			}
			return err == nil
		}

		a1, a2, a3, b1 := create(p), create(p), create(p), create(q)
		mustTx(t, d, func(tx *db.Tx) error { return auth.DeleteSession(ctx, tx, a1) })
		mustTx(t, d, func(tx *db.Tx) error { return auth.DeleteSession(ctx, tx, "not-a-session") })
		if alive(a1) || !alive(a2) {
			t.Fatal("sign-out ended the wrong session")
		}
		mustTx(t, d, func(tx *db.Tx) error { return auth.RevokeOtherSessions(ctx, tx, org, p, a2) })
		if !alive(a2) || alive(a3) {
			t.Fatal("revoking other sessions")
		}
		mustTx(t, d, func(tx *db.Tx) error { return auth.RevokeSessionsOf(ctx, tx, org, p) })
		if alive(a2) || !alive(b1) {
			t.Fatal("revoking a person's sessions")
		}

		// A disabled person's sessions end even before anyone revokes them.
		setActive(t, d, org, q, false)
		if alive(b1) {
			t.Fatal("session of an inactive person still works")
		}
		setActive(t, d, org, q, true)
		if alive(b1) {
			t.Fatal("session came back after reactivation")
		}

		c := create(p)
		exec(t, d, `UPDATE sessions SET expires_at = ? WHERE person_id = ?`, db.Now()-1, p)
		mustTx(t, d, func(tx *db.Tx) error { return auth.PruneSessions(ctx, tx) })
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 0 || alive(c) {
			t.Fatalf("prune left %d sessions", n)
		}
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, _, err := auth.CreateSession(ctx, tx, org, p, false, 0, "", "")
			return err
		}); err == nil {
			t.Fatal("session without lifetime created")
		}
	})
}

func idHash(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}
