package web

// The public pages: the organisation's public documents in effect (its
// basic policy, seed §9), readable without signing in, for the
// organisation to link from its website. They show the organisation's
// name and the documents, and nothing else of the application but a small
// link to sign in (templates/public*.html redefine "layout").

import (
	"html/template"
	"net/http"

	"mamori/internal/org"
	"mamori/internal/policy"
)

// publicPage is the list of public documents.
type publicPage struct {
	OrgName string
	Items   []publicItem
}

// publicItem is one public document in effect.
type publicItem struct {
	policy.Item
	TypeKey   string
	Effective string
}

// publicDocumentPage is one public document.
type publicDocumentPage struct {
	OrgName   string
	Document  policy.Document
	Version   policy.Version
	TypeKey   string
	Body      template.HTML
	TOC       []documentClause
	Effective string
	// Titled: the text opens with its own title (bodyHasTitle); then
	// BodyTitle is that title and Body the rest, and the table of
	// contents goes between them.
	Titled    bool
	BodyTitle template.HTML
}

// publicOrg is the organisation whose documents /public shows. A
// deployment serves one organisation today, and /public has no sign-in to
// say which: it is the first organisation (org.First), the one created on
// first start. A deployment serving several bodies would name the
// organisation in the path (/public/{org}/…) instead.
func (s *Server) publicOrg(r *http.Request) (org.Organisation, error) {
	return org.First(r.Context(), s.db)
}

func (s *Server) publicIndex(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	items, err := policy.ListPublic(r.Context(), s.db, o.ID)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := publicPage{OrgName: o.Name}
	for _, it := range items {
		page.Items = append(page.Items, publicItem{Item: it, TypeKey: it.Type.Key(),
			Effective: documentWareki(lang, it.EffectiveDate)})
	}
	return s.renderTitled(w, r, "public", s.cat.T(lang, "documentweb.public_title_of", o.Name), page)
}

func (s *Server) publicDocument(w http.ResponseWriter, r *http.Request) error {
	docID, err := mustID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	d, v, err := policy.GetPublic(r.Context(), s.db, o.ID, docID)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := publicDocumentPage{OrgName: o.Name, Document: d, Version: v, TypeKey: d.Type.Key(),
		Body: documentBody(v), TOC: documentTOC(v.Clauses), Effective: documentWareki(lang, v.EffectiveDate)}
	page.BodyTitle, page.Body = splitTitle(page.Body)
	page.Titled = page.BodyTitle != ""
	return s.renderTitled(w, r, "public_document", documentTitle(d), page)
}
