package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mamori/internal/db"
)

// Throttle policy: a few honest typos cost nothing, then each further
// failure doubles the wait, so guessing is slowed to a handful of tries an
// hour without letting a stranger lock a colleague out for long.
const (
	FreeFailures = 5
	MaxLock      = 15 * time.Minute
	FailureDecay = time.Hour
)

// LoginKey is the throttle key counting failures against one login.
func LoginKey(login string) string {
	return "login:" + clip(strings.ToLower(strings.TrimSpace(login)), 128)
}

// AddrKey is the throttle key counting failures from one client address.
func AddrKey(clientAddr string) string {
	if clientAddr == "" {
		// Without an address every such request would share one counter and
		// lock each other out.
		return ""
	}
	return "addr:" + clip(clientAddr, 128)
}

// mfaKey counts wrong second-factor codes per person. It is separate from
// the login key because a correct password clears that one, which would
// otherwise reset the count for someone who knows the password.
func mfaKey(personID int64) string { return fmt.Sprintf("mfa:%d", personID) }

// lockDelay is how long the failures-th failure locks a key.
func lockDelay(failures int64) time.Duration {
	if failures < FreeFailures {
		return 0
	}
	n := failures - FreeFailures
	if n >= 30 { // 2^30 s is far past the cap; avoid overflow
		return MaxLock
	}
	d := time.Second << n
	if d > MaxLock {
		return MaxLock
	}
	return d
}

func nonEmpty(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// Locked reports the latest time until which any of the keys is locked.
func Locked(ctx context.Context, q db.Querier, keys ...string) (until int64, locked bool, err error) {
	keys = nonEmpty(keys)
	if len(keys) == 0 {
		return 0, false, nil
	}
	args := make([]any, 0, len(keys)+1)
	args = append(args, db.Now())
	for _, k := range keys {
		args = append(args, k)
	}
	var max *int64
	err = q.QueryRowContext(ctx, `SELECT MAX(locked_until) FROM signin_throttle
		WHERE locked_until > ? AND key IN (?`+strings.Repeat(", ?", len(keys)-1)+`)`, args...).Scan(&max)
	if err != nil {
		return 0, false, fmt.Errorf("cannot read sign-in throttle: %w", err)
	}
	if max == nil {
		return 0, false, nil
	}
	return *max, true, nil
}

// RecordFailure counts one failed attempt against each key and locks those
// that have run out of free failures.
func RecordFailure(ctx context.Context, tx *db.Tx, keys ...string) error {
	now := db.Now()
	stale := now - FailureDecay.Microseconds()
	for _, k := range nonEmpty(keys) {
		// The increment happens in the database so that concurrent failures
		// (on PostgreSQL, from several instances) are all counted.
		var failures int64
		err := tx.QueryRowContext(ctx, `INSERT INTO signin_throttle (key, failures, last_failure_at, locked_until)
			VALUES (?, 1, ?, 0)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN signin_throttle.last_failure_at < ? THEN 1 ELSE signin_throttle.failures + 1 END,
				last_failure_at = excluded.last_failure_at
			RETURNING failures`, k, now, stale).Scan(&failures)
		if err != nil {
			return fmt.Errorf("cannot count sign-in failure: %w", err)
		}
		until := int64(0)
		if d := lockDelay(failures); d > 0 {
			until = now + d.Microseconds()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signin_throttle SET locked_until = ? WHERE key = ?`, until, k); err != nil {
			return fmt.Errorf("cannot lock sign-in: %w", err)
		}
	}
	return nil
}

// Clear forgets the failures of a key, after a success or when an
// administrator unlocks an account.
func Clear(ctx context.Context, tx *db.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM signin_throttle WHERE key = ?`, key); err != nil {
		return fmt.Errorf("cannot clear sign-in throttle: %w", err)
	}
	return nil
}

// PruneThrottle removes counters that have decayed; unknown logins tried by
// a scanner would otherwise accumulate. Meant for a periodic job.
func PruneThrottle(ctx context.Context, tx *db.Tx) error {
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM signin_throttle WHERE last_failure_at < ? AND locked_until < ?`,
		now-FailureDecay.Microseconds(), now); err != nil {
		return fmt.Errorf("cannot prune sign-in throttle: %w", err)
	}
	return nil
}

// clip shortens s to at most n bytes of valid UTF-8 without NUL, so a value
// an attacker typed is always storable (PostgreSQL refuses both) and small.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
