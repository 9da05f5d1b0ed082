// Package api owns the JSON API under /api/v1: a thin layer over the domain
// packages with the same permission checks as the UI.
//
// One route table (routes.go) names every route with the permission it
// needs; handlers return an error and one adapter (errors.go) turns it into
// the JSON error body. Rules and SQL live in the domain packages; this
// package reads requests, checks who may do what and writes responses.
package api

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/scope"
)

// Prefix is where the API lives; every pattern in the route table starts
// with it, so the handler can be mounted at "/api/" without stripping.
const Prefix = "/api/v1"

// Config is what the API needs.
type Config struct {
	DB      *db.DB
	Catalog *i18n.Catalog
	Logger  *slog.Logger
}

// Server serves the JSON API.
type Server struct {
	db      *db.DB
	cat     *i18n.Catalog
	log     *slog.Logger
	mux     *http.ServeMux
	routes  []Route
	openapi []byte // the OpenAPI document, built once
}

// HandlerFunc is an API handler; a returned error becomes the JSON error
// body, and nothing has been written to the response when it returns one.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one entry of the route table, kept so tests and the OpenAPI
// document can walk it.
type Route struct {
	Method  string // GET, POST, PATCH, DELETE
	Pattern string // a ServeMux path pattern, e.g. /api/v1/people/{id}
	// Permission is checked with authz.CanSome before the handler runs;
	// handlers check the record itself with authz.Can. Empty means any
	// authenticated caller.
	Permission authz.Action
	// Public routes need no token (the OpenAPI document only).
	Public  bool
	Handler HandlerFunc
}

// Key is the route as "METHOD pattern", the form ServeMux registers.
func (rt Route) Key() string { return rt.Method + " " + rt.Pattern }

// New builds the API with its route table.
func New(cfg Config) *Server {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{db: cfg.DB, cat: cfg.Catalog, log: logger, mux: http.NewServeMux()}
	s.registerRoutes()
	doc, err := s.buildOpenAPI()
	if err != nil {
		// The document is built from static data checked by tests; a
		// failure here is a build defect, not a runtime condition.
		panic(err)
	}
	s.openapi = doc
	return s
}

// Routes lists the route table.
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

func (s *Server) handle(method, pattern string, perm authz.Action, h HandlerFunc) {
	s.add(Route{Method: method, Pattern: pattern, Permission: perm, Handler: h})
}

func (s *Server) add(rt Route) {
	s.routes = append(s.routes, rt)
	s.mux.Handle(rt.Key(), s.wrap(rt))
}

// ServeHTTP answers every request under /api/ in JSON, including the ones
// that match no route: 405 with Allow when the path exists for another
// method, 404 otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Responses carry personal data and change with every write.
	w.Header().Set("Cache-Control", "no-store")
	if _, pattern := s.mux.Handler(r); pattern == "" {
		if allow := s.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.fail(w, r, errMethodNotAllowed)
			return
		}
		s.fail(w, r, errNoRoute)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// allowed lists the methods the request's path is served with.
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := s.mux.Handler(r2); p != "" {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}

// wrap authenticates the bearer token, checks the route's permission and
// runs the handler, turning its error into a JSON error.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.Public {
			id, err := httpx.TokenIdentity(r.Context(), s.db, r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if id == nil {
				s.fail(w, r, httpx.ErrUnauthenticated)
				return
			}
			r = r.WithContext(httpx.WithIdentity(r.Context(), id))
			if rt.Permission != "" && !authz.CanSome(id.Principal, rt.Permission) {
				s.fail(w, r, denied(rt.Permission))
				return
			}
		}
		if err := rt.Handler(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// identity is the authenticated caller; wrap guarantees one on every
// non-public route.
func identity(r *http.Request) *httpx.Identity {
	id := httpx.IdentityFrom(r.Context())
	if id == nil {
		panic("api: handler of a public route asked for the caller's identity")
	}
	return id
}

// scopeOf is the organisation scope of the caller's request.
func scopeOf(r *http.Request) (*httpx.Identity, scope.Scope) {
	id := identity(r)
	return id, httpx.Scope(r, id.Org.ID)
}
