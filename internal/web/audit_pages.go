package web

// registerAuditRoutes registers the audit pages: plans, engagements,
// findings, reports, corrective actions and evidence files.
func (s *Server) registerAuditRoutes() {}
