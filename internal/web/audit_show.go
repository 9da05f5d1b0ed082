package web

// One engagement (個別監査): its set-up (scope, auditors), the 監査項目, the
// evidence requests and the department's replies, the working notes, the
// findings with their corrective actions and reviews, and the report's
// steps. Each form posts to its own route; a refused form comes back on
// this page with its problems beside its fields and what was typed.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// auditShowPage is an engagement's page.
type auditShowPage struct {
	auditFormState
	A         audit.Audit
	Perm      audit.Permissions
	Badge     string
	Plan      *audit.Plan
	PlanYears string
	StartsOn  any
	EndsOn    any
	Objective []string
	Steps     []auditStep
	NextStep  string // what happens next, in the reader's words

	Scope    []auditScopeRow
	Auditors []audit.Auditor

	Items    []auditItemRow
	Requests []auditRequestRow
	Notes    []audit.Note
	Findings []auditFindingRow
	Counts   auditCounts

	// Choices of the forms.
	AuditedDepartments []deptOption // the audited ones and those below
	AllDepartments     []deptOption
	AuditorChoices     []auditPerson
	Documents          []auditDocument
	Owners             []auditPerson
	Results            []audit.ItemResult
	Severities         []audit.Severity
	MaxFile            string

	CanStart, CanCancel, CanDraft, CanRespond, CanFinal, CanApprove bool
	ApprovedAt, RespondedAt                                         int64
	ApproverName, ResponderName                                     string
	DraftLines, ResponseLines, FinalLines                           []string
}

// auditStep is one step of the engagement's progress bar.
type auditStep struct {
	Key     string
	Done    bool
	Current bool
}

// auditCounts sums up the findings and items.
type auditCounts struct {
	Major, Minor, Observation int
	Items, Checked            int
}

type auditScopeRow struct {
	Kind    string // message key
	Code    audit.ScopeKind
	Ref     string
	Label   string
	Removal bool
}

type auditItemRow struct {
	I         audit.Item
	Clause    string
	ResultKey string
	Badge     string
	Lines     []string // 監査項目, line by line
}

type auditRequestRow struct {
	R          audit.Request
	Department string
	Due        any
	Overdue    bool
	Files      []evidence.File
	CanReply   bool
	Lines      []string
	ReplyLines []string
	RepliedAt  int64
}

type auditFindingRow struct {
	F          audit.Finding
	Department string
	Clause     string
	Badge      string
	Actions    []auditActionRow
	CanRaise   bool
	CanReview  bool
	ReviewURL  string
	Lines      []string
}

type auditActionRow struct {
	A      action.Action
	Owner  string
	Due    any
	Badge  string
	Status string
}

func (s *Server) auditShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.auditShowData(r, auditFormState{})
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "audit_show", page.A.Title, page)
}

// auditSteps are the engagement's steps in order.
var auditSteps = []audit.Status{audit.Planned, audit.Fieldwork, audit.Reporting, audit.Responded, audit.Final}

