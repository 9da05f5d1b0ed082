package web

import (
	"errors"
	"net/http"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/validate"
)

// passwordPage is the change-password form.
type passwordPage struct {
	Login      string
	MustChange bool // first sign-in or after an administrator's reset
	MinLength  int
}

// passwordGuard sends a person who still owes the second factor (or its
// enrolment) there first: a password alone must not be enough to replace
// the password.
func passwordGuard(w http.ResponseWriter, r *http.Request, id *httpx.Identity) bool {
	if step := pendingStep(id); step != "" && step != "/account/password" {
		http.Redirect(w, r, step, http.StatusSeeOther)
		return true
	}
	return false
}

func (s *Server) passwordData(id *httpx.Identity) passwordPage {
	return passwordPage{Login: id.Account.Login, MustChange: id.Account.MustChangePassword, MinLength: auth.MinPasswordRunes}
}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) error {
	id := httpx.IdentityFrom(r.Context())
	if passwordGuard(w, r, id) {
		return nil
	}
	return s.render(w, r, "password", "password.title", s.passwordData(id))
}

func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	if passwordGuard(w, r, id) {
		return nil
	}
	current := r.PostFormValue("current")
	newPW := r.PostFormValue("new")
	confirm := r.PostFormValue("confirm")
	data := s.passwordData(id)

	e := validate.Errors{}
	if current == "" {
		e.Add("current", "error.required")
	}
	if newPW == "" {
		e.Add("new", "error.required")
	} else if err := auth.CheckPassphrase(newPW, id.Account.Login, id.Person.Name); err != nil {
		pe, ok := inputProblems(err, "new")
		if !ok {
			return err
		}
		e.Add("new", pe["new"].Key, pe["new"].Args...)
	} else if newPW == current {
		e.Add("new", "password.same_as_current")
	}
	if confirm == "" {
		e.Add("confirm", "error.required")
	} else if newPW != "" && confirm != newPW {
		e.Add("confirm", "password.mismatch")
	}
	if current != "" {
		// Checking the current password goes through sign-in's checks, so
		// guesses from a borrowed session count towards the same lockout.
		_, err := auth.Authenticate(ctx, s.db, id.Account.Login, current, httpx.ClientAddr(r), httpx.RequestID(ctx))
		var locked *auth.LockedError
		switch {
		case errors.As(err, &locked):
			lang := s.lang(r)
			e.Add("current", "signin.locked", clockTime(locked.Until, lang))
		case errors.Is(err, auth.ErrInvalidCredentials):
			e.Add("current", "password.current_wrong")
		case err != nil:
			return err
		}
	}
	if len(e) > 0 {
		return s.passwordRefused(w, r, data, e)
	}

	err := s.transact(ctx, func(tx *db.Tx) error {
		if err := auth.SetPassword(ctx, tx, httpx.Scope(r, id.Org.ID), id.Person.ID, newPW, false); err != nil {
			return err
		}
		// Anyone else signed in as this person is signed out; this browser
		// stays signed in.
		return auth.RevokeOtherSessions(ctx, tx, id.Org.ID, id.Person.ID, id.SessionCookie)
	})
	if pe, ok := inputProblems(err, "new"); ok {
		return s.passwordRefused(w, r, data, pe)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/", "password.changed")
}

// passwordRefused shows the form again with its errors; the passwords are
// never written back into the page.
func (s *Server) passwordRefused(w http.ResponseWriter, r *http.Request, data passwordPage, e validate.Errors) error {
	r.PostForm.Del("current")
	r.PostForm.Del("new")
	r.PostForm.Del("confirm")
	return s.renderForm(w, r, "password", "password.title", data, e)
}
