package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"mamori/internal/authz"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/validate"
)

// apiError is a refusal this package words itself: a status, a stable code,
// a message key and, for input problems, the fields concerned.
type apiError struct {
	status int
	code   string
	key    string
	args   []any
	fields validate.Errors
	err    error
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d): %s", e.code, e.status, e.key)
	if len(e.fields) > 0 {
		b.WriteString(": ")
		b.WriteString(e.fields.Error())
	}
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	return b.String()
}

func (e *apiError) Unwrap() error { return e.err }

// badRequest is a request body or query that could not be read at all.
func badRequest(key string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "bad_request", key: key, args: args}
}

// badFields is a body whose named fields could not be read (an unknown
// field, a wrong type, invalid UTF-8); the message names them.
func badFields(fields validate.Errors) *apiError {
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	slices.Sort(names)
	return &apiError{status: http.StatusBadRequest, code: "bad_request", key: "api.bad_fields",
		args: []any{strings.Join(names, ", ")}, fields: fields}
}

// invalidQuery is a query parameter that breaks its rule; it is answered
// like a body field that fails validation.
func invalidQuery(field, key string, args ...any) error {
	return validate.Errors{field: {Key: key, Args: args}}
}

var (
	errNoRoute          = &apiError{status: http.StatusNotFound, code: "not_found", key: "error.not_found"}
	errMethodNotAllowed = &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", key: "api.method_not_allowed"}
)

// deniedError is a refusal by the role table; fail records it in the trail.
type deniedError struct{ perm authz.Action }

func denied(perm authz.Action) error { return deniedError{perm} }

func (e deniedError) Error() string        { return "forbidden: " + string(e.perm) }
func (e deniedError) Is(target error) bool { return target == httpx.ErrForbidden }

// errorBody is the one shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	// Code is stable for scripts: bad_request, invalid_input,
	// unauthenticated, forbidden, not_found, method_not_allowed, conflict,
	// too_large, unsupported_media_type, internal.
	Code string `json:"code"`
	// Message explains the error in the language of Accept-Language.
	Message string `json:"message"`
	// Fields maps a field (or query parameter) to its problem.
	Fields map[string]fieldProblem `json:"fields,omitempty"`
}

type fieldProblem struct {
	Code    string `json:"code"` // a message key, e.g. error.required
	Message string `json:"message"`
}

// fail writes err as the JSON error body. Internal details never reach the
// client: a 500 says only that something failed and under which request
// id, and the error itself is logged once with that id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	rid := httpx.RequestID(ctx)
	var (
		status int
		code   string
		key    string
		args   []any
		fields validate.Errors
		ae     *apiError
	)
	switch {
	case errors.As(err, &ae):
		status, code, key, args, fields = ae.status, ae.code, ae.key, ae.args, ae.fields
	default:
		status, code = httpx.Status(err)
		key = httpx.MessageKey(code)
		if code == "unauthenticated" {
			key = "api.unauthenticated"
		}
		fields, _ = validate.As(err)
	}
	if status == http.StatusForbidden {
		s.recordDenied(r, err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mamori"`)
	}
	if status >= 500 {
		s.log.Error("api request failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err)
		code, key, args, fields = "internal", "error.internal", []any{rid}, nil
	} else {
		s.log.Debug("api request refused", "request_id", rid, "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	lang := s.lang(r)
	body := errorBody{Error: errorDetail{Code: code, Message: s.text(lang, key, args...)}}
	if len(fields) > 0 {
		body.Error.Fields = make(map[string]fieldProblem, len(fields))
		for f, p := range fields {
			body.Error.Fields[f] = fieldProblem{Code: p.Key, Message: s.text(lang, p.Key, p.Args...)}
		}
	}
	s.writeJSON(w, r, status, body)
}

// recordDenied keeps every refusal in the trail, as the UI does.
func (s *Server) recordDenied(r *http.Request, err error) {
	id := httpx.IdentityFrom(r.Context())
	if id == nil {
		return
	}
	var de deniedError
	errors.As(err, &de)
	// The path is the client's text: keep it valid and short in the trail.
	r2 := *r
	u := *r.URL
	u.Path = clip(strings.ToValidUTF8(u.Path, "\uFFFD"), 200)
	r2.URL = &u
	if rerr := httpx.RecordDenied(r.Context(), s.db, httpx.Scope(r, id.Org.ID), de.perm, &r2); rerr != nil {
		s.log.Error("cannot record denied request", "request_id", httpx.RequestID(r.Context()), "err", rerr)
	}
}

// lang is the language of messages: Accept-Language, Japanese by default.
func (s *Server) lang(r *http.Request) string {
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// writeJSON writes v with a status. Encoding happens before anything is
// written, so an encoding failure can still become a clean 500.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("cannot encode API response", "request_id", httpx.RequestID(r.Context()), "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if _, err := w.Write(append(b, '\n')); err != nil {
		s.log.Debug("cannot write API response", "request_id", httpx.RequestID(r.Context()), "err", err)
	}
}

// respond writes a successful response.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	s.writeJSON(w, r, status, v)
	return nil
}

// noContent answers a successful DELETE.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
