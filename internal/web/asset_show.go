package web

// One information asset: its details, the handling its classification
// asks for (この資産の取扱い), the network-domain rules it breaks (要対応),
// its links to other assets, its disposal, and its history from the trail.
// A restricted asset the reader may not see in detail shows only its
// outline: package asset masks it, and this page then asks for nothing
// more (no links, no history, no label).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
)

// assetLinkCandidates bounds the assets a link search offers.
const assetLinkCandidates = 20

// assetShowPage is one asset's page.
type assetShowPage struct {
	A          asset.Asset
	Class      assetClass
	Department string
	Owner      assetPersonLink
	Custodian  assetPersonLink
	Witness    assetPersonLink
	Retention  string
	Review     time.Time
	DisposedOn time.Time
	// DescLines is the description line by line, shown with breaks.
	DescLines []string

	Handling []assetRuleLine
	Warnings []assetWarningLine

	Links        []assetLinkRow
	Relations    []asset.Relation // those this asset can start
	LinkQ        string
	LinkSearched bool
	Candidates   []assetCandidate
	LinkTo       string // typed into a refused link form
	LinkRelation string

	History []assetHistoryRow

	CanEdit    bool
	CanDispose bool
	Disposal   assetDisposalFields
	// Refused names the form that came back with problems ("dispose",
	// "link"), so its errors show beside its own fields.
	Refused  string
	CanTrail bool
}

// assetPersonLink is a person named on the asset, with the list of the
// assets they are responsible for.
type assetPersonLink struct {
	Name string
	URL  string
}

// assetRuleLine is one handling rule in the reader's words.
type assetRuleLine struct {
	Aspect string
	Text   string
	Basis  string // the level it follows from: "機密性3B"
}

// assetWarningLine is one thing to do, with where to do it.
type assetWarningLine struct {
	Text string
	Href string
}

// assetLinkRow is one linked asset as seen from this one.
type assetLinkRow struct {
	Relation  asset.Relation
	Outgoing  bool
	Phrase    string // "この資産が保有する情報"
	A         asset.Asset
	Class     assetClass
	CanRemove bool
}

// assetCandidate is an asset a link search found.
type assetCandidate struct {
	A     asset.Asset
	Class assetClass
}

// assetHistoryRow is one change of the asset, from the trail.
type assetHistoryRow struct {
	At      int64
	Actor   string
	Action  string
	What    string // for links and scheme switches, what happened
	Changes []trailChange
	Created bool // a registration: its fields are listed folded
}

func (s *Server) assetShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.assetShowData(r, nil, "")
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "asset_show", assetNameFor(s, s.lang(r), page.A), page)
}

// renderTitled renders a page whose title is a name rather than a
// catalogue text: the asset's own, so tabs and the browser's history tell
// assets apart.
func (s *Server) renderTitled(w http.ResponseWriter, r *http.Request, name, title string, data any) error {
	p := s.newPage(r, "", data)
	p.Title = title
	return s.renderPage(w, r, http.StatusOK, name, p)
}

// assetShowAgain shows the asset page again after one of its forms was
// refused, with the problems beside that form's fields.
func (s *Server) assetShowAgain(w http.ResponseWriter, r *http.Request, form string, err error) error {
	if errors.Is(err, db.ErrConflict) {
		err = validate.Errors{"version": {Key: "assetweb.conflict"}}
	}
	errs, ok := s.fieldErrors(r, err)
	if !ok {
		return err
	}
	page, derr := s.assetShowData(r, errs, form)
	if derr != nil {
		return derr
	}
	return s.renderForm(w, r, "asset_show", "assetweb.show_title", page, err)
}

