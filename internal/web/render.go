package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/wareki"
)

// Page is what every template receives. Data holds the page's own struct.
type Page struct {
	Title   string
	Lang    string
	OrgName string
	User    *PageUser
	Nav     []NavItem
	Flash   *Flash
	CSRF    string
	// Errors are field problems in the reader's language; Form is what the
	// user typed, shown again after a refused submission.
	Errors map[string]string
	Form   url.Values
	Data   any
}

// PageUser is the signed-in person as the layout shows them.
type PageUser struct {
	ID   int64
	Name string
}

// NavItem is one entry of the navigation.
type NavItem struct {
	Href   string
	Key    string
	Active bool
}

// Flash is a one-off notice after a redirect.
type Flash struct {
	Kind string // success, error
	Text string
}

// baseFuncs are placeholders replaced per request; they exist so the
// templates parse.
var baseFuncs = template.FuncMap{
	"t":        func(key string, args ...any) string { return key },
	"date":     func(v any) string { return "" },
	"datetime": func(v any) string { return "" },
	"can":      func(action string) bool { return false },
	"val": func(form url.Values, name string, fallback any) string {
		if form != nil {
			if v, ok := form[name]; ok && len(v) > 0 {
				return v[0]
			}
		}
		if fallback == nil {
			return ""
		}
		return fmt.Sprint(fallback)
	},
	"add":    func(a, b int) int { return a + b },
	"join":   strings.Join,
	"static": staticURL,
}

// parsePages parses layout.html with each other template file, so each
// page is its own set defining "content".
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("cannot list templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		files := []string{"templates/layout.html", n}
		partials, _ := fs.Glob(templateFiles, "templates/_*.html")
		files = append(files, partials...)
		t, err := template.New("layout.html").Funcs(baseFuncs).ParseFS(templateFiles, files...)
		if err != nil {
			return nil, fmt.Errorf("cannot parse template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// navigation lists the sections the person may open.
var navigation = []struct {
	Href string
	Key  string
	Perm authz.Action
}{
	{"/", "nav.home", ""},
	{"/assets", "nav.assets", authz.ViewAssets},
	{"/documents", "nav.documents", authz.ViewDocuments},
	{"/exceptions", "nav.exceptions", authz.ViewExceptions},
	{"/campaigns", "inspection.nav", authz.AnswerCampaigns},
	{"/checklists", "nav.checklists", authz.ViewChecklists},
	{"/audits", "nav.audits", authz.ViewAudits},
	{"/actions", "nav.actions", authz.ViewActions},
	{"/departments", "nav.departments", authz.ViewDepartments},
	{"/people", "nav.people", authz.ViewPeople},
	{"/roles", "nav.roles", authz.ViewRoles},
	{"/trail", "nav.trail", authz.ViewTrail},
	{"/settings", "nav.settings", authz.ViewSettings},
	{"/account", "nav.account", ""},
}

func (s *Server) newPage(r *http.Request, titleKey string, data any) *Page {
	lang := s.lang(r)
	p := &Page{Title: s.cat.T(lang, titleKey), Lang: lang, Data: data}
	if id := httpx.IdentityFrom(r.Context()); id != nil {
		p.OrgName = id.Org.Name
		p.User = &PageUser{ID: id.Person.ID, Name: id.Person.Name}
		p.CSRF = id.Session.CSRFToken
		if pendingStep(id) == "" {
			for _, n := range navigation {
				if n.Perm != "" && !authz.CanSome(id.Principal, n.Perm) {
					continue
				}
				active := r.URL.Path == n.Href || (n.Href != "/" && strings.HasPrefix(r.URL.Path, n.Href+"/"))
				p.Nav = append(p.Nav, NavItem{Href: n.Href, Key: n.Key, Active: active})
			}
		}
	}
	// The flash cookie is cleared by renderPage, which has the writer.
	p.Flash = s.takeFlash(r)
	return p
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name, titleKey string, data any) error {
	return s.renderPage(w, r, http.StatusOK, name, s.newPage(r, titleKey, data))
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, data any) {
	if err := s.renderPage(w, r, status, name, s.newPage(r, titleKey, data)); err != nil {
		s.log.Error("cannot render error page", "request_id", httpx.RequestID(r.Context()), "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// renderForm shows a page again after a refused submission, with the
// field errors and what the user typed.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, name, titleKey string, data any, err error) error {
	fe, ok := s.fieldErrors(r, err)
	if !ok {
		return err
	}
	p := s.newPage(r, titleKey, data)
	p.Errors = fe
	p.Form = r.PostForm
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "error.invalid_input")}
	return s.renderPage(w, r, http.StatusBadRequest, name, p)
}

// pageTemplate is a clone of one page's templates whose functions read
// the request being rendered from state. A clone serves one request at a
// time (they are pooled), so html/template escapes it once, on its first
// use, instead of a fresh clone being escaped for every request (a tenth
// of the server's CPU under load).
type pageTemplate struct {
	t     *template.Template
	state renderState
}

// renderState is what a page's functions need to know of its request.
type renderState struct {
	lang string
	iso  bool // the reader prefers ISO dates to 和暦
	id   *httpx.Identity
}

// pagePool keeps the clones of a parsed page.
func (s *Server) pagePool(base *template.Template) *sync.Pool {
	return &sync.Pool{New: func() any {
		t, err := base.Clone()
		if err != nil {
			return nil
		}
		pt := &pageTemplate{t: t}
		t.Funcs(template.FuncMap{
			"t":        func(key string, args ...any) string { return s.cat.T(pt.state.lang, key, args...) },
			"date":     func(v any) string { return formatDate(v, pt.state.iso, false, pt.state.lang) },
			"datetime": func(v any) string { return formatDate(v, pt.state.iso, true, pt.state.lang) },
			"can": func(action string) bool {
				return pt.state.id != nil && authz.CanSome(pt.state.id.Principal, authz.Action(action))
			},
		})
		return pt
	}}
}

// renderPage executes a page with functions bound to the reader's language
// and date preference, buffering so a template failure never sends half a
// page.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	pool, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	pt, ok := pool.Get().(*pageTemplate)
	if !ok {
		return fmt.Errorf("cannot clone template %s", name)
	}
	defer pool.Put(pt)
	id := httpx.IdentityFrom(r.Context())
	pt.state = renderState{lang: p.Lang, iso: id != nil && id.Account.DateStyle == "iso", id: id}
	defer func() { pt.state = renderState{} }()
	t := pt.t
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("cannot render %s: %w", name, err)
	}
	if p.Flash != nil {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure || r.TLS != nil})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

var jst = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*3600)
}()

// formatDate shows a stored time (microseconds or time.Time) in 和暦 or ISO,
// in Japan time; English readers get ISO.
func formatDate(v any, iso, withTime bool, lang string) string {
	var t time.Time
	switch x := v.(type) {
	case int64:
		if x == 0 {
			return ""
		}
		t = db.Time(x)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		t = x
	default:
		return fmt.Sprint(v)
	}
	t = t.In(jst)
	if iso || lang == "en" {
		if withTime {
			return t.Format("2006-01-02 15:04")
		}
		return t.Format("2006-01-02")
	}
	if withTime {
		return wareki.FormatDateTime(t)
	}
	return wareki.Format(t)
}
