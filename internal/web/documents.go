package web

import (
	"net/http"

	"mamori/internal/db"
)

// Stubs until this file is written.
func (s *Server) documentList(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) documentNew(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) documentCreate(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) documentImport(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) documentShow(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) documentSettings(w http.ResponseWriter, r *http.Request) error {
	return db.ErrNotFound
}

func (s *Server) documentSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	return db.ErrNotFound
}

func (s *Server) documentCompare(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) documentExportMarkdown(w http.ResponseWriter, r *http.Request) error {
	return db.ErrNotFound
}

func (s *Server) versionNew(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionShow(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionEdit(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionUpdate(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionPrint(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionSubmit(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionComment(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionApprove(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionVote(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionSendBack(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }

func (s *Server) versionPublish(w http.ResponseWriter, r *http.Request) error { return db.ErrNotFound }
