package web

// The handling label: an asset's name, classification and handling rules
// on one A4 page, to print and put on a binder, a server or a medium (分類の
// 表示, seed §6(2)). The page is its own document without the site's frame
// (templates/asset_label.html redefines "layout"), so what prints is the
// label alone.

import (
	"net/http"
	"time"

	"mamori/internal/asset"
	"mamori/internal/httpx"
	"mamori/internal/org"
)

// assetLabelPage is the label of one asset.
type assetLabelPage struct {
	A          asset.Asset
	Class      assetClass
	Department string
	Owner      string
	Handling   []assetRuleLine
	PrintedOn  time.Time
}

func (s *Server) assetLabel(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	a, err := asset.Get(ctx, s.db, sc, id.Principal, aid)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := assetLabelPage{A: a, Class: s.assetClassOf(lang, a), PrintedOn: time.Now()}
	if !a.Masked {
		depts, err := org.ListDepartments(ctx, s.db, sc)
		if err != nil {
			return err
		}
		page.Department = departmentNames(depts)[a.DepartmentID]
		people, err := personNamesByID(ctx, s.db, sc, []int64{a.OwnerID})
		if err != nil {
			return err
		}
		page.Owner = people[a.OwnerID]
		for _, rule := range a.Handling() {
			page.Handling = append(page.Handling, assetRuleLine{Aspect: s.cat.T(lang, rule.Aspect.Key()), Text: s.cat.T(lang, rule.Key),
				Basis: s.cat.T(lang, asset.LevelKey(rule.Dimension, rule.Level))})
		}
	}
	return s.renderTitled(w, r, "asset_label", s.cat.T(lang, "assetweb.label_title_of", assetNameFor(s, lang, a)), page)
}
