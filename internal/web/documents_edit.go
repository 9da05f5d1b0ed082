package web

// Writing a draft: its title, its text in Markdown and a summary of the
// change. プレビュー shows the text as it will read, with the clauses found
// in it, without saving; nothing runs in the browser for it. Two people
// editing the same draft are told when the other saved first, and keep
// what they typed.

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
)

// draftPage is the draft's form.
type draftPage struct {
	Document policy.Document
	Version  policy.Version
	// What the form shows: typed when it comes back, stored otherwise.
	Title         string
	Body          string
	ChangeSummary string
	LockVersion   int64

	Previewed bool
	Preview   template.HTML
	Clauses   []documentClause

	// Conflict is set when someone else saved the draft first: Theirs is
	// what is stored now, shown beside what this person typed.
	Conflict bool
	Theirs   string
	// Refusal is why the draft cannot be saved (it is no longer a draft).
	Refusal string
}

func (s *Server) versionEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	d, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	v, err := policy.GetVersion(ctx, s.db, sc, id.Principal, docID, vid)
	if err != nil {
		return err
	}
	if v.Status != policy.Draft {
		// Only a draft is written; the version's page says what it waits
		// for instead.
		page, err := s.versionPageData(r)
		if err != nil {
			return err
		}
		page.Refusal = s.cat.T(s.lang(r), "documentweb.not_draft")
		p := s.newPage(r, "", page)
		p.Title = s.versionTitle(r, d, v)
		return s.renderPage(w, r, http.StatusConflict, "document_version", p)
	}
	page := draftPage{Document: d, Version: v, Title: v.Title, Body: v.Body, ChangeSummary: v.ChangeSummary, LockVersion: v.LockVersion}
	return s.renderTitled(w, r, "document_edit", s.cat.T(s.lang(r), "documentweb.edit_title_of", s.versionTitle(r, d, v)), page)
}

func (s *Server) versionUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	d, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	v, err := policy.GetVersion(ctx, s.db, sc, id.Principal, docID, vid)
	if err != nil {
		return err
	}
	pr := formProblems{}
	in := policy.DraftInput{Title: r.PostFormValue("title"), Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		ChangeSummary: r.PostFormValue("change_summary")}
	in.LockVersion = pr.int("lock_version", r.PostFormValue("lock_version"), 0)
	page := draftPage{Document: d, Version: v, Title: in.Title, Body: in.Body, ChangeSummary: in.ChangeSummary, LockVersion: in.LockVersion}
	lang := s.lang(r)
	title := s.cat.T(lang, "documentweb.edit_title_of", s.versionTitle(r, d, v))

	if r.PostFormValue("preview") != "" {
		page.Previewed = true
		page.Preview = doctext.Render(in.Body)
		for _, c := range doctext.Parse(in.Body) {
			page.Clauses = append(page.Clauses, documentClause{Ident: c.Ident, Anchor: "c-" + c.Ident, Number: c.Number,
				Heading: clauseLabel(c), Depth: c.Depth})
		}
		return s.renderTitled(w, r, "document_edit", title, page)
	}

	err = pr.merge(func() error { return nil })
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			_, err := policy.UpdateDraft(ctx, tx, sc, id.Principal, docID, vid, in)
			return err
		})
	}
	if err == nil {
		return s.redirect(w, r, versionURL(docID, vid), "documentweb.saved")
	}
	p := s.newPage(r, "", nil)
	p.Title = title
	if ref, ok := policy.AsRefusal(err); ok {
		s.recordRefusal(r, sc, err)
		page.Refusal = s.cat.T(lang, ref.Key)
		p.Data = page
		p.Flash = &Flash{Kind: "error", Text: page.Refusal}
		return s.renderPage(w, r, documentRefusalStatus(ref), "document_edit", p)
	}
	if errors.Is(err, db.ErrConflict) {
		// Someone saved first. Keep what this person typed, show what is
		// stored now, and let the next save be a deliberate overwrite.
		now, gerr := policy.GetVersion(ctx, s.db, sc, id.Principal, docID, vid)
		if gerr != nil {
			return gerr
		}
		page.Conflict, page.Theirs, page.LockVersion = true, now.Body, now.LockVersion
		p.Data = page
		// The warning on the page says it, beside what was typed.
		p.Flash = nil
		return s.renderPage(w, r, http.StatusConflict, "document_edit", p)
	}
	errs, ok := s.fieldErrors(r, err)
	if !ok {
		return documentDenied(err, authz.EditDocuments)
	}
	p.Data = page
	p.Errors = errs
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(lang, "error.invalid_input")}
	return s.renderPage(w, r, http.StatusBadRequest, "document_edit", p)
}
