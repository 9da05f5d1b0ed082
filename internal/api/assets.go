package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"time"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/validate"
)

// assetView is an asset as the API shows it: its fields (a masked asset
// masked), the handling rules its classification asks for, and the
// network-domain rules it breaks. handling and warnings are computed and
// read-only.
type assetView struct {
	asset.Asset
	Handling []handlingView `json:"handling"`
	Warnings []warningView  `json:"warnings"`
}

// handlingView is one handling rule (取扱制限) with its text.
type handlingView struct {
	Aspect    asset.Aspect    `json:"aspect"`
	Dimension asset.Dimension `json:"dimension"`
	Level     string          `json:"level"`
	Key       string          `json:"key"`
	Text      string          `json:"text"` // in the language of Accept-Language
}

// warningView is one breach of a network-domain rule of seed §6(3).
type warningView struct {
	Field string `json:"field"`
	Key   string `json:"key"`
	Text  string `json:"text"`
}

func (s *Server) viewAsset(r *http.Request, a asset.Asset) assetView {
	lang := s.lang(r)
	v := assetView{Asset: a, Handling: []handlingView{}, Warnings: []warningView{}}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	for _, h := range a.Handling() {
		v.Handling = append(v.Handling, handlingView{Aspect: h.Aspect, Dimension: h.Dimension, Level: h.Level, Key: h.Key, Text: s.text(lang, h.Key)})
	}
	for _, w := range a.Warnings() {
		v.Warnings = append(v.Warnings, warningView{Field: w.Field, Key: w.Key, Text: s.text(lang, w.Key)})
	}
	return v
}

// assetError turns package asset's refusal of a change into the API's:
// 403 (kept in the trail) for a change outside the caller's reach.
func assetError(err error) error {
	if errors.Is(err, asset.ErrForbidden) {
		return denied(authz.EditAssets)
	}
	return err
}

// maxAssetCursor bounds ?cursor= of the asset list: it carries the last
// row's sort value (a name of up to 200 characters).
const maxAssetCursor = 2000

// assets lists the register with the UI's filters as query parameters,
// restricted assets outside the caller's reach masked and listed last.
func (s *Server) assets(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	f, err := assetFilter(r)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return invalidQuery("limit", "error.out_of_range", 1, MaxLimit)
		}
		f.Limit = n
	} else {
		f.Limit = DefaultLimit
	}
	if f.Cursor, err = queryText(r, "cursor", maxAssetCursor); err != nil {
		return invalidQuery("cursor", "error.invalid_cursor")
	}
	page, err := asset.List(r.Context(), s.db, sc, id.Principal, f)
	if err != nil {
		return err
	}
	out := make([]assetView, len(page.Items))
	for i, a := range page.Items {
		out[i] = s.viewAsset(r, a)
	}
	return s.respond(w, r, http.StatusOK, newList(out, page.NextCursor))
}

// assetFilter reads the list's filters (and checks their codes), for the
// list and the export alike.
func assetFilter(r *http.Request) (asset.Filter, error) {
	f, err := assetfile.FilterFromQuery(r.URL.Query())
	if err != nil {
		return f, err
	}
	check := f
	if err := check.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

// assetGet returns one asset as the caller may see it.
func (s *Server) assetGet(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	assetID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := asset.Get(r.Context(), s.db, sc, id.Principal, assetID)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, s.viewAsset(r, a))
}

// assetCreate registers an asset.
func (s *Server) assetCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in asset.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var a asset.Asset
	err := s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = asset.Create(ctx, tx, sc, id.Principal, in)
		return err
	})
	if err != nil {
		return assetError(err)
	}
	return s.respond(w, r, http.StatusCreated, s.viewAsset(r, a))
}

// assetUpdate changes an asset. Fields missing from the body keep their
// values; send "version" to have a change made by someone else since
// refused (409) rather than overwritten.
func (s *Server) assetUpdate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	assetID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var a asset.Asset
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := asset.Get(ctx, tx, sc, id.Principal, assetID)
		if err != nil {
			return err
		}
		in := before.Input()
		if err := decodeBody(body, &in); err != nil {
			return err
		}
		a, err = asset.Update(ctx, tx, sc, id.Principal, assetID, in)
		return err
	})
	if err != nil {
		return assetError(err)
	}
	return s.respond(w, r, http.StatusOK, s.viewAsset(r, a))
}

// assetDelete removes an asset registered by mistake (one gone from use is
// disposed instead, by PATCH status); 409 while links refer to it.
func (s *Server) assetDelete(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	assetID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		return asset.Delete(ctx, tx, sc, id.Principal, assetID)
	})
	if errors.Is(err, asset.ErrInUse) {
		return &apiError{status: http.StatusConflict, code: "conflict", key: "error.conflict", err: err}
	}
	if err != nil {
		return assetError(err)
	}
	return noContent(w)
}

// assetExport sends the register under the list's filters as XLSX or CSV,
// headers and words in the language of Accept-Language. The export is
// recorded in the trail before it is sent.
func (s *Server) assetExport(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	format := assetfile.Format(r.URL.Query().Get("format"))
	if format == "" {
		format = assetfile.XLSX
	}
	if !format.IsValid() {
		return invalidQuery("format", "error.invalid_choice")
	}
	f, err := assetFilter(r)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	file, err := assetfile.Export(r.Context(), s.db, sc, id.Principal, f, assetfile.ExportOptions{Format: format, Lang: lang})
	if errors.Is(err, asset.ErrForbidden) {
		return denied(authz.ExportAssets)
	}
	if err != nil {
		return err
	}
	defer file.Close()
	name, ascii := assetfile.FileName(format, lang, time.Now())
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", assetfile.ContentDisposition(name, ascii))
	h.Set("Content-Length", strconv.FormatInt(file.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := file.WriteTo(w); err != nil {
		s.log.Debug("asset export not sent whole", "err", err)
	}
	return nil
}

// importReportView is a dry run's or an import's report.
type importReportView struct {
	DryRun   bool            `json:"dry_run"`
	Applied  bool            `json:"applied"` // the rows were written
	MatchBy  assetfile.Match `json:"match_by"`
	Format   string          `json:"format"`             // CSV or XLSX
	Encoding string          `json:"encoding,omitempty"` // of a CSV
	Columns  []string        `json:"columns"`            // the columns found
	Ignored  []string        `json:"ignored"`            // headers that name no column
	Rows     int             `json:"rows"`
	Create   int             `json:"create"`
	Update   int             `json:"update"`
	Same     int             `json:"unchanged"`
	Error    int             `json:"error"` // rows with problems
	// ProblemCount counts every problem; problems and items list the
	// first 1,000 of each.
	ProblemCount int                 `json:"problem_count"`
	Truncated    bool                `json:"truncated"`
	Problems     []importProblemView `json:"problems"`
	Items        []importRowView     `json:"items"`
}

// importProblemView is one problem: where, a stable code, and a message.
type importProblemView struct {
	Row     int    `json:"row"`              // as Excel numbers it; 0 for the whole file
	Column  string `json:"column,omitempty"` // the column's field name
	Header  string `json:"header,omitempty"` // the column as the file names it
	Cell    string `json:"cell,omitempty"`   // the column's letter ("K")
	Code    string `json:"code"`
	Message string `json:"message"` // with the row and column
}

// importRowView is one row's outcome.
type importRowView struct {
	Row      int                 `json:"row"`
	Outcome  assetfile.Outcome   `json:"outcome"`
	ID       int64               `json:"id,string,omitempty"`
	Name     string              `json:"name"`
	Problems []importProblemView `json:"problems"`
}

func (s *Server) viewImport(r *http.Request, rep *assetfile.Report, dryRun bool) importReportView {
	lang := s.lang(r)
	problem := func(p assetfile.Problem) importProblemView {
		return importProblemView{Row: p.Row, Column: p.Column, Header: p.Header, Cell: p.Cell, Code: p.Key,
			Message: assetfile.Text(s.cat, lang, p)}
	}
	v := importReportView{DryRun: dryRun, Applied: rep.Applied, MatchBy: rep.MatchBy, Format: rep.Format, Encoding: rep.Encoding,
		Columns: rep.Columns, Ignored: rep.Ignored, Rows: rep.Rows, Create: rep.Created, Update: rep.Updated, Same: rep.Unchanged,
		Error: rep.Failed, ProblemCount: rep.ProblemCount, Truncated: rep.Truncated(),
		Problems: []importProblemView{}, Items: []importRowView{}}
	for _, p := range rep.Problems {
		v.Problems = append(v.Problems, problem(p))
	}
	for _, it := range rep.Items {
		row := importRowView{Row: it.Row, Outcome: it.Outcome, ID: it.ID, Name: it.Name, Problems: []importProblemView{}}
		for _, p := range it.Problems {
			row.Problems = append(row.Problems, problem(p))
		}
		v.Items = append(v.Items, row)
	}
	return v
}

// maxImportFieldProblems bounds the field list of a refused import; the
// dry run lists every problem.
const maxImportFieldProblems = 50

// assetImport checks (dry_run=true) or imports a register file sent as
// multipart/form-data in the field "file". The file is read into a
// temporary file first, so no transaction waits on the client. An import
// is one transaction: a file with any problem writes nothing and is
// answered 400 with the problems as fields ("rows.3.confidentiality").
func (s *Server) assetImport(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	q := r.URL.Query()
	dryRun := false
	if v := q.Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return invalidQuery("dry_run", "api.expected_boolean")
		}
		dryRun = b
	}
	match := assetfile.MatchID
	if v := q.Get("match_by"); v != "" {
		match = assetfile.Match(v)
		if !match.IsValid() {
			return invalidQuery("match_by", "error.invalid_choice")
		}
	}
	tmp, name, size, err := s.receiveFile(w, r)
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	opts := assetfile.Options{MatchBy: match, FileName: name, Size: size}
	ctx := r.Context()
	var rep *assetfile.Report
	if dryRun {
		rep, err = assetfile.DryRun(ctx, s.db, sc, id.Principal, tmp, opts)
	} else {
		rep, err = assetfile.Import(ctx, s.db, sc, id.Principal, tmp, opts)
	}
	if err != nil && !errors.Is(err, assetfile.ErrHasProblems) {
		return assetError(err)
	}
	if rep.File != nil || (!dryRun && !rep.OK()) {
		return s.importRefused(r, rep)
	}
	return s.respond(w, r, http.StatusOK, s.viewImport(r, rep, dryRun))
}

