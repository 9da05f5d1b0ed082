package api

// /api/v1/audits (engagements with their findings) and /api/v1/actions
// (corrective actions). Package audit and package action decide who may
// do what with each record; a refusal they can explain (an auditor who is
// not independent, a finding without an engagement) is answered 400 with
// its message and kept in the trail, a refusal by the role table 403.

import (
	"errors"
	"net/http"
	"slices"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
)

// registerAuditRoutes registers /api/v1/audits and /api/v1/actions.
func (s *Server) registerAuditRoutes() {
	const get, post, patch = http.MethodGet, http.MethodPost, http.MethodPatch
	s.handle(get, Prefix+"/audits", authz.ViewAudits, s.audits)
	s.handle(post, Prefix+"/audits", authz.ManageAudits, s.auditCreate)
	s.handle(get, Prefix+"/audits/{id}", authz.ViewAudits, s.auditGet)
	s.handle(get, Prefix+"/audits/{id}/findings", authz.ViewAudits, s.auditFindings)
	// A finding names its engagement in the body, so one without an
	// engagement is refused with its reason rather than lost as a 404.
	s.handle(post, Prefix+"/findings", authz.ConductAudits, s.findingCreate)

	// Everyone sees the actions they own; package action decides the rest.
	s.handle(get, Prefix+"/actions", authz.ViewActions, s.actions)
	s.handle(post, Prefix+"/actions", authz.ViewActions, s.actionCreate)
	s.handle(get, Prefix+"/actions/{id}", authz.ViewActions, s.actionGet)
	s.handle(patch, Prefix+"/actions/{id}", authz.EditActions, s.actionUpdate)
	s.handle(post, Prefix+"/actions/{id}/verify", authz.VerifyActions, s.actionVerify)
}

// auditView is an engagement with its findings and what the caller may do.
type auditView struct {
	audit.Audit
	Findings    []audit.Finding   `json:"findings"`
	Permissions audit.Permissions `json:"permissions"`
}

// auditListItem is an engagement in a list (without its findings).
type auditListItem struct {
	audit.Audit
}

// actionView is a corrective action with what the caller may do.
type actionView struct {
	action.Action
	Permissions action.Permissions `json:"permissions"`
}

// domainError turns a domain package's refusal into the API's: kept in
// the trail (a refusal the person can act on as a denial with its reason;
// a refusal by the role table as a 403).
func (s *Server) domainError(r *http.Request, err error, perm authz.Action) error {
	if err == nil {
		return nil
	}
	if _, ok := audit.AsRefusal(err); ok {
		_, sc := scopeOf(r)
		if rerr := audit.RecordRefusal(r.Context(), s.db, sc, err); rerr != nil {
			s.log.Error("cannot record refusal", "request_id", httpx.RequestID(r.Context()), "err", rerr)
		}
	}
	if errors.Is(err, authz.ErrForbidden) {
		return denied(perm)
	}
	return err
}

func (s *Server) audits(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	f := audit.Filter{Limit: limit, Cursor: cursor}
	q := r.URL.Query()
	if st := q.Get("status"); st != "" {
		if !audit.Status(st).IsValid() {
			return invalidQuery("status", "error.invalid_choice")
		}
		f.Status = audit.Status(st)
	}
	if f.PlanID, err = queryID(r, "plan_id"); err != nil {
		return err
	}
	switch q.Get("mine") {
	case "", "false":
	case "true":
		f.Mine = true
	default:
		return invalidQuery("mine", "error.invalid_choice")
	}
	page, err := audit.List(r.Context(), s.db, sc, id.Principal, f)
	if errors.Is(err, audit.ErrBadCursor) {
		return invalidQuery("cursor", "error.invalid_cursor")
	}
	if err != nil {
		return err
	}
	items := make([]auditListItem, len(page.Items))
	for i, a := range page.Items {
		items[i] = auditListItem{a}
	}
	return s.respond(w, r, http.StatusOK, newList(items, page.NextCursor))
}

func (s *Server) auditCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in audit.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var a audit.Audit
	err := s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = audit.Create(ctx, tx, sc, id.Principal, in)
		return err
	})
	if err != nil {
		return s.domainError(r, err, authz.ManageAudits)
	}
	return s.viewAudit(w, r, a.ID, http.StatusCreated)
}

func (s *Server) viewAudit(w http.ResponseWriter, r *http.Request, auditID int64, status int) error {
	id, sc := scopeOf(r)
	a, perm, err := audit.Get(r.Context(), s.db, sc, id.Principal, auditID)
	if err != nil {
		return err
	}
	fs, err := audit.ListFindings(r.Context(), s.db, sc, a.ID)
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []audit.Finding{}
	}
	return s.respond(w, r, status, auditView{Audit: a, Findings: fs, Permissions: perm})
}

