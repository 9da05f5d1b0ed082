package web

// What the audit, corrective action and evidence pages share: reading ids
// and form values, turning the domain packages' refusals into pages, and
// the lists of people, departments and documents their forms offer.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// auditFormState is what a page with several forms needs to show one of
// them again after a refusal: which form, what was typed, the problems.
type auditFormState struct {
	Refused string
	Posted  url.Values
	Errs    map[string]string
}

// Val is what the user typed into a field of the refused form, or the
// fallback for any other form.
func (f auditFormState) Val(form, field string, fallback any) string {
	if f.Refused == form && f.Posted != nil {
		if v, ok := f.Posted[field]; ok && len(v) > 0 {
			return v[0]
		}
	}
	switch x := fallback.(type) {
	case nil:
		return ""
	case int64:
		if x == 0 {
			return ""
		}
	}
	return fmt.Sprint(fallback)
}

// Err is the problem of a field of the refused form.
func (f auditFormState) Err(form, field string) string {
	if f.Refused != form {
		return ""
	}
	return f.Errs[field]
}

// Open reports whether the form is the refused one (its details are
// shown open).
func (f auditFormState) Open(form string) bool { return f.Refused == form }

// isoDay turns a stored YYYY-MM-DD into a time for the date function.
func isoDay(v string) time.Time { return assetDay(v) }

// auditDomainDenied turns a domain refusal by the role table into the UI's
// (403, kept in the trail with the permission concerned).
func auditDomainDenied(err error, perm authz.Action) error {
	if errors.Is(err, authz.ErrForbidden) {
		return deniedError{perm}
	}
	return err
}

// recordRefusals keeps a refused step in the trail — an auditor who is
// not independent, a finding without an engagement, a file too large or
// of a refused type — once its transaction has been rolled back.
func (s *Server) recordRefusals(r *http.Request, sc scope.Scope, err error) {
	for _, rec := range []func(context.Context, *db.DB, scope.Scope, error) error{audit.RecordRefusal, evidence.RecordRefusal} {
		if rerr := rec(r.Context(), s.db, sc, err); rerr != nil {
			s.log.Error("cannot record refusal", "request_id", httpx.RequestID(r.Context()), "err", rerr)
		}
	}
}

// fieldErrorsWithArgs is fieldErrors, with the arguments of a refused
// file's message (the size limit) when the problem is one.
func (s *Server) auditFieldErrors(r *http.Request, err error) (map[string]string, bool) {
	out, ok := s.fieldErrors(r, err)
	if !ok {
		return nil, false
	}
	if rf, isRefusal := evidence.AsRefusal(err); isRefusal {
		out["file"] = s.cat.T(s.lang(r), rf.Key, rf.Args()...)
	}
	return out, true
}

// auditPerson is a person to choose in a select.
type auditPerson struct {
	ID    int64
	Label string
}

// auditorChoices lists the holders of the 監査人 role.
func (s *Server) auditorChoices(ctx context.Context, sc scope.Scope, names map[int64]string) ([]auditPerson, error) {
	hs, err := org.ListHolders(ctx, s.db, sc, authz.Auditor)
	if err != nil {
		return nil, err
	}
	var out []auditPerson
	for _, h := range hs {
		if slices.ContainsFunc(out, func(x auditPerson) bool { return x.ID == h.Assignment.PersonID }) {
			continue
		}
		label := h.PersonName
		if per, err := org.GetPerson(ctx, s.db, sc, h.Assignment.PersonID); err == nil {
			if !per.Active {
				continue
			}
			if n := names[per.DepartmentID]; n != "" {
				label += "（" + n + "）"
			}
		}
		out = append(out, auditPerson{ID: h.Assignment.PersonID, Label: label})
	}
	return out, nil
}

// peopleIn lists the active people of a department and those below it,
// for choosing an action's owner (at most 200).
func (s *Server) peopleIn(ctx context.Context, sc scope.Scope, deptIDs []int64, names map[int64]string) ([]auditPerson, error) {
	active := true
	var out []auditPerson
	for _, d := range deptIDs {
		page, err := org.ListPeople(ctx, s.db, sc, authz.Grant{All: true}, 0, org.PersonFilter{DepartmentID: d, Active: &active, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if slices.ContainsFunc(out, func(x auditPerson) bool { return x.ID == p.ID }) {
				continue
			}
			label := p.Name
			if n := names[p.DepartmentID]; n != "" {
				label += "（" + n + "）"
			}
			out = append(out, auditPerson{ID: p.ID, Label: label})
		}
	}
	return out, nil
}

// auditDocument is a policy document to choose for a clause.
type auditDocument struct {
	ID    int64
	Label string
}

// documentChoices lists the documents the person may read (at most 200).
func (s *Server) documentChoices(ctx context.Context, sc scope.Scope, p authz.Principal) ([]auditDocument, map[int64]string, error) {
	names := map[int64]string{}
	if !authz.CanSome(p, authz.ViewDocuments) {
		return nil, names, nil
	}
	page, err := policy.ListDocuments(ctx, s.db, sc, p, policy.ListFilter{Limit: 200})
	if err != nil {
		return nil, names, err
	}
	var out []auditDocument
	for _, it := range page.Items {
		label := it.Title
		if it.Number != "" {
			label = it.Number + "　" + label
		}
		out = append(out, auditDocument{ID: it.ID, Label: label})
		names[it.ID] = it.Title
	}
	return out, names, nil
}

// allDepartments loads the organisation's departments and their display
// names ("部局　課室").
func (s *Server) allDepartments(ctx context.Context, sc scope.Scope) ([]org.Department, map[int64]string, error) {
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return nil, nil, err
	}
	return depts, departmentNames(depts), nil
}

// actionStatusBadge is the badge class of a corrective action's status.
func actionStatusBadge(a action.Action) string {
	switch {
	case a.Status == action.Verified:
		return "badge-success"
	case a.Overdue:
		return "badge-danger"
	case a.Status == action.Completed:
		return "badge-info"
	}
	return "badge-warning"
}

// auditStatusBadge is the badge class of an engagement's status.
func auditStatusBadge(st audit.Status) string {
	switch st {
	case audit.Final:
		return "badge-success"
	case audit.Cancelled:
		return "badge-neutral"
	case audit.Planned:
		return "badge-neutral"
	}
	return "badge-info"
}

// severityBadge is the badge class of a finding's severity.
func severityBadge(sv audit.Severity) string {
	switch sv {
	case audit.Major:
		return "badge-danger"
	case audit.Minor:
		return "badge-warning"
	}
	return "badge-info"
}

// problems merges the form's own problems into a domain error.
func (p formProblems) with(err error) error {
	if len(p) == 0 {
		return err
	}
	all := validate.Errors(p)
	if ve, ok := validate.As(err); ok {
		for f, prob := range ve {
			all.Add(f, prob.Key, prob.Args...)
		}
		return all
	}
	if err != nil {
		return err
	}
	return all
}
