// Package web owns the HTML user interface: one route table, one small
// handler per action, templates embedded and rendered in the reader's
// language. It is a thin layer: rules and SQL live in the domain packages.
package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/validate"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config is what the web UI needs.
type Config struct {
	DB            *db.DB
	Catalog       *i18n.Catalog
	Logger        *slog.Logger
	SecureCookies bool
}

// Server serves the HTML UI.
type Server struct {
	db     *db.DB
	cat    *i18n.Catalog
	log    *slog.Logger
	secure bool
	mux    *http.ServeMux
	pages  map[string]*sync.Pool // of *pageTemplate
	routes []Route
}

// Access says who may reach a route.
type Access int

const (
	// Public routes need no sign-in (sign-in itself, static files).
	Public Access = iota
	// SignedInPending routes serve a person who has signed in with a
	// password but still owes a second factor or a new password.
	SignedInPending
	// SignedIn routes need a complete sign-in; the route's permission, if
	// any, is then checked against the role table.
	SignedIn
)

// Route is one entry of the route table, kept so tests can walk it.
type Route struct {
	Pattern    string
	Access     Access
	Permission authz.Action // checked with authz.CanSome; finer checks in the handler
}

// handlerFunc is a page handler; a returned error becomes an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New builds the UI with its route table.
func New(cfg Config) *Server {
	s := &Server{db: cfg.DB, cat: cfg.Catalog, log: cfg.Logger, secure: cfg.SecureCookies, mux: http.NewServeMux()}
	pages, err := parsePages()
	if err != nil {
		// Templates are embedded and checked by tests; a failure here is a
		// build defect, not a runtime condition.
		panic(err)
	}
	s.pages = make(map[string]*sync.Pool, len(pages))
	for name, t := range pages {
		s.pages[name] = s.pagePool(t)
	}
	static, _ := fs.Sub(staticFiles, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	s.routes = append(s.routes, Route{Pattern: "GET /static/", Access: Public})
	s.registerRoutes()
	return s
}

// Routes lists the route table.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) handle(pattern string, access Access, perm authz.Action, h handlerFunc) {
	s.routes = append(s.routes, Route{Pattern: pattern, Access: access, Permission: perm})
	s.mux.Handle(pattern, s.wrap(access, perm, h))
}

// staticVersions holds a short content hash of each embedded static file.
// Pages link to /static/NAME?v=HASH, so a browser may keep a file for a
// year and still sees a new one the moment mamori is upgraded.
var staticVersions = func() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}()

// staticURL is the template function "static".
func staticURL(name string) string {
	return "/static/" + name + "?v=" + staticVersions[name]
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("v"); v != "" && v == staticVersions[strings.TrimPrefix(r.URL.Path, "/")] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		h.ServeHTTP(w, r)
	})
}

