package web

import (
	"net/http"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/validate"
)

// langCookie keeps a signed-out visitor's choice of display language.
const langCookie = "mamori_lang"

// setLanguage switches the display language. A signed-out visitor gets a
// cookie; a signed-in person's account preference changes as well, since
// it is what their pages follow.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		return validate.Errors{"lang": {Key: "error.invalid_choice"}}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
	if id := httpx.IdentityFrom(ctx); id != nil && id.Account.Locale != lang {
		dateStyle := id.Account.DateStyle
		if dateStyle == "" {
			dateStyle = auth.DateStyleWareki
		}
		err := s.transact(ctx, func(tx *db.Tx) error {
			return auth.SetPreferences(ctx, tx, httpx.Scope(r, id.Org.ID), id.Person.ID, lang, dateStyle)
		})
		if err != nil {
			return err
		}
	}
	http.Redirect(w, r, safeLocal(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}
