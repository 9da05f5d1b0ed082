package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// mfaPage is the second-factor challenge.
type mfaPage struct {
	Next string
	// Message is a refusal shown above the form (lockout).
	Message string
}

// mfaEnrolPage is the enrolment form, and after it the recovery codes.
type mfaEnrolPage struct {
	Required bool   // the person's role or the organisation demands MFA
	Secret   string // the setup key, in groups of four for typing
	Login    string
	Issuer   string
	Next     string
	// Recovery holds the codes right after enrolment: shown on this one
	// page and never again.
	Recovery []string
	// Continue is where the "continue" link goes after enrolment.
	Continue string
}

func (s *Server) mfaForm(w http.ResponseWriter, r *http.Request) error {
	id := httpx.IdentityFrom(r.Context())
	next := safeNext(r.URL.Query().Get("next"))
	if !id.Account.MFAEnabled || id.Session.MFAPassed {
		http.Redirect(w, r, afterStep(id, next), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, "mfa", "mfa.challenge.title", mfaPage{Next: next})
}

// afterStep is where to go once a sign-in step is done or not needed: the
// next pending step, or the page the person first asked for.
func afterStep(id *httpx.Identity, next string) string {
	switch step := pendingStep(id); step {
	case "":
		return next
	default:
		return withNext(step, next)
	}
}

func (s *Server) mfaCheck(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	next := safeNext(r.PostFormValue("next"))
	if !id.Account.MFAEnabled || id.Session.MFAPassed {
		http.Redirect(w, r, afterStep(id, next), http.StatusSeeOther)
		return nil
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		return s.renderForm(w, r, "mfa", "mfa.challenge.title", mfaPage{Next: next},
			validate.Errors{"code": {Key: "error.required"}})
	}
	sc := httpx.Scope(r, id.Org.ID)
	err := auth.VerifyMFA(ctx, s.db, sc, id.Person.ID, code)
	var locked *auth.LockedError
	switch {
	case errors.As(err, &locked):
		lang := s.lang(r)
		p := s.newPage(r, "mfa.challenge.title", mfaPage{Next: next, Message: s.cat.T(lang, "mfa.locked", clockTime(locked.Until, lang))})
		return s.renderPage(w, r, http.StatusTooManyRequests, "mfa", p)
	case errors.Is(err, auth.ErrInvalidMFACode):
		return s.renderForm(w, r, "mfa", "mfa.challenge.title", mfaPage{Next: next},
			validate.Errors{"code": {Key: "mfa.invalid_code"}})
	case err != nil:
		return err
	}
	method := "totp"
	if len(strings.Map(keepAlnum, code)) != 6 {
		method = "recovery_code"
	}
	var fresh string
	err = s.transact(ctx, func(tx *db.Tx) error {
		var err error
		// The session gets a new id now that it has more privilege.
		fresh, err = auth.MarkMFAPassed(ctx, tx, id.SessionCookie)
		if err != nil {
			return err
		}
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "session",
			EntityID: strconv.FormatInt(id.Person.ID, 10),
			After:    map[string]any{"second_factor_passed": true, "method": method}})
	})
	if errors.Is(err, auth.ErrNoSession) {
		return httpx.ErrUnauthenticated
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, fresh, id.Session.ExpiresAt)
	id.Session.MFAPassed = true
	http.Redirect(w, r, afterStep(id, next), http.StatusSeeOther)
	return nil
}

func keepAlnum(r rune) rune {
	if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
		return r
	}
	return -1
}

// enrolSecret is the TOTP secret offered to a person enrolling. It is
// derived, not stored: HMAC-SHA256 keyed by the session cookie value (256
// random bits that only the browser holds; storage keeps only its hash)
// over the person and organisation. The enrolment page, the QR code and the
// confirming POST therefore agree without the secret ever being kept on the
// server before it is enabled or travelling in a form field or URL, and no
// other session can reproduce it. Enrolling rotates the session id, so once
// enabled the secret can no longer be derived from any live cookie.
func enrolSecret(id *httpx.Identity) []byte {
	m := hmac.New(sha256.New, []byte(id.SessionCookie))
	fmt.Fprintf(m, "mamori mfa enrolment v1\x00%d\x00%d", id.Org.ID, id.Person.ID)
	return m.Sum(nil)[:20]
}

