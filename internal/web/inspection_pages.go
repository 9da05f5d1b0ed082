package web

// registerInspectionRoutes registers the self-inspection pages: checklist
// templates, campaigns, answers and results.
func (s *Server) registerInspectionRoutes() {}
