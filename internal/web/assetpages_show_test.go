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

// An asset's page shows the handling its classification asks for and the
// network-domain rules it breaks; recording the missing facts clears them.
func TestAssetPagesHandlingAndWarnings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b := e.department("総務部", 0)
		sec := e.department("総務課", b)
		owner := e.person("山田 太郎", sec, true)
		officer := e.signIn(e.person("総務 責任者", sec, true, roleInput(authz.SecurityOfficer, b, 0)))
		terminal := e.newAsset(asset.Input{Name: "マイナンバー端末", Kind: "equipment", DepartmentID: sec, OwnerID: owner,
			Domain: "mynumber", MFAOnTerminals: "yes", TakeoutDisabled: "no", Confidentiality: "3", Integrity: "2", Availability: "1"})
		web := e.newAsset(asset.Input{Name: "公開ウェブサーバ", Kind: "system", DepartmentID: sec, OwnerID: owner, Domain: "internet",
			Confidentiality: "1", Integrity: "2", Availability: "2"})

		p := "/assets/" + itoa(terminal.ID)
		body := e.page(p, officer, http.StatusOK)
		mustContain(t, "terminal", body,
			e.ja("asset.handling_title"), e.ja("handling.labelling.c3"), e.ja("handling.takeout.c3b"), e.ja("handling.change.i2"),
			e.ja("handling.recovery.a1"), e.ja("asset.aspect.disposal"),
			e.ja("asset.warning.takeout_disabled.no"), e.ja("asset.warning.isolated_from_other_domains.unknown"),
			`href="/assets/`+itoa(terminal.ID)+`/edit#f-takeout_disabled"`, `href="`+p+`/label"`)
		mustNotContain(t, "terminal", body, e.ja("asset.warning.mfa_on_terminals.unknown"), e.ja("asset.warning.mfa_on_terminals.no"))
		body = e.page("/assets/"+itoa(web.ID), officer, http.StatusOK)
		mustContain(t, "web server", body, e.ja("asset.warning.traffic_monitoring.unknown"), e.ja("handling.backup.a2"),
			e.ja("handling.recovery.a2"))

		// The label prints the name, the classification and the handling,
		// and nothing of the site's frame.
		body = e.page(p+"/label", officer, http.StatusOK)
		mustContain(t, "label", body, "マイナンバー端末", "機密性3・完全性2・可用性1", e.ja("handling.storage.c3b"), e.ja("handling.disposal.c3b"))
		mustNotContain(t, "label", body, `class="site-nav"`, `class="site-header"`)

		// The list marks the assets that need action.
		body = e.page("/assets", officer, http.StatusOK)
		mustContain(t, "list", body, e.ja("assetweb.needs_action", 2), e.ja("assetweb.needs_action", 1))

		// Recording the facts clears the warnings.
		form := url.Values{"name": {"マイナンバー端末"}, "kind": {"equipment"}, "department_id": {itoa(sec)}, "owner_id": {itoa(owner)},
			"domain": {"mynumber"}, "confidentiality": {"3"}, "integrity": {"2"}, "availability": {"1"}, "status": {"in_use"},
			"mfa_on_terminals": {"yes"}, "takeout_disabled": {"yes"}, "isolated_from_other_domains": {"yes"}, "version": {itoa(terminal.Version)}}
		e.post(p, officer, form, http.StatusSeeOther)
		body = e.page(p, officer, http.StatusOK)
		mustNotContain(t, "terminal after", body, e.ja("asset.warning.takeout_disabled.no"), e.ja("asset.warning.isolated_from_other_domains.unknown"),
			`id="warnings"`)
		mustContain(t, "terminal after", body, `<span class="change-before">`+e.ja("asset.fact.no")+`</span>`)
	})
}

