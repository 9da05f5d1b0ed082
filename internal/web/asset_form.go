package web

// Registering and changing an information asset: one form for both. The
// classification choices carry the organisation's own sentence for each
// level (asset.Levels); the network-domain facts of seed §6(3) open when the
// domain needs them; the people to name come from the chosen department's
// 部局 (see assetPeople).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// assetPeopleLimit bounds the people a select offers. A 部局 of a body
// this size has tens of people, rarely a few hundred; past the limit the
// form says so and asks for a 課室 instead.
const assetPeopleLimit = 300

// assetFormPage is the register/change form.
type assetFormPage struct {
	New    bool
	A      asset.Asset // as stored, or the defaults of a new asset
	Action string

	Groups   []asset.KindGroup
	Dims     []assetDimension
	Domains  []asset.Domain
	Facts    []asset.Fact
	Statuses []asset.Status

	Departments   []deptOption
	NoDepartments bool
	Owner         assetPersonSelect
	Custodian     assetPersonSelect
	Disposal      assetDisposalFields
	PeopleCapped  bool
	PeopleFrom    string // the 部局 whose people are offered

	// Text forms of stored values, as the reader types them.
	Retention string
	Review    string
	Tags      string

	FactGroups   []assetFactGroup
	DisposalOpen bool
	CanConfigure bool

	// Problems are the refused form's problems in the order of its fields,
	// for the summary at its top.
	Problems []assetProblem
}

// assetProblem is one line of the error summary.
type assetProblem struct {
	Field string
	Label string
	Text  string
}

// assetFormFields are the form's fields in the order it asks for them.
var assetFormFields = []string{"name", "kind", "description", "tags", "department_id", "owner_id", "custodian_id",
	"location", "is_controlled_area", "confidentiality", "integrity", "availability", "domain",
	"mfa_on_terminals", "takeout_disabled", "isolated_from_other_domains", "traffic_monitoring",
	"retention_years", "next_review_date", "status", "disposed_on", "disposal_method", "disposal_witness_id"}

// assetFactGroup is the safeguards one network domain must record (seed
// §6(3)); Open unfolds it when the domain is chosen or a fact is recorded.
type assetFactGroup struct {
	Domain asset.Domain
	Open   bool
	Fields []assetFact
}

// assetFact is one tri-state fact: 未確認, はい, いいえ.
type assetFact struct {
	Field   string
	Current string
	Error   string
}

// assetPersonSelect is a select of people (a 管理責任者, a custodian, a
// witness), rendered by the "asset-person-select" partial.
type assetPersonSelect struct {
	Field    string
	Label    string
	Hint     string
	Required bool
	Selected string
	Error    string
	Groups   []assetPeopleGroup
}

// assetDisposalFields are the disposal record's fields (date, method,
// witness), in the edit form and in the asset page's disposal form alike.
type assetDisposalFields struct {
	On          string
	OnError     string
	Method      string
	MethodError string
	Witness     assetPersonSelect
}

// assetDimension is one of 機密性・完全性・可用性 with its levels.
type assetDimension struct {
	Field   string // the form field, also the dimension's code
	Legend  string
	Levels  []assetLevelChoice
	Current string // the level chosen (typed, else stored)
	Error   string
}

// assetLevelChoice is one level with the organisation's sentence for it.
type assetLevelChoice struct {
	Code        string
	Name        string
	Description string
}

// assetPeopleGroup is one <optgroup> of people.
type assetPeopleGroup struct {
	Label  string
	People []assetPersonChoice
}

func (s *Server) assetNew(w http.ResponseWriter, r *http.Request) error {
	data, err := s.assetFormData(r, asset.Asset{}, true, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "asset_form", "assetweb.new_title", data)
}

func (s *Server) assetEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	a, err := s.assetForEdit(ctx, s.db, httpx.Scope(r, id.Org.ID), id.Principal, aid)
	if err != nil {
		return err
	}
	data, err := s.assetFormData(r, a, false, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "asset_form", "assetweb.edit_title", data)
}

