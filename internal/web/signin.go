package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// signinPage is the sign-in form.
type signinPage struct {
	Next string // where to go after signing in; already checked safe
	// Message is a refusal shown above the form (wrong login or password,
	// lockout); it never says which of the two was wrong.
	Message string
	Lang    string // the page's language, for the language switch
	// Here is this page's address, for the language switch to come back to.
	Here string
}

// secureCookie says whether cookies must be marked Secure: when mamori is
// configured for HTTPS behind a proxy, or the request itself came over TLS.
func (s *Server) secureCookie(r *http.Request) bool { return s.secure || r.TLS != nil }

// newRandomToken is 32 random bytes, base64url: the pre-session token.
func newRandomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("web: no randomness: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// preSessionToken returns the visitor's pre-session token, making one when
// there is none, and (re)sends the cookie. Reusing a well-formed existing
// token keeps a second open sign-in tab working.
func (s *Server) preSessionToken(w http.ResponseWriter, r *http.Request) string {
	token := ""
	if c, err := r.Cookie(preSessionCookie); err == nil && validToken(c.Value) {
		token = c.Value
	} else {
		token = newRandomToken()
	}
	http.SetCookie(w, &http.Cookie{Name: preSessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
	return token
}

// validToken reports whether v looks like one of our 32-byte tokens.
func validToken(v string) bool {
	if len(v) != base64.RawURLEncoding.EncodedLen(32) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

// setSessionCookie sends the session cookie, living as long as the
// session's absolute limit (the server enforces both limits anyway).
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, expiresAt int64) {
	maxAge := int(time.Until(db.Time(expiresAt)).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
}

// safeLocal returns target when it is a path on this site, and "/"
// otherwise, so a crafted link cannot send a person elsewhere
// ("//evil.example", "/\\evil.example", "https://…" are refused).
func safeLocal(target string) string {
	if target == "" || len(target) > 2000 || target[0] != '/' {
		return "/"
	}
	if len(target) > 1 && (target[1] == '/' || target[1] == '\\') {
		return "/"
	}
	for _, c := range target {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return target
}

// safeNext is safeLocal for where to go after signing in; it never leads
// back into the sign-in steps themselves.
func safeNext(target string) string {
	target = safeLocal(target)
	path, _, _ := strings.Cut(target, "?")
	switch path {
	case "/signin", "/signout", "/lang", "/mfa", "/mfa/enrol", "/mfa/qr.png":
		return "/"
	}
	return target
}

// withNext appends ?next= to a path unless next is the home page.
func withNext(path, next string) string {
	if next == "" || next == "/" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}

// renderSignin shows the sign-in form with a fresh or reused pre-session
// token in it.
func (s *Server) renderSignin(w http.ResponseWriter, r *http.Request, status int, data signinPage, form url.Values, errs map[string]string) error {
	p := s.newPage(r, "signin.title", nil)
	data.Lang = p.Lang
	data.Here = withNext("/signin", data.Next)
	p.Data = data
	p.CSRF = s.preSessionToken(w, r)
	p.Form = form
	p.Errors = errs
	return s.renderPage(w, r, status, "signin", p)
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if id := httpx.IdentityFrom(r.Context()); id != nil {
		if step := pendingStep(id); step != "" {
			http.Redirect(w, r, withNext(step, next), http.StatusSeeOther)
			return nil
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.renderSignin(w, r, http.StatusOK, signinPage{Next: next}, nil, nil)
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := s.lang(r)
	login := r.PostFormValue("login")
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	// What the person typed as their login is shown again; the password never.
	form := url.Values{"login": {strings.TrimSpace(login)}}

	errs := map[string]string{}
	if strings.TrimSpace(login) == "" {
		errs["login"] = s.cat.T(lang, "error.required")
	}
	if password == "" {
		errs["password"] = s.cat.T(lang, "error.required")
	}
	if len(errs) > 0 {
		return s.renderSignin(w, r, http.StatusBadRequest, signinPage{Next: next}, form, errs)
	}

	acct, err := auth.Authenticate(ctx, s.db, login, password, httpx.ClientAddr(r), httpx.RequestID(ctx))
	var locked *auth.LockedError
	switch {
	case errors.As(err, &locked):
		msg := s.cat.T(lang, "signin.locked", clockTime(locked.Until, lang))
		return s.renderSignin(w, r, http.StatusTooManyRequests, signinPage{Next: next, Message: msg}, form, nil)
	case errors.Is(err, auth.ErrInvalidCredentials):
		msg := s.cat.T(lang, "signin.failed")
		return s.renderSignin(w, r, http.StatusBadRequest, signinPage{Next: next, Message: msg}, form, nil)
	case err != nil:
		return err
	}

	o, err := org.Get(ctx, s.db, acct.OrgID)
	if err != nil {
		return err
	}
	hours := o.SessionAbsoluteHours
	if hours <= 0 {
		hours = 12
	}
	mfaPassed := !acct.MFAEnabled
	var cookie string
	var sess auth.Session
	err = s.transact(ctx, func(tx *db.Tx) error {
		// A new session id at every sign-in: whatever id the browser held
		// before (perhaps planted by someone else) is ended, never upgraded.
		if c, err := r.Cookie(httpx.SessionCookie); err == nil && c.Value != "" {
			if err := auth.DeleteSession(ctx, tx, c.Value); err != nil {
				return err
			}
		}
		var err error
		cookie, sess, err = auth.CreateSession(ctx, tx, acct.OrgID, acct.PersonID, mfaPassed,
			time.Duration(hours)*time.Hour, httpx.ClientAddr(r), r.UserAgent())
		if err != nil {
			return err
		}
		sc := scope.Scope{OrgID: acct.OrgID, ActorID: acct.PersonID, ActorName: acct.Name,
			RequestID: httpx.RequestID(ctx), ClientAddr: httpx.ClientAddr(r)}
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.SignIn, Entity: "session",
			EntityID: strconv.FormatInt(acct.PersonID, 10),
			After:    map[string]any{"login": acct.Login, "second_factor_pending": !mfaPassed}})
	})
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, cookie, sess.ExpiresAt)
	s.clearCookie(w, r, preSessionCookie)
	if acct.MFAEnabled {
		http.Redirect(w, r, withNext("/mfa", next), http.StatusSeeOther)
		return nil
	}
	// A pending MFA enrolment or password change is enforced by the route
	// guard wherever the person lands.
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	err := s.transact(ctx, func(tx *db.Tx) error {
		if err := auth.DeleteSession(ctx, tx, id.SessionCookie); err != nil {
			return err
		}
		return trail.Record(ctx, tx, httpx.Scope(r, id.Org.ID), trail.Change{Action: trail.SignOut, Entity: "session",
			EntityID: strconv.FormatInt(id.Person.ID, 10)})
	})
	if err != nil {
		return err
	}
	s.clearCookie(w, r, httpx.SessionCookie)
	return s.redirect(w, r, "/signin", "signin.signed_out")
}

// clockTime shows when a lockout ends, in Japan time: the time of day when
// it is today (locks last minutes), with the date otherwise.
func clockTime(t time.Time, lang string) string {
	t = t.In(jst)
	now := time.Now().In(jst)
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04")
	}
	return formatDate(t, false, true, lang)
}

// inputProblems turns an *auth.InputError into field errors renderForm
// understands, adding the numbers some messages need. field renames the
// auth package's field to the form's, when they differ.
func inputProblems(err error, field string) (validate.Errors, bool) {
	var ie *auth.InputError
	if !errors.As(err, &ie) {
		return nil, false
	}
	if field == "" {
		field = ie.Field
	}
	var args []any
	switch ie.MsgKey {
	case auth.KeyPasswordTooShort:
		args = []any{auth.MinPasswordRunes}
	case auth.KeyPasswordTooLong:
		args = []any{auth.MaxPasswordBytes}
	case "error.too_long":
		args = []any{auth.MaxTokenNameRunes}
	}
	return validate.Errors{field: {Key: ie.MsgKey, Args: args}}, true
}