func (s *Server) auditShowData(r *http.Request, fs auditFormState) (auditShowPage, error) {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return auditShowPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	a, perm, err := audit.Get(ctx, s.db, sc, id.Principal, aid)
	if err != nil {
		return auditShowPage{}, err
	}
	page := auditShowPage{auditFormState: fs, A: a, Perm: perm, Badge: auditStatusBadge(a.Status),
		StartsOn: isoDay(a.StartsOn), EndsOn: isoDay(a.EndsOn), Auditors: a.Auditors,
		Results: audit.ItemResults, Severities: audit.Severities, Objective: lines(a.Objective),
		DraftLines: lines(a.DraftReport), ResponseLines: lines(a.Response), FinalLines: lines(a.FinalReport),
		RespondedAt: a.RespondedAt, ApprovedAt: a.ApprovedAt}
	if a.PlanID != 0 {
		if p, err := audit.GetPlan(ctx, s.db, sc, id.Principal, a.PlanID); err == nil {
			page.Plan = &p
			page.PlanYears = s.fiscalYears(r, p.YearFrom, p.YearTo)
		}
	}
	reached := slices.Index(auditSteps, a.Status)
	for i, st := range auditSteps {
		// The last step reached is done, not under way.
		done := reached >= 0 && (i < reached || a.Status == audit.Final)
		page.Steps = append(page.Steps, auditStep{Key: st.Key(), Done: done, Current: i == reached && !done})
	}
	depts, names, err := s.allDepartments(ctx, sc)
	if err != nil {
		return page, err
	}
	page.AllDepartments = deptChoices(depts, names)
	audited := a.Departments()
	for _, d := range depts {
		for _, x := range audited {
			if slices.Contains(pathIn(depts, d.ID), x) {
				page.AuditedDepartments = append(page.AuditedDepartments, deptOption{ID: d.ID, Label: names[d.ID]})
				break
			}
		}
	}
	docs, docNames, err := s.documentChoices(ctx, sc, id.Principal)
	if err != nil {
		return page, err
	}
	page.Documents = docs
	clause := func(docID int64, ident string) string {
		if docID == 0 {
			return ""
		}
		name := docNames[docID]
		if name == "" {
			name = s.cat.T(lang, "audit.document_no", docID)
		}
		return strings.TrimSpace(name + " " + ident)
	}
	for _, e := range a.Scope {
		page.Scope = append(page.Scope, auditScopeRow{Kind: e.Kind.Key(), Code: e.Kind, Ref: e.Ref, Label: e.Label,
			Removal: perm.Manage && a.Status.Open()})
	}
	if perm.Manage && a.Status.Open() {
		if page.AuditorChoices, err = s.auditorChoices(ctx, sc, names); err != nil {
			return page, err
		}
	}

	items, err := audit.ListItems(ctx, s.db, sc, a.ID)
	if err != nil {
		return page, err
	}
	for _, it := range items {
		row := auditItemRow{I: it, Clause: clause(it.DocumentID, it.ClauseIdent), ResultKey: it.Result.Key(), Lines: lines(it.Item)}
		switch it.Result {
		case audit.Conforming:
			row.Badge = "badge-success"
		case audit.Nonconforming:
			row.Badge = "badge-danger"
		default:
			row.Badge = "badge-neutral"
		}
		page.Items = append(page.Items, row)
		page.Counts.Items++
		if it.Result != audit.NotYet {
			page.Counts.Checked++
		}
	}

	reqs, err := audit.ListRequests(ctx, s.db, sc, a.ID)
	if err != nil {
		return page, err
	}
	refs := make([]string, len(reqs))
	for i, rq := range reqs {
		refs[i] = strconv.FormatInt(rq.ID, 10)
	}
	files, err := evidence.ListByOwners(ctx, s.db, sc, audit.OwnerRequest, refs)
	if err != nil {
		return page, err
	}
	today := audit.Today()
	for _, rq := range reqs {
		row := auditRequestRow{R: rq, Department: names[rq.DepartmentID], Due: isoDay(rq.DueOn),
			Overdue: !rq.Answered() && rq.DueOn != "" && rq.DueOn < today, Lines: lines(rq.Request), ReplyLines: lines(rq.Reply),
			RepliedAt: rq.RepliedAt}
		if row.CanReply, err = audit.CanReply(ctx, s.db, sc, id.Principal, a, rq); err != nil {
			return page, err
		}
		// The files are shown to those the owner lets read them.
		for _, f := range files[strconv.FormatInt(rq.ID, 10)] {
			if ok, err := evidence.CanRead(ctx, s.db, sc, id.Principal, f); err != nil {
				return page, err
			} else if ok {
				row.Files = append(row.Files, f)
			}
		}
		page.Requests = append(page.Requests, row)
	}

	if perm.Notes {
		if page.Notes, err = audit.ListNotes(ctx, s.db, sc, id.Principal, a); err != nil {
			return page, err
		}
	}

	findings, err := audit.ListFindings(ctx, s.db, sc, a.ID)
	if err != nil {
		return page, err
	}
	actions, err := s.actionsOfAudit(ctx, sc, id.Principal, a.ID)
	if err != nil {
		return page, err
	}
	people := map[int64]string{}
	for _, f := range findings {
		row := auditFindingRow{F: f, Department: names[f.DepartmentID], Clause: clause(f.DocumentID, f.ClauseIdent),
			Badge: severityBadge(f.Severity), Lines: lines(f.Description),
			CanReview: (perm.Conduct || perm.Manage) && f.DocumentID != 0 && f.ReviewID == 0 && a.Status != audit.Cancelled}
		if f.ReviewID != 0 {
			row.ReviewURL = fmt.Sprintf("/documents/%d#reviews", f.DocumentID)
		}
		if a.Status != audit.Cancelled {
			if row.CanRaise, err = action.CanRaiseFromFinding(ctx, s.db, sc, id.Principal, f.ID); err != nil {
				return page, err
			}
		}
		for _, ac := range actions {
			if ac.FindingID != f.ID {
				continue
			}
			if _, ok := people[ac.OwnerID]; !ok {
				if per, err := org.GetPerson(ctx, s.db, sc, ac.OwnerID); err == nil {
					people[ac.OwnerID] = per.Name
				}
			}
			row.Actions = append(row.Actions, auditActionRow{A: ac, Owner: people[ac.OwnerID], Due: isoDay(ac.DueOn),
				Badge: actionStatusBadge(ac), Status: ac.Status.Key()})
		}
		switch f.Severity {
		case audit.Major:
			page.Counts.Major++
		case audit.Minor:
			page.Counts.Minor++
		default:
			page.Counts.Observation++
		}
		page.Findings = append(page.Findings, row)
	}
	if slices.ContainsFunc(page.Findings, func(f auditFindingRow) bool { return f.CanRaise }) {
		if page.Owners, err = s.peopleIn(ctx, sc, audited, names); err != nil {
			return page, err
		}
	}
	if max, err := evidence.MaxBytes(ctx, s.db, sc); err == nil {
		page.MaxFile = evidence.FormatSize(max)
	} else {
		return page, err
	}

	page.CanStart = a.Status == audit.Planned && (perm.Manage || perm.Conduct)
	page.CanCancel = perm.Manage && a.Status.Open()
	page.CanDraft = perm.Conduct && (a.Status == audit.Fieldwork || a.Status == audit.Reporting)
	page.CanRespond = perm.Respond && (a.Status == audit.Reporting || (a.Status == audit.Responded && a.FinalReport == ""))
	page.CanFinal = perm.Conduct && a.Status == audit.Responded
	page.CanApprove = perm.Approve && !perm.Auditor && a.AwaitingApproval()
	for _, pid := range []struct {
		id  int64
		out *string
	}{{a.ApprovedBy, &page.ApproverName}, {a.RespondedBy, &page.ResponderName}} {
		if pid.id != 0 {
			if per, err := org.GetPerson(ctx, s.db, sc, pid.id); err == nil {
				*pid.out = per.Name
			}
		}
	}
	page.NextStep = s.auditNextStep(lang, a, perm)
	return page, nil
}

