package web

// Placeholders until the asset import and export pages land; replaced by
// asset_import.go and asset_export.go.

import "net/http"

func (s *Server) assetExport(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetImportForm(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetImportDryRun(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
func (s *Server) assetImportConfirm(w http.ResponseWriter, r *http.Request) error {
	return errAssetPagesNotBuilt
}
