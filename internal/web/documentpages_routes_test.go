package web_test

import (
	"net/http"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
)

// documentRouteCases are the route × role rows of the document pages
// (documents*.go; documentpages_env_test.go has the fixture). Every worker
// reads the documents for all staff; the CISO and the 統括 write and
// publish; reviewers (those two, a 部局's 情報セキュリティ責任者 and the
// committee) comment; only the CISO approves and sends back; committee
// members vote. A POST sends an empty form (only the form token): a form
// with missing fields is a 400, and a step the version's status does not
// allow a 409 with the reason. The committee does not approve in a new
// organisation (quorum 0), so a vote is refused (409).
var documentRouteCases = []routeCase{
	{"GET /documents", fixed("/documents"), everyone(http.StatusOK)},
	{"GET /documents/new", fixed("/documents/new"), only(http.StatusOK, docEditors...)},
	{"POST /documents", fixed("/documents"), only(http.StatusBadRequest, docEditors...)},
	{"POST /documents/import", fixed("/documents/import"), only(http.StatusBadRequest, docEditors...)},
	{"GET /documents/{id}", onDoc(""), everyone(http.StatusOK)},
	{"GET /documents/{id}/settings", onDoc("/settings"), only(http.StatusOK, docEditors...)},
	{"POST /documents/{id}/settings", onDoc("/settings"), only(http.StatusBadRequest, docEditors...)},
	{"GET /documents/{id}/compare", onDoc("/compare"), everyone(http.StatusOK)},
	{"GET /documents/{id}/export.md", onDoc("/export.md"), everyone(http.StatusOK)},
	{"POST /documents/{id}/versions", onFresh("published", "/versions"), only(http.StatusSeeOther, docEditors...)},
	{"GET /documents/{id}/versions/{vid}", onCurrent(""), everyone(http.StatusOK)},
	{"GET /documents/{id}/versions/{vid}/edit", onVersion(draftOf, "/edit"), only(http.StatusOK, docEditors...)},
	{"POST /documents/{id}/versions/{vid}", onVersion(draftOf, ""), only(http.StatusBadRequest, docEditors...)},
	{"GET /documents/{id}/versions/{vid}/print", onCurrent("/print"), everyone(http.StatusOK)},
	{"POST /documents/{id}/versions/{vid}/submit", onFresh("draft", "/submit"), only(http.StatusSeeOther, docEditors...)},
	{"POST /documents/{id}/versions/{vid}/comments", onVersion(reviewOf, "/comments"), only(http.StatusBadRequest, docReviewers...)},
	{"POST /documents/{id}/versions/{vid}/approve", onFresh("in_review", "/approve"), only(http.StatusSeeOther, rCISO)},
	{"POST /documents/{id}/versions/{vid}/vote", onVersion(reviewOf, "/vote"), only(http.StatusConflict, rCommitee)},
	{"POST /documents/{id}/versions/{vid}/send-back", onVersion(reviewOf, "/send-back"), only(http.StatusBadRequest, rCISO)},
	{"POST /documents/{id}/versions/{vid}/publish", onVersion(readyOf, "/publish"), only(http.StatusBadRequest, docEditors...)},
}

// The public pages need no sign-in: the basic policy and any other public
// document in force are there for anyone; nothing else is.
func TestDocumentPagesPublicRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		pub, _ := e.publishedDoc(docInput(policy.Guideline, "情報セキュリティの手引（公開）", standardText, policy.Public), "2016-04-01")
		staff, _ := e.publishedDoc(docInput(policy.Standard, "職員向けの対策基準", standardText, policy.Staff), "2024-04-01")
		draft, _ := e.newDoc(docInput(policy.Guideline, "公開予定の下書き", standardText, policy.Public))

		body := e.page("/public", nil, http.StatusOK)
		// First start put the organisation's basic policy in force.
		mustContain(t, "/public", body, e.org.Name, basicPolicyTitle, "情報セキュリティの手引（公開）", "/public/documents/"+itoa(pub.ID),
			e.ja("documentweb.in_force_from", "平成28年4月1日"))
		mustNotContain(t, "/public", body, "職員向けの対策基準", "公開予定の下書き", `class="site-nav"`, "/signout")

		body = e.page("/public/documents/"+itoa(pub.ID), nil, http.StatusOK)
		mustContain(t, "public document", body, "情報セキュリティの手引（公開）", `id="c-1"`, `id="c-2-(1)"`, "CISOを置く。",
			e.ja("documentweb.public_signin"))
		mustNotContain(t, "public document", body, `class="site-nav"`, "/signout", `name="csrf"`)

		for _, id := range []int64{staff.ID, draft.ID, 999999} {
			e.page("/public/documents/"+itoa(id), nil, http.StatusNotFound)
		}
		e.page("/public/documents/abc", nil, http.StatusNotFound)

		// A signed-in person sees the same public page, not the
		// application's frame.
		body = e.page("/public", e.admin, http.StatusOK)
		mustNotContain(t, "/public signed in", body, `class="site-nav"`, `href="/documents`)
	})
}
