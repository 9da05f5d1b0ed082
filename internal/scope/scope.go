// Package scope carries who is acting, for which organisation, and from
// where. Every domain query takes a Scope and filters by its OrgID, and every
// trail entry takes its actor and request details from it, so neither can be
// forgotten at a call site.
package scope

// Scope is the organisation a request works in and the person acting.
type Scope struct {
	OrgID      int64
	ActorID    int64  // person id; 0 for the system itself
	ActorName  string // kept in the trail as it was at the time
	RequestID  string
	ClientAddr string
}

// System returns a scope for work the program does by itself (first start,
// scheduled jobs, command-line administration).
func System(orgID int64, what string) Scope {
	return Scope{OrgID: orgID, ActorName: what}
}
