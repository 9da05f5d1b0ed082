package auth

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrInvalidCredentials is the one answer for an unknown login, a wrong
	// password and a disabled person, so a caller cannot tell them apart.
	ErrInvalidCredentials = errors.New("invalid login or password")
	// ErrLocked is matched by *LockedError with errors.Is.
	ErrLocked = errors.New("sign-in is temporarily locked after repeated failures")
	// ErrInvalidMFACode covers a wrong, reused or expired TOTP code, an
	// unknown or spent recovery code, and an account without MFA.
	ErrInvalidMFACode = errors.New("invalid authentication code")
	// ErrNoSession means the cookie names no live session.
	ErrNoSession = errors.New("no valid session")
	// ErrInvalidToken covers unknown, malformed and revoked API tokens and
	// tokens of people who are no longer active.
	ErrInvalidToken = errors.New("invalid API token")
)

// LockedError says until when sign-in is refused, so the caller can tell
// the person when to try again.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v until %s", ErrLocked, e.Until.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLocked) true without callers knowing the type.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// InputError is a rule broken by a value a person entered. Key is a message
// key the web UI and API translate; Field names the form field it belongs to.
type InputError struct {
	Field  string
	MsgKey string
}

func (e *InputError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.MsgKey) }

// Key returns the message key, e.g. "password.too_short".
func (e *InputError) Key() string { return e.MsgKey }

// FieldKey lets the validate package treat it as a field problem.
func (e *InputError) FieldKey() (field, key string) { return e.Field, e.MsgKey }
