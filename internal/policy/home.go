package policy

import (
	"context"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
)

// Home is what awaits one person in this package, for their home page:
// versions to acknowledge, reviews due, their exceptions and those to
// decide, and for trackers how many in their reach have not acknowledged.
type Home struct {
	Acknowledge []PendingAck
	Reviews     []ReviewDue
	Exceptions  ExceptionsDue
	// Tracked is set for holders of document.track_acks: the versions in
	// effect with people in their reach yet to acknowledge them, and how
	// many people that is in all.
	Tracked       bool
	TrackVersions int
	TrackPending  int
}

// HomeFor gathers Home for the principal.
func HomeFor(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) (Home, error) {
	var h Home
	var err error
	if h.Acknowledge, err = PendingAcknowledgements(ctx, q, sc, p); err != nil {
		return h, err
	}
	if h.Reviews, err = ReviewsDue(ctx, q, sc, p); err != nil {
		return h, err
	}
	if h.Exceptions, err = DueExceptions(ctx, q, sc, p); err != nil {
		return h, err
	}
	if authz.CanSome(p, authz.TrackAcknowledgements) {
		h.Tracked = true
		overview, err := AckOverview(ctx, q, sc, p)
		if err != nil {
			return h, err
		}
		for _, pr := range overview {
			if n := pr.Pending(); n > 0 {
				h.TrackVersions++
				h.TrackPending += n
			}
		}
	}
	return h, nil
}
