package web

// Placeholders until the asset register pages land; replaced by assets.go etc.

import (
	"errors"
	"net/http"
)

var errAssetPagesNotBuilt = errors.New("not built yet")

func (s *Server) assetList(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetNew(w http.ResponseWriter, r *http.Request) error { return errAssetPagesNotBuilt }
func (s *Server) assetCreate(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetShow(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetEdit(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetUpdate(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetDelete(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetDispose(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetLink(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetUnlink(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetLabel(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) classificationSettings(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) classificationUpdate(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) classificationSwitch(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
