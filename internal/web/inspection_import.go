package web

// The import of a checklist from an Excel workbook: the upload form, the
// dry run that lists every problem by row and column, and the confirmation
// that writes the items in one transaction.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/inspection"
	"mamori/internal/validate"
)

// inspChecklistImportPage is the import form and, after a dry run, its result.
type inspChecklistImportPage struct {
	MaxMB int
	// Targets are the checklists the file may go into (drafts get their
	// items replaced, others a new version).
	Targets []inspection.Checklist
	// Target is the choice: "new" or a checklist id.
	Target      string
	Title       string
	Description string

	FileName    string
	Report      *inspection.TemplateReport
	FileProblem string
	Problems    []string
	Rows        []inspChecklistImportRow
	Token       string
	Expires     int64
	// Into names what the import would write to, for the confirmation.
	Into string
}

// inspChecklistImportRow is one row of a dry run's result.
type inspChecklistImportRow struct {
	inspection.TemplateRow
	Texts []string
}

func (s *Server) checklistImportData(r *http.Request) (inspChecklistImportPage, error) {
	id, sc := inspectionCtx(r)
	data := inspChecklistImportPage{MaxMB: inspection.MaxTemplateBytes >> 20, Target: "new"}
	page, err := inspection.ListChecklists(r.Context(), s.db, sc, id.Principal, inspection.ChecklistFilter{Limit: 200})
	if err != nil {
		return data, inspectionError(err, authz.ViewChecklists)
	}
	data.Targets = page.Items
	if v := r.URL.Query().Get("into"); v != "" {
		data.Target = v
	}
	return data, nil
}

func (s *Server) checklistImportForm(w http.ResponseWriter, r *http.Request) error {
	data, err := s.checklistImportData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "checklist_import", "checklist.import_title", data)
}

// inspImportTarget reads the form's choice of target.
func inspImportTarget(r *http.Request, data *inspChecklistImportPage) (inspection.ImportTarget, error) {
	data.Target = r.PostFormValue("target")
	data.Title, data.Description = r.PostFormValue("title"), r.PostFormValue("description")
	t := inspection.ImportTarget{Title: data.Title, Description: data.Description}
	if data.Target != "new" {
		n, err := strconv.ParseInt(data.Target, 10, 64)
		found := false
		for _, c := range data.Targets {
			found = found || (err == nil && c.ID == n)
		}
		if !found {
			return t, validate.Errors{"target": {Key: "error.invalid_choice"}}
		}
		t.ChecklistID = n
	}
	return t, nil
}

// checklistImportDryRun checks an uploaded checklist and shows what
// importing it would give, row by row; nothing is written. The file is
// kept (for its owner, an hour) only when it can be imported.
func (s *Server) checklistImportDryRun(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	data, err := s.checklistImportData(r)
	if err != nil {
		return err
	}
	target, err := inspImportTarget(r, &data)
	var fh *multipart.FileHeader
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh = r.MultipartForm.File["file"][0]
	}
	if fh == nil {
		ve, _ := validate.As(err)
		if ve == nil {
			ve = validate.Errors{}
		}
		ve.Add("file", "checklist.file_required")
		err = ve
	}
	if err != nil {
		return s.renderForm(w, r, "checklist_import", "checklist.import_title", data, err)
	}
	data.FileName = fh.Filename
	if target.ChecklistID == 0 && target.Title == "" {
		target.Title = inspection.TitleFromFileName(fh.Filename)
		data.Title = target.Title
	}
	if err := target.Validate(); err != nil {
		return s.renderForm(w, r, "checklist_import", "checklist.import_title", data, err)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	content, err := io.ReadAll(io.LimitReader(f, inspection.MaxTemplateBytes+1))
	f.Close()
	if err != nil {
		return err
	}
	rep, err := inspection.ReadTemplate(ctx, s.db, sc, id.Principal, bytes.NewReader(content), fh.Filename, int64(len(content)))
	if err != nil {
		return inspectionError(err, authz.EditChecklists)
	}
	s.checklistImportReport(r, &data, rep)
	if err := inspection.RecordTemplateRefusal(ctx, s.db, sc, fh.Filename, rep); err != nil {
		return err
	}
	status := http.StatusOK
	switch {
	case rep.File != nil:
		status = http.StatusBadRequest
	case rep.OK():
		u, err := inspection.SaveUpload(ctx, s.db, sc, id.Person.ID, fh.Filename, content, target)
		if err != nil {
			return err
		}
		data.Token, data.Expires = u.Token, u.ExpiresAt
		data.Into = s.inspImportInto(r, data, target)
	}
	return s.renderPage(w, r, status, "checklist_import", s.newPage(r, "checklist.import_result_title", data))
}

