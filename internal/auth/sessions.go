package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"mamori/internal/db"
)

// Session is a signed-in browser. The id itself is only ever in the cookie;
// storage keeps its SHA-256, so a copy of the database cannot be used to
// take over sessions.
type Session struct {
	PersonID   int64
	OrgID      int64
	CSRFToken  string
	MFAPassed  bool
	CreatedAt  int64
	LastSeenAt int64
	ExpiresAt  int64
}

// touchInterval limits last_seen_at writes to one a minute per session;
// idle timeouts are counted in minutes, so finer tracking buys nothing.
const touchInterval = time.Minute

// cookieLen is the length of a base64url-encoded 32-byte value.
var cookieLen = base64.RawURLEncoding.EncodedLen(32)

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: no randomness: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session that ends after absolute at the latest and
// returns the cookie value to send. mfaPassed is false when a second factor
// is still to be checked; MarkMFAPassed then upgrades it.
func CreateSession(ctx context.Context, tx *db.Tx, orgID, personID int64, mfaPassed bool, absolute time.Duration,
	clientAddr, userAgent string) (string, Session, error) {
	if absolute <= 0 {
		return "", Session{}, fmt.Errorf("cannot create session for person %d: lifetime must be positive", personID)
	}
	cookie := randomToken()
	now := db.Now()
	s := Session{
		PersonID: personID, OrgID: orgID, CSRFToken: randomToken(), MFAPassed: mfaPassed,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now + absolute.Microseconds(),
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions
		(id_hash, org_id, person_id, csrf_token, mfa_passed, created_at, last_seen_at, expires_at, client_addr, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sha256Hex(cookie), orgID, personID, s.CSRFToken, mfaPassed, now, now, s.ExpiresAt,
		clip(clientAddr, 128), clip(userAgent, 512))
	if err != nil {
		return "", Session{}, fmt.Errorf("cannot create session for person %d: %w", personID, err)
	}
	return cookie, s, nil
}

// LookupSession returns the live session named by a cookie value. A session
// past its absolute end, idle for longer than idle (when idle > 0), or of a
// person no longer active is deleted and reported as ErrNoSession.
func LookupSession(ctx context.Context, d *db.DB, cookieValue string, idle time.Duration) (Session, error) {
	// Anything that cannot be one of our cookies is refused before it
	// reaches the database.
	if len(cookieValue) != cookieLen {
		return Session{}, ErrNoSession
	}
	id := sha256Hex(cookieValue)
	var s Session
	var active bool
	err := d.QueryRowContext(ctx, `SELECT s.org_id, s.person_id, s.csrf_token, s.mfa_passed, s.created_at, s.last_seen_at, s.expires_at, p.active
		FROM sessions s JOIN people p ON p.id = s.person_id AND p.org_id = s.org_id
		WHERE s.id_hash = ?`, id).
		Scan(&s.OrgID, &s.PersonID, &s.CSRFToken, &s.MFAPassed, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("cannot read session: %w", err)
	}
	now := db.Now()
	if !active || now >= s.ExpiresAt || (idle > 0 && now-s.LastSeenAt > idle.Microseconds()) {
		if _, err := d.ExecContext(ctx, `DELETE FROM sessions WHERE org_id = ? AND id_hash = ?`, s.OrgID, id); err != nil {
			return Session{}, fmt.Errorf("cannot end expired session: %w", err)
		}
		return Session{}, ErrNoSession
	}
	if now-s.LastSeenAt >= touchInterval.Microseconds() {
		if _, err := d.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE org_id = ? AND id_hash = ?`, now, s.OrgID, id); err != nil {
			return Session{}, fmt.Errorf("cannot update session: %w", err)
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// MarkMFAPassed records that the second factor was checked and gives the
// session a new id, so an id seen before the privilege rose (session
// fixation) is worthless afterwards. The old cookie value stops working.
func MarkMFAPassed(ctx context.Context, tx *db.Tx, cookieValue string) (string, error) {
	if len(cookieValue) != cookieLen {
		return "", ErrNoSession
	}
	fresh := randomToken()
	now := db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET id_hash = ?, mfa_passed = TRUE, last_seen_at = ?
		WHERE id_hash = ? AND expires_at > ?`,
		sha256Hex(fresh), now, sha256Hex(cookieValue), now)
	if err != nil {
		return "", fmt.Errorf("cannot mark session MFA-passed: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return "", ErrNoSession
	}
	return fresh, nil
}

// DeleteSession ends a session (sign-out). An unknown cookie is not an
// error: the outcome the caller wants already holds.
func DeleteSession(ctx context.Context, tx *db.Tx, cookieValue string) error {
	if len(cookieValue) != cookieLen {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, sha256Hex(cookieValue)); err != nil {
		return fmt.Errorf("cannot end session: %w", err)
	}
	return nil
}

// RevokeSessionsOf ends every session of a person: on disabling, on a
// password reset by an administrator, on "sign out everywhere".
func RevokeSessionsOf(ctx context.Context, tx *db.Tx, orgID, personID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE org_id = ? AND person_id = ?`, orgID, personID); err != nil {
		return fmt.Errorf("cannot end sessions of person %d: %w", personID, err)
	}
	return nil
}

// RevokeOtherSessions ends every session of a person except the one the
// cookie names, for a person who changed their own password.
func RevokeOtherSessions(ctx context.Context, tx *db.Tx, orgID, personID int64, keepCookieValue string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE org_id = ? AND person_id = ? AND id_hash <> ?`,
		orgID, personID, sha256Hex(keepCookieValue)); err != nil {
		return fmt.Errorf("cannot end other sessions of person %d: %w", personID, err)
	}
	return nil
}

// PruneSessions deletes sessions past their absolute end; those that only
// went idle are removed when next looked up. Meant for a periodic job.
func PruneSessions(ctx context.Context, tx *db.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, db.Now()); err != nil {
		return fmt.Errorf("cannot prune sessions: %w", err)
	}
	return nil
}
