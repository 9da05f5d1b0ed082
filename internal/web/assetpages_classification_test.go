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

// The organisation writes its own sentence for a level, which the asset
// form then shows; it switches scheme with the mapping explained, and each
// asset's level, handling and history follow.
func TestAssetPagesClassification(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b := e.department("総務部", 0)
		sec := e.department("総務課", b)
		owner := e.person("山田 太郎", sec, true)
		director := e.signIn(e.person("統括 責任者", sec, true, roleInput(authz.SecurityDirector, 0, 0)))
		officer := e.signIn(e.person("総務 責任者", sec, true, roleInput(authz.SecurityOfficer, b, 0)))
		staff := e.signIn(owner)
		secret := e.newAsset(asset.Input{Name: "人事評価の記録", DepartmentID: sec, OwnerID: owner, Confidentiality: "3"})
		e.newAsset(asset.Input{Name: "会議録", DepartmentID: sec, OwnerID: owner, Confidentiality: "2"})

		// Everyone reads the scheme; only asset.configure holders change it.
		body := e.page("/settings/classification", staff, http.StatusOK)
		mustContain(t, "staff's view", body, e.ja("asset.scheme.legacy"), e.ja("asset.level_desc.confidentiality.3"))
		mustNotContain(t, "staff's view", body, `action="/settings/classification"`, "/settings/classification/scheme")
		e.post("/settings/classification", officer, url.Values{"dimension": {"confidentiality"}, "level": {"2"}, "description": {"x"}},
			http.StatusForbidden)
		e.post("/settings/classification/scheme", officer, url.Values{"to": {"2024"}}, http.StatusForbidden)

		// A sentence of the organisation's own, shown on the asset form.
		own := "外部に出すと業務に支障がある、当協会の内部向けの情報。"
		body = e.post("/settings/classification", director, url.Values{"dimension": {"confidentiality"}, "level": {"2"},
			"description": {strings.Repeat("あ", asset.MaxLevelDescription+1)}}, http.StatusBadRequest)
		mustContain(t, "too long", body, `id="desc-level-confidentiality-2-error"`)
		e.post("/settings/classification", director, url.Values{"dimension": {"confidentiality"}, "level": {"2"}, "description": {own}},
			http.StatusSeeOther)
		mustContain(t, "form", e.page("/assets/new", director, http.StatusOK), own)
		mustNotContain(t, "form", e.page("/assets/new", director, http.StatusOK), e.ja("asset.level_desc.confidentiality.2"))
		e.post("/settings/classification", director, url.Values{"dimension": {"confidentiality"}, "level": {"2"}, "reset": {"1"}},
			http.StatusSeeOther)
		mustContain(t, "form after reset", e.page("/assets/new", director, http.StatusOK), e.ja("asset.level_desc.confidentiality.2"))

		// The switch explains where each level goes and how many move.
		body = e.page("/settings/classification", director, http.StatusOK)
		mustContain(t, "switch", body, e.ja("assetweb.switch_lead.2024"), e.ja("assetweb.switch_moving", 1),
			`name="level3_to" value="3B" checked`, `data-confirm=`)
		e.post("/settings/classification/scheme", director, url.Values{"to": {"2024"}, "level3_to": {"3B"}}, http.StatusSeeOther)
		if a := e.getAsset(secret.ID); a.Confidentiality != asset.C3B {
			t.Fatalf("after the switch: %s", a.Confidentiality)
		}
		body = e.page("/assets/"+itoa(secret.ID), director, http.StatusOK)
		mustContain(t, "switched asset", body, e.ja("assetweb.history.scheme"), `<span class="change-after">機密性3B</span>`,
			e.ja("handling.labelling.c3b"))
		body = e.page("/assets", director, http.StatusOK)
		mustContain(t, "list after switch", body, e.ja("assetweb.level_count", "機密性3A", 0), e.ja("assetweb.level_count", "機密性3B", 1))

		// Switching to the scheme in use is refused on the page.
		body = e.post("/settings/classification/scheme", director, url.Values{"to": {"2024"}}, http.StatusBadRequest)
		mustContain(t, "same scheme", body, e.ja("asset.scheme_unchanged"))
		// And back: 3A, 3B and 3C all become 3.
		body = e.page("/settings/classification", director, http.StatusOK)
		mustContain(t, "switch back", body, e.ja("assetweb.switch_lead.legacy"))
		e.post("/settings/classification/scheme", director, url.Values{"to": {"legacy"}}, http.StatusSeeOther)
		if a := e.getAsset(secret.ID); a.Confidentiality != asset.C3 {
			t.Fatalf("after switching back: %s", a.Confidentiality)
		}
	})
}