// Links are added and removed from an asset's page; disposal needs its
// record; an asset still linked is not deleted.
func TestAssetPagesLinksDisposalDelete(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b := e.department("総務部", 0)
		sec := e.department("総務課", b)
		owner := e.person("山田 太郎", sec, true)
		witness := e.person("佐藤 花子", sec, false)
		officer := e.signIn(e.person("総務 責任者", sec, true, roleInput(authz.SecurityOfficer, b, 0)))
		system := e.newAsset(asset.Input{Name: "給与計算システム", Kind: "system", DepartmentID: sec, OwnerID: owner})
		data := e.newAsset(asset.Input{Name: "給与支払データ", Kind: "information", DepartmentID: sec, OwnerID: owner})
		p := "/assets/" + itoa(system.ID)

		// Search, then link.
		body := e.page(p+"?link_q="+url.QueryEscape("支払"), officer, http.StatusOK)
		mustContain(t, "candidates", body, `name="to_id" value="`+itoa(data.ID)+`"`, "給与支払データ")
		body = e.post(p+"/links", officer, url.Values{"to_id": {itoa(data.ID)}, "relation": {"describes"}, "link_q": {"支払"}}, http.StatusBadRequest)
		mustContain(t, "unfit link", body, e.ja("asset.link_kinds"), `id="f-relation-error"`)
		e.post(p+"/links", officer, url.Values{"to_id": {itoa(data.ID)}, "relation": {"holds"}}, http.StatusSeeOther)
		body = e.page(p, officer, http.StatusOK)
		mustContain(t, "system", body, e.ja("assetweb.link.holds.out"), "給与支払データ")
		body = e.page("/assets/"+itoa(data.ID), officer, http.StatusOK)
		mustContain(t, "data", body, e.ja("assetweb.link.holds.in"), "給与計算システム")

		// Linked, it cannot be deleted.
		w := e.do(http.MethodPost, p+"/delete", officer, nil)
		if w.Code != http.StatusSeeOther || e.getAsset(system.ID).ID == 0 {
			t.Fatalf("delete of a linked asset: %d", w.Code)
		}
		body = e.serve(newRequest(http.MethodGet, p, officer, nil, w.Result().Cookies()...)).Body.String()
		mustContain(t, "after refused delete", body, e.ja("assetweb.delete_in_use"))

		// Removing the link from the other end (the link is the system's).
		e.post("/assets/"+itoa(data.ID)+"/links/"+itoa(system.ID)+"/delete", officer,
			url.Values{"relation": {"holds"}, "direction": {"in"}}, http.StatusSeeOther)
		body = e.page(p, officer, http.StatusOK)
		mustContain(t, "after unlink", body, e.ja("assetweb.no_links"),
			e.ja("assetweb.history.link_removed", e.ja("assetweb.link.holds.out"), "給与支払データ"))

		// Disposal needs its date, method and witness.
		head := e.head()
		body = e.post(p+"/dispose", officer, url.Values{"disposed_on": {"明日"}, "version": {itoa(system.Version)}}, http.StatusBadRequest)
		mustContain(t, "refused disposal", body, `id="f-disposed_on-error"`, `id="f-disposal_method-error"`, `id="f-disposal_witness_id-error"`, "明日")
		if e.head() != head || e.getAsset(system.ID).Status != asset.StatusInUse {
			t.Error("a refused disposal wrote something")
		}
		e.post(p+"/dispose", officer, url.Values{"disposed_on": {"令和7年3月10日"}, "disposal_method": {"物理破壊"},
			"disposal_witness_id": {itoa(witness)}, "version": {itoa(system.Version)}}, http.StatusSeeOther)
		a := e.getAsset(system.ID)
		if a.Status != asset.StatusDisposed || a.DisposedOn != "2025-03-10" || a.DisposalWitnessID != witness {
			t.Fatalf("disposed: %+v", a)
		}
		body = e.page(p, officer, http.StatusOK)
		mustContain(t, "disposed", body, "令和7年3月10日", "物理破壊", e.ja("assetweb.witnessed_by", "佐藤 花子"))
		mustNotContain(t, "disposed", body, `action="`+p+`/dispose`)

		// Unlinked, it can be deleted.
		e.post(p+"/delete", officer, nil, http.StatusSeeOther)
		e.page(p, officer, http.StatusNotFound)
		if strings.Contains(e.page("/assets", officer, http.StatusOK), "給与計算システム") {
			t.Error("deleted asset still listed")
		}
	})
}
