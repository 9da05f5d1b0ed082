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

// Account is a person's sign-in account. It never carries the password
// hash or the MFA secret, so it is safe to hand to templates and the API.
type Account struct {
	PersonID           int64
	OrgID              int64
	Login              string
	Name               string // the person's name, for greetings and the trail
	Active             bool   // the person's people.active
	MustChangePassword bool
	MFAEnabled         bool
	RecoveryCodesLeft  int
	Locale             string // "ja" or "en"
	DateStyle          string // "wareki" or "iso"
	CreatedAt          int64
	PasswordChangedAt  int64
	LastSignInAt       int64
}

// Preference values.
const (
	LocaleJA        = "ja"
	LocaleEN        = "en"
	DateStyleWareki = "wareki"
	DateStyleISO    = "iso"
)

// Login rules.
const (
	MinLoginLen     = 3
	MaxLoginLen     = 64
	KeyLoginInvalid = "login.invalid"
	KeyInvalidValue = "error.invalid_choice"
)

// NormaliseLogin is how logins are compared and stored: people type their
// login with stray capitals and spaces, and both must still find it.
func NormaliseLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// CheckLogin reports whether a normalised login is 3–64 characters of
// a–z, 0–9, '.', '_' and '-'.
func CheckLogin(login string) error {
	if len(login) < MinLoginLen || len(login) > MaxLoginLen {
		return &InputError{Field: "login", MsgKey: KeyLoginInvalid}
	}
	for i := 0; i < len(login); i++ {
		c := login[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return &InputError{Field: "login", MsgKey: KeyLoginInvalid}
		}
	}
	return nil
}

// account is a row with the secrets the package itself needs.
type account struct {
	Account
	passwordHash  string
	mfaSecret     string
	mfaLastStep   int64
	recoveryCodes string
}

const accountColumns = `a.person_id, a.org_id, a.login, p.name, p.active, a.must_change_password, a.mfa_enabled,
	a.recovery_codes, a.locale, a.date_style, a.created_at, a.password_changed_at, a.last_signin_at,
	a.password_hash, a.mfa_secret, a.mfa_last_step`

func scanAccount(row *sql.Row) (account, error) {
	var a account
	err := row.Scan(&a.PersonID, &a.OrgID, &a.Login, &a.Name, &a.Active, &a.MustChangePassword, &a.MFAEnabled,
		&a.recoveryCodes, &a.Locale, &a.DateStyle, &a.CreatedAt, &a.PasswordChangedAt, &a.LastSignInAt,
		&a.passwordHash, &a.mfaSecret, &a.mfaLastStep)
	if err != nil {
		return a, err
	}
	a.RecoveryCodesLeft = len(splitCodes(a.recoveryCodes))
	return a, nil
}

func loadAccount(ctx context.Context, q db.Querier, orgID, personID int64) (account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+`
		FROM accounts a JOIN people p ON p.id = a.person_id AND p.org_id = a.org_id
		WHERE a.org_id = ? AND a.person_id = ?`, orgID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("no account for person %d: %w", personID, db.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("cannot read account of person %d: %w", personID, err)
	}
	return a, nil
}

func loadAccountByLogin(ctx context.Context, q db.Querier, login string) (account, error) {
	login = NormaliseLogin(login)
	// A login that breaks the rules cannot exist; not querying it also
	// keeps invalid UTF-8 away from PostgreSQL, which would reject it.
	if CheckLogin(login) != nil {
		return account{}, fmt.Errorf("no account with that login: %w", db.ErrNotFound)
	}
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+`
		FROM accounts a JOIN people p ON p.id = a.person_id AND p.org_id = a.org_id
		WHERE a.login = ?`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("no account with login %q: %w", login, db.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("cannot read account %q: %w", login, err)
	}
	return a, nil
}

// GetAccount returns the account of a person; db.ErrNotFound if there is none.
func GetAccount(ctx context.Context, q db.Querier, orgID, personID int64) (Account, error) {
	a, err := loadAccount(ctx, q, orgID, personID)
	return a.Account, err
}

