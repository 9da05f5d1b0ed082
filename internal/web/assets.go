package web

// The information asset register's list (seed §2(1), §4(2), §6(2)): search,
// filters, counts per confidentiality level and cursor pages. Who sees which
// row, and which rows are masked, is decided by package asset; this page
// only shows what it is given.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// assetPageSize is how many assets one page of the list shows.
const assetPageSize = 50

// assetListPage is the 情報資産台帳.
type assetListPage struct {
	Rows []assetRow
	// Query is the filter as given, shown again in the form; Filtered is
	// set when any condition narrows the list.
	Query    url.Values
	Filtered bool
	// MoreOpen opens the further conditions when one of them is in use.
	MoreOpen bool

	Counts      []assetCountLink
	Total       int
	TotalURL    string
	TotalActive bool

	Groups       []asset.KindGroup
	Confidential []string
	Integrity    []string
	Availability []string
	Domains      []asset.Domain
	Statuses     []asset.Status
	Sorts        []asset.Sort
	Departments  []deptOption
	Owners       []assetPersonChoice
	SelfOnly     bool
	NextURL      string
	FirstURL     string
	CanCreate    bool
	CanExport    bool
	CanImport    bool
	ExportCSV    string
	ExportXLSX   string
	SchemeKey    string
	CanConfigure bool
}

// assetCountLink is one level of the summary bar: its count, and the list
// narrowed to it.
type assetCountLink struct {
	Level  string
	Name   string
	Count  int
	URL    string
	Active bool
}

// assetRow is one line of the list.
type assetRow struct {
	A          asset.Asset
	Department string
	Owner      string
	Review     time.Time
	Class      assetClass
	// Problems counts what needs doing: domain-rule breaches and an
	// overdue review.
	Problems int
}

// assetPersonChoice is a person as a choice in a select.
type assetPersonChoice struct {
	ID    int64
	Label string
}

// parseAssetFilter reads the list's conditions from a query string with
// the export's reader (assetfile.FilterFromQuery), so the list, its export
// and the API read the same parameters alike. A value no form offers, or a
// cursor that was tampered with, is a bad request.
func parseAssetFilter(q url.Values) (asset.Filter, error) {
	f, err := assetfile.FilterFromQuery(q)
	if err != nil {
		return f, &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	f.Query = strings.TrimSpace(f.Query)
	if r := []rune(f.Query); len(r) > asset.MaxQuery {
		f.Query = string(r[:asset.MaxQuery])
	}
	f.Cursor, f.Limit = q.Get("cursor"), assetPageSize
	if err := f.Validate(); err != nil {
		return f, &httpx.BadRequest{Key: "error.bad_request", Err: err}
	}
	return f, nil
}

// assetListValues is the query string of a listing without its cursor and
// without empty values, for links that start a listing afresh.
func assetListValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k == "cursor" || len(v) == 0 || v[0] == "" {
			continue
		}
		out[k] = v[:1]
	}
	return out
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (s *Server) assetList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	q := r.URL.Query()
	f, err := parseAssetFilter(q)
	if err != nil {
		return err
	}
	list, err := asset.List(ctx, s.db, sc, p, f)
	if ve, ok := validate.As(err); ok {
		// A cursor that was tampered with or outlived a change of order.
		return &httpx.BadRequest{Key: "error.invalid_cursor", Err: ve}
	}
	if err != nil {
		return err
	}
	counts, err := asset.Counts(ctx, s.db, sc, p, f)
	if err != nil {
		return err
	}
	scheme, err := asset.SchemeOf(ctx, s.db, sc)
	if err != nil {
		return err
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	names := departmentNames(depts)
	base := assetListValues(q)
	grant := authz.GrantFor(p, authz.ViewAssets)
	page := assetListPage{
		Query:        base,
		Groups:       asset.Groups,
		Confidential: asset.LevelsOf(scheme, asset.DimConfidentiality),
		Integrity:    asset.LevelsOf(scheme, asset.DimIntegrity),
		Availability: asset.LevelsOf(scheme, asset.DimAvailability),
		Domains:      asset.Domains,
		Statuses:     asset.Statuses,
		Sorts:        asset.Sorts,
		Departments:  deptChoices(depts, names),
		SelfOnly:     !grant.All && len(grant.Departments) == 0 && len(grant.Systems) == 0,
		CanCreate:    authz.CanSome(p, authz.EditAssets),
		CanExport:    authz.CanSome(p, authz.ExportAssets),
		CanImport:    authz.CanSome(p, authz.ImportAssets),
		CanConfigure: authz.CanSome(p, authz.ConfigureAssets),
		SchemeKey:    scheme.Key(),
	}
	for k := range base {
		if k != "sort" && k != "desc" {
			page.Filtered = true
		}
		switch k {
		case "integrity", "availability", "domain", "owner_id", "review_overdue", "tag", "sort", "desc":
			page.MoreOpen = true
		}
	}

	// The summary bar: every level of the scheme with its count under the
	// other conditions, each a link narrowing the list to it.
	lang := s.lang(r)
	page.Total = counts.Total
	all := assetListValues(q)
	all.Del("confidentiality")
	page.TotalURL = withQuery("/assets", all)
	page.TotalActive = f.Confidentiality == ""
	byLevel := map[asset.Confidentiality]int{}
	for _, c := range counts.Levels {
		byLevel[c.Level] = c.Count
	}
	for _, l := range scheme.Levels() {
		v := assetListValues(q)
		v.Set("confidentiality", string(l))
		page.Counts = append(page.Counts, assetCountLink{Level: string(l), Name: s.cat.T(lang, asset.LevelKey(asset.DimConfidentiality, string(l))),
			Count: byLevel[l], URL: withQuery("/assets", v), Active: f.Confidentiality == l})
	}

	if page.CanExport {
		for _, format := range []string{"csv", "xlsx"} {
			v := assetListValues(q)
			v.Set("format", format)
			if format == "csv" {
				page.ExportCSV = withQuery("/assets/export", v)
			} else {
				page.ExportXLSX = withQuery("/assets/export", v)
			}
		}
	}

	// Owners are named with one query for the page; masked rows name none.
	var owners []int64
	for _, a := range list.Items {
		if !a.Masked && a.OwnerID != 0 {
			owners = append(owners, a.OwnerID)
		}
	}
	people := map[int64]string{}
	if len(owners) > 0 {
		if people, err = personNamesByID(ctx, s.db, sc, owners); err != nil {
			return err
		}
	}
	for _, a := range list.Items {
		row := assetRow{A: a, Department: names[a.DepartmentID], Class: s.assetClassOf(lang, a)}
		if !a.Masked {
			row.Owner = people[a.OwnerID]
			row.Review = assetDay(a.NextReviewDate)
			row.Problems = len(a.Warnings())
			if a.ReviewOverdue {
				row.Problems++
			}
		}
		page.Rows = append(page.Rows, row)
	}

	// The owner filter offers oneself and, when the list is already
	// narrowed to someone (a link from an asset's page), that person: a
	// select of every person would be thousands long. Their name comes
	// from the rows the reader sees, never from the id alone, so the
	// filter cannot be used to look people up.
	page.Owners = []assetPersonChoice{{ID: id.Person.ID, Label: s.cat.T(lang, "assetweb.owner_me", id.Person.Name)}}
	if f.OwnerID != 0 && f.OwnerID != id.Person.ID {
		label := people[f.OwnerID]
		if label == "" {
			label = s.cat.T(lang, "trail.number", f.OwnerID)
		}
		page.Owners = append(page.Owners, assetPersonChoice{ID: f.OwnerID, Label: label})
	}

	if list.NextCursor != "" {
		next := assetListValues(q)
		next.Set("cursor", list.NextCursor)
		page.NextURL = withQuery("/assets", next)
	}
	if f.Cursor != "" {
		page.FirstURL = withQuery("/assets", assetListValues(q))
	}
	return s.render(w, r, "assets", "asset.title", page)
}

