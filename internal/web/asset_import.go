package web

import (
	"errors"
	"mime/multipart"
	"net/http"

	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/httpx"
)

// assetImportPage is the import form and, after a dry run, its result.
type assetImportPage struct {
	Matches []assetfile.Match
	MatchBy assetfile.Match
	MaxMB   int
	Max     int // rows and problems a result lists at most
	// CanExport offers the current register as a template.
	CanExport bool

	// After a dry run (or a refused confirmation):
	FileName string
	Report   *assetfile.Report
	// FileProblem is why the file as a whole cannot be read.
	FileProblem string
	Problems    []string // each problem in the reader's words
	Rows        []assetImportRow
	// Token is set when the file can be imported: the confirm button's
	// upload, waiting until Expires.
	Token   string
	Expires int64
}

// assetImportRow is one row of a dry run's result.
type assetImportRow struct {
	Row      int
	Outcome  assetfile.Outcome
	ID       int64
	Name     string
	Problems []string
}

func (s *Server) assetImportData(r *http.Request) assetImportPage {
	id := httpx.IdentityFrom(r.Context())
	return assetImportPage{Matches: assetfile.Matches, MatchBy: assetfile.MatchID, MaxMB: assetfile.MaxBytes >> 20,
		Max: assetfile.MaxReported, CanExport: authz.CanSome(id.Principal, authz.ExportAssets)}
}

// assetImportForm shows the upload form.
func (s *Server) assetImportForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "asset_import", "assetfile.import_title", s.assetImportData(r))
}

// assetImportDryRun checks an uploaded register file and shows what
// importing it would do, row by row. Nothing is written to the register:
// the file is kept (for its owner, for an hour) only when it can be
// imported, for the confirm button.
func (s *Server) assetImportDryRun(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	data := s.assetImportData(r)
	if m := assetfile.Match(r.PostFormValue("match_by")); m != "" {
		data.MatchBy = m
	}
	if !data.MatchBy.IsValid() {
		data.MatchBy = assetfile.MatchID
		return s.assetImportRefused(w, r, data, http.StatusBadRequest, map[string]string{"match_by": s.cat.T(s.lang(r), "error.invalid_choice")})
	}
	var fh *multipart.FileHeader
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh = r.MultipartForm.File["file"][0]
	}
	if fh == nil {
		return s.assetImportRefused(w, r, data, http.StatusBadRequest, map[string]string{"file": s.cat.T(s.lang(r), "assetfile.file_required")})
	}
	data.FileName = fh.Filename
	opts := assetfile.Options{MatchBy: data.MatchBy, FileName: fh.Filename, Size: fh.Size}
	if fh.Size > assetfile.MaxBytes {
		data.FileProblem = s.cat.T(s.lang(r), "assetfile.too_large", data.MaxMB)
		return s.renderPage(w, r, http.StatusRequestEntityTooLarge, "asset_import", s.assetImportResultPage(r, data))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	rep, err := assetfile.DryRun(ctx, s.db, sc, id.Principal, f, opts)
	f.Close()
	if err != nil {
		return err
	}
	s.assetImportReport(r, &data, rep)
	status := http.StatusOK
	switch {
	case rep.File != nil:
		status = http.StatusBadRequest
	case rep.OK() && rep.Rows > 0:
		f, err := fh.Open()
		if err != nil {
			return err
		}
		u, err := assetfile.SaveUpload(ctx, s.db, sc, id.Person.ID, fh.Filename, f, opts)
		f.Close()
		if err != nil {
			return err
		}
		data.Token, data.Expires = u.Token, u.ExpiresAt
	}
	return s.renderPage(w, r, status, "asset_import", s.assetImportResultPage(r, data))
}

// assetImportConfirm imports a checked file in one transaction and goes
// back to the register with the counts.
func (s *Server) assetImportConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	token := r.PathValue("upload")
	data := s.assetImportData(r)
	rep, u, err := assetfile.ImportUpload(ctx, s.db, sc, id.Principal, id.Person.ID, token)
	if errors.Is(err, assetfile.ErrUploadGone) {
		data.FileProblem = s.cat.T(s.lang(r), "assetfile.upload_gone")
		return s.renderPage(w, r, http.StatusNotFound, "asset_import", s.assetImportResultPage(r, data))
	}
	if errors.Is(err, assetfile.ErrHasProblems) {
		// Something changed since the dry run (another person's edit, a
		// role taken away): show what, and ask for the file again.
		if derr := assetfile.DeleteUpload(ctx, s.db, sc, id.Person.ID, token); derr != nil {
			return derr
		}
		data.FileName, data.MatchBy = u.Name, u.MatchBy
		s.assetImportReport(r, &data, rep)
		return s.renderPage(w, r, http.StatusConflict, "asset_import", s.assetImportResultPage(r, data))
	}
	if err != nil {
		return err
	}
	// The flash holds a text already in the reader's words (with counts);
	// takeFlash shows a text that is no catalogue key as it is.
	s.setFlash(w, r, "success", s.cat.T(s.lang(r), "assetfile.imported", rep.Created, rep.Updated, rep.Unchanged))
	http.Redirect(w, r, "/assets", http.StatusSeeOther)
	return nil
}

// assetImportRefused shows the form again with field problems.
func (s *Server) assetImportRefused(w http.ResponseWriter, r *http.Request, data assetImportPage, status int, problems map[string]string) error {
	p := s.newPage(r, "assetfile.import_title", data)
	p.Errors = problems
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "error.invalid_input")}
	return s.renderPage(w, r, status, "asset_import", p)
}

func (s *Server) assetImportResultPage(r *http.Request, data assetImportPage) *Page {
	return s.newPage(r, "assetfile.result_title", data)
}

// assetImportReport puts a report into the reader's words.
func (s *Server) assetImportReport(r *http.Request, data *assetImportPage, rep *assetfile.Report) {
	lang := s.lang(r)
	data.Report = rep
	if rep.File != nil {
		data.FileProblem = assetfile.Text(s.cat, lang, *rep.File)
	}
	data.Problems = data.Problems[:0]
	for _, p := range rep.Problems {
		if rep.File != nil && p.Key == rep.File.Key && p.Row == rep.File.Row {
			continue
		}
		data.Problems = append(data.Problems, assetfile.Text(s.cat, lang, p))
	}
	data.Rows = data.Rows[:0]
	for _, it := range rep.Items {
		row := assetImportRow{Row: it.Row, Outcome: it.Outcome, ID: it.ID, Name: it.Name}
		for _, p := range it.Problems {
			// The table gives the row; the problem names its column.
			p.Row = 0
			row.Problems = append(row.Problems, assetfile.Text(s.cat, lang, p))
		}
		data.Rows = append(data.Rows, row)
	}
}
