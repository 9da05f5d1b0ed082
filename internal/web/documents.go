package web

// The policy documents (seed §5, §8, §9, §10): the basic policy, its
// standards (対策基準) and procedures (実施手順), emergency plans and other
// guidance, as pages. This file holds the list with its search and what
// the document pages share; documents_*.go hold one page each.
//
// Need-to-know is package policy's: every read goes through its functions,
// which answer db.ErrNotFound for a document the reader may not read, so a
// restricted document is a 404 here, never a 403 that would reveal it
// exists. No handler here queries a document table itself.

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// documentPageSize is how many documents one page of the list shows.
const documentPageSize = 50

// documentMaxQuery bounds a search's text.
const documentMaxQuery = 100

// documentListPage is 文書の一覧.
type documentListPage struct {
	Q        string
	Type     string
	Types    []documentTypeLink
	Rows     []documentRow
	Searched bool
	NextURL  string
	FirstURL string
	Later    bool // a page after the first
	// CanCreate offers a new document; Drafts marks a reader who sees
	// versions before publication (the 状態 column says more to them).
	CanCreate bool
	Drafts    bool
}

// documentTypeLink is one type as a tab narrowing the list.
type documentTypeLink struct {
	Type   string // "" for every type
	URL    string
	Active bool
}

// documentRow is one document of the list.
type documentRow struct {
	policy.Item
	Effective time.Time
}

// documentTypes are the types in display order, as strings for templates.
func documentTypes() []string {
	out := make([]string, len(policy.Types))
	for i, t := range policy.Types {
		out[i] = string(t)
	}
	return out
}

func validDocumentType(t string) bool {
	for _, x := range policy.Types {
		if string(x) == t {
			return true
		}
	}
	return false
}

func (s *Server) documentList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	q := r.URL.Query()
	page := documentListPage{Q: strings.TrimSpace(q.Get("q")), Type: q.Get("type")}
	if page.Type != "" && !validDocumentType(page.Type) {
		return &httpx.BadRequest{Key: "error.bad_request"}
	}
	if utf8.RuneCountInString(page.Q) > documentMaxQuery {
		page.Q = string([]rune(page.Q)[:documentMaxQuery])
	}
	perm := policy.PermissionsOf(id.Principal)
	page.CanCreate, page.Drafts = perm.Edit, perm.Drafts
	page.Searched = page.Q != ""
	cursor := q.Get("cursor")
	list, err := policy.ListDocuments(ctx, s.db, sc, id.Principal, policy.ListFilter{Q: page.Q, Type: policy.Type(page.Type),
		Cursor: cursor, Limit: documentPageSize})
	if ve, ok := validate.As(err); ok {
		return &httpx.BadRequest{Key: "error.invalid_cursor", Err: ve}
	}
	if err != nil {
		return err
	}
	base := url.Values{}
	if page.Q != "" {
		base.Set("q", page.Q)
	}
	for _, t := range append([]string{""}, documentTypes()...) {
		v := url.Values{}
		if page.Q != "" {
			v.Set("q", page.Q)
		}
		if t != "" {
			v.Set("type", t)
		}
		page.Types = append(page.Types, documentTypeLink{Type: t, URL: withQuery("/documents", v), Active: t == page.Type})
	}
	if page.Type != "" {
		base.Set("type", page.Type)
	}
	for _, it := range list.Items {
		page.Rows = append(page.Rows, documentRow{Item: it, Effective: assetDay(it.EffectiveDate)})
	}
	if list.NextCursor != "" {
		next := url.Values{}
		for k, v := range base {
			next[k] = v
		}
		next.Set("cursor", list.NextCursor)
		page.NextURL = withQuery("/documents", next)
	}
	if cursor != "" {
		page.Later = true
		page.FirstURL = withQuery("/documents", base)
	}
	return s.render(w, r, "documents", "documentweb.title", page)
}

// documentClause is one entry of a table of contents.
type documentClause struct {
	Ident   string
	Anchor  string // "c-" + Ident, as doctext.Render names the heading
	Number  string
	Heading string
	Depth   int
}

