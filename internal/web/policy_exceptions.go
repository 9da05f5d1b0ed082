package web

import (
	"net/http"

	"mamori/internal/db"
)

// Stubs until this file is written.
func (s *Server) exceptionList(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) exceptionNew(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) exceptionCreate(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) exceptionShow(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) exceptionDecide(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) exceptionWithdraw(w http.ResponseWriter, r *http.Request) error {
	return db.ErrNotFound
}