// auditNextStep says in a sentence what the engagement waits for, and
// whether it is the reader's turn.
func (s *Server) auditNextStep(lang string, a audit.Audit, perm audit.Permissions) string {
	t := func(k string) string { return s.cat.T(lang, k) }
	switch a.Status {
	case audit.Planned:
		return t("audit.next.planned")
	case audit.Fieldwork:
		return t("audit.next.fieldwork")
	case audit.Reporting:
		if perm.Respond {
			return t("audit.next.reporting_you")
		}
		return t("audit.next.reporting")
	case audit.Responded:
		if a.FinalReport == "" {
			return t("audit.next.responded")
		}
		if perm.Approve && !perm.Auditor {
			return t("audit.next.approval_you")
		}
		return t("audit.next.approval")
	case audit.Final:
		return t("audit.next.final")
	}
	return t("audit.next.cancelled")
}

// actionsOfAudit lists the corrective actions raised from an engagement's
// findings that the reader may see (at most 200).
func (s *Server) actionsOfAudit(ctx context.Context, sc scope.Scope, p authz.Principal, auditID int64) ([]action.Action, error) {
	page, err := action.List(ctx, s.db, sc, p, action.Filter{AuditID: auditID, Limit: 200})
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// lines splits a text for showing with line breaks.
func lines(s string) []string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// auditStepFn is one change an engagement's form makes.
type auditStepFn func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, auditID int64) error

