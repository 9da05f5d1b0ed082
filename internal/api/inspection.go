package api

// registerInspectionRoutes registers /api/v1/checklists and /api/v1/campaigns.
func (s *Server) registerInspectionRoutes() {}