func (s *Server) assetCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if r.PostFormValue("refresh") != "" {
		return s.assetFormAgain(w, r, asset.Asset{}, true, nil)
	}
	in, perr := assetFormInput(r)
	var a asset.Asset
	err := perr.merge(in.Validate)
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			var err error
			a, err = asset.Create(ctx, tx, sc, id.Principal, in)
			return err
		})
	}
	if err != nil {
		return s.assetFormAgain(w, r, asset.Asset{}, true, assetDenied(err))
	}
	return s.redirect(w, r, fmt.Sprintf("/assets/%d", a.ID), "assetweb.created")
}

func (s *Server) assetUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	// The person must reach the asset before anything they sent is read.
	before, err := s.assetForEdit(ctx, s.db, sc, id.Principal, aid)
	if err != nil {
		return err
	}
	if r.PostFormValue("refresh") != "" {
		return s.assetFormAgain(w, r, before, false, nil)
	}
	in, perr := assetFormInput(r)
	err = perr.merge(in.Validate)
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) error {
			_, err := asset.Update(ctx, tx, sc, id.Principal, aid, in)
			return err
		})
	}
	if err != nil {
		return s.assetFormAgain(w, r, before, false, assetDenied(err))
	}
	return s.redirect(w, r, fmt.Sprintf("/assets/%d", aid), "assetweb.updated")
}

// assetFormAgain shows the form again with what was typed: with its
// problems after a refused submission, or without any when the person
// asked for the people of another department (refresh).
func (s *Server) assetFormAgain(w http.ResponseWriter, r *http.Request, a asset.Asset, isNew bool, err error) error {
	title := "assetweb.edit_title"
	if isNew {
		title = "assetweb.new_title"
	}
	if errors.Is(err, db.ErrConflict) {
		err = validate.Errors{"version": {Key: "assetweb.conflict"}}
	}
	var errs map[string]string
	if err != nil {
		var ok bool
		if errs, ok = s.fieldErrors(r, err); !ok {
			return err
		}
	}
	data, derr := s.assetFormData(r, a, isNew, errs)
	if derr != nil {
		return derr
	}
	if err != nil {
		lang := s.lang(r)
		for _, f := range assetFormFields {
			if text, ok := errs[f]; ok {
				data.Problems = append(data.Problems, assetProblem{Field: f, Label: s.cat.T(lang, "asset.field."+f), Text: text})
			}
		}
		for f, text := range errs {
			if !slices.Contains(assetFormFields, f) {
				data.Problems = append(data.Problems, assetProblem{Text: text})
			}
		}
		return s.renderForm(w, r, "asset_form", title, data, err)
	}
	p := s.newPage(r, title, data)
	p.Form = r.PostForm
	return s.renderPage(w, r, http.StatusOK, "asset_form", p)
}

// assetFormInput reads the form. Numbers and the retention period are read
// here; everything else is checked by asset.Input.Validate.
func assetFormInput(r *http.Request) (asset.Input, formProblems) {
	p := formProblems{}
	v := func(name string) string { return r.PostFormValue(name) }
	in := asset.Input{
		Name:                     v("name"),
		Kind:                     v("kind"),
		Description:              v("description"),
		Location:                 v("location"),
		ControlledArea:           v("is_controlled_area") == "1",
		Domain:                   v("domain"),
		Confidentiality:          v("confidentiality"),
		Integrity:                v("integrity"),
		Availability:             v("availability"),
		Status:                   v("status"),
		DisposedOn:               v("disposed_on"),
		DisposalMethod:           v("disposal_method"),
		NextReviewDate:           v("next_review_date"),
		Tags:                     []string{v("tags")},
		MFAOnTerminals:           v("mfa_on_terminals"),
		TakeoutDisabled:          v("takeout_disabled"),
		IsolatedFromOtherDomains: v("isolated_from_other_domains"),
		TrafficMonitoring:        v("traffic_monitoring"),
	}
	in.DepartmentID = p.id("department_id", v("department_id"))
	in.OwnerID = p.id("owner_id", v("owner_id"))
	in.CustodianID = p.id("custodian_id", v("custodian_id"))
	in.DisposalWitnessID = p.id("disposal_witness_id", v("disposal_witness_id"))
	in.Version = p.int("version", v("version"), 0)
	years, ok := asset.ParseRetention(v("retention_years"))
	if !ok {
		validate.Errors(p).Add("retention_years", "asset.retention_invalid", asset.MaxRetentionYears)
	}
	in.RetentionYears = years
	// The disposal record belongs to a disposed asset only; the fields stay
	// in the form (folded away) when another status is chosen, and are not
	// kept then.
	if in.Status != string(asset.StatusDisposed) {
		in.DisposedOn, in.DisposalMethod, in.DisposalWitnessID = "", "", 0
	}
	return in, p
}

