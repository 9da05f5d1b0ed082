package web

// Exceptions (例外措置): the list, the request form, one request with the
// CISO's decision and the requester's withdrawal. Who sees which request
// is decided by package policy (its document's readers within their
// exception.view reach); a refused step is kept in the trail as a denied
// request.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/validate"
)

// exceptionPageSize is how many requests one page of the list shows.
const exceptionPageSize = 50

func exceptionURL(id int64) string { return fmt.Sprintf("/exceptions/%d", id) }

// exceptionLine is a request as a list shows it.
type exceptionLine struct {
	X        policy.Exception
	URL      string
	Document string
	DocURL   string
	Period   string
	State    string
	Badge    string
	Expiring bool
}

func (s *Server) exceptionLineOf(r *http.Request, x policy.Exception) exceptionLine {
	lang := s.lang(r)
	day := policyToday()
	st := x.State(day)
	line := exceptionLine{X: x, URL: exceptionURL(x.ID), Document: documentTitle(policy.Document{Number: x.DocumentNumber, Title: x.DocumentTitle}),
		DocURL: documentURL(x.DocumentID) + "#c-" + x.Clause,
		Period: s.cat.T(lang, "policyweb.exception_period", s.documentDateText(r, x.StartsOn), s.documentDateText(r, x.EndsOn)),
		State:  s.cat.T(lang, st.Key()), Expiring: x.Expiring(day)}
	switch st {
	case policy.ExceptionRequested:
		line.Badge = "badge-info"
	case policy.ExceptionApproved:
		line.Badge = "badge-success"
		if line.Expiring {
			line.Badge = "badge-warning"
		}
	case policy.ExceptionExpired, policy.ExceptionRejected:
		line.Badge = "badge-danger"
	default:
		line.Badge = "badge-neutral"
	}
	return line
}

// exceptionListPage is the list of requests.
type exceptionListPage struct {
	Rows     []exceptionLine
	Status   string
	Statuses []reviewChoice
	Mine     bool
	DocID    int64
	Document string
	Filtered bool
	NextURL  string
	FirstURL string
	CanNew   bool
	NewURL   string
}

func (s *Server) exceptionList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	q := r.URL.Query()
	f := policy.ExceptionFilter{Status: q.Get("status"), Mine: q.Get("mine") == "1", Clause: q.Get("clause"), Cursor: q.Get("cursor"), Limit: exceptionPageSize}
	if v := q.Get("document"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return &httpx.BadRequest{Key: "error.bad_request"}
		}
		f.DocumentID = n
	}
	list, err := policy.ListExceptions(ctx, s.db, sc, p, f)
	if ve, ok := validate.As(err); ok {
		return &httpx.BadRequest{Key: "error.bad_request", Err: ve}
	}
	if err != nil {
		return err
	}
	page := exceptionListPage{Status: f.Status, Mine: f.Mine, DocID: f.DocumentID, CanNew: authz.CanSome(p, authz.RequestExceptions),
		NewURL: "/exceptions/new", Filtered: f.Status != "" || f.Mine || f.DocumentID != 0}
	for _, st := range policy.ExceptionFilters {
		label := s.cat.T(lang, "common.all")
		switch st {
		case "":
		case "expiring":
			label = s.cat.T(lang, "policyweb.exception_filter.expiring", policy.ExpiringDays)
		case string(policy.ExceptionApproved):
			label = s.cat.T(lang, "policyweb.exception_filter.approved")
		default:
			label = s.cat.T(lang, policy.ExceptionStatus(st).Key())
		}
		page.Statuses = append(page.Statuses, reviewChoice{Value: st, Label: label})
	}
	if f.DocumentID != 0 {
		d, err := policy.GetDocument(ctx, s.db, sc, p, f.DocumentID)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return err
		default:
			page.Document = documentTitle(d)
			page.NewURL += "?document=" + strconv.FormatInt(d.ID, 10)
		}
	}
	for _, x := range list.Items {
		page.Rows = append(page.Rows, s.exceptionLineOf(r, x))
	}
	keep := url.Values{}
	for _, k := range []string{"status", "mine", "document", "clause"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if list.NextCursor != "" {
		next := url.Values{"cursor": {list.NextCursor}}
		for k, v := range keep {
			next[k] = v
		}
		page.NextURL = "/exceptions?" + next.Encode()
	}
	if f.Cursor != "" {
		page.FirstURL = withQuery("/exceptions", keep)
	}
	return s.render(w, r, "exception_list", "policyweb.exceptions_title", page)
}

