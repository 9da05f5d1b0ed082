// Package httpx owns what the HTML UI and the JSON API share at the HTTP
// edge: request ids, client addresses, security headers, the signed-in
// identity in the request context, recording denials, and the mapping of
// domain errors to HTTP statuses.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyIdentity
)

// Identity is the signed-in person behind a request.
type Identity struct {
	Org       org.Organisation
	Person    org.Person
	Account   auth.Account
	Principal authz.Principal
	// SessionCookie is set for browser sessions, TokenID for API tokens.
	SessionCookie string
	Session       auth.Session
	TokenID       int64
}

// WithIdentity stores the identity in the context.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, keyIdentity, id)
}

// IdentityFrom returns the signed-in identity, or nil.
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(keyIdentity).(*Identity)
	return id
}

// RequestID returns the request's id (set by the RequestID middleware).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// ClientAddr is the peer's IP address. mamori does not trust forwarding
// headers: behind a reverse proxy, every client shares the proxy's address
// for lockout purposes, which errs on the safe side.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Scope builds the organisation scope of a request; a request without an
// identity acts as the system in the given organisation.
func Scope(r *http.Request, orgID int64) scope.Scope {
	sc := scope.Scope{OrgID: orgID, RequestID: RequestID(r.Context()), ClientAddr: ClientAddr(r)}
	if id := IdentityFrom(r.Context()); id != nil {
		sc.OrgID = id.Org.ID
		sc.ActorID = id.Person.ID
		sc.ActorName = id.Person.Name
	}
	return sc
}

// RequestIDMiddleware gives every request an id, returned in X-Request-Id
// and written into logs and trail entries.
func RequestIDMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

// SecurityHeaders sets the headers every response carries. The CSP allows
// no inline script or style and nothing from another host.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// ErrForbidden is returned by handlers when the role table says no: the
// same error the domain packages return, so either maps to 403.
var ErrForbidden = authz.ErrForbidden

// ErrUnauthenticated is returned when a request needs a signed-in person.
var ErrUnauthenticated = errors.New("unauthenticated")

// BadRequest is a request that could not be read at all (malformed JSON,
// an unknown field, a body too large): distinct from field validation.
type BadRequest struct {
	Key  string
	Args []any
	Err  error
}

func (e *BadRequest) Error() string {
	if e.Err != nil {
		return "bad request: " + e.Key + ": " + e.Err.Error()
	}
	return "bad request: " + e.Key
}
func (e *BadRequest) Unwrap() error { return e.Err }

// Status maps an error to an HTTP status and a stable code.
func Status(err error) (int, string) {
	var br *BadRequest
	var tooLarge *http.MaxBytesError
	_, invalid := validate.As(err)
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case invalid:
		return http.StatusBadRequest, "invalid_input"
	case errors.As(err, &br):
		return http.StatusBadRequest, "bad_request"
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, db.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, org.ErrInUse), errors.Is(err, db.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, auth.ErrLocked):
		return http.StatusTooManyRequests, "locked"
	}
	return http.StatusInternalServerError, "internal"
}

// MessageKey is the catalogue key that explains an error to a user.
func MessageKey(code string) string {
	switch code {
	case "invalid_input":
		return "error.invalid_input"
	case "bad_request", "too_large":
		return "error.bad_request"
	case "unauthenticated":
		return "error.unauthenticated"
	case "forbidden":
		return "error.forbidden"
	case "not_found":
		return "error.not_found"
	case "conflict":
		return "error.conflict"
	case "locked":
		return "error.locked"
	}
	return "error.internal"
}