// assetFormData gathers the form's choices. Values typed into a refused
// or refreshed form win over the stored ones in the template (val); the
// choices that depend on them (the people, the open sections) follow the
// typed values too.
func (s *Server) assetFormData(r *http.Request, a asset.Asset, isNew bool, errs map[string]string) (assetFormPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	typed := assetTyped(r)
	page := assetFormPage{
		New:          isNew,
		A:            a,
		Action:       "/assets",
		Groups:       asset.Groups,
		Domains:      asset.Domains,
		Facts:        asset.Facts,
		Statuses:     asset.Statuses,
		Retention:    assetRetentionText(lang, a.RetentionYears),
		Review:       s.assetDateText(r, a.NextReviewDate),
		Tags:         strings.Join(a.Tags, " "),
		CanConfigure: authz.CanSome(id.Principal, authz.ConfigureAssets),
	}
	if !isNew {
		page.Action = fmt.Sprintf("/assets/%d", a.ID)
	}
	if isNew {
		page.A.Status = asset.StatusInUse
		page.A.Domain = asset.DomainNone
		page.A.MFAOnTerminals, page.A.TakeoutDisabled = asset.FactUnknown, asset.FactUnknown
		page.A.IsolatedFromOtherDomains, page.A.TrafficMonitoring = asset.FactUnknown, asset.FactUnknown
	}

	_, levels, err := asset.Levels(ctx, s.db, sc)
	if err != nil {
		return page, err
	}
	stored := map[asset.Dimension]string{asset.DimConfidentiality: string(a.Confidentiality),
		asset.DimIntegrity: string(a.Integrity), asset.DimAvailability: string(a.Availability)}
	for _, dim := range asset.Dimensions {
		d := assetDimension{Field: string(dim), Legend: s.cat.T(lang, "asset.field."+string(dim)),
			Current: typed(string(dim), stored[dim]), Error: errs[string(dim)]}
		for _, l := range levels {
			if l.Dimension != dim {
				continue
			}
			d.Levels = append(d.Levels, assetLevelChoice{Code: l.Level, Name: s.cat.T(lang, l.NameKey), Description: s.levelText(lang, l)})
		}
		page.Dims = append(page.Dims, d)
	}

	domain := typed("domain", string(page.A.Domain))
	facts := func(fields ...string) bool {
		for _, f := range fields {
			if v := typed(f, ""); v != "" && v != string(asset.FactUnknown) {
				return true
			}
		}
		return false
	}
	mine := func(stored ...asset.Fact) bool {
		for _, f := range stored {
			if f != "" && f != asset.FactUnknown {
				return true
			}
		}
		return false
	}
	fact := func(field string, stored asset.Fact) assetFact {
		return assetFact{Field: field, Current: typed(field, string(stored)), Error: errs[field]}
	}
	page.FactGroups = []assetFactGroup{
		{Domain: asset.DomainMyNumber,
			Open: domain == string(asset.DomainMyNumber) ||
				facts("mfa_on_terminals", "takeout_disabled", "isolated_from_other_domains") ||
				(r.PostForm == nil && mine(a.MFAOnTerminals, a.TakeoutDisabled, a.IsolatedFromOtherDomains)),
			Fields: []assetFact{fact("mfa_on_terminals", page.A.MFAOnTerminals), fact("takeout_disabled", page.A.TakeoutDisabled),
				fact("isolated_from_other_domains", page.A.IsolatedFromOtherDomains)}},
		{Domain: asset.DomainInternet,
			Open:   domain == string(asset.DomainInternet) || facts("traffic_monitoring") || (r.PostForm == nil && mine(a.TrafficMonitoring)),
			Fields: []assetFact{fact("traffic_monitoring", page.A.TrafficMonitoring)}},
	}
	page.DisposalOpen = typed("status", string(page.A.Status)) == string(asset.StatusDisposed)

	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return page, err
	}
	names := departmentNames(depts)
	var sysID int64
	if !isNew && a.Kind == asset.KindSystem {
		sysID = a.ID
	}
	var editable []org.Department
	for _, d := range depts {
		if d.ID == a.DepartmentID || authz.Can(id.Principal, authz.EditAssets, authz.Target{Departments: pathIn(depts, d.ID), SystemID: sysID}) {
			editable = append(editable, d)
		}
	}
	page.Departments = deptChoices(editable, names)
	page.NoDepartments = len(editable) == 0

	// The department whose 部局's people are offered: the one chosen in the
	// form, else the asset's, else the person's own, else the first they
	// may use.
	// A typed department counts only when the form offers it, so the
	// refresh cannot list the people of a department out of the person's
	// reach.
	deptID, _ := strconv.ParseInt(typed("department_id", ""), 10, 64)
	if !slices.ContainsFunc(editable, func(d org.Department) bool { return d.ID == deptID }) {
		deptID = 0
	}
	if deptID == 0 {
		deptID = a.DepartmentID
	}
	if deptID == 0 {
		for _, d := range editable {
			if d.ID == id.Person.DepartmentID {
				deptID = d.ID
			}
		}
	}
	if deptID == 0 && len(editable) > 0 {
		deptID = editable[0].ID
	}
	if isNew && page.A.DepartmentID == 0 {
		// A new asset starts in that department, so the people offered
		// and the department shown agree.
		page.A.DepartmentID = deptID
	}
	// Those named on the asset stay choosable wherever they work now; a
	// typed id is not looked up (the form only sends offered ones), so the
	// form cannot be used to look people up.
	keep := []int64{a.OwnerID, a.CustodianID, a.DisposalWitnessID, id.Person.ID}
	people, capped, from, err := s.assetPeople(ctx, sc, lang, depts, names, deptID, keep)
	if err != nil {
		return page, err
	}
	page.PeopleCapped, page.PeopleFrom = capped, from
	page.Owner = s.assetPersonField(lang, typed, errs, people, "owner_id", a.OwnerID, true)
	page.Owner.Hint = s.cat.T(lang, "assetweb.owner_form_hint")
	page.Custodian = s.assetPersonField(lang, typed, errs, people, "custodian_id", a.CustodianID, false)
	page.Custodian.Hint = s.cat.T(lang, "assetweb.custodian_hint")
	page.Disposal = s.assetDisposal(r, typed, errs, people, a)
	return page, nil
}

