package assetfile

import (
	"net/url"
	"strconv"
	"strings"

	"mamori/internal/asset"
	"mamori/internal/validate"
)

// FilterParams are the query parameters of a register listing, named as
// asset.Filter's JSON fields: the same names in the list's address, its
// export and the API (?confidentiality=2&domain=mynumber&q=…).
var FilterParams = []string{"q", "kind", "confidentiality", "integrity", "availability", "domain",
	"department_id", "owner_id", "status", "review_overdue", "tag", "sort", "desc"}

// FilterFromQuery reads a listing's filter from query parameters. Codes
// are checked by asset.Filter.Validate (which the listing runs); what this
// reads itself (ids and truth values) it checks here, by parameter name.
// Paging parameters (limit, cursor) are the caller's.
func FilterFromQuery(v url.Values) (asset.Filter, error) {
	e := validate.Errors{}
	f := asset.Filter{
		Query:           v.Get("q"),
		Kind:            asset.Kind(strings.TrimSpace(v.Get("kind"))),
		Confidentiality: asset.Confidentiality(strings.ToUpper(strings.TrimSpace(v.Get("confidentiality")))),
		Integrity:       asset.Integrity(strings.TrimSpace(v.Get("integrity"))),
		Availability:    asset.Availability(strings.TrimSpace(v.Get("availability"))),
		Domain:          asset.Domain(strings.TrimSpace(v.Get("domain"))),
		Status:          asset.Status(strings.TrimSpace(v.Get("status"))),
		Tag:             v.Get("tag"),
		Sort:            asset.Sort(strings.TrimSpace(v.Get("sort"))),
	}
	id := func(name string) int64 {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return 0
		}
		n, ok := parseDigits(s)
		if !ok {
			e.Add(name, "error.invalid_number")
		}
		return n
	}
	f.DepartmentID = id("department_id")
	f.OwnerID = id("owner_id")
	flag := func(name string) bool {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return false
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			if s == "on" {
				return true
			}
			e.Add(name, "error.invalid_choice")
		}
		return b
	}
	f.ReviewOverdue = flag("review_overdue")
	f.Desc = flag("desc")
	if err := e.Err(); err != nil {
		return f, err
	}
	return f, nil
}

// FilterQuery writes a filter back as query parameters, for the links of
// a listing (its export, its next page).
func FilterQuery(f asset.Filter) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Query)
	set("kind", string(f.Kind))
	set("confidentiality", string(f.Confidentiality))
	set("integrity", string(f.Integrity))
	set("availability", string(f.Availability))
	set("domain", string(f.Domain))
	if f.DepartmentID != 0 {
		set("department_id", strconv.FormatInt(f.DepartmentID, 10))
	}
	if f.OwnerID != 0 {
		set("owner_id", strconv.FormatInt(f.OwnerID, 10))
	}
	set("status", string(f.Status))
	if f.ReviewOverdue {
		set("review_overdue", "true")
	}
	set("tag", f.Tag)
	if f.Sort != "" && f.Sort != asset.SortName {
		set("sort", string(f.Sort))
	}
	if f.Desc {
		set("desc", "true")
	}
	return v
}
