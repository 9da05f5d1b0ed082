package web

// 是正処置: the list (one's own, a department's, the overdue ones), one
// action with its progress, files and verification, and raising one from
// an audit finding (the form sits under the finding on the audit's page).

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/validate"
)

// actionPageSize is how many actions one page lists.
const actionPageSize = 50

// actionListPage is the list of corrective actions.
type actionListPage struct {
	Rows     []actionRow
	Status   string
	Overdue  bool
	Mine     bool
	Statuses []action.Status
	NextURL  string
	FirstURL string
	Filtered bool
}

// actionRow is one action in a list.
type actionRow struct {
	A          action.Action
	Owner      string
	Department string
	Due        any
	Badge      string
	SourceURL  string
}

func (s *Server) actionList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	q := r.URL.Query()
	page := actionListPage{Statuses: action.Statuses}
	f := action.Filter{Cursor: q.Get("cursor"), Limit: actionPageSize}
	if st := q.Get("status"); st != "" {
		if !action.Status(st).IsValid() {
			return &httpx.BadRequest{Key: "error.bad_request"}
		}
		f.Status, page.Status = action.Status(st), st
	}
	if q.Get("overdue") == "1" {
		f.Overdue, page.Overdue = true, true
	}
	if q.Get("mine") == "1" {
		f.OwnerID, page.Mine = id.Person.ID, true
	}
	page.Filtered = page.Status != "" || page.Overdue || page.Mine
	list, err := action.List(ctx, s.db, sc, id.Principal, f)
	if _, bad := validate.As(err); bad {
		return &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return err
	}
	_, names, err := s.allDepartments(ctx, sc)
	if err != nil {
		return err
	}
	people := map[int64]string{}
	for _, a := range list.Items {
		page.Rows = append(page.Rows, s.actionRow(r, a, names, people))
	}
	base := url.Values{}
	if page.Status != "" {
		base.Set("status", page.Status)
	}
	if page.Overdue {
		base.Set("overdue", "1")
	}
	if page.Mine {
		base.Set("mine", "1")
	}
	if list.NextCursor != "" {
		next := url.Values{}
		for k, v := range base {
			next[k] = v
		}
		next.Set("cursor", list.NextCursor)
		page.NextURL = "/actions?" + next.Encode()
	}
	if f.Cursor != "" {
		page.FirstURL = "/actions?" + base.Encode()
	}
	return s.render(w, r, "actions", "action.title", page)
}

func (s *Server) actionRow(r *http.Request, a action.Action, names map[int64]string, people map[int64]string) actionRow {
	if _, ok := people[a.OwnerID]; !ok {
		people[a.OwnerID] = ""
		if per, err := org.GetPerson(r.Context(), s.db, httpx.Scope(r, httpx.IdentityFrom(r.Context()).Org.ID), a.OwnerID); err == nil {
			people[a.OwnerID] = per.Name
		}
	}
	row := actionRow{A: a, Owner: people[a.OwnerID], Department: names[a.DepartmentID], Due: isoDay(a.DueOn), Badge: actionStatusBadge(a)}
	if a.AuditID != 0 {
		row.SourceURL = fmt.Sprintf("/audits/%d#finding-%d", a.AuditID, a.FindingID)
	}
	return row
}

// actionShowPage is one corrective action.
type actionShowPage struct {
	actionRow
	Perm        action.Permissions
	Files       []evidence.File
	Description []string
	Progress    []string
	Verify      []string
	VerifiedBy  string
	MaxFile     string
	Statuses    []action.Status // those the owner may choose
	Finding     *audit.Finding
	AuditTitle  string
	CanProgress bool
	CanVerify   bool
	CanAttach   bool
	Refused     string
}

func (s *Server) actionShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.actionShowData(r)
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "action_show", page.A.Title, page)
}

func (s *Server) actionShowData(r *http.Request) (actionShowPage, error) {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return actionShowPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	a, perm, err := action.Get(ctx, s.db, sc, id.Principal, aid)
	if err != nil {
		return actionShowPage{}, err
	}
	_, names, err := s.allDepartments(ctx, sc)
	if err != nil {
		return actionShowPage{}, err
	}
	page := actionShowPage{actionRow: s.actionRow(r, a, names, map[int64]string{}), Perm: perm,
		Description: lines(a.Description), Progress: lines(a.ProgressNote), Verify: lines(a.VerificationNote),
		Statuses: []action.Status{action.InProgress, action.Completed}}
	if page.Files, err = evidence.ListByOwner(ctx, s.db, sc, evidence.Owner{Kind: action.OwnerAction, Ref: strconv.FormatInt(a.ID, 10)}); err != nil {
		return page, err
	}
	if a.VerifiedBy != 0 {
		if per, err := org.GetPerson(ctx, s.db, sc, a.VerifiedBy); err == nil {
			page.VerifiedBy = per.Name
		}
	}
	if a.FindingID != 0 {
		if f, au, _, err := audit.GetFinding(ctx, s.db, sc, id.Principal, a.FindingID); err == nil {
			page.Finding, page.AuditTitle = &f, au.Title
		}
	}
	n, err := evidence.MaxBytes(ctx, s.db, sc)
	if err != nil {
		return page, err
	}
	page.MaxFile = evidence.FormatSize(n)
	page.CanProgress = perm.Edit && (a.Status == action.Open || a.Status == action.InProgress)
	page.CanAttach = perm.Edit && a.Status != action.Verified
	page.CanVerify = perm.Verify && a.Status == action.Completed
	return page, nil
}