// assetTyped returns what the person typed into a field of the posted
// form, else the stored value.
func assetTyped(r *http.Request) func(name, stored string) string {
	return func(name, stored string) string {
		if r.PostForm != nil {
			if v, ok := r.PostForm[name]; ok && len(v) > 0 {
				return v[0]
			}
		}
		return stored
	}
}

// assetPersonField builds one people select.
func (s *Server) assetPersonField(lang string, typed func(string, string) string, errs map[string]string,
	groups []assetPeopleGroup, field string, stored int64, required bool) assetPersonSelect {
	sel := ""
	if stored != 0 {
		sel = strconv.FormatInt(stored, 10)
	}
	return assetPersonSelect{Field: field, Label: s.cat.T(lang, "asset.field."+field), Required: required,
		Selected: typed(field, sel), Error: errs[field], Groups: groups}
}

// assetDisposal builds the disposal record's fields.
func (s *Server) assetDisposal(r *http.Request, typed func(string, string) string, errs map[string]string,
	groups []assetPeopleGroup, a asset.Asset) assetDisposalFields {
	lang := s.lang(r)
	w := s.assetPersonField(lang, typed, errs, groups, "disposal_witness_id", a.DisposalWitnessID, true)
	w.Hint = s.cat.T(lang, "assetweb.witness_hint")
	return assetDisposalFields{
		On: typed("disposed_on", s.assetDateText(r, a.DisposedOn)), OnError: errs["disposed_on"],
		Method: typed("disposal_method", a.DisposalMethod), MethodError: errs["disposal_method"],
		Witness: w,
	}
}

// levelText is a level's sentence: the organisation's own, else the
// guideline's default.
func (s *Server) levelText(lang string, l asset.LevelInfo) string {
	if l.Description != "" {
		return l.Description
	}
	return s.cat.T(lang, l.DefaultKey)
}

