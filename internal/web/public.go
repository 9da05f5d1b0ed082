package web

import (
	"net/http"

	"mamori/internal/db"
)

// Stubs until this file is written.
func (s *Server) publicIndex(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) publicDocument(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }
