package api

import (
	"errors"
	"net/http"
	"os"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
	"mamori/internal/validate"
)

// Self-inspection (自己点検, seed §6(9), §7): checklist templates under
// /checklists and campaigns with their answers under /campaigns. A step a
// campaign's rules refuse (answering after it closed, an item one is not
// asked) is answered with the rule's message and kept in the trail.

// registerInspectionRoutes registers /api/v1/checklists and /api/v1/campaigns.
func (s *Server) registerInspectionRoutes() {
	const get, post, put = http.MethodGet, http.MethodPost, http.MethodPut
	h := func(method, pattern string, perm authz.Action, fn HandlerFunc) {
		s.handle(method, Prefix+pattern, perm, s.inspectionRefusals(fn))
	}
	h(get, "/checklists", authz.ViewChecklists, s.checklists)
	h(post, "/checklists", authz.EditChecklists, s.checklistCreate)
	h(post, "/checklists/import", authz.EditChecklists, s.checklistImport)
	h(get, "/checklists/{id}", authz.ViewChecklists, s.checklistGet)
	h(get, "/campaigns", authz.AnswerCampaigns, s.campaigns)
	h(post, "/campaigns", authz.ManageCampaigns, s.campaignCreate)
	h(get, "/campaigns/{id}", authz.AnswerCampaigns, s.campaignGet)
	h(post, "/campaigns/{id}/open", authz.ManageCampaigns, s.campaignOpen)
	h(post, "/campaigns/{id}/close", authz.ManageCampaigns, s.campaignClose)
	h(get, "/campaigns/{id}/answers", authz.AnswerCampaigns, s.campaignAnswers)
	h(put, "/campaigns/{id}/answers/{item_id}", authz.AnswerCampaigns, s.campaignAnswerPut)
}

// inspectionRefusals answers a step refused by a campaign's rules with the
// rule's own message, 403 or 409, after keeping it in the trail as a
// denial (so the request is not recorded a second time); package
// inspection's refusal by the role table becomes the usual 403.
func (s *Server) inspectionRefusals(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		ref, ok := inspection.AsRefusal(err)
		if !ok {
			if errors.Is(err, inspection.ErrForbidden) {
				var de deniedError
				if !errors.As(err, &de) {
					return errors.Join(denied(routePermission(r)), err)
				}
			}
			return err
		}
		_, sc := scopeOf(r)
		if rerr := inspection.RecordRefusal(r.Context(), s.db, sc, err); rerr != nil {
			return errors.Join(err, rerr)
		}
		status, code := http.StatusConflict, "conflict"
		if ref.Forbidden {
			status, code = http.StatusForbidden, "forbidden"
		}
		s.writeJSON(w, r, status, errorBody{Error: errorDetail{Code: code, Message: s.text(s.lang(r), ref.Key)}})
		return nil
	}
}

// routePermission is the permission a refusal by the role table names in
// the trail: the route's own.
func routePermission(r *http.Request) authz.Action {
	switch r.Method + " " + r.Pattern {
	case "POST " + Prefix + "/checklists", "POST " + Prefix + "/checklists/import":
		return authz.EditChecklists
	case "GET " + Prefix + "/checklists", "GET " + Prefix + "/checklists/{id}":
		return authz.ViewChecklists
	case "GET " + Prefix + "/campaigns/{id}/answers", "PUT " + Prefix + "/campaigns/{id}/answers/{item_id}":
		return authz.ViewCampaignResults
	}
	return authz.ManageCampaigns
}

// checklistView is a checklist version with its items.
type checklistView struct {
	inspection.Checklist
	Items []inspection.Item `json:"items"`
}

func (s *Server) checklists(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	f := inspection.ChecklistFilter{Cursor: cursor, Limit: limit}
	if v := r.URL.Query().Get("status"); v != "" {
		f.Status = inspection.ChecklistStatus(v)
		ok := false
		for _, x := range inspection.ChecklistStatuses {
			ok = ok || x == f.Status
		}
		if !ok {
			return invalidQuery("status", "error.invalid_choice")
		}
	}
	page, err := inspection.ListChecklists(r.Context(), s.db, sc, id.Principal, f)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(page.Items, page.NextCursor))
}

func (s *Server) checklistView(r *http.Request, q db.Querier, c inspection.Checklist) (checklistView, error) {
	_, sc := scopeOf(r)
	items, err := inspection.Items(r.Context(), q, sc, c.ID)
	if err != nil {
		return checklistView{}, err
	}
	if items == nil {
		items = []inspection.Item{}
	}
	return checklistView{Checklist: c, Items: items}, nil
}