// importRefused answers a file that cannot be imported.
func (s *Server) importRefused(r *http.Request, rep *assetfile.Report) error {
	lang := s.lang(r)
	fields := validate.Errors{}
	if rep.File != nil {
		fields["file"] = validate.Problem{Key: rep.File.Key, Args: rep.File.MessageArgs(lang)}
		return &apiError{status: http.StatusBadRequest, code: "invalid_input", key: "assetfile.import_file_problem", fields: fields}
	}
	for _, p := range rep.Problems {
		if len(fields) >= maxImportFieldProblems {
			break
		}
		name := "rows." + strconv.Itoa(p.Row)
		if p.Column != "" {
			name += "." + p.Column
		}
		fields.Add(name, p.Key, p.MessageArgs(lang)...)
	}
	return &apiError{status: http.StatusBadRequest, code: "invalid_input", key: "assetfile.import_has_problems",
		args: []any{rep.Failed, rep.ProblemCount}, fields: fields}
}

// uploadOverhead is what a multipart body may carry beside the file.
const uploadOverhead = 1 << 20

// receiveFile reads the multipart field "file" into a temporary file,
// refusing another media type (415), a body without the field (400) and a
// file over assetfile.MaxBytes (413).
func (s *Server) receiveFile(w http.ResponseWriter, r *http.Request) (*os.File, string, int64, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, "", 0, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", key: "assetfile.multipart_required"}
	}
	tooLarge := &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large", key: "assetfile.too_large", args: []any{assetfile.MaxBytes >> 20}}
	body := http.MaxBytesReader(w, r.Body, assetfile.MaxBytes+uploadOverhead)
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", 0, tooLarge
		}
		if err == io.EOF {
			return nil, "", 0, validate.Errors{"file": {Key: "assetfile.file_required"}}
		}
		if err != nil {
			e := badRequest("assetfile.malformed_multipart")
			e.err = fmt.Errorf("cannot read multipart body: %w", err)
			return nil, "", 0, e
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		tmp, err := os.CreateTemp("", "mamori-upload-*")
		if err != nil {
			return nil, "", 0, fmt.Errorf("cannot store upload: %w", err)
		}
		n, err := io.Copy(tmp, io.LimitReader(part, assetfile.MaxBytes+1))
		part.Close()
		fail := func(e error) (*os.File, string, int64, error) {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil, "", 0, e
		}
		if errors.As(err, &mbe) || n > assetfile.MaxBytes {
			return fail(tooLarge)
		}
		if err != nil {
			e := badRequest("assetfile.malformed_multipart")
			e.err = fmt.Errorf("cannot read uploaded file: %w", err)
			return fail(e)
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return fail(fmt.Errorf("cannot rewind upload: %w", err))
		}
		return tmp, part.FileName(), n, nil
	}
}
