package web

import "mamori/internal/authz"

// registerRoutes is the UI's one route table. Each route names who may reach
// it; handlers check finer, per-record permissions themselves. The route
// test walks this table with every role.
func (s *Server) registerRoutes() {
	// Signing in and the steps that may follow it.
	s.handle("GET /signin", Public, "", s.signinForm)
	s.handle("POST /signin", Public, "", s.signin)
	s.handle("POST /lang", Public, "", s.setLanguage)
	s.handle("POST /signout", SignedInPending, "", s.signout)
	s.handle("GET /mfa", SignedInPending, "", s.mfaForm)
	s.handle("POST /mfa", SignedInPending, "", s.mfaCheck)
	s.handle("GET /mfa/enrol", SignedInPending, "", s.mfaEnrolForm)
	s.handle("POST /mfa/enrol", SignedInPending, "", s.mfaEnrol)
	s.handle("GET /mfa/qr.png", SignedInPending, "", s.mfaQR)
	s.handle("GET /account/password", SignedInPending, "", s.passwordForm)
	s.handle("POST /account/password", SignedInPending, "", s.passwordChange)

	// The person's own home and account.
	s.handle("GET /{$}", SignedIn, "", s.home)
	s.handle("GET /account", SignedIn, authz.OwnAccount, s.account)
	s.handle("POST /account/preferences", SignedIn, authz.OwnAccount, s.accountPreferences)
	s.handle("POST /account/tokens", SignedIn, authz.OwnAccount, s.tokenCreate)
	s.handle("POST /account/tokens/{id}/revoke", SignedIn, authz.OwnAccount, s.tokenRevoke)

	// Organisation structure.
	s.handle("GET /departments", SignedIn, authz.ViewDepartments, s.departments)
	s.handle("POST /departments", SignedIn, authz.EditDepartments, s.departmentCreate)
	s.handle("GET /departments/{id}", SignedIn, authz.EditDepartments, s.departmentEdit)
	s.handle("POST /departments/{id}", SignedIn, authz.EditDepartments, s.departmentUpdate)
	s.handle("POST /departments/{id}/delete", SignedIn, authz.EditDepartments, s.departmentDelete)

	s.handle("GET /people", SignedIn, authz.ViewPeople, s.people)
	s.handle("GET /people/new", SignedIn, authz.EditPeople, s.personNew)
	s.handle("POST /people", SignedIn, authz.EditPeople, s.personCreate)
	s.handle("GET /people/{id}", SignedIn, authz.ViewPeople, s.person)
	s.handle("POST /people/{id}", SignedIn, authz.EditPeople, s.personUpdate)
	s.handle("POST /people/{id}/roles", SignedIn, authz.AssignRoles, s.roleAssign)
	s.handle("POST /people/{id}/roles/{aid}/delete", SignedIn, authz.AssignRoles, s.roleUnassign)
	s.handle("POST /people/{id}/account", SignedIn, authz.ManageAccounts, s.accountCreate)
	s.handle("POST /people/{id}/password", SignedIn, authz.ManageAccounts, s.accountResetPassword)
	s.handle("POST /people/{id}/mfa-reset", SignedIn, authz.ManageAccounts, s.accountResetMFA)
	s.handle("POST /people/{id}/disable", SignedIn, authz.ManageAccounts, s.personDisable)
	s.handle("POST /people/{id}/enable", SignedIn, authz.ManageAccounts, s.personEnable)

	s.handle("GET /roles", SignedIn, authz.ViewRoles, s.roles)

	// Information asset register (seed §2(1), §4(2), §6(2), §6(3)).
	s.handle("GET /assets", SignedIn, authz.ViewAssets, s.assetList)
	s.handle("GET /assets/new", SignedIn, authz.EditAssets, s.assetNew)
	s.handle("POST /assets", SignedIn, authz.EditAssets, s.assetCreate)
	s.handle("GET /assets/{id}", SignedIn, authz.ViewAssets, s.assetShow)
	s.handle("GET /assets/{id}/edit", SignedIn, authz.EditAssets, s.assetEdit)
	s.handle("POST /assets/{id}", SignedIn, authz.EditAssets, s.assetUpdate)
	s.handle("POST /assets/{id}/delete", SignedIn, authz.EditAssets, s.assetDelete)
	s.handle("POST /assets/{id}/dispose", SignedIn, authz.EditAssets, s.assetDispose)
	s.handle("POST /assets/{id}/links", SignedIn, authz.EditAssets, s.assetLink)
	s.handle("POST /assets/{id}/links/{lid}/delete", SignedIn, authz.EditAssets, s.assetUnlink)
	s.handle("GET /assets/{id}/label", SignedIn, authz.ViewAssets, s.assetLabel)
	s.handle("GET /assets/export", SignedIn, authz.ExportAssets, s.assetExport)
	s.handle("GET /assets/import", SignedIn, authz.ImportAssets, s.assetImportForm)
	s.handle("POST /assets/import", SignedIn, authz.ImportAssets, s.assetImportDryRun)
	s.handle("POST /assets/import/{upload}/confirm", SignedIn, authz.ImportAssets, s.assetImportConfirm)
	s.handle("GET /settings/classification", SignedIn, authz.ViewAssets, s.classificationSettings)
	s.handle("POST /settings/classification", SignedIn, authz.ConfigureAssets, s.classificationUpdate)
	s.handle("POST /settings/classification/scheme", SignedIn, authz.ConfigureAssets, s.classificationSwitch)

	// Policy documents (seed §5, §8, §9, §10): documents_*.go.
	s.handle("GET /documents", SignedIn, authz.ViewDocuments, s.documentList)
	s.handle("GET /documents/new", SignedIn, authz.EditDocuments, s.documentNew)
	s.handle("POST /documents", SignedIn, authz.EditDocuments, s.documentCreate)
	s.handle("POST /documents/import", SignedIn, authz.EditDocuments, s.documentImport)
	s.handle("GET /documents/{id}", SignedIn, authz.ViewDocuments, s.documentShow)
	s.handle("GET /documents/{id}/settings", SignedIn, authz.EditDocuments, s.documentSettings)
	s.handle("POST /documents/{id}/settings", SignedIn, authz.EditDocuments, s.documentSettingsUpdate)
	s.handle("GET /documents/{id}/compare", SignedIn, authz.ViewDocuments, s.documentCompare)
	s.handle("GET /documents/{id}/export.md", SignedIn, authz.ViewDocuments, s.documentExportMarkdown)
	s.handle("POST /documents/{id}/versions", SignedIn, authz.EditDocuments, s.versionNew)
	s.handle("GET /documents/{id}/versions/{vid}", SignedIn, authz.ViewDocuments, s.versionShow)
	s.handle("GET /documents/{id}/versions/{vid}/edit", SignedIn, authz.EditDocuments, s.versionEdit)
	s.handle("POST /documents/{id}/versions/{vid}", SignedIn, authz.EditDocuments, s.versionUpdate)
	s.handle("GET /documents/{id}/versions/{vid}/print", SignedIn, authz.ViewDocuments, s.versionPrint)
	s.handle("POST /documents/{id}/versions/{vid}/submit", SignedIn, authz.EditDocuments, s.versionSubmit)
	s.handle("POST /documents/{id}/versions/{vid}/comments", SignedIn, authz.ReviewDocuments, s.versionComment)
	s.handle("POST /documents/{id}/versions/{vid}/approve", SignedIn, authz.ApproveDocuments, s.versionApprove)
	s.handle("POST /documents/{id}/versions/{vid}/vote", SignedIn, authz.VoteDocuments, s.versionVote)
	s.handle("POST /documents/{id}/versions/{vid}/send-back", SignedIn, authz.ApproveDocuments, s.versionSendBack)
	s.handle("POST /documents/{id}/versions/{vid}/publish", SignedIn, authz.PublishDocuments, s.versionPublish)

	// Acknowledgements, reviews and exceptions: policy_*.go.
	s.handle("POST /documents/{id}/versions/{vid}/acknowledge", SignedIn, authz.ViewDocuments, s.versionAcknowledge)
	s.handle("GET /documents/{id}/versions/{vid}/acknowledgements", SignedIn, authz.TrackAcknowledgements, s.ackProgress)
	s.handle("GET /documents/{id}/versions/{vid}/acknowledgements.xlsx", SignedIn, authz.TrackAcknowledgements, s.ackExport)
	s.handle("GET /acknowledgements", SignedIn, authz.TrackAcknowledgements, s.ackOverview)
	s.handle("POST /documents/{id}/reviews", SignedIn, authz.RecordReviews, s.reviewCreate)
	s.handle("GET /exceptions", SignedIn, authz.ViewExceptions, s.exceptionList)
	s.handle("GET /exceptions/new", SignedIn, authz.RequestExceptions, s.exceptionNew)
	s.handle("POST /exceptions", SignedIn, authz.RequestExceptions, s.exceptionCreate)
	s.handle("GET /exceptions/{id}", SignedIn, authz.ViewExceptions, s.exceptionShow)
	s.handle("POST /exceptions/{id}/decide", SignedIn, authz.DecideExceptions, s.exceptionDecide)
	s.handle("POST /exceptions/{id}/withdraw", SignedIn, authz.RequestExceptions, s.exceptionWithdraw)

	// Public pages: the published public documents, without signing in.
	s.handle("GET /public", Public, "", s.publicIndex)
	s.handle("GET /public/documents/{id}", Public, "", s.publicDocument)

	// Self-inspection and audit (seed §6(9), §7): their own tables of
	// routes, in inspection_pages.go and audit_pages.go.
	s.registerInspectionRoutes()
	s.registerAuditRoutes()

	// Administration.
	s.handle("GET /settings", SignedIn, authz.ViewSettings, s.settings)
	s.handle("POST /settings", SignedIn, authz.EditSettings, s.settingsUpdate)
	s.handle("GET /trail", SignedIn, authz.ViewTrail, s.trailList)
	s.handle("GET /trail/export.csv", SignedIn, authz.ExportTrail, s.trailExport)
}
