package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// assetForm is a complete, valid form for a new asset.
func assetForm(dept, owner int64, name string) url.Values {
	return url.Values{"name": {name}, "kind": {"system"}, "department_id": {itoa(dept)}, "owner_id": {itoa(owner)},
		"confidentiality": {"2"}, "integrity": {"2"}, "availability": {"1"}, "domain": {"lgwan"}, "status": {"in_use"}}
}

// The register form refuses bad input beside each field, keeps what was
// typed, and writes nothing; good input, dates in 和暦 among it, is saved.
func TestAssetPagesForm(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b := e.department("総務部", 0)
		sec := e.department("総務課", b)
		officer := e.signIn(e.person("山田 太郎", sec, true, roleInput(authz.SecurityOfficer, b, 0)))
		owner := e.person("佐藤 花子", sec, false)

		// The form offers the 部局's people, and the organisation's levels
		// with their sentences.
		body := e.page("/assets/new", officer, http.StatusOK)
		mustContain(t, "new form", body, "佐藤 花子", e.ja("asset.level_desc.confidentiality.3"), `name="confidentiality" value="3"`,
			`for="f-name"`, `id="f-name"`)

		n0, head0 := e.countAssets(), e.head()
		bad := assetForm(sec, owner, "")
		bad.Set("kind", "spaceship")
		bad.Set("confidentiality", "3A") // not in the organisation's (older) scheme
		bad.Set("next_review_date", "令和7年13月1日")
		bad.Set("retention_years", "たくさん")
		bad.Set("description", "住民票の写しを保管する")
		bad.Set("tags", "個人情報、窓口")
		body = e.post("/assets", officer, bad, http.StatusBadRequest)
		mustContain(t, "refused form", body,
			`id="f-name-error"`, `aria-describedby="f-name-hint f-name-error"`, e.ja("error.required"),
			`id="f-kind-error"`, e.ja("error.invalid_choice"),
			`id="f-next_review_date-error"`, e.ja("error.invalid_date"), "令和7年13月1日",
			`id="f-retention_years-error"`, e.ja("asset.retention_invalid", asset.MaxRetentionYears), "たくさん",
			"住民票の写しを保管する", "個人情報、窓口", "error-summary")
		if e.countAssets() != n0 || e.head() != head0 {
			t.Errorf("a refused form wrote something: %d assets (was %d), trail head %d (was %d)", e.countAssets(), n0, e.head(), head0)
		}
		// The level the older scheme lacks is refused by the domain check.
		fixed := assetForm(sec, owner, "住民情報システム")
		fixed.Set("confidentiality", "3A")
		body = e.post("/assets", officer, fixed, http.StatusBadRequest)
		mustContain(t, "level not in scheme", body, e.ja("asset.level_not_in_scheme"))

		// Asking for another department's people is not a submission.
		refresh := assetForm(sec, owner, "途中の入力")
		refresh.Set("refresh", "1")
		body = e.post("/assets", officer, refresh, http.StatusOK)
		mustContain(t, "refreshed form", body, "途中の入力")
		if e.countAssets() != n0 {
			t.Error("refreshing the people saved the asset")
		}

		good := assetForm(sec, owner, "住民情報システム")
		good.Set("next_review_date", "令和8年4月1日")
		good.Set("retention_years", "５年")
		good.Set("tags", "個人情報、窓口")
		w := e.do(http.MethodPost, "/assets", officer, good)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/assets/") {
			t.Fatalf("create: %d %s", w.Code, w.Header().Get("Location"))
		}
		id := strings.TrimPrefix(w.Header().Get("Location"), "/assets/")
		var a asset.Asset
		for _, x := range e.allAssets() {
			if itoa(x.ID) == id {
				a = x
			}
		}
		if a.Name != "住民情報システム" || a.NextReviewDate != "2026-04-01" || a.RetentionYears != 5 || strings.Join(a.Tags, "|") != "個人情報|窓口" {
			t.Fatalf("stored %+v", a)
		}

		// A refused change writes nothing either, and keeps what was typed.
		head1 := e.head()
		edit := assetForm(sec, owner, "")
		edit.Set("version", itoa(a.Version))
		edit.Set("location", "サーバ室B")
		body = e.post("/assets/"+id, officer, edit, http.StatusBadRequest)
		mustContain(t, "refused change", body, `id="f-name-error"`, "サーバ室B")
		if got := e.getAsset(a.ID); got.Version != a.Version || got.Name != a.Name || e.head() != head1 {
			t.Errorf("a refused change wrote something: %+v", got)
		}

		// A change of classification changes the handling at once, and the
		// history shows it.
		edit = assetForm(sec, owner, "住民情報システム")
		edit.Set("version", itoa(a.Version))
		edit.Set("confidentiality", "3")
		e.post("/assets/"+id, officer, edit, http.StatusSeeOther)
		body = e.page("/assets/"+id, officer, http.StatusOK)
		mustContain(t, "changed asset", body, e.ja("handling.labelling.c3"), e.ja("handling.terminal.issued_only"),
			`<span class="change-before">機密性2</span>`, `<span class="change-after">機密性3</span>`)
		mustNotContain(t, "changed asset", body, e.ja("handling.labelling.c2"))

		// The same stale version again is a conflict, shown on the form.
		body = e.post("/assets/"+id, officer, edit, http.StatusBadRequest)
		mustContain(t, "stale form", body, e.ja("assetweb.conflict"))
	})
}

// allAssets lists every asset as the CISO sees them.
func (e *adminEnv) allAssets() []asset.Asset {
	e.t.Helper()
	var out []asset.Asset
	f := asset.Filter{Limit: asset.MaxLimit}
	for {
		p, err := asset.List(e.ctx, e.d, e.sc, e.ciso(), f)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
}