func (s *Server) checklistGet(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := inspection.GetChecklist(r.Context(), s.db, sc, id.Principal, cid)
	if err != nil {
		return err
	}
	v, err := s.checklistView(r, s.db, c)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, v)
}

// checklistCreate makes a new checklist (a draft) with its items; send
// "activate": true to put it into use at once.
func (s *Server) checklistCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in checklistCreateInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var v checklistView
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := inspection.CreateChecklist(ctx, tx, sc, id.Principal, in.ChecklistInput)
		if err != nil {
			return err
		}
		if in.Activate {
			if c, err = inspection.Activate(ctx, tx, sc, id.Principal, c.ID); err != nil {
				return err
			}
		}
		v, err = s.checklistView(r, tx, c)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, v)
}

// checklistCreateInput is a new checklist, and whether to put it into use.
type checklistCreateInput struct {
	inspection.ChecklistInput
	Activate bool `json:"activate"`
}

// templateReportView is a dry run's or an import's report.
type templateReportView struct {
	DryRun       bool                  `json:"dry_run"`
	Applied      bool                  `json:"applied"`
	Format       string                `json:"format"`
	Sheet        string                `json:"sheet"`
	Ignored      []string              `json:"ignored"`
	Rows         int                   `json:"rows"`
	Error        int                   `json:"error"`
	ProblemCount int                   `json:"problem_count"`
	Problems     []templateProblemView `json:"problems"`
	Items        []templateRowView     `json:"items"`
	// Checklist is the checklist written, after an import.
	Checklist *checklistView `json:"checklist,omitempty"`
}