// exceptionFormPage is the request form: first the document, then its
// clause and the rest.
type exceptionFormPage struct {
	Documents []documentOption
	DocID     int64
	Document  string
	DocURL    string
	Clauses   []clauseChoice
	Clause    string
	// NoClauses: the chosen document has no version in effect (or no
	// numbered clauses) to depart from.
	NoClauses  bool
	MaxMonths  int
	DateHint   string
	Problems   []documentProblem
	ChosenOnly bool
}

// exceptionFormFields are the form's fields in the order it asks for them.
var exceptionFormFields = []string{"document_id", "clause", "reason", "scope", "compensating", "starts_on", "ends_on"}

func (s *Server) exceptionNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var docID int64
	if v := q.Get("document"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return &httpx.BadRequest{Key: "error.bad_request"}
		}
		docID = n
	}
	page, err := s.exceptionFormData(r, docID, q.Get("clause"))
	if err != nil {
		return err
	}
	return s.render(w, r, "exception_form", "policyweb.exception_new_title", page)
}

// exceptionFormData gathers the form for a document (0: none chosen yet).
func (s *Server) exceptionFormData(r *http.Request, docID int64, clause string) (exceptionFormPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	page := exceptionFormPage{DocID: docID, Clause: clause, MaxMonths: policy.MaxExceptionMonths}
	docs, err := policy.ListDocuments(ctx, s.db, sc, p, policy.ListFilter{Limit: 500})
	if err != nil {
		return page, err
	}
	for _, it := range docs.Items {
		if it.CurrentVersionID == 0 {
			continue
		}
		page.Documents = append(page.Documents, documentOption{ID: it.ID, Label: documentTitle(it.Document)})
	}
	if docID == 0 {
		return page, nil
	}
	d, err := policy.GetDocument(ctx, s.db, sc, p, docID)
	if errors.Is(err, db.ErrNotFound) {
		page.DocID = 0
		return page, nil
	}
	if err != nil {
		return page, err
	}
	page.Document, page.DocURL = documentTitle(d), documentURL(d.ID)
	if d.CurrentVersionID != 0 {
		v, err := policy.GetVersion(ctx, s.db, sc, p, d.ID, d.CurrentVersionID)
		if err != nil {
			return page, err
		}
		for _, c := range v.Clauses {
			page.Clauses = append(page.Clauses, clauseChoice{Ident: c.Ident, Label: s.clauseName(lang, c.Ident, clauseLabel(c))})
		}
	}
	page.NoClauses = len(page.Clauses) == 0
	return page, nil
}

func (s *Server) exceptionCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	pr := formProblems{}
	in := policy.ExceptionInput{Clause: r.PostFormValue("clause"), Reason: r.PostFormValue("reason"), Scope: r.PostFormValue("scope"),
		Compensating: r.PostFormValue("compensating"), StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on")}
	in.DocumentID = pr.id("document_id", r.PostFormValue("document_id"))
	var x policy.Exception
	err := pr.merge(func() error {
		return s.transact(ctx, func(tx *db.Tx) (err error) {
			x, err = policy.RequestException(ctx, tx, sc, id.Principal, in)
			return err
		})
	})
	if _, invalid := validate.As(err); invalid {
		page, derr := s.exceptionFormData(r, in.DocumentID, in.Clause)
		if derr != nil {
			return derr
		}
		errs, _ := s.fieldErrors(r, err)
		page.Problems = s.documentProblems(r, exceptionFormFields, "policyweb.field.", errs)
		return s.renderForm(w, r, "exception_form", "policyweb.exception_new_title", page, err)
	}
	if err != nil {
		return documentDenied(err, authz.RequestExceptions)
	}
	return s.redirect(w, r, exceptionURL(x.ID), "policyweb.exception_requested")
}

// exceptionShowPage is one request.
type exceptionShowPage struct {
	L           exceptionLine
	Clause      string
	Department  string
	Reason      []string
	Scope       []string
	Measures    []string
	Note        []string
	CanDecide   bool
	OwnRequest  bool
	CanWithdraw bool
	// Refusal is why a step was just refused.
	Refusal string
	// Refused names the form that came back with problems.
	Refused string
}

func (s *Server) exceptionShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.exceptionShowData(r)
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "exception_show", s.cat.T(s.lang(r), "policyweb.exception_title", page.L.X.ID), page)
}