// assetShowData gathers an asset's page. errs and form are a refused
// form's problems and name.
func (s *Server) assetShowData(r *http.Request, errs map[string]string, form string) (assetShowPage, error) {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return assetShowPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	a, err := asset.Get(ctx, s.db, sc, p, aid)
	if err != nil {
		return assetShowPage{}, err
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return assetShowPage{}, err
	}
	names := departmentNames(depts)
	page := assetShowPage{A: a, Class: s.assetClassOf(lang, a), Department: names[a.DepartmentID], Refused: form}
	if a.Masked {
		return page, nil
	}
	perm, err := asset.PermissionsOn(ctx, s.db, sc, p, a)
	if err != nil {
		return page, err
	}
	page.CanEdit = perm.Edit && perm.ViewRestricted
	page.CanDispose = page.CanEdit && a.Status != asset.StatusDisposed
	page.CanTrail = authz.CanSome(p, authz.ViewTrail)
	page.Retention = assetRetentionWords(s, lang, a.RetentionYears)
	page.Review = assetDay(a.NextReviewDate)
	page.DisposedOn = assetDay(a.DisposedOn)
	if a.Description != "" {
		page.DescLines = strings.Split(strings.ReplaceAll(a.Description, "\r\n", "\n"), "\n")
	}

	people, err := personNamesByID(ctx, s.db, sc, []int64{a.OwnerID, a.CustodianID, a.DisposalWitnessID})
	if err != nil {
		return page, err
	}
	person := func(pid int64) assetPersonLink {
		if pid == 0 {
			return assetPersonLink{}
		}
		return assetPersonLink{Name: people[pid], URL: fmt.Sprintf("/assets?owner_id=%d", pid)}
	}
	page.Owner, page.Custodian = person(a.OwnerID), person(a.CustodianID)
	page.Witness = person(a.DisposalWitnessID)
	page.Witness.URL = ""
	page.Custodian.URL = ""

	for _, rule := range a.Handling() {
		page.Handling = append(page.Handling, assetRuleLine{Aspect: s.cat.T(lang, rule.Aspect.Key()), Text: s.cat.T(lang, rule.Key),
			Basis: s.cat.T(lang, asset.LevelKey(rule.Dimension, rule.Level))})
	}
	for _, w := range a.Warnings() {
		line := assetWarningLine{Text: s.cat.T(lang, w.Key)}
		if page.CanEdit {
			line.Href = assetEditURL(a.ID, w.Field)
		}
		page.Warnings = append(page.Warnings, line)
	}
	if a.ReviewOverdue {
		line := assetWarningLine{Text: s.cat.T(lang, "asset.review_overdue")}
		if page.CanEdit {
			line.Href = assetEditURL(a.ID, "next_review_date")
		}
		page.Warnings = append(page.Warnings, line)
	}

	if err := s.assetShowLinks(ctx, r, sc, p, &page, errs); err != nil {
		return page, err
	}
	if page.History, err = s.assetHistory(ctx, r, sc, p, a, names, page.Links); err != nil {
		return page, err
	}

	if page.CanDispose {
		var bureauPeople []assetPeopleGroup
		bureauPeople, _, _, err = s.assetPeople(ctx, sc, lang, depts, names, a.DepartmentID, []int64{id.Person.ID})
		if err != nil {
			return page, err
		}
		typed := func(name, stored string) string { return stored }
		if form == "dispose" {
			typed = assetTyped(r)
		}
		disposalErrs := map[string]string{}
		if form == "dispose" {
			disposalErrs = errs
		}
		page.Disposal = s.assetDisposal(r, typed, disposalErrs, bureauPeople, asset.Asset{})
	}
	return page, nil
}

// assetShowLinks fills in the asset's links, the relations it may start
// and, when the person searched for an asset to link, the candidates.
func (s *Server) assetShowLinks(ctx context.Context, r *http.Request, sc scope.Scope, p authz.Principal, page *assetShowPage, errs map[string]string) error {
	lang := s.lang(r)
	a := page.A
	links, err := asset.Links(ctx, s.db, sc, p, a.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		row := assetLinkRow{Relation: l.Relation, Outgoing: l.Outgoing, Phrase: s.assetLinkPhrase(lang, l.Relation, l.Outgoing),
			A: l.Asset, Class: s.assetClassOf(lang, l.Asset)}
		switch {
		case l.Outgoing:
			row.CanRemove = page.CanEdit
		case !l.Asset.Masked:
			// The link belongs to the other asset; removing it is a
			// change of that one.
			perm, err := asset.PermissionsOn(ctx, s.db, sc, p, l.Asset)
			if err != nil {
				return err
			}
			row.CanRemove = perm.Edit && perm.ViewRestricted
		}
		page.Links = append(page.Links, row)
	}
	if !page.CanEdit {
		return nil
	}
	for _, rel := range asset.Relations {
		if slices.ContainsFunc(asset.Kinds, func(k asset.Kind) bool { return rel.Fits(a.Kind, k) }) {
			page.Relations = append(page.Relations, rel)
		}
	}
	q := r.URL.Query()
	page.LinkQ = strings.TrimSpace(q.Get("link_q"))
	if page.Refused == "link" {
		page.LinkQ = strings.TrimSpace(r.PostFormValue("link_q"))
		page.LinkTo = r.PostFormValue("to_id")
		page.LinkRelation = r.PostFormValue("relation")
	}
	if r := []rune(page.LinkQ); len(r) > asset.MaxQuery {
		page.LinkQ = string(r[:asset.MaxQuery])
	}
	if page.LinkQ == "" {
		return nil
	}
	page.LinkSearched = true
	found, err := asset.List(ctx, s.db, sc, p, asset.Filter{Query: page.LinkQ, Limit: assetLinkCandidates})
	if err != nil {
		return err
	}
	linked := map[int64]bool{}
	for _, l := range page.Links {
		linked[l.A.ID] = true
	}
	for _, c := range found.Items {
		if c.ID == a.ID || c.Masked || linked[c.ID] {
			continue
		}
		if !slices.ContainsFunc(page.Relations, func(rel asset.Relation) bool { return rel.Fits(a.Kind, c.Kind) }) {
			continue
		}
		page.Candidates = append(page.Candidates, assetCandidate{A: c, Class: s.assetClassOf(lang, c)})
	}
	return nil
}