// GetAccountByLogin finds an account in any organisation: logins are unique
// across the installation, and sign-in happens before the organisation is
// known.
func GetAccountByLogin(ctx context.Context, q db.Querier, login string) (Account, error) {
	a, err := loadAccountByLogin(ctx, q, login)
	return a.Account, err
}

// CreateAccount gives a person of the scope's organisation a sign-in
// account. A taken login, or a person who already has an account, gives an
// error wrapping db.ErrConflict.
func CreateAccount(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, login, password string, mustChange bool) error {
	login = NormaliseLogin(login)
	if err := CheckLogin(login); err != nil {
		return err
	}
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM people WHERE org_id = ? AND id = ?`, sc.OrgID, personID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("cannot create account: person %d: %w", personID, db.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("cannot create account for person %d: %w", personID, err)
	}
	if err := CheckPassphrase(password, login, name); err != nil {
		return err
	}
	// Checked first for a clear message; the unique indexes still decide
	// when two administrators race.
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE login = ?`, login).Scan(&taken); err != nil {
		return fmt.Errorf("cannot create account for person %d: %w", personID, err)
	}
	if taken > 0 {
		return fmt.Errorf("login %q is taken: %w", login, db.ErrConflict)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE person_id = ?`, personID).Scan(&taken); err != nil {
		return fmt.Errorf("cannot create account for person %d: %w", personID, err)
	}
	if taken > 0 {
		return fmt.Errorf("person %d already has an account: %w", personID, db.ErrConflict)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return fmt.Errorf("cannot create account for person %d: %w", personID, err)
	}
	now := db.Now()
	_, err = tx.ExecContext(ctx, `INSERT INTO accounts
		(person_id, org_id, login, password_hash, must_change_password, locale, date_style, created_at, password_changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		personID, sc.OrgID, login, hash, mustChange, LocaleJA, DateStyleWareki, now, now)
	if db.IsUniqueViolation(err) {
		return fmt.Errorf("login %q is taken: %w", login, db.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("cannot create account for person %d: %w", personID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Create, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		After: map[string]any{
			"login": login, "must_change_password": mustChange,
			"locale": LocaleJA, "date_style": DateStyleWareki,
		},
	})
}

// SetPassword replaces a password after checking the rules. mustChange is
// true when an administrator sets it, so the person picks their own next.
// Callers decide whether to revoke other sessions.
func SetPassword(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, newPassword string, mustChange bool) error {
	a, err := loadAccount(ctx, tx, sc.OrgID, personID)
	if err != nil {
		return fmt.Errorf("cannot set password: %w", err)
	}
	if err := CheckPassphrase(newPassword, a.Login, a.Name); err != nil {
		return err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return fmt.Errorf("cannot set password of person %d: %w", personID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ?, must_change_password = ?, password_changed_at = ?
		WHERE org_id = ? AND person_id = ?`, hash, mustChange, db.Now(), sc.OrgID, personID); err != nil {
		return fmt.Errorf("cannot set password of person %d: %w", personID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		After: map[string]any{"password_changed": true, "must_change_password": mustChange},
	})
}

// SetPreferences stores the display language and date style.
func SetPreferences(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, locale, dateStyle string) error {
	if locale != LocaleJA && locale != LocaleEN {
		return &InputError{Field: "locale", MsgKey: KeyInvalidValue}
	}
	if dateStyle != DateStyleWareki && dateStyle != DateStyleISO {
		return &InputError{Field: "date_style", MsgKey: KeyInvalidValue}
	}
	a, err := loadAccount(ctx, tx, sc.OrgID, personID)
	if err != nil {
		return fmt.Errorf("cannot set preferences: %w", err)
	}
	if a.Locale == locale && a.DateStyle == dateStyle {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET locale = ?, date_style = ? WHERE org_id = ? AND person_id = ?`,
		locale, dateStyle, sc.OrgID, personID); err != nil {
		return fmt.Errorf("cannot set preferences of person %d: %w", personID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		Before: map[string]any{"locale": a.Locale, "date_style": a.DateStyle},
		After:  map[string]any{"locale": locale, "date_style": dateStyle},
	})
}

// Authenticate checks a login and password. It returns a *LockedError while
// the login or the client address is locked (without looking at the
// password), ErrInvalidCredentials for an unknown login, a wrong password
// or an inactive person alike, and otherwise the account. The returned
// LastSignInAt is the previous sign-in, for "last signed in" notices; the
// caller records the signin trail entry when it makes the session.
func Authenticate(ctx context.Context, d *db.DB, login, password, clientAddr, requestID string) (Account, error) {
	keys := []string{LoginKey(login), AddrKey(clientAddr)}
	until, locked, err := Locked(ctx, d, keys...)
	if err != nil {
		return Account{}, fmt.Errorf("cannot sign in: %w", err)
	}
	if locked {
		return Account{}, &LockedError{Until: db.Time(until)}
	}

	// The slow hash runs outside any transaction: on SQLite a write
	// transaction would hold the database lock for its whole duration.
	a, err := loadAccountByLogin(ctx, d, login)
	known := err == nil
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return Account{}, fmt.Errorf("cannot sign in: %w", err)
	}
	ok := false
	if known {
		ok = VerifyPassword(a.passwordHash, password)
	} else {
		VerifyPassword(dummyHash(), password)
	}
	ok = ok && a.Active

	if !ok {
		err := d.Transact(ctx, func(tx *db.Tx) error {
			if err := RecordFailure(ctx, tx, keys...); err != nil {
				return err
			}
			return recordSigninFailed(ctx, tx, a.Account, known, login, clientAddr, requestID)
		})
		if err != nil {
			return Account{}, fmt.Errorf("cannot sign in: %w", err)
		}
		return Account{}, ErrInvalidCredentials
	}

	var rehash string
	if NeedsRehash(a.passwordHash) {
		if h, err := HashPassword(password); err == nil {
			rehash = h
		}
	}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		if err := Clear(ctx, tx, keys[0]); err != nil {
			return err
		}
		if rehash != "" {
			// Matching the old hash keeps a password changed meanwhile.
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ? WHERE org_id = ? AND person_id = ? AND password_hash = ?`,
				rehash, a.OrgID, a.PersonID, a.passwordHash); err != nil {
				return fmt.Errorf("cannot upgrade password hash: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET last_signin_at = ? WHERE org_id = ? AND person_id = ?`,
			db.Now(), a.OrgID, a.PersonID)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("cannot sign in person %d: %w", a.PersonID, err)
	}
	return a.Account, nil
}

// recordSigninFailed writes the trail entry of a failed sign-in. An unknown
// login belongs to no organisation, so it goes to the first one, which on a
// single-body installation is the only one.
func recordSigninFailed(ctx context.Context, tx *db.Tx, a Account, known bool, login, clientAddr, requestID string) error {
	sc := scope.Scope{OrgID: a.OrgID, RequestID: requestID, ClientAddr: clip(clientAddr, 128)}
	entityID := ""
	if known {
		entityID = strconv.FormatInt(a.PersonID, 10)
	} else {
		var org sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM organisations`).Scan(&org); err != nil {
			return fmt.Errorf("cannot find organisation for failed sign-in: %w", err)
		}
		if !org.Valid {
			return nil
		}
		sc.OrgID = org.Int64
	}
	// People sometimes type their password into the login field; keeping
	// the login short limits what such a mistake leaves in the trail.
	shown := clip(strings.TrimSpace(login), 64)
	if !utf8.ValidString(shown) {
		shown = ""
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.SignInFailed, Entity: "account", EntityID: entityID,
		After: map[string]any{"login": shown},
	})
}
