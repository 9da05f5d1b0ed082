package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/httpx"
	"mamori/internal/validate"
)

// assetExport sends the register under the list's filters (the query
// parameters of assetfile.FilterParams) as XLSX or CSV, in the reader's
// language, with what they may not see masked. The export is recorded in
// the trail before the first byte goes out.
func (s *Server) assetExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	q := r.URL.Query()
	format := assetfile.Format(q.Get("format"))
	if format == "" {
		format = assetfile.XLSX
	}
	if !format.IsValid() {
		return validate.Errors{"format": {Key: "error.invalid_choice"}}
	}
	f, err := assetfile.FilterFromQuery(q)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	file, err := assetfile.Export(ctx, s.db, httpx.Scope(r, id.Org.ID), id.Principal, f, assetfile.ExportOptions{Format: format, Lang: lang})
	if errors.Is(err, asset.ErrForbidden) {
		return deniedError{authz.ExportAssets}
	}
	if err != nil {
		return err
	}
	defer file.Close()
	name, ascii := assetfile.FileName(format, lang, time.Now())
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", assetfile.ContentDisposition(name, ascii))
	h.Set("Content-Length", strconv.FormatInt(file.Size, 10))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := file.WriteTo(w); err != nil {
		// The status line has gone; the reader went away or the disk
		// failed. The log is all that can show it.
		s.log.Info("asset export not sent whole", "request_id", httpx.RequestID(ctx), "err", err)
	}
	return nil
}
