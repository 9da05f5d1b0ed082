package web

import (
	"errors"
	"fmt"
	"net/http"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/validate"
)

// accountCreate gives a person a sign-in account with an initial password,
// typed by the administrator or generated. Either way the person must
// choose their own at first sign-in.
func (s *Server) accountCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	login := auth.NormaliseLogin(r.PostFormValue("login"))
	generate := r.PostFormValue("password_mode") != "manual"
	password := r.PostFormValue("password")
	p := validate.Errors{}
	if login == "" {
		p.Add("login", "error.required")
	}
	if !generate && password == "" {
		p.Add("password", "error.required")
	}
	exists := false
	err = p.Err()
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.ManageAccounts); err != nil {
				return err
			}
			if _, err := auth.GetAccount(ctx, tx, id.Org.ID, pid); err == nil {
				exists = true
				return nil
			} else if !errors.Is(err, db.ErrNotFound) {
				return err
			}
			if !generate {
				return accountInputError(auth.CreateAccount(ctx, tx, sc, pid, login, password, true))
			}
			// A generated password could, very rarely, contain a short
			// login; draw again rather than fail.
			for range 5 {
				password = auth.GeneratePassword()
				err := auth.CreateAccount(ctx, tx, sc, pid, login, password, true)
				var ie *auth.InputError
				if errors.As(err, &ie) && ie.Field == "password" {
					continue
				}
				return accountInputError(err)
			}
			return fmt.Errorf("cannot generate a usable password for person %d", pid)
		})
	}
	if err != nil {
		return s.personFormFailed(w, r, err, "")
	}
	if exists {
		return s.redirectError(w, r, fmt.Sprintf("/people/%d#account", pid), "person.account_exists")
	}
	if !generate {
		return s.redirect(w, r, fmt.Sprintf("/people/%d#account", pid), "person.account_created")
	}
	return s.showPassword(w, r, password, "person.account_created")
}

// accountResetPassword replaces a forgotten password with a generated one,
// shown once, and ends the person's sessions.
func (s *Server) accountResetPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	var password string
	noAccount := false
	err = s.transact(ctx, func(tx *db.Tx) error {
		if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.ManageAccounts); err != nil {
			return err
		}
		if _, err := auth.GetAccount(ctx, tx, id.Org.ID, pid); errors.Is(err, db.ErrNotFound) {
			noAccount = true
			return nil
		} else if err != nil {
			return err
		}
		for range 5 {
			password = auth.GeneratePassword()
			err := auth.SetPassword(ctx, tx, sc, pid, password, true)
			var ie *auth.InputError
			if errors.As(err, &ie) {
				continue
			}
			if err != nil {
				return err
			}
			return auth.RevokeSessionsOf(ctx, tx, id.Org.ID, pid)
		}
		return fmt.Errorf("cannot generate a usable password for person %d", pid)
	})
	if err != nil {
		return err
	}
	if noAccount {
		return s.redirectError(w, r, fmt.Sprintf("/people/%d#account", pid), "person.account_none")
	}
	return s.showPassword(w, r, password, "person.password_reset_done")
}

// accountResetMFA removes a lost second factor; the person enrols again at
// their next sign-in where their roles or the organisation require it.
func (s *Server) accountResetMFA(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	noAccount := false
	err = s.transact(ctx, func(tx *db.Tx) error {
		if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.ManageAccounts); err != nil {
			return err
		}
		if _, err := auth.GetAccount(ctx, tx, id.Org.ID, pid); errors.Is(err, db.ErrNotFound) {
			noAccount = true
			return nil
		} else if err != nil {
			return err
		}
		return auth.DisableMFA(ctx, tx, sc, pid)
	})
	if err != nil {
		return err
	}
	if noAccount {
		return s.redirectError(w, r, fmt.Sprintf("/people/%d#account", pid), "person.account_none")
	}
	return s.redirect(w, r, fmt.Sprintf("/people/%d#account", pid), "person.mfa_reset_done")
}

func (s *Server) personDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, false)
}

func (s *Server) personEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, true)
}

// setActive disables or enables a person. Disabling ends their sessions and
// API tokens in the same transaction (org.SetActive), so access stops at
// once. Nobody disables themself: an administrator could lock everyone out.
func (s *Server) setActive(w http.ResponseWriter, r *http.Request, active bool) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	to := fmt.Sprintf("/people/%d#account", pid)
	err = s.transact(ctx, func(tx *db.Tx) error {
		if _, _, err := personTarget(ctx, tx, sc, id.Principal, pid, authz.ManageAccounts); err != nil {
			return err
		}
		if !active && pid == id.Person.ID {
			return errSelf
		}
		_, err := org.SetActive(ctx, tx, sc, pid, active)
		return err
	})
	if errors.Is(err, errSelf) {
		return s.redirectError(w, r, to, "person.cannot_disable_self")
	}
	if err != nil {
		return err
	}
	if active {
		return s.redirect(w, r, to, "person.enabled")
	}
	return s.redirect(w, r, to, "person.disabled")
}

var errSelf = errors.New("cannot disable oneself")

// showPassword answers the request that set a generated password with the
// person page showing it, once: it is never stored readable, and the page
// is not cached.
func (s *Server) showPassword(w http.ResponseWriter, r *http.Request, password, flashKey string) error {
	page, err := s.personData(r, authz.ManageAccounts)
	if err != nil {
		return err
	}
	page.NewPassword = password
	p := s.newPage(r, "person.detail", page)
	p.Flash = &Flash{Kind: "success", Text: s.cat.T(p.Lang, flashKey)}
	return s.renderPage(w, r, http.StatusOK, "person", p)
}

// redirectError is redirect with an error notice: an action that was
// refused for a reason the person can act on.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, to, key string) error {
	s.setFlash(w, r, "error", key)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// accountInputError turns the auth package's input errors into field
// problems the form shows beside the field.
func accountInputError(err error) error {
	if err == nil {
		return nil
	}
	var ie *auth.InputError
	if errors.As(err, &ie) {
		key, args := ie.MsgKey, []any(nil)
		switch {
		case ie.Field == "login":
			// login.invalid is the sign-in page's "wrong login or
			// password"; here the rule itself needs explaining.
			key = "person.login_rule"
		case key == auth.KeyPasswordTooShort:
			args = []any{auth.MinPasswordRunes}
		case key == auth.KeyPasswordTooLong:
			args = []any{auth.MaxPasswordBytes}
		}
		return validate.Errors{ie.Field: {Key: key, Args: args}}
	}
	// The person was checked to have no account in the same transaction,
	// so a conflict is a login someone else holds.
	if errors.Is(err, db.ErrConflict) {
		return validate.Errors{"login": {Key: "person.login_taken"}}
	}
	return err
}
