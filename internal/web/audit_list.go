package web

// 監査: the plans (中期監査計画, 年度監査計画) and the engagements, one page
// of engagements at a time; a plan's own page; and the form that opens a
// new engagement.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/validate"
)

// auditPageSize is how many engagements one page lists.
const auditPageSize = 30

// auditListPage is the audits page.
type auditListPage struct {
	auditFormState
	Plans     []auditPlanRow
	Rows      []auditRow
	Status    string
	Mine      bool
	Statuses  []audit.Status
	NextURL   string
	FirstURL  string
	CanManage bool
	PlanKinds []audit.PlanKind
	MultiYear []audit.Plan // parents a yearly plan may sit under
	ThisYear  string       // the current 年度, as the form shows it
}

// auditPlanRow is one plan in the list.
type auditPlanRow struct {
	P       audit.Plan
	Years   string
	Indent  bool
	KindKey string
}

// auditRow is one engagement in a list.
type auditRow struct {
	A           audit.Audit
	Badge       string
	Departments string
	Auditors    string
	StartsOn    any
	EndsOn      any
}

func (s *Server) auditRows(items []audit.Audit) []auditRow {
	out := make([]auditRow, len(items))
	for i, a := range items {
		var depts, auditors []string
		for _, sc := range a.Scope {
			if sc.Kind == audit.ScopeDepartment {
				depts = append(depts, sc.Label)
			}
		}
		for _, x := range a.Auditors {
			auditors = append(auditors, x.Name)
		}
		out[i] = auditRow{A: a, Badge: auditStatusBadge(a.Status), Departments: strings.Join(depts, "、"),
			Auditors: strings.Join(auditors, "、"), StartsOn: isoDay(a.StartsOn), EndsOn: isoDay(a.EndsOn)}
	}
	return out
}

// fiscalYears writes a plan's 年度 as the reader reads them: 令和7年度 or
// 令和7年度〜令和9年度 (2025年度 in English).
func (s *Server) fiscalYears(r *http.Request, from, to int) string {
	lang := s.lang(r)
	one := func(y int) string {
		if lang == "ja" && y >= 2019 {
			if y == 2019 {
				return s.cat.T(lang, "audit.fiscal_year_first")
			}
			return s.cat.T(lang, "audit.fiscal_year_reiwa", y-2018)
		}
		return s.cat.T(lang, "audit.fiscal_year", y)
	}
	if from == to {
		return one(from)
	}
	return one(from) + "〜" + one(to)
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	page, err := s.auditListData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "audits", "audit.title", page)
}

func (s *Server) auditListData(r *http.Request) (auditListPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	q := r.URL.Query()
	page := auditListPage{Statuses: audit.Statuses, PlanKinds: audit.PlanKinds,
		CanManage: authz.GrantFor(id.Principal, authz.ManageAudits).All}
	page.ThisYear = s.fiscalYears(r, fiscalYearNow(), fiscalYearNow())
	plans, err := audit.ListPlans(ctx, s.db, sc, id.Principal)
	if err != nil {
		return page, err
	}
	// Multi-year plans first, each followed by its yearly plans.
	for _, p := range plans {
		if p.Kind == audit.MultiYear {
			page.MultiYear = append(page.MultiYear, p)
			page.Plans = append(page.Plans, auditPlanRow{P: p, Years: s.fiscalYears(r, p.YearFrom, p.YearTo), KindKey: p.Kind.Key()})
			for _, c := range plans {
				if c.ParentID == p.ID {
					page.Plans = append(page.Plans, auditPlanRow{P: c, Years: s.fiscalYears(r, c.YearFrom, c.YearTo), Indent: true, KindKey: c.Kind.Key()})
				}
			}
		}
	}
	for _, p := range plans {
		if p.Kind != audit.MultiYear && p.ParentID == 0 {
			page.Plans = append(page.Plans, auditPlanRow{P: p, Years: s.fiscalYears(r, p.YearFrom, p.YearTo), KindKey: p.Kind.Key()})
		}
	}
	f := audit.Filter{Cursor: q.Get("cursor"), Limit: auditPageSize}
	if st := q.Get("status"); st != "" {
		if !audit.Status(st).IsValid() {
			return page, &httpx.BadRequest{Key: "error.bad_request"}
		}
		f.Status, page.Status = audit.Status(st), st
	}
	if q.Get("mine") == "1" {
		f.Mine, page.Mine = true, true
	}
	list, err := audit.List(ctx, s.db, sc, id.Principal, f)
	if _, bad := validate.As(err); bad {
		return page, &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return page, err
	}
	page.Rows = s.auditRows(list.Items)
	base := url.Values{}
	if page.Status != "" {
		base.Set("status", page.Status)
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
		page.NextURL = "/audits?" + next.Encode()
	}
	if f.Cursor != "" {
		page.FirstURL = "/audits?" + base.Encode()
	}
	return page, nil
}