// actionPost runs one form of an action's page.
func (s *Server) actionPost(w http.ResponseWriter, r *http.Request, form string, perm authz.Action, fn func(tx *db.Tx, p authz.Principal, id int64) error, flashKey string) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	err = s.transact(ctx, func(tx *db.Tx) error { return fn(tx, id.Principal, aid) })
	if err != nil {
		s.recordRefusals(r, sc, err)
	}
	back := fmt.Sprintf("/actions/%d", aid)
	switch {
	case err == nil:
		return s.redirect(w, r, back, flashKey)
	case errors.Is(err, action.ErrState) || errors.Is(err, db.ErrConflict):
		s.setFlash(w, r, "error", "action.flash.changed_meanwhile")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	errs, ok := s.auditFieldErrors(r, err)
	if !ok {
		return auditDomainDenied(err, perm)
	}
	page, perr := s.actionShowData(r)
	if perr != nil {
		return perr
	}
	page.Refused = form
	p := s.newPage(r, "", page)
	p.Title = page.A.Title
	p.Errors, p.Form = errs, r.PostForm
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "audit.flash.refused_form")}
	return s.renderPage(w, r, http.StatusBadRequest, "action_show", p)
}

func (s *Server) actionProgress(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := action.ProgressInput{Status: r.PostFormValue("status"), Note: r.PostFormValue("progress_note"), DueOn: r.PostFormValue("due_on")}
	in.Version = pr.int("version", r.PostFormValue("version"), 0)
	return s.actionPost(w, r, "progress", authz.EditActions, func(tx *db.Tx, p authz.Principal, id int64) error {
		_, err := action.Progress(r.Context(), tx, httpx.Scope(r, httpx.IdentityFrom(r.Context()).Org.ID), p, id, in)
		return pr.with(err)
	}, "action.flash.progress_saved")
}

func (s *Server) actionFileAdd(w http.ResponseWriter, r *http.Request) error {
	f, fh, err := r.FormFile("file")
	missing := errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart)
	if err != nil && !missing {
		return &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	if f != nil {
		defer f.Close()
	}
	return s.actionPost(w, r, "file", authz.EditActions, func(tx *db.Tx, p authz.Principal, id int64) error {
		sc := httpx.Scope(r, httpx.IdentityFrom(r.Context()).Org.ID)
		if missing {
			// Who may not attach learns that first, not that a file is missing.
			_, perm, err := action.Get(r.Context(), tx, sc, p, id)
			if err != nil {
				return err
			}
			if !perm.Edit {
				return action.ErrForbidden
			}
			return validate.Errors{"file": {Key: "evidence.file_required"}}
		}
		_, err := action.Attach(r.Context(), tx, sc, p, id, fh.Filename, f)
		return err
	}, "action.flash.file_added")
}

func (s *Server) actionVerify(w http.ResponseWriter, r *http.Request) error {
	pr := formProblems{}
	in := action.VerifyInput{Accept: r.PostFormValue("decision") == "accept", Note: r.PostFormValue("verification_note")}
	in.Version = pr.int("version", r.PostFormValue("version"), 0)
	if d := r.PostFormValue("decision"); d != "accept" && d != "return" {
		validate.Errors(pr).Add("decision", "error.required_choice")
	}
	flash := "action.flash.returned"
	if in.Accept {
		flash = "action.flash.verified"
	}
	return s.actionPost(w, r, "verify", authz.VerifyActions, func(tx *db.Tx, p authz.Principal, id int64) error {
		if len(pr) > 0 {
			return validate.Errors(pr)
		}
		_, err := action.Verify(r.Context(), tx, httpx.Scope(r, httpx.IdentityFrom(r.Context()).Org.ID), p, id, in)
		return err
	}, flash)
}

// actionCreate raises an action from a finding; the form sits under the
// finding on the audit's page, where a refusal shows again.
func (s *Server) actionCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	pr := formProblems{}
	in := action.FindingInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), DueOn: r.PostFormValue("due_on")}
	in.FindingID = pr.id("finding_id", r.PostFormValue("finding_id"))
	in.OwnerID = pr.id("owner_id", r.PostFormValue("owner_id"))
	f, au, _, err := audit.GetFinding(ctx, s.db, sc, id.Principal, in.FindingID)
	if errors.Is(err, db.ErrNotFound) {
		return &httpx.BadRequest{Key: "action.finding_required", Err: err}
	}
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *db.Tx) error {
		_, err := action.RaiseFromFinding(ctx, tx, sc, id.Principal, in)
		return pr.with(err)
	})
	if err == nil {
		return s.redirect(w, r, fmt.Sprintf("/audits/%d#finding-%d", au.ID, f.ID), "action.flash.raised")
	}
	errs, ok := s.fieldErrors(r, err)
	if !ok {
		return auditDomainDenied(err, authz.EditActions)
	}
	r.SetPathValue("id", strconv.FormatInt(au.ID, 10))
	page, perr := s.auditShowData(r, auditFormState{Refused: "action-" + strconv.FormatInt(f.ID, 10), Posted: r.PostForm, Errs: errs})
	if perr != nil {
		return perr
	}
	p := s.newPage(r, "", page)
	p.Title = page.A.Title
	p.Errors, p.Form = errs, r.PostForm
	p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "audit.flash.refused_form")}
	return s.renderPage(w, r, http.StatusBadRequest, "audit_show", p)
}