// assetLinkPhrase names a link from this asset's side.
func (s *Server) assetLinkPhrase(lang string, rel asset.Relation, outgoing bool) string {
	dir := "in"
	if outgoing {
		dir = "out"
	}
	return s.cat.T(lang, "assetweb.link."+string(rel)+"."+dir)
}

// assetHistory reads the asset's changes from the trail in the reader's
// words: who, when, each field before → after.
func (s *Server) assetHistory(ctx context.Context, r *http.Request, sc scope.Scope, p authz.Principal, a asset.Asset,
	depts map[int64]string, links []assetLinkRow) ([]assetHistoryRow, error) {
	entries, err := asset.History(ctx, s.db, sc, p, a.ID)
	if err != nil {
		return nil, err
	}
	lang := s.lang(r)
	// The people the entries name, in one query.
	var ids []int64
	for _, e := range entries {
		for _, c := range e.Changes {
			switch c.Field {
			case "owner_id", "custodian_id", "disposal_witness_id":
				for _, v := range []string{c.Before, c.After} {
					if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
						ids = append(ids, n)
					}
				}
			}
		}
	}
	people := map[int64]string{}
	if len(ids) > 0 {
		if people, err = personNamesByID(ctx, s.db, sc, ids); err != nil {
			return nil, err
		}
	}
	// The assets link entries name: those linked now are known; any other
	// is read as the reader may see it.
	others := map[int64]string{}
	for _, l := range links {
		others[l.A.ID] = assetNameFor(s, lang, l.A)
	}
	other := func(oid int64) (string, error) {
		if name, ok := others[oid]; ok {
			return name, nil
		}
		o, err := asset.Get(ctx, s.db, sc, p, oid)
		switch {
		case errors.Is(err, db.ErrNotFound):
			others[oid] = s.cat.T(lang, "assetweb.asset_no", oid)
		case err != nil:
			return "", err
		default:
			others[oid] = assetNameFor(s, lang, o)
		}
		return others[oid], nil
	}

	out := make([]assetHistoryRow, 0, len(entries))
	for _, e := range entries {
		row := assetHistoryRow{At: e.At, Actor: e.ActorName, Action: s.cat.T(lang, "action."+string(e.Action)),
			Created: e.Action == "create" && e.Entity == asset.EntityAsset}
		if row.Actor == "" || e.ActorID == 0 {
			row.Actor = s.cat.T(lang, "common.system")
		}
		switch e.Entity {
		case asset.EntityLink:
			if e.Link != nil {
				name, err := other(e.Link.ToID)
				if err != nil {
					return nil, err
				}
				key := "assetweb.history.link_added"
				if e.Action == "delete" {
					key = "assetweb.history.link_removed"
				}
				row.What = s.cat.T(lang, key, s.assetLinkPhrase(lang, e.Link.Relation, true), name)
			}
		case asset.EntityScheme:
			row.What = s.cat.T(lang, "assetweb.history.scheme")
		}
		for _, c := range e.Changes {
			tc := trailChange{Field: c.Field, Label: s.cat.T(lang, "asset.field."+c.Field),
				Before: s.assetValue(r, c.Field, c.Before, depts, people), After: s.assetValue(r, c.Field, c.After, depts, people)}
			tc.HasBefore, tc.HasAfter = !row.Created, true
			row.Changes = append(row.Changes, tc)
		}
		out = append(out, row)
	}
	return out, nil
}

// assetNameFor is an asset's name as a link or a history names it.
func assetNameFor(s *Server, lang string, a asset.Asset) string {
	if a.Masked {
		return s.cat.T(lang, "assetweb.masked_name")
	}
	return a.Name
}

