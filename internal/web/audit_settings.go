package web

// 監査の設定: the size limit of one evidence file
// (organisations.evidence_max_bytes), a decision of the CISO or 統括.

import (
	"net/http"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/httpx"
	"mamori/internal/validate"
)

// auditSettingsPage is the settings form.
type auditSettingsPage struct {
	MaxMB    string // the limit in MB, as the form shows it
	Current  string
	HardMax  int
	Scanning bool
}

func (s *Server) auditSettings(w http.ResponseWriter, r *http.Request) error {
	page, err := s.auditSettingsData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "audit_settings", "audit.settings.title", page)
}

func (s *Server) auditSettingsData(r *http.Request) (auditSettingsPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	n, err := evidence.MaxBytes(ctx, s.db, sc)
	if err != nil {
		return auditSettingsPage{}, err
	}
	mb := strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64)
	return auditSettingsPage{MaxMB: mb, Current: evidence.FormatSize(n), HardMax: evidence.HardMaxBytes >> 20,
		Scanning: evidence.ScannerFrom(ctx) != nil}, nil
}

func (s *Server) auditSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if !authz.GrantFor(id.Principal, authz.ManageAudits).All {
		return deniedError{authz.ManageAudits}
	}
	v := strings.TrimSpace(toHalfWidthDigits(r.PostFormValue("max_mb")))
	mb, perr := strconv.ParseFloat(v, 64)
	var err error
	switch {
	case v == "":
		err = validate.Errors{"max_mb": {Key: "error.required"}}
	case perr != nil || mb <= 0:
		err = validate.Errors{"max_mb": {Key: "error.invalid_number"}}
	default:
		err = s.transact(ctx, func(tx *db.Tx) error { return evidence.SetMaxBytes(ctx, tx, sc, int64(mb*(1<<20))) })
		err = renameField(err, "evidence_max_bytes", "max_mb")
	}
	if err != nil {
		page, derr := s.auditSettingsData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "audit_settings", "audit.settings.title", page, err)
	}
	return s.redirect(w, r, "/audits/settings", "audit.flash.settings_saved")
}