// assetDay reads a stored date (YYYY-MM-DD) as midnight in Japan, for the
// date template function; empty or unreadable gives the zero time, which
// shows as nothing.
func assetDay(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", v, wareki.Location)
	if err != nil {
		return time.Time{}
	}
	return t
}

// assetDenied turns the asset package's refusal into the UI's, so the page
// is a 403 and the refusal lands in the trail.
func assetDenied(err error) error {
	if errors.Is(err, asset.ErrForbidden) {
		return deniedError{authz.EditAssets}
	}
	return err
}

// assetForEdit loads the asset a change is about. An asset outside the
// person's view is refused rather than reported missing: a change is an
// attempt worth recording, and the id alone says nothing the numbering
// does not. An asset they see only masked, or may view but not edit, is
// refused too.
func (s *Server) assetForEdit(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, aid int64) (asset.Asset, error) {
	a, err := asset.Get(ctx, q, sc, p, aid)
	if errors.Is(err, db.ErrNotFound) {
		exists, xerr := assetExists(ctx, q, sc, aid)
		if xerr != nil {
			return a, xerr
		}
		if exists {
			return a, deniedError{authz.EditAssets}
		}
		return a, err
	}
	if err != nil {
		return a, err
	}
	perm, err := asset.PermissionsOn(ctx, q, sc, p, a)
	if err != nil {
		return a, err
	}
	if a.Masked || !perm.Edit || !perm.ViewRestricted {
		return a, deniedError{authz.EditAssets}
	}
	return a, nil
}

// assetExists reports whether the organisation has an asset with this id.
// TODO: belongs in package asset (owned elsewhere) as a query of its own.
func assetExists(ctx context.Context, q db.Querier, sc scope.Scope, aid int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ? AND id = ?`, sc.OrgID, aid).Scan(&n); err != nil {
		return false, fmt.Errorf("cannot look up asset %d: %w", aid, err)
	}
	return n > 0, nil
}

// assetClass is an asset's classification in the reader's words.
type assetClass struct {
	C, I, A string // "機密性3B", "完全性2", "可用性1"
	Badge   string // the confidentiality badge's class
}

func (s *Server) assetClassOf(lang string, a asset.Asset) assetClass {
	return assetClass{
		C:     s.cat.T(lang, asset.LevelKey(asset.DimConfidentiality, string(a.Confidentiality))),
		I:     s.cat.T(lang, asset.LevelKey(asset.DimIntegrity, string(a.Integrity))),
		A:     s.cat.T(lang, asset.LevelKey(asset.DimAvailability, string(a.Availability))),
		Badge: assetBadge(a.Confidentiality),
	}
}

// assetBadge is the badge class of a confidentiality level: the levels
// whose details are restricted stand out, 2 is marked, 1 is plain.
func assetBadge(c asset.Confidentiality) string {
	switch {
	case c.Restricted():
		return "badge-danger"
	case c == asset.C3C:
		return "badge-danger"
	case c == asset.C2:
		return "badge-warning"
	}
	return "badge-neutral"
}