// enrolKey is the otpauth key for the derived secret, with the settings
// auth uses to check codes (30-second steps, six digits, SHA-1).
func enrolKey(id *httpx.Identity) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{
		Issuer: auth.MFAIssuer, AccountName: id.Account.Login, Period: 30,
		Secret: enrolSecret(id), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// groupSecret writes a base32 key in groups of four, easier to type.
func groupSecret(secret string) string {
	var b strings.Builder
	for i, c := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// enrolGuard redirects a person who has MFA already: to the challenge
// when it is still owed, otherwise to their account page. Replacing a
// working second factor is an administrator's reset, so a stolen session
// alone cannot swap it.
func (s *Server) enrolGuard(w http.ResponseWriter, r *http.Request, id *httpx.Identity) bool {
	if !id.Account.MFAEnabled {
		return false
	}
	if !id.Session.MFAPassed {
		http.Redirect(w, r, "/mfa", http.StatusSeeOther)
		return true
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return true
}

func (s *Server) enrolData(id *httpx.Identity, next string) (mfaEnrolPage, error) {
	key, err := enrolKey(id)
	if err != nil {
		return mfaEnrolPage{}, err
	}
	return mfaEnrolPage{
		Required: pendingStep(id) == "/mfa/enrol",
		Secret:   groupSecret(key.Secret()),
		Login:    id.Account.Login,
		Issuer:   auth.MFAIssuer,
		Next:     next,
	}, nil
}

func (s *Server) mfaEnrolForm(w http.ResponseWriter, r *http.Request) error {
	id := httpx.IdentityFrom(r.Context())
	if s.enrolGuard(w, r, id) {
		return nil
	}
	data, err := s.enrolData(id, safeNext(r.URL.Query().Get("next")))
	if err != nil {
		return err
	}
	return s.render(w, r, "mfa_enrol", "mfa.enrol.title", data)
}

func (s *Server) mfaEnrol(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	if s.enrolGuard(w, r, id) {
		return nil
	}
	next := safeNext(r.PostFormValue("next"))
	data, err := s.enrolData(id, next)
	if err != nil {
		return err
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		return s.renderForm(w, r, "mfa_enrol", "mfa.enrol.title", data, validate.Errors{"code": {Key: "error.required"}})
	}
	key, err := enrolKey(id)
	if err != nil {
		return err
	}
	var codes []string
	var fresh string
	err = s.transact(ctx, func(tx *db.Tx) error {
		var err error
		codes, err = auth.EnableMFA(ctx, tx, httpx.Scope(r, id.Org.ID), id.Person.ID, key.Secret(), code)
		if err != nil {
			return err
		}
		// Proving the code is passing the second factor for this session;
		// the new id also retires the cookie the secret was derived from.
		fresh, err = auth.MarkMFAPassed(ctx, tx, id.SessionCookie)
		return err
	})
	if errors.Is(err, auth.ErrInvalidMFACode) {
		return s.renderForm(w, r, "mfa_enrol", "mfa.enrol.title", data, validate.Errors{"code": {Key: "mfa.invalid_code"}})
	}
	if errors.Is(err, auth.ErrNoSession) {
		return httpx.ErrUnauthenticated
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, fresh, id.Session.ExpiresAt)
	id.Account.MFAEnabled = true
	id.Session.MFAPassed = true
	data.Recovery = codes
	data.Continue = afterStep(id, next)
	p := s.newPage(r, "mfa.recovery.title", data)
	p.Flash = &Flash{Kind: "success", Text: s.cat.T(p.Lang, "mfa.enrol.done")}
	return s.renderPage(w, r, http.StatusOK, "mfa_enrol", p)
}

func (s *Server) mfaQR(w http.ResponseWriter, r *http.Request) error {
	id := httpx.IdentityFrom(r.Context())
	if id.Account.MFAEnabled {
		return fmt.Errorf("MFA already enabled: %w", db.ErrNotFound)
	}
	key, err := enrolKey(id)
	if err != nil {
		return err
	}
	png, err := auth.MFAQRCodePNG(key.URL())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	_, err = w.Write(png)
	return err
}
