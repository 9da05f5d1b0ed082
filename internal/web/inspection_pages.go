package web

import "mamori/internal/authz"

// registerInspectionRoutes registers the self-inspection pages (自己点検,
// seed §6(9), §7): checklist templates (inspection_checklists.go,
// inspection_import.go), campaigns (inspection_campaigns.go), the answer
// form (inspection_answer.go), progress, results, reports and follow-up
// (inspection_results.go) and the dashboard (inspection_dashboard.go).
// Literal paths (new, import, template.xlsx) win over {id}.
func (s *Server) registerInspectionRoutes() {
	s.handle("GET /checklists", SignedIn, authz.ViewChecklists, s.checklistList)
	s.handle("GET /checklists/new", SignedIn, authz.EditChecklists, s.checklistNew)
	s.handle("POST /checklists", SignedIn, authz.EditChecklists, s.checklistCreate)
	s.handle("GET /checklists/template.xlsx", SignedIn, authz.ViewChecklists, s.checklistBlankTemplate)
	s.handle("GET /checklists/import", SignedIn, authz.EditChecklists, s.checklistImportForm)
	s.handle("POST /checklists/import", SignedIn, authz.EditChecklists, s.checklistImportDryRun)
	s.handle("POST /checklists/import/confirm/{upload}", SignedIn, authz.EditChecklists, s.checklistImportConfirm)
	s.handle("GET /checklists/{id}", SignedIn, authz.ViewChecklists, s.checklistShow)
	s.handle("POST /checklists/{id}", SignedIn, authz.EditChecklists, s.checklistUpdate)
	s.handle("GET /checklists/{id}/export.xlsx", SignedIn, authz.ViewChecklists, s.checklistExport)
	s.handle("POST /checklists/{id}/items", SignedIn, authz.EditChecklists, s.checklistItemAdd)
	s.handle("GET /checklists/{id}/items/{item}/edit", SignedIn, authz.EditChecklists, s.checklistItemEdit)
	s.handle("POST /checklists/{id}/items/{item}", SignedIn, authz.EditChecklists, s.checklistItemUpdate)
	s.handle("POST /checklists/{id}/items/{item}/delete", SignedIn, authz.EditChecklists, s.checklistItemDelete)
	s.handle("POST /checklists/{id}/activate", SignedIn, authz.EditChecklists, s.checklistActivate)
	s.handle("POST /checklists/{id}/new-version", SignedIn, authz.EditChecklists, s.checklistNewVersion)
	s.handle("POST /checklists/{id}/retire", SignedIn, authz.EditChecklists, s.checklistRetire)

	s.handle("GET /campaigns", SignedIn, authz.AnswerCampaigns, s.campaignList)
	s.handle("GET /campaigns/new", SignedIn, authz.ManageCampaigns, s.campaignNew)
	s.handle("POST /campaigns", SignedIn, authz.ManageCampaigns, s.campaignCreate)
	s.handle("GET /campaigns/{id}", SignedIn, authz.AnswerCampaigns, s.campaignShow)
	s.handle("POST /campaigns/{id}/open", SignedIn, authz.ManageCampaigns, s.campaignOpen)
	s.handle("POST /campaigns/{id}/close", SignedIn, authz.ManageCampaigns, s.campaignClose)
	s.handle("GET /campaigns/{id}/answer", SignedIn, authz.AnswerCampaigns, s.campaignAnswerForm)
	s.handle("POST /campaigns/{id}/answer", SignedIn, authz.AnswerCampaigns, s.campaignAnswer)
	s.handle("GET /campaigns/{id}/unfinished", SignedIn, authz.ViewCampaignResults, s.campaignUnfinished)
	s.handle("GET /campaigns/{id}/results", SignedIn, authz.ViewCampaignResults, s.campaignResults)
	s.handle("GET /campaigns/{id}/report.xlsx", SignedIn, authz.ViewCampaignResults, s.campaignReportXLSX)
	s.handle("GET /campaigns/{id}/print", SignedIn, authz.ViewCampaignResults, s.campaignPrint)
	s.handle("POST /campaigns/{id}/actions", SignedIn, authz.ManageCampaigns, s.campaignRaiseAction)
	s.handle("POST /campaigns/{id}/reviews", SignedIn, authz.ManageCampaigns, s.campaignRequestReview)

	s.handle("GET /inspection/dashboard", SignedIn, authz.ViewCampaignResults, s.inspectionDashboard)
}