func (s *Server) auditGet(w http.ResponseWriter, r *http.Request) error {
	auditID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.viewAudit(w, r, auditID, http.StatusOK)
}

func (s *Server) auditFindings(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	auditID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, _, err := audit.Get(r.Context(), s.db, sc, id.Principal, auditID); err != nil {
		return err
	}
	fs, err := audit.ListFindings(r.Context(), s.db, sc, auditID)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(fs, ""))
}

// findingCreate records a finding of the engagement named by audit_id.
// None, or one the organisation does not have, is refused with 400 and
// the reason in fields.audit_id, and the refusal is kept in the trail.
func (s *Server) findingCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in audit.FindingInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var f audit.Finding
	err := s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		f, err = audit.AddFinding(ctx, tx, sc, id.Principal, in)
		return err
	})
	if err != nil {
		return s.domainError(r, err, authz.ConductAudits)
	}
	return s.respond(w, r, http.StatusCreated, f)
}

// actionFilter reads the list's filters.
func actionFilter(r *http.Request) (action.Filter, error) {
	limit, cursor, err := paging(r)
	if err != nil {
		return action.Filter{}, err
	}
	f := action.Filter{Limit: limit, Cursor: cursor}
	q := r.URL.Query()
	if st := q.Get("status"); st != "" {
		if !action.Status(st).IsValid() {
			return f, invalidQuery("status", "error.invalid_choice")
		}
		f.Status = action.Status(st)
	}
	for name, dst := range map[string]*int64{"owner_id": &f.OwnerID, "department_id": &f.DepartmentID,
		"finding_id": &f.FindingID, "audit_id": &f.AuditID} {
		if *dst, err = queryID(r, name); err != nil {
			return f, err
		}
	}
	for name, dst := range map[string]*bool{"overdue": &f.Overdue, "pending": &f.Pending} {
		switch q.Get(name) {
		case "", "false":
		case "true":
			*dst = true
		default:
			return f, invalidQuery(name, "error.invalid_choice")
		}
	}
	return f, nil
}

func (s *Server) actions(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	f, err := actionFilter(r)
	if err != nil {
		return err
	}
	page, err := action.List(r.Context(), s.db, sc, id.Principal, f)
	if errors.Is(err, action.ErrBadCursor) {
		return invalidQuery("cursor", "error.invalid_cursor")
	}
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(page.Items, page.NextCursor))
}

func (s *Server) viewAction(w http.ResponseWriter, r *http.Request, actionID int64, status int) error {
	id, sc := scopeOf(r)
	a, perm, err := action.Get(r.Context(), s.db, sc, id.Principal, actionID)
	if err != nil {
		return err
	}
	return s.respond(w, r, status, actionView{Action: a, Permissions: perm})
}

// actionCreate raises an action from a finding.
func (s *Server) actionCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	var in action.FindingInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var a action.Action
	err := s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = action.RaiseFromFinding(ctx, tx, sc, id.Principal, in)
		return err
	})
	if err != nil {
		return s.domainError(r, err, authz.EditActions)
	}
	return s.viewAction(w, r, a.ID, http.StatusCreated)
}

func (s *Server) actionGet(w http.ResponseWriter, r *http.Request) error {
	actionID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.viewAction(w, r, actionID, http.StatusOK)
}

// actionUpdate records progress: status (open, in_progress, completed),
// progress_note, due_on; send version to be refused (409) when someone
// changed it since.
func (s *Server) actionUpdate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	actionID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in action.ProgressInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := action.Progress(ctx, tx, sc, id.Principal, actionID, in)
		return err
	})
	if err != nil {
		return s.domainError(r, err, authz.EditActions)
	}
	return s.viewAction(w, r, actionID, http.StatusOK)
}

// actionVerify records the verification of a completed action: accept
// true closes it, false sends it back (with a verification_note).
func (s *Server) actionVerify(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	actionID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in action.VerifyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := action.Verify(ctx, tx, sc, id.Principal, actionID, in)
		return err
	})
	if err != nil {
		return s.domainError(r, err, authz.VerifyActions)
	}
	return s.viewAction(w, r, actionID, http.StatusOK)
}

