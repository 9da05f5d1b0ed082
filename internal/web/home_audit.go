package web

import "net/http"

// auditTodos lists what audits and corrective actions await this person:
// evidence requests to answer, draft reports to respond to, actions due or
// overdue, actions to verify, reports to approve.
func (s *Server) auditTodos(r *http.Request) ([]todo, error) { return nil, nil }
