package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
)

// ciso is a principal that may do anything to the register, for setting
// up assets without going through the pages.
func (e *adminEnv) ciso() authz.Principal {
	return authz.Principal{PersonID: e.admin.personID, Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
}

// newAsset registers an asset directly; missing levels default to 1 and
// the kind to information.
func (e *adminEnv) newAsset(in asset.Input) asset.Asset {
	e.t.Helper()
	if in.Kind == "" {
		in.Kind = string(asset.KindInformation)
	}
	for _, l := range []*string{&in.Confidentiality, &in.Integrity, &in.Availability} {
		if *l == "" {
			*l = "1"
		}
	}
	var a asset.Asset
	e.tx(func(tx *db.Tx) error {
		var err error
		a, err = asset.Create(e.ctx, tx, e.sc, e.ciso(), in)
		return err
	})
	return a
}

// getAsset reads an asset as the CISO sees it.
func (e *adminEnv) getAsset(id int64) asset.Asset {
	e.t.Helper()
	a, err := asset.Get(e.ctx, e.d, e.sc, e.ciso(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// countAssets counts the organisation's assets.
func (e *adminEnv) countAssets() int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, e.org.ID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// page GETs a page and fails unless it answers with the status.
func (e *adminEnv) page(path string, s *session, status int) string {
	e.t.Helper()
	w := e.do(http.MethodGet, path, s, nil)
	if w.Code != status {
		e.t.Fatalf("GET %s: status %d, want %d\n%s", path, w.Code, status, w.Body.String())
	}
	return w.Body.String()
}

// post POSTs a form and fails unless it answers with the status.
func (e *adminEnv) post(path string, s *session, form url.Values, status int) string {
	e.t.Helper()
	w := e.do(http.MethodPost, path, s, form)
	if w.Code != status {
		e.t.Fatalf("POST %s: status %d, want %d\n%s", path, w.Code, status, w.Body.String())
	}
	return w.Body.String()
}

// mustContain and mustNotContain check a page's text.
func mustContain(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s lacks %q", what, p)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("%s shows %q", what, p)
		}
	}
}

// The route × role table's asset rows work on one asset per environment:
// a piece of information (not a system, so no 情報システム管理者 reaches it
// whatever its id) in the fixture's section, owned by the fixture's target.
var assetRouteIDs sync.Map // *adminEnv → int64

func assetRouteInput(f *routeFixture, name string) asset.Input {
	return asset.Input{Name: name, Kind: string(asset.KindInformation), DepartmentID: f.section, OwnerID: f.target,
		Confidentiality: "2", Integrity: "1", Availability: "1"}
}

func assetRouteID(e *adminEnv, f *routeFixture) int64 {
	if v, ok := assetRouteIDs.Load(e); ok {
		return v.(int64)
	}
	a := e.newAsset(assetRouteInput(f, "経路確認用の情報"))
	assetRouteIDs.Store(e, a.ID)
	return a.ID
}

// onAsset is a path on the table's asset.
func onAsset(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		return "/assets/" + itoa(assetRouteID(e, f)) + suffix
	}
}

// onFreshAsset is a path on a new asset, for a request that consumes it.
func onFreshAsset(suffix string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string {
		e.n++
		return "/assets/" + itoa(e.newAsset(assetRouteInput(f, "削除確認用"+itoa(int64(e.n)))).ID) + suffix
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// onAssetSelfLink is the removal of a link from the table's asset to
// itself, which no form sends.
func onAssetSelfLink(e *adminEnv, f *routeFixture) string {
	id := itoa(assetRouteID(e, f))
	return "/assets/" + id + "/links/" + id + "/delete"
}

// assetSeen gives the listed roles a status; every other role finds no such
// asset (404): an asset out of a reader's view is not revealed.
func assetSeen(status int, roles ...authz.Role) map[authz.Role]int {
	m := map[authz.Role]int{}
	for _, ri := range authz.Catalogue {
		m[ri.Code] = http.StatusNotFound
	}
	for _, r := range roles {
		m[r] = status
	}
	return m
}
