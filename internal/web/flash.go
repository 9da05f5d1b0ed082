package web

import (
	"encoding/base64"
	"net/http"
	"strings"
)

const flashCookie = "mamori_flash"

// setFlash keeps a notice for the next page, across a redirect.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, kind, key string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + key))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 60, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure || r.TLS != nil})
}

// takeFlash reads the notice; the cookie holds only a kind and a catalogue
// key, never user text, so it cannot carry markup.
func (s *Server) takeFlash(r *http.Request) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, key, ok := strings.Cut(string(b), ":")
	if !ok || (kind != "success" && kind != "error") {
		return nil
	}
	return &Flash{Kind: kind, Text: s.cat.T(s.lang(r), key)}
}

// redirect sends the browser on after a successful form, with a notice.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flashKey string) error {
	if flashKey != "" {
		s.setFlash(w, r, "success", flashKey)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
