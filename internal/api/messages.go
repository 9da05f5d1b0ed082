package api

// text returns a message of the catalogue in lang.
func (s *Server) text(lang, key string, args ...any) string {
	return s.cat.T(lang, key, args...)
}