// importInto says in words what an import writes to.
func (s *Server) inspImportInto(r *http.Request, data inspChecklistImportPage, t inspection.ImportTarget) string {
	lang := s.lang(r)
	if t.ChecklistID == 0 {
		return s.cat.T(lang, "checklist.import_into_new", t.Title)
	}
	for _, c := range data.Targets {
		if c.ID == t.ChecklistID {
			if c.Status == inspection.ChecklistDraft {
				return s.cat.T(lang, "checklist.import_into_draft", c.Title, c.VersionNo)
			}
			return s.cat.T(lang, "checklist.import_into_version", c.Title, c.VersionNo)
		}
	}
	return ""
}

// checklistImportConfirm writes a checked file and goes to the checklist.
func (s *Server) checklistImportConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	data, err := s.checklistImportData(r)
	if err != nil {
		return err
	}
	rep, c, u, err := inspection.ImportUpload(ctx, s.db, sc, id.Principal, r.PathValue("upload"))
	switch {
	case errors.Is(err, inspection.ErrUploadGone):
		data.FileProblem = s.cat.T(s.lang(r), "checklist.upload_gone")
		return s.renderPage(w, r, http.StatusNotFound, "checklist_import", s.newPage(r, "checklist.import_title", data))
	case errors.Is(err, inspection.ErrTemplateProblems):
		if rerr := inspection.RecordTemplateRefusal(ctx, s.db, sc, u.Name, rep); rerr != nil {
			return rerr
		}
		data.FileName = u.Name
		s.checklistImportReport(r, &data, rep)
		return s.renderPage(w, r, http.StatusConflict, "checklist_import", s.newPage(r, "checklist.import_result_title", data))
	case err != nil:
		if _, invalid := validate.As(err); invalid {
			return s.renderForm(w, r, "checklist_import", "checklist.import_title", data, err)
		}
		return inspectionError(err, authz.EditChecklists)
	}
	s.setFlash(w, r, "success", s.cat.T(s.lang(r), "checklist.imported", len(rep.Inputs())))
	http.Redirect(w, r, fmt.Sprintf("/checklists/%d", c.ID), http.StatusSeeOther)
	return nil
}

// checklistImportReport puts a report into the reader's words.
func (s *Server) checklistImportReport(r *http.Request, data *inspChecklistImportPage, rep *inspection.TemplateReport) {
	t := s.cat.For(s.lang(r))
	data.Report = rep
	if rep.File != nil {
		data.FileProblem = inspection.ProblemText(t, *rep.File)
	}
	data.Problems = nil
	for _, p := range rep.Problems {
		if rep.File != nil && p.Key == rep.File.Key && p.Row == rep.File.Row {
			continue
		}
		data.Problems = append(data.Problems, inspection.ProblemText(t, p))
	}
	data.Rows = nil
	for _, it := range rep.Items {
		row := inspChecklistImportRow{TemplateRow: it}
		for _, p := range it.Problems {
			p.Row = 0
			row.Texts = append(row.Texts, inspection.ProblemText(t, p))
		}
		data.Rows = append(data.Rows, row)
	}
}
