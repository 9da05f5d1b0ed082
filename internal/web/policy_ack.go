package web

import (
	"net/http"

	"mamori/internal/db"
)

// Stubs until this file is written.
func (s *Server) versionAcknowledge(w http.ResponseWriter, r *http.Request) error {
	return db.ErrNotFound
}

func (s *Server) ackProgress(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) ackExport(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) ackOverview(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }
