package api

import (
	"net/http"

	"mamori/internal/authz"
)

// registerRoutes is the API's one route table. Each route names the
// permission it needs at all; handlers check the record itself (its
// department, or whether it is the caller's own) with authz.Can. The route
// test walks this table with every role, and the OpenAPI test checks that
// the document describes exactly these routes.
func (s *Server) registerRoutes() {
	const (
		get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	)
	s.add(Route{Method: get, Pattern: Prefix + "/openapi.json", Public: true, Handler: s.openAPI})

	s.handle(get, Prefix+"/me", "", s.me)

	s.handle(get, Prefix+"/departments", authz.ViewDepartments, s.departments)
	s.handle(post, Prefix+"/departments", authz.EditDepartments, s.departmentCreate)
	s.handle(get, Prefix+"/departments/{id}", authz.ViewDepartments, s.department)
	s.handle(patch, Prefix+"/departments/{id}", authz.EditDepartments, s.departmentUpdate)
	s.handle(del, Prefix+"/departments/{id}", authz.EditDepartments, s.departmentDelete)

	s.handle(get, Prefix+"/people", authz.ViewPeople, s.people)
	s.handle(post, Prefix+"/people", authz.EditPeople, s.personCreate)
	s.handle(get, Prefix+"/people/{id}", authz.ViewPeople, s.person)
	s.handle(patch, Prefix+"/people/{id}", authz.EditPeople, s.personUpdate)
	s.handle(post, Prefix+"/people/{id}/disable", authz.ManageAccounts, s.personDisable)
	s.handle(post, Prefix+"/people/{id}/enable", authz.ManageAccounts, s.personEnable)
	s.handle(get, Prefix+"/people/{id}/roles", authz.ViewPeople, s.personRoles)
	s.handle(post, Prefix+"/people/{id}/roles", authz.AssignRoles, s.roleAssign)
	s.handle(del, Prefix+"/people/{id}/roles/{assignment_id}", authz.AssignRoles, s.roleUnassign)

	s.handle(get, Prefix+"/roles", authz.ViewRoles, s.roles)

	// The information asset register; export and import are literal
	// paths, so they win over {id}.
	s.handle(get, Prefix+"/assets", authz.ViewAssets, s.assets)
	s.handle(post, Prefix+"/assets", authz.EditAssets, s.assetCreate)
	s.handle(get, Prefix+"/assets/export", authz.ExportAssets, s.assetExport)
	s.handle(post, Prefix+"/assets/import", authz.ImportAssets, s.assetImport)
	s.handle(get, Prefix+"/assets/{id}", authz.ViewAssets, s.assetGet)
	s.handle(patch, Prefix+"/assets/{id}", authz.EditAssets, s.assetUpdate)
	s.handle(del, Prefix+"/assets/{id}", authz.EditAssets, s.assetDelete)

	// Self-inspection and audit: inspection.go and audit.go.
	s.registerInspectionRoutes()
	s.registerAuditRoutes()

	s.registerDocumentRoutes()

	s.handle(get, Prefix+"/trail", authz.ViewTrail, s.trail)
	s.handle(get, Prefix+"/trail/head", authz.ViewTrail, s.trailHead)
}