// assetValue shows a stored field value as the reader reads it.
func (s *Server) assetValue(r *http.Request, field, v string, depts map[int64]string, people map[int64]string) string {
	if v == "" {
		return ""
	}
	lang := s.lang(r)
	coded := func(key string) string {
		if s.cat.Has(lang, key) {
			return s.cat.T(lang, key)
		}
		return v
	}
	id := func(names map[int64]string) string {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n == 0 {
			return ""
		}
		if name := names[n]; name != "" {
			return name
		}
		return s.cat.T(lang, "trail.number", v)
	}
	switch field {
	case "kind":
		return coded(asset.Kind(v).Key())
	case "domain":
		return coded(asset.Domain(v).Key())
	case "status":
		return coded(asset.Status(v).Key())
	case "confidentiality", "integrity", "availability":
		return coded(asset.LevelKey(asset.Dimension(field), v))
	case "mfa_on_terminals", "takeout_disabled", "isolated_from_other_domains", "traffic_monitoring":
		return coded(asset.Fact(v).Key())
	case "department_id":
		return id(depts)
	case "owner_id", "custodian_id", "disposal_witness_id":
		return id(people)
	case "is_controlled_area":
		switch v {
		case "true":
			return s.cat.T(lang, "common.yes")
		case "false":
			return s.cat.T(lang, "common.no")
		}
	case "retention_years":
		if n, err := strconv.Atoi(v); err == nil {
			return assetRetentionWords(s, lang, n)
		}
	case "next_review_date", "disposed_on":
		return s.assetDateText(r, v)
	}
	return v
}

// assetRetentionWords writes a retention period to be read: "5年", "永年",
// or nothing when none is recorded.
func assetRetentionWords(s *Server, lang string, years int) string {
	switch {
	case years == asset.RetentionPermanent:
		return s.cat.T(lang, "asset.retention.permanent")
	case years <= 0:
		return ""
	}
	return s.cat.T(lang, "asset.retention.years", years)
}

func (s *Server) assetDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if _, err := s.assetForEdit(ctx, s.db, sc, id.Principal, aid); err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *db.Tx) error {
		return asset.Delete(ctx, tx, sc, id.Principal, aid)
	})
	if errors.Is(err, asset.ErrInUse) {
		s.setFlash(w, r, "error", "assetweb.delete_in_use")
		http.Redirect(w, r, fmt.Sprintf("/assets/%d#links", aid), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return assetDenied(err)
	}
	return s.redirect(w, r, "/assets", "assetweb.deleted")
}

func (s *Server) assetDispose(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if _, err := s.assetForEdit(ctx, s.db, sc, id.Principal, aid); err != nil {
		return err
	}
	p := formProblems{}
	st := asset.StatusInput{
		Status:         string(asset.StatusDisposed),
		DisposedOn:     r.PostFormValue("disposed_on"),
		DisposalMethod: r.PostFormValue("disposal_method"),
	}
	st.DisposalWitnessID = p.id("disposal_witness_id", r.PostFormValue("disposal_witness_id"))
	st.Version = p.int("version", r.PostFormValue("version"), 0)
	if len(p) > 0 {
		err = validate.Errors(p)
	} else {
		err = s.transact(ctx, func(tx *db.Tx) error {
			_, err := asset.SetStatus(ctx, tx, sc, id.Principal, aid, st)
			return err
		})
	}
	if err != nil {
		return s.assetShowAgain(w, r, "dispose", assetDenied(err))
	}
	return s.redirect(w, r, fmt.Sprintf("/assets/%d", aid), "assetweb.disposed")
}

func (s *Server) assetLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	if _, err := s.assetForEdit(ctx, s.db, sc, id.Principal, aid); err != nil {
		return err
	}
	p := formProblems{}
	in := asset.LinkInput{FromID: aid, Relation: r.PostFormValue("relation")}
	in.ToID = p.id("to_id", r.PostFormValue("to_id"))
	if len(p) > 0 {
		err = validate.Errors(p)
	} else {
		err = s.transact(ctx, func(tx *db.Tx) error {
			_, err := asset.AddLink(ctx, tx, sc, id.Principal, in)
			return err
		})
	}
	if err != nil {
		return s.assetShowAgain(w, r, "link", assetDenied(err))
	}
	return s.redirect(w, r, fmt.Sprintf("/assets/%d#links", aid), "assetweb.linked")
}

// assetUnlink removes a link. {lid} is the asset at the other end; the
// form says which way the link runs ("in": the other asset is its "from",
// and removing it is a change of that asset).
func (s *Server) assetUnlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	lid, err := mustID(r, "lid")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	in := asset.LinkInput{FromID: aid, ToID: lid, Relation: r.PostFormValue("relation")}
	switch r.PostFormValue("direction") {
	case "", "out":
	case "in":
		in.FromID, in.ToID = lid, aid
	default:
		return &httpx.BadRequest{Key: "error.bad_request"}
	}
	if _, err := s.assetForEdit(ctx, s.db, sc, id.Principal, in.FromID); err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *db.Tx) error {
		return asset.RemoveLink(ctx, tx, sc, id.Principal, in)
	})
	if _, ok := validate.As(err); ok {
		return &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	if err != nil {
		return assetDenied(err)
	}
	return s.redirect(w, r, fmt.Sprintf("/assets/%d#links", aid), "assetweb.unlinked")
}