// The OpenAPI operations of these routes, added to the one table here so
// the audit routes and their documentation live in one file.
func init() {
	auditStatus := enumOf(audit.Statuses)
	actionStatus := enumOf(action.Statuses)
	ops := map[string]operation{
		"GET " + Prefix + "/audits": {ID: "listAudits", Tag: "audits", Summary: "Audit engagements (個別監査) the caller may see, newest first",
			Description: "The CISO, 統括, auditors and the committee see every engagement; a 情報セキュリティ責任者 or 管理者 those auditing their departments. " +
				"Each with its scope (departments, systems, clauses) and auditors.",
			Query: append(slices.Clone(pageParams),
				param{"status", auditStatus, "Status."},
				param{"plan_id", idParam, "Engagements of this audit plan."},
				param{"mine", boolean, "Only those the caller is an auditor of."}),
			Response: typeOf[auditListItem](), List: true, Status: 200},
		"POST " + Prefix + "/audits": {ID: "createAudit", Tag: "audits", Summary: "Open an engagement with its scope and auditors",
			Description: `For example {"title":"総務部の情報セキュリティ監査","starts_on":"2025-10-01","ends_on":"2025-10-31","departments":["3"],"auditors":["12"],"lead":"12"}. ` +
				"An auditor who belongs to an audited department (or holds a department role over it) is refused with 400, the reason in fields.auditors, and the refusal is kept in the trail.",
			Body: typeOf[audit.Input](), Response: typeOf[auditView](), Status: 201},
		"GET " + Prefix + "/audits/{id}": {ID: "getAudit", Tag: "audits", Summary: "An engagement with its findings and the caller's permissions",
			Description: "404 when the caller may not see it.",
			Response:    typeOf[auditView](), Status: 200},
		"GET " + Prefix + "/audits/{id}/findings": {ID: "listAuditFindings", Tag: "audits", Summary: "The findings of an engagement, gravest first (one page)",
			Response: typeOf[audit.Finding](), List: true, Status: 200},
		"POST " + Prefix + "/findings": {ID: "createFinding", Tag: "audits", Summary: "Record a finding of an engagement (an assigned auditor, while it is open)",
			Description: `For example {"audit_id":"3","severity":"minor","title":"台帳が1年以上更新されていない","department_id":"4","document_id":"2","clause_ident":"2-(2)"}. ` +
				"severity is major (重大), minor (軽微) or observation (観察事項); department_id may be left out when one department is audited. " +
				"A finding without an engagement (audit_id missing or unknown) is refused with 400 (fields.audit_id) and kept in the trail; 409 once the engagement is reported.",
			Body: typeOf[audit.FindingInput](), Response: typeOf[audit.Finding](), Status: 201, Conflict: true},

		"GET " + Prefix + "/actions": {ID: "listActions", Tag: "actions", Summary: "Corrective actions (是正処置) the caller may see, soonest due first",
			Description: "Organisation-wide readers see all; a 情報セキュリティ責任者 or 管理者 their departments'; everyone their own.",
			Query: append(slices.Clone(pageParams),
				param{"status", actionStatus, "Status."},
				param{"owner_id", idParam, "Actions of this owner."},
				param{"department_id", idParam, "This department and those below it."},
				param{"finding_id", idParam, "Actions raised from this finding."},
				param{"audit_id", idParam, "Actions raised from this engagement's findings."},
				param{"overdue", boolean, "Only open or in-progress actions past their due date (Japan time)."},
				param{"pending", boolean, "Only actions not yet verified."}),
			Response: typeOf[action.Action](), List: true, Status: 200},
		"POST " + Prefix + "/actions": {ID: "createAction", Tag: "actions", Summary: "Raise a corrective action from a finding",
			Description: `For example {"finding_id":"7","title":"台帳を更新する","owner_id":"12","due_on":"令和7年12月26日"}. ` +
				"For the engagement's auditors, the CISO and 統括, and the audited department's 情報セキュリティ責任者・管理者.",
			Body: typeOf[action.FindingInput](), Response: typeOf[actionView](), Status: 201},
		"GET " + Prefix + "/actions/{id}": {ID: "getAction", Tag: "actions", Summary: "A corrective action and the caller's permissions",
			Response: typeOf[actionView](), Status: 200},
		"PATCH " + Prefix + "/actions/{id}": {ID: "updateAction", Tag: "actions", Summary: "Record progress",
			Description: "status open, in_progress or completed (completing needs progress_note); due_on moves the due date. " +
				"Send version to be refused (409) when someone changed the action since; a closed action is 409 too.",
			Body: typeOf[action.ProgressInput](), Response: typeOf[actionView](), Status: 200, Conflict: true},
		"POST " + Prefix + "/actions/{id}/verify": {ID: "verifyAction", Tag: "actions", Summary: "Verify a completed action, or send it back",
			Description: "By an auditor of the finding's engagement or 統括, never the owner. accept true closes it; false sends it back to in_progress and needs verification_note. 409 unless completed.",
			Body:        typeOf[action.VerifyInput](), Response: typeOf[actionView](), Status: 200, Conflict: true},
	}
	for k, op := range ops {
		operations[k] = op
	}
}
