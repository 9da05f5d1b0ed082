package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// TokenPrefix starts every API token, so secret scanners and people can
// recognise one that leaked into a repository or a chat.
const TokenPrefix = "mamori_"

// tokenDisplayLen is how much of a token is kept in clear to let people
// tell their tokens apart: the marker and five characters (30 bits) of the
// secret, far too little to help guess the rest.
const tokenDisplayLen = 12

// MaxTokenNameRunes bounds the label a person gives a token.
const MaxTokenNameRunes = 100

// Token is an API token as listed to its owner and administrators.
type Token struct {
	ID         int64
	OrgID      int64
	PersonID   int64
	Name       string
	Prefix     string
	CreatedAt  int64
	LastUsedAt int64
	RevokedAt  int64 // 0 while valid
}

var tokenLen = len(TokenPrefix) + cookieLen

// CreateToken issues an API token to a person of the scope's organisation.
// The plaintext is returned once and never stored.
func CreateToken(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, name string) (string, int64, error) {
	name = strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n"):
		return "", 0, &InputError{Field: "name", MsgKey: "error.control_character"}
	case name == "":
		return "", 0, &InputError{Field: "name", MsgKey: "error.required"}
	case utf8.RuneCountInString(name) > MaxTokenNameRunes:
		return "", 0, &InputError{Field: "name", MsgKey: "error.too_long"}
	}
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE org_id = ? AND id = ?`, sc.OrgID, personID).Scan(&exists); err != nil {
		return "", 0, fmt.Errorf("cannot create API token for person %d: %w", personID, err)
	}
	if exists == 0 {
		return "", 0, fmt.Errorf("cannot create API token: person %d: %w", personID, db.ErrNotFound)
	}
	plaintext := TokenPrefix + randomToken()
	prefix := plaintext[:tokenDisplayLen]
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (org_id, person_id, name, token_hash, prefix, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, personID, name, sha256Hex(plaintext), prefix, db.Now()).Scan(&id)
	if err != nil {
		return "", 0, fmt.Errorf("cannot create API token for person %d: %w", personID, err)
	}
	err = trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Create, Entity: "api_token", EntityID: strconv.FormatInt(id, 10),
		After: map[string]any{"person_id": personID, "name": name, "prefix": prefix},
	})
	if err != nil {
		return "", 0, err
	}
	return plaintext, id, nil
}

// LookupToken identifies the person behind an API request. Revoked tokens
// and tokens of inactive people give ErrInvalidToken.
func LookupToken(ctx context.Context, d *db.DB, plaintext string) (orgID, personID, tokenID int64, err error) {
	if len(plaintext) != tokenLen || !strings.HasPrefix(plaintext, TokenPrefix) {
		return 0, 0, 0, ErrInvalidToken
	}
	var revokedAt, lastUsed int64
	var active bool
	err = d.QueryRowContext(ctx, `SELECT t.id, t.org_id, t.person_id, t.revoked_at, t.last_used_at, p.active
		FROM api_tokens t JOIN people p ON p.id = t.person_id AND p.org_id = t.org_id
		WHERE t.token_hash = ?`, sha256Hex(plaintext)).Scan(&tokenID, &orgID, &personID, &revokedAt, &lastUsed, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, 0, ErrInvalidToken
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("cannot read API token: %w", err)
	}
	if revokedAt != 0 || !active {
		return 0, 0, 0, ErrInvalidToken
	}
	if now := db.Now(); now-lastUsed >= touchInterval.Microseconds() {
		if _, err := d.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE org_id = ? AND id = ?`, now, orgID, tokenID); err != nil {
			return 0, 0, 0, fmt.Errorf("cannot update API token %d: %w", tokenID, err)
		}
	}
	return orgID, personID, tokenID, nil
}

const tokenColumns = `id, org_id, person_id, name, prefix, created_at, last_used_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (Token, error) {
	var t Token
	err := sc.Scan(&t.ID, &t.OrgID, &t.PersonID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	return t, err
}

// GetToken returns one token of an organisation, so a caller can check
// whose it is before letting someone revoke it.
func GetToken(ctx context.Context, q db.Querier, orgID, tokenID int64) (Token, error) {
	t, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE org_id = ? AND id = ?`, orgID, tokenID))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("API token %d: %w", tokenID, db.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("cannot read API token %d: %w", tokenID, err)
	}
	return t, nil
}

// ListTokens returns a person's tokens, newest first, revoked ones
// included so their history stays visible. personID 0 lists the whole
// organisation's.
func ListTokens(ctx context.Context, q db.Querier, orgID, personID int64) ([]Token, error) {
	query := `SELECT ` + tokenColumns + ` FROM api_tokens WHERE org_id = ?`
	args := []any{orgID}
	if personID != 0 {
		query += ` AND person_id = ?`
		args = append(args, personID)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list API tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read API token: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list API tokens: %w", err)
	}
	return out, nil
}

// RevokeToken stops a token working. It checks only the organisation:
// whether the caller may revoke this person's token is decided above, with
// GetToken. Revoking a revoked token does nothing.
func RevokeToken(ctx context.Context, tx *db.Tx, sc scope.Scope, tokenID int64) error {
	t, err := GetToken(ctx, tx, sc.OrgID, tokenID)
	if err != nil {
		return fmt.Errorf("cannot revoke API token: %w", err)
	}
	if t.RevokedAt != 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0`,
		db.Now(), sc.OrgID, tokenID); err != nil {
		return fmt.Errorf("cannot revoke API token %d: %w", tokenID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "api_token", EntityID: strconv.FormatInt(tokenID, 10),
		Before: map[string]any{"revoked": false},
		After:  map[string]any{"revoked": true, "person_id": t.PersonID, "name": t.Name, "prefix": t.Prefix},
	})
}

// RevokeTokensOf revokes every token of a person, when they are disabled or
// leave. The caller records the act that led to it in the trail.
func RevokeTokensOf(ctx context.Context, tx *db.Tx, orgID, personID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND person_id = ? AND revoked_at = 0`,
		db.Now(), orgID, personID); err != nil {
		return fmt.Errorf("cannot revoke API tokens of person %d: %w", personID, err)
	}
	return nil
}