// fiscalYearNow is the current 年度 (April to March).
func fiscalYearNow() int {
	t := isoDay(audit.Today())
	if t.Month() < 4 {
		return t.Year() - 1
	}
	return t.Year()
}

// fiscalYearPattern reads a 年度 as offices write it: 2025, 2025年度,
// 令和7年度, 令和元年, R7, H30 (full-width digits too, once folded).
var fiscalYearPattern = regexp.MustCompile(`^(?:(令和|平成|[RrHh])\s*(元|[0-9]{1,2})|(?:FY|fy)?\s*([0-9]{4}))\s*(?:年度|年)?$`)

// fiscalYearField reads a 年度 field into its Western year; empty is 0.
func fiscalYearField(p formProblems, field, v string) int {
	v = strings.TrimSpace(toHalfWidthDigits(v))
	if v == "" {
		return 0
	}
	m := fiscalYearPattern.FindStringSubmatch(v)
	if m == nil {
		validate.Errors(p).Add(field, "audit.fiscal_year_invalid")
		return 0
	}
	if m[3] != "" {
		y, _ := strconv.Atoi(m[3])
		return y
	}
	n := 1
	if m[2] != "元" {
		n, _ = strconv.Atoi(m[2])
	}
	switch m[1] {
	case "令和", "R", "r":
		return 2018 + n
	default: // 平成
		return 1988 + n
	}
}

// planInput reads the plan form.
func planInput(r *http.Request) (audit.PlanInput, formProblems) {
	p := formProblems{}
	in := audit.PlanInput{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	in.ParentID = p.id("parent_id", r.PostFormValue("parent_id"))
	in.YearFrom = fiscalYearField(p, "year_from", r.PostFormValue("year_from"))
	in.YearTo = fiscalYearField(p, "year_to", r.PostFormValue("year_to"))
	in.Version = p.int("version", r.PostFormValue("version"), 0)
	return in, p
}

func (s *Server) auditPlanCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	in, p := planInput(r)
	var plan audit.Plan
	err := p.merge(func() error {
		return s.transact(ctx, func(tx *db.Tx) (err error) {
			plan, err = audit.CreatePlan(ctx, tx, sc, id.Principal, in)
			return err
		})
	})
	if _, ok := validate.As(err); ok {
		page, perr := s.auditListData(r)
		if perr != nil {
			return perr
		}
		errs, _ := s.fieldErrors(r, err)
		page.auditFormState = auditFormState{Refused: "plan", Posted: r.PostForm, Errs: errs}
		pg := s.newPage(r, "audit.title", page)
		pg.Errors, pg.Form = errs, r.PostForm
		pg.Flash = &Flash{Kind: "error", Text: s.cat.T(pg.Lang, "error.invalid_input")}
		return s.renderPage(w, r, http.StatusBadRequest, "audits", pg)
	}
	if err != nil {
		return auditDomainDenied(err, authz.ManageAudits)
	}
	return s.redirect(w, r, fmt.Sprintf("/audit-plans/%d", plan.ID), "audit.flash.plan_created")
}

// auditPlanPage is one plan with its engagements.
type auditPlanPage struct {
	auditFormState
	P         audit.Plan
	Years     string
	Parent    *audit.Plan
	Children  []audit.Plan
	Rows      []auditRow
	MultiYear []audit.Plan
	CanManage bool
	BodyLines []string
	NextURL   string
	// YearFrom and YearTo are the plan's 年度 as the form shows them.
	YearFrom, YearTo string
}

func (s *Server) auditPlanShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.auditPlanData(r)
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "audit_plan", page.P.Title, page)
}

func (s *Server) auditPlanData(r *http.Request) (auditPlanPage, error) {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return auditPlanPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	plan, err := audit.GetPlan(ctx, s.db, sc, id.Principal, pid)
	if err != nil {
		return auditPlanPage{}, err
	}
	page := auditPlanPage{P: plan, Years: s.fiscalYears(r, plan.YearFrom, plan.YearTo),
		CanManage: authz.GrantFor(id.Principal, authz.ManageAudits).All, BodyLines: strings.Split(plan.Body, "\n"),
		YearFrom: s.fiscalYears(r, plan.YearFrom, plan.YearFrom), YearTo: s.fiscalYears(r, plan.YearTo, plan.YearTo)}
	plans, err := audit.ListPlans(ctx, s.db, sc, id.Principal)
	if err != nil {
		return page, err
	}
	for _, p := range plans {
		switch {
		case p.ID == plan.ParentID:
			pp := p
			page.Parent = &pp
		case p.ParentID == plan.ID:
			page.Children = append(page.Children, p)
		}
		if p.Kind == audit.MultiYear && p.ID != plan.ID {
			page.MultiYear = append(page.MultiYear, p)
		}
	}
	list, err := audit.List(ctx, s.db, sc, id.Principal, audit.Filter{PlanID: plan.ID, Limit: 100, Cursor: r.URL.Query().Get("cursor")})
	if _, bad := validate.As(err); bad {
		return page, &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return page, err
	}
	page.Rows = s.auditRows(list.Items)
	if list.NextCursor != "" {
		page.NextURL = fmt.Sprintf("/audit-plans/%d?cursor=%s", plan.ID, url.QueryEscape(list.NextCursor))
	}
	return page, nil
}

