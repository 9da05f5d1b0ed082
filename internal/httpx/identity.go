package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "mamori_session"

// LoadIdentity gathers what a request needs to know about a person. An
// inactive person has no identity, whatever session or token they hold.
func LoadIdentity(ctx context.Context, q db.Querier, orgID, personID int64) (*Identity, error) {
	o, err := org.Get(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	sc := scope.Scope{OrgID: orgID}
	p, err := org.GetPerson(ctx, q, sc, personID)
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, fmt.Errorf("person %d is disabled: %w", personID, ErrUnauthenticated)
	}
	a, err := auth.GetAccount(ctx, q, orgID, personID)
	if err != nil {
		return nil, err
	}
	pr, err := org.Principal(ctx, q, sc, personID)
	if err != nil {
		return nil, err
	}
	return &Identity{Org: o, Person: p, Account: a, Principal: pr}, nil
}

// SessionIdentity resolves the session cookie, or returns nil when there is
// no valid session. Idle timeouts come from the organisation's settings.
func SessionIdentity(ctx context.Context, d *db.DB, r *http.Request) (*Identity, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	// The idle limit is checked with the longest allowed value first and
	// then against the organisation's own setting below.
	s, err := auth.LookupSession(ctx, d, c.Value, 8*time.Hour)
	if errors.Is(err, auth.ErrNoSession) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	id, err := LoadIdentity(ctx, d, s.OrgID, s.PersonID)
	if errors.Is(err, ErrUnauthenticated) || errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	idle := time.Duration(id.Org.SessionIdleMinutes) * time.Minute
	if time.Since(db.Time(s.LastSeenAt)) > idle+time.Minute {
		_ = d.Transact(ctx, func(tx *db.Tx) error { return auth.DeleteSession(ctx, tx, c.Value) })
		return nil, nil
	}
	id.SessionCookie = c.Value
	id.Session = s
	return id, nil
}

// TokenIdentity resolves an "Authorization: Bearer" API token. It returns
// nil without a header and ErrUnauthenticated for a bad or revoked token.
func TokenIdentity(ctx context.Context, d *db.DB, r *http.Request) (*Identity, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return nil, ErrUnauthenticated
	}
	orgID, personID, tokenID, err := auth.LookupToken(ctx, d, strings.TrimSpace(token))
	if err != nil {
		if errors.Is(err, auth.ErrInvalidToken) {
			return nil, ErrUnauthenticated
		}
		return nil, err
	}
	id, err := LoadIdentity(ctx, d, orgID, personID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	id.TokenID = tokenID
	return id, nil
}

// RecordDenied writes a denied request to the trail in its own transaction:
// the refusal is itself an event worth keeping.
func RecordDenied(ctx context.Context, d *db.DB, sc scope.Scope, action authz.Action, r *http.Request) error {
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Denied, Entity: "request", EntityID: r.Method + " " + r.URL.Path,
			After: map[string]string{"permission": string(action)}})
	})
}
