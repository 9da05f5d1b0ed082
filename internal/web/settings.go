package web

import (
	"net/http"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
)

// settingsPage shows the organisation's settings; the form is open only to
// those who may change them.
type settingsPage struct {
	Org     org.Organisation
	CanEdit bool
}

func (s *Server) settingsData(r *http.Request) (settingsPage, error) {
	id := httpx.IdentityFrom(r.Context())
	o, err := org.Get(r.Context(), s.db, id.Org.ID)
	if err != nil {
		return settingsPage{}, err
	}
	return settingsPage{Org: o, CanEdit: authz.CanSome(id.Principal, authz.EditSettings)}, nil
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request) error {
	data, err := s.settingsData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "settings", "settings.title", data)
}

func (s *Server) settingsUpdate(w http.ResponseWriter, r *http.Request) error {
	id := httpx.IdentityFrom(r.Context())
	p := formProblems{}
	in := org.SettingsInput{
		Name:           r.PostFormValue("name"),
		NameEN:         r.PostFormValue("name_en"),
		MFARequiredAll: r.PostFormValue("mfa_required_all") == "on",
	}
	// An empty number is a problem of its own, not a silent zero.
	in.SessionIdleMinutes = int(p.int("session_idle_minutes", r.PostFormValue("session_idle_minutes"), 0))
	in.SessionAbsoluteHours = int(p.int("session_absolute_hours", r.PostFormValue("session_absolute_hours"), 0))
	err := p.merge(in.Validate)
	if err == nil {
		err = s.transact(r.Context(), func(tx *db.Tx) error {
			_, err := org.UpdateSettings(r.Context(), tx, httpx.Scope(r, id.Org.ID), in)
			return err
		})
	}
	if err != nil {
		data, derr := s.settingsData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "settings", "settings.title", data, err)
	}
	return s.redirect(w, r, "/settings", "settings.saved")
}
