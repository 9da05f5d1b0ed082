package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// TOTP settings every common authenticator app understands (RFC 6238
// defaults as used by Google Authenticator and Microsoft Authenticator).
const (
	MFAIssuer     = "mamori"
	mfaPeriod     = 30
	mfaSkew       = 1 // one step either side absorbs clock drift on phones
	mfaSecretSize = 20
	qrSize        = 240
)

// Recovery codes: ten single-use codes, each 12 characters from a 31-letter
// alphabet without look-alikes (about 59 bits), which is enough that an
// unsalted SHA-256 of them cannot be reversed by search.
const (
	RecoveryCodeCount = 10
	recoveryAlphabet  = "abcdefghjkmnpqrstuvwxyz23456789"
)

var mfaOpts = totp.ValidateOpts{Period: mfaPeriod, Skew: mfaSkew, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewMFASecret makes a new TOTP secret for a person to enrol. Nothing is
// stored until EnableMFA sees a code from their app. An empty issuer means
// "mamori".
func NewMFASecret(login, issuer string) (secret, otpauthURL string, err error) {
	if issuer == "" {
		issuer = MFAIssuer
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: login, Period: mfaPeriod, SecretSize: mfaSecretSize,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("cannot make MFA secret for %q: %w", login, err)
	}
	return key.Secret(), key.URL(), nil
}

// MFAQRCodePNG draws the enrolment URL as a QR code on the server, so the
// secret is never sent to a third-party QR service.
func MFAQRCodePNG(otpauthURL string) ([]byte, error) {
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		return nil, fmt.Errorf("cannot read MFA enrolment URL: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, fmt.Errorf("cannot draw MFA QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("cannot encode MFA QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// validSecret accepts base32 secrets of at least 80 bits (RFC 4226's floor).
func validSecret(secret string) bool {
	s := strings.ToUpper(strings.TrimRight(secret, "="))
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return err == nil && len(b) >= 10 && len(b) <= 128
}

// matchStep returns the newest time step within the skew window whose code
// equals code and that is later than after.
func matchStep(secret, code string, now time.Time, after int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / mfaPeriod
	for step := cur + mfaSkew; step >= cur-mfaSkew; step-- {
		if step <= after {
			break
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*mfaPeriod, 0), mfaOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// normaliseCode drops the spaces and hyphens people type or paste with a
// code and folds case, so "ABCD-EFGH-JKMN" and "abcd efgh jkmn" both work.
func normaliseCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, code)
}

func hashCode(normalised string) string {
	sum := sha256.Sum256([]byte(normalised))
	return hex.EncodeToString(sum[:])
}

func splitCodes(stored string) []string {
	return strings.Fields(stored)
}

// newRecoveryCodes returns the codes to show once and their stored form.
func newRecoveryCodes() (codes []string, stored string) {
	hashes := make([]string, RecoveryCodeCount)
	codes = make([]string, RecoveryCodeCount)
	for i := range codes {
		raw := randomString(recoveryAlphabet, 12)
		codes[i] = raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12]
		hashes[i] = hashCode(raw)
	}
	return codes, strings.Join(hashes, "\n")
}

// EnableMFA turns on TOTP for a person once they prove their app has the
// secret, and returns recovery codes to show them once. Enabling again
// replaces the secret and the recovery codes.
func EnableMFA(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, secret, code string) ([]string, error) {
	if !validSecret(secret) {
		return nil, fmt.Errorf("cannot enable MFA for person %d: malformed secret", personID)
	}
	a, err := loadAccount(ctx, tx, sc.OrgID, personID)
	if err != nil {
		return nil, fmt.Errorf("cannot enable MFA: %w", err)
	}
	step, ok := matchStep(secret, normaliseCode(code), time.Now(), 0)
	if !ok {
		return nil, ErrInvalidMFACode
	}
	codes, stored := newRecoveryCodes()
	// Storing the step of the enrolment code stops it being replayed to
	// pass the second factor straight afterwards.
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET mfa_secret = ?, mfa_enabled = TRUE, mfa_last_step = ?, recovery_codes = ?
		WHERE org_id = ? AND person_id = ?`, secret, step, stored, sc.OrgID, personID); err != nil {
		return nil, fmt.Errorf("cannot enable MFA for person %d: %w", personID, err)
	}
	err = trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		Before: map[string]any{"mfa_enabled": a.MFAEnabled},
		After:  map[string]any{"mfa_enabled": true, "recovery_codes": RecoveryCodeCount},
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces all recovery codes, for a person who has
// used or lost theirs.
func RegenerateRecoveryCodes(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64) ([]string, error) {
	a, err := loadAccount(ctx, tx, sc.OrgID, personID)
	if err != nil {
		return nil, fmt.Errorf("cannot renew recovery codes: %w", err)
	}
	if !a.MFAEnabled {
		return nil, fmt.Errorf("cannot renew recovery codes of person %d: MFA is not enabled", personID)
	}
	codes, stored := newRecoveryCodes()
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET recovery_codes = ? WHERE org_id = ? AND person_id = ?`,
		stored, sc.OrgID, personID); err != nil {
		return nil, fmt.Errorf("cannot renew recovery codes of person %d: %w", personID, err)
	}
	err = trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		Before: map[string]any{"recovery_codes": a.RecoveryCodesLeft},
		After:  map[string]any{"recovery_codes": RecoveryCodeCount},
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// CheckMFA accepts a current TOTP code not used before, or an unused
// recovery code, which it spends. Anything else is ErrInvalidMFACode. It
// does not throttle; the sign-in flow should call VerifyMFA instead.
func CheckMFA(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64, code string) error {
	a, err := loadAccount(ctx, tx, sc.OrgID, personID)
	if err != nil {
		return fmt.Errorf("cannot check MFA code: %w", err)
	}
	if !a.MFAEnabled || a.mfaSecret == "" {
		return ErrInvalidMFACode
	}
	code = normaliseCode(code)
	if len(code) == 6 {
		step, ok := matchStep(a.mfaSecret, code, time.Now(), a.mfaLastStep)
		if !ok {
			return ErrInvalidMFACode
		}
		// The guard on the stored step makes a concurrent replay of the
		// same code lose, whichever request commits first.
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET mfa_last_step = ? WHERE org_id = ? AND person_id = ? AND mfa_last_step < ?`,
			step, sc.OrgID, personID, step)
		if err != nil {
			return fmt.Errorf("cannot check MFA code of person %d: %w", personID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrInvalidMFACode
		}
		return nil
	}
	if len(code) != 12 {
		return ErrInvalidMFACode
	}
	want := hashCode(code)
	codes := splitCodes(a.recoveryCodes)
	idx := -1
	for i, h := range codes {
		if subtle.ConstantTimeCompare([]byte(h), []byte(want)) == 1 {
			idx = i
		}
	}
	if idx < 0 {
		return ErrInvalidMFACode
	}
	left := append(codes[:idx:idx], codes[idx+1:]...)
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET recovery_codes = ? WHERE org_id = ? AND person_id = ? AND recovery_codes = ?`,
		strings.Join(left, "\n"), sc.OrgID, personID, a.recoveryCodes)
	if err != nil {
		return fmt.Errorf("cannot spend recovery code of person %d: %w", personID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrInvalidMFACode
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		After: map[string]any{"recovery_code_used": true, "recovery_codes": len(left)},
	})
}

// VerifyMFA is CheckMFA with throttling, for the sign-in flow: wrong codes
// count against the person and the client address (sc.ClientAddr) and lock
// them out like wrong passwords, so six-digit codes cannot be guessed.
// Failures are committed even though the check itself is rolled back.
func VerifyMFA(ctx context.Context, d *db.DB, sc scope.Scope, personID int64, code string) error {
	keys := []string{mfaKey(personID), AddrKey(sc.ClientAddr)}
	until, locked, err := Locked(ctx, d, keys...)
	if err != nil {
		return fmt.Errorf("cannot check MFA code: %w", err)
	}
	if locked {
		return &LockedError{Until: db.Time(until)}
	}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		if err := CheckMFA(ctx, tx, sc, personID, code); err != nil {
			return err
		}
		return Clear(ctx, tx, keys[0])
	})
	if !errors.Is(err, ErrInvalidMFACode) {
		return err
	}
	ferr := d.Transact(ctx, func(tx *db.Tx) error {
		if err := RecordFailure(ctx, tx, keys...); err != nil {
			return err
		}
		return trail.Record(ctx, tx, sc, trail.Change{
			Action: trail.SignInFailed, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
			After: map[string]any{"mfa": true},
		})
	})
	if ferr != nil {
		return fmt.Errorf("cannot record failed MFA check: %w", ferr)
	}
	return ErrInvalidMFACode
}

// DisableMFA removes a person's second factor, for an administrator
// resetting a lost device. The person enrols again at next sign-in where
// their roles require MFA.
func DisableMFA(ctx context.Context, tx *db.Tx, sc scope.Scope, personID int64) error {
	a, err := loadAccount(ctx, tx, sc.OrgID, personID)
	if err != nil {
		return fmt.Errorf("cannot disable MFA: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET mfa_enabled = FALSE, mfa_secret = '', recovery_codes = ''
		WHERE org_id = ? AND person_id = ?`, sc.OrgID, personID); err != nil {
		return fmt.Errorf("cannot disable MFA for person %d: %w", personID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{
		Action: trail.Update, Entity: "account", EntityID: strconv.FormatInt(personID, 10),
		Before: map[string]any{"mfa_enabled": a.MFAEnabled},
		After:  map[string]any{"mfa_enabled": false},
	})
}