func (s *Server) exceptionShowData(r *http.Request) (exceptionShowPage, error) {
	ctx := r.Context()
	xid, err := mustID(r, "id")
	if err != nil {
		return exceptionShowPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	x, err := policy.GetException(ctx, s.db, sc, p, xid)
	if err != nil {
		return exceptionShowPage{}, err
	}
	lines := func(t string) []string { return strings.Split(strings.ReplaceAll(t, "\r\n", "\n"), "\n") }
	page := exceptionShowPage{L: s.exceptionLineOf(r, x), Clause: x.Clause, Reason: lines(x.Reason), Scope: lines(x.Scope),
		Measures: lines(x.Compensating), OwnRequest: x.RequesterID == p.PersonID}
	if x.DecisionNote != "" {
		page.Note = lines(x.DecisionNote)
	}
	if x.DocumentID != 0 {
		if d, err := policy.GetDocument(ctx, s.db, sc, p, x.DocumentID); err == nil && d.CurrentVersionID != 0 {
			if v, err := policy.GetVersion(ctx, s.db, sc, p, d.ID, d.CurrentVersionID); err == nil {
				for _, c := range v.Clauses {
					if c.Ident == x.Clause {
						page.Clause = s.clauseName(lang, c.Ident, clauseLabel(c))
					}
				}
			}
		}
	}
	if x.DepartmentID != 0 {
		depts, err := org.ListDepartments(ctx, s.db, sc)
		if err != nil {
			return page, err
		}
		page.Department = departmentNames(depts)[x.DepartmentID]
	}
	pending := x.Status == policy.ExceptionRequested
	page.CanDecide = pending && !page.OwnRequest && authz.CanSome(p, authz.DecideExceptions)
	page.CanWithdraw = pending && page.OwnRequest
	return page, nil
}

// exceptionAgain shows the request again after a step was refused: the
// rule's reason at the top, or the form's problems beside its fields.
func (s *Server) exceptionAgain(w http.ResponseWriter, r *http.Request, form string, perm authz.Action, err error) error {
	ref, refused := policy.AsRefusal(err)
	_, invalid := validate.As(err)
	if errors.Is(err, db.ErrConflict) && !refused {
		err, invalid = validate.Errors{"version": {Key: "policyweb.exception_conflict"}}, true
	}
	if !refused && !invalid {
		return documentDenied(err, perm)
	}
	page, derr := s.exceptionShowData(r)
	if derr != nil {
		return derr
	}
	page.Refused = form
	p := s.newPage(r, "", page)
	p.Title = s.cat.T(p.Lang, "policyweb.exception_title", page.L.X.ID)
	p.Form = r.PostForm
	status := http.StatusBadRequest
	if refused {
		// A refusal by the rules is kept as a denied request.
		if rerr := httpx.RecordDenied(r.Context(), s.db, httpx.Scope(r, httpx.IdentityFrom(r.Context()).Org.ID), perm, r); rerr != nil {
			s.log.Error("cannot record refusal", "request_id", httpx.RequestID(r.Context()), "err", rerr)
		}
		page.Refusal = s.cat.T(p.Lang, ref.Key)
		status = documentRefusalStatus(ref)
	} else {
		p.Errors, _ = s.fieldErrors(r, err)
		p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "error.invalid_input")}
	}
	p.Data = page
	return s.renderPage(w, r, status, "exception_show", p)
}

func (s *Server) exceptionDecide(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	xid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if _, err := policy.GetException(ctx, s.db, sc, id.Principal, xid); err != nil {
		return err
	}
	pr := formProblems{}
	dec := policy.Decision{Note: r.PostFormValue("note")}
	switch r.PostFormValue("decision") {
	case "approve":
		dec.Approve = true
	case "reject":
	case "":
		validate.Errors(pr).Add("decision", "error.required")
	default:
		validate.Errors(pr).Add("decision", "error.invalid_choice")
	}
	dec.Version = pr.int("version", r.PostFormValue("version"), 0)
	err = pr.merge(func() error {
		if len(pr) > 0 {
			return nil
		}
		return s.transact(ctx, func(tx *db.Tx) error {
			_, err := policy.DecideException(ctx, tx, sc, id.Principal, xid, dec)
			return err
		})
	})
	if err != nil {
		return s.exceptionAgain(w, r, "decide", authz.DecideExceptions, err)
	}
	flash := "policyweb.exception_rejected"
	if dec.Approve {
		flash = "policyweb.exception_approved"
	}
	return s.redirect(w, r, exceptionURL(xid), flash)
}

func (s *Server) exceptionWithdraw(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	xid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if _, err := policy.GetException(ctx, s.db, sc, id.Principal, xid); err != nil {
		return err
	}
	pr := formProblems{}
	version := pr.int("version", r.PostFormValue("version"), 0)
	err = pr.merge(func() error {
		if len(pr) > 0 {
			return nil
		}
		return s.transact(ctx, func(tx *db.Tx) error {
			_, err := policy.WithdrawException(ctx, tx, sc, id.Principal, xid, version)
			return err
		})
	})
	if err != nil {
		return s.exceptionAgain(w, r, "withdraw", authz.RequestExceptions, err)
	}
	return s.redirect(w, r, exceptionURL(xid), "policyweb.exception_withdrawn")
}