// wrap applies sign-in, second-factor, password-change, permission and
// cross-site request forgery checks before the handler, and turns its error
// into a page.
func (s *Server) wrap(access Access, perm authz.Action, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := httpx.SessionIdentity(ctx, s.db, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if id != nil {
			r = r.WithContext(httpx.WithIdentity(ctx, id))
		}
		if err := s.checkCSRF(r, id); err != nil {
			s.fail(w, r, err)
			return
		}
		if access != Public {
			if id == nil {
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.fail(w, r, httpx.ErrUnauthenticated)
				return
			}
			if access == SignedIn {
				if next := pendingStep(id); next != "" {
					http.Redirect(w, r, next, http.StatusSeeOther)
					return
				}
				if perm != "" && !authz.CanSome(id.Principal, perm) {
					s.deny(w, r, perm)
					return
				}
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// pendingStep says where a signed-in person must go before anything else:
// the second factor, MFA enrolment when their role or the organisation
// demands it, or a password change.
func pendingStep(id *httpx.Identity) string {
	switch {
	case id.Account.MFAEnabled && !id.Session.MFAPassed:
		return "/mfa"
	case !id.Account.MFAEnabled && (authz.MFARequired(id.Principal) || id.Org.MFARequiredAll):
		return "/mfa/enrol"
	case id.Account.MustChangePassword:
		return "/account/password"
	}
	return ""
}

// preSessionCookie carries the sign-in form's token before any session exists
// (double-submit), so a cross-site page cannot sign a browser in.
const preSessionCookie = "mamori_presession"

// maxRequestBody bounds every request body the UI reads.
const maxRequestBody = 51 << 20

// errCSRF is a state-changing request without the session's token.
var errCSRF = &httpx.BadRequest{Key: "error.csrf"}

// checkCSRF requires, on every state-changing request, a same-origin
// request and the form token: the session's token once signed in, or the
// pre-session cookie's token on the sign-in form.
func (s *Server) checkCSRF(r *http.Request, id *httpx.Identity) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return errCSRF
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return errCSRF
		}
	}
	// The largest upload (an asset register file) is 50 MiB; refuse more
	// before reading it, whatever the handler would say later.
	r.Body = http.MaxBytesReader(nil, r.Body, maxRequestBody)
	if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &httpx.BadRequest{Key: "assetfile.too_large", Args: []any{maxRequestBody>>20 - 1}, Err: err}
		}
		return &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	sent := r.PostFormValue("csrf")
	var want string
	if id != nil {
		want = id.Session.CSRFToken
	} else if c, err := r.Cookie(preSessionCookie); err == nil {
		want = c.Value
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// deniedError is a refusal by the role table; fail records it in the trail.
type deniedError struct{ perm authz.Action }

func (e deniedError) Error() string        { return "forbidden: " + string(e.perm) }
func (e deniedError) Is(target error) bool { return target == httpx.ErrForbidden }

// deny refuses a request for lack of a permission.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, perm authz.Action) {
	s.fail(w, r, deniedError{perm})
}

// fail shows an error page; internal details go to the log only, once,
// with the request id the page shows for support.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code := httpx.Status(err)
	if errors.Is(err, httpx.ErrForbidden) {
		// Every refusal is itself an event worth keeping in the trail.
		if id := httpx.IdentityFrom(r.Context()); id != nil {
			var de deniedError
			errors.As(err, &de)
			if rerr := httpx.RecordDenied(r.Context(), s.db, httpx.Scope(r, id.Org.ID), de.perm, r); rerr != nil {
				s.log.Error("cannot record denied request", "request_id", httpx.RequestID(r.Context()), "err", rerr)
			}
		}
	}
	if status == http.StatusUnauthorized && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	rid := httpx.RequestID(r.Context())
	if status >= 500 {
		s.log.Error("request failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.log.Info("request refused", "request_id", rid, "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	lang := s.lang(r)
	msg := s.cat.T(lang, httpx.MessageKey(code))
	if code == "internal" {
		msg = s.cat.T(lang, "error.internal", rid)
	}
	var br *httpx.BadRequest
	if errors.As(err, &br) {
		msg = s.cat.T(lang, br.Key, br.Args...)
	}
	s.renderStatus(w, r, status, "error", "error.title", errorPage{Status: status, Message: msg, RequestID: rid})
}

type errorPage struct {
	Status    int
	Message   string
	RequestID string
}

// lang is the reader's language: their account's choice when signed in,
// otherwise the browser's preference.
func (s *Server) lang(r *http.Request) string {
	if id := httpx.IdentityFrom(r.Context()); id != nil && id.Account.Locale != "" {
		return id.Account.Locale
	}
	if c, err := r.Cookie("mamori_lang"); err == nil && (c.Value == "ja" || c.Value == "en") {
		return c.Value
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// fieldErrors turns validation problems into texts in the reader's language.
func (s *Server) fieldErrors(r *http.Request, err error) (map[string]string, bool) {
	ve, ok := validate.As(err)
	if !ok {
		return nil, false
	}
	lang := s.lang(r)
	out := make(map[string]string, len(ve))
	for f, p := range ve {
		out[f] = s.cat.T(lang, p.Key, p.Args...)
	}
	return out, true
}

// transact runs fn in a transaction; a shorthand for handlers.
func (s *Server) transact(ctx context.Context, fn func(tx *db.Tx) error) error {
	return s.db.Transact(ctx, fn)
}

// mustID parses a path id; anything else is a 404, never a 500.
func mustID(r *http.Request, name string) (int64, error) {
	var id int64
	v := r.PathValue(name)
	if v == "" || len(v) > 19 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, fmt.Errorf("path %s=%q: %w", name, v, db.ErrNotFound)
	}
	_, err := fmt.Sscan(v, &id)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("path %s=%q: %w", name, v, db.ErrNotFound)
	}
	return id, nil
}