// documentTOC lists the clauses a table of contents shows: sections and
// their items, and the items under those that carry a heading. An item
// that is a sentence only is named by the start of its text.
func documentTOC(clauses []doctext.Clause) []documentClause {
	var out []documentClause
	for _, c := range clauses {
		if c.Depth > 2 && c.Heading == "" {
			continue
		}
		out = append(out, documentClause{Ident: c.Ident, Anchor: "c-" + c.Ident, Number: c.Number,
			Heading: clauseLabel(c), Depth: c.Depth})
	}
	return out
}

// clauseLabel is a clause's heading, or the start of its text.
func clauseLabel(c doctext.Clause) string {
	if c.Heading != "" {
		return c.Heading
	}
	return cutText(plainText(c.Text), 30)
}

// plainText strips the Markdown marks that would show as noise in a
// table of contents or a select.
func plainText(md string) string {
	r := strings.NewReplacer("**", "", "__", "", "`", "", "#", "", "\r", "", "\n", " ", "> ", "")
	return strings.Join(strings.Fields(r.Replace(md)), " ")
}

// cutText cuts a text to n characters with an ellipsis.
func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// documentIDs reads the document id (and, when the route has one, the
// version id) of a request; anything else is a 404.
func documentIDs(r *http.Request) (docID, versionID int64, err error) {
	if docID, err = mustID(r, "id"); err != nil {
		return 0, 0, err
	}
	if r.PathValue("vid") == "" {
		return docID, 0, nil
	}
	versionID, err = mustID(r, "vid")
	return docID, versionID, err
}

// documentDenied turns the policy package's refusal by the role table into
// the UI's, so the page is a 403 and the refusal lands in the trail.
func documentDenied(err error, perm authz.Action) error {
	if _, ok := policy.AsRefusal(err); ok {
		return err
	}
	if errors.Is(err, policy.ErrForbidden) {
		return deniedError{perm}
	}
	return err
}

// documentDateText shows a stored date ('YYYY-MM-DD') as the reader
// prefers it; documentWareki always as 和暦 (for Japanese), as an official
// document is dated.
func (s *Server) documentDateText(r *http.Request, v string) string {
	return s.assetDateText(r, v)
}

func documentWareki(lang, v string) string {
	t := assetDay(v)
	if t.IsZero() {
		return ""
	}
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return wareki.Format(t)
}

// documentTitle is a document's name as a page title: its number and title.
func documentTitle(d policy.Document) string {
	if d.Number != "" {
		return d.Number + "　" + d.Title
	}
	return d.Title
}

// documentBody renders a version's text; an empty body renders nothing.
func documentBody(v policy.Version) template.HTML {
	if strings.TrimSpace(v.Body) == "" {
		return ""
	}
	return doctext.Render(v.Body)
}

// bodyHasTitle reports whether a rendered text opens with its own title
// (a first-level heading), as the organisation's basic policy does: a
// page that shows the text as the document then leaves its own heading
// out rather than print the title twice.
func bodyHasTitle(body template.HTML) bool {
	return strings.HasPrefix(strings.TrimSpace(string(body)), "<h1")
}

// splitTitle parts a rendered text that opens with its own title after
// that title, so a table of contents can follow it; a text without one is
// all rest. The text is doctext.Render's sanitised HTML, whose first
// element is then the <h1>, so cutting after its end tag leaves both parts
// whole.
func splitTitle(body template.HTML) (title, rest template.HTML) {
	if !bodyHasTitle(body) {
		return "", body
	}
	s := string(body)
	i := strings.Index(s, "</h1>")
	if i < 0 {
		return "", body
	}
	i += len("</h1>")
	return template.HTML(s[:i]), template.HTML(s[i:])
}

// documentURL and versionURL are the pages of a document and a version.
func documentURL(docID int64) string { return fmt.Sprintf("/documents/%d", docID) }

func versionURL(docID, versionID int64) string {
	return fmt.Sprintf("/documents/%d/versions/%d", docID, versionID)
}

// documentStatusBadge is the badge class of a version's status.
func documentStatusBadge(st policy.Status) string {
	switch st {
	case policy.Published:
		return "badge-success"
	case policy.InReview, policy.Approved:
		return "badge-info"
	case policy.Draft:
		return "badge-warning"
	}
	return "badge-neutral"
}

// notFound is the error of a page about something the reader cannot see.
var notFound = fmt.Errorf("document: %w", db.ErrNotFound)

// Badge is the class of the row's status badge.
func (r documentRow) Badge() string { return documentStatusBadge(r.Status) }