// assetPeople lists the people a select offers for naming a 管理責任者,
// custodian or witness: the active people of the 部局 the department
// belongs to, grouped by 課室, at most assetPeopleLimit of them, and then
// anyone already named (keep) who is not among them. A whole organisation
// (two thousand people) in one select is unusable, and the people
// responsible for an asset work, nearly always, in its own 部局; the form
// offers to show another department's people (refresh) for the rest.
func (s *Server) assetPeople(ctx context.Context, sc scope.Scope, lang string, depts []org.Department, names map[int64]string,
	deptID int64, keep []int64) ([]assetPeopleGroup, bool, string, error) {
	var bureau int64
	if path := pathIn(depts, deptID); len(path) > 0 {
		bureau = path[len(path)-1]
	}
	if bureau == 0 {
		out, err := s.assetKeptPeople(ctx, sc, lang, nil, keep, nil)
		return out, false, "", err
	}
	active := true
	// Names of colleagues are what any editor of the department's assets
	// needs to choose among; the people list's own reach rules what else
	// about them may be seen.
	list, err := org.ListPeople(ctx, s.db, sc, authz.Grant{All: true}, 0,
		org.PersonFilter{DepartmentID: bureau, Active: &active, Limit: assetPeopleLimit})
	if err != nil {
		return nil, false, "", err
	}
	var groups []assetPeopleGroup
	index := map[int64]int{}
	seen := map[int64]bool{}
	for _, d := range depts {
		if d.ID == bureau || d.ParentID == bureau {
			index[d.ID] = len(groups)
			groups = append(groups, assetPeopleGroup{Label: names[d.ID]})
		}
	}
	for _, p := range list.Items {
		i, ok := index[p.DepartmentID]
		if !ok {
			continue
		}
		groups[i].People = append(groups[i].People, assetPersonChoice{ID: p.ID, Label: p.Name})
		seen[p.ID] = true
	}
	var out []assetPeopleGroup
	for _, g := range groups {
		if len(g.People) > 0 {
			out = append(out, g)
		}
	}
	out, err = s.assetKeptPeople(ctx, sc, lang, out, keep, seen)
	return out, list.NextCursor != "", names[bureau], err
}

// assetKeptPeople adds, in a group of their own, the people already named
// who are not offered yet.
func (s *Server) assetKeptPeople(ctx context.Context, sc scope.Scope, lang string, groups []assetPeopleGroup, keep []int64,
	seen map[int64]bool) ([]assetPeopleGroup, error) {
	done := map[int64]bool{}
	for k := range seen {
		done[k] = true
	}
	var ids []int64
	for _, pid := range keep {
		if pid > 0 && !done[pid] {
			done[pid] = true
			ids = append(ids, pid)
		}
	}
	if len(ids) == 0 {
		return groups, nil
	}
	found, err := personNamesByID(ctx, s.db, sc, ids)
	if err != nil {
		return nil, err
	}
	g := assetPeopleGroup{Label: s.cat.T(lang, "assetweb.people_other")}
	for _, pid := range ids {
		if name, ok := found[pid]; ok {
			g.People = append(g.People, assetPersonChoice{ID: pid, Label: name})
		}
	}
	if len(g.People) > 0 {
		groups = append(groups, g)
	}
	return groups, nil
}

// assetRetentionText writes a retention period as the reader would type it.
func assetRetentionText(lang string, years int) string {
	if lang == "ja" {
		return asset.FormatRetention(years)
	}
	switch {
	case years == asset.RetentionPermanent:
		return "permanent"
	case years <= 0:
		return ""
	}
	return strconv.Itoa(years)
}

// assetDateText writes a stored date as the reader reads and types dates:
// 和暦 unless they chose ISO (or read English).
func (s *Server) assetDateText(r *http.Request, v string) string {
	if v == "" {
		return ""
	}
	id := httpx.IdentityFrom(r.Context())
	iso := id != nil && id.Account.DateStyle == "iso"
	return formatDate(assetDay(v), iso, false, s.lang(r))
}

// assetEditURL is the form of an asset, with the field to look at.
func assetEditURL(aid int64, field string) string {
	u := fmt.Sprintf("/assets/%d/edit", aid)
	if field != "" {
		u += "#f-" + url.PathEscape(field)
	}
	return u
}