// auditPost runs one form of the engagement's page: on success back to
// the page (at anchor) with a notice; a refusal the person can act on
// comes back on the page beside the form; a refusal by the role table is
// a 403; a change of state meanwhile is a notice.
func (s *Server) auditPost(w http.ResponseWriter, r *http.Request, form string, perm authz.Action, fn auditStepFn, flashKey, anchor string) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	err = s.transact(ctx, func(tx *db.Tx) error { return fn(ctx, tx, sc, id.Principal, aid) })
	if err != nil {
		s.recordRefusals(r, sc, err)
	}
	back := fmt.Sprintf("/audits/%d", aid)
	switch {
	case err == nil:
		return s.redirect(w, r, back+anchor, flashKey)
	case errors.Is(err, audit.ErrState) || errors.Is(err, action.ErrState) || errors.Is(err, db.ErrConflict):
		s.setFlash(w, r, "error", "audit.flash.state_changed")
		http.Redirect(w, r, back+anchor, http.StatusSeeOther)
		return nil
	}
	errs, ok := s.auditFieldErrors(r, err)
	if !ok {
		return auditDomainDenied(err, perm)
	}
	page, perr := s.auditShowData(r, auditFormState{Refused: form, Posted: r.PostForm, Errs: errs})
	if perr != nil {
		return perr
	}
	p := s.newPage(r, "", page)
	p.Title = page.A.Title
	p.Errors, p.Form = errs, r.PostForm
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "audit.flash.refused_form")}
	return s.renderPage(w, r, http.StatusBadRequest, "audit_show", p)
}

func (s *Server) auditUpdate(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := audit.Input{Title: r.PostFormValue("title"), Objective: r.PostFormValue("objective"),
		StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on")}
	in.PlanID = pr.id("plan_id", r.PostFormValue("plan_id"))
	in.Version = pr.int("version", r.PostFormValue("version"), 0)
	return s.auditPost(w, r, "edit", authz.ManageAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.Update(ctx, tx, sc, p, aid, in)
		return pr.with(err)
	}, "audit.flash.saved", "")
}

func (s *Server) auditScopeAdd(w http.ResponseWriter, r *http.Request) error {
	in := audit.ScopeInput{Kind: r.PostFormValue("kind")}
	switch in.Kind {
	case "department":
		in.Ref = r.PostFormValue("department_id")
	case "system":
		in.Ref = strings.TrimPrefix(strings.TrimSpace(toHalfWidthDigits(r.PostFormValue("system_id"))), "#")
	case "clause":
		if doc, ident := r.PostFormValue("document_id"), strings.TrimSpace(r.PostFormValue("clause_ident")); doc != "" || ident != "" {
			in.Ref = doc + ":" + ident
		}
	}
	return s.auditPost(w, r, "scope", authz.ManageAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.AddScope(ctx, tx, sc, p, aid, in)
		return err
	}, "audit.flash.scope_added", "#setup")
}

func (s *Server) auditScopeRemove(w http.ResponseWriter, r *http.Request) error {
	in := audit.ScopeInput{Kind: r.PostFormValue("kind"), Ref: r.PostFormValue("ref")}
	return s.auditPost(w, r, "scope", authz.ManageAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.RemoveScope(ctx, tx, sc, p, aid, in)
		if errors.Is(err, db.ErrNotFound) {
			return &httpx.BadRequest{Key: "error.bad_request", Err: err}
		}
		return err
	}, "audit.flash.scope_removed", "#setup")
}