type templateProblemView struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Header  string `json:"header,omitempty"`
	Cell    string `json:"cell,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type templateRowView struct {
	inspection.TemplateRow
	Problems []templateProblemView `json:"problems"`
}

func (s *Server) viewTemplateReport(r *http.Request, rep *inspection.TemplateReport, dryRun bool) templateReportView {
	t := s.cat.For(s.lang(r))
	problem := func(p inspection.TemplateProblem) templateProblemView {
		return templateProblemView{Row: p.Row, Column: p.Column, Header: p.Header, Cell: p.Cell, Code: p.Key, Message: inspection.ProblemText(t, p)}
	}
	v := templateReportView{DryRun: dryRun, Format: rep.Format, Sheet: rep.Sheet, Ignored: rep.Ignored, Rows: rep.Rows, Error: rep.Failed,
		ProblemCount: rep.ProblemCount, Problems: []templateProblemView{}, Items: []templateRowView{}}
	for _, p := range rep.Problems {
		v.Problems = append(v.Problems, problem(p))
	}
	for _, it := range rep.Items {
		row := templateRowView{TemplateRow: it, Problems: []templateProblemView{}}
		for _, p := range it.Problems {
			row.Problems = append(row.Problems, problem(p))
		}
		v.Items = append(v.Items, row)
	}
	return v
}

// checklistImport checks (dry_run=true) or imports a checklist workbook
// sent as multipart/form-data in the field "file". The items go to a new
// checklist (?title=, by default the file's name), a draft (?checklist_id= of a draft: its items are
// replaced) or a new version (?checklist_id= of a checklist in use). A
// file with any problem writes nothing and is answered 400 with each
// problem as a field ("rows.3.respondent").
func (s *Server) checklistImport(w http.ResponseWriter, r *http.Request) error {
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
	target := inspection.ImportTarget{}
	var err error
	if target.ChecklistID, err = queryID(r, "checklist_id"); err != nil {
		return err
	}
	if target.Title, err = queryText(r, "title", 200); err != nil {
		return err
	}
	if target.Description, err = queryText(r, "description", 2000); err != nil {
		return err
	}
	tmp, name, size, err := s.receiveFile(w, r)
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if target.ChecklistID == 0 && target.Title == "" {
		target.Title = inspection.TitleFromFileName(name)
	}
	if !dryRun {
		if err := target.Validate(); err != nil {
			return err
		}
	}
	ctx := r.Context()
	var rep *inspection.TemplateReport
	var view *checklistView
	if dryRun {
		rep, err = inspection.ReadTemplate(ctx, s.db, sc, id.Principal, tmp, name, size)
	} else {
		err = s.db.Transact(ctx, func(tx *db.Tx) error {
			var c inspection.Checklist
			var err error
			rep, c, err = inspection.ImportTemplate(ctx, tx, sc, id.Principal, tmp, name, size, target)
			if err != nil {
				return err
			}
			v, err := s.checklistView(r, tx, c)
			view = &v
			return err
		})
	}
	if err != nil && !errors.Is(err, inspection.ErrTemplateProblems) {
		return err
	}
	if err := inspection.RecordTemplateRefusal(ctx, s.db, sc, name, rep); err != nil {
		return err
	}
	if rep.File != nil || (!dryRun && !rep.OK()) {
		return s.templateRefused(r, rep)
	}
	out := s.viewTemplateReport(r, rep, dryRun)
	out.Applied = !dryRun
	out.Checklist = view
	return s.respond(w, r, http.StatusOK, out)
}

// templateRefused answers a file that cannot be imported.
func (s *Server) templateRefused(r *http.Request, rep *inspection.TemplateReport) error {
	fields := validate.Errors{}
	if rep.File != nil {
		fields["file"] = validate.Problem{Key: rep.File.Key, Args: rep.File.Args}
		return &apiError{status: http.StatusBadRequest, code: "invalid_input", key: "checklist.file_problem", fields: fields}
	}
	for _, p := range rep.Problems {
		if len(fields) >= maxImportFieldProblems {
			break
		}
		name := "rows." + strconv.Itoa(p.Row)
		if p.Column != "" {
			name += "." + p.Column
		}
		fields.Add(name, p.Key, p.Args...)
	}
	return &apiError{status: http.StatusBadRequest, code: "invalid_input", key: "checklist.import_has_errors", args: []any{rep.Failed}, fields: fields}
}

func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	f := inspection.CampaignFilter{Cursor: cursor, Limit: limit}
	if v := r.URL.Query().Get("status"); v != "" {
		f.Status = inspection.CampaignStatus(v)
		ok := false
		for _, x := range inspection.CampaignStatuses {
			ok = ok || x == f.Status
		}
		if !ok {
			return invalidQuery("status", "error.invalid_choice")
		}
	}
	page, err := inspection.ListCampaigns(r.Context(), s.db, sc, id.Principal, f)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(page.Items, page.NextCursor))
}

// campaignView is a campaign with, for those who may read results, its
// progress per department, and the caller's own place in it.
type campaignView struct {
	inspection.Campaign
	Mine     *inspection.RespondentStatus `json:"mine,omitempty"`
	Progress *inspection.Progress         `json:"progress,omitempty"`
}

func (s *Server) campaignView(r *http.Request, q db.Querier, c inspection.Campaign) (campaignView, error) {
	id, sc := scopeOf(r)
	v := campaignView{Campaign: c}
	mine, err := inspection.MyStatuses(r.Context(), q, sc, id.Person.ID, []int64{c.ID})
	if err != nil {
		return v, err
	}
	if m, ok := mine[c.ID]; ok {
		v.Mine = &m
	}
	if c.Status != inspection.CampaignPlanned && authz.CanSome(id.Principal, authz.ViewCampaignResults) {
		p, err := inspection.CampaignProgress(r.Context(), q, sc, id.Principal, c.ID)
		if err != nil {
			return v, err
		}
		if p.Lines == nil {
			p.Lines = []inspection.DeptLine{}
		}
		v.Progress = &p
	}
	return v, nil
}

func (s *Server) campaignGet(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := inspection.GetCampaign(r.Context(), s.db, sc, id.Principal, cid)
	if err != nil {
		return err
	}
	v, err := s.campaignView(r, s.db, c)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, v)
}

// campaignCreateInput is a new campaign, and whether to open it at once.
type campaignCreateInput struct {
	inspection.CampaignInput
	Open bool `json:"open"`
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in campaignCreateInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var v campaignView
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := inspection.CreateCampaign(ctx, tx, sc, id.Principal, in.CampaignInput)
		if err != nil {
			return err
		}
		if in.Open {
			if c, err = inspection.Open(ctx, tx, sc, id.Principal, c.ID); err != nil {
				return err
			}
		}
		v, err = s.campaignView(r, tx, c)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, v)
}

func (s *Server) campaignStep(w http.ResponseWriter, r *http.Request,
	step func(tx *db.Tx, id int64) (inspection.Campaign, error)) error {
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var v campaignView
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := step(tx, cid)
		if err != nil {
			return err
		}
		v, err = s.campaignView(r, tx, c)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, v)
}

// campaignOpen fixes the respondents and starts taking answers.
func (s *Server) campaignOpen(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	return s.campaignStep(w, r, func(tx *db.Tx, cid int64) (inspection.Campaign, error) {
		return inspection.Open(r.Context(), tx, sc, id.Principal, cid)
	})
}

// campaignClose locks the answers.
func (s *Server) campaignClose(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	return s.campaignStep(w, r, func(tx *db.Tx, cid int64) (inspection.Campaign, error) {
		return inspection.Close(r.Context(), tx, sc, id.Principal, cid)
	})
}

// answerView is one answer: the item with the answer given (empty when
// not yet answered).
type answerView struct {
	CampaignID   int64                 `json:"campaign_id,string"`
	PersonID     int64                 `json:"person_id,string"`
	DepartmentID int64                 `json:"department_id,string,omitempty"`
	ItemID       int64                 `json:"item_id,string"`
	Code         string                `json:"code"`
	Question     string                `json:"question"`
	Respondent   inspection.Respondent `json:"respondent"`
	Answer       inspection.Answer     `json:"answer"`
	Comment      string                `json:"comment"`
	EvidenceID   int64                 `json:"evidence_id,string,omitempty"`
	AnsweredAt   int64                 `json:"answered_at,omitempty"`
}

func sheetAnswers(sh inspection.Sheet) []answerView {
	out := make([]answerView, 0, len(sh.Items))
	for _, it := range sh.Items {
		out = append(out, answerView{CampaignID: sh.Campaign.ID, PersonID: sh.Respondent.PersonID, DepartmentID: sh.Respondent.DepartmentID,
			ItemID: it.ID, Code: it.Code, Question: it.Question, Respondent: it.Respondent, Answer: it.Answer, Comment: it.Comment,
			EvidenceID: it.EvidenceID, AnsweredAt: it.AnsweredAt})
	}
	return out
}

// campaignAnswers lists answers: by default the caller's own items with
// their answers (one page); ?person_id= one respondent's, and
// ?scope=managed every answer in the caller's reach of results, a page at
// a time (for those who read results).
func (s *Server) campaignAnswers(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	ctx := r.Context()
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := inspection.GetCampaign(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch q.Get("scope") {
	case "", "mine":
		pid, err := queryID(r, "person_id")
		if err != nil {
			return err
		}
		if pid != 0 && pid != id.Person.ID && !authz.CanSome(id.Principal, authz.ViewCampaignResults) {
			return denied(authz.ViewCampaignResults)
		}
		if pid == 0 {
			pid = id.Person.ID
		}
		sh, err := inspection.SheetOf(ctx, s.db, sc, id.Principal, cid, pid)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, newList(sheetAnswers(sh), ""))
	case "managed":
		if !authz.CanSome(id.Principal, authz.ViewCampaignResults) {
			return denied(authz.ViewCampaignResults)
		}
		limit, cursor, err := paging(r)
		if err != nil {
			return err
		}
		page, err := inspection.ListAnswers(ctx, s.db, sc, id.Principal, cid, cursor, limit)
		if err != nil {
			return err
		}
		items, err := inspection.Items(ctx, s.db, sc, c.ChecklistID)
		if err != nil {
			return err
		}
		byID := make(map[int64]inspection.Item, len(items))
		for _, it := range items {
			byID[it.ID] = it
		}
		out := make([]answerView, 0, len(page.Items))
		for _, a := range page.Items {
			it := byID[a.ItemID]
			out = append(out, answerView{CampaignID: cid, PersonID: a.PersonID, DepartmentID: a.DepartmentID, ItemID: a.ItemID,
				Code: it.Code, Question: it.Question, Respondent: it.Respondent, Answer: a.Answer, Comment: a.Comment,
				EvidenceID: a.EvidenceID, AnsweredAt: a.AnsweredAt})
		}
		return s.respond(w, r, http.StatusOK, newList(out, page.NextCursor))
	}
	return invalidQuery("scope", "error.invalid_choice")
}

// answerInput is one answer given through the API.
type answerInput struct {
	Answer  string `json:"answer"`
	Comment string `json:"comment"`
}

// campaignAnswerPut saves the caller's answer to one item. After the
// campaign closes, or for an item the caller is not asked, it is refused
// (409 or 403) and the refusal kept in the trail.
func (s *Server) campaignAnswerPut(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	cid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	itemID, err := pathID(r, "item_id")
	if err != nil {
		return err
	}
	var in answerInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Answer == "" {
		return validate.Errors{"answer": {Key: "error.required"}}
	}
	ctx := r.Context()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := inspection.SaveAnswers(ctx, tx, sc, id.Principal, cid, []inspection.AnswerInput{{ItemID: itemID, Answer: in.Answer, Comment: in.Comment}})
		return err
	})
	if ve, ok := validate.As(err); ok {
		// The domain names fields per item; one item's are the body's.
		out := validate.Errors{}
		for f, p := range ve {
			out[answerField(f)] = p
		}
		return out
	}
	if err != nil {
		return err
	}
	sh, err := inspection.MySheet(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return err
	}
	for _, a := range sheetAnswers(sh) {
		if a.ItemID == itemID {
			return s.respond(w, r, http.StatusOK, a)
		}
	}
	return db.ErrNotFound
}

// answerField turns "answers.12.comment" into "comment".
func answerField(f string) string {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i] == '.' {
			return f[i+1:]
		}
	}
	return f
}
