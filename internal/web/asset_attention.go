package web

// The home page's 要対応 list of information assets: those that break a
// network-domain rule of seed §6(3) or are overdue for review, among the
// assets the person is responsible for. home.go includes it with the
// "asset_attention" template (templates/_asset_attention.html).

import (
	"net/http"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/httpx"
)

// assetAttentionLimit is how many assets the home page names.
const assetAttentionLimit = 5

// assetAttentionList is the data of the "asset_attention" template.
type assetAttentionList struct {
	Items []assetAttentionItem
	Total int
	More  int // how many more than Items there are
}

// assetAttentionItem is one asset and what it needs, in the reader's
// words.
type assetAttentionItem struct {
	ID      int64
	Name    string
	Reasons []string
}

// assetAttention returns the 要対応 list for the home page, or nil when the
// person has nothing there (or no access to the register), so the page
// can leave the section out.
func (s *Server) assetAttention(r *http.Request) (any, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	if id == nil || !authz.CanSome(id.Principal, authz.ViewAssets) {
		return nil, nil
	}
	page, err := asset.ListNeedingAttention(ctx, s.db, httpx.Scope(r, id.Org.ID), id.Principal, assetAttentionLimit)
	if err != nil {
		return nil, err
	}
	if page.Total == 0 {
		return nil, nil
	}
	lang := s.lang(r)
	out := assetAttentionList{Total: page.Total}
	for _, a := range page.Items {
		item := assetAttentionItem{ID: a.ID, Name: assetNameFor(s, lang, a)}
		for _, w := range a.Warnings() {
			item.Reasons = append(item.Reasons, s.cat.T(lang, w.Key))
		}
		if a.ReviewOverdue {
			item.Reasons = append(item.Reasons, s.cat.T(lang, "asset.review_overdue"))
		}
		out.Items = append(out.Items, item)
	}
	out.More = page.Total - len(out.Items)
	return out, nil
}
