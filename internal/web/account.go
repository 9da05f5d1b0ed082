package web

import (
	"fmt"
	"net/http"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/httpx"
)

// accountPage is "マイアカウント": who the person is, their security
// settings, display preferences and API tokens.
type accountPage struct {
	Name              string
	Login             string
	Department        string
	Roles             []roleLine
	MFAEnabled        bool
	RecoveryCodesLeft int
	PasswordChangedAt int64
	Locale            string
	DateStyle         string
	Tokens            []auth.Token
	// NewToken is the plaintext of a token just issued: shown on this one
	// response and never again.
	NewToken     string
	NewTokenName string
	MaxTokenName int
}

func (s *Server) accountData(r *http.Request) (accountPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	a := id.Account
	data := accountPage{
		Name: id.Person.Name, Login: a.Login,
		MFAEnabled: a.MFAEnabled, RecoveryCodesLeft: a.RecoveryCodesLeft, PasswordChangedAt: a.PasswordChangedAt,
		Locale: a.Locale, DateStyle: a.DateStyle, MaxTokenName: auth.MaxTokenNameRunes,
	}
	if id.Person.DepartmentID != 0 {
		data.Department = s.departmentLabel(ctx, sc, id.Person.DepartmentID)
	}
	var err error
	if data.Roles, err = s.roleLines(ctx, sc, id, lang); err != nil {
		return data, err
	}
	if data.Tokens, err = auth.ListTokens(ctx, s.db, id.Org.ID, id.Person.ID); err != nil {
		return data, err
	}
	return data, nil
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	data, err := s.accountData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "account", "account.title", data)
}

func (s *Server) accountPreferences(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	locale := r.PostFormValue("locale")
	dateStyle := r.PostFormValue("date_style")
	err := s.transact(ctx, func(tx *db.Tx) error {
		return auth.SetPreferences(ctx, tx, httpx.Scope(r, id.Org.ID), id.Person.ID, locale, dateStyle)
	})
	if pe, ok := inputProblems(err, ""); ok {
		data, derr := s.accountData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "account", "account.title", data, pe)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "account.saved")
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	name := r.PostFormValue("name")
	var plaintext string
	err := s.transact(ctx, func(tx *db.Tx) error {
		var err error
		plaintext, _, err = auth.CreateToken(ctx, tx, httpx.Scope(r, id.Org.ID), id.Person.ID, name)
		return err
	})
	if pe, ok := inputProblems(err, "name"); ok {
		data, derr := s.accountData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "account", "account.title", data, pe)
	}
	if err != nil {
		return err
	}
	data, err := s.accountData(r)
	if err != nil {
		return err
	}
	data.NewToken = plaintext
	data.NewTokenName = name
	// Rendered, not redirected: the token exists in clear only in this
	// response, which is marked no-store.
	// The notice beside the token says it was issued; no flash repeats it.
	return s.render(w, r, "account", "account.title", data)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	tokenID, err := mustID(r, "id")
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *db.Tx) error {
		t, err := auth.GetToken(ctx, tx, id.Org.ID, tokenID)
		if err != nil {
			return err
		}
		// Someone else's token is, for this page, a token that does not
		// exist: the answer must not confirm it is there.
		if t.PersonID != id.Person.ID {
			return fmt.Errorf("token %d belongs to another person: %w", tokenID, db.ErrNotFound)
		}
		return auth.RevokeToken(ctx, tx, httpx.Scope(r, id.Org.ID), tokenID)
	})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "token.revoked_flash")
}
