package web_test

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/wareki"
)

// policyRouteCases are the route × role rows of the acknowledgement,
// review and exception pages (policy_ack.go, policy_exceptions.go).
//
// The acknowledgement rows work on a document in force made after every
// role's person exists, asking everyone: each role acknowledges it once
// (303). Trackers (the CISO, 統括, a 部局's officer and a 課室's manager)
// see the progress, its export and the overview. A review with an empty
// form is a 400 for those who record reviews. The exception rows work on
// a request by the fixture's target (in its 課室): those whose
// exception.view reaches it see it (the organisation-wide roles and the
// target's officer and manager), everyone else finds nothing; the CISO's
// empty decision is a 400; nobody but the requester may withdraw it, which
// is refused (403, in the trail) for those who see it.
var policyRouteCases = []routeCase{
	{"POST /documents/{id}/versions/{vid}/acknowledge", onAckDoc("/acknowledge"), everyone(http.StatusSeeOther)},
	{"GET /documents/{id}/versions/{vid}/acknowledgements", onAckDoc("/acknowledgements"), only(http.StatusOK, ackTrackers...)},
	{"GET /documents/{id}/versions/{vid}/acknowledgements.xlsx", onAckDoc("/acknowledgements.xlsx"), only(http.StatusOK, ackTrackers...)},
	{"GET /acknowledgements", fixed("/acknowledgements"), only(http.StatusOK, ackTrackers...)},
	{"POST /documents/{id}/reviews", onAckDocOnly("/reviews"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /exceptions", fixed("/exceptions"), everyone(http.StatusOK)},
	{"GET /exceptions/new", fixed("/exceptions/new"), everyone(http.StatusOK)},
	{"POST /exceptions", fixed("/exceptions"), everyone(http.StatusBadRequest)},
	{"GET /exceptions/{id}", onException(""), assetSeen(http.StatusOK, exceptionViewers...)},
	{"POST /exceptions/{id}/decide", onException("/decide"), only(http.StatusBadRequest, rCISO)},
	{"POST /exceptions/{id}/withdraw", onException("/withdraw"), assetSeen(http.StatusForbidden, exceptionViewers...)},
}

// ackTrackers hold document.track_acks.
var ackTrackers = []authz.Role{rCISO, rDirector, rOfficer, rManager}

// exceptionViewers see an exception of a worker of the fixture's 課室.
var exceptionViewers = []authz.Role{rCISO, rDirector, rOfficer, rManager, rAuditor}

// polRoute is what the policy rows work on, made once per environment.
type polRoute struct {
	doc       policy.Document
	version   policy.Version
	exception int64
}

var polRoutes sync.Map // *adminEnv → *polRoute

func polRouteFixture(e *adminEnv, f *routeFixture) *polRoute {
	if v, ok := polRoutes.Load(e); ok {
		return v.(*polRoute)
	}
	in := docInput(policy.Standard, "確認経路用の対策基準", standardText, policy.Staff)
	in.AckRequired = true
	d, v := e.publishedDoc(in, "2025-04-01")
	x := &polRoute{doc: d, version: v}
	x.exception = e.polException(f.target, d.ID, v.Clauses[0].Ident).ID
	polRoutes.Store(e, x)
	return x
}

func onAckDoc(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		x := polRouteFixture(e, f)
		return fmt.Sprintf("/documents/%d/versions/%d%s", x.doc.ID, x.version.ID, suffix)
	}
}

func onAckDocOnly(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		return fmt.Sprintf("/documents/%d%s", polRouteFixture(e, f).doc.ID, suffix)
	}
}

func onException(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		return fmt.Sprintf("/exceptions/%d%s", polRouteFixture(e, f).exception, suffix)
	}
}

// polPrincipal is a person's principal as stored.
func (e *adminEnv) polPrincipal(personID int64) authz.Principal {
	e.t.Helper()
	p, err := org.Principal(e.ctx, e.d, e.sc, personID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// polException has a person request an exception from a clause, from
// today for 20 days (so it ends within the 30 days "expiring" looks at).
func (e *adminEnv) polException(personID, docID int64, clause string) policy.Exception {
	e.t.Helper()
	p := e.polPrincipal(personID)
	sc := e.sc
	sc.ActorID = personID
	today := time.Now().In(wareki.Location)
	var x policy.Exception
	e.tx(func(tx *db.Tx) (err error) {
		x, err = policy.RequestException(e.ctx, tx, sc, p, policy.ExceptionInput{DocumentID: docID, Clause: clause,
			Reason: "旧システムのため対応できない。", Scope: "給与システム", Compensating: "手作業で確認する。",
			StartsOn: today.Format("2006-01-02"), EndsOn: today.AddDate(0, 0, 20).Format("2006-01-02")})
		return err
	})
	return x
}