func (s *Server) auditPlanUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	in, p := planInput(r)
	err = p.merge(func() error {
		return s.transact(ctx, func(tx *db.Tx) error {
			_, err := audit.UpdatePlan(ctx, tx, sc, id.Principal, pid, in)
			return err
		})
	})
	if errors.Is(err, db.ErrConflict) {
		s.setFlash(w, r, "error", "audit.flash.changed_meanwhile")
		http.Redirect(w, r, fmt.Sprintf("/audit-plans/%d", pid), http.StatusSeeOther)
		return nil
	}
	if _, ok := validate.As(err); ok {
		page, perr := s.auditPlanData(r)
		if perr != nil {
			return perr
		}
		errs, _ := s.fieldErrors(r, err)
		page.auditFormState = auditFormState{Refused: "plan", Posted: r.PostForm, Errs: errs}
		pg := s.newPage(r, "", page)
		pg.Title = page.P.Title
		pg.Errors, pg.Form = errs, r.PostForm
		pg.Flash = &Flash{Kind: "error", Text: s.cat.T(pg.Lang, "error.invalid_input")}
		return s.renderPage(w, r, http.StatusBadRequest, "audit_plan", pg)
	}
	if err != nil {
		return auditDomainDenied(err, authz.ManageAudits)
	}
	return s.redirect(w, r, fmt.Sprintf("/audit-plans/%d", pid), "audit.flash.plan_saved")
}

// auditNewPage is the form that opens an engagement.
type auditNewPage struct {
	Plans       []auditPlanRow
	Departments []deptOption
	Auditors    []auditPerson
	Selected    map[string]bool // chosen departments and auditors, "d12", "p34"
	Lead        string
	PlanID      string
}

func (s *Server) auditNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.auditNewData(r)
	if err != nil {
		return err
	}
	page.PlanID = r.URL.Query().Get("plan")
	return s.render(w, r, "audit_new", "audit.new_title", page)
}

func (s *Server) auditNewData(r *http.Request) (auditNewPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	page := auditNewPage{Selected: map[string]bool{}}
	plans, err := audit.ListPlans(ctx, s.db, sc, id.Principal)
	if err != nil {
		return page, err
	}
	for _, p := range plans {
		page.Plans = append(page.Plans, auditPlanRow{P: p, Years: s.fiscalYears(r, p.YearFrom, p.YearTo), KindKey: p.Kind.Key()})
	}
	depts, names, err := s.allDepartments(ctx, sc)
	if err != nil {
		return page, err
	}
	page.Departments = deptChoices(depts, names)
	if page.Auditors, err = s.auditorChoices(ctx, sc, names); err != nil {
		return page, err
	}
	return page, nil
}

func (s *Server) auditCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := formProblems{}
	in := audit.Input{Title: r.PostFormValue("title"), Objective: r.PostFormValue("objective"),
		StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on")}
	in.PlanID = p.id("plan_id", r.PostFormValue("plan_id"))
	in.Lead = p.id("lead", r.PostFormValue("lead"))
	for _, v := range r.PostForm["departments"] {
		if d := p.id("departments", v); d != 0 {
			in.Departments = append(in.Departments, d)
		}
	}
	for _, v := range r.PostForm["auditors"] {
		if a := p.id("auditors", v); a != 0 {
			in.Auditors = append(in.Auditors, a)
		}
	}
	if len(in.Departments) == 0 {
		validate.Errors(p).Add("departments", "audit.departments_required")
	}
	var a audit.Audit
	err := p.merge(func() error {
		if len(p) > 0 {
			// Validate the rest too, so every problem shows at once.
			return in.Validate().Err()
		}
		return s.transact(ctx, func(tx *db.Tx) (err error) {
			a, err = audit.Create(ctx, tx, sc, id.Principal, in)
			return err
		})
	})
	if err != nil {
		s.recordRefusals(r, sc, err)
	}
	if _, ok := validate.As(err); ok {
		page, perr := s.auditNewData(r)
		if perr != nil {
			return perr
		}
		for _, v := range r.PostForm["departments"] {
			page.Selected["d"+v] = true
		}
		for _, v := range r.PostForm["auditors"] {
			page.Selected["p"+v] = true
		}
		page.Lead, page.PlanID = r.PostFormValue("lead"), r.PostFormValue("plan_id")
		return s.renderForm(w, r, "audit_new", "audit.new_title", page, err)
	}
	if err != nil {
		return auditDomainDenied(err, authz.ManageAudits)
	}
	return s.redirect(w, r, "/audits/"+strconv.FormatInt(a.ID, 10), "audit.flash.created")
}