func (s *Server) auditAuditorAdd(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := audit.AuditorInput{PersonID: pr.id("person_id", r.PostFormValue("person_id")), Lead: r.PostFormValue("lead") == "1"}
	return s.auditPost(w, r, "auditor", authz.ManageAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		if len(pr) > 0 {
			return validate.Errors(pr)
		}
		_, err := audit.AddAuditor(ctx, tx, sc, p, aid, in)
		return err
	}, "audit.flash.auditor_added", "#setup")
}

func (s *Server) auditAuditorRemove(w http.ResponseWriter, r *http.Request) error {
	pid, err := mustID(r, "pid")
	if err != nil {
		return err
	}
	return s.auditPost(w, r, "auditor", authz.ManageAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.RemoveAuditor(ctx, tx, sc, p, aid, pid)
		return err
	}, "audit.flash.auditor_removed", "#setup")
}

func (s *Server) auditStart(w http.ResponseWriter, r *http.Request) error {
	return s.auditPost(w, r, "start", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.Start(ctx, tx, sc, p, aid)
		return err
	}, "audit.flash.started", "")
}

func (s *Server) auditCancel(w http.ResponseWriter, r *http.Request) error {
	return s.auditPost(w, r, "cancel", authz.ManageAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.Cancel(ctx, tx, sc, p, aid)
		return err
	}, "audit.flash.cancelled", "")
}

func (s *Server) auditItemAdd(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := audit.ItemInput{Item: r.PostFormValue("item"), Criteria: r.PostFormValue("criteria"), Method: r.PostFormValue("method"),
		ClauseIdent: r.PostFormValue("clause_ident")}
	in.DocumentID = pr.id("document_id", r.PostFormValue("document_id"))
	return s.auditPost(w, r, "item", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.AddItem(ctx, tx, sc, p, aid, in)
		return pr.with(err)
	}, "audit.flash.item_added", "#items")
}

func (s *Server) auditItemResult(w http.ResponseWriter, r *http.Request) error {
	iid, err := mustID(r, "iid")
	if err != nil {
		return err
	}
	in := audit.ResultInput{Result: r.PostFormValue("result"), Note: r.PostFormValue("note")}
	return s.auditPost(w, r, "result-"+strconv.FormatInt(iid, 10), authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.SetItemResult(ctx, tx, sc, p, aid, iid, in)
		return err
	}, "audit.flash.result_saved", fmt.Sprintf("#item-%d", iid))
}

func (s *Server) auditRequestAdd(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := audit.RequestInput{Request: r.PostFormValue("request"), DueOn: r.PostFormValue("due_on")}
	in.DepartmentID = pr.id("department_id", r.PostFormValue("department_id"))
	return s.auditPost(w, r, "request", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.AddRequest(ctx, tx, sc, p, aid, in)
		return pr.with(err)
	}, "audit.flash.request_added", "#requests")
}

// auditRequestReply answers an evidence request, with an optional file
// (multipart field "file").
func (s *Server) auditRequestReply(w http.ResponseWriter, r *http.Request) error {
	rid, err := mustID(r, "rid")
	if err != nil {
		return err
	}
	in := audit.ReplyInput{Reply: r.PostFormValue("reply")}
	f, fh, ferr := r.FormFile("file")
	switch {
	case ferr == nil:
		defer f.Close()
		in.File, in.FileName = f, fh.Filename
	case !errors.Is(ferr, http.ErrMissingFile) && !errors.Is(ferr, http.ErrNotMultipart):
		return &httpx.BadRequest{Key: "error.bad_request", Err: ferr}
	}
	return s.auditPost(w, r, "reply-"+strconv.FormatInt(rid, 10), authz.RespondAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.Reply(ctx, tx, sc, p, aid, rid, in)
		return err
	}, "audit.flash.replied", fmt.Sprintf("#request-%d", rid))
}

