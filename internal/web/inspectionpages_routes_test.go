package web_test

import (
	"fmt"
	"net/http"

	"mamori/internal/db"
	"mamori/internal/inspection"
)

// inspectionRouteCases are the route × role rows of the self-inspection
// pages (inspection_pages.go and the files it registers). Checklists are
// read by the CISO, 統括, department roles and auditors and edited by the
// CISO and 統括; campaigns are managed by the CISO and 統括, answered by
// everyone asked (here: every role holder), and their results read by the
// CISO, 統括, department roles, auditors and the committee. POSTs carry an
// empty form: a refused one is a 400, a step that needs nothing more is
// done (303).
var inspectionRouteCases = []routeCase{
	{"GET /checklists", fixed("/checklists"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor)},
	{"GET /checklists/new", fixed("/checklists/new"), only(http.StatusOK, rCISO, rDirector)},
	{"POST /checklists", fixed("/checklists"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /checklists/template.xlsx", fixed("/checklists/template.xlsx"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor)},
	{"GET /checklists/import", fixed("/checklists/import"), only(http.StatusOK, rCISO, rDirector)},
	{"POST /checklists/import", fixed("/checklists/import"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"POST /checklists/import/confirm/{upload}", fixed("/checklists/import/confirm/0123456789abcdef0123456789abcdef"), only(http.StatusNotFound, rCISO, rDirector)},
	{"GET /checklists/{id}", onInspChecklist(false, ""), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor)},
	{"POST /checklists/{id}", onInspChecklist(true, ""), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /checklists/{id}/export.xlsx", onInspChecklist(false, "/export.xlsx"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor)},
	{"POST /checklists/{id}/items", onInspChecklist(true, "/items"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /checklists/{id}/items/{item}/edit", func(e *adminEnv, f *routeFixture) string {
		x := e.inspFix(f)
		return fmt.Sprintf("/checklists/%d/items/%d/edit", x.draft.ID, x.draftItem)
	}, only(http.StatusOK, rCISO, rDirector)},
	{"POST /checklists/{id}/items/{item}", func(e *adminEnv, f *routeFixture) string {
		x := e.inspFix(f)
		return fmt.Sprintf("/checklists/%d/items/%d", x.draft.ID, x.draftItem)
	}, only(http.StatusBadRequest, rCISO, rDirector)},
	{"POST /checklists/{id}/items/{item}/delete", func(e *adminEnv, f *routeFixture) string {
		x := e.inspFix(f)
		var it inspection.Item
		e.tx(func(tx *db.Tx) (err error) {
			it, err = inspection.AddItem(e.ctx, tx, e.sc, e.inspDirector(), x.draft.ID, inspection.ItemInput{Question: "削除用の項目"})
			return err
		})
		return fmt.Sprintf("/checklists/%d/items/%d/delete", x.draft.ID, it.ID)
	}, only(http.StatusSeeOther, rCISO, rDirector)},
	{"POST /checklists/{id}/activate", func(e *adminEnv, _ *routeFixture) string {
		return fmt.Sprintf("/checklists/%d/activate", e.inspChecklist("使用開始用", true).ID)
	}, only(http.StatusSeeOther, rCISO, rDirector)},
	{"POST /checklists/{id}/new-version", onInspChecklist(false, "/new-version"), only(http.StatusSeeOther, rCISO, rDirector)},
	{"POST /checklists/{id}/retire", func(e *adminEnv, _ *routeFixture) string {
		return fmt.Sprintf("/checklists/%d/retire", e.inspChecklist("使用終了用", false).ID)
	}, only(http.StatusSeeOther, rCISO, rDirector)},

	{"GET /campaigns", fixed("/campaigns"), everyone(http.StatusOK)},
	{"GET /campaigns/new", fixed("/campaigns/new"), only(http.StatusOK, rCISO, rDirector)},
	{"POST /campaigns", fixed("/campaigns"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /campaigns/{id}", onInspCampaign(""), everyone(http.StatusOK)},
	{"POST /campaigns/{id}/open", func(e *adminEnv, f *routeFixture) string {
		return fmt.Sprintf("/campaigns/%d/open", e.inspCampaign("開始用", e.inspFix(f).active.ID, true, []int64{f.bureau}, nil).ID)
	}, only(http.StatusSeeOther, rCISO, rDirector)},
	{"POST /campaigns/{id}/close", func(e *adminEnv, f *routeFixture) string {
		return fmt.Sprintf("/campaigns/%d/close", e.inspCampaign("終了用", e.inspFix(f).active.ID, false, []int64{f.bureau}, nil).ID)
	}, only(http.StatusSeeOther, rCISO, rDirector)},
	{"GET /campaigns/{id}/answer", onInspCampaign("/answer"), everyone(http.StatusOK)},
	// An empty submission answers nothing and goes back to the form.
	{"POST /campaigns/{id}/answer", onInspCampaign("/answer"), everyone(http.StatusSeeOther)},
	{"GET /campaigns/{id}/unfinished", onInspCampaign("/unfinished"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /campaigns/{id}/results", onInspCampaign("/results"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /campaigns/{id}/report.xlsx", onInspCampaign("/report.xlsx"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /campaigns/{id}/print", onInspCampaign("/print"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	// Without an item the forms are refused with a notice on the results.
	{"POST /campaigns/{id}/actions", onInspCampaign("/actions"), only(http.StatusSeeOther, rCISO, rDirector)},
	{"POST /campaigns/{id}/reviews", onInspCampaign("/reviews"), only(http.StatusSeeOther, rCISO, rDirector)},

	{"GET /inspection/dashboard", fixed("/inspection/dashboard"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
}
