package web

// A new document: its type, number, title and who may read it, with the
// text of its first draft typed in or taken from a file (.md, .txt or
// .docx, read by doctext.Convert). Either way the document starts as
// version 1, a draft, and goes on to its draft's page.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// documentImportMax bounds an uploaded document file. A policy document is
// tens of pages; a .docx of it is well under a megabyte.
const documentImportMax = 10 << 20

// documentNewPage is the new-document form.
type documentNewPage struct {
	Types        []string
	Visibilities []string
	Parents      []documentOption
	// Problems are the refused form's problems in the order of its
	// fields, for the summary at its top.
	Problems []documentProblem
}

// documentOption is a document as a choice in a select.
type documentOption struct {
	ID    int64
	Label string
}

// documentProblem is one line of an error summary.
type documentProblem struct {
	Field string
	Label string
	Text  string
}

// documentNewFields are the new form's fields in the order it asks them.
var documentNewFields = []string{"type", "number", "title", "visibility", "parent_id", "body", "change_summary", "file"}

func (s *Server) documentNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.documentNewData(r, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "document_new", "documentweb.new_title", page)
}

func (s *Server) documentNewData(r *http.Request, errs map[string]string) (documentNewPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	page := documentNewPage{Types: documentTypes()}
	for _, v := range policy.Visibilities {
		page.Visibilities = append(page.Visibilities, string(v))
	}
	var err error
	if page.Parents, err = s.documentOptions(ctx, sc, id.Principal, 0); err != nil {
		return page, err
	}
	page.Problems = s.documentProblems(r, documentNewFields, "documentweb.field.", errs)
	return page, nil
}

// documentProblems orders field problems for an error summary: the form's
// fields first, in their order, then any other problem.
func (s *Server) documentProblems(r *http.Request, fields []string, labelPrefix string, errs map[string]string) []documentProblem {
	lang := s.lang(r)
	var out []documentProblem
	for _, f := range fields {
		if text, ok := errs[f]; ok {
			out = append(out, documentProblem{Field: f, Label: s.cat.T(lang, labelPrefix+f), Text: text})
		}
	}
	var rest []string
	for f := range errs {
		if !slices.Contains(fields, f) {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	for _, f := range rest {
		out = append(out, documentProblem{Text: errs[f]})
	}
	return out
}

// documentOptions lists the documents the person may read, for a select
// (a parent, say), leaving out the one being edited.
func (s *Server) documentOptions(ctx context.Context, sc scope.Scope, p authz.Principal, except int64) ([]documentOption, error) {
	var out []documentOption
	cursor := ""
	for range 20 {
		page, err := policy.ListDocuments(ctx, s.db, sc, p, policy.ListFilter{Cursor: cursor, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if it.ID != except {
				out = append(out, documentOption{ID: it.ID, Label: documentTitle(it.Document)})
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return out, nil
}

// documentNewInput reads the new form's fields (all but the text).
func documentNewInput(r *http.Request, pr formProblems) policy.DocumentInput {
	in := policy.DocumentInput{
		Type:          r.PostFormValue("type"),
		Number:        r.PostFormValue("number"),
		Title:         r.PostFormValue("title"),
		Visibility:    r.PostFormValue("visibility"),
		ChangeSummary: r.PostFormValue("change_summary"),
		AckRequired:   true,
		ReviewMonths:  12,
	}
	in.ParentID = pr.id("parent_id", r.PostFormValue("parent_id"))
	if in.Type != "" && !validDocumentType(in.Type) {
		validate.Errors(pr).Add("type", "error.invalid_choice")
	}
	if in.Type == "" {
		validate.Errors(pr).Add("type", "error.required_choice")
	}
	if in.Visibility == "" && validDocumentType(in.Type) {
		// 種類に応じて: a procedure is not public (§10) and starts
		// restricted, the basic policy public, the rest for all staff.
		in.Visibility = string(policy.DefaultVisibility(policy.Type(in.Type)))
	}
	return in
}

func (s *Server) documentCreate(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := documentNewInput(r, pr)
	in.Body = strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	return s.documentCreateWith(w, r, pr, in, "documentweb.created")
}

func (s *Server) documentImport(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := documentNewInput(r, pr)
	body, name, err := documentUpload(r)
	var ve validate.Errors
	if errors.As(err, &ve) {
		for f, p := range ve {
			validate.Errors(pr).Add(f, p.Key, p.Args...)
		}
	} else if err != nil {
		return err
	}
	in.Body = body
	if strings.TrimSpace(in.Title) == "" && name != "" {
		// A file is usually named after the document.
		in.Title = strings.TrimSpace(strings.TrimSuffix(name, path.Ext(name)))
	}
	return s.documentCreateWith(w, r, pr, in, "documentweb.imported")
}

// documentUpload reads the uploaded file as Markdown: the field "file",
// up to documentImportMax, converted by doctext.Convert. A missing,
// unreadable or unsupported file is a problem of the field "file".
func documentUpload(r *http.Request) (body, name string, err error) {
	f, h, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return "", "", validate.Errors{"file": {Key: "documentweb.import_no_file"}}
	}
	if err != nil {
		return "", "", validate.Errors{"file": {Key: "documentweb.import_broken"}}
	}
	defer f.Close()
	name = path.Base(strings.ReplaceAll(h.Filename, `\`, "/"))
	data, err := io.ReadAll(io.LimitReader(f, documentImportMax+1))
	if err != nil {
		return "", name, fmt.Errorf("cannot read uploaded document %q: %w", name, err)
	}
	if len(data) > documentImportMax {
		return "", name, validate.Errors{"file": {Key: "documentweb.import_too_large", Args: []any{documentImportMax >> 20}}}
	}
	if len(data) == 0 {
		return "", name, validate.Errors{"file": {Key: "documentweb.import_empty"}}
	}
	md, err := doctext.Convert(name, data)
	if errors.Is(err, doctext.ErrUnsupported) {
		return "", name, validate.Errors{"file": {Key: "documentweb.import_unsupported"}}
	}
	if err != nil {
		return "", name, validate.Errors{"file": {Key: "documentweb.import_broken"}}
	}
	if strings.TrimSpace(md) == "" {
		return "", name, validate.Errors{"file": {Key: "documentweb.import_empty"}}
	}
	return md, name, nil
}

// documentCreateWith creates the document with its first draft and goes
// on to the draft, or shows the form again with what was typed.
func (s *Server) documentCreateWith(w http.ResponseWriter, r *http.Request, pr formProblems, in policy.DocumentInput, done string) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	var d policy.Document
	var v policy.Version
	err := pr.merge(func() error { return nil })
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			var err error
			d, v, err = policy.CreateDocument(ctx, tx, sc, id.Principal, in)
			return err
		})
	}
	if err == nil {
		return s.redirect(w, r, versionURL(d.ID, v.ID), done)
	}
	errs, ok := s.fieldErrors(r, err)
	if !ok {
		return documentDenied(err, authz.EditDocuments)
	}
	page, derr := s.documentNewData(r, errs)
	if derr != nil {
		return derr
	}
	return s.renderForm(w, r, "document_new", "documentweb.new_title", page, err)
}