func (s *Server) auditNoteAdd(w http.ResponseWriter, r *http.Request) error {
	body := r.PostFormValue("body")
	return s.auditPost(w, r, "note", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.AddNote(ctx, tx, sc, p, aid, body)
		return err
	}, "audit.flash.note_added", "#notes")
}

func (s *Server) auditFindingAdd(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := audit.FindingInput{Severity: r.PostFormValue("severity"), Title: r.PostFormValue("title"),
		Description: r.PostFormValue("description"), ClauseIdent: r.PostFormValue("clause_ident")}
	in.ItemID = pr.id("item_id", r.PostFormValue("item_id"))
	in.DepartmentID = pr.id("department_id", r.PostFormValue("department_id"))
	in.DocumentID = pr.id("document_id", r.PostFormValue("document_id"))
	return s.auditPost(w, r, "finding", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		in.AuditID = aid
		_, err := audit.AddFinding(ctx, tx, sc, p, in)
		return pr.with(err)
	}, "audit.flash.finding_added", "#findings")
}

func (s *Server) auditFindingReview(w http.ResponseWriter, r *http.Request) error {
	fid, err := mustID(r, "fid")
	if err != nil {
		return err
	}
	note := r.PostFormValue("note")
	return s.auditPost(w, r, "review-"+strconv.FormatInt(fid, 10), authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		f, _, _, err := audit.GetFinding(ctx, tx, sc, p, fid)
		if err != nil {
			return err
		}
		if f.AuditID != aid {
			return fmt.Errorf("finding %d of audit %d: %w", fid, aid, db.ErrNotFound)
		}
		_, _, err = audit.OpenReview(ctx, tx, sc, p, fid, note)
		return err
	}, "audit.flash.review_opened", fmt.Sprintf("#finding-%d", fid))
}

// reportInput reads a report form.
func reportInput(r *http.Request) (audit.ReportInput, formProblems) {
	pr := formProblems{}
	in := audit.ReportInput{Text: r.PostFormValue("text")}
	in.Version = pr.int("version", r.PostFormValue("version"), 0)
	return in, pr
}

func (s *Server) auditReportDraft(w http.ResponseWriter, r *http.Request) error {
	in, pr := reportInput(r)
	return s.auditPost(w, r, "draft", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.IssueDraft(ctx, tx, sc, p, aid, in)
		return pr.with(renameField(err, "draft_report", "text"))
	}, "audit.flash.draft_issued", "#report")
}

func (s *Server) auditReportResponse(w http.ResponseWriter, r *http.Request) error {
	in, pr := reportInput(r)
	return s.auditPost(w, r, "response", authz.RespondAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.Respond(ctx, tx, sc, p, aid, in)
		return pr.with(renameField(err, "response", "text"))
	}, "audit.flash.responded", "#report")
}

func (s *Server) auditReportFinal(w http.ResponseWriter, r *http.Request) error {
	in, pr := reportInput(r)
	return s.auditPost(w, r, "final", authz.ConductAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		_, err := audit.SubmitFinal(ctx, tx, sc, p, aid, in)
		return pr.with(renameField(err, "final_report", "text"))
	}, "audit.flash.final_submitted", "#report")
}

func (s *Server) auditReportApprove(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	version := pr.int("version", r.PostFormValue("version"), 0)
	return s.auditPost(w, r, "approve", authz.ApproveAudits, func(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, aid int64) error {
		if len(pr) > 0 {
			return validate.Errors(pr)
		}
		_, err := audit.Approve(ctx, tx, sc, p, aid, version)
		return err
	}, "audit.flash.approved", "#report")
}

// renameField moves a validation problem to the form's field name.
func renameField(err error, from, to string) error {
	ve, ok := validate.As(err)
	if !ok {
		return err
	}
	if p, has := ve[from]; has {
		out := validate.Errors{}
		for k, v := range ve {
			if k != from {
				out[k] = v
			}
		}
		out[to] = p
		return out
	}
	return err
}
