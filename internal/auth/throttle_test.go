package auth_test

import (
	"context"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

func TestThrottleGrowingDelay(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := auth.LoginKey("Yamada.Taro")
		if key != "login:yamada.taro" {
			t.Fatalf("login key %q", key)
		}
		// want is the lock length after each failure: none for the first
		// four, then 1 s doubling.
		want := []time.Duration{0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
		for i, w := range want {
			before := db.Now()
			mustTx(t, d, func(tx *db.Tx) error { return auth.RecordFailure(ctx, tx, key, auth.AddrKey("")) })
			after := db.Now()
			until, locked, err := auth.Locked(ctx, d, key)
			if err != nil {
				t.Fatal(err)
			}
			if w == 0 {
				if locked {
					t.Fatalf("failure %d: locked", i+1)
				}
				continue
			}
			if !locked || until < before+w.Microseconds() || until > after+w.Microseconds() {
				t.Fatalf("failure %d: want locked for %v, got locked=%v for %v", i+1, w, locked, time.Duration(until-before)*time.Microsecond)
			}
		}

		// The delay stops growing at the cap.
		exec(t, d, `UPDATE signin_throttle SET failures = 40 WHERE key = ?`, key)
		start := db.Now()
		mustTx(t, d, func(tx *db.Tx) error { return auth.RecordFailure(ctx, tx, key) })
		until, _, _ := auth.Locked(ctx, d, key)
		if got := time.Duration(until-start) * time.Microsecond; got < auth.MaxLock || got > auth.MaxLock+time.Second {
			t.Fatalf("capped lock lasts %v, want %v", got, auth.MaxLock)
		}

		// Failures older than the decay period are forgotten.
		old := db.Now() - 2*time.Hour.Microseconds()
		exec(t, d, `UPDATE signin_throttle SET last_failure_at = ?, locked_until = ? WHERE key = ?`, old, old, key)
		mustTx(t, d, func(tx *db.Tx) error { return auth.RecordFailure(ctx, tx, key) })
		var failures int
		if err := d.QueryRowContext(ctx, `SELECT failures FROM signin_throttle WHERE key = ?`, key).Scan(&failures); err != nil {
			t.Fatal(err)
		}
		if _, locked, _ := auth.Locked(ctx, d, key); failures != 1 || locked {
			t.Fatalf("after decay: failures=%d locked=%v, want 1 and unlocked", failures, locked)
		}

		mustTx(t, d, func(tx *db.Tx) error { return auth.Clear(ctx, tx, key) })
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_throttle WHERE key = ?`, key).Scan(&failures); err != nil || failures != 0 {
			t.Fatalf("clear left %d rows (%v)", failures, err)
		}
	})
}

func TestThrottleLockedReportsLatestOfSeveralKeys(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.Now()
		exec(t, d, `INSERT INTO signin_throttle (key, failures, last_failure_at, locked_until) VALUES
			('login:a', 6, ?, ?), ('addr:192.0.2.9', 9, ?, ?), ('login:old', 9, ?, ?)`,
			now, now+1_000_000, now, now+60_000_000, now, now-1)
		cases := []struct {
			name   string
			keys   []string
			locked bool
			until  int64
		}{
			{"none", nil, false, 0},
			{"unknown", []string{"login:nobody"}, false, 0},
			{"expired lock", []string{"login:old"}, false, 0},
			{"one", []string{"login:a"}, true, now + 1_000_000},
			{"latest wins", []string{"login:a", "addr:192.0.2.9", ""}, true, now + 60_000_000},
		}
		for _, c := range cases {
			until, locked, err := auth.Locked(ctx, d, c.keys...)
			if err != nil || locked != c.locked || until != c.until {
				t.Errorf("%s: got %d %v %v", c.name, until, locked, err)
			}
		}
		mustTx(t, d, func(tx *db.Tx) error { return auth.PruneThrottle(ctx, tx) })
	})
}
