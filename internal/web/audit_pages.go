package web

import "mamori/internal/authz"

// registerAuditRoutes registers the audit pages: plans, engagements,
// findings, reports, corrective actions and evidence files. Each route
// names the permission needed at all; the handlers ask package audit,
// action or evidence about the record itself (an assigned auditor, the
// audited department, the action's owner, the file's owner).
func (s *Server) registerAuditRoutes() {
	// 監査: audit_list.go, audit_show.go, audit_report.go, audit_settings.go.
	s.handle("GET /audits", SignedIn, authz.ViewAudits, s.auditList)
	s.handle("POST /audit-plans", SignedIn, authz.ManageAudits, s.auditPlanCreate)
	s.handle("GET /audit-plans/{id}", SignedIn, authz.ViewAudits, s.auditPlanShow)
	s.handle("POST /audit-plans/{id}", SignedIn, authz.ManageAudits, s.auditPlanUpdate)
	s.handle("GET /audits/new", SignedIn, authz.ManageAudits, s.auditNew)
	s.handle("POST /audits", SignedIn, authz.ManageAudits, s.auditCreate)
	s.handle("GET /audits/settings", SignedIn, authz.ManageAudits, s.auditSettings)
	s.handle("POST /audits/settings", SignedIn, authz.ManageAudits, s.auditSettingsUpdate)
	s.handle("GET /audits/{id}", SignedIn, authz.ViewAudits, s.auditShow)
	s.handle("POST /audits/{id}", SignedIn, authz.ManageAudits, s.auditUpdate)
	s.handle("POST /audits/{id}/scope", SignedIn, authz.ManageAudits, s.auditScopeAdd)
	s.handle("POST /audits/{id}/scope/delete", SignedIn, authz.ManageAudits, s.auditScopeRemove)
	s.handle("POST /audits/{id}/auditors", SignedIn, authz.ManageAudits, s.auditAuditorAdd)
	s.handle("POST /audits/{id}/auditors/{pid}/delete", SignedIn, authz.ManageAudits, s.auditAuditorRemove)
	// Starting fieldwork is for the managers and the assigned auditors.
	s.handle("POST /audits/{id}/start", SignedIn, authz.ViewAudits, s.auditStart)
	s.handle("POST /audits/{id}/cancel", SignedIn, authz.ManageAudits, s.auditCancel)
	s.handle("POST /audits/{id}/items", SignedIn, authz.ConductAudits, s.auditItemAdd)
	s.handle("POST /audits/{id}/items/{iid}", SignedIn, authz.ConductAudits, s.auditItemResult)
	s.handle("POST /audits/{id}/requests", SignedIn, authz.ConductAudits, s.auditRequestAdd)
	s.handle("POST /audits/{id}/requests/{rid}/reply", SignedIn, authz.RespondAudits, s.auditRequestReply)
	s.handle("POST /audits/{id}/notes", SignedIn, authz.ConductAudits, s.auditNoteAdd)
	s.handle("POST /audits/{id}/findings", SignedIn, authz.ConductAudits, s.auditFindingAdd)
	// Opening a review is for the assigned auditors and the managers.
	s.handle("POST /audits/{id}/findings/{fid}/review", SignedIn, authz.ViewAudits, s.auditFindingReview)
	s.handle("POST /audits/{id}/report/draft", SignedIn, authz.ConductAudits, s.auditReportDraft)
	s.handle("POST /audits/{id}/report/response", SignedIn, authz.RespondAudits, s.auditReportResponse)
	s.handle("POST /audits/{id}/report/final", SignedIn, authz.ConductAudits, s.auditReportFinal)
	s.handle("POST /audits/{id}/report/approve", SignedIn, authz.ApproveAudits, s.auditReportApprove)
	s.handle("GET /audits/{id}/report/print", SignedIn, authz.ViewAudits, s.auditReportPrint)
	s.handle("GET /audits/{id}/report.xlsx", SignedIn, authz.ViewAudits, s.auditReportXLSX)

	// 是正処置: action_pages.go. Raising one from a finding is for the
	// auditors, the managers and the audited department (package action
	// decides); everyone sees their own.
	s.handle("GET /actions", SignedIn, authz.ViewActions, s.actionList)
	s.handle("POST /actions", SignedIn, authz.ViewActions, s.actionCreate)
	s.handle("GET /actions/{id}", SignedIn, authz.ViewActions, s.actionShow)
	s.handle("POST /actions/{id}/progress", SignedIn, authz.EditActions, s.actionProgress)
	s.handle("POST /actions/{id}/files", SignedIn, authz.EditActions, s.actionFileAdd)
	s.handle("POST /actions/{id}/verify", SignedIn, authz.VerifyActions, s.actionVerify)

	// 証跡ファイル: evidence_download.go. Who may download is the owning
	// package's decision.
	s.handle("GET /evidence/{id}", SignedIn, "", s.evidenceDownload)
}
